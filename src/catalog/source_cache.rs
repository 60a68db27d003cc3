//! The source stat cache: the digests import computed for a source file, with the file's stat
//! at that moment. A later import of the same path trusts them instead of rereading the file
//! only when device, inode, size, mtime and ctime (which no tool can set back) all match, and
//! the file had last changed well before it was hashed — the way git guards against "racy"
//! changes within one timestamp tick: 20 ms where the filesystem keeps sub-second times (the
//! kernel's clock tick is at most 10 ms), 2 s where it keeps whole seconds.

use std::fs::Metadata;
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use anyhow::Result;
use rusqlite::{Connection, OptionalExtension, params};

use crate::center::hashing::Digests;
use crate::time::Timestamp;

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

/// The cached digests of `path`, if its stat proves the content is what was hashed.
pub fn lookup(conn: &Connection, path: &Path, stat: &FileStat) -> Result<Option<Digests>> {
    let mut stmt = conn.prepare_cached(
        "SELECT dev, ino, size, mtime, ctime, md5, blake3, hashed_at FROM source_cache WHERE path = ?1",
    )?;
    let row = stmt
        .query_row([key(path)], |r| {
            let cached = FileStat {
                dev: r.get::<_, i64>(0)? as u64,
                ino: r.get::<_, i64>(1)? as u64,
                size: r.get(2)?,
                mtime: r.get(3)?,
                ctime: r.get(4)?,
            };
            Ok((
                cached,
                Digests {
                    md5: r.get(5)?,
                    blake3: r.get(6)?,
                },
                r.get::<_, i64>(7)?,
            ))
        })
        .optional()?;
    Ok(row.and_then(|(cached, digests, hashed_at)| {
        let window = if stat.ctime % 1_000_000_000 == 0 {
            RACY_COARSE_NS
        } else {
            RACY_NS
        };
        let settled = stat.mtime.max(stat.ctime).saturating_add(window) < hashed_at;
        (cached == *stat && settled).then_some(digests)
    }))
}

/// Remembers the digests of `path` as it was when `stat` was taken (before it was read).
pub fn remember(
    conn: &Connection,
    path: &Path,
    stat: &FileStat,
    digests: &Digests,
    hashed_at: Timestamp,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;

    #[test]
    fn trusted_only_when_every_field_matches_and_the_file_had_settled() {
        let dir = tempfile::tempdir().unwrap();
        let catalog = Catalog::open(&dir.path().join("c.db"), true).unwrap();
        let file = dir.path().join("w.bin");
        std::fs::write(&file, b"weights").unwrap();
        let stat = FileStat::of(&std::fs::metadata(&file).unwrap());
        let digests = Digests {
            md5: "m".into(),
            blake3: "b".into(),
        };
        let conn = catalog.conn();
        // Hashed right after the last change: racy, never trusted.
        remember(conn, &file, &stat, &digests, Timestamp(stat.ctime + 10)).unwrap();
        assert_eq!(lookup(conn, &file, &stat).unwrap(), None);
        // Hashed well after: trusted while the stat matches.
        remember(
            conn,
            &file,
            &stat,
            &digests,
            Timestamp(stat.ctime + 2 * RACY_NS),
        )
        .unwrap();
        assert_eq!(lookup(conn, &file, &stat).unwrap(), Some(digests.clone()));
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
            assert_eq!(lookup(conn, &file, &changed).unwrap(), None, "{changed:?}");
        }
    }
}
