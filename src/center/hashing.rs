//! Content digests. md5 is what users see and compare (the old library's `crc`); BLAKE3 is the
//! strong hash computed in the same pass, so deduplication never trusts md5 alone.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use anyhow::{Context, Result};
use md5::{Digest, Md5};

use crate::interrupt;

pub const BUFFER: usize = 1 << 20;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digests {
    pub md5: String,
    pub blake3: String,
}

/// A reader that hashes every byte that passes through it and reports progress.
pub struct HashingReader<R, P: FnMut(u64)> {
    inner: R,
    md5: Md5,
    blake3: blake3::Hasher,
    bytes: u64,
    on_read: P,
}

impl<R: Read, P: FnMut(u64)> HashingReader<R, P> {
    pub fn new(inner: R, on_read: P) -> Self {
        HashingReader {
            inner,
            md5: Md5::new(),
            blake3: blake3::Hasher::new(),
            bytes: 0,
            on_read,
        }
    }

    pub fn get_ref(&self) -> &R {
        &self.inner
    }

    /// The digests and byte count of everything read so far.
    pub fn finish(self) -> (Digests, u64) {
        let digests = Digests {
            md5: hex(&self.md5.finalize()),
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
        self.md5.update(&buf[..n]);
        self.blake3.update(&buf[..n]);
        self.bytes += n as u64;
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
    let mut buf = vec![0; BUFFER];
    let mut total = 0;
    loop {
        let n = match reader.read(&mut buf) {
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
    fn progress_sees_every_byte() {
        let data = vec![7u8; 3 * BUFFER + 5];
        let mut seen = 0;
        hash_reader(&data[..], |n| seen += n).unwrap();
        assert_eq!(seen, data.len() as u64);
    }
}
