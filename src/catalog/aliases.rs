//! Aliases of a model's versions (`@prod` → `1.2`), and every move of each, with who and when.
//! `@latest` is not stored: it is the newest version.

use anyhow::Result;
use rusqlite::{OptionalExtension, params};
use serde::Serialize;

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

    /// Every move of the model's aliases (of one, with `alias`), oldest first.
    pub fn alias_moves(&self, model_id: i64, alias: Option<&str>) -> Result<Vec<AliasMove>> {
        let mut stmt = self.conn().prepare(
            "SELECT name, version, at, by FROM alias_moves
             WHERE model_id = ?1 AND (?2 IS NULL OR name = ?2) ORDER BY id",
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

    /// The runs that produced a version, as `OWNER/RUN`, oldest first.
    pub fn runs_of_version(&self, version_id: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT owner || '/' || name FROM runs WHERE version_id = ?1 ORDER BY started_at",
        )?;
        let rows = stmt.query_map([version_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The model's newest version (the last made; of those made at once, the last numbered).
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
    /// Points `alias` at `version` and logs the move. Returns the version it named before;
    /// nothing is written when it names `version` already.
    pub fn set_alias(
        &self,
        model_id: i64,
        alias: &str,
        version: &VersionRow,
        at: Timestamp,
        by: &str,
    ) -> Result<Option<String>> {
        let before = self.alias(model_id, alias)?;
        if before.as_deref() == Some(version.name.as_str()) {
            return Ok(before);
        }
        self.conn().execute(
            "INSERT INTO aliases (model_id, name, version_id, set_at, set_by)
             VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (model_id, name) DO UPDATE SET version_id = ?3, set_at = ?4, set_by = ?5",
            params![model_id, alias, version.id, at.0, by],
        )?;
        self.log_move(model_id, alias, Some(&version.name), at, by)?;
        Ok(before)
    }

    /// Removes `alias` and logs it. Returns the version it named, if it existed.
    pub fn remove_alias(
        &self,
        model_id: i64,
        alias: &str,
        at: Timestamp,
        by: &str,
    ) -> Result<Option<String>> {
        let before = self.alias(model_id, alias)?;
        if before.is_some() {
            self.conn().execute(
                "DELETE FROM aliases WHERE model_id = ?1 AND name = ?2",
                params![model_id, alias],
            )?;
            self.log_move(model_id, alias, None, at, by)?;
        }
        Ok(before)
    }

    fn log_move(
        &self,
        model_id: i64,
        alias: &str,
        version: Option<&str>,
        at: Timestamp,
        by: &str,
    ) -> Result<()> {
        self.conn().execute(
            "INSERT INTO alias_moves (model_id, name, version, at, by) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![model_id, alias, version, at.0, by],
        )?;
        Ok(())
    }
}
