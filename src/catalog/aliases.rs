//! Aliases of a model's versions (`@prod` → `1.2`), and every move of each, with who and when.
//! `@latest` is not stored: it is the newest version.

use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::remote::Change;
use super::{Reader, Tx, VersionRow, ts};
use crate::time::Timestamp;

/// An alias and the version it names now.
#[derive(Clone, Debug, Serialize)]
pub struct AliasRow {
    pub alias: String,
    pub version: String,
    pub set_at: Timestamp,
    pub set_by: String,
}

/// One move of an alias: to `version`, or removed (`None`).
#[derive(Clone, Debug, Serialize)]
pub struct AliasMove {
    pub alias: String,
    pub version: Option<String>,
    pub at: Timestamp,
    pub by: String,
}

impl Reader {
    /// The version `alias` names in the model, if it names one.
    pub fn alias(&self, model_id: i64, alias: &str) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT v.name FROM aliases a JOIN versions v ON v.id = a.version_id
                 WHERE a.model_id = ?1 AND a.name = ?2",
                params![model_id, alias],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The model's aliases, by name.
    pub fn aliases(&self, model_id: i64) -> Result<Vec<AliasRow>> {
        let mut stmt = self.conn().prepare(
            "SELECT a.name, v.name, a.set_at, a.set_by FROM aliases a
             JOIN versions v ON v.id = a.version_id WHERE a.model_id = ?1 ORDER BY a.name",
        )?;
        let rows = stmt.query_map([model_id], |r| {
            Ok(AliasRow {
                alias: r.get(0)?,
                version: r.get(1)?,
                set_at: ts(r, 2)?,
                set_by: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every move of the model's aliases (of one, with `alias`), oldest first (by the time
    /// of the move: a bucket's moves are read in no particular order).
    pub fn alias_moves(&self, model_id: i64, alias: Option<&str>) -> Result<Vec<AliasMove>> {
        let mut stmt = self.conn().prepare(
            "SELECT name, version, at, by FROM alias_moves
             WHERE model_id = ?1 AND (?2 IS NULL OR name = ?2) ORDER BY at, by, id",
        )?;
        let rows = stmt.query_map(params![model_id, alias], |r| {
            Ok(AliasMove {
                alias: r.get(0)?,
                version: r.get(1)?,
                at: ts(r, 2)?,
                by: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The aliases that name a version.
    pub fn aliases_of_version(&self, version_id: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT name FROM aliases WHERE version_id = ?1")?;
        let rows = stmt.query_map([version_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The model's newest version (the last made; of those made at once, the last inserted).
    pub fn latest_version(&self, model_id: i64) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT name FROM versions WHERE model_id = ?1
                 ORDER BY created_at DESC, id DESC LIMIT 1",
                [model_id],
                |r| r.get(0),
            )
            .optional()?)
    }
}

impl Tx<'_> {
    /// Points `alias` at `version` (a move dated after every earlier move of the alias, so it is
    /// the latest on every machine). Returns the version it named before; nothing is written
    /// when it names `version` already.
    pub fn set_alias(
        &self,
        model_id: i64,
        alias: &str,
        version: &VersionRow,
        now: Timestamp,
        by: &str,
    ) -> Result<Option<String>> {
        let before = self.alias(model_id, alias)?;
        if before.as_deref() != Some(version.name.as_str()) {
            self.move_alias(model_id, alias, &version.name, false, now, by)?;
        }
        Ok(before)
    }

    /// Removes `alias`. Returns the version it named, if it existed.
    pub fn remove_alias(
        &self,
        model_id: i64,
        alias: &str,
        now: Timestamp,
        by: &str,
    ) -> Result<Option<String>> {
        let before = self.alias(model_id, alias)?;
        if let Some(version) = &before {
            self.move_alias(model_id, alias, version, true, now, by)?;
        }
        Ok(before)
    }

    /// Logs a move of ours and, for a bucket center's cache, journals it into the log of the
    /// version it is about.
    fn move_alias(
        &self,
        model_id: i64,
        alias: &str,
        version: &str,
        removed: bool,
        now: Timestamp,
        by: &str,
    ) -> Result<()> {
        let last: Option<i64> = self.conn().query_row(
            "SELECT max(at) FROM alias_moves WHERE model_id = ?1 AND name = ?2",
            params![model_id, alias],
            |r| r.get(0),
        )?;
        let at = Timestamp(last.map_or(now.0, |last| now.0.max(last + 1)));
        self.apply_alias_move(model_id, alias, version, removed, at, by)?;
        if self.journaling() {
            let model: String = self.conn().query_row(
                "SELECT name FROM models WHERE id = ?1",
                [model_id],
                |r| r.get(0),
            )?;
            self.record(Change::MoveAlias {
                model,
                version: version.to_string(),
                alias: alias.to_string(),
                removed,
                at,
            });
        }
        Ok(())
    }

    /// Adds a move to the history (once: a log read again adds nothing) and sets the alias
    /// from the history: the latest move by time (`at`, then `by`) names its version, unless
    /// it removed the alias, or the version is gone or was made again after it. So every
    /// cache agrees, whatever order it reads the versions' logs in.
    pub fn apply_alias_move(
        &self,
        model_id: i64,
        alias: &str,
        version: &str,
        removed: bool,
        at: Timestamp,
        by: &str,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO alias_moves (model_id, name, version, at, by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![model_id, alias, (!removed).then_some(version), at.0, by],
        )?;
        let latest: Option<(Option<String>, i64, String)> = self
            .conn()
            .query_row(
                "SELECT version, at, by FROM alias_moves WHERE model_id = ?1 AND name = ?2
                 ORDER BY at DESC, by DESC, id DESC LIMIT 1",
                params![model_id, alias],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let named = match latest {
            Some((Some(version), at, by)) => self
                .version(model_id, &version)?
                .filter(|v| v.created_at.0 <= at)
                .map(|v| (v.id, at, by)),
            _ => None,
        };
        match named {
            Some((version_id, at, by)) => self.conn().execute(
                "INSERT INTO aliases (model_id, name, version_id, set_at, set_by)
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (model_id, name)
                 DO UPDATE SET version_id = ?3, set_at = ?4, set_by = ?5",
                params![model_id, alias, version_id, at, by],
            )?,
            None => self.conn().execute(
                "DELETE FROM aliases WHERE model_id = ?1 AND name = ?2",
                params![model_id, alias],
            )?,
        };
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::Catalog;
    use super::*;

    /// Moves read from a bucket arrive in any order; the alias ends where the latest one put
    /// it, and the history is in time order.
    #[test]
    fn moves_applied_out_of_order_end_at_the_latest() {
        let dir = tempfile::tempdir().unwrap();
        let mut catalog = Catalog::open(&dir.path().join("catalog.db"), true).unwrap();
        catalog
            .write(|tx| {
                let m = tx.ensure_model("m", Timestamp(1))?;
                let v1 = tx.ensure_version(m.id, "1", Timestamp(1))?;
                let v2 = tx.ensure_version(m.id, "2", Timestamp(1))?;
                // Set to 2 at t=30 (read first), to 1 at t=10, removed from 1 at t=20.
                tx.apply_alias_move(m.id, "prod", &v2.name, false, Timestamp(30), "b@y")?;
                tx.apply_alias_move(m.id, "prod", &v1.name, false, Timestamp(10), "a@x")?;
                tx.apply_alias_move(m.id, "prod", &v1.name, true, Timestamp(20), "a@x")?;
                // Read twice (a log read again), a move is one move.
                tx.apply_alias_move(m.id, "prod", &v1.name, true, Timestamp(20), "a@x")?;
                assert_eq!(tx.alias(m.id, "prod")?.as_deref(), Some("2"));
                let history: Vec<Option<String>> = tx
                    .alias_moves(m.id, Some("prod"))?
                    .into_iter()
                    .map(|step| step.version)
                    .collect();
                assert_eq!(history, [Some("1".into()), None, Some("2".into())]);
                // A removal, later than the move, takes it off; a set earlier than that removal,
                // read after it, does not bring it back.
                tx.apply_alias_move(m.id, "prod", &v2.name, true, Timestamp(40), "a@x")?;
                tx.apply_alias_move(m.id, "prod", &v1.name, false, Timestamp(35), "c@z")?;
                assert_eq!(tx.alias(m.id, "prod")?, None);
                // A move of ours comes after every move read, whatever this clock says.
                tx.set_alias(m.id, "prod", &v1, Timestamp(5), "me@here")?;
                assert_eq!(tx.alias(m.id, "prod")?.as_deref(), Some("1"));
                let last = tx.alias_moves(m.id, Some("prod"))?.pop().unwrap();
                assert_eq!((last.at, last.by.as_str()), (Timestamp(41), "me@here"));
                Ok(())
            })
            .unwrap();
    }
}
