//! Big objects in pieces: `upload` (a multipart upload, parts sent in parallel) and `download`
//! (ranged GETs in parallel, written in order). Both hold at most (in flight + 1) pieces in
//! memory, 72 MiB up and 36 MiB down with the defaults, and look at Ctrl-C between pieces.

use std::collections::{HashMap, VecDeque};
use std::io::{ErrorKind, Read, Write};

use anyhow::{Context, Result, anyhow};
use bytes::Bytes;
use md5::{Digest, Md5};
use object_store::multipart::{MultipartStore, PartId};
use object_store::path::Path;
use object_store::{GetOptions, GetRange, ObjectStore, PutPayload};

use super::runtime::Task;
use super::{Bucket, Etag};
use crate::center::hashing::hex;
use crate::error::{INTERRUPTED, exit_code};

/// The size of an upload part.
pub const PIECE: u64 = 8 << 20;
/// The size of a download range: ranges in flight are held whole in memory (with the
/// allocator's slack, 8 x 8 MiB cost a pull 135 MiB of RSS; 8 x 4 MiB, as fast here, less).
pub const RANGE: u64 = 4 << 20;
/// Parts or ranges in flight at once.
pub const IN_FLIGHT: usize = 8;
/// S3's limit on the parts of one upload.
const MAX_PARTS: u64 = 10_000;
/// Parts in flight share this much memory whatever their size (parts grow past 8 MiB for
/// objects over 78 GiB, so that there are at most 10,000).
const PART_MEMORY: u64 = 96 << 20;

type Answer<T> = Result<T, object_store::Error>;

impl Bucket {
    /// Uploads `size` bytes read from `reader` under `key`, replacing whatever is there, and
    /// returns the new object's ETag. Up to 8 MiB it is one PUT; above, a multipart upload of
    /// 8 MiB parts, 8 in flight. The object appears only once complete; on any error (a short or
    /// long reader, Ctrl-C, the server) the multipart upload is aborted. `on_bytes` is called on
    /// this thread with the size of each part as the server takes it.
    pub fn upload(
        &self,
        key: &str,
        reader: &mut dyn Read,
        size: u64,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Etag> {
        let path = self.path(key)?;
        if size <= PIECE {
            let bytes = self.read_piece(key, reader, 0, size, size)?;
            self.expect_end(key, reader, size)?;
            let etag = self.put_overwriting(key, bytes)?;
            on_bytes(size);
            return Ok(etag);
        }
        let part = part_size(size);
        let in_flight = (PART_MEMORY / part).clamp(1, IN_FLIGHT as u64) as usize;
        let resumed = self.resumable(key, size, part);
        let resuming = resumed.is_some();
        let id = match &resumed {
            Some((id, _)) => id.clone(),
            None => {
                let (store, at) = (self.store.clone(), path.clone());
                self.runtime
                    .run(async move { Ok(store.create_multipart(&at).await) })?
                    .map_err(|e| self.failed("start uploading", key, e))?
            }
        };
        let upload = Upload {
            key,
            path: &path,
            id: &id,
            size,
            part,
            in_flight,
            on_server: resumed.map(|(_, parts)| parts).unwrap_or_default(),
        };
        match self.send_parts(&upload, reader, on_bytes) {
            Ok(etag) => Ok(etag),
            // Someone else finished the same upload first (on a content-addressed key, with
            // the same bytes): theirs stands.
            Err(_) if resuming && self.has(key, size) => self
                .head(key)?
                .map(|info| info.etag)
                .ok_or_else(|| anyhow!("{} vanished", self.url.of_key(key))),
            // Parts already sent are kept for the re-run to resume from.
            Err(err) if exit_code(&err) == INTERRUPTED => Err(err),
            Err(err) => {
                // The parts sent so far are dropped with the upload. Should the abort fail
                // too (the server gone), the re-run resumes it, or gc lists it.
                let (store, at, id) = (self.store.clone(), path.clone(), id.clone());
                let _ = self
                    .runtime
                    .run(async move { Ok(store.abort_multipart(&at, &id).await) });
                Err(err)
            }
        }
    }

    /// The newest unfinished upload of `key` (cut off by kill -9, a lost server, Ctrl-C) and
    /// the parts it holds that have the size this upload gives them: index -> quoted ETag.
    /// Nothing when there is none, or when asking fails (the upload then starts afresh).
    fn resumable(
        &self,
        key: &str,
        size: u64,
        part: u64,
    ) -> Option<(String, HashMap<usize, String>)> {
        let newest = self.multipart_uploads_of(key).ok()?.into_iter().next()?;
        let parts = self.uploaded_parts(key, &newest.upload_id).ok()?;
        let on_server = parts
            .into_iter()
            .filter_map(|p| {
                let index = p.part_number.checked_sub(1)?;
                let expected = part.min(size.checked_sub(index * part)?);
                (p.size == expected).then_some((index as usize, p.e_tag))
            })
            .collect();
        Some((newest.upload_id, on_server))
    }

    /// Whether `key` holds an object of `size` bytes.
    fn has(&self, key: &str, size: u64) -> bool {
        matches!(self.head(key), Ok(Some(info)) if info.size == size)
    }

    fn send_parts(
        &self,
        upload: &Upload,
        reader: &mut dyn Read,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Etag> {
        let mut pending: VecDeque<(u64, Task<Answer<PartId>>)> = VecDeque::new();
        let mut parts = Vec::new();
        let mut offset = 0;
        while offset < upload.size {
            crate::interrupt::check()?;
            let len = upload.part.min(upload.size - offset);
            let bytes = self.read_piece(upload.key, reader, offset, len, upload.size)?;
            let (store, path, id) = (
                self.store.clone(),
                upload.path.clone(),
                upload.id.to_string(),
            );
            let index = parts.len() + pending.len();
            // A part the server holds already is not sent again if it is these very bytes;
            // its ETag is their md5 (a part of other bytes, or of an encrypted bucket whose
            // ETags are not md5s, is sent again and replaced).
            let task = match upload.on_server.get(&index) {
                Some(etag) if *etag == format!("\"{}\"", hex(&Md5::digest(&bytes))) => {
                    let part = PartId {
                        content_id: etag.clone(),
                    };
                    self.runtime.spawn(async move { Ok(Ok(part)) })
                }
                _ => self.runtime.spawn(async move {
                    Ok(store
                        .put_part(&path, &id, index, PutPayload::from(bytes))
                        .await)
                }),
            };
            pending.push_back((len, task));
            offset += len;
            if pending.len() >= upload.in_flight {
                parts.push(self.part_sent(upload.key, pending.pop_front(), on_bytes)?);
            }
        }
        self.expect_end(upload.key, reader, upload.size)?;
        while !pending.is_empty() {
            parts.push(self.part_sent(upload.key, pending.pop_front(), on_bytes)?);
        }
        let (store, path, id) = (
            self.store.clone(),
            upload.path.clone(),
            upload.id.to_string(),
        );
        let done = self
            .runtime
            .run(async move { Ok(store.complete_multipart(&path, &id, parts).await) })?
            .map_err(|e| self.failed("finish uploading", upload.key, e))?;
        self.etag(upload.key, done.e_tag)
    }

    fn part_sent(
        &self,
        key: &str,
        pending: Option<(u64, Task<Answer<PartId>>)>,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<PartId> {
        let Some((len, task)) = pending else {
            return Err(anyhow!("no part in flight"));
        };
        let part = task
            .wait_interruptible()?
            .map_err(|e| self.failed("upload", key, e))?;
        on_bytes(len);
        Ok(part)
    }

    /// Reads the next `len` bytes of the `size` to upload.
    fn read_piece(
        &self,
        key: &str,
        reader: &mut dyn Read,
        offset: u64,
        len: u64,
        size: u64,
    ) -> Result<Bytes> {
        let mut buf = vec![0; len as usize];
        let mut filled = 0;
        while filled < buf.len() {
            match reader.read(&mut buf[filled..]) {
                Ok(0) => {
                    return Err(anyhow!(
                        "could not upload {}: the source ended after {} of {size} bytes (did it change?)",
                        self.url.of_key(key),
                        offset + filled as u64
                    ));
                }
                Ok(n) => filled += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("could not read the source of {}", self.url.of_key(key))
                    });
                }
            }
        }
        Ok(Bytes::from(buf))
    }

    /// The source must end after `size` bytes.
    fn expect_end(&self, key: &str, reader: &mut dyn Read, size: u64) -> Result<()> {
        let mut byte = [0; 1];
        loop {
            match reader.read(&mut byte) {
                Ok(0) => return Ok(()),
                Ok(_) => {
                    return Err(anyhow!(
                        "could not upload {}: the source has more than {size} bytes (did it change?)",
                        self.url.of_key(key)
                    ));
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(e) => {
                    return Err(e).with_context(|| {
                        format!("could not read the source of {}", self.url.of_key(key))
                    });
                }
            }
        }
    }

    /// Writes the object's `size` bytes to `sink` in order, fetched as 4 MiB ranges, 8 at a
    /// time, and returns the ETag of the object read. Every range must come from that same
    /// object (`If-Match`): an object replaced meanwhile, or not of `size` bytes, is an error.
    /// `on_bytes` is called on this thread with each range written.
    pub fn download(
        &self,
        key: &str,
        size: u64,
        sink: &mut dyn Write,
        on_bytes: &mut dyn FnMut(u64),
    ) -> Result<Etag> {
        let url = self.url.of_key(key);
        self.download_ranges(key, size, &mut |bytes| {
            sink.write_all(&bytes)
                .with_context(|| format!("could not write what was downloaded from {url}"))?;
            on_bytes(bytes.len() as u64);
            Ok(())
        })
    }

    /// [`Bucket::download`], handing each range over as it comes, in order, without a copy.
    pub fn download_ranges(
        &self,
        key: &str,
        size: u64,
        take: &mut dyn FnMut(Bytes) -> Result<()>,
    ) -> Result<Etag> {
        let url = self.url.of_key(key);
        let Some(info) = self.head(key)? else {
            return Err(anyhow!("could not download {url}: there is no such object"));
        };
        if info.size != size {
            return Err(anyhow!(
                "could not download {url}: it has {} bytes, not the {size} expected",
                info.size
            ));
        }
        let path = self.path(key)?;
        let mut ranges = (0..size)
            .step_by(RANGE as usize)
            .map(|start| start..(start + RANGE).min(size));
        let mut pending: VecDeque<(u64, Task<Answer<Bytes>>)> = VecDeque::new();
        loop {
            while pending.len() < IN_FLIGHT {
                let Some(range) = ranges.next() else { break };
                let (store, path) = (self.store.clone(), path.clone());
                let options = GetOptions {
                    if_match: Some(info.etag.0.clone()),
                    range: Some(GetRange::Bounded(range.clone())),
                    ..GetOptions::default()
                };
                let task = self.runtime.spawn(async move {
                    Ok(match store.get_opts(&path, options).await {
                        Ok(result) => result.bytes().await,
                        Err(e) => Err(e),
                    })
                });
                pending.push_back((range.end - range.start, task));
            }
            let Some((len, task)) = pending.pop_front() else {
                break;
            };
            let bytes = match task.wait_interruptible()? {
                Ok(bytes) => bytes,
                Err(object_store::Error::Precondition { .. }) => {
                    return Err(anyhow!(
                        "could not download {url}: it was replaced during the download"
                    ));
                }
                Err(e) => return Err(self.failed("download", key, e)),
            };
            if bytes.len() as u64 != len {
                return Err(anyhow!(
                    "could not download {url}: a range of {len} bytes came back with {}",
                    bytes.len()
                ));
            }
            take(bytes)?;
        }
        Ok(info.etag)
    }
}

/// One multipart upload under way.
struct Upload<'a> {
    key: &'a str,
    path: &'a Path,
    id: &'a str,
    size: u64,
    part: u64,
    in_flight: usize,
    /// Parts a cut-off upload left on the server: index -> quoted ETag.
    on_server: HashMap<usize, String>,
}

/// 8 MiB, or more (in whole MiB) when 10,000 parts of 8 MiB would not hold `size`.
fn part_size(size: u64) -> u64 {
    const MIB: u64 = 1 << 20;
    PIECE.max(size.div_ceil(MAX_PARTS).div_ceil(MIB) * MIB)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_stay_under_the_limits() {
        assert_eq!(part_size(100 << 20), PIECE);
        assert_eq!(part_size(PIECE * MAX_PARTS), PIECE);
        let big = PIECE * MAX_PARTS + 1;
        assert_eq!(part_size(big), 9 << 20);
        for size in [PIECE + 1, 1 << 40, (5 << 40) - 1] {
            let part = part_size(size);
            assert!(size.div_ceil(part) <= MAX_PARTS, "{size}");
            let in_flight = (PART_MEMORY / part).clamp(1, IN_FLIGHT as u64);
            assert!(in_flight >= 1);
            if part <= 64 << 20 {
                assert!(
                    (in_flight + 1) * part < 128 << 20,
                    "{size}: {part} x {in_flight}"
                );
            }
        }
    }
}
