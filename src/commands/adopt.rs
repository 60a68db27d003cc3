//! `mfile adopt`: register a d6tpipe / bolt4ds center's models, versions and files (the work
//! is `engine::adopt`; each version goes through the import engine).

use std::time::Instant;

use anyhow::Result;

use super::{Bars, Ctx, painted};
use crate::cli::AdoptArgs;
use crate::engine::adopt::{AdoptedVersion, adopt, survey};
use crate::engine::import::Entry;
use crate::output::views::{AdoptDoc, AdoptedView, FileView, SkippedView, Totals};
use crate::output::{self, Palette};
use crate::values::words::count;

pub fn run(args: AdoptArgs, ctx: &Ctx) -> Result<()> {
    let started = Instant::now();
    let bars = Bars::new(ctx);
    let found = survey(&args.path, &bars)?;
    let mut center = ctx.center_for_import(args.dry_run)?;
    let adopted = adopt(center.as_mut(), &found, args.force, args.dry_run, &bars)?;

    let from = args.path.display().to_string();
    let mut doc = AdoptDoc {
        from: &from,
        dry_run: args.dry_run,
        versions: adopted.iter().map(version_view).collect(),
        skipped: found
            .skipped
            .iter()
            .map(|s| SkippedView {
                path: &s.path,
                reason: &s.reason,
            })
            .collect(),
        totals: Totals::default(),
    };
    for version in &doc.versions {
        doc.totals.add(&version.totals);
    }
    if ctx.out.json {
        output::json(&doc)?;
    } else {
        render(ctx, &doc)?;
    }
    for skipped in &doc.skipped {
        ctx.out
            .warn(&format!("skipped {}: {}", skipped.path, skipped.reason));
    }
    let models: std::collections::BTreeSet<&str> = doc.versions.iter().map(|v| v.model).collect();
    ctx.out.note(&format!(
        "{} of {} from {from}: {} in {:.1}s{}",
        count(doc.versions.len() as u64, "version"),
        count(models.len() as u64, "model"),
        doc.totals.summary(args.dry_run),
        started.elapsed().as_secs_f64(),
        match args.dry_run {
            true => " (dry run: nothing was written)",
            false => "",
        }
    ));
    let mut failed = Vec::new();
    let files: usize = adopted.iter().map(|v| v.errors.len()).sum();
    let versions = adopted.iter().filter(|v| v.failed.is_some()).count();
    for version in &adopted {
        for err in version
            .errors
            .iter()
            .map(|e| &e.error)
            .chain(&version.failed)
        {
            output::error(Palette::new(false), err);
        }
    }
    if files > 0 {
        failed.push(count(files as u64, "file"));
    }
    if versions > 0 {
        failed.push(count(versions as u64, "version"));
    }
    if !failed.is_empty() {
        anyhow::bail!(
            "could not adopt {} (named above); {}",
            failed.join(" and "),
            match args.dry_run {
                true => "the rest would be adopted (dry run: nothing was written)",
                false => "the rest was adopted",
            }
        );
    }
    Ok(())
}

/// Per file: its status and `model/version/path`, with a note for a file the library's db did
/// not record; per version: a summary on stderr.
fn render(ctx: &Ctx, doc: &AdoptDoc) -> Result<()> {
    for version in &doc.versions {
        if ctx.out.chatty() {
            for file in version.files.iter().filter(|f| f.status != Some("failed")) {
                let word = file.status.unwrap_or_default();
                let status = painted(word, doc.dry_run, ctx.out.palette);
                let mut shown = format!("{}/{}/{}", file.model, file.version, file.path);
                if file.in_filedb == Some(false) {
                    shown.push_str("  (not in the library's db)");
                }
                output::cells_line(&[status, shown.into()])?;
            }
        }
        let unrecorded = version
            .files
            .iter()
            .filter(|f| f.in_filedb == Some(false))
            .count();
        ctx.out.note(&format!(
            "{} {} ({}): {}{}",
            version.model,
            version.version,
            version.folder,
            match version.error {
                Some(_) => "not adopted".to_string(),
                None => version.totals.summary(doc.dry_run),
            },
            match unrecorded {
                0 => String::new(),
                n => format!("; {} not in the library's db", count(n as u64, "file")),
            }
        ));
    }
    Ok(())
}

fn version_view(adopted: &AdoptedVersion) -> AdoptedView<'_> {
    let (model, version) = (adopted.model.as_str(), adopted.version.as_str());
    let mut files: Vec<FileView> = adopted
        .entries
        .iter()
        .map(|e| file_view(adopted, e))
        .collect();
    for failed in &adopted.errors {
        let message = Some(format!("{:#}", failed.error));
        match files.iter_mut().find(|f| f.path == failed.path) {
            Some(file) => file.error = message,
            None => {
                let mut file = FileView::new(model, version, &failed.path);
                file.status = Some("failed");
                file.in_filedb = Some(adopted.in_filedb.contains(&failed.path));
                file.error = message;
                files.push(file);
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(b.path));
    let totals = Totals::of(&files);
    AdoptedView {
        model,
        version,
        folder: &adopted.folder,
        error: adopted.failed.as_ref().map(|e| format!("{e:#}")),
        files,
        totals,
    }
}

fn file_view<'a>(adopted: &'a AdoptedVersion, entry: &'a Entry) -> FileView<'a> {
    FileView {
        status: Some(entry.status.word()),
        size: Some(entry.size),
        md5: entry.md5.as_deref(),
        modified_at: Some(entry.modified_at),
        imported_at: entry.imported_at,
        source: Some(&entry.source),
        linked: Some(entry.linked),
        in_filedb: Some(adopted.in_filedb.contains(&entry.path)),
        ..FileView::new(&adopted.model, &adopted.version, &entry.path)
    }
}
