//! A catalog that caches a remote truth (a center in object storage). While a write runs, its
//! changes to models, versions and files are recorded, and before the transaction commits they
//! are handed to the [`Remote`], which commits them remotely first: when it fails, the
//! transaction rolls back and the cache stays as the remote has it.

use std::collections::{BTreeMap, HashMap};

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use super::{FileRow, Reader, Tx};
use crate::time::Timestamp;

/// One change a write made to the catalog, in the order it made them.
#[derive(Clone, Debug, PartialEq)]
pub enum Change {
    /// A version was made (by `register`, or the first import into it), at `at`.
    CreateVersion {
        model: String,
        version: String,
        at: Timestamp,
    },
    /// The version's description or tags changed; these are all of them now.
    DescribeVersion {
        model: String,
        version: String,
        description: Option<String>,
        tags: BTreeMap<String, String>,
    },
    /// A file was stored; `replaced` when it took the place of other content, or was meant to
    /// take the place of whatever is there (`--force`).
    PutFile {
        file: FileRow,
        replaced: bool,
    },
    DeleteFile {
        model: String,
        version: String,
        path: String,
    },
    DropVersion {
        model: String,
        version: String,
    },
    DropModel {
        model: String,
    },
    /// An alias was pointed at the version (`removed: false`), or taken off it.
    MoveAlias {
        model: String,
        version: String,
        alias: String,
        removed: bool,
        at: Timestamp,
    },
}

/// Where a caching catalog's writes are committed first.
pub trait Remote: Send {
    /// Commits `changes` remotely. It runs inside the transaction, before the commit; an error
    /// rolls the transaction back. It may write to `tx` (what others changed meanwhile, how far
    /// the remote log is applied); those writes are not recorded as changes.
    fn publish(&self, tx: &Tx, changes: Vec<Change>) -> Result<()>;
}

/// How far a version's remote log is applied in this cache.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LogState {
    /// The last segment applied (0: none).
    pub seq: u64,
    /// The last segment applied that dropped the version (0: none): the log reads from there.
    pub restart: u64,
    /// The ETag of segment `seq` when it was applied.
    pub etag: String,
}

impl Reader {
    /// How far each version's remote log has been applied: (model, version) -> state.
    pub fn remote_logs(&self) -> Result<HashMap<(String, String), LogState>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT model, version, seq, restart, etag FROM remote_logs")?;
        let rows = stmt.query_map([], |r| {
            let state = LogState {
                seq: r.get(2)?,
                restart: r.get(3)?,
                etag: r.get(4)?,
            };
            Ok(((r.get(0)?, r.get(1)?), state))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The last segment of the version's remote log applied here (0: none).
    pub fn remote_log(&self, model: &str, version: &str) -> Result<u64> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT seq FROM remote_logs WHERE model = ?1 AND version = ?2")?;
        let seq = stmt
            .query_row(params![model, version], |r| r.get(0))
            .optional()?;
        Ok(seq.unwrap_or(0))
    }
}

impl Tx<'_> {
    /// Records that the version's remote log is applied up to segment `seq` (with `etag`),
    /// which `drops` the version (or not). A log never goes back: an older `seq` (another
    /// process applied more meanwhile) changes nothing.
    pub fn set_remote_log(
        &self,
        model: &str,
        version: &str,
        seq: u64,
        etag: &str,
        drops: bool,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO remote_logs (model, version, seq, restart, etag)
             VALUES (?1, ?2, ?3, CASE WHEN ?5 THEN ?3 ELSE 0 END, ?4)
             ON CONFLICT (model, version) DO UPDATE SET seq = excluded.seq,
                etag = excluded.etag,
                restart = CASE WHEN ?5 THEN excluded.seq ELSE restart END
             WHERE excluded.seq > remote_logs.seq",
            params![model, version, seq, etag, drops],
        )?;
        Ok(())
    }

    /// Forgets how far the version's remote log is applied, to read it again from the start.
    pub fn forget_remote_log(&self, model: &str, version: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM remote_logs WHERE model = ?1 AND version = ?2",
            params![model, version],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::catalog::{Catalog, NewFile, Scope};
    use crate::time::Timestamp;
    use crate::values::Digests;

    /// Keeps what it is handed, and refuses when told to.
    struct Recorder {
        seen: Arc<Mutex<Vec<Change>>>,
        refuse: bool,
    }

    impl Remote for Recorder {
        fn publish(&self, _tx: &Tx, changes: Vec<Change>) -> Result<()> {
            if self.refuse {
                anyhow::bail!("the remote refused");
            }
            self.seen.lock().unwrap().extend(changes);
            Ok(())
        }
    }

    fn caching(refuse: bool) -> (tempfile::TempDir, Catalog, Arc<Mutex<Vec<Change>>>) {
        let dir = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&dir.path().join("catalog.db"), true).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let remote = Recorder {
            seen: Arc::clone(&seen),
            refuse,
        };
        catalog.set_remote(Box::new(remote));
        (dir, catalog, seen)
    }

    fn put(catalog: &mut Catalog, path: &str, tag: &str) -> Result<()> {
        let digests = Digests {
            md5: format!("md5-{tag}"),
            blake3: format!("b3-{tag}"),
        };
        catalog.write(|tx| {
            let m = tx.ensure_model("m", Timestamp(1))?;
            let v = tx.ensure_version(m.id, "1", Timestamp(1))?;
            let file = NewFile {
                path,
                size: 3,
                digests: &digests,
                modified_at: Timestamp(2),
                location: Some("pack@7"),
                replaces: false,
            };
            tx.upsert_file(v.id, &file, Timestamp(3))
        })
    }

    #[test]
    fn a_write_hands_its_changes_to_the_remote_in_order() {
        let (_dir, mut catalog, seen) = caching(false);
        put(&mut catalog, "a.bin", "1").unwrap();
        put(&mut catalog, "a.bin", "2").unwrap();
        let seen = seen.lock().unwrap().clone();
        let [create, first, second] = seen.as_slice() else {
            panic!("three changes expected: {seen:?}");
        };
        assert_eq!(
            *create,
            Change::CreateVersion {
                model: "m".into(),
                version: "1".into(),
                at: Timestamp(1)
            }
        );
        let Change::PutFile { file, replaced } = first else {
            panic!("{first:?}");
        };
        assert_eq!((file.path.as_str(), *replaced), ("a.bin", false));
        assert_eq!(file.location.as_deref(), Some("pack@7"));
        let Change::PutFile { file, replaced } = second else {
            panic!("{second:?}");
        };
        assert_eq!((file.blake3.as_str(), *replaced), ("b3-2", true));
    }

    #[test]
    fn a_remote_that_refuses_rolls_the_write_back() {
        let (_dir, mut catalog, _seen) = caching(true);
        let err = put(&mut catalog, "a.bin", "1").unwrap_err();
        assert!(err.to_string().contains("refused"), "{err}");
        assert!(catalog.model("m").unwrap().is_none());
        assert!(catalog.files(Scope::default()).unwrap().is_empty());
    }
}
