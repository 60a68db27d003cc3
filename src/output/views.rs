//! The shapes of the file commands' JSON documents (docs/json.md), apart from the catalog's
//! rows and the engine's entries, so that neither changes a document by accident. Every file
//! entry has the same fields whichever command prints it, and every document ends with
//! `totals`.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::time::Timestamp;

/// One file in the document of `scan`, `import`, `pull` or `delete`.
#[derive(Debug, Serialize)]
pub struct FileView<'a> {
    pub model: &'a str,
    pub version: &'a str,
    /// Relative to the version, `/`-separated.
    pub path: &'a str,
    /// What the command did: `imported`, `pulled`, `failed`, ...; absent in `scan`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
    /// Null for a file that failed before it was read.
    pub size: Option<u64>,
    pub md5: Option<&'a str>,
    /// Only in `scan`, which lists what the catalog holds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blake3: Option<&'a str>,
    /// The source file's mtime when it was imported.
    pub modified_at: Option<Timestamp>,
    /// When this content was stored under this path (null in a dry run).
    pub imported_at: Option<Timestamp>,
    /// `import`: the local file read.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<&'a str>,
    /// `pull`: the local file written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub destination: Option<&'a str>,
    /// `import`: stored as a hard link to identical bytes already in the center.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub linked: Option<bool>,
    /// `adopt`: the library's `.filedb.json` recorded this file (its bytes were checked
    /// against the md5 there).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub in_filedb: Option<bool>,
    /// `scan --verify`: `ok`, `missing` or `corrupted`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state: Option<&'static str>,
    /// What went wrong with this file; the others went on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl<'a> FileView<'a> {
    /// A file of `model`/`version` with only its path known.
    pub fn new(model: &'a str, version: &'a str, path: &'a str) -> Self {
        FileView {
            model,
            version,
            path,
            status: None,
            size: None,
            md5: None,
            blake3: None,
            modified_at: None,
            imported_at: None,
            source: None,
            destination: None,
            linked: None,
            in_filedb: None,
            state: None,
            error: None,
        }
    }
}

/// Counts of each status, for the document's `totals` and the summary line. `files` counts
/// every entry, `bytes` the sizes of those that did not fail.
#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub imported: u64,
    pub unchanged: u64,
    pub replaced: u64,
    pub restored: u64,
    pub pulled: u64,
    pub deleted: u64,
    pub missing: u64,
    /// A dry run's files in the way: the real run would stop before writing anything.
    pub conflict: u64,
    pub failed: u64,
    /// Files stored as hard links to identical content already in the center.
    pub linked: u64,
}

impl Totals {
    pub fn of(files: &[FileView]) -> Self {
        let mut totals = Totals::default();
        for file in files {
            totals.files += 1;
            totals.linked += u64::from(file.linked == Some(true));
            if file.status == Some("failed") {
                totals.failed += 1;
                continue;
            }
            totals.bytes += file.size.unwrap_or(0);
            let count = match file.status {
                Some("imported") => &mut totals.imported,
                Some("unchanged") => &mut totals.unchanged,
                Some("replaced") => &mut totals.replaced,
                Some("restored") => &mut totals.restored,
                Some("pulled") => &mut totals.pulled,
                Some("deleted") => &mut totals.deleted,
                Some("missing") => &mut totals.missing,
                Some("conflict") => &mut totals.conflict,
                _ => continue,
            };
            *count += 1;
        }
        totals
    }

    /// Adds another document's counts (a sum over the versions of `adopt`).
    pub fn add(&mut self, other: &Totals) {
        self.files += other.files;
        self.bytes += other.bytes;
        self.imported += other.imported;
        self.unchanged += other.unchanged;
        self.replaced += other.replaced;
        self.restored += other.restored;
        self.pulled += other.pulled;
        self.deleted += other.deleted;
        self.missing += other.missing;
        self.conflict += other.conflict;
        self.failed += other.failed;
        self.linked += other.linked;
    }

    /// `3 imported, 1 unchanged` — only the statuses that occurred; a dry run's in the
    /// conditional (`3 would be imported`).
    pub fn summary(&self, dry_run: bool) -> String {
        let parts: Vec<String> = [
            ("imported", self.imported),
            ("replaced", self.replaced),
            ("restored", self.restored),
            ("pulled", self.pulled),
            ("deleted", self.deleted),
            ("unchanged", self.unchanged),
            ("missing", self.missing),
            ("in conflict", self.conflict),
            ("failed", self.failed),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(word, n)| format!("{n} {}", if dry_run { would_be(word) } else { word }))
        .collect();
        if parts.is_empty() {
            "no files".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// A status as a dry run says it: `imported` → `would be imported`; a state stays as it is.
fn would_be(status: &str) -> &str {
    match status {
        "imported" => "would be imported",
        "replaced" => "would be replaced",
        "restored" => "would be restored",
        "pulled" => "would be pulled",
        "deleted" => "would be deleted",
        other => other,
    }
}

/// The document of `import`, `pull` and `delete`.
#[derive(Debug, Serialize)]
pub struct BatchDoc<'a> {
    pub model: &'a str,
    /// Null when `delete --all` dropped a whole model.
    pub version: Option<&'a str>,
    /// `pull`: the folder pulled into.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub to: Option<&'a str>,
    /// `delete`: `files`, `version` or `model`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<&'static str>,
    pub dry_run: bool,
    pub files: Vec<FileView<'a>>,
    pub totals: Totals,
}

/// A version in the document of `adopt`.
#[derive(Debug, Serialize)]
pub struct AdoptedView<'a> {
    pub model: &'a str,
    pub version: &'a str,
    /// The version folder in the old center, relative to it.
    pub folder: &'a str,
    /// Why the version was not adopted (other content at its paths); present only then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub files: Vec<FileView<'a>>,
    pub totals: Totals,
}

/// Something of the old center that `adopt` left out, and why.
#[derive(Debug, Serialize)]
pub struct SkippedView<'a> {
    /// Relative to the old center.
    pub path: &'a str,
    pub reason: &'a str,
}

/// The document of `adopt`.
#[derive(Debug, Serialize)]
pub struct AdoptDoc<'a> {
    /// The old center's folder, as given.
    pub from: &'a str,
    pub dry_run: bool,
    pub versions: Vec<AdoptedView<'a>>,
    pub skipped: Vec<SkippedView<'a>>,
    /// Over all versions.
    pub totals: Totals,
}

/// `scan`'s totals: what the listed files hold.
#[derive(Debug, Serialize)]
pub struct ScanTotals {
    pub files: u64,
    pub bytes: u64,
}

/// The document of `scan`.
#[derive(Debug, Serialize)]
pub struct ScanDoc<'a> {
    pub files: Vec<FileView<'a>>,
    pub totals: ScanTotals,
}

/// A version in the document of `versions`.
#[derive(Debug, Serialize)]
pub struct VersionView<'a> {
    pub model: &'a str,
    pub version: &'a str,
    pub files: u64,
    pub bytes: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub description: Option<&'a str>,
    pub tags: &'a BTreeMap<String, String>,
    /// The aliases that name it, without `@` (`latest` for the newest).
    pub aliases: &'a [String],
    /// The runs that produced it, as `OWNER/RUN`.
    pub runs: &'a [String],
}

/// The document of `versions`.
#[derive(Debug, Serialize)]
pub struct VersionsDoc<'a> {
    pub model: &'a str,
    pub versions: Vec<VersionView<'a>>,
}

/// A model in the document of `profiles`.
#[derive(Debug, Serialize)]
pub struct ModelView<'a> {
    pub model: &'a str,
    pub key: &'a str,
    pub versions: u64,
    pub files: u64,
    pub bytes: u64,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub description: Option<&'a str>,
    /// The model's folder (or URL) in the center.
    pub filerepo: String,
}

/// The document of `profiles`.
#[derive(Debug, Serialize)]
pub struct ProfilesDoc<'a> {
    pub center: String,
    pub catalog: String,
    pub models: Vec<ModelView<'a>>,
}

/// Objects and their bytes, in the document of `gc`.
#[derive(Debug, Serialize)]
pub struct CountView {
    pub objects: u64,
    pub bytes: u64,
}

/// One piece of garbage in the document of `gc`.
#[derive(Debug, Serialize)]
pub struct GarbageView<'a> {
    /// `blob`, `pack`, `upload`, `probe` or `temp`.
    pub kind: &'static str,
    /// The object's key under the center's prefix; a temp file's path on this machine.
    pub key: &'a str,
    /// Null for an unfinished upload (the server does not say).
    pub bytes: Option<u64>,
    pub modified_at: Timestamp,
    /// Why it could not be removed; present only then.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<&'a str>,
}

/// The document of `gc`.
#[derive(Debug, Serialize)]
pub struct GcDoc<'a> {
    pub center: &'a str,
    pub dry_run: bool,
    pub grace_seconds: u64,
    /// What was removed, or in a dry run what would be.
    pub removed: Vec<GarbageView<'a>>,
    /// What `removed` holds, but the entries with an error.
    pub totals: CountView,
    /// Garbage younger than the grace period, left for a later gc.
    pub young: CountView,
}
