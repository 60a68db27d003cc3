//! The source stat cache: the digests import computed for a source file, with the file's stat
//! at that moment. A later import of the same path trusts them instead of rereading the file
//! only when device, inode, size, mtime and ctime (which no tool can set back) all match, and
//! the file had last changed well before it was hashed — the way git guards against "racy"
//! changes within one timestamp tick: 20 ms where the filesystem keeps sub-second times (the
//! kernel's clock tick is at most 10 ms), 2 s where it keeps whole seconds.

use std::collections::HashMap;
use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use super::{Reader, Tx};
use crate::time::Timestamp;
use crate::values::Digests;

const RACY_NS: i64 = 20_000_000;
const RACY_COARSE_NS: i64 = 2_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileStat {
    pub dev: u64,
    pub ino: u64,
    pub size: u64,
    pub mtime: i64,
    pub ctime: i64,
}

impl FileStat {
    pub fn of(meta: &Metadata) -> Self {
        FileStat {
            dev: meta.dev(),
            ino: meta.ino(),
            size: meta.size(),
            mtime: meta
                .mtime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.mtime_nsec()),
            ctime: meta
                .ctime()
                .saturating_mul(1_000_000_000)
                .saturating_add(meta.ctime_nsec()),
        }
    }
}

fn key(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .to_string_lossy()
        .into_owned()
}

/// One remembered hash: the file's stat when it was read, the digests, when.
struct Entry {
    stat: FileStat,
    digests: Digests,
    hashed_at: i64,
}

impl Entry {
    /// The digests, if `stat` proves the file still holds what was hashed.
    fn trusted(self, stat: &FileStat) -> Option<Digests> {
        let window = if stat.ctime % 1_000_000_000 == 0 {
            RACY_COARSE_NS
        } else {
            RACY_NS
        };
        let settled = stat.mtime.max(stat.ctime).saturating_add(window) < self.hashed_at;
        (self.stat == *stat && settled).then_some(self.digests)
    }
}

const COLUMNS: &str = "path, dev, ino, size, mtime, ctime, md5, blake3, hashed_at";

fn entry(r: &rusqlite::Row) -> rusqlite::Result<(String, Entry)> {
    let stat = FileStat {
        dev: r.get::<_, i64>(1)? as u64,
        ino: r.get::<_, i64>(2)? as u64,
        size: r.get(3)?,
        mtime: r.get(4)?,
        ctime: r.get(5)?,
    };
    let digests = Digests {
        md5: r.get(6)?,
        blake3: r.get(7)?,
    };
    Ok((
        r.get(0)?,
        Entry {
            stat,
            digests,
            hashed_at: r.get(8)?,
        },
    ))
}

/// Every entry below a folder, loaded at once: checking a whole workspace costs one query.
pub struct Folder {
    entries: HashMap<String, Entry>,
}

impl Folder {
    pub fn lookup(&mut self, path: &Path, stat: &FileStat) -> Option<Digests> {
        self.entries
            .remove(&key(path))
            .and_then(|e| e.trusted(stat))
    }
}

impl Reader {
    /// The cached digests of `path`, if its stat proves the content is what was hashed.
    pub fn cached_digests(&self, path: &Path, stat: &FileStat) -> Result<Option<Digests>> {
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {COLUMNS} FROM source_cache WHERE path = ?1"
        ))?;
        let found = stmt.query_row([key(path)], entry).optional()?;
        Ok(found.and_then(|(_, e)| e.trusted(stat)))
    }

    /// The cache entries of every file below `folder`.
    pub fn cached_folder(&self, folder: &Path) -> Result<Folder> {
        let prefix = format!("{}/", key(folder).trim_end_matches('/'));
        // All keys that start with the prefix: '/' + 1 is '0'.
        let end = format!("{}0", prefix.trim_end_matches('/'));
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM source_cache WHERE path >= ?1 AND path < ?2"
        ))?;
        let rows = stmt.query_map([&prefix, &end], entry)?;
        Ok(Folder {
            entries: rows.collect::<rusqlite::Result<_>>()?,
        })
    }
}

impl Tx<'_> {
    /// Remembers the digests of `path` as it was when `stat` was taken (before it was read).
    pub fn remember_digests(
        &self,
        path: &Path,
        stat: &FileStat,
        digests: &Digests,
        hashed_at: Timestamp,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT OR REPLACE INTO source_cache (path, dev, ino, size, mtime, ctime, md5, blake3, hashed_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        stmt.execute(params![
            key(path),
            stat.dev as i64,
            stat.ino as i64,
            stat.size,
            stat.mtime,
            stat.ctime,
            digests.md5,
            digests.blake3,
            hashed_at.0
        ])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn trusted_only_when_every_field_matches_and_the_file_had_settled() {
        let dir = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&dir.path().join("c.db"), true).unwrap();
        let file = dir.path().join("w.bin");
        std::fs::write(&file, b"weights").unwrap();
        let stat = FileStat::of(&std::fs::metadata(&file).unwrap());
        let digests = Digests {
            md5: "m".into(),
            blake3: "b".into(),
        };
        // Hashed right after the last change: racy, never trusted.
        catalog
            .write(|tx| tx.remember_digests(&file, &stat, &digests, Timestamp(stat.ctime + 10)))
            .unwrap();
        assert_eq!(catalog.cached_digests(&file, &stat).unwrap(), None);
        // Hashed well after (past both windows: a ctime on a whole second gets the coarse one):
        // trusted while the stat matches.
        let later = Timestamp(stat.ctime + 2 * RACY_COARSE_NS);
        catalog
            .write(|tx| tx.remember_digests(&file, &stat, &digests, later))
            .unwrap();
        assert_eq!(
            catalog.cached_digests(&file, &stat).unwrap(),
            Some(digests.clone())
        );
        let mut folder = catalog.cached_folder(dir.path()).unwrap();
        assert_eq!(folder.lookup(&file, &stat), Some(digests.clone()));
        assert!(
            catalog
                .cached_folder(&dir.path().join("w"))
                .unwrap()
                .entries
                .is_empty(),
            "w/ is not w.bin"
        );
        for changed in [
            FileStat { size: 8, ..stat },
            FileStat {
                mtime: stat.mtime + 1,
                ..stat
            },
            FileStat {
                ctime: stat.ctime + 1,
                ..stat
            },
            FileStat {
                ino: stat.ino + 1,
                ..stat
            },
        ] {
            assert_eq!(
                catalog.cached_digests(&file, &changed).unwrap(),
                None,
                "{changed:?}"
            );
        }
    }
}
