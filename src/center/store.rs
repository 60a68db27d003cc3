//! The storage interface of the center: everything the commands do to stored bytes goes through
//! [`Store`], so a second backend (object storage) needs no change to the commands.
//!
//! Keys are `/`-separated paths `<model>/<version>/<relative path>`, already validated.

use std::fs::File;
use std::io::Read;
use std::time::SystemTime;

use anyhow::{Result, bail};

use super::hashing::HashingReader;
use super::nofollow::TempFile;
use crate::values::Digests;

/// Bytes written to a private staging place, durable, not yet visible under any key.
/// Dropping it without [`Store::publish`] discards it.
pub struct Staged {
    pub size: u64,
    /// The digests of the bytes staged, which the caller computed as they went in; set before
    /// [`Store::sync_staged`] (a content-addressed store names the bytes by them).
    pub digests: Option<Digests>,
    pub(crate) body: Body,
}

/// Where staged bytes wait: a file in the store's staging folder, or (small ones, for an object
/// store) memory.
pub(crate) enum Body {
    File(TempFile),
    Memory(Vec<u8>),
    /// The source file itself, for a store that reads it again as it uploads it (checking it
    /// against its digests then): a big file is not copied before it travels.
    Source(File),
}

impl Staged {
    /// The staging file, for a store that stages to files only.
    pub(crate) fn file(&self) -> Result<&TempFile> {
        match &self.body {
            Body::File(temp) => Ok(temp),
            _ => bail!("bytes not staged in a file reached a store of files"),
        }
    }

    pub(crate) fn into_file(self) -> Result<TempFile> {
        match self.body {
            Body::File(temp) => Ok(temp),
            _ => bail!("bytes not staged in a file reached a store of files"),
        }
    }
}

/// Where a store put a file's bytes, when a key alone does not say (`<pack>@<offset>` in an
/// object store); `None` for a local store. The catalog keeps it with the file's row.
pub type Location = Option<String>;

/// A stored file as the catalog lists it: what any store needs to find its bytes.
#[derive(Clone, Debug)]
pub struct FileRef {
    /// `<model>/<version>/<path>`.
    pub key: String,
    pub size: u64,
    pub blake3: String,
    pub location: Location,
}

/// Bytes moved out of sight by [`Store::set_aside`] and kept until [`Store::restore`] puts them
/// back or [`Store::discard`] removes them. Dropped otherwise, they are removed.
pub struct Aside {
    /// `None` where nothing needs keeping: an object store keeps every byte until `gc`.
    pub(crate) temp: Option<TempFile>,
}

/// One entry of [`Store::list`]: its key, and whether it is a regular file (a link or a special
/// file planted in the store is listed too, so `verify` can report it).
#[derive(Debug)]
pub struct Listed {
    pub key: String,
    pub regular: bool,
}

/// [`Store::stage`] of `src`, hashing the bytes as they are read.
pub fn stage_hashing<S: Store + ?Sized>(
    store: &S,
    src: &File,
    mtime: SystemTime,
    on_read: &(dyn Fn(u64) + Sync),
) -> Result<(Staged, Digests)> {
    let mut reader = HashingReader::new(src, on_read);
    let staged = store.stage(&mut reader, mtime)?;
    let (digests, size) = reader.finish();
    if size != staged.size {
        bail!("{size} bytes were read but {} staged", staged.size);
    }
    Ok((staged, digests))
}

pub trait Store: Send + Sync {
    /// Where `key` lives, for people (a local path, later a URL).
    fn locate(&self, key: &str) -> String;

    /// Copies `src` into a private staging place; `mtime` is kept. Not yet durable: see
    /// [`Store::sync_staged`].
    fn stage(&self, src: &mut dyn Read, mtime: SystemTime) -> Result<Staged>;

    /// Copies the file `src` into a private staging place like [`Store::stage`] and returns
    /// the digests of the bytes staged; `on_read` sees every byte hashed (progress), maybe from
    /// another thread. A backend may copy without passing the bytes through memory (a local
    /// store copies in the kernel and hashes the staged bytes); by default the bytes are hashed
    /// as `stage` reads them.
    fn stage_file(
        &self,
        src: &File,
        mtime: SystemTime,
        on_read: &(dyn Fn(u64) + Sync),
    ) -> Result<(Staged, Digests)> {
        stage_hashing(self, src, mtime, on_read)
    }

    /// Makes a batch of staged objects durable, in one go where that is cheaper. Called before
    /// any of them is published. A store that [`uploads`](Store::uploads) calls `on_sent` with
    /// the bytes of each file as it is sent (or found there already).
    fn sync_staged(&self, batch: &[&Staged], on_sent: &dyn Fn(u64)) -> Result<()>;

    /// True when bytes leave this machine in [`Store::sync_staged`] (an object store): progress
    /// is counted as they are sent rather than as they are staged, and batches stay small, as
    /// small files wait for their pack in memory.
    fn uploads(&self) -> bool {
        false
    }

    /// Makes staged (and synced) bytes visible at `key` in one atomic step, replacing what was
    /// there. Returns where they are, for the catalog.
    fn publish(&self, staged: Staged, key: &str) -> Result<Location>;

    /// Makes `key` share the stored bytes of `existing` (deduplication), returning where they
    /// are. `None` when this backend or filesystem can't, and the caller publishes a copy.
    fn link(&self, existing: &FileRef, key: &str) -> Result<Option<Location>>;

    /// Says that `existing` holds bytes about to be staged again (the same BLAKE3 and size),
    /// so a store that shares stored bytes between keys need not store them twice.
    fn reuse(&self, _existing: &FileRef) -> Result<()> {
        Ok(())
    }

    /// Says that `files` are about to be opened one after the other, so a store that can read
    /// many at once does so. Whatever it could not read is read by [`Store::open`] as usual.
    fn prefetch(&self, _files: &[FileRef]) {}

    /// Opens the stored bytes of `file`; `None` when there is nothing there.
    fn open(&self, file: &FileRef) -> Result<Option<Box<dyn Read + Send>>>;

    /// The size of the stored bytes of `file`; `None` when there is nothing there.
    fn size(&self, file: &FileRef) -> Result<Option<u64>>;

    /// Every key below `prefix`, in no particular order.
    fn list(&self, prefix: &str) -> Result<Vec<Listed>>;

    /// Removes `key`; `Ok(false)` when it was not there.
    fn delete(&self, key: &str) -> Result<bool>;

    /// Moves what is at `key` — a file, or everything below a prefix (a version, a model) — out
    /// of sight in one step, keeping it until [`Store::restore`] or [`Store::discard`]. `None`
    /// when there is nothing there. This is how a change that the catalog may still refuse
    /// (its transaction can fail) removes or replaces stored bytes without losing them.
    fn set_aside(&self, key: &str) -> Result<Option<Aside>>;

    /// Puts set-aside bytes back at `key`.
    fn restore(&self, aside: Aside, key: &str) -> Result<()>;

    /// Removes set-aside bytes for good, and folders that became empty above `key`.
    fn discard(&self, aside: Aside, key: &str) -> Result<()>;

    /// Makes every publish, link and delete so far durable. Called before the catalog commits.
    fn flush(&self) -> Result<()>;
}
