//! [`Store`] on a local (or mounted) filesystem: `files/<key>` for the browsable trees and
//! `staging/` beside it, on the same filesystem, so that publishing is a `rename`.
//!
//! Every operation goes through folder handles opened without following links
//! ([`nofollow`](super::nofollow)): a link planted anywhere under `files/` or `staging/` by
//! someone who can write the center is refused, never followed, by every command and the page.

use std::collections::HashMap;
use std::fs::{File, Permissions};
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::SystemTime;

use anyhow::{Context, Result};
use rustix::fs::FileType;

use super::copy;
use super::hashing::{Digests, copy_interruptible};
use super::nofollow::{Dir, FEW, TempFile};
use super::partial;
use super::sparse::Sparse;
use super::store::{Aside, Body, FileRef, Listed, Location, Staged, Store};

/// Stored files are read-only, so writing through one hard link can't change another entry.
const STORED_MODE: u32 = 0o444;

pub struct LocalStore {
    root_path: PathBuf,
    root: OnceLock<Arc<Dir>>,
    files: PathBuf,
    /// Open folders of `files/` by relative path (`""` is `files/` itself) and `staging/`
    /// (under the key [`STAGING`]), for writes only: they run under the catalog's write lock,
    /// and the cache is emptied at every flush, so no handle outlives the lock it was opened
    /// under. Reads open their folders afresh: another process may have removed and made
    /// again a folder since (a delete prunes emptied folders).
    open: Mutex<HashMap<String, Arc<Dir>>>,
    /// Folders whose entries changed since the last flush, to sync before the catalog commits.
    dirty: Mutex<HashMap<String, Arc<Dir>>>,
}

/// The cache key of `staging/`: no folder of `files/` can have it (keys never start with `/`).
const STAGING: &str = "/staging";

impl LocalStore {
    /// The store of the center at `root`; nothing is opened until it is used.
    pub fn new(root: &Path) -> Self {
        LocalStore {
            root_path: root.to_path_buf(),
            root: OnceLock::new(),
            files: root.join(super::FILES_DIR),
            open: Mutex::new(HashMap::new()),
            dirty: Mutex::new(HashMap::new()),
        }
    }

    pub fn path(&self, key: &str) -> PathBuf {
        if key.is_empty() {
            self.files.clone()
        } else {
            self.files.join(key)
        }
    }

    /// Creates `files/` and `staging/` and removes staging leftovers of dead processes.
    pub fn prepare(&self) -> Result<()> {
        self.folder("", true)?;
        partial::sweep(&*self.staging()?);
        Ok(())
    }

    fn cached(&self, rel: &str) -> Option<Arc<Dir>> {
        self.open.lock().ok()?.get(rel).cloned()
    }

    fn remember(&self, rel: &str, dir: &Arc<Dir>) {
        if let Ok(mut open) = self.open.lock() {
            open.insert(rel.to_string(), Arc::clone(dir));
        }
    }

    fn mark_dirty(&self, rel: &str, dir: &Arc<Dir>) {
        if let Ok(mut dirty) = self.dirty.lock() {
            dirty.insert(rel.to_string(), Arc::clone(dir));
        }
    }

    /// Forgets the open folders at and below `rel`: they were removed or renamed away.
    fn forget(&self, rel: &str) {
        if let Ok(mut open) = self.open.lock() {
            open.retain(|k, _| !(k == rel || k.starts_with(&format!("{rel}/"))));
        }
    }

    fn staging(&self) -> Result<Arc<Dir>> {
        if let Some(dir) = self.cached(STAGING) {
            return Ok(dir);
        }
        let dir = self
            .root_dir()?
            .sub(super::STAGING_DIR, true)?
            .map(Arc::new)
            .context("could not create the staging folder")?;
        self.remember(STAGING, &dir);
        Ok(dir)
    }

    /// A new file in `staging/`, removed again unless it is published.
    fn staging_file(&self) -> Result<(TempFile, File)> {
        let staging = self.staging()?;
        staging
            .create_temp("put", 0o600)
            .with_context(|| format!("could not create a file in {}", staging.path().display()))
    }

    /// The folder `rel` of `files/` for a read, opened afresh without following links (one
    /// `openat2` from the center's folder where the kernel has it); `None` when missing.
    fn folder_to_read(&self, rel: &str) -> Result<Option<Dir>> {
        let root = self.root_dir()?;
        let path = match rel {
            "" => super::FILES_DIR.to_string(),
            rel => format!("{}/{rel}", super::FILES_DIR),
        };
        Ok(root.sub(&path, false)?)
    }

    /// The center's folder itself, opened once (following a link there: the user named it).
    fn root_dir(&self) -> Result<Arc<Dir>> {
        if let Some(dir) = self.root.get() {
            return Ok(Arc::clone(dir));
        }
        let dir = Dir::open(&self.root_path)
            .with_context(|| format!("could not open the center {}", self.root_path.display()))?;
        Ok(Arc::clone(self.root.get_or_init(|| Arc::new(dir))))
    }

    /// The folder `rel` of `files/` for a write (under the write lock), opened without
    /// following links; with `create`, missing folders are made (and their parents marked for
    /// the next flush). `None` when missing.
    fn folder(&self, rel: &str, create: bool) -> Result<Option<Arc<Dir>>> {
        if let Some(dir) = self.cached(rel) {
            return Ok(Some(dir));
        }
        let (parent, name) = match rel.rsplit_once('/') {
            Some((parent, name)) => (self.folder(parent, create)?, name),
            None if rel.is_empty() => (Some(self.root_dir()?), super::FILES_DIR),
            None => (self.folder("", create)?, rel),
        };
        let Some(parent) = parent else {
            return Ok(None);
        };
        let dir = match parent.sub(name, false)? {
            Some(dir) => dir,
            None if create => {
                let dir = parent.sub(name, true)?.context("a folder vanished")?;
                if !rel.is_empty() {
                    self.mark_dirty(parent_of(rel), &parent);
                }
                dir
            }
            None => return Ok(None),
        };
        let dir = Arc::new(dir);
        self.remember(rel, &dir);
        Ok(Some(dir))
    }

    /// Removes folders that a delete left empty, up to (not including) the version folder.
    fn prune_empty_parents(&self, key: &str) -> Result<()> {
        let mut folder = parent_of(key);
        while folder.split('/').count() > 2 {
            let parent_rel = parent_of(folder);
            let Some(parent) = self.folder(parent_rel, false)? else {
                break;
            };
            if parent.remove_dir(file_name(folder)).is_err() {
                break; // not empty
            }
            self.forget(folder);
            self.mark_dirty(parent_rel, &parent);
            folder = parent_rel;
        }
        Ok(())
    }

    /// Every key below the folder `rel` (opened as `dir`), appended to `out`.
    fn walk(&self, dir: &Dir, rel: &str, out: &mut Vec<Listed>) -> Result<()> {
        let entries = dir
            .entries()
            .with_context(|| format!("could not list {}", dir.path().display()))?;
        for (name, kind) in entries {
            let key = if rel.is_empty() {
                name.clone()
            } else {
                format!("{rel}/{name}")
            };
            if kind == FileType::Directory {
                if let Some(sub) = dir.sub(&name, false)? {
                    self.walk(&sub, &key, out)?;
                }
            } else {
                let regular = kind == FileType::RegularFile;
                out.push(Listed { key, regular });
            }
        }
        Ok(())
    }
}

/// `a/b` of `a/b/c`; `""` of `c`.
fn parent_of(key: &str) -> &str {
    key.rsplit_once('/').map_or("", |(parent, _)| parent)
}

/// `c` of `a/b/c`.
fn file_name(key: &str) -> &str {
    key.rsplit_once('/').map_or(key, |(_, name)| name)
}

impl Store for LocalStore {
    fn locate(&self, key: &str) -> String {
        self.path(key).display().to_string()
    }

    fn stage(&self, src: &mut dyn Read, mtime: SystemTime) -> Result<Staged> {
        let (temp, mut file) = self.staging_file()?;
        let mut sparse = Sparse::new(&mut file);
        let size = copy_interruptible(src, &mut EarlyWriteback::new(&mut sparse))?;
        sparse.finish()?;
        file.set_modified(mtime)?;
        file.set_permissions(Permissions::from_mode(STORED_MODE))?;
        Ok(Staged {
            size,
            digests: None,
            body: Body::File(temp),
        })
    }

    /// Copies in the kernel, then hashes the staged bytes (see [`super::copy`]).
    fn stage_file(
        &self,
        src: &File,
        mtime: SystemTime,
        on_read: &(dyn Fn(u64) + Sync),
    ) -> Result<(Staged, Digests)> {
        let (temp, file) = self.staging_file()?;
        let (digests, size) = copy::copy_and_hash(src, &file, on_read)?;
        file.set_modified(mtime)?;
        file.set_permissions(Permissions::from_mode(STORED_MODE))?;
        Ok((
            Staged {
                size,
                digests: None,
                body: Body::File(temp),
            },
            digests,
        ))
    }

    fn sync_staged(&self, batch: &[&Staged], _on_sent: &dyn Fn(u64)) -> Result<()> {
        let result: Result<()> = if batch.len() > FEW {
            Ok(self.staging()?.syncfs()?)
        } else {
            batch.iter().try_for_each(|s| Ok(s.file()?.sync()?))
        };
        result.context("could not flush staged files to disk")
    }

    fn publish(&self, staged: Staged, key: &str) -> Result<Location> {
        let rel = parent_of(key);
        let folder = self.folder(rel, true)?.context("a folder vanished")?;
        staged
            .into_file()?
            .persist(&folder, file_name(key), true)
            .with_context(|| format!("could not move a staged file to {}", self.locate(key)))?;
        self.mark_dirty(rel, &folder);
        Ok(None)
    }

    fn link(&self, existing: &FileRef, key: &str) -> Result<Option<Location>> {
        let existing = existing.key.as_str();
        let Some(from) = self.folder(parent_of(existing), false)? else {
            return Ok(None);
        };
        let from_name = file_name(existing);
        let regular = from
            .stat(from_name)?
            .map(|s| FileType::from_raw_mode(s.st_mode));
        if regular != Some(FileType::RegularFile) {
            return Ok(None);
        }
        let staging = self.staging()?;
        let Ok(temp) = TempFile::hard_link(&from, from_name, &staging, "link") else {
            return Ok(None); // too many links, or no hard links here
        };
        let rel = parent_of(key);
        let folder = self.folder(rel, true)?.context("a folder vanished")?;
        temp.persist(&folder, file_name(key), true)
            .with_context(|| format!("could not link {}", self.locate(key)))?;
        self.mark_dirty(rel, &folder);
        Ok(Some(None))
    }

    fn open(&self, file: &FileRef) -> Result<Option<Box<dyn Read + Send>>> {
        let key = file.key.as_str();
        let Some(folder) = self.folder_to_read(parent_of(key))? else {
            return Ok(None);
        };
        let file = folder
            .open_file(file_name(key))
            .with_context(|| format!("could not read {}", self.locate(key)))?;
        Ok(file.map(|f| Box::new(f) as Box<dyn Read + Send>))
    }

    fn size(&self, file: &FileRef) -> Result<Option<u64>> {
        let key = file.key.as_str();
        let Some(folder) = self.folder_to_read(parent_of(key))? else {
            return Ok(None);
        };
        let stat = folder.stat(file_name(key))?;
        Ok(stat
            .filter(|s| FileType::from_raw_mode(s.st_mode) == FileType::RegularFile)
            .map(|s| s.st_size as u64))
    }

    fn list(&self, prefix: &str) -> Result<Vec<Listed>> {
        let mut keys = Vec::new();
        if let Some(dir) = self.folder_to_read(prefix)? {
            self.walk(&dir, prefix, &mut keys)?;
        }
        Ok(keys)
    }

    fn delete(&self, key: &str) -> Result<bool> {
        let rel = parent_of(key);
        let Some(folder) = self.folder(rel, false)? else {
            return Ok(false);
        };
        if !folder.remove_file(file_name(key))? {
            return Ok(false);
        }
        self.mark_dirty(rel, &folder);
        self.prune_empty_parents(key)?;
        Ok(true)
    }

    fn set_aside(&self, key: &str) -> Result<Option<Aside>> {
        let rel = parent_of(key);
        let Some(parent) = self.folder(rel, false)? else {
            return Ok(None);
        };
        if parent.stat(file_name(key))?.is_none() {
            return Ok(None);
        }
        let staging = self.staging()?;
        let name = partial::name("aside");
        parent
            .rename(file_name(key), &staging, &name, false)
            .with_context(|| format!("could not remove {}", self.locate(key)))?;
        self.forget(key);
        self.mark_dirty(rel, &parent);
        Ok(Some(Aside {
            temp: Some(TempFile::adopt(&staging, name)),
        }))
    }

    fn restore(&self, aside: Aside, key: &str) -> Result<()> {
        let rel = parent_of(key);
        let folder = self.folder(rel, true)?.context("a folder vanished")?;
        let Some(temp) = aside.temp else {
            return Ok(());
        };
        temp.persist(&folder, file_name(key), true)
            .with_context(|| format!("could not put back {}", self.locate(key)))?;
        self.mark_dirty(rel, &folder);
        Ok(())
    }

    fn discard(&self, aside: Aside, key: &str) -> Result<()> {
        drop(aside); // removes the set-aside file or tree
        self.prune_empty_parents(key)
    }

    fn flush(&self) -> Result<()> {
        let dirty = match self.dirty.lock() {
            Ok(mut dirty) => std::mem::take(&mut *dirty),
            Err(_) => return Ok(()),
        };
        if let Ok(mut open) = self.open.lock() {
            open.clear();
        }
        let result = if dirty.len() > FEW {
            dirty.values().next().map_or(Ok(()), |d| d.syncfs())
        } else {
            dirty.values().try_for_each(|d| d.sync())
        };
        result.context("could not flush the center's folders to disk")
    }
}

/// A writer that asks the kernel to start writing back every 32 MiB, so a big file's final
/// flush does not wait for all of it (and the page cache isn't flooded with dirty pages).
pub(crate) struct EarlyWriteback<'f, W: io::Write + AsRawFd> {
    file: &'f mut W,
    written: u64,
    started: u64,
}

/// How often the kernel is asked to start writing a staged file back.
pub(super) const WRITEBACK_EVERY: u64 = 32 << 20;

/// Asks the kernel to start writing `len` bytes at `from` of `file` to disk, without waiting.
pub(super) fn start_writeback(file: &impl AsRawFd, from: u64, len: u64) {
    // libc because neither rustix nor nix wraps sync_file_range.
    // SAFETY: a valid descriptor and range; the call only schedules writeback. Its failure is
    // harmless (the later sync still flushes), so the result is ignored.
    unsafe {
        libc::sync_file_range(
            file.as_raw_fd(),
            from as libc::off64_t,
            len as libc::off64_t,
            libc::SYNC_FILE_RANGE_WRITE,
        );
    }
}

impl<'f, W: io::Write + AsRawFd> EarlyWriteback<'f, W> {
    pub(crate) fn new(file: &'f mut W) -> Self {
        EarlyWriteback {
            file,
            written: 0,
            started: 0,
        }
    }
}

impl<W: io::Write + AsRawFd> io::Write for EarlyWriteback<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_EVERY {
            start_writeback(&*self.file, self.started, self.written - self.started);
            self.started = self.written;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn store() -> (tempfile::TempDir, LocalStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path());
        store.prepare().unwrap();
        (dir, store)
    }

    /// A local store finds a file by its key alone.
    fn at(key: &str) -> FileRef {
        FileRef {
            key: key.to_string(),
            size: 0,
            blake3: String::new(),
            location: None,
        }
    }

    fn read(store: &LocalStore, key: &str) -> Vec<u8> {
        let mut out = Vec::new();
        store
            .open(&at(key))
            .unwrap()
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn stage_is_invisible_until_published() {
        let (dir, store) = store();
        let mtime = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        let staged = store.stage(&mut &b"weights"[..], mtime).unwrap();
        assert_eq!(staged.size, 7);
        store.sync_staged(&[&staged], &|_| {}).unwrap();
        assert!(store.list("").unwrap().is_empty());
        store.publish(staged, "m/1.0/a/w.bin").unwrap();
        store.flush().unwrap();
        assert_eq!(read(&store, "m/1.0/a/w.bin"), b"weights");
        let meta = fs::metadata(store.path("m/1.0/a/w.bin")).unwrap();
        assert_eq!(meta.modified().unwrap(), mtime);
        assert_eq!(meta.permissions().mode() & 0o777, STORED_MODE);
        assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
    }

    #[test]
    fn dropped_stage_leaves_nothing() {
        let (dir, store) = store();
        drop(store.stage(&mut &b"x"[..], SystemTime::now()).unwrap());
        assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
    }

    #[test]
    fn link_shares_bytes_and_delete_prunes() {
        let (dir, store) = store();
        let staged = store.stage(&mut &b"same"[..], SystemTime::now()).unwrap();
        store.publish(staged, "m/1/x/a").unwrap();
        assert_eq!(store.link(&at("m/1/x/a"), "m/2/b").unwrap(), Some(None));
        assert_eq!(store.link(&at("m/1/missing"), "m/2/c").unwrap(), None);
        assert_eq!(read(&store, "m/2/b"), b"same");
        let mut keys: Vec<String> = store
            .list("m")
            .unwrap()
            .into_iter()
            .map(|l| l.key)
            .collect();
        keys.sort();
        assert_eq!(keys, ["m/1/x/a", "m/2/b"]);
        assert!(store.delete("m/1/x/a").unwrap());
        assert!(!store.delete("m/1/x/a").unwrap());
        assert!(!store.path("m/1/x").exists(), "emptied folder is pruned");
        assert!(store.path("m/1").exists(), "version folder stays");
        assert_eq!(read(&store, "m/2/b"), b"same", "the other link survives");
        let aside = store.set_aside("m/2").unwrap().unwrap();
        assert!(store.size(&at("m/2/b")).unwrap().is_none());
        store.restore(aside, "m/2").unwrap();
        assert_eq!(read(&store, "m/2/b"), b"same", "restored");
        let aside = store.set_aside("m/2").unwrap().unwrap();
        store.discard(aside, "m/2").unwrap();
        assert!(store.size(&at("m/2/b")).unwrap().is_none());
        assert_eq!(fs::read_dir(dir.path().join("staging")).unwrap().count(), 0);
    }
}
