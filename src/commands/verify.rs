//! `mfile verify`: the fsck. Checks the catalog file itself (SQLite's quick_check, or
//! integrity_check with --deep), then rehashes stored files against the catalog and lists
//! missing, corrupted and untracked files; exits 1 when it finds any.

use std::collections::{HashMap, HashSet};

use anyhow::{Result, bail};
use indicatif::ProgressBar;
use serde::Serialize;

use super::open_scope;
use crate::catalog::{self, FileRow, Scope};
use crate::center::hashing::hash_reader;
use crate::center::nofollow::is_link_refused;
use crate::center::store::{Listed, Store};
use crate::center::{self, Center};
use crate::cli::VerifyArgs;
use crate::config::Ctx;
use crate::interrupt;
use crate::output::{self, TableOut, human_size, progress};

/// The state of one stored file compared with its catalog row.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileState {
    Ok,
    Missing,
    Corrupted,
    Untracked,
    /// A symbolic link or special file where mfile stores only regular files.
    Link,
}

impl FileState {
    pub fn word(self) -> &'static str {
        match self {
            FileState::Ok => "ok",
            FileState::Missing => "missing",
            FileState::Corrupted => "corrupted",
            FileState::Untracked => "untracked",
            FileState::Link => "link",
        }
    }
}

/// Rehashes the stored bytes of `row`.
pub fn check_file(store: &dyn Store, row: &FileRow, bar: &ProgressBar) -> Result<FileState> {
    interrupt::check()?;
    let reader = match store.open(&row.key()) {
        Ok(Some(reader)) => reader,
        Ok(None) => return Ok(FileState::Missing),
        Err(e) if is_link_refused(&e) => return Ok(FileState::Link),
        Err(e) => return Err(e),
    };
    let (digests, size) = hash_reader(reader, |n| bar.inc(n))?;
    Ok(if row.same_content(size, &digests) {
        FileState::Ok
    } else {
        FileState::Corrupted
    })
}

#[derive(Debug, Serialize)]
struct Problem {
    state: FileState,
    model: String,
    version: String,
    path: String,
    expected_md5: Option<String>,
}

#[derive(Serialize)]
struct Report<'a> {
    checked: u64,
    bytes: u64,
    problems: &'a [Problem],
    catalog: CatalogReport,
}

/// What SQLite's own check found wrong in catalog.db.
#[derive(Serialize)]
struct CatalogReport {
    check: &'static str,
    problems: Vec<String>,
}

pub fn run(args: VerifyArgs, ctx: &Ctx) -> Result<()> {
    // Bad names are bad usage (exit 2) whatever the state of the center.
    if let Some(model) = &args.model.name {
        center::names::check_name("model", model)?;
    }
    if let Some(version) = &args.version.name {
        center::names::check_name("version", version)?;
    }
    let catalog = check_catalog(ctx, args.deep)?;
    let center = open_scope(
        ctx,
        args.model.name.as_deref(),
        args.version.name.as_deref(),
    )?;
    let scope = Scope {
        model: args.model.name.as_deref(),
        version: args.version.name.as_deref(),
    };
    let rows = catalog::files(center.catalog.conn(), scope)?;
    let bytes = rows.iter().map(|r| r.size).sum();
    let bar = progress::bytes(ctx, bytes, "verifying");
    let mut suspects = Vec::new();
    for row in &rows {
        let state = check_file(&*center.store, row, &bar)?;
        if state != FileState::Ok {
            suspects.push(problem(state, row));
        }
    }
    bar.finish_and_clear();
    suspects.extend(untracked(&center, &rows, scope)?);
    // Another process may have been between publishing and committing, or replaced or deleted
    // a file after the rows were read: only what is still wrong with writers held off counts.
    let problems = if suspects.is_empty() {
        suspects
    } else {
        catalog::settled(center.catalog.conn(), |conn| {
            confirm(&center, conn, scope, suspects, &ProgressBar::hidden())
        })?
    };

    if ctx.json {
        output::json(&Report {
            checked: rows.len() as u64,
            bytes,
            problems: &problems,
            catalog,
        })?;
    } else if !problems.is_empty() {
        let mut table = TableOut::new(&["state", "model", "version", "path"], &[]);
        for p in &problems {
            table.row(vec![
                ctx.palette.bad(p.state.word()),
                p.model.as_str().into(),
                p.version.as_str().into(),
                p.path.as_str().into(),
            ]);
        }
        table.print()?;
    }
    output::note(
        ctx,
        &format!(
            "checked {} files ({}): {} problems",
            rows.len(),
            human_size(bytes),
            problems.len()
        ),
    );
    if !problems.is_empty() {
        bail!(
            "verify found {} problems (missing, corrupted or untracked files)",
            problems.len()
        );
    }
    Ok(())
}

fn problem(state: FileState, row: &FileRow) -> Problem {
    Problem {
        state,
        model: row.model.clone(),
        version: row.version.clone(),
        path: row.path.clone(),
        expected_md5: Some(row.md5.clone()),
    }
}

/// Looks at each suspect again against the catalog as it is now (the caller holds the write
/// lock); keeps those still wrong.
fn confirm(
    center: &Center,
    conn: &rusqlite::Connection,
    scope: Scope,
    suspects: Vec<Problem>,
    bar: &ProgressBar,
) -> Result<Vec<Problem>> {
    let rows: HashMap<String, FileRow> = catalog::files(conn, scope)?
        .into_iter()
        .map(|r| (r.key(), r))
        .collect();
    let mut confirmed = Vec::new();
    for suspect in suspects {
        let key = center::key(&suspect.model, &suspect.version, &suspect.path);
        let found = match (suspect.state, rows.get(&key)) {
            (FileState::Link, _) => Some(suspect), // mfile never makes one
            (_, Some(row)) => Some(problem(check_file(&*center.store, row, bar)?, row)),
            (_, None) if center.store.size(&key)?.is_some() => Some(Problem {
                state: FileState::Untracked,
                expected_md5: None,
                ..suspect
            }),
            (_, None) => None, // deleted meanwhile: nothing wrong
        };
        confirmed.extend(found.filter(|p| p.state != FileState::Ok));
    }
    Ok(confirmed)
}

/// Runs SQLite's check of catalog.db and reports what it found. A damaged catalog fails the
/// command (exit 1) before any file is checked against it; the returned report is then empty.
fn check_catalog(ctx: &Ctx, deep: bool) -> Result<CatalogReport> {
    let check = if deep {
        "integrity_check"
    } else {
        "quick_check"
    };
    let problems = match Center::open(&ctx.center) {
        Ok(center) => center.catalog.check(deep),
        // Too damaged to open is damaged.
        Err(e) if catalog::damaged(&e) => vec![catalog::sqlite_message(&e)],
        Err(e) => return Err(e),
    };
    if problems.is_empty() {
        return Ok(CatalogReport { check, problems });
    }
    let path = ctx.center.join(center::CATALOG_FILE);
    let count = problems.len();
    if ctx.json {
        output::json(&Report {
            checked: 0,
            bytes: 0,
            problems: &[],
            catalog: CatalogReport { check, problems },
        })?;
    } else {
        let mut table = TableOut::new(&["state", "file", "problem"], &[]);
        for problem in &problems {
            table.row(vec![
                ctx.palette.bad("damaged"),
                center::CATALOG_FILE.into(),
                problem.as_str().into(),
            ]);
        }
        table.print()?;
    }
    bail!(
        "the catalog {} is damaged: SQLite's {check} found {count} problems, so its files \
         were not checked against it; restore catalog.db from a backup, or recover what can be \
         read with `sqlite3 catalog.db .recover`; until then mfile refuses to write where it \
         meets the damage",
        path.display()
    )
}

/// Files on disk in `scope` that the catalog does not list.
fn untracked(center: &Center, rows: &[FileRow], scope: Scope) -> Result<Vec<Problem>> {
    let known: HashSet<String> = rows.iter().map(FileRow::key).collect();
    let prefix = match (scope.model, scope.version) {
        (Some(model), Some(version)) => center::key(model, version, ""),
        (Some(model), None) => model.to_string(),
        _ => String::new(),
    };
    let mut found = Vec::new();
    for Listed { key, regular } in center.store.list(&prefix)? {
        if known.contains(&key) {
            continue; // checked with its row
        }
        // A link or special file is never followed; it is reported whether listed or not.
        let state = if regular {
            FileState::Untracked
        } else {
            FileState::Link
        };
        let mut parts = key.splitn(3, '/');
        let (model, version, path) = (parts.next(), parts.next(), parts.next());
        found.push(Problem {
            state,
            model: model.unwrap_or_default().to_string(),
            version: version.unwrap_or_default().to_string(),
            path: path.unwrap_or_default().to_string(),
            expected_md5: None,
        });
    }
    found.sort_by(|a, b| (&a.model, &a.version, &a.path).cmp(&(&b.model, &b.version, &b.path)));
    Ok(found)
}
