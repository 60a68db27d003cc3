//! `mfile import`: copy files and folders into a version (the work is `engine::import`).

use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::{Bars, Totals, fail_on_errors, print_file_lines};
use crate::cli::ImportArgs;
use crate::config::Ctx;
use crate::engine::import::{Entry, ImportOptions, Sources, import, open_center};
use crate::filter::PathFilter;
use crate::output::{self, human_size};
use crate::values::names::{RelPath, check_name};

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    version: &'a str,
    dry_run: bool,
    files: &'a [Entry],
    totals: &'a Totals,
}

pub fn run(args: ImportArgs, ctx: &Ctx) -> Result<()> {
    let opts = ImportOptions {
        paths: &args.paths,
        model: check_name("model", &args.target.model.name)?,
        version: check_name("version", &args.target.version.name)?,
        subdir: RelPath::parse("--subdir", args.subdir.as_deref().unwrap_or(""))?,
        filter: PathFilter::new(&args.filters.include, &args.filters.exclude)?,
        move_files: args.move_files,
        force: args.force,
        follow_links: args.follow_links,
        dry_run: args.dry_run,
    };
    let started = Instant::now();
    let bars = Bars::new(ctx);
    let sources = Sources::collect(&opts, &bars)?;
    let mut center = open_center(&ctx.center, opts.dry_run)?;
    let imported = import(center.as_mut(), &sources, &opts, &bars)?;
    report(
        ctx,
        opts.model,
        opts.version,
        opts.dry_run,
        imported.entries,
        imported.errors,
        started,
    )
}

fn report(
    ctx: &Ctx,
    model: &str,
    version: &str,
    dry_run: bool,
    mut entries: Vec<Entry>,
    errors: Vec<anyhow::Error>,
    started: Instant,
) -> Result<()> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut totals = Totals::default();
    for entry in &entries {
        totals.add(entry.status, entry.size);
        totals.linked += u64::from(entry.linked);
    }
    if ctx.json {
        output::json(&Report {
            model,
            version,
            dry_run,
            files: &entries,
            totals: &totals,
        })?;
    }
    print_file_lines(ctx, entries.iter().map(|e| (e.status, e.path.as_str())))?;
    let written = totals.imported + totals.replaced + totals.restored;
    output::note(
        ctx,
        &format!(
            "{model} {version}: {}{} in {:.1}s{}",
            totals.summary(),
            if written > 0 {
                format!(" ({} read)", human_size(totals.bytes))
            } else {
                String::new()
            },
            started.elapsed().as_secs_f64(),
            if dry_run {
                " (dry run: nothing was written)"
            } else {
                ""
            }
        ),
    );
    fail_on_errors(&errors, entries.len(), "imported")
}
