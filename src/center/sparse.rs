//! Holes kept: a copy that skips all-zero pieces instead of writing them, so a sparse source (a
//! preallocated checkpoint, a disk image) stays sparse in the center and in the workspace, and
//! a 20 GiB file of mostly holes costs neither 20 GiB of disk nor the time to write it. Every
//! byte is still read and hashed; only the writing of zeros is skipped (like `cp --sparse`).

use std::fs::File;
use std::io::{self, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, RawFd};

/// Pieces shorter than this are written as they are: a hole is made a filesystem block at a time.
pub(crate) const MIN_HOLE: usize = 4096;

pub struct Sparse<'f> {
    file: &'f mut File,
    /// Zeros skipped since the last byte written, not yet seeked over.
    hole: u64,
}

impl<'f> Sparse<'f> {
    pub fn new(file: &'f mut File) -> Self {
        Sparse { file, hole: 0 }
    }

    /// Gives the file its full length when it ends in a hole.
    pub fn finish(self) -> io::Result<()> {
        if self.hole > 0 {
            let end = self.file.seek(SeekFrom::Current(self.hole as i64))?;
            self.file.set_len(end)?;
        }
        Ok(())
    }
}

impl Write for Sparse<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.len() >= MIN_HOLE && buf.iter().all(|&b| b == 0) {
            self.hole += buf.len() as u64;
            return Ok(buf.len());
        }
        if self.hole > 0 {
            self.file.seek(SeekFrom::Current(self.hole as i64))?;
            self.hole = 0;
        }
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl AsRawFd for Sparse<'_> {
    fn as_raw_fd(&self) -> RawFd {
        self.file.as_raw_fd()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn zeros_become_holes_and_the_bytes_stay_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let mut file = File::create(&path).unwrap();
        let mut sparse = Sparse::new(&mut file);
        let zeros = vec![0u8; 1 << 20];
        sparse.write_all(b"head").unwrap();
        for _ in 0..8 {
            sparse.write_all(&zeros).unwrap();
        }
        sparse.write_all(b"middle").unwrap();
        sparse.write_all(&zeros).unwrap();
        sparse.finish().unwrap();
        drop(file);
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 4 + (8 << 20) + 6 + (1 << 20));
        assert_eq!(&bytes[..4], b"head");
        assert_eq!(&bytes[4 + (8 << 20)..][..6], b"middle");
        assert!(bytes[4..4 + (8 << 20)].iter().all(|&b| b == 0));
        let allocated = std::fs::metadata(&path).unwrap().blocks() * 512;
        assert!(
            allocated < 1 << 20,
            "{allocated} bytes allocated for 9 MiB of mostly zeros"
        );
    }
}
