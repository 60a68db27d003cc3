//! Verify: rehash stored files against the catalog and find what is missing, corrupted,
//! untracked, or a link where mfile stores only regular files. What looks wrong is looked at
//! again holding the write lock, so a writer at work is never taken for damage.

use std::collections::HashMap;

use anyhow::Result;
use serde::Serialize;

use super::Center;
use super::Observer;
use crate::catalog::{FileRow, Reader, Scope};
use crate::center;
use crate::center::hashing::hash_reader;
use crate::center::nofollow::is_link_refused;
use crate::center::store::{FileRef, Listed, Store};
use crate::interrupt;

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
    /// A segment of the version's log in the bucket is missing or unreadable.
    Damaged,
}

impl FileState {
    pub fn word(self) -> &'static str {
        match self {
            FileState::Ok => "ok",
            FileState::Missing => "missing",
            FileState::Corrupted => "corrupted",
            FileState::Untracked => "untracked",
            FileState::Link => "link",
            FileState::Damaged => "damaged",
        }
    }
}

/// How stored files are checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Depth {
    /// Their size as the store has it (for an object store, from its listings: no download).
    Sizes,
    /// Their bytes, read and hashed.
    Hashes,
    /// The size, then the bytes of those whose size is right: an object store's `--deep`, where
    /// reading a missing or short object would fail rather than tell.
    Both,
}

/// Checks the stored bytes of `row` against it.
pub fn check_file(
    store: &dyn Store,
    row: &FileRow,
    depth: Depth,
    on_read: impl FnMut(u64),
) -> Result<FileState> {
    interrupt::check()?;
    let file = super::stored(row);
    if depth != Depth::Hashes {
        match store.size(&file)? {
            None => return Ok(FileState::Missing),
            Some(size) if size != row.size => return Ok(FileState::Corrupted),
            Some(_) if depth == Depth::Sizes => return Ok(FileState::Ok),
            Some(_) => {}
        }
    }
    let reader = match store.open(&file) {
        Ok(Some(reader)) => reader,
        Ok(None) => return Ok(FileState::Missing),
        Err(e) if is_link_refused(&e) => return Ok(FileState::Link),
        Err(e) => return Err(e),
    };
    let (digests, size) = hash_reader(reader, on_read)?;
    Ok(if row.same_content(size, &digests) {
        FileState::Ok
    } else {
        FileState::Corrupted
    })
}

#[derive(Debug, Serialize)]
pub struct Problem {
    pub state: FileState,
    pub model: String,
    pub version: String,
    pub path: String,
    /// The catalog's md5 (`None` for a file the catalog does not list).
    pub expected_md5: Option<String>,
}

/// What [`verify_files`] found.
pub struct Verified {
    /// How many files the catalog lists in the scope, and their bytes.
    pub checked: u64,
    pub bytes: u64,
    pub problems: Vec<Problem>,
}

/// Checks every stored file in `scope` to `depth`, and lists the files the catalog does not
/// know and the damaged logs of a center in object storage.
pub fn verify_files(
    center: &Center,
    scope: Scope,
    depth: Depth,
    observer: &dyn Observer,
) -> Result<Verified> {
    let rows = center.catalog.files(scope)?;
    let bytes = rows.iter().map(|r| r.size).sum();
    observer.start("verifying", bytes);
    let mut suspects = Vec::new();
    for row in &rows {
        let state = check_file(&*center.store, row, depth, |n| observer.advance(n))?;
        if depth == Depth::Sizes {
            observer.advance(row.size);
        }
        if state != FileState::Ok {
            suspects.push(problem(state, row));
        }
    }
    observer.finish();
    suspects.extend(untracked(center, &rows, scope)?);
    let damaged = center
        .damaged
        .iter()
        .filter(|d| scope.covers(&d.model, &d.version));
    let damaged: Vec<Problem> = damaged
        .map(|d| Problem {
            state: FileState::Damaged,
            model: d.model.clone(),
            version: d.version.clone(),
            path: d.key(),
            expected_md5: None,
        })
        .collect();
    // Another process may have been between publishing and committing, or replaced or deleted
    // a file after the rows were read: only what is still wrong with writers held off counts.
    let problems = if suspects.is_empty() {
        suspects
    } else {
        center
            .catalog
            .settled(|catalog| confirm(center, catalog, scope, depth, suspects))?
    };
    Ok(Verified {
        checked: rows.len() as u64,
        bytes,
        problems: damaged.into_iter().chain(problems).collect(),
    })
}

/// The states of `rows` (for `scan --verify`): rehashed, and what looks wrong looked at again
/// holding the write lock. A file replaced meanwhile is given as it is now; one deleted
/// meanwhile is dropped from `rows`.
pub fn check_rows(
    center: &Center,
    scope: Scope,
    rows: &mut Vec<FileRow>,
    observer: &dyn Observer,
) -> Result<Vec<FileState>> {
    observer.start("verifying", rows.iter().map(|r| r.size).sum());
    let mut states = rows
        .iter()
        .map(|row| check_file(&*center.store, row, Depth::Hashes, |n| observer.advance(n)))
        .collect::<Result<Vec<_>>>()?;
    observer.finish();
    if states.iter().all(|s| *s == FileState::Ok) {
        return Ok(states);
    }
    center.catalog.settled(|catalog| {
        let fresh: HashMap<String, FileRow> = catalog
            .files(scope)?
            .into_iter()
            .map(|r| (r.key(), r))
            .collect();
        let mut kept = Vec::with_capacity(rows.len());
        for (row, state) in rows.drain(..).zip(states.drain(..)) {
            if state == FileState::Ok {
                kept.push((row, state));
            } else if let Some(now) = fresh.get(&row.key()) {
                let state = check_file(&*center.store, now, Depth::Hashes, |_| {})?;
                kept.push((now.clone(), state));
            }
        }
        (*rows, states) = kept.into_iter().unzip();
        Ok(())
    })?;
    Ok(states)
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
    catalog: &Reader,
    scope: Scope,
    depth: Depth,
    suspects: Vec<Problem>,
) -> Result<Vec<Problem>> {
    let rows: HashMap<String, FileRow> = catalog
        .files(scope)?
        .into_iter()
        .map(|r| (r.key(), r))
        .collect();
    let mut confirmed = Vec::new();
    for suspect in suspects {
        let key = center::key(&suspect.model, &suspect.version, &suspect.path);
        let found = match (suspect.state, rows.get(&key)) {
            (FileState::Link, _) => Some(suspect), // mfile never makes one
            (_, Some(row)) => {
                let state = check_file(&*center.store, row, depth, |_| {})?;
                Some(problem(state, row))
            }
            (_, None) if center.store.size(&unlisted(key))?.is_some() => Some(Problem {
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

/// A key the catalog does not list, as a store sees it (only a store that keeps files under
/// their keys, a local one, finds anything there).
fn unlisted(key: String) -> FileRef {
    FileRef {
        key,
        size: 0,
        blake3: String::new(),
        location: None,
    }
}

/// Files on disk in `scope` that the catalog does not list.
fn untracked(center: &Center, rows: &[FileRow], scope: Scope) -> Result<Vec<Problem>> {
    let prefix = match scope.model {
        Some(model) => super::folder_prefix(model, scope.version),
        None => String::new(),
    };
    let mut found = Vec::new();
    // What rows name is checked with its row.
    for Listed { key, regular } in super::unlisted(center, rows, &prefix)? {
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
