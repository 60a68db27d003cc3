//! Pull: copy a version (or some of its files) into a workspace folder.
//!
//! Every local path is checked before anything is written: an identical file is `unchanged`,
//! a different one is a conflict unless --force, and a symbolic link or file in the way of a
//! folder stops the pull (mfile never writes through links, so never outside the workspace).
//! Each file is written to a temp file beside its destination, checked against the catalog's
//! md5 as it is copied, fsynced, then renamed into place.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};

use super::Center;
use super::{FileError, FileStatus, Observer, bullet_list};
use crate::catalog::source_cache::{self, FileStat};
use crate::catalog::{FileRow, Scope, VersionRow};
use crate::center;
use crate::center::hashing::{Digests, HashingReader, copy_interruptible, hash_file};
use crate::center::local::EarlyWriteback;
use crate::center::nofollow::{Dir, FEW, TempFile};
use crate::center::partial;
use crate::center::sparse::Sparse;
use crate::center::store::{FileRef, Store};
use crate::error::usage;
use crate::filter::{PathFilter, is_glob};
use crate::interrupt;
use crate::time::Timestamp;
use crate::values::names::{RelPath, quote};

/// Files per flush: their data, then their renames. Small, so that the last batch, whose files
/// are still inside the racy window when the pull ends, is small too (see source_cache.rs).
const BATCH_FILES: usize = 256;

#[derive(Debug)]
pub struct Entry {
    pub path: String,
    pub destination: String,
    pub status: FileStatus,
    pub size: u64,
    pub md5: String,
    pub modified_at: Timestamp,
    /// When the content was stored in the center under this path.
    pub imported_at: Timestamp,
}

/// What is at a file's destination now.
enum Local {
    Absent,
    Same,
    /// The same, found by reading it; remembered so the next pull needs only a stat.
    Hashed(Digests),
    Differs,
    Blocked(String),
}

/// What to pull, and where.
pub struct PullOptions<'a> {
    pub model: &'a str,
    pub version: &'a str,
    /// Files, folders or globs of the version, as given; empty: all of it.
    pub names: &'a [String],
    /// `names` parsed ([`Selector::parse_all`]).
    pub selectors: Vec<Selector>,
    pub filter: PathFilter,
    pub to: &'a Path,
    /// Overwrite local files that have other content.
    pub force: bool,
    /// Only say what would be done.
    pub dry_run: bool,
}

/// What a pull did, file by file (unsorted), and the files it could not deliver.
pub struct Pulled {
    pub entries: Vec<Entry>,
    pub errors: Vec<FileError>,
}

/// Pulls a version's files (or those `opts.names` select) into `opts.to`. Every local path is
/// checked before anything is written; each file is delivered whole or not at all.
pub fn pull(center: &mut Center, opts: &PullOptions, observer: &dyn Observer) -> Result<Pulled> {
    let (model, version) = (opts.model, opts.version);
    let model_row = center.model(model)?;
    let version_row = center.version(&model_row, version)?;
    let scope = Scope {
        model: Some(model),
        version: Some(version),
    };
    let rows = select(
        center.catalog.files(scope)?,
        opts.names,
        &opts.selectors,
        &opts.filter,
        model,
        version,
    )?;
    refuse_destination(center, opts.to)?;
    let Plan {
        todo,
        mut entries,
        rehashed,
        conflicts,
    } = plan(center, rows, opts)?;
    if opts.dry_run {
        entries.extend(
            todo.iter()
                .map(|(row, dest, status)| entry(row, dest, *status)),
        );
        let mut errors = Vec::new();
        // A stored copy that is gone fails the real run: a stat says so (on a bucket it would
        // be a request per file, so a bucket's preview does not look).
        if center.bucket.is_none() {
            for (row, ..) in &todo {
                if center.store.size(&super::stored(row))? != Some(row.size) {
                    let why = anyhow!(
                        "the stored copy of {} is missing or cut; run `mfile verify`",
                        row.path
                    );
                    errors.push(FileError::new(&row.path, why));
                }
            }
        }
        for (row, dest, why) in conflicts {
            entries.push(entry(&row, &dest, FileStatus::Conflict));
            errors.push(FileError::new(
                &row.path,
                anyhow!("{}: {why}", dest.display()),
            ));
        }
        return Ok(Pulled { entries, errors });
    }

    let to = opts.to;
    fs::create_dir_all(to).with_context(|| format!("could not create {}", to.display()))?;
    let mut workspace = Workspace::open(to)?;
    observer.start("pulling", todo.iter().map(|(row, ..)| row.size).sum());
    let mut delivery = Delivery {
        entries,
        errors: Vec::new(),
        delivered: rehashed,
    };
    for batch in todo.chunks(BATCH_FILES) {
        deliver(
            center,
            &version_row,
            batch,
            &mut workspace,
            observer,
            &mut delivery,
        )?;
    }
    // Stat them at the end, when most have settled past the racy window.
    remember(center, &delivery.delivered);
    observer.finish();
    Ok(Pulled {
        entries: delivery.entries,
        errors: delivery.errors,
    })
}

/// Refuses a destination inside the center's own storage, or one that is not a folder.
fn refuse_destination(center: &Center, to: &Path) -> Result<()> {
    if let Some(why) = center::OwnStorage::of(&center.root).refuses_destination(to) {
        return Err(usage(format!(
            "nothing was pulled: the destination {} {why}; pull into a folder outside it",
            to.display()
        )));
    }
    if to.exists() && !to.is_dir() {
        bail!(
            "the destination {} is not a folder; give --to a folder",
            to.display()
        );
    }
    Ok(())
}

/// A file to deliver: its row, its local path, and `pulled` or `replaced`.
type Todo = (FileRow, PathBuf, FileStatus);

/// What the local files say before anything is written.
struct Plan {
    todo: Vec<Todo>,
    /// The files already there (`unchanged`).
    entries: Vec<Entry>,
    /// Local files found identical by reading them, to remember in the stat cache.
    rehashed: Vec<(PathBuf, Digests)>,
    /// Only in a dry run's plan: the local paths in the way, and why (a real run stops).
    conflicts: Vec<(FileRow, PathBuf, String)>,
}

/// Checks every local path: absent or (under --force) different files are to do, identical
/// ones are `unchanged`; anything else in the way stops the pull before a byte is written.
fn plan(center: &Center, rows: Vec<FileRow>, opts: &PullOptions) -> Result<Plan> {
    let to = opts.to;
    let mut plan = Plan {
        todo: Vec::new(),
        entries: Vec::new(),
        rehashed: Vec::new(),
        conflicts: Vec::new(),
    };
    let mut cache = center.catalog.cached_folder(to)?;
    let mut real_folders = HashSet::new();
    for row in rows {
        let rel = RelPath::parse("stored path", &row.path)?; // never trust a path blindly
        let dest = to.join(rel.as_str());
        match local_state(&mut cache, &mut real_folders, to, &dest, &row)? {
            Local::Absent => plan.todo.push((row, dest, FileStatus::Pulled)),
            Local::Same => plan.entries.push(entry(&row, &dest, FileStatus::Unchanged)),
            Local::Hashed(digests) => {
                plan.entries.push(entry(&row, &dest, FileStatus::Unchanged));
                plan.rehashed.push((dest, digests));
            }
            Local::Differs if opts.force => plan.todo.push((row, dest, FileStatus::Replaced)),
            Local::Differs => {
                let why = "has other content; use --force to overwrite it".to_string();
                plan.conflicts.push((row, dest, why));
            }
            Local::Blocked(why) => plan.conflicts.push((row, dest, why)),
        }
    }
    if !plan.conflicts.is_empty() && !opts.dry_run {
        let conflicts: Vec<String> = plan
            .conflicts
            .iter()
            .map(|(_, dest, why)| format!("{}: {why}", dest.display()))
            .collect();
        bail!(
            "nothing was pulled; {} in the way:{}",
            match conflicts.len() {
                1 => "this local path is",
                _ => "these local paths are",
            },
            bullet_list(&conflicts)
        );
    }
    Ok(plan)
}

/// What the delivery so far did.
struct Delivery {
    entries: Vec<Entry>,
    errors: Vec<FileError>,
    /// Files written or found identical, to remember in the stat cache.
    delivered: Vec<(PathBuf, Digests)>,
}

/// Delivers one batch: copies it into temp files, makes them all durable at once, then renames
/// them into place and makes the renames durable.
fn deliver(
    center: &Center,
    version: &VersionRow,
    batch: &[Todo],
    workspace: &mut Workspace,
    observer: &dyn Observer,
    done: &mut Delivery,
) -> Result<()> {
    let mut fetched = Vec::with_capacity(batch.len());
    let mut ahead = 0; // how many of the batch were announced to the store
    for (i, (row, dest, status)) in batch.iter().enumerate() {
        interrupt::check()?;
        if i == ahead {
            ahead = announce(&*center.store, batch, i);
        }
        let result = workspace
            .folder(parent_of(&row.path))
            .and_then(|folder| fetch(center, version.id, row, &folder, |n| observer.advance(n)));
        match result {
            Ok(Some((temp, digests))) => fetched.push((temp, digests, row, dest, *status)),
            // Like rsync's "vanished" files: the version no longer has it, so neither does
            // the workspace; not an error.
            Ok(None) => observer.warn(&format!(
                "{} was deleted from {} {} while it was being pulled; skipped",
                row.path, row.model, version.name
            )),
            Err(e) if crate::error::exit_code(&e) == crate::error::INTERRUPTED => return Err(e),
            Err(e) => done.errors.push(FileError::new(&row.path, e)),
        }
    }
    let temps: Vec<&TempFile> = fetched.iter().map(|f| &f.0).collect();
    workspace.sync_files(&temps)?;
    for (temp, digests, row, dest, status) in fetched {
        // A file that appeared since the check is not overwritten without --force.
        let replace = status == FileStatus::Replaced;
        let error = match temp.persist_beside(file_name(&row.path), replace) {
            Ok(()) => {
                workspace.touch(parent_of(&row.path));
                done.delivered.push((dest.clone(), digests));
                done.entries.push(entry(row, dest, status));
                continue;
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => anyhow::anyhow!(
                "{} appeared while it was being pulled; it was kept (use --force to overwrite)",
                dest.display()
            ),
            Err(e) => anyhow::Error::from(e).context(format!("could not write {}", dest.display())),
        };
        done.errors.push(FileError::new(&row.path, error));
    }
    workspace.sync_folders() // the renames
}

/// Bytes of a batch announced to the store at once ([`Store::prefetch`]): what an object store
/// reads ahead is held in memory until it is written.
const AHEAD_BYTES: u64 = 64 << 20;

/// Announces the files of `batch` from `from` on, up to [`AHEAD_BYTES`] (at least one), and
/// returns where the next announcement starts.
fn announce(store: &dyn Store, batch: &[Todo], from: usize) -> usize {
    let mut bytes = 0;
    let mut end = from;
    while end < batch.len() && (end == from || bytes + batch[end].0.size <= AHEAD_BYTES) {
        bytes += batch[end].0.size;
        end += 1;
    }
    let files: Vec<FileRef> = batch[from..end]
        .iter()
        .map(|(row, ..)| super::stored(row))
        .collect();
    store.prefetch(&files);
    end
}

/// Narrows a version's files to the named paths/folders/globs, then to --include/--exclude.
/// A name that matches nothing is an error (exit 1) that lists every such name.
fn select(
    rows: Vec<FileRow>,
    names: &[String],
    selectors: &[Selector],
    filter: &PathFilter,
    model: &str,
    version: &str,
) -> Result<Vec<FileRow>> {
    let rows: Vec<FileRow> = rows
        .into_iter()
        .filter(|r| filter.matches(&r.path))
        .collect();
    if names.is_empty() {
        return Ok(rows);
    }
    let missing: Vec<String> = names
        .iter()
        .zip(selectors)
        .filter(|(_, selector)| !rows.iter().any(|r| selector.matches(&r.path)))
        .map(|(name, _)| quote(name))
        .collect();
    if !missing.is_empty() {
        bail!(
            "version {version} of {model} has no files matching:{}",
            bullet_list(&missing)
        );
    }
    Ok(rows
        .into_iter()
        .filter(|r| selectors.iter().any(|s| s.matches(&r.path)))
        .collect())
}

/// A file or folder name, or a glob, given on the command line.
pub enum Selector {
    Glob(Box<PathFilter>),
    Path(RelPath),
}

impl Selector {
    /// Parses every name; a bad name or glob is refused (exit 2), before any center is opened.
    pub fn parse_all(names: &[String]) -> Result<Vec<Selector>> {
        names.iter().map(|name| Selector::parse(name)).collect()
    }

    fn parse(name: &str) -> Result<Selector> {
        if is_glob(name) {
            Ok(Selector::Glob(Box::new(PathFilter::new(
                &[name.to_string()],
                &[],
            )?)))
        } else {
            Ok(Selector::Path(RelPath::parse("path", name)?))
        }
    }

    fn matches(&self, path: &str) -> bool {
        match self {
            Selector::Glob(glob) => glob.matches(path),
            Selector::Path(wanted) => wanted.covers(path),
        }
    }
}

/// Looks at `dest` and the folders above it (up to `to`) without following links.
fn local_state(
    cache: &mut source_cache::Folder,
    real_folders: &mut HashSet<PathBuf>,
    to: &Path,
    dest: &Path,
    row: &FileRow,
) -> Result<Local> {
    let rel = dest.strip_prefix(to).unwrap_or(dest);
    let mut folder = to.to_path_buf();
    let parents: Vec<_> = rel
        .parent()
        .map(|p| p.components().collect())
        .unwrap_or_default();
    for part in parents {
        folder.push(part);
        if real_folders.contains(&folder) {
            continue; // checked for an earlier file
        }
        match fs::symlink_metadata(&folder) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Ok(Local::Blocked(format!(
                    "{} is a symbolic link; mfile does not write through links",
                    folder.display()
                )));
            }
            Ok(meta) if !meta.is_dir() => {
                return Ok(Local::Blocked(format!(
                    "{} is a file, not a folder",
                    folder.display()
                )));
            }
            Ok(_) => {
                real_folders.insert(folder.clone());
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Local::Absent),
            Err(e) => {
                return Err(e).with_context(|| format!("could not read {}", folder.display()));
            }
        }
    }
    let meta = match fs::symlink_metadata(dest) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Local::Absent),
        Err(e) => return Err(e).with_context(|| format!("could not read {}", dest.display())),
    };
    if meta.is_dir() {
        return Ok(Local::Blocked("a folder is in the way".to_string()));
    }
    if !meta.is_file() || meta.len() != row.size {
        return Ok(Local::Differs);
    }
    // What this pull (or an import) hashed at this path before, if the stat proves it current.
    if let Some(cached) = cache.lookup(dest, &FileStat::of(&meta)) {
        return Ok(if cached.md5 == row.md5 {
            Local::Same
        } else {
            Local::Differs
        });
    }
    let (digests, _) = hash_file(dest, |_| {})?;
    Ok(if digests.md5 == row.md5 {
        Local::Hashed(digests)
    } else {
        Local::Differs
    })
}

/// Copies one stored file into `folder` through a temp file, checking the md5 on the way.
/// When the stored bytes are missing or don't match, another process may have replaced the file
/// meanwhile (`import --force`) or deleted it: the copy is made once more holding the write
/// lock, from the row as it is then, so only real damage fails (`None`: deleted, nothing to
/// deliver).
fn fetch(
    center: &Center,
    version_id: i64,
    row: &FileRow,
    folder: &Arc<Dir>,
    mut on_read: impl FnMut(u64),
) -> Result<Option<(TempFile, Digests)>> {
    if let Copy::Done(temp, digests) = copy_checked(&*center.store, row, folder, &mut on_read)? {
        return Ok(Some((temp, digests)));
    }
    center.catalog.settled(|catalog| {
        let Some(row) = catalog.file(version_id, &row.path)? else {
            return Ok(None);
        };
        match copy_checked(&*center.store, &row, folder, &mut on_read)? {
            Copy::Done(temp, digests) => Ok(Some((temp, digests))),
            Copy::Missing => bail!(
                "the stored copy of {} in {} {} is missing; run `mfile verify`",
                row.path,
                row.model,
                row.version
            ),
            Copy::Mismatch => bail!(
                "the stored copy of {} in {} {} does not match the catalog's md5 {}; \
                 it was not delivered. Run `mfile verify -m {} --version {}`",
                row.path,
                row.model,
                row.version,
                row.md5,
                row.model,
                row.version
            ),
        }
    })
}

/// What reading one stored file gave.
enum Copy {
    Done(TempFile, Digests),
    /// The bytes don't match the row's size and md5.
    Mismatch,
    /// There are no stored bytes under the row's key.
    Missing,
}

/// Copies into a temp file (not yet durable), checking the row's size and md5.
fn copy_checked(
    store: &dyn Store,
    row: &FileRow,
    folder: &Arc<Dir>,
    on_read: &mut impl FnMut(u64),
) -> Result<Copy> {
    let Some(reader) = store.open(&super::stored(row))? else {
        return Ok(Copy::Missing);
    };
    let name = file_name(&row.path);
    // The umask applies, as for any new file.
    let (temp, mut file) = folder
        .create_temp(&format!(".{name}"), 0o666)
        .with_context(|| format!("could not create a file in {}", folder.path().display()))?;
    let mut hashing = HashingReader::new(reader, on_read);
    let mut sparse = Sparse::new(&mut file);
    // Written back as it comes: the fsync before the rename then waits for little.
    copy_interruptible(&mut hashing, &mut EarlyWriteback::new(&mut sparse))
        .and_then(|_| Ok(sparse.finish()?))
        .with_context(|| {
            format!(
                "could not write {} into {}",
                row.path,
                folder.path().display()
            )
        })?;
    let (digests, size) = hashing.finish();
    if size != row.size || digests.md5 != row.md5 {
        return Ok(Copy::Mismatch);
    }
    file.set_modified(row.modified_at.to_system())?;
    Ok(Copy::Done(temp, digests))
}

/// The destination folder, with the folders below it opened as they are needed, one component
/// at a time and never through a link: a folder swapped for a link while the pull runs can't
/// redirect a write (see [`nofollow`](crate::center::nofollow)).
struct Workspace {
    root: Arc<Dir>,
    folders: HashMap<String, Arc<Dir>>,
    /// Folders that received a file since the last [`Workspace::sync_folders`].
    touched: HashMap<String, Arc<Dir>>,
}

impl Workspace {
    fn open(to: &Path) -> Result<Self> {
        let root = Dir::open(to).with_context(|| format!("could not open {}", to.display()))?;
        Ok(Workspace {
            root: Arc::new(root),
            folders: HashMap::new(),
            touched: HashMap::new(),
        })
    }

    /// The folder `rel`, created if missing; partials a killed pull left there are removed.
    fn folder(&mut self, rel: &str) -> Result<Arc<Dir>> {
        if let Some(dir) = self.folders.get(rel) {
            return Ok(Arc::clone(dir));
        }
        let dir = match self.root.sub(rel, false)? {
            Some(dir) => dir,
            None => self.create(rel)?,
        };
        let dir = Arc::new(dir);
        partial::sweep(&dir);
        self.folders.insert(rel.to_string(), Arc::clone(&dir));
        Ok(dir)
    }

    /// Makes the missing folders of `rel`; the folders that gain an entry are synced with the
    /// next renames.
    fn create(&mut self, rel: &str) -> Result<Dir> {
        let mut parent = String::new();
        for name in rel.split('/') {
            let path = if parent.is_empty() {
                name.to_string()
            } else {
                format!("{parent}/{name}")
            };
            if self.root.sub(&path, false)?.is_none() {
                if let Some(changed) = self.root.sub(&parent, false)? {
                    self.touched.insert(parent.clone(), Arc::new(changed));
                }
            }
            parent = path;
        }
        let dir = self.root.sub(rel, true)?;
        dir.with_context(|| format!("could not create {}", self.root.path().join(rel).display()))
    }

    /// Notes that `rel` received a file, to sync at the next [`Workspace::sync_folders`].
    fn touch(&mut self, rel: &str) {
        if let Some(dir) = self.folders.get(rel) {
            self.touched.insert(rel.to_string(), Arc::clone(dir));
        }
    }

    /// Makes the temp files durable: a few with an fsync each, many with one syncfs of each
    /// filesystem that holds one (usually just one: the workspace's).
    fn sync_files(&self, temps: &[&TempFile]) -> Result<()> {
        if temps.len() <= FEW {
            for temp in temps {
                temp.sync()
                    .with_context(|| format!("could not flush {}", temp.dir().path().display()))?;
            }
            return Ok(());
        }
        self.syncfs_each_device(temps.iter().map(|t| t.dir()))
    }

    /// Makes the renames into the folders touched since the last call durable.
    fn sync_folders(&mut self) -> Result<()> {
        let touched = std::mem::take(&mut self.touched);
        if touched.len() <= FEW {
            for dir in touched.values() {
                dir.sync()
                    .with_context(|| format!("could not flush {}", dir.path().display()))?;
            }
            return Ok(());
        }
        self.syncfs_each_device(touched.values().map(|d| &**d))
    }

    fn syncfs_each_device<'d>(&self, dirs: impl Iterator<Item = &'d Dir>) -> Result<()> {
        let mut done = HashSet::new();
        for dir in dirs {
            let device = rustix::fs::fstat(dir.fd())
                .with_context(|| format!("could not read {}", dir.path().display()))?
                .st_dev;
            if done.insert(device) {
                dir.syncfs()
                    .with_context(|| format!("could not flush {}", dir.path().display()))?;
            }
        }
        Ok(())
    }
}

/// `a/b` of `a/b/c.bin`; `""` of `c.bin`.
fn parent_of(path: &str) -> &str {
    path.rsplit_once('/').map_or("", |(parent, _)| parent)
}

/// `c.bin` of `a/b/c.bin`.
fn file_name(path: &str) -> &str {
    path.rsplit_once('/').map_or(path, |(_, name)| name)
}

/// Remembers the digests of delivered files, so the next pull of an unchanged workspace needs
/// a stat per file, not a read. Best effort: skipped on a read-only catalog, and when another
/// process holds the write lock for more than a second (the files are delivered already).
fn remember(center: &mut Center, delivered: &[(PathBuf, Digests)]) {
    let now = Timestamp::now();
    let _ = center.catalog.try_write(Duration::from_secs(1), |tx| {
        for (dest, digests) in delivered {
            let meta = fs::symlink_metadata(dest)?;
            tx.remember_digests(dest, &FileStat::of(&meta), digests, now)?;
        }
        Ok(())
    });
}

fn entry(row: &FileRow, dest: &Path, status: FileStatus) -> Entry {
    Entry {
        path: row.path.clone(),
        destination: dest.display().to_string(),
        status,
        size: row.size,
        md5: row.md5.clone(),
        modified_at: row.modified_at,
        imported_at: row.imported_at,
    }
}
