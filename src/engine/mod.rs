//! The engine: the file operations (import, and in time pull, delete, verify, scan) as
//! library calls. Plain option structs in, typed outcomes and per-file entries out; progress and
//! warnings go to an [`Observer`]. It reaches bytes only through the center's `Store` and
//! metadata only through the catalog; it knows nothing of clap, terminals or JSON documents.

pub mod delete;
pub mod import;
pub mod pull;

use serde::Serialize;

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
        }
    }
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
