//! `mfile import`: copy files and folders into a version (the work is `engine::import`).

use std::time::Instant;

use anyhow::Result;

use super::{Bars, Ctx, report_batch, run_ref, warn_unmatched};
use crate::catalog::runs::RunRow;
use crate::cli::{ImportArgs, UserArg};
use crate::engine::import::{Entry, ImportOptions, Sources, import};
use crate::engine::ingest;
use crate::filter::PathFilter;
use crate::output::human_size;
use crate::output::views::{BatchDoc, FileView, Totals};
use crate::values::names::{RelPath, check_name};

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
    // A run named wrong stops the import before it begins, not after.
    let producer = match &args.run {
        Some(reference) => Some(find_run(ctx, opts.model, reference)?),
        None => None,
    };
    let (sources, mut center) = match args.untracked {
        false => {
            let sources = Sources::collect(&opts, &bars)?;
            (sources, ctx.center_for_import(opts.dry_run)?)
        }
        true => {
            let center = ctx.open_center()?;
            center.version(&center.model(opts.model)?, opts.version)?;
            let (sources, skipped) =
                Sources::untracked(&center, opts.model, opts.version, &opts.filter)?;
            skipped.iter().for_each(|why| ctx.out.warn(why));
            (sources, Some(center))
        }
    };
    let imported = import(center.as_mut(), &sources, &opts, &bars)?;
    warn_unmatched(ctx, &opts.filter);
    let (model, version) = (opts.model, opts.version);
    // A version half imported is no run's product yet.
    if let (Some(run), false, true) = (&producer, opts.dry_run, imported.errors.is_empty()) {
        drop(center); // the runs center is opened on its own (on a bucket, with its run log)
        if let Some(other) = run.version.as_deref().filter(|v| *v != version) {
            ctx.out.warn(&format!(
                "run {}/{} was recorded as producing version {other}; it now names {version}",
                run.owner, run.name
            ));
        }
        let mut center = ctx.create_runs_center(model)?;
        ingest::link_version(&mut center, model, version, (&run.owner, &run.name))?;
        ctx.upload_runs(&mut center);
    }
    let doc = BatchDoc {
        model,
        version: Some(version),
        to: None,
        target: None,
        dry_run: opts.dry_run,
        files: imported
            .entries
            .iter()
            .map(|e| view(model, version, e))
            .collect(),
        totals: Totals::default(),
    };
    report_batch(ctx, doc, &imported.errors, "imported", |totals| {
        let written = totals.imported + totals.replaced + totals.restored;
        format!(
            "{model} {version}: {}{} in {:.1}s{}",
            totals.summary(opts.dry_run),
            match written {
                0 => String::new(),
                _ => format!(" ({} read)", human_size(totals.bytes)),
            },
            started.elapsed().as_secs_f64(),
            match opts.dry_run {
                true => " (dry run: nothing was written)",
                false => "",
            }
        )
    })
}

fn view<'a>(model: &'a str, version: &'a str, entry: &'a Entry) -> FileView<'a> {
    FileView {
        status: Some(entry.status.word()),
        size: Some(entry.size),
        md5: entry.md5.as_deref(),
        modified_at: Some(entry.modified_at),
        imported_at: entry.imported_at,
        source: Some(&entry.source),
        linked: Some(entry.linked),
        ..FileView::new(model, version, &entry.path)
    }
}

/// The run `reference` (`RUN` or `USER/RUN`), which must exist.
fn find_run(ctx: &Ctx, model: &str, reference: &str) -> Result<RunRow> {
    let me = run_ref::owner(ctx, &UserArg { user: None })?;
    let (owner, name) = run_ref::parse_ref(reference, &me)?;
    let center = ctx.open_runs(Some(model))?;
    run_ref::find(&center, &center.model(model)?, &owner, &name)
}
