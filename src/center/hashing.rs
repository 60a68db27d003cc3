//! Content digests. md5 is what users see and compare (the old library's `crc`); BLAKE3 is the
//! strong hash computed in the same pass, so deduplication never trusts md5 alone.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
use std::thread::JoinHandle;

use anyhow::{Context, Result};
use md5::{Digest, Md5};

use crate::interrupt;

pub const BUFFER: usize = 1 << 20;

/// What this module computes; a value type the catalog stores too.
pub use crate::values::Digests;

/// A reader that hashes every byte that passes through it and reports progress.
///
/// md5 can't be split across cores and runs at about the speed of the disk, so once a file is
/// past a few MiB its md5 moves to a helper thread fed with copies of the chunks: the reading
/// thread then only reads, computes BLAKE3 (several times faster) and writes, and the two
/// limits overlap instead of adding up.
pub struct HashingReader<R, P: FnMut(u64)> {
    inner: R,
    md5: Md5Worker,
    blake3: blake3::Hasher,
    bytes: u64,
    on_read: P,
}

/// Bytes after which md5 moves to its own thread.
const PARALLEL_AFTER: u64 = 4 << 20;

enum Md5Worker {
    Inline(Md5),
    Thread {
        chunks: SyncSender<Vec<u8>>,
        spare: Receiver<Vec<u8>>,
        done: JoinHandle<String>,
    },
    Finished,
}

impl Md5Worker {
    fn update(&mut self, data: &[u8], total: u64) {
        if let Md5Worker::Inline(md5) = self {
            if total < PARALLEL_AFTER {
                md5.update(data);
                return;
            }
            let md5 = std::mem::replace(md5, Md5::new());
            *self = Md5Worker::spawn(md5);
        }
        if let Md5Worker::Thread { chunks, spare, .. } = self {
            let mut chunk = spare.try_recv().unwrap_or_default();
            chunk.clear();
            chunk.extend_from_slice(data);
            // A send fails only if the thread died; finish() then reports it.
            let _ = chunks.send(chunk);
        }
    }

    fn spawn(mut md5: Md5) -> Md5Worker {
        let (chunks, incoming) = sync_channel::<Vec<u8>>(8);
        let (give_back, spare) = sync_channel::<Vec<u8>>(8);
        let done = std::thread::spawn(move || {
            for chunk in incoming {
                md5.update(&chunk);
                let _ = give_back.try_send(chunk);
            }
            hex(&md5.finalize())
        });
        Md5Worker::Thread {
            chunks,
            spare,
            done,
        }
    }

    fn finish(&mut self) -> String {
        match std::mem::replace(self, Md5Worker::Finished) {
            Md5Worker::Inline(md5) => hex(&md5.finalize()),
            Md5Worker::Thread { chunks, done, .. } => {
                drop(chunks);
                // md5 can't fail; if the thread died anyway, never return a wrong digest.
                done.join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            }
            Md5Worker::Finished => String::new(),
        }
    }
}

impl<R: Read, P: FnMut(u64)> HashingReader<R, P> {
    pub fn new(inner: R, on_read: P) -> Self {
        HashingReader {
            inner,
            md5: Md5Worker::Inline(Md5::new()),
            blake3: blake3::Hasher::new(),
            bytes: 0,
            on_read,
        }
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The digests and byte count of everything read so far.
    pub fn finish(mut self) -> (Digests, u64) {
        let digests = Digests {
            md5: self.md5.finish(),
            blake3: self.blake3.finalize().to_hex().to_string(),
        };
        (digests, self.bytes)
    }
}

impl<R: Read, P: FnMut(u64)> Read for HashingReader<R, P> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if interrupt::check().is_err() {
            return Err(io::Error::new(
                io::ErrorKind::Interrupted,
                "interrupted by Ctrl-C",
            ));
        }
        let n = self.inner.read(buf)?;
        self.bytes += n as u64;
        self.md5.update(&buf[..n], self.bytes);
        self.blake3.update(&buf[..n]);
        (self.on_read)(n as u64);
        Ok(n)
    }
}

/// Reads `path` once and returns its digests and size.
pub fn hash_file(path: &Path, on_read: impl FnMut(u64)) -> Result<(Digests, u64)> {
    let file = File::open(path).with_context(|| format!("could not read {}", path.display()))?;
    hash_reader(file, on_read).with_context(|| format!("could not read {}", path.display()))
}

pub fn hash_reader(reader: impl Read, on_read: impl FnMut(u64)) -> Result<(Digests, u64)> {
    let mut hashing = HashingReader::new(reader, on_read);
    copy_interruptible(&mut hashing, &mut io::sink())?;
    Ok(hashing.finish())
}

/// `io::copy` with a large buffer that turns a Ctrl-C into [`crate::error::Exit::Interrupted`].
pub fn copy_interruptible(
    reader: &mut (impl Read + ?Sized),
    writer: &mut (impl io::Write + ?Sized),
) -> Result<u64> {
    // One buffer per thread for all its files: zeroing a fresh 1 MiB per small file cost more
    // than copying the file.
    thread_local! {
        static BUF: std::cell::RefCell<Vec<u8>> = std::cell::RefCell::new(vec![0; BUFFER]);
    }
    BUF.with(|buf| copy_with(reader, writer, &mut buf.borrow_mut()))
}

fn copy_with(
    reader: &mut (impl Read + ?Sized),
    writer: &mut (impl io::Write + ?Sized),
    buf: &mut [u8],
) -> Result<u64> {
    let mut total = 0;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => return Ok(total),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {
                interrupt::check()?;
                continue;
            }
            Err(e) => return Err(e.into()),
        };
        writer.write_all(&buf[..n])?;
        total += n as u64;
    }
}

pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        let (d, n) = hash_reader(&b"hello\n"[..], |_| {}).unwrap();
        assert_eq!(n, 6);
        assert_eq!(d.md5, "b1946ac92492d2347c6235b4d2611184");
        assert_eq!(d.blake3, blake3::hash(b"hello\n").to_hex().to_string());
        let (empty, _) = hash_reader(&b""[..], |_| {}).unwrap();
        assert_eq!(empty.md5, "d41d8cd98f00b204e9800998ecf8427e");
    }

    #[test]
    fn big_inputs_hash_the_same_on_the_md5_thread() {
        let data: Vec<u8> = (0..(9u32 << 20))
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 7) as u8)
            .collect();
        let (threaded, n) = hash_reader(&data[..], |_| {}).unwrap();
        assert_eq!(n, data.len() as u64);
        let mut inline = Md5::new();
        inline.update(&data);
        assert_eq!(threaded.md5, hex(&inline.finalize()));
        assert_eq!(threaded.blake3, blake3::hash(&data).to_hex().to_string());
    }

    #[test]
    fn progress_sees_every_byte() {
        let data = vec![7u8; 3 * BUFFER + 5];
        let mut seen = 0;
        hash_reader(&data[..], |n| seen += n).unwrap();
        assert_eq!(seen, data.len() as u64);
    }
}
