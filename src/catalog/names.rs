//! The names a shell completes (models, a model's versions, aliases and runs), read from a
//! catalog opened only to read: a completion must change nothing on disk.

use std::path::Path;

use anyhow::{Result, bail};

use super::{Catalog, Reader, open_read_only, unshared};

impl Catalog {
    /// Opens the catalog at `path` to read, and nothing else: no file is created (a missing
    /// catalog is an error), its schema is not migrated and its journal mode is left alone.
    /// When the catalog has no WAL beside it (no process has it open to write), it is read as
    /// immutable, so not even SQLite's shared-memory file appears.
    pub fn peek(path: &Path) -> Result<Catalog> {
        if !path.is_file() {
            bail!("no catalog at {}", path.display());
        }
        open_read_only(path, "it is opened only to read", unshared(path))
    }
}

impl Reader {
    /// Every model's name, sorted.
    pub fn model_names(&self) -> Result<Vec<String>> {
        self.names("SELECT name FROM models ORDER BY name", [])
    }

    /// The names of a model's versions (unsorted).
    pub fn version_names(&self, model: &str) -> Result<Vec<String>> {
        let sql = "SELECT v.name FROM versions v JOIN models m ON m.id = v.model_id
                   WHERE m.name = ?1";
        self.names(sql, [model])
    }

    /// The owner and name of each of a model's runs, newest first.
    pub fn run_names(&self, model: &str) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn().prepare(
            "SELECT r.owner, r.name FROM runs r JOIN models m ON m.id = r.model_id
             WHERE m.name = ?1 ORDER BY r.started_at DESC, r.id DESC",
        )?;
        let rows = stmt.query_map([model], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    fn names<P: rusqlite::Params>(&self, sql: &str, params: P) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare(sql)?;
        let rows = stmt.query_map(params, |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    #[test]
    fn peek_reads_names_and_writes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("catalog.db");
        assert!(Catalog::peek(&path).is_err());
        assert!(!path.exists(), "a missing catalog is not created");
        let mut catalog = Catalog::open(&path, true).unwrap();
        catalog
            .write(|tx| {
                let now = Timestamp(1);
                for name in ["b", "a"] {
                    let model = tx.ensure_model(name, now)?;
                    tx.ensure_version(model.id, "1.10", now)?;
                    tx.ensure_version(model.id, "1.2", now)?;
                }
                Ok(())
            })
            .unwrap();
        drop(catalog);
        let files = || {
            let mut names: Vec<_> = std::fs::read_dir(dir.path())
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            names
        };
        let before = files();
        let peeked = Catalog::peek(&path).unwrap();
        assert_eq!(peeked.model_names().unwrap(), ["a", "b"]);
        let mut versions = peeked.version_names("a").unwrap();
        versions.sort();
        assert_eq!(versions, ["1.10", "1.2"]);
        assert!(peeked.version_names("c").unwrap().is_empty());
        assert!(peeked.run_names("a").unwrap().is_empty());
        drop(peeked);
        assert_eq!(before, files(), "no file appeared beside the catalog");
    }
}
