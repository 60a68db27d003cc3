//! [`Store`] on a local (or mounted) filesystem: `files/<key>` for the browsable trees and
//! `staging/` beside it, on the same filesystem, so that publishing is a `rename`.

use std::collections::BTreeSet;
use std::fs::{self, File, Permissions};
use std::io::{self, Read};
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use anyhow::{Context, Result};
use walkdir::WalkDir;

use super::hashing::copy_interruptible;
use super::partial;
use super::store::{Staged, Store};

/// Stored files are read-only, so writing through one hard link can't change another entry.
const STORED_MODE: u32 = 0o444;

pub struct LocalStore {
    files: PathBuf,
    staging: PathBuf,
    /// Folders whose entries changed since the last flush, to sync before the catalog commits.
    dirty: Mutex<BTreeSet<PathBuf>>,
}

impl LocalStore {
    pub fn new(files: PathBuf, staging: PathBuf) -> Self {
        LocalStore {
            files,
            staging,
            dirty: Mutex::new(BTreeSet::new()),
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
        for dir in [&self.files, &self.staging] {
            fs::create_dir_all(dir)
                .with_context(|| format!("could not create {}", dir.display()))?;
        }
        partial::sweep(&self.staging);
        Ok(())
    }

    fn mark_dirty(&self, folder: &Path) {
        if let Ok(mut dirty) = self.dirty.lock() {
            dirty.insert(folder.to_path_buf());
        }
    }

    /// Creates the parent folders of `dest`; marks every folder whose entries change.
    fn make_parent(&self, dest: &Path) -> Result<()> {
        let parent = dest.parent().unwrap_or(&self.files);
        if !parent.is_dir() {
            fs::create_dir_all(parent)
                .with_context(|| format!("could not create {}", parent.display()))?;
            let mut folder = parent;
            while let Some(up) = folder.parent().filter(|_| folder != self.files) {
                self.mark_dirty(up);
                folder = up;
            }
        }
        self.mark_dirty(parent);
        Ok(())
    }

    /// Removes folders that a delete left empty, up to (not including) the version folder.
    fn prune_empty_parents(&self, key: &str) {
        let mut parts: Vec<&str> = key.split('/').collect();
        parts.pop();
        while parts.len() > 2 {
            let dir = self.files.join(parts.join("/"));
            if fs::remove_dir(&dir).is_err() {
                break;
            }
            parts.pop();
        }
    }
}

impl Store for LocalStore {
    fn locate(&self, key: &str) -> String {
        self.path(key).display().to_string()
    }

    fn stage(&self, src: &mut dyn Read, mtime: SystemTime) -> Result<Staged> {
        let mut temp = tempfile::Builder::new()
            .prefix(&partial::prefix("put"))
            .suffix(partial::SUFFIX)
            .tempfile_in(&self.staging)
            .with_context(|| format!("could not create a file in {}", self.staging.display()))?;
        let size = copy_interruptible(src, &mut EarlyWriteback::new(temp.as_file_mut()))?;
        let file = temp.as_file();
        file.set_modified(mtime)?;
        file.set_permissions(Permissions::from_mode(STORED_MODE))?;
        Ok(Staged {
            size,
            temp: temp.into_temp_path(),
        })
    }

    fn sync_staged(&self, batch: &[&Staged]) -> Result<()> {
        let paths: Vec<&Path> = batch.iter().map(|s| &*s.temp).collect();
        sync_paths(&paths, &self.staging).context("could not flush staged files to disk")
    }

    fn publish(&self, staged: Staged, key: &str) -> Result<()> {
        let dest = self.path(key);
        self.make_parent(&dest)?;
        staged
            .temp
            .persist(&dest)
            .map_err(|e| e.error)
            .with_context(|| format!("could not move a staged file to {}", dest.display()))?;
        Ok(())
    }

    fn link(&self, existing: &str, key: &str) -> Result<bool> {
        let source = self.path(existing);
        let dest = self.path(key);
        let temp = tempfile::Builder::new()
            .prefix(&partial::prefix("link"))
            .suffix(partial::SUFFIX)
            .make_in(&self.staging, |path| fs::hard_link(&source, path));
        let Ok(temp) = temp else {
            return Ok(false); // no such file, too many links, or no hard links here
        };
        self.make_parent(&dest)?;
        temp.into_temp_path()
            .persist(&dest)
            .map_err(|e| e.error)
            .with_context(|| format!("could not link {}", dest.display()))?;
        Ok(true)
    }

    fn open(&self, key: &str) -> Result<Option<Box<dyn Read + Send>>> {
        let path = self.path(key);
        match File::open(&path) {
            Ok(file) => Ok(Some(Box::new(file))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
        }
    }

    fn size(&self, key: &str) -> Result<Option<u64>> {
        let path = self.path(key);
        match fs::metadata(&path) {
            Ok(meta) if meta.is_file() => Ok(Some(meta.len())),
            Ok(_) => Ok(None),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("could not read {}", path.display())),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>> {
        let root = self.path(prefix);
        if !root.exists() {
            return Ok(Vec::new());
        }
        let mut keys = Vec::new();
        for entry in WalkDir::new(&root) {
            let entry = entry.with_context(|| format!("could not list {}", root.display()))?;
            if entry.file_type().is_dir() {
                continue;
            }
            if let Ok(rel) = entry.path().strip_prefix(&self.files) {
                keys.push(rel.to_string_lossy().into_owned());
            }
        }
        Ok(keys)
    }

    fn delete(&self, key: &str) -> Result<bool> {
        let path = self.path(key);
        match fs::remove_file(&path) {
            Ok(()) => {
                if let Some(parent) = path.parent() {
                    self.mark_dirty(parent);
                }
                self.prune_empty_parents(key);
                Ok(true)
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e).with_context(|| format!("could not delete {}", path.display())),
        }
    }

    fn delete_tree(&self, prefix: &str) -> Result<()> {
        let dir = self.path(prefix);
        if !dir.exists() {
            return Ok(());
        }
        // Rename first so the tree disappears at once; removing the files can then take its time.
        let trash = tempfile::Builder::new()
            .prefix(&partial::prefix("trash"))
            .suffix(partial::SUFFIX)
            .make_in(&self.staging, |path| fs::rename(&dir, path))
            .with_context(|| format!("could not delete {}", dir.display()))?
            .into_temp_path();
        if let Some(parent) = dir.parent() {
            self.mark_dirty(parent);
        }
        fs::remove_dir_all(&trash)
            .with_context(|| format!("could not remove the deleted files of {prefix}"))?;
        let _ = trash.keep(); // already removed; don't let its Drop try again
        Ok(())
    }

    fn flush(&self) -> Result<()> {
        let dirty = match self.dirty.lock() {
            Ok(mut dirty) => std::mem::take(&mut *dirty),
            Err(_) => return Ok(()),
        };
        let folders: Vec<&Path> = dirty
            .iter()
            .map(PathBuf::as_path)
            .filter(|f| f.exists())
            .collect();
        sync_paths(&folders, &self.files).context("could not flush the center's folders to disk")
    }
}

/// Up to this many files or folders are fsynced one by one; more get one syncfs.
pub const FEW: usize = 16;

/// Makes `paths` (files or folders) durable: for a few, an fsync each, which waits only for
/// their own data; for many, one syncfs of the filesystem that holds `on` — one journal commit
/// instead of hundreds, though it also waits for other processes' dirty data there.
pub fn sync_paths(paths: &[&Path], on: &Path) -> io::Result<()> {
    if paths.len() > FEW {
        return syncfs(on);
    }
    for path in paths {
        File::open(path)?.sync_all()?;
    }
    Ok(())
}

/// Flushes the filesystem that holds `dir` (data and metadata).
pub fn syncfs(dir: &Path) -> io::Result<()> {
    let handle = File::open(dir)?;
    // SAFETY: the descriptor is valid for the duration of the call.
    if unsafe { libc::syncfs(handle.as_raw_fd()) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// A writer that asks the kernel to start writing back every 32 MiB, so a big file's final
/// flush does not wait for all of it (and the page cache isn't flooded with dirty pages).
struct EarlyWriteback<'f> {
    file: &'f mut File,
    written: u64,
    started: u64,
}

const WRITEBACK_EVERY: u64 = 32 << 20;

impl<'f> EarlyWriteback<'f> {
    fn new(file: &'f mut File) -> Self {
        EarlyWriteback {
            file,
            written: 0,
            started: 0,
        }
    }
}

impl io::Write for EarlyWriteback<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.file.write(buf)?;
        self.written += n as u64;
        if self.written - self.started >= WRITEBACK_EVERY {
            // SAFETY: a valid descriptor and range; the call only schedules writeback. Its
            // failure is harmless (the later sync still flushes), so the result is ignored.
            unsafe {
                libc::sync_file_range(
                    self.file.as_raw_fd(),
                    self.started as libc::off64_t,
                    (self.written - self.started) as libc::off64_t,
                    libc::SYNC_FILE_RANGE_WRITE,
                );
            }
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

    fn store() -> (tempfile::TempDir, LocalStore) {
        let dir = tempfile::tempdir().unwrap();
        let store = LocalStore::new(dir.path().join("files"), dir.path().join("staging"));
        store.prepare().unwrap();
        (dir, store)
    }

    fn read(store: &LocalStore, key: &str) -> Vec<u8> {
        let mut out = Vec::new();
        store
            .open(key)
            .unwrap()
            .unwrap()
            .read_to_end(&mut out)
            .unwrap();
        out
    }

    #[test]
    fn stage_is_invisible_until_published() {
        let (_dir, store) = store();
        let mtime = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_000_000);
        let staged = store.stage(&mut &b"weights"[..], mtime).unwrap();
        assert_eq!(staged.size, 7);
        store.sync_staged(&[&staged]).unwrap();
        assert!(store.list("").unwrap().is_empty());
        store.publish(staged, "m/1.0/a/w.bin").unwrap();
        store.flush().unwrap();
        assert_eq!(read(&store, "m/1.0/a/w.bin"), b"weights");
        let meta = fs::metadata(store.path("m/1.0/a/w.bin")).unwrap();
        assert_eq!(meta.modified().unwrap(), mtime);
        assert_eq!(meta.permissions().mode() & 0o777, STORED_MODE);
        assert_eq!(fs::read_dir(&store.staging).unwrap().count(), 0);
    }

    #[test]
    fn dropped_stage_leaves_nothing() {
        let (_dir, store) = store();
        drop(store.stage(&mut &b"x"[..], SystemTime::now()).unwrap());
        assert_eq!(fs::read_dir(&store.staging).unwrap().count(), 0);
    }

    #[test]
    fn link_shares_bytes_and_delete_prunes() {
        let (_dir, store) = store();
        let staged = store.stage(&mut &b"same"[..], SystemTime::now()).unwrap();
        store.publish(staged, "m/1/x/a").unwrap();
        assert!(store.link("m/1/x/a", "m/2/b").unwrap());
        assert!(!store.link("m/1/missing", "m/2/c").unwrap());
        assert_eq!(read(&store, "m/2/b"), b"same");
        let mut keys = store.list("m").unwrap();
        keys.sort();
        assert_eq!(keys, ["m/1/x/a", "m/2/b"]);
        assert!(store.delete("m/1/x/a").unwrap());
        assert!(!store.delete("m/1/x/a").unwrap());
        assert!(!store.path("m/1/x").exists(), "emptied folder is pruned");
        assert!(store.path("m/1").exists(), "version folder stays");
        assert_eq!(read(&store, "m/2/b"), b"same", "the other link survives");
        store.delete_tree("m/2").unwrap();
        assert!(store.size("m/2/b").unwrap().is_none());
        assert_eq!(fs::read_dir(&store.staging).unwrap().count(), 0);
    }
}
