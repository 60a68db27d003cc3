//! `mfile pull`: copy a version (or some of its files) into a folder (the work is
//! `engine::pull`).

use std::path::Path;
use std::time::Instant;

use anyhow::Result;
use serde::Serialize;

use super::{Bars, Totals, fail_on_errors, print_file_lines};
use crate::cli::PullArgs;
use crate::config::Ctx;
use crate::engine::Center;
use crate::engine::pull::{Entry, PullOptions, Selector, pull};
use crate::filter::PathFilter;
use crate::output::{self, human_size};
use crate::values::names::check_name;

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    version: &'a str,
    to: String,
    dry_run: bool,
    files: &'a [Entry],
    totals: &'a Totals,
}

pub fn run(args: PullArgs, ctx: &Ctx) -> Result<()> {
    let opts = PullOptions {
        model: check_name("model", &args.target.model.name)?,
        version: check_name("version", &args.target.version.name)?,
        names: &args.paths,
        selectors: Selector::parse_all(&args.paths)?,
        filter: PathFilter::new(&args.filters.include, &args.filters.exclude)?,
        to: &args.to,
        force: args.force,
        dry_run: args.dry_run,
    };
    let started = Instant::now();
    let mut center = Center::open(&ctx.center)?;
    let pulled = pull(&mut center, &opts, &Bars::new(ctx))?;
    report(
        ctx,
        opts.model,
        opts.version,
        opts.to,
        opts.dry_run,
        pulled.entries,
        pulled.errors,
        started,
    )
}

#[allow(clippy::too_many_arguments)]
fn report(
    ctx: &Ctx,
    model: &str,
    version: &str,
    to: &Path,
    dry_run: bool,
    mut entries: Vec<Entry>,
    errors: Vec<anyhow::Error>,
    started: Instant,
) -> Result<()> {
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    let mut totals = Totals::default();
    for entry in &entries {
        totals.add(entry.status, entry.size);
    }
    if ctx.json {
        let to = to.display().to_string();
        output::json(&Report {
            model,
            version,
            to,
            dry_run,
            files: &entries,
            totals: &totals,
        })?;
    }
    print_file_lines(
        ctx,
        entries.iter().map(|e| (e.status, e.destination.as_str())),
    )?;
    output::note(
        ctx,
        &format!(
            "{model} {version} -> {}: {} ({}) in {:.1}s{}",
            to.display(),
            totals.summary(),
            human_size(totals.bytes),
            started.elapsed().as_secs_f64(),
            if dry_run {
                " (dry run: nothing was written)"
            } else {
                ""
            }
        ),
    );
    fail_on_errors(&errors, entries.len(), "pulled")
}
