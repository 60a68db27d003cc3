//! `mfile pull`: copy a version (or some of its files) into a folder (the work is
//! `engine::pull`).

use std::time::Instant;

use anyhow::Result;

use super::{Bars, Ctx, report_batch, warn_unmatched};
use crate::cli::PullArgs;
use crate::engine::pull::{Entry, PullOptions, Selector, pull};
use crate::filter::PathFilter;
use crate::output::human_size;
use crate::output::views::{BatchDoc, FileView, Totals};
use crate::values::names::{check_name, check_version_ref};

pub fn run(args: PullArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.target.model.name)?;
    check_version_ref(&args.target.version.name)?;
    let selectors = Selector::parse_all(&args.paths)?;
    let filter = PathFilter::new(&args.filters.include, &args.filters.exclude)?;
    let mut center = ctx.open_center()?;
    let version = center.version_name(&center.model(model)?, &args.target.version.name)?;
    let opts = PullOptions {
        model,
        version: &version,
        names: &args.paths,
        selectors,
        filter,
        to: &args.to,
        force: args.force,
        dry_run: args.dry_run,
    };
    let started = Instant::now();
    let pulled = pull(&mut center, &opts, &Bars::new(ctx))?;
    warn_unmatched(ctx, &opts.filter);
    let (model, version) = (opts.model, opts.version);
    let to = opts.to.display().to_string();
    let doc = BatchDoc {
        model,
        version: Some(version),
        to: Some(&to),
        target: None,
        dry_run: opts.dry_run,
        files: pulled
            .entries
            .iter()
            .map(|e| view(model, version, e))
            .collect(),
        totals: Totals::default(),
    };
    report_batch(ctx, doc, &pulled.errors, "pulled", |totals| {
        format!(
            "{model} {version} -> {to}: {} ({}) in {:.1}s{}",
            totals.summary(opts.dry_run),
            human_size(totals.bytes),
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
        md5: Some(&entry.md5),
        modified_at: Some(entry.modified_at),
        imported_at: Some(entry.imported_at),
        destination: Some(&entry.destination),
        ..FileView::new(model, version, &entry.path)
    }
}
