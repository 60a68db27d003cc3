//! The copy of a source file into staging: in the kernel (`copy_file_range`, as `cp` does), and
//! hashed from the *staged* bytes, so the digests describe exactly what was stored.
//!
//! Reading and writing through a buffer cost a big file two copies through user space and a
//! `write` per MiB; the kernel copies in one, several times faster than md5 can hash. The
//! hashing reads the staged file a few MiB behind the copy — from the page cache, where the
//! copy just put it — on its own thread. Once the copy is done, a big file's flush to disk
//! (an fdatasync) runs while the hasher is still reading: the two waits, which added up when
//! the bytes reached the file only as fast as they were hashed, now overlap.
//!
//! Holes are kept (see [`super::sparse`]): a source with holes has only its data copied, and
//! any all-zero piece of at least [`MIN_HOLE`] that the hasher reads is made a hole too, as the
//! buffered copy does. Where the kernel can't copy between the two files (another filesystem
//! type, a special file) each piece goes through a buffer instead, with the same hashing.

use std::cell::RefCell;
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::sync::mpsc::{Receiver, Sender, channel};

use anyhow::{Context, Result, bail};
use rustix::fs::{FallocateFlags, SeekFrom};
use rustix::io::Errno;

use super::hashing::{BUFFER, Digests, hash_reader};
use super::local::{WRITEBACK_EVERY, start_writeback};
use super::sparse::MIN_HOLE;
use crate::interrupt;

/// The kernel copies this much per call; the hasher follows a piece at a time.
const PIECE: u64 = 8 << 20;

/// Sources from this size on are hashed on a thread of their own while the copy runs; smaller
/// ones are copied, then hashed, on the calling thread (a thread costs more than the overlap
/// gains, and the import already runs one worker per core).
const HASH_THREAD_FROM: u64 = 4 << 20;

/// Copies `src` into `dst` (a new, empty file opened for reading and writing) and returns the
/// digests and size of the bytes in `dst`. `on_hashed` sees every byte hashed (progress); it is
/// called from another thread for big files. Ctrl-C stops it with
/// [`crate::error::Exit::Interrupted`].
pub fn copy_and_hash(
    src: &File,
    dst: &File,
    on_hashed: &(dyn Fn(u64) + Sync),
) -> Result<(Digests, u64)> {
    let meta = src.metadata()?;
    let mut copier = Copier {
        src,
        dst,
        pos: 0,
        // Fewer blocks than bytes: it may have holes (or be compressed); ask where its data is.
        sparse: meta.blocks() * 512 < meta.len(),
        kernel: true,
        written_back: 0,
        ends_in_hole: false,
    };
    let (pieces, followed) = channel();
    let (copied, hashed) = if meta.len() < HASH_THREAD_FROM {
        let copied = copier.run(&pieces);
        drop(pieces);
        (copied, hash_staged(dst, followed, on_hashed))
    } else {
        std::thread::scope(|scope| {
            let hasher = scope.spawn(|| hash_staged(dst, followed, on_hashed));
            let copied = copier.run(&pieces);
            drop(pieces); // the hasher ends at the last piece sent
            // The flush to disk, which takes as long as the hashing or longer, runs while the
            // hasher reads: the fsync before publishing then finds little left to do.
            let copied = copied.and_then(|size| {
                dst.sync_data()
                    .context("could not flush a staged file to disk")?;
                Ok(size)
            });
            let hashed = hasher
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
            (copied, hashed)
        })
    };
    // The copy's own error first: a hasher that stopped early because the copy did says less.
    let size = copied?;
    let (digests, hashed_size) = hashed?;
    if hashed_size != size {
        bail!("the staged copy holds {hashed_size} bytes where {size} were copied");
    }
    Ok((digests, size))
}

/// What the copy has done up to an offset, for the hasher that follows it.
enum Piece {
    /// Bytes up to this offset are in the staged file.
    Data(u64),
    /// A hole up to this offset: nothing was copied, the staged file reads zeros there.
    Hole(u64),
}

struct Copier<'f> {
    src: &'f File,
    dst: &'f File,
    /// Everything before this offset is copied (or a hole).
    pos: u64,
    /// Ask the source where its data is, and skip its holes.
    sparse: bool,
    /// `copy_file_range` works between these files (until it says otherwise).
    kernel: bool,
    /// Writeback was asked for up to this offset.
    written_back: u64,
    ends_in_hole: bool,
}

impl Copier<'_> {
    /// Copies up to the end of the source, telling `pieces` what is done as it goes; returns
    /// the size copied. Stops early when the hasher has gone (it failed: its error is reported).
    fn run(&mut self, pieces: &Sender<Piece>) -> Result<u64> {
        loop {
            interrupt::check()?;
            let Some(piece) = self
                .next()
                .context("could not copy into the staging folder")?
            else {
                break;
            };
            if pieces.send(piece).is_err() {
                break;
            }
        }
        if self.ends_in_hole {
            self.dst.set_len(self.pos)?;
        }
        Ok(self.pos)
    }

    /// Copies the next piece; `None` at the end of the source.
    fn next(&mut self) -> io::Result<Option<Piece>> {
        let mut want = PIECE;
        if self.sparse {
            match rustix::fs::seek(self.src, SeekFrom::Data(self.pos)) {
                Ok(data) if data > self.pos => return Ok(Some(self.hole_to(data))),
                Ok(_) => {
                    let hole = rustix::fs::seek(self.src, SeekFrom::Hole(self.pos))?;
                    want = want.min(hole - self.pos).max(1);
                }
                // No data after pos: the rest of the file, if any, is a hole.
                Err(Errno::NXIO) => {
                    let end = self.src.metadata()?.len();
                    return Ok((end > self.pos).then(|| self.hole_to(end)));
                }
                Err(_) => self.sparse = false, // this filesystem can't tell: copy it all
            }
        }
        let n = self.copy(want)?;
        if n == 0 {
            return Ok(None);
        }
        self.pos += n;
        self.ends_in_hole = false;
        if self.pos - self.written_back >= WRITEBACK_EVERY {
            start_writeback(self.dst, self.written_back, self.pos - self.written_back);
            self.written_back = self.pos;
        }
        Ok(Some(Piece::Data(self.pos)))
    }

    fn hole_to(&mut self, end: u64) -> Piece {
        self.pos = end;
        self.ends_in_hole = true;
        Piece::Hole(end)
    }

    /// Copies up to `len` bytes at `pos`; 0 at the end of the source.
    fn copy(&mut self, len: u64) -> io::Result<u64> {
        if self.kernel {
            let (mut from, mut to) = (self.pos, self.pos);
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            match rustix::fs::copy_file_range(
                self.src,
                Some(&mut from),
                self.dst,
                Some(&mut to),
                len,
            ) {
                // Some special files (procfs, sysfs) say 0 at once; read them to be sure.
                Ok(0) if self.pos == 0 => self.kernel = false,
                Ok(n) => return Ok(n as u64),
                // Another filesystem type, or one that can't: through a buffer from now on.
                Err(Errno::XDEV | Errno::NOSYS | Errno::OPNOTSUPP | Errno::INVAL) => {
                    self.kernel = false
                }
                Err(e) => return Err(e.into()),
            }
        }
        // One buffer per thread for all its files, made on first use (see copy_interruptible).
        thread_local! {
            static BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
        }
        BUF.with(|buf| {
            let mut buf = buf.borrow_mut();
            buf.resize(BUFFER, 0);
            let buf = &mut buf[..BUFFER.min(usize::try_from(len).unwrap_or(usize::MAX))];
            let n = loop {
                match self.src.read_at(buf, self.pos) {
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    result => break result?,
                }
            };
            self.dst.write_all_at(&buf[..n], self.pos)?;
            Ok(n as u64)
        })
    }
}

/// Hashes the staged file as the copy's pieces arrive, up to the last one.
fn hash_staged(
    dst: &File,
    pieces: Receiver<Piece>,
    on_hashed: &(dyn Fn(u64) + Sync),
) -> Result<(Digests, u64)> {
    let follow = Follow {
        file: dst,
        pieces,
        pos: 0,
        end: 0,
        hole: false,
    };
    hash_reader(follow, on_hashed).context("could not read back the staged copy")
}

/// Reads the staged file behind the copy: up to the end of the last piece received, waiting for
/// the next one there. Holes read as zeros without touching the file; an all-zero piece of data
/// is made a hole.
struct Follow<'f> {
    file: &'f File,
    pieces: Receiver<Piece>,
    pos: u64,
    /// The end of the piece being read.
    end: u64,
    hole: bool,
}

impl Read for Follow<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        while self.pos == self.end {
            match self.pieces.recv() {
                Ok(Piece::Data(end)) => (self.end, self.hole) = (end, false),
                Ok(Piece::Hole(end)) => (self.end, self.hole) = (end, true),
                Err(_) => return Ok(0), // the copy is over
            }
        }
        let want = buf
            .len()
            .min(usize::try_from(self.end - self.pos).unwrap_or(usize::MAX));
        let buf = &mut buf[..want];
        if self.hole {
            buf.fill(0);
            self.pos += want as u64;
            return Ok(want);
        }
        let n = self.file.read_at(buf, self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the staged copy is shorter than what was copied into it",
            ));
        }
        if n >= MIN_HOLE && buf[..n].iter().all(|&b| b == 0) {
            // Where holes can't be made the zeros stay written: the same bytes either way.
            let flags = FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE;
            let _ = rustix::fs::fallocate(self.file, flags, self.pos, n as u64);
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;
    use std::sync::atomic::{AtomicU64, Ordering};

    fn staged(dir: &tempfile::TempDir) -> File {
        File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(dir.path().join("staged"))
            .unwrap()
    }

    fn noise(len: usize, seed: u32) -> Vec<u8> {
        (0..len as u32)
            .map(|i| (i.wrapping_add(seed).wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect()
    }

    #[test]
    fn small_and_big_files_arrive_whole_with_the_digests_of_their_bytes() {
        let dir = tempfile::tempdir().unwrap();
        for (i, len) in [0, 1, 10 << 10, (9 << 20) + 12345, 40 << 20]
            .into_iter()
            .enumerate()
        {
            let data = noise(len, i as u32);
            let src_path = dir.path().join(format!("src{i}"));
            std::fs::write(&src_path, &data).unwrap();
            let dst = staged(&dir);
            let seen = AtomicU64::new(0);
            let (digests, size) = copy_and_hash(&File::open(&src_path).unwrap(), &dst, &|n| {
                seen.fetch_add(n, Ordering::Relaxed);
            })
            .unwrap();
            assert_eq!(size, len as u64);
            assert_eq!(seen.load(Ordering::Relaxed), len as u64, "progress");
            assert_eq!(std::fs::read(dir.path().join("staged")).unwrap(), data);
            assert_eq!(digests, hash_reader(&data[..], |_| {}).unwrap().0);
            drop(dst);
            std::fs::remove_file(dir.path().join("staged")).unwrap();
        }
    }

    #[test]
    fn holes_and_zeros_become_holes() {
        let dir = tempfile::tempdir().unwrap();
        let src_path = dir.path().join("src");
        let mut src = File::create(&src_path).unwrap();
        src.set_len(48 << 20).unwrap(); // all hole
        src.write_all_at(b"header", 0).unwrap();
        src.write_all_at(&vec![0; 8 << 20], 16 << 20).unwrap(); // written zeros
        src.write_all_at(b"middle", 30 << 20).unwrap();
        src.flush().unwrap();
        drop(src);
        let data = std::fs::read(&src_path).unwrap();
        let dst = staged(&dir);
        let (digests, size) =
            copy_and_hash(&File::open(&src_path).unwrap(), &dst, &|_| {}).unwrap();
        assert_eq!(size, 48 << 20);
        assert_eq!(digests, hash_reader(&data[..], |_| {}).unwrap().0);
        assert_eq!(std::fs::read(dir.path().join("staged")).unwrap(), data);
        let allocated = dst.metadata().unwrap().blocks() * 512;
        assert!(
            allocated < 4 << 20,
            "{allocated} bytes allocated for 12 bytes of data"
        );
    }

    #[test]
    fn special_files_are_copied_through_a_buffer() {
        // /proc files say size 0 and copy_file_range copies nothing from them.
        let dir = tempfile::tempdir().unwrap();
        let dst = staged(&dir);
        let (_, size) =
            copy_and_hash(&File::open("/proc/self/status").unwrap(), &dst, &|_| {}).unwrap();
        assert!(size > 0);
        let copied = std::fs::read(dir.path().join("staged")).unwrap();
        assert!(copied.starts_with(b"Name:"), "{copied:?}");
    }
}
