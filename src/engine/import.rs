//! Import: copy files and folders into a version.
//!
//! Three phases: collect the sources (nothing touched yet; bad names, links and special files
//! are refused here), check them against the catalog (a conflict stops the import before any
//! byte is written), then stage and publish in batches: each batch's bytes are durable before
//! its one catalog transaction commits.

use std::collections::{HashMap, HashSet};
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::mpsc;

use anyhow::{Context, Result, bail};
use walkdir::WalkDir;

use super::Center;
use super::{FileError, FileStatus, Observer, Undo, bullet_list, stored};
use crate::catalog::source_cache::FileStat;
use crate::catalog::{Catalog, FileRow, NewFile, Scope, Tx, VersionRow};
use crate::center;
use crate::center::hashing::{Digests, hash_file, hash_reader};
use crate::center::nofollow::Dir;
use crate::center::store::{FileRef, Location, Staged, Store};
use crate::error::usage;
use crate::filter::PathFilter;
use crate::interrupt;
use crate::time::Timestamp;
use crate::values::names::RelPath;

/// A batch is published (one catalog transaction) after this many files or bytes.
const BATCH_FILES: usize = 2048;
const BATCH_BYTES: u64 = 512 << 20;
/// The same for a store that uploads: its small files wait for their pack in memory.
const UPLOAD_BATCH_BYTES: u64 = 64 << 20;

/// One file to import: where it is, where it goes in the version, and its stat when found.
#[derive(Debug)]
struct Source {
    path: PathBuf,
    dest: RelPath,
    stat: FileStat,
    /// An untracked file adopted in place: the center's `files/` folder and its key there,
    /// read without following links and checked unchanged just before it is replaced.
    in_center: Option<(PathBuf, String)>,
}

#[derive(Debug)]
pub struct Entry {
    pub path: String,
    pub source: String,
    pub status: FileStatus,
    pub size: u64,
    pub md5: Option<String>,
    pub modified_at: Timestamp,
    /// When the stored content was stored under this path; `None` in a dry run.
    pub imported_at: Option<Timestamp>,
    /// Stored as a hard link to identical bytes already in the center.
    pub linked: bool,
    /// The source's stat when it was read: --move removes it only if it is still this.
    stat: FileStat,
    /// The stored copy (none in a dry run): --move re-reads it before removing the source.
    stored: Option<FileRef>,
}

/// What to import, and how.
pub struct ImportOptions<'a> {
    pub paths: &'a [PathBuf],
    pub model: &'a str,
    pub version: &'a str,
    /// Where in the version the sources go.
    pub subdir: RelPath,
    pub filter: PathFilter,
    /// Remove each source once its stored copy is durable and checked.
    pub move_files: bool,
    /// Replace stored files that have other content.
    pub force: bool,
    /// Follow symbolic links inside folders.
    pub follow_links: bool,
    /// Only say what would be done.
    pub dry_run: bool,
}

/// What an import did, file by file (unsorted), and the files it could not import (or, with
/// --move, not remove).
pub struct Imported {
    pub entries: Vec<Entry>,
    pub errors: Vec<FileError>,
}

/// The files an import will read, found by walking `opts.paths` (nothing touched yet; bad
/// names, links and special files are refused here, before any center is opened or made).
pub struct Sources(Vec<Source>);

impl Sources {
    pub fn collect(opts: &ImportOptions, observer: &dyn Observer) -> Result<Sources> {
        let sources = collect(opts.paths, &opts.subdir, &opts.filter, opts.follow_links)?;
        if sources.is_empty() {
            observer.warn("no files to import (empty folders, or nothing matched the globs)");
        }
        Ok(Sources(sources))
    }

    /// Files the caller found itself, each with its place in the version (`adopt` walks
    /// another tool's center, where a link or an odd file is skipped rather than refused).
    /// Refused as `collect` refuses them: two files for one path, a file where a folder goes.
    pub fn of_files(files: Vec<(PathBuf, RelPath)>) -> Result<Sources> {
        let mut sources = Vec::with_capacity(files.len());
        for (path, dest) in files {
            let meta = fs::symlink_metadata(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            let stat = FileStat::of(&meta);
            sources.push(Source {
                path,
                dest,
                stat,
                in_center: None,
            });
        }
        refuse_clashes(&sources)?;
        Ok(Sources(sources))
    }

    /// The regular files in the folder of version `version` of a local center that its catalog
    /// does not list (written there by hand or by a notebook), which `filter` passes: to be
    /// adopted in place. Each is staged and published like any source, so its stored copy is
    /// read-only, hashed, and identical to what was read. Also returns why files were
    /// skipped (a name mfile can't store).
    pub fn untracked(
        center: &Center,
        model: &str,
        version: &str,
        filter: &PathFilter,
    ) -> Result<(Sources, Vec<String>)> {
        if center.bucket.is_some() {
            return Err(usage(
                "--untracked adopts files in a local center's folders; a bucket center has none",
            ));
        }
        let root = center.root.join(center::FILES_DIR);
        let scope = Scope {
            model: Some(model),
            version: Some(version),
        };
        let prefix = super::folder_prefix(model, Some(version));
        let (mut sources, mut skipped) = (Vec::new(), Vec::new());
        for listed in super::unlisted(center, &center.catalog.files(scope)?, &prefix)? {
            if !listed.regular {
                continue; // a link is never adopted; verify reports it
            }
            let rel = listed.key.strip_prefix(&prefix).unwrap_or(&listed.key);
            let dest = match RelPath::parse("file name", rel.trim_start_matches('/')) {
                Ok(dest) => dest,
                Err(e) => {
                    skipped.push(format!("{e:#}; left as it is"));
                    continue;
                }
            };
            if !filter.matches(dest.as_str()) {
                continue;
            }
            let path = root.join(&listed.key);
            let meta = fs::symlink_metadata(&path)
                .with_context(|| format!("could not read {}", path.display()))?;
            sources.push(Source {
                path,
                dest,
                stat: FileStat::of(&meta),
                in_center: Some((root.clone(), listed.key)),
            });
        }
        Ok((Sources(sources), skipped))
    }
}

/// The center to import into: created on first use, except by a dry run, which needs none
/// (`None` when there is none yet: everything would be new).
pub fn open_center(path: &Path, dry_run: bool) -> Result<Option<Center>> {
    if !dry_run {
        return Center::create(path).map(Some);
    }
    match Center::open(path) {
        Ok(center) => Ok(Some(center)),
        Err(_) if !path.join(center::CATALOG_FILE).exists() => Ok(None),
        Err(e) => Err(e),
    }
}

/// Imports `sources` into a version: checks every one against the version first (conflicts
/// stop it before any byte is written), then stages and publishes them in batches, each
/// batch's bytes durable before its catalog transaction.
pub fn import(
    mut center: Option<&mut Center>,
    sources: &Sources,
    opts: &ImportOptions,
    observer: &dyn Observer,
) -> Result<Imported> {
    let (model, version) = (opts.model, opts.version);
    let sources = &sources.0;
    if sources.is_empty() && !opts.filter.unmatched_includes().is_empty() {
        // An --include that matched nothing makes no empty version (it would become @latest);
        // an empty folder still registers one, as `register` does.
        return Ok(Imported {
            entries: Vec::new(),
            errors: Vec::new(),
        });
    }
    if let Some(center) = &center {
        refuse_own_storage(center, opts.paths, sources, opts.follow_links)?;
    }
    let now = Timestamp::now();
    let version_row = match center.as_mut() {
        Some(center) if !opts.dry_run => Some(center.catalog.write(|tx| {
            let m = tx.ensure_model(model, now)?;
            tx.ensure_version(m.id, version, now)
        })?),
        _ => None,
    };
    let stored = Stored::new(match &center {
        Some(center) => {
            let scope = Scope {
                model: Some(model),
                version: Some(version),
            };
            center.catalog.files(scope)?
        }
        None => Vec::new(),
    });

    let Checked {
        todo,
        mut entries,
        hashed,
        lost,
        errors,
    } = check(observer, sources, &stored, center.as_deref(), opts)?;
    if opts.dry_run {
        entries.extend(todo.iter().map(|source| {
            let status = match stored.rows.contains_key(source.dest.as_str()) {
                _ if lost.contains(source.dest.as_str()) => FileStatus::Restored,
                true => FileStatus::Replaced,
                false => FileStatus::Imported,
            };
            entry(source, &source.stat, status, None, false, None)
        }));
        return Ok(Imported { entries, errors });
    }
    let (Some(center), Some(version_row)) = (center.as_mut(), version_row) else {
        bail!("the center was not opened for writing"); // unreachable: not a dry run
    };
    if !hashed.is_empty() {
        let now = Timestamp::now();
        center.catalog.write(|tx| {
            for (path, stat, digests) in &hashed {
                tx.remember_digests(path, stat, digests, now)?;
            }
            Ok(())
        })?;
    }

    let (written, mut errors) = write(center, &version_row, &todo, &lost, opts, observer)?;
    entries.extend(written);
    if opts.move_files {
        errors.extend(remove_sources(&*center.store, &entries, opts.paths));
    }
    Ok(Imported { entries, errors })
}

/// Stages `todo` and publishes it in batches, each batch's bytes durable before its catalog
/// transaction. Returns the entries written and the files that could not be.
fn write(
    center: &mut Center,
    version_row: &VersionRow,
    todo: &[&Source],
    lost: &HashSet<String>,
    opts: &ImportOptions,
    observer: &dyn Observer,
) -> Result<(Vec<Entry>, Vec<FileError>)> {
    let total: u64 = todo.iter().map(|s| s.stat.size).sum();
    observer.start("importing", total);
    let Center { catalog, store, .. } = center;
    let store = &**store;
    let publish_batch = |catalog: &mut Catalog, batch| {
        let rules = Rules {
            force: opts.force,
            lost,
        };
        publish(
            catalog,
            store,
            version_row,
            opts.model,
            batch,
            &rules,
            observer,
        )
    };
    let (mut entries, mut errors) = (Vec::new(), Vec::new());
    let batch_limit = match store.uploads() {
        true => UPLOAD_BATCH_BYTES,
        false => BATCH_BYTES,
    };
    stage_all(store, todo, observer, |staged| {
        let mut batch = Vec::new();
        let mut batch_bytes = 0;
        for (source, result) in staged {
            match result {
                Ok((staged, digests, stat)) => {
                    batch_bytes += staged.size;
                    batch.push((source, staged, digests, stat));
                }
                Err(e) if is_fatal(&e) => return Err(e),
                Err(e) => errors.push(FileError::new(source.dest.as_str(), e)),
            }
            if batch.len() >= BATCH_FILES || batch_bytes >= batch_limit {
                drop_changed(&mut batch, &mut errors);
                entries.extend(publish_batch(catalog, std::mem::take(&mut batch))?);
                batch_bytes = 0;
            }
        }
        drop_changed(&mut batch, &mut errors);
        if !batch.is_empty() {
            entries.extend(publish_batch(catalog, batch)?);
        }
        Ok(())
    })?;
    observer.finish();
    Ok((entries, errors))
}

/// Takes out of `batch` the adopted files (`--untracked`) that changed since they were read:
/// each stays as it is and is an error of its own; the others go on.
fn drop_changed(batch: &mut Vec<Ready>, errors: &mut Vec<FileError>) {
    batch.retain(|(source, _, _, stat)| {
        if source.in_center.is_none() || still_as_read(source, stat) {
            return true;
        }
        errors.push(FileError::new(
            source.dest.as_str(),
            changed_after_read(source),
        ));
        false
    });
}

/// The file at `source.path` is still the one that was read: same inode, size, mtime and
/// ctime (which no tool can set back).
fn still_as_read(source: &Source, stat: &FileStat) -> bool {
    fs::symlink_metadata(&source.path).is_ok_and(|m| FileStat::of(&m) == *stat)
}

fn changed_after_read(source: &Source) -> anyhow::Error {
    anyhow::anyhow!(
        "{} changed after it was read; it was left as it is, run the import again",
        source.path.display()
    )
}

/// Walks the arguments into the list of files to import. Symbolic links inside folders,
/// special files, unreadable folders and unusable names are collected and refused together.
fn collect(
    paths: &[PathBuf],
    subdir: &RelPath,
    filter: &PathFilter,
    follow: bool,
) -> Result<Vec<Source>> {
    let mut sources = Vec::new();
    let mut problems = Vec::new();
    for path in paths {
        // An argument the user names is followed even when it is a link, like cp and rsync do.
        let meta =
            fs::metadata(path).with_context(|| format!("could not read {}", path.display()))?;
        if meta.is_file() {
            let Some(name) = path.file_name() else {
                problems.push(format!("{}: has no file name", path.display()));
                continue;
            };
            let name = RelPath::parse_os("file name", name)?;
            if filter.matches(name.as_str()) {
                sources.push(Source {
                    path: path.clone(),
                    dest: subdir.join(&name),
                    stat: FileStat::of(&meta),
                    in_center: None,
                });
            }
        } else if meta.is_dir() {
            walk(path, subdir, filter, follow, &mut sources, &mut problems);
        } else {
            problems.push(format!("{}: not a regular file or folder", path.display()));
        }
    }
    if !problems.is_empty() {
        return Err(usage(format!(
            "nothing was imported; these sources can't be imported:{}",
            bullet_list(&problems)
        )));
    }
    refuse_clashes(&sources)?;
    Ok(sources)
}

/// Refuses sources that would be both a file and a folder, or two files at one path.
fn refuse_clashes(sources: &[Source]) -> Result<()> {
    let folders = folders_of(sources.iter().map(|s| s.dest.as_str()));
    if let Some(clash) = sources.iter().find(|s| folders.contains(s.dest.as_str())) {
        return Err(usage(format!(
            "{} would be both a file and a folder in the version; import it with --subdir",
            clash.dest
        )));
    }
    let mut seen: HashMap<&RelPath, &Path> = HashMap::new();
    for source in sources {
        if let Some(first) = seen.insert(&source.dest, &source.path) {
            return Err(usage(format!(
                "{} and {} would both be stored as {}; import them with different --subdir",
                first.display(),
                source.path.display(),
                source.dest
            )));
        }
    }
    Ok(())
}

/// Refuses (exit 2) sources in the center's own storage: importing (above all with --move) a
/// stored file, the version's own folder or the catalog would lose what it names. Under
/// --follow-links every file is checked, since a link inside a folder can lead there too.
fn refuse_own_storage(
    center: &Center,
    args: &[PathBuf],
    sources: &[Source],
    follow: bool,
) -> Result<()> {
    let own = center::OwnStorage::of(&center.root);
    let followed = sources.iter().filter(|_| follow).map(|s| &s.path);
    for path in args.iter().chain(followed) {
        if let Some(why) = own.refuses_source(path) {
            return Err(usage(format!(
                "nothing was imported: {} {why}; import from a copy outside the center",
                path.display()
            )));
        }
    }
    Ok(())
}

fn walk(
    root: &Path,
    subdir: &RelPath,
    filter: &PathFilter,
    follow: bool,
    sources: &mut Vec<Source>,
    problems: &mut Vec<String>,
) {
    let walker = WalkDir::new(root).follow_links(follow).sort_by_file_name();
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(e) => {
                let at = e.path().unwrap_or(root).display().to_string();
                match e.loop_ancestor() {
                    Some(_) => problems.push(format!("{at}: symbolic link loop")),
                    None => problems.push(format!("{at}: {}", io::Error::from(e))),
                }
                continue;
            }
        };
        let file_type = entry.file_type();
        // The folder named on the command line is followed even when it is a link, like cp -r.
        if file_type.is_dir() || entry.depth() == 0 {
            continue;
        }
        let Ok(rel) = entry.path().strip_prefix(root) else {
            continue;
        };
        let rel = match RelPath::parse_os("file name", rel.as_os_str()) {
            Ok(rel) => rel,
            Err(e) => {
                problems.push(format!("{}: {e}", entry.path().display()));
                continue;
            }
        };
        if !filter.matches(rel.as_str()) {
            continue;
        }
        if file_type.is_symlink() {
            problems.push(format!(
                "{}: a symbolic link; pass --follow-links to import what it points to",
                entry.path().display()
            ));
            continue;
        }
        if !file_type.is_file() {
            problems.push(format!(
                "{}: not a regular file (a FIFO, socket or device)",
                entry.path().display()
            ));
            continue;
        }
        match entry.metadata() {
            Ok(meta) => sources.push(Source {
                path: entry.path().to_path_buf(),
                dest: subdir.join(&rel),
                stat: FileStat::of(&meta),
                in_center: None,
            }),
            Err(e) => problems.push(format!(
                "{}: {}",
                entry.path().display(),
                io::Error::from(e)
            )),
        }
    }
}

/// Compares sources whose path is already stored. Same content → `unchanged` (nothing to
/// write). Other content → a conflict, unless --force, in which case the content is compared
/// while staging so each file is still read once. Returns what is left to write.
/// Also returns the sources it had to hash, for the source cache.
fn check<'a>(
    observer: &dyn Observer,
    sources: &'a [Source],
    stored: &Stored,
    center: Option<&Center>,
    opts: &ImportOptions,
) -> Result<Checked<'a>> {
    let (model, version) = (opts.model, opts.version);
    let mut hashed = Vec::new();
    let mut lost = HashSet::new();
    let mut todo = Vec::new();
    let mut entries = Vec::new();
    let mut conflicts = Vec::new();
    let mut errors = Vec::new();
    let to_hash: u64 = sources
        .iter()
        .filter(|s| {
            (!opts.force || opts.dry_run)
                && stored
                    .rows
                    .get(s.dest.as_str())
                    .is_some_and(|row| row.size == s.stat.size)
        })
        .map(|s| s.stat.size)
        .sum();
    observer.start("comparing", to_hash);
    let mut blocked = Vec::new();
    for source in sources {
        if let Some(why) = stored.blocks(&source.dest) {
            blocked.push((source, why.to_string()));
            continue;
        }
        let Some(row) = stored.rows.get(source.dest.as_str()) else {
            todo.push(source);
            continue;
        };
        // The real run under --force compares while it stages; a dry run compares here, so
        // its preview says `unchanged` where the real run would.
        if opts.force && !opts.dry_run {
            todo.push(source);
            continue;
        }
        match compare(center, source, row, observer, &mut hashed)? {
            Compared::Unchanged(entry) => entries.push(*entry),
            Compared::Lost => {
                lost.insert(source.dest.to_string()); // publish restores it
                todo.push(source);
            }
            Compared::Other if opts.force => todo.push(source),
            Compared::Other => conflicts.push(source),
        }
    }
    observer.finish();
    if opts.dry_run {
        // The preview lists what would stop the real run, each with its reason.
        let conflicts = conflicts.iter().map(|source| {
            let why = format!(
                "version {version} of {model} already has it with other content; \
                 use --force to replace it"
            );
            (*source, why)
        });
        for (source, why) in blocked.into_iter().chain(conflicts) {
            let dest = source.dest.as_str();
            entries.push(entry(
                source,
                &source.stat,
                FileStatus::Conflict,
                None,
                false,
                None,
            ));
            errors.push(FileError::new(dest, anyhow::anyhow!("{dest}: {why}")));
        }
        return Ok(Checked {
            todo,
            entries,
            hashed,
            lost,
            errors,
        });
    }
    let blocked: Vec<String> = blocked
        .iter()
        .map(|(source, why)| format!("{}: {why}", source.dest))
        .collect();
    let conflicts: Vec<String> = conflicts.iter().map(|s| s.dest.to_string()).collect();
    if !blocked.is_empty() {
        bail!(
            "nothing was imported: in version {version} of {model} a file can't replace a folder \
             or sit below a file:{}",
            bullet_list(&blocked)
        );
    }
    if !conflicts.is_empty() {
        bail!(
            "nothing was imported: version {version} of {model} already has {} with other content; \
             use --force to replace:{}",
            if conflicts.len() == 1 {
                "this file"
            } else {
                "these files"
            },
            bullet_list(&conflicts)
        );
    }
    Ok(Checked {
        todo,
        entries,
        hashed,
        lost,
        errors,
    })
}

/// What [`check`] found: the sources left to write, the entries of those that need nothing,
/// the sources it hashed, and the paths whose stored bytes are gone (to be restored).
struct Checked<'a> {
    todo: Vec<&'a Source>,
    entries: Vec<Entry>,
    hashed: Vec<Hashed>,
    lost: HashSet<String>,
    /// A dry run's conflicts, each with its reason (a real run stops at the first check).
    errors: Vec<FileError>,
}

/// A source compared with the stored file at its path.
enum Compared {
    Unchanged(Box<Entry>),
    /// The same content, but the stored bytes are gone: to be written again.
    Lost,
    Other,
}

/// Compares a source with the stored file at its path: by size, then by digests (from the
/// source cache, or by reading the source, which is then noted in `hashed`).
fn compare(
    center: Option<&Center>,
    source: &Source,
    row: &FileRow,
    observer: &dyn Observer,
    hashed: &mut Vec<Hashed>,
) -> Result<Compared> {
    if row.size != source.stat.size {
        return Ok(Compared::Other);
    }
    interrupt::check()?;
    let cached = match center {
        Some(c) => c.catalog.cached_digests(&source.path, &source.stat)?,
        None => None,
    };
    let (digests, size) = match cached {
        Some(digests) => (digests, source.stat.size),
        None => {
            let (digests, size) = hash_file(&source.path, |n| observer.advance(n))?;
            hashed.push((source.path.clone(), source.stat, digests.clone()));
            (digests, size)
        }
    };
    if !row.same_content(size, &digests) {
        return Ok(Compared::Other);
    }
    let file = super::stored(row);
    let present = match center {
        Some(c) => c.store.size(&file)? == Some(size),
        None => true,
    };
    if !present {
        return Ok(Compared::Lost);
    }
    let md5 = Some(digests.md5);
    let mut unchanged = entry(
        source,
        &source.stat,
        FileStatus::Unchanged,
        md5,
        false,
        None,
    );
    unchanged.imported_at = Some(row.imported_at);
    unchanged.stored = Some(file);
    Ok(Compared::Unchanged(Box::new(unchanged)))
}

/// A source that was hashed: its path, its stat before the read, its digests.
type Hashed = (PathBuf, FileStat, Digests);

/// The version's files as they are before the import.
struct Stored {
    rows: HashMap<String, FileRow>,
    /// Every folder that holds stored files (`a`, `a/b` for `a/b/c.bin`).
    folders: HashSet<String>,
}

impl Stored {
    fn new(rows: Vec<FileRow>) -> Self {
        let folders = folders_of(rows.iter().map(|r| r.path.as_str()));
        let rows = rows.into_iter().map(|r| (r.path.clone(), r)).collect();
        Stored { rows, folders }
    }

    /// Why `dest` can't be stored: it is a folder of the version, or lies below a file.
    fn blocks(&self, dest: &RelPath) -> Option<String> {
        if self.folders.contains(dest.as_str()) {
            return Some("is a folder in the version".to_string());
        }
        let mut path = dest.as_str();
        while let Some((parent, _)) = path.rsplit_once('/') {
            if self.rows.contains_key(parent) {
                return Some(format!("{parent} is a file in the version"));
            }
            path = parent;
        }
        None
    }
}

/// Every folder that holds one of `paths` (`a` and `a/b` for `a/b/c.bin`).
fn folders_of<'a>(paths: impl IntoIterator<Item = &'a str>) -> HashSet<String> {
    let mut folders = HashSet::new();
    for mut path in paths {
        while let Some((parent, _)) = path.rsplit_once('/') {
            if !folders.insert(parent.to_string()) {
                break; // its parents are in already
            }
            path = parent;
        }
    }
    folders
}

/// One staged source, or why it could not be staged.
type StageResult<'a> = (&'a Source, Result<(Staged, Digests, FileStat)>);

/// Stages `todo` on one thread per core (hashing is the bottleneck of many small files) and
/// hands the results, in completion order, to `consume` on this thread, which publishes them.
/// When `consume` fails or Ctrl-C is pressed, the workers stop after their current file.
fn stage_all<'a>(
    store: &dyn Store,
    todo: &[&'a Source],
    observer: &dyn Observer,
    consume: impl FnOnce(&mut dyn Iterator<Item = StageResult<'a>>) -> Result<()>,
) -> Result<()> {
    let next = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // Progress is in bytes stored: for a store that uploads, bytes sent (see `publish`).
    let staged_bytes = |n| {
        if !store.uploads() {
            observer.advance(n);
        }
    };
    let workers = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(todo.len())
        .max(1);
    // Bounded: staging must not run far ahead of publishing (small files for an object store
    // wait in memory, big ones in the staging folder).
    let (results, received) = mpsc::sync_channel(workers * 2);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            let results = results.clone();
            let (next, stop) = (&next, &stop);
            scope.spawn(move || {
                while !stop.load(Ordering::Relaxed) && interrupt::check().is_ok() {
                    let Some(source) = todo.get(next.fetch_add(1, Ordering::Relaxed)) else {
                        break;
                    };
                    if results
                        .send((*source, stage(store, source, &staged_bytes)))
                        .is_err()
                    {
                        break;
                    }
                }
            });
        }
        drop(results);
        let outcome = consume(&mut received.iter()).and_then(|()| interrupt::check());
        stop.store(true, Ordering::Relaxed);
        outcome
    })
}

/// Copies one source into staging, hashing the staged bytes. Fails when the source changes
/// while it is read, so a half-written log or checkpoint is never stored as if complete.
fn stage(
    store: &dyn Store,
    source: &Source,
    on_read: &(dyn Fn(u64) + Sync),
) -> Result<(Staged, Digests, FileStat)> {
    let what = || format!("could not import {}", source.path.display());
    let file = match &source.in_center {
        None => File::open(&source.path).with_context(what)?,
        Some((root, key)) => open_in_center(root, key).with_context(what)?,
    };
    let before = file.metadata().with_context(what)?;
    let (mut staged, digests) = store
        .stage_file(&file, before.modified()?, on_read)
        .with_context(what)?;
    staged.digests = Some(digests.clone());
    let after = file.metadata().with_context(what)?;
    if staged.size != before.len()
        || after.len() != before.len()
        || after.modified()? != before.modified()?
    {
        bail!(
            "{} changed while it was being imported; nothing of it was stored, try again",
            source.path.display()
        );
    }
    Ok((staged, digests, FileStat::of(&before)))
}

/// A regular file below the center's `files/`, opened without following any link on the way.
fn open_in_center(root: &Path, key: &str) -> io::Result<File> {
    let (folder, name) = key.rsplit_once('/').unwrap_or(("", key));
    let gone = || io::Error::new(io::ErrorKind::NotFound, "it is gone");
    let dir = Dir::open(root)?.sub(folder, false)?.ok_or_else(gone)?;
    dir.open_file(name)?.ok_or_else(gone)
}

/// Disk full and Ctrl-C stop the whole import; other errors belong to one file.
fn is_fatal(err: &anyhow::Error) -> bool {
    crate::error::exit_code(err) == crate::error::INTERRUPTED
        || err.chain().any(|c| {
            c.downcast_ref::<io::Error>()
                .is_some_and(|e| e.kind() == io::ErrorKind::StorageFull)
        })
}

/// A staged file with what was read: its digests and the stat taken when it was opened (the
/// catalog describes the bytes that were read, not the walk's stat).
type Ready<'s> = (&'s Source, Staged, Digests, FileStat);

/// A staged file re-checked against the catalog under the write lock.
struct Planned<'s> {
    ready: Ready<'s>,
    key: String,
    status: FileStatus,
    imported_at: Timestamp,
    /// The stored copy, when it is `unchanged`.
    unchanged: Option<FileRef>,
    /// --force: it replaces whatever is at its path, even what another writer stored meanwhile.
    replaces: bool,
}

/// How a batch's files meet what is stored: --force, and the paths whose stored bytes were
/// found gone (written again as `restored`, even once the upload put them back).
struct Rules<'a> {
    force: bool,
    lost: &'a HashSet<String>,
}

/// Makes one batch visible: re-checks each file against the catalog under the write lock
/// (another process may have imported meanwhile), links or renames the staged bytes into
/// place, flushes the folders, and commits the rows.
fn publish(
    catalog: &mut Catalog,
    store: &dyn Store,
    version: &VersionRow,
    model: &str,
    batch: Vec<Ready>,
    rules: &Rules,
    observer: &dyn Observer,
) -> Result<Vec<Entry>> {
    // Bytes the center holds already need not be stored again.
    for (_, staged, digests, _) in &batch {
        if let Some(row) = catalog
            .files_with_content(&digests.blake3, staged.size)?
            .first()
        {
            store.reuse(&stored(row))?;
        }
    }
    // The bytes are durable before any of them becomes visible.
    let staged: Vec<&Staged> = batch.iter().map(|(_, staged, ..)| staged).collect();
    store.sync_staged(&staged, &|n| observer.advance(n))?;
    let now = Timestamp::now();
    let mut undo = Undo::default();
    let outcome = catalog.write(|tx| {
        let plan = recheck(tx, store, version, model, batch, rules, now)?;
        let mut entries = Vec::with_capacity(plan.len());
        for planned in plan {
            entries.push(place(tx, store, &mut undo, version, planned, now)?);
        }
        store.flush()?;
        tx.touch_version(version.id, now)?;
        Ok(entries)
    });
    undo.settle(store, outcome)
}

/// Each file's status now: another import may have stored the same (`unchanged`) or other
/// content (a conflict, which refuses the batch, unless --force).
fn recheck<'s>(
    tx: &Tx,
    store: &dyn Store,
    version: &VersionRow,
    model: &str,
    batch: Vec<Ready<'s>>,
    rules: &Rules,
    now: Timestamp,
) -> Result<Vec<Planned<'s>>> {
    let Rules { force, lost } = *rules;
    let mut plan = Vec::with_capacity(batch.len());
    let mut conflicts = Vec::new();
    for ready in batch {
        let (source, _, digests, stat) = &ready;
        tx.remember_digests(&source.path, stat, digests, now)?;
        let mut planned = Planned {
            key: center::key(model, &version.name, source.dest.as_str()),
            status: FileStatus::Imported,
            imported_at: now,
            unchanged: None,
            replaces: force,
            ready,
        };
        let (source, staged, digests, _) = &planned.ready;
        match tx.file(version.id, source.dest.as_str())? {
            None => {}
            Some(row) if row.same_content(staged.size, digests) => {
                let file = stored(&row);
                // Found gone before this batch was uploaded (which may have put it back).
                let was_lost = lost.contains(source.dest.as_str());
                if !was_lost && store.size(&file)? == Some(row.size) {
                    planned.status = FileStatus::Unchanged;
                    planned.imported_at = row.imported_at;
                    planned.unchanged = Some(file);
                } else {
                    planned.status = FileStatus::Restored;
                }
            }
            Some(_) if force => planned.status = FileStatus::Replaced,
            Some(_) => {
                conflicts.push(source.dest.to_string());
                continue;
            }
        }
        plan.push(planned);
    }
    if !conflicts.is_empty() {
        bail!(
            "another import stored other content meanwhile at these paths of {model} {}; \
             use --force to replace:{}",
            version.name,
            bullet_list(&conflicts)
        );
    }
    Ok(plan)
}

/// Puts one file in place (shared with identical bytes already stored, or published) and its
/// row in the catalog; what was there is set aside until the rows commit.
fn place(
    tx: &Tx,
    store: &dyn Store,
    undo: &mut Undo,
    version: &VersionRow,
    planned: Planned,
    now: Timestamp,
) -> Result<Entry> {
    let Planned {
        ready: (source, staged, digests, stat),
        key,
        status,
        imported_at,
        unchanged,
        replaces,
    } = planned;
    let size = staged.size;
    let md5 = Some(digests.md5.clone());
    if status == FileStatus::Unchanged {
        let mut done = entry(source, &stat, status, md5, false, Some(imported_at));
        done.stored = unchanged;
        return Ok(done);
    }
    if source.in_center.is_some() {
        // An adopted file is replaced by its staged copy: only if it is still what was read.
        if !still_as_read(source, &stat) {
            return Err(changed_after_read(source));
        }
    }
    undo.set_aside(store, &key)?;
    undo.placed(key.clone());
    let (location, linked) = match link_existing(tx, store, &digests, size, &key)? {
        Some(location) => (location, true),
        None => (store.publish(staged, &key)?, false),
    };
    let file = NewFile {
        path: source.dest.as_str(),
        size,
        digests: &digests,
        modified_at: Timestamp(stat.mtime),
        location: location.as_deref(),
        replaces,
    };
    tx.upsert_file(version.id, &file, now)?;
    let mut done = entry(source, &stat, status, md5, linked, Some(imported_at));
    done.stored = Some(FileRef {
        key,
        size,
        blake3: digests.blake3,
        location,
    });
    Ok(done)
}

/// Deduplication: when identical bytes (same BLAKE3 and size, not just md5) are already
/// stored, `key` shares them (a hard link on a local disk). Returns where they are, or `None`
/// when there are none or the store can't share them.
fn link_existing(
    tx: &Tx,
    store: &dyn Store,
    digests: &Digests,
    size: u64,
    key: &str,
) -> Result<Option<Location>> {
    for other in tx.files_with_content(&digests.blake3, size)? {
        let other = stored(&other);
        if other.key != key && store.size(&other)? == Some(size) {
            if let Some(location) = store.link(&other, key)? {
                return Ok(Some(location));
            }
        }
    }
    Ok(None)
}

fn entry(
    source: &Source,
    stat: &FileStat,
    status: FileStatus,
    md5: Option<String>,
    linked: bool,
    imported_at: Option<Timestamp>,
) -> Entry {
    Entry {
        path: source.dest.to_string(),
        source: source.path.display().to_string(),
        status,
        size: stat.size,
        md5,
        modified_at: Timestamp(stat.mtime),
        imported_at,
        linked,
        stat: *stat,
        stored: None,
    }
}

/// --move: removes each source after re-reading its stored copy and matching the md5, then the
/// folders that became empty. Returns the files it could not remove.
fn remove_sources(store: &dyn Store, entries: &[Entry], args: &[PathBuf]) -> Vec<FileError> {
    let mut errors = Vec::new();
    for entry in entries {
        let opened = match &entry.stored {
            Some(file) => store.open(file),
            None => Ok(None),
        };
        let verified = opened.and_then(|reader| match reader {
            Some(reader) => Ok(hash_reader(reader, |_| {})?.0.md5),
            None => bail!("the stored copy of {} is missing", entry.path),
        });
        let result = match verified {
            Ok(md5) if Some(&md5) == entry.md5.as_ref() => remove_if_unchanged(entry),
            Ok(_) => Err(anyhow::anyhow!(
                "the stored copy of {} does not match its source; {} was kept",
                entry.path,
                entry.source
            )),
            Err(e) => Err(e.context(format!("{} was kept", entry.source))),
        };
        if let Err(e) = result {
            errors.push(FileError::new(&entry.path, e));
        }
    }
    for root in args.iter().filter(|p| p.is_dir()) {
        // Deepest first; a folder that still holds something (a refused file) stays.
        for dir in WalkDir::new(root)
            .contents_first(true)
            .into_iter()
            .flatten()
        {
            if dir.file_type().is_dir() {
                let _ = fs::remove_dir(dir.path());
            }
        }
    }
    errors
}

/// Removes a moved source, unless it changed since it was read (device, inode, size, mtime and
/// ctime, which no tool can set back): then what was stored is not all it holds, and it stays.
/// A write in the instant between this stat and the unlink can't be seen; see docs/security.md.
fn remove_if_unchanged(entry: &Entry) -> Result<()> {
    let now = fs::metadata(&entry.source)
        .with_context(|| format!("could not read {} to remove it", entry.source))?;
    if FileStat::of(&now) != entry.stat {
        bail!(
            "{} changed after it was read, so it was kept: the version holds it as it was read; \
             import it again to store the change",
            entry.source
        );
    }
    fs::remove_file(&entry.source)
        .with_context(|| format!("could not remove {} after importing it", entry.source))
}
