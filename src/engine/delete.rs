//! Delete: named files of a version, or a whole version or model.
//!
//! A file list never turns into a whole-version delete: they are separate operations, and every
//! named file is checked before anything is removed. Dropping a version or model is planned
//! first ([`plan_drop`]) so the caller can show or confirm what will go, then done ([`drop`]).

use anyhow::{Result, anyhow, bail};

use super::Center;
use super::{FileError, FileStatus, Undo, bullet_list, folder_prefix, unlisted};
use crate::catalog::{FileRow, ModelRow, Scope, VersionRow};
use crate::center;
use crate::error::usage;
use crate::filter::PathFilter;
use crate::time::Timestamp;
use crate::values::names::{RelPath, quote};

#[derive(Debug)]
pub struct Entry {
    pub version: String,
    pub path: String,
    pub status: FileStatus,
    pub size: u64,
    pub md5: Option<String>,
    pub modified_at: Option<Timestamp>,
    pub imported_at: Option<Timestamp>,
}

/// Which files of a version to delete.
pub struct DeleteFiles<'a> {
    pub model: &'a str,
    pub version: &'a str,
    /// Files named one by one; each must exist unless `ignore_missing`.
    pub names: &'a [RelPath],
    /// Files matching globs, besides the named ones.
    pub include: Option<PathFilter>,
    pub ignore_missing: bool,
    /// Only say what would be deleted.
    pub dry_run: bool,
}

/// Deletes files of a version: the bytes and their rows in one catalog transaction. Returns an
/// entry per file (`deleted`, or `missing` under `ignore_missing`), sorted by path, and, from
/// a dry run only, the named files that are missing: the real run would stop on them.
pub fn delete_files(
    center: &mut Center,
    opts: &DeleteFiles,
) -> Result<(Vec<Entry>, Vec<FileError>)> {
    let (model, version) = (opts.model, opts.version);
    let model_row = center.model(model)?;
    let version_row = center.version(&model_row, version)?;
    let scope = Scope {
        model: Some(model),
        version: Some(version),
    };
    let rows = center.catalog.files(scope)?;

    let mut chosen: Vec<&FileRow> = Vec::new();
    let mut entries = Vec::new();
    let mut missing = Vec::new();
    let mut errors = Vec::new();
    for name in opts.names {
        match rows.iter().find(|r| r.path == name.as_str()) {
            Some(row) => chosen.push(row),
            None if rows.iter().any(|r| name.covers(&r.path)) => {
                return Err(usage(format!(
                    "{} is a folder in {model} {version}; to delete its files use --include '{}/**'",
                    quote(name.as_str()),
                    name
                )));
            }
            None if opts.ignore_missing || opts.dry_run => {
                entries.push(Entry {
                    version: version.to_string(),
                    path: name.to_string(),
                    status: FileStatus::Missing,
                    size: 0,
                    md5: None,
                    modified_at: None,
                    imported_at: None,
                });
                if !opts.ignore_missing {
                    let why = anyhow!(
                        "{}: not in version {version} of {model} (use --ignore-missing to \
                         skip it)",
                        quote(name.as_str())
                    );
                    errors.push(FileError::new(name.as_str(), why));
                }
            }
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
    if let Some(filter) = &opts.include {
        chosen.extend(rows.iter().filter(|r| filter.matches(&r.path)));
    }
    chosen.sort_by(|a, b| a.path.cmp(&b.path));
    chosen.dedup_by(|a, b| a.path == b.path);

    if !opts.dry_run && !chosen.is_empty() {
        let Center { catalog, store, .. } = center;
        let store = &**store;
        let now = Timestamp::now();
        let mut undo = Undo::default();
        let outcome = catalog.write(|tx| {
            // No Ctrl-C check in here: stopping halfway would leave rows without files.
            for row in &chosen {
                undo.set_aside(store, &row.key())?;
                tx.delete_file(version_row.id, &row.path)?;
            }
            store.flush()?;
            tx.touch_version(version_row.id, now)
        });
        undo.settle(store, outcome)?;
    }
    entries.extend(chosen.iter().map(|row| deleted(row)));
    Ok((entries, errors))
}

fn deleted(row: &FileRow) -> Entry {
    Entry {
        version: row.version.clone(),
        path: row.path.clone(),
        status: FileStatus::Deleted,
        size: row.size,
        md5: Some(row.md5.clone()),
        modified_at: Some(row.modified_at),
        imported_at: Some(row.imported_at),
    }
}

/// What dropping a version (or, without one, a model) will remove.
pub struct DropPlan {
    pub model: ModelRow,
    pub version: Option<VersionRow>,
    /// One entry per stored file.
    pub entries: Vec<Entry>,
    pub bytes: u64,
    /// For people: `version 1 of model m`, or the model with its runs.
    pub what: String,
}

impl DropPlan {
    /// `version` or `model`.
    pub fn target(&self) -> &'static str {
        if self.version.is_some() {
            "version"
        } else {
            "model"
        }
    }
}

/// Plans dropping version `version` of `model`, or the whole model when `version` is `None`.
pub fn plan_drop(center: &Center, model: &str, version: Option<&str>) -> Result<DropPlan> {
    let model_row = center.model(model)?;
    let version_row = match version {
        Some(name) => Some(center.version(&model_row, name)?),
        None => None,
    };
    let version = version_row.as_ref().map(|v| v.name.as_str());
    let scope = Scope {
        model: Some(model),
        version,
    };
    let rows = center.catalog.files(scope)?;
    refuse_untracked(center, model, version, &rows)?;
    let what = match version {
        Some(v) => format!("version {v} of model {model}"),
        None => {
            let runs = center.catalog.runs(Some(model), None, None)?;
            format!(
                "model {model} with all its versions and its {} training runs",
                runs.len()
            )
        }
    };
    let entries = rows.iter().map(deleted).collect();
    Ok(DropPlan {
        bytes: rows.iter().map(|r| r.size).sum(),
        model: model_row,
        version: version_row,
        entries,
        what,
    })
}

/// A drop sets a version's whole folder aside: files written into it by hand (a notebook's
/// `to_csv`), which the catalog does not list, would go with it unseen. They stop the drop.
fn refuse_untracked(
    center: &Center,
    model: &str,
    version: Option<&str>,
    rows: &[FileRow],
) -> Result<()> {
    if center.bucket.is_some() {
        return Ok(()); // a bucket has no folders to write into
    }
    let listed = match unlisted(center, rows, &folder_prefix(model, version)) {
        Ok(listed) => listed,
        // A link in place of the folder: the drop sets the link itself aside, as before.
        Err(e) if center::nofollow::is_link_refused(&e) => return Ok(()),
        Err(e) => return Err(e),
    };
    let untracked: Vec<String> = listed.iter().map(|l| quote(&l.key)).collect();
    if untracked.is_empty() {
        return Ok(());
    }
    bail!(
        "nothing was deleted: the center's folder of {model} holds files mfile does not track \
         (written there by hand); adopt them with `mfile import --untracked` or move them away \
         first:{}",
        bullet_list(&untracked)
    )
}

/// Drops what `plan` names: the whole folder is set aside at once, the rows go, and once they
/// are gone for good the folder's files are removed.
pub fn drop(center: &mut Center, plan: &DropPlan) -> Result<()> {
    let Center { catalog, store, .. } = center;
    let store = &**store;
    let model = &plan.model.name;
    let prefix = folder_prefix(model, plan.version.as_ref().map(|v| v.name.as_str()));
    let mut undo = Undo::default();
    let outcome = catalog.write(|tx| {
        undo.set_aside(store, &prefix)?;
        store.flush()?;
        match &plan.version {
            Some(v) => tx.delete_version(v.id),
            None => tx.delete_model(plan.model.id),
        }
    });
    undo.settle(store, outcome)
}
