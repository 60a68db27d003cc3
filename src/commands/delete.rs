//! `mfile delete`: remove named files from a version, or with --all a whole version or model.
//!
//! A file list never turns into a whole-version delete: naming files and --all are exclusive,
//! and every named file is checked before anything is removed.

use anyhow::{Result, bail};
use serde::Serialize;

use super::{FileStatus, Totals, bullet_list, confirm, print_file_lines};
use crate::catalog::{self, FileRow, Scope};
use crate::center::names::{RelPath, check_name, quote};
use crate::center::{self, Center};
use crate::cli::DeleteArgs;
use crate::config::Ctx;
use crate::error::usage;
use crate::filter::PathFilter;
use crate::output::{self, human_size};
use crate::time::Timestamp;

#[derive(Debug, Serialize)]
struct Entry {
    path: String,
    status: FileStatus,
    size: u64,
    md5: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    version: Option<&'a str>,
    /// `files`, `version` or `model`: what was deleted.
    target: &'a str,
    dry_run: bool,
    files: &'a [Entry],
    totals: &'a Totals,
}

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
    let filter = PathFilter::new(&args.include, &[])?;
    let mut center = Center::open(&ctx.center)?;
    let model_row = center.model(model)?;
    if args.all {
        return delete_all(ctx, &mut center, &args, model);
    }
    let Some(version) = args.version.name.as_deref() else {
        return Err(usage(
            "deleting files needs --version; --all without --version drops the model",
        ));
    };
    let version_row = center.version(&model_row, version)?;
    let scope = Scope {
        model: Some(model),
        version: Some(version),
    };
    let rows = catalog::files(center.catalog.conn(), scope)?;

    let mut chosen: Vec<&FileRow> = Vec::new();
    let mut entries = Vec::new();
    let mut missing = Vec::new();
    for name in &names {
        match rows.iter().find(|r| r.path == name.as_str()) {
            Some(row) => chosen.push(row),
            None if rows.iter().any(|r| name.covers(&r.path)) => {
                return Err(usage(format!(
                    "{} is a folder in {model} {version}; to delete its files use --include '{}/**'",
                    quote(name.as_str()),
                    name
                )));
            }
            None if args.ignore_missing => entries.push(Entry {
                path: name.to_string(),
                status: FileStatus::Missing,
                size: 0,
                md5: None,
            }),
            None => missing.push(quote(name.as_str())),
        }
    }
    if !missing.is_empty() {
        bail!(
            "nothing was deleted; version {version} of {model} has no such files \
             (use --ignore-missing to skip them):{}",
            bullet_list(&missing)
        );
    }
    if !args.include.is_empty() {
        chosen.extend(rows.iter().filter(|r| filter.matches(&r.path)));
    }
    chosen.sort_by(|a, b| a.path.cmp(&b.path));
    chosen.dedup_by(|a, b| a.path == b.path);

    if !args.dry_run && !chosen.is_empty() {
        let Center { catalog, store, .. } = &mut center;
        let store = &**store;
        let now = Timestamp::now();
        catalog.write(|tx| {
            // No Ctrl-C check in here: stopping halfway would leave rows without files.
            for row in &chosen {
                store.delete(&row.key())?;
                catalog::delete_file(tx, version_row.id, &row.path)?;
            }
            store.flush()?;
            catalog::touch_version(tx, version_row.id, now)
        })?;
    }
    entries.extend(chosen.iter().map(|row| Entry {
        path: row.path.clone(),
        status: FileStatus::Deleted,
        size: row.size,
        md5: Some(row.md5.clone()),
    }));
    report(ctx, model, Some(version), "files", args.dry_run, entries)
}

/// --all: the whole version (with --version) or the whole model, after confirmation.
fn delete_all(ctx: &Ctx, center: &mut Center, args: &DeleteArgs, model: &str) -> Result<()> {
    let model_row = center.model(model)?;
    let version_row = match &args.version.name {
        Some(name) => Some(center.version(&model_row, name)?),
        None => None,
    };
    let version = version_row.as_ref().map(|v| v.name.as_str());
    let rows = catalog::files(
        center.catalog.conn(),
        Scope {
            model: Some(model),
            version,
        },
    )?;
    let bytes: u64 = rows.iter().map(|r| r.size).sum();
    let what = match version {
        Some(v) => format!("version {v} of model {model}"),
        None => {
            let runs = crate::catalog::runs::runs(center.catalog.conn(), Some(model), None, None)?;
            format!(
                "model {model} with all its versions and its {} training runs",
                runs.len()
            )
        }
    };
    let entries: Vec<Entry> = rows
        .iter()
        .map(|row| Entry {
            path: format!("{}/{}", row.version, row.path),
            status: FileStatus::Deleted,
            size: row.size,
            md5: Some(row.md5.clone()),
        })
        .collect();
    let target = if version.is_some() {
        "version"
    } else {
        "model"
    };
    if args.dry_run {
        return report(ctx, model, version, target, true, entries);
    }
    if !args.yes {
        confirm(
            ctx,
            &format!(
                "delete {what} ({} files, {})?",
                rows.len(),
                human_size(bytes)
            ),
        )?;
    }
    let Center { catalog, store, .. } = center;
    let store = &**store;
    let prefix = match version {
        Some(v) => center::key(model, v, ""),
        None => model.to_string(),
    };
    catalog.write(|tx| {
        store.delete_tree(&prefix)?;
        store.flush()?;
        match &version_row {
            Some(v) => catalog::delete_version(tx, v.id),
            None => catalog::delete_model(tx, model_row.id),
        }
    })?;
    report(ctx, model, version, target, false, entries)
}

fn report(
    ctx: &Ctx,
    model: &str,
    version: Option<&str>,
    target: &str,
    dry_run: bool,
    entries: Vec<Entry>,
) -> Result<()> {
    let mut totals = Totals::default();
    for entry in &entries {
        totals.add(entry.status, entry.size);
    }
    if ctx.json {
        output::json(&Report {
            model,
            version,
            target,
            dry_run,
            files: &entries,
            totals: &totals,
        })?;
    }
    print_file_lines(ctx, entries.iter().map(|e| (e.status, e.path.as_str())))?;
    let scope = match version {
        Some(v) => format!("{model} {v}"),
        None => model.to_string(),
    };
    let dropped = match target {
        "files" => String::new(),
        _ => format!(", {target} removed"),
    };
    output::note(
        ctx,
        &format!(
            "{scope}: {} ({}){dropped}{}",
            totals.summary(),
            human_size(totals.bytes),
            if dry_run {
                " (dry run: nothing was deleted)"
            } else {
                ""
            }
        ),
    );
    Ok(())
}
