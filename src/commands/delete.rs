//! `mfile delete`: remove named files from a version, or with --all a whole version or model
//! (the work is `engine::delete`).

use anyhow::Result;

use super::Ctx;
use super::{confirm, report_batch, warn_unmatched};
use crate::cli::DeleteArgs;
use crate::engine::Center;
use crate::engine::FileError;
use crate::engine::delete::{self, DeleteFiles, Entry};
use crate::error::usage;
use crate::filter::PathFilter;
use crate::output::human_size;
use crate::output::views::{BatchDoc, FileView, Totals};
use crate::values::names::{RelPath, check_name};
use crate::values::words::count;

pub fn run(args: DeleteArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.model.name)?;
    if let Some(version) = &args.version.name {
        check_name("version", version)?;
    }
    if !args.all && args.paths.is_empty() && args.include.is_empty() {
        return Err(usage(
            "nothing to delete: name files, give --include GLOB, or --all for a whole version or model",
        ));
    }
    let names = args
        .paths
        .iter()
        .map(|p| RelPath::parse("path", p))
        .collect::<Result<Vec<_>>>()?;
    if names.iter().any(RelPath::is_root) {
        return Err(usage(
            "invalid path '.': name files; use --all to delete a whole version",
        ));
    }
    let include = match args.include.is_empty() {
        true => None,
        false => Some(PathFilter::new(&args.include, &[])?),
    };
    let mut center = ctx.open_center()?;
    center.model(model)?;
    if args.all {
        return drop_all(ctx, &mut center, &args, model);
    }
    let Some(version) = args.version.name.as_deref() else {
        return Err(usage(
            "deleting files needs --version; --all without --version drops the model",
        ));
    };
    let opts = DeleteFiles {
        model,
        version,
        names: &names,
        include,
        ignore_missing: args.ignore_missing,
        dry_run: args.dry_run,
    };
    let (entries, errors) = delete::delete_files(&mut center, &opts)?;
    if let Some(include) = &opts.include {
        warn_unmatched(ctx, include);
    }
    let dry_run = args.dry_run;
    report(
        ctx,
        model,
        Some(version),
        "files",
        dry_run,
        entries,
        &errors,
    )
}

/// --all: the whole version (with --version) or the whole model, after confirmation.
fn drop_all(ctx: &Ctx, center: &mut Center, args: &DeleteArgs, model: &str) -> Result<()> {
    let plan = delete::plan_drop(center, model, args.version.name.as_deref())?;
    let version = plan.version.as_ref().map(|v| v.name.clone());
    if !args.dry_run {
        if !args.yes {
            let question = format!(
                "delete {} ({}, {})?",
                plan.what,
                count(plan.entries.len() as u64, "file"),
                human_size(plan.bytes)
            );
            confirm(ctx, &question)?;
        }
        delete::drop(center, &plan)?;
        if version.is_none() {
            ctx.upload_runs(center); // the model's runs go with it
        }
    }
    let target = plan.target();
    report(
        ctx,
        model,
        version.as_deref(),
        target,
        args.dry_run,
        plan.entries,
        &[],
    )?;
    if args.dry_run && !args.yes && !ctx.stdin_is_terminal {
        // The preview exits as the real run would: that one has no terminal to ask on.
        return Err(crate::error::usage(format!(
            "the real run would refuse to delete {} without confirmation (no terminal to ask \
             on); pass --yes",
            plan.what
        )));
    }
    Ok(())
}

fn report(
    ctx: &Ctx,
    model: &str,
    version: Option<&str>,
    target: &'static str,
    dry_run: bool,
    entries: Vec<Entry>,
    errors: &[FileError],
) -> Result<()> {
    let files = entries
        .iter()
        .map(|entry| FileView {
            status: Some(entry.status.word()),
            size: Some(entry.size),
            md5: entry.md5.as_deref(),
            modified_at: entry.modified_at,
            imported_at: entry.imported_at,
            ..FileView::new(model, &entry.version, &entry.path)
        })
        .collect();
    let doc = BatchDoc {
        model,
        version,
        to: None,
        target: Some(target),
        dry_run,
        files,
        totals: Totals::default(),
    };
    report_batch(ctx, doc, errors, "deleted", |totals| {
        let scope = match version {
            Some(v) => format!("{model} {v}"),
            None => model.to_string(),
        };
        let dropped = match (target, dry_run) {
            ("files", _) => String::new(),
            (_, true) => format!(", {target} would be removed"),
            (_, false) => format!(", {target} removed"),
        };
        let dry_run_note = match dry_run {
            true => " (dry run: nothing was deleted)",
            false => "",
        };
        format!(
            "{scope}: {} ({}){dropped}{dry_run_note}",
            totals.summary(dry_run),
            human_size(totals.bytes),
        )
    })
}
