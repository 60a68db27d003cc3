//! The [`Store`] of a center in object storage (`s3://bucket/prefix`). Bytes are addressed by
//! content: a file of [`PACK_LIMIT`] bytes or more is the object `blobs/<b3[..2]>/<b3>`, and
//! smaller ones travel in packs (`center::pack`). Keys (`model/version/path`) name no object:
//! each version's log (`center::segment`) says which content a path has. So publishing a key
//! only says where its bytes are; replacing or deleting one changes no object, and `gc`
//! removes bytes that no log names any more.

use std::collections::{BTreeMap, HashMap};
use std::fs::File;
use std::io::{self, Cursor, Read, Seek, SeekFrom, Write};
use std::ops::Range;
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use anyhow::{Context, Result, bail};
use bytes::Bytes;

use super::hashing::hash_reader;
use super::nofollow::Dir;
use super::pack::{self, PACK_LIMIT, PACK_TARGET, PackBuilder};
use super::s3::{Bucket, Created};
use super::store::{Aside, Body, FileRef, Listed, Location, Staged, Store, stage_hashing};
use crate::interrupt;
use crate::values::Digests;

pub struct BucketStore {
    bucket: Arc<Bucket>,
    /// The center's URL, for people.
    url: String,
    /// The cache's folder for spooled big files.
    staging: Arc<Dir>,
    /// Content this process uploaded or found in the bucket: BLAKE3 -> where it is.
    placed: Mutex<HashMap<String, Location>>,
    /// The size of blobs and packs found or uploaded, so that a pack holding thousands of files
    /// is asked about once.
    sizes: Mutex<HashMap<String, u64>>,
    /// Packed files read ahead by [`Store::prefetch`]: location -> bytes.
    prefetched: Mutex<HashMap<String, Bytes>>,
}

/// How many packs [`Store::prefetch`] reads at once.
const PACKS_AT_ONCE: usize = 8;

/// The object of a file stored on its own.
pub fn blob_key(blake3: &str) -> String {
    format!("blobs/{}/{blake3}", &blake3[..2.min(blake3.len())])
}

/// The object of a pack.
pub fn pack_key(pack: &str) -> String {
    format!("packs/{}/{pack}", &pack[..2.min(pack.len())])
}

impl BucketStore {
    pub fn new(bucket: Arc<Bucket>, url: &str, staging: Arc<Dir>) -> Self {
        BucketStore {
            bucket,
            url: url.trim_end_matches('/').to_string(),
            staging,
            placed: Mutex::new(HashMap::new()),
            sizes: Mutex::new(HashMap::new()),
            prefetched: Mutex::new(HashMap::new()),
        }
    }

    /// Reads the given files of one pack: nearby ranges come in one request.
    fn read_packed(
        &self,
        pack: &str,
        members: &[(&str, Range<u64>)],
    ) -> Result<Vec<(String, Bytes)>> {
        let ranges: Vec<Range<u64>> = members.iter().map(|(_, range)| range.clone()).collect();
        let parts = self.bucket.get_ranges(&pack_key(pack), &ranges)?;
        let locations = members.iter().map(|(location, _)| location.to_string());
        Ok(locations.zip(parts).collect())
    }

    /// Notes the size of an object just uploaded.
    fn learn(&self, key: &str, size: u64) {
        if let Ok(mut sizes) = self.sizes.lock() {
            sizes.insert(key.to_string(), size);
        }
    }

    /// The size of an object (`None`: not there), asked once per process once found ("not
    /// there" is asked again: someone may put it back meanwhile).
    fn object_size(&self, key: &str) -> Result<Option<u64>> {
        if let Some(known) = self.sizes.lock().ok().and_then(|s| s.get(key).copied()) {
            return Ok(Some(known));
        }
        let size = self.bucket.head(key)?.map(|info| info.size);
        if let Some(size) = size {
            self.learn(key, size);
        }
        Ok(size)
    }

    fn placed(&self, blake3: &str) -> Option<Location> {
        self.placed.lock().ok()?.get(blake3).cloned()
    }

    fn remember(&self, blake3: &str, location: Location) {
        if let Ok(mut placed) = self.placed.lock() {
            placed.insert(blake3.to_string(), location);
        }
    }

    /// Uploads a big staged file as its own object, unless the bucket has it already.
    fn upload_blob(&self, staged: &Staged, blake3: &str, on_sent: &dyn Fn(u64)) -> Result<()> {
        let key = blob_key(blake3);
        let present = self.bucket.head(&key)?;
        if present.is_some_and(|info| info.size == staged.size) {
            on_sent(staged.size);
            return Ok(());
        }
        let mut reader: Box<dyn Read + '_> = match &staged.body {
            Body::Source(file) => {
                let mut file: &File = file;
                file.seek(SeekFrom::Start(0))?;
                Box::new(Rehashed::new(file, blake3))
            }
            _ => Box::new(staged.file()?.open()?),
        };
        self.bucket
            .upload(&key, &mut reader, staged.size, &mut |n| on_sent(n))
            .with_context(|| format!("could not upload {key}"))?;
        self.learn(&key, staged.size);
        Ok(())
    }

    /// Sends a pack and notes where each of its files is. The same files make the same pack:
    /// one already there is kept when whole, and replaced when someone cut it short.
    fn send_pack(
        &self,
        builder: PackBuilder,
        members: Vec<(String, u64)>,
        on_sent: &dyn Fn(u64),
    ) -> Result<()> {
        let builder_bytes = builder.len() as u64;
        let (id, bytes) = builder.finish()?;
        let (key, size) = (pack_key(&id), bytes.len() as u64);
        if let Created::AlreadyExists = self.bucket.put_new(&key, bytes.clone().into())? {
            let present = self.bucket.head(&key)?.map(|info| info.size);
            if present != Some(size) {
                self.bucket
                    .upload(&key, &mut &bytes[..], size, &mut |_| {})
                    .with_context(|| format!("could not upload {key}"))?;
            }
        }
        self.learn(&key, size);
        on_sent(builder_bytes);
        for (blake3, offset) in members {
            self.remember(&blake3, Some(pack::location(&id, offset)));
        }
        Ok(())
    }
}

impl Store for BucketStore {
    fn locate(&self, key: &str) -> String {
        format!("{}/{}", self.url, key.trim_end_matches('/'))
    }

    /// A big file is hashed where it is and read again as it is uploaded, checked against its
    /// BLAKE3 before the upload completes: nothing is copied into the cache first (a spool
    /// made a 1 GiB import 1.26x boto3's time). Small ones go to memory, for a pack.
    fn stage_file(
        &self,
        src: &File,
        mtime: SystemTime,
        on_read: &(dyn Fn(u64) + Sync),
    ) -> Result<(Staged, Digests)> {
        if src.metadata()?.len() < PACK_LIMIT {
            return stage_hashing(self, src, mtime, on_read);
        }
        let (digests, size) = hash_reader(src, on_read)?;
        let staged = Staged {
            size,
            digests: None,
            body: Body::Source(src.try_clone()?),
        };
        Ok((staged, digests))
    }

    /// Small files stay in memory (they go into a pack); bigger ones are spooled to the cache's
    /// staging folder, since their object's name (the BLAKE3) is known only at the end.
    fn stage(&self, src: &mut dyn Read, _mtime: SystemTime) -> Result<Staged> {
        let mut head = Vec::new();
        src.take(PACK_LIMIT).read_to_end(&mut head)?;
        if (head.len() as u64) < PACK_LIMIT {
            return Ok(Staged {
                size: head.len() as u64,
                digests: None,
                body: Body::Memory(head),
            });
        }
        let (temp, mut file) = self
            .staging
            .create_temp("spool", 0o600)
            .context("could not spool a file to the cache")?;
        file.write_all(&head)?;
        let rest = super::hashing::copy_interruptible(src, &mut file)?;
        Ok(Staged {
            size: head.len() as u64 + rest,
            digests: None,
            body: Body::File(temp),
        })
    }

    /// Uploads the batch: big files as objects of their own (each checked first: the bucket
    /// may have it from another version or machine), small ones in packs.
    fn sync_staged(&self, batch: &[&Staged], on_sent: &dyn Fn(u64)) -> Result<()> {
        let mut builder = PackBuilder::default();
        let mut members = Vec::new();
        for staged in batch {
            interrupt::check()?;
            let digests = staged
                .digests
                .as_ref()
                .context("staged bytes without their digests")?;
            let blake3 = digests.blake3.as_str();
            if self.placed(blake3).is_some() {
                on_sent(staged.size);
                continue;
            }
            match &staged.body {
                Body::File(_) | Body::Source(_) => {
                    self.upload_blob(staged, blake3, on_sent)?;
                    self.remember(blake3, None);
                }
                Body::Memory(bytes) => {
                    if members.iter().any(|(b, _)| b == blake3) {
                        on_sent(staged.size);
                        continue;
                    }
                    let offset = builder.add(blake3, bytes);
                    members.push((blake3.to_string(), offset));
                    if builder.len() >= PACK_TARGET {
                        let full = std::mem::take(&mut builder);
                        self.send_pack(full, std::mem::take(&mut members), on_sent)?;
                    }
                }
            }
        }
        if !builder.is_empty() {
            self.send_pack(builder, members, on_sent)?;
        }
        Ok(())
    }

    fn uploads(&self) -> bool {
        true
    }

    fn publish(&self, staged: Staged, key: &str) -> Result<Location> {
        let digests = staged.digests.as_ref();
        let Some(location) = digests.and_then(|d| self.placed(&d.blake3)) else {
            bail!(
                "{} was published before its bytes were uploaded",
                self.locate(key)
            );
        };
        Ok(location)
    }

    /// The same content is the same bytes: a key shares them, once they are found whole in
    /// the bucket (someone may have deleted them).
    fn link(&self, existing: &FileRef, _key: &str) -> Result<Option<Location>> {
        if self.size(existing)? != Some(existing.size) {
            return Ok(None);
        }
        Ok(Some(existing.location.clone()))
    }

    /// Content the bucket holds already is not uploaded again, once found whole there.
    fn reuse(&self, existing: &FileRef) -> Result<()> {
        if self.placed(&existing.blake3).is_none() && self.size(existing)? == Some(existing.size) {
            self.remember(&existing.blake3, existing.location.clone());
        }
        Ok(())
    }

    /// Reads the packed files among `files`, several packs at once, each pack in a few ranged
    /// GETs: a pull of thousands of small files costs a few requests, not one per file.
    fn prefetch(&self, files: &[FileRef]) {
        let mut by_pack: BTreeMap<&str, Vec<(&str, Range<u64>)>> = BTreeMap::new();
        for file in files {
            let location = file.location.as_deref();
            if let Some((pack, range)) = location.and_then(|l| pack::parse_range(l, file.size)) {
                let location = location.unwrap_or_default();
                by_pack.entry(pack).or_default().push((location, range));
            }
        }
        let packs: Vec<_> = by_pack.into_iter().collect();
        let mut fetched = HashMap::new();
        for chunk in packs.chunks(PACKS_AT_ONCE) {
            std::thread::scope(|scope| {
                let readers: Vec<_> = chunk
                    .iter()
                    .map(|(pack, members)| scope.spawn(|| self.read_packed(pack, members)))
                    .collect();
                // A pack that can't be read now is read file by file by `open`, which says why.
                for reader in readers {
                    if let Ok(Ok(parts)) = reader.join() {
                        fetched.extend(parts);
                    }
                }
            });
        }
        if let Ok(mut prefetched) = self.prefetched.lock() {
            *prefetched = fetched;
        }
    }

    fn open(&self, file: &FileRef) -> Result<Option<Box<dyn Read + Send>>> {
        if let Some(location) = &file.location {
            // Taken, not copied: a second read (a retry) goes to the bucket.
            let ahead = self.prefetched.lock().ok();
            let bytes = ahead.and_then(|mut p| p.remove(location));
            if let Some(bytes) = bytes.filter(|b| b.len() as u64 == file.size) {
                return Ok(Some(Box::new(Cursor::new(bytes))));
            }
            let Some((id, range)) = pack::parse_range(location, file.size) else {
                bail!(
                    "{} has an unreadable location {location:?}",
                    self.locate(&file.key)
                );
            };
            let bytes = self.bucket.get_range(&pack_key(id), range)?;
            return Ok(Some(Box::new(Cursor::new(bytes))));
        }
        let key = blob_key(&file.blake3);
        if self.bucket.head(&key)?.is_none() {
            return Ok(None);
        }
        Ok(Some(Box::new(Download::start(
            Arc::clone(&self.bucket),
            key,
            file.size,
        ))))
    }

    /// How many of the file's bytes the bucket holds, from the size of its blob or pack (one
    /// HEAD per object and process): a file whose object was deleted or cut short reads as
    /// missing or short. Bytes changed in place are found by hashing (`verify --deep`).
    fn size(&self, file: &FileRef) -> Result<Option<u64>> {
        let Some(location) = &file.location else {
            return self.object_size(&blob_key(&file.blake3));
        };
        let Some((id, range)) = pack::parse_range(location, file.size) else {
            return Ok(None);
        };
        let held = self.object_size(&pack_key(id))?;
        Ok(held.map(|pack_size| pack_size.min(range.end).saturating_sub(range.start)))
    }

    /// No object is named by a key, so nothing can be there that the catalog does not list.
    fn list(&self, _prefix: &str) -> Result<Vec<Listed>> {
        Ok(Vec::new())
    }

    fn delete(&self, _key: &str) -> Result<bool> {
        Ok(true)
    }

    fn set_aside(&self, _key: &str) -> Result<Option<Aside>> {
        Ok(Some(Aside { temp: None }))
    }

    fn restore(&self, _aside: Aside, _key: &str) -> Result<()> {
        Ok(())
    }

    fn discard(&self, _aside: Aside, _key: &str) -> Result<()> {
        Ok(())
    }

    /// Every upload finished in [`Store::sync_staged`]; the version log is written by the
    /// catalog's commit.
    fn flush(&self) -> Result<()> {
        Ok(())
    }
}

/// A source read again for its upload: at its end its bytes must have the BLAKE3 they were
/// staged with, or the read fails, and the upload with it before the object appears (a file
/// changed after it was hashed never lands under the name of other content).
struct Rehashed<R> {
    inner: R,
    hasher: blake3::Hasher,
    expected: String,
}

impl<R: Read> Rehashed<R> {
    fn new(inner: R, blake3: &str) -> Self {
        Rehashed {
            inner,
            hasher: blake3::Hasher::new(),
            expected: blake3.to_string(),
        }
    }
}

impl<R: Read> Read for Rehashed<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        if n == 0 && !buf.is_empty() && self.hasher.finalize().to_hex().as_str() != self.expected {
            return Err(io::Error::other(
                "the file changed after it was read; nothing of it was stored, try again",
            ));
        }
        Ok(n)
    }
}

/// A big object read as a stream: downloaded in parallel ranges on a thread, handed over in
/// order through a channel of one range, so that memory holds the ranges in flight and two more.
struct Download {
    ranges: Receiver<io::Result<Bytes>>,
    current: Bytes,
}

impl Download {
    fn start(bucket: Arc<Bucket>, key: String, size: u64) -> Download {
        let (send, ranges) = mpsc::sync_channel(1);
        std::thread::spawn(move || {
            let mut hand_over = |bytes: Bytes| {
                send.send(Ok(bytes))
                    .map_err(|_| anyhow::anyhow!("the reader has gone"))
            };
            if let Err(e) = bucket.download_ranges(&key, size, &mut hand_over) {
                let _ = send.send(Err(io::Error::other(format!("{e:#}"))));
            }
        });
        Download {
            ranges,
            current: Bytes::new(),
        }
    }
}

impl Read for Download {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.current.is_empty() && !buf.is_empty() {
            match self.ranges.recv() {
                Ok(range) => self.current = range?,
                Err(_) => return Ok(0), // the download ended
            }
        }
        let n = buf.len().min(self.current.len());
        buf[..n].copy_from_slice(&self.current.split_to(n));
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_source_read_again_must_hash_as_it_did() {
        let bytes = b"weights".to_vec();
        let blake3 = blake3::hash(&bytes).to_hex().to_string();
        let mut same = Vec::new();
        Rehashed::new(&bytes[..], &blake3)
            .read_to_end(&mut same)
            .unwrap();
        assert_eq!(same, bytes);
        let changed = b"weighty".to_vec();
        let err = Rehashed::new(&changed[..], &blake3)
            .read_to_end(&mut Vec::new())
            .unwrap_err();
        assert!(err.to_string().contains("changed"), "{err}");
    }
}
