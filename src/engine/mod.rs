//! The engine: the file operations (import, adopt, pull, delete, verify, gc) as library calls. Plain
//! option structs in, typed outcomes and per-file entries out; progress and warnings go to an
//! [`Observer`]. It reaches bytes only through the center's `Store` and metadata only through
//! the catalog — but for `gc`, which looks past the `Store` at what no key names (a bucket's
//! objects, a staging folder); it knows nothing of clap, terminals or JSON documents.

mod bucket_center;
mod center;
pub use bucket_center::NoCenter;
pub mod adopt;
pub mod bucket_log;
pub mod bucket_runs;
pub mod delete;
pub mod diff;
pub mod gc;
pub mod import;
pub mod ingest;
pub mod pull;
pub mod verify;

use anyhow::Result;
use serde::Serialize;

pub use center::Center;

use crate::catalog::FileRow;
use crate::center::store::{Aside, FileRef, Listed, Store};

/// What a command did (or, under --dry-run, would do) to one file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FileStatus {
    /// New in the version.
    Imported,
    /// Already there with the same content; nothing written.
    Unchanged,
    /// Had other content; replaced under --force.
    Replaced,
    /// Listed in the catalog but missing on disk; written again.
    Restored,
    /// Copied into the workspace.
    Pulled,
    /// Removed from the version.
    Deleted,
    /// Not in the version; skipped under --ignore-missing.
    Missing,
    /// In the way of the operation (other content without --force, a folder where a file goes);
    /// only a dry run lists these: the real run stops before writing anything.
    Conflict,
}

impl FileStatus {
    pub fn word(self) -> &'static str {
        match self {
            FileStatus::Imported => "imported",
            FileStatus::Unchanged => "unchanged",
            FileStatus::Replaced => "replaced",
            FileStatus::Restored => "restored",
            FileStatus::Pulled => "pulled",
            FileStatus::Deleted => "deleted",
            FileStatus::Missing => "missing",
            FileStatus::Conflict => "conflict",
        }
    }
}

/// What a store needs to find the bytes of a catalog row.
pub fn stored(row: &FileRow) -> FileRef {
    FileRef {
        key: row.key(),
        size: row.size,
        blake3: row.blake3.clone(),
        location: row.location.clone(),
    }
}

/// A file a batch operation could not handle; the others went on.
#[derive(Debug)]
pub struct FileError {
    /// The file's path in the version.
    pub path: String,
    pub error: anyhow::Error,
}

impl FileError {
    pub fn new(path: &str, error: anyhow::Error) -> Self {
        FileError {
            path: path.to_string(),
            error,
        }
    }
}

/// The store prefix of a model's folder, or of one version's.
pub fn folder_prefix(model: &str, version: Option<&str>) -> String {
    match version {
        Some(version) => crate::center::key(model, version, ""),
        None => model.to_string(),
    }
}

/// What is stored below `prefix` that none of `rows` names: on a local center, files written
/// into a version's folder by hand, links and special files (verify reports them, a drop
/// refuses them, `import --untracked` adopts the regular ones).
pub fn unlisted(center: &Center, rows: &[FileRow], prefix: &str) -> Result<Vec<Listed>> {
    let known: std::collections::HashSet<String> = rows.iter().map(FileRow::key).collect();
    let mut listed = center.store.list(prefix)?;
    listed.retain(|entry| !known.contains(&entry.key));
    Ok(listed)
}

/// What a long operation tells its caller as it goes. Every method has a silent default, so a
/// caller that wants none of it (a test, a library user) passes [`Silent`].
pub trait Observer: Sync {
    /// A phase that will move `total_bytes` begins (`comparing`, `importing`, ...).
    fn start(&self, _phase: &'static str, _total_bytes: u64) {}
    /// `bytes` more of the current phase are done.
    fn advance(&self, _bytes: u64) {}
    /// The current phase is over.
    fn finish(&self) {}
    /// Something the user should know that does not stop the operation.
    fn warn(&self, _message: &str) {}
}

/// An observer that shows nothing.
pub struct Silent;

impl Observer for Silent {}

/// Prints up to 20 items of a list for an error message, then how many more there are.
pub fn bullet_list(items: &[String]) -> String {
    const SHOWN: usize = 20;
    let mut text: String = items
        .iter()
        .take(SHOWN)
        .map(|i| format!("\n  {i}"))
        .collect();
    if items.len() > SHOWN {
        text.push_str(&format!("\n  ... and {} more", items.len() - SHOWN));
    }
    text
}

/// The store changes made inside one catalog transaction, so that they can be undone when the
/// transaction does not commit (the store or the catalog failed halfway): bytes newly placed
/// under a key are removed, bytes set aside are put back. Bytes first, catalog second — and
/// when the catalog says no, the bytes go back to what it still describes.
#[derive(Default)]
pub struct Undo {
    placed: Vec<String>,
    set_aside: Vec<(String, Aside)>,
}

impl Undo {
    /// Notes new bytes at `key`.
    pub fn placed(&mut self, key: String) {
        self.placed.push(key);
    }

    /// Sets aside what is at `key` (see [`Store::set_aside`]).
    pub fn set_aside(&mut self, store: &dyn Store, key: &str) -> Result<()> {
        if let Some(aside) = store.set_aside(key)? {
            self.set_aside.push((key.to_string(), aside));
        }
        Ok(())
    }

    /// After the transaction: on success what was set aside goes for good (a failure to remove
    /// it leaves a partial that a later run sweeps); on failure everything is undone.
    pub fn settle<T>(self, store: &dyn Store, outcome: Result<T>) -> Result<T> {
        let err = match outcome {
            Ok(value) => {
                for (key, aside) in self.set_aside {
                    let _ = store.discard(aside, &key);
                }
                return Ok(value);
            }
            Err(err) => err,
        };
        let mut stuck = Vec::new();
        for key in self.placed.iter().rev() {
            if let Err(e) = store.delete(key) {
                stuck.push(format!("{key}: {e:#}"));
            }
        }
        for (key, aside) in self.set_aside.into_iter().rev() {
            if let Err(e) = store.restore(aside, &key) {
                stuck.push(format!("{key}: {e:#}"));
            }
        }
        if let Err(e) = store.flush() {
            stuck.push(format!("flush: {e:#}"));
        }
        if stuck.is_empty() {
            return Err(err);
        }
        Err(err.context(format!(
            "and these could not be put back as the catalog has them; run `mfile verify`:{}",
            bullet_list(&stuck)
        )))
    }
}
