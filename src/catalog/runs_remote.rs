//! What a cache of an object-store center knows of the runs in its bucket: how far each
//! model's run log is applied (`run_logs`, and its holes), each run's place in the log, its
//! chunks of points (loaded on demand) and whether a segment it could not read harmed it.

use std::collections::BTreeMap;

use anyhow::Result;
use rusqlite::{OptionalExtension, params};

use super::runs::Summary;
use super::{Reader, Tx};
use crate::time::Timestamp;
use crate::values::RunStatus;

/// How far a model's run log is applied.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunLogState {
    /// The last segment applied (0: none) and its ETag then.
    pub seq: u64,
    pub etag: String,
}

/// A run's place in its model's log, as this cache has it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunRemote {
    /// The last segment applied that touched the run.
    pub last_seq: u64,
    /// Every chunk the run has is in `metrics`.
    pub points_loaded: bool,
    /// Why this cache can't read the run on (a segment of it was damaged).
    pub damaged: Option<String>,
}

/// A chunk of a run's points in the bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChunkRow {
    pub blake3: String,
    pub size: u64,
    pub points: u64,
}

impl Reader {
    pub fn run_log(&self, model: &str) -> Result<RunLogState> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT seq, etag FROM run_logs WHERE model = ?1")?;
        let state = stmt
            .query_row([model], |r| {
                Ok(RunLogState {
                    seq: r.get(0)?,
                    etag: r.get(1)?,
                })
            })
            .optional()?;
        Ok(state.unwrap_or_default())
    }

    /// The newest index of the model's run log this cache knows (0: none).
    pub fn run_index_seq(&self, model: &str) -> Result<u64> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT index_seq FROM run_logs WHERE model = ?1")?;
        Ok(stmt
            .query_row([model], |r| r.get(0))
            .optional()?
            .unwrap_or(0))
    }

    /// The highest step of each key of the run in the bucket: key -> step.
    pub fn remote_his(&self, run_id: i64) -> Result<BTreeMap<String, i64>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT k.name, x.hi FROM run_keys_remote x JOIN metric_keys k ON k.id = x.key_id
             WHERE x.run_id = ?1",
        )?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The segments of a model's run log this cache could not read: seq -> why.
    pub fn run_log_holes(&self, model: &str) -> Result<BTreeMap<u64, String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT seq, why FROM run_log_holes WHERE model = ?1")?;
        let rows = stmt.query_map([model], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn run_remote(&self, run_id: i64) -> Result<RunRemote> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT last_seq, points_loaded, damaged FROM run_remote WHERE run_id = ?1",
        )?;
        let found = stmt
            .query_row([run_id], |r| {
                Ok(RunRemote {
                    last_seq: r.get(0)?,
                    points_loaded: r.get(1)?,
                    damaged: r.get(2)?,
                })
            })
            .optional()?;
        Ok(found.unwrap_or(RunRemote {
            points_loaded: true,
            ..RunRemote::default()
        }))
    }

    /// The damaged runs of a model: (owner, name, why).
    pub fn damaged_runs(&self, model_id: i64) -> Result<Vec<(String, String, String)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT r.owner, r.name, x.damaged FROM runs r JOIN run_remote x ON x.run_id = r.id
             WHERE r.model_id = ?1 AND x.damaged IS NOT NULL ORDER BY r.owner, r.name",
        )?;
        let rows = stmt.query_map([model_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A run's chunks in log order.
    pub fn run_chunks(&self, run_id: i64) -> Result<Vec<ChunkRow>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT blake3, size, points FROM run_chunks WHERE run_id = ?1 ORDER BY ord",
        )?;
        let rows = stmt.query_map([run_id], |r| {
            Ok(ChunkRow {
                blake3: r.get(0)?,
                size: r.get(1)?,
                points: r.get(2)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The highest step of a run's key in the bucket's chunks (`None`: no point there yet).
    pub fn remote_hi(&self, run_id: i64, key_id: i64) -> Result<Option<i64>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT hi FROM run_keys_remote WHERE run_id = ?1 AND key_id = ?2")?;
        Ok(stmt.query_row([run_id, key_id], |r| r.get(0)).optional()?)
    }

    /// The runs of a model (all models: `None`) whose points are not all loaded and that have
    /// a summary only the points can set right.
    pub fn runs_with_stale_summaries(&self, model: Option<&str>) -> Result<Vec<i64>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT DISTINCT s.run_id FROM metric_summaries s JOIN runs r ON r.id = s.run_id
             JOIN models m ON m.id = r.model_id
             WHERE s.stale = 1 AND (?1 IS NULL OR m.name = ?1)",
        )?;
        let rows = stmt.query_map([model], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Tx<'_> {
    /// Runs `f` inside a savepoint: what it wrote is undone when it fails, and the
    /// transaction goes on.
    pub fn attempt<T, E>(
        &self,
        f: impl FnOnce(&Tx) -> std::result::Result<T, E>,
    ) -> Result<std::result::Result<T, E>> {
        self.conn().execute_batch("SAVEPOINT attempt")?;
        let outcome = f(self);
        match outcome {
            Ok(_) => self.conn().execute_batch("RELEASE attempt")?,
            Err(_) => self
                .conn()
                .execute_batch("ROLLBACK TO attempt; RELEASE attempt")?,
        }
        Ok(outcome)
    }

    /// Whether the model has a version.
    pub fn has_versions(&self, model_id: i64) -> Result<bool> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT 1 FROM versions WHERE model_id = ?1")?;
        Ok(stmt.exists([model_id])?)
    }

    pub fn set_run_log(&self, model: &str, seq: u64, etag: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO run_logs (model, seq, etag) VALUES (?1, ?2, ?3)
             ON CONFLICT (model) DO UPDATE SET seq = excluded.seq, etag = excluded.etag
             WHERE excluded.seq > run_logs.seq",
            params![model, seq, etag],
        )?;
        Ok(())
    }

    /// Notes the newest index of the model's run log (it never goes back).
    pub fn set_run_index(&self, model: &str, seq: u64) -> Result<()> {
        self.conn().execute(
            "UPDATE run_logs SET index_seq = max(index_seq, ?2) WHERE model = ?1",
            params![model, seq],
        )?;
        Ok(())
    }

    pub fn add_run_log_hole(&self, model: &str, seq: u64, why: &str) -> Result<()> {
        self.conn().execute(
            "INSERT OR REPLACE INTO run_log_holes (model, seq, why) VALUES (?1, ?2, ?3)",
            params![model, seq, why],
        )?;
        Ok(())
    }

    /// Forgets the runs of the model and how far its log was read, to read it again. A run
    /// with records waiting to be uploaded is kept, with what this cache recorded of it, but
    /// what it knew of the bucket's copy is forgotten too.
    pub fn forget_run_log(&self, model: &str) -> Result<()> {
        let conn = self.conn();
        let of_model = "SELECT r.id FROM runs r JOIN models m ON m.id = r.model_id
             WHERE m.name = ?1";
        conn.execute(
            &format!(
                "DELETE FROM runs WHERE id IN ({of_model}) AND NOT EXISTS (SELECT 1 FROM run_outbox o
                 WHERE o.model = ?1 AND o.owner = runs.owner AND o.run = runs.name)"
            ),
            [model],
        )?;
        for table in ["run_chunks", "run_remote", "run_keys_remote"] {
            conn.execute(
                &format!("DELETE FROM {table} WHERE run_id IN ({of_model})"),
                [model],
            )?;
        }
        conn.execute(
            &format!("UPDATE metric_summaries SET stale = 1 WHERE run_id IN ({of_model})"),
            [model],
        )?;
        conn.execute(
            &format!(
                "INSERT INTO run_remote (run_id, points_loaded) SELECT id, 0 FROM ({of_model})"
            ),
            [model],
        )?;
        conn.execute("DELETE FROM run_logs WHERE model = ?1", [model])?;
        conn.execute("DELETE FROM run_log_holes WHERE model = ?1", [model])?;
        Ok(())
    }

    /// A run as a segment starts it: created with the time and host its writer gave, unless it
    /// exists. Returns its id and whether it was made.
    pub fn ensure_run_started(
        &self,
        model_id: i64,
        owner: &str,
        name: &str,
        started_at: Timestamp,
        host: &str,
    ) -> Result<(i64, bool)> {
        let made = self.conn().execute(
            "INSERT INTO runs (model_id, owner, name, status, started_at, host)
             VALUES (?1, ?2, ?3, 'running', ?4, ?5)
             ON CONFLICT (model_id, owner, name) DO NOTHING",
            params![model_id, owner, name, started_at.0, host],
        )?;
        let id = self.conn().query_row(
            "SELECT id FROM runs WHERE model_id = ?1 AND owner = ?2 AND name = ?3",
            params![model_id, owner, name],
            |r| r.get(0),
        )?;
        Ok((id, made > 0))
    }

    /// [`Tx::end_run`] with the time its writer gave.
    pub fn end_run_at(
        &self,
        run_id: i64,
        status: RunStatus,
        exit_code: Option<i64>,
        ended_at: Option<Timestamp>,
    ) -> Result<()> {
        self.conn().execute(
            "UPDATE runs SET status = ?2, exit_code = ?3, ended_at = ?4 WHERE id = ?1",
            params![run_id, status.as_str(), exit_code, ended_at.map(|t| t.0)],
        )?;
        Ok(())
    }

    pub fn set_run_seq(&self, run_id: i64, seq: u64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO run_remote (run_id, last_seq) VALUES (?1, ?2)
             ON CONFLICT (run_id) DO UPDATE SET last_seq = excluded.last_seq",
            params![run_id, seq],
        )?;
        Ok(())
    }

    pub fn set_run_damaged(&self, run_id: i64, why: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO run_remote (run_id, damaged) VALUES (?1, ?2)
             ON CONFLICT (run_id) DO UPDATE SET damaged = excluded.damaged",
            params![run_id, why],
        )?;
        Ok(())
    }

    pub fn set_points_loaded(&self, run_id: i64, loaded: bool) -> Result<()> {
        self.conn().execute(
            "INSERT INTO run_remote (run_id, points_loaded) VALUES (?1, ?2)
             ON CONFLICT (run_id) DO UPDATE SET points_loaded = excluded.points_loaded",
            params![run_id, loaded],
        )?;
        Ok(())
    }

    /// Adds a chunk after the run's others.
    pub fn add_run_chunk(&self, run_id: i64, chunk: &ChunkRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO run_chunks (run_id, ord, blake3, size, points)
             VALUES (?1, (SELECT coalesce(max(ord), 0) + 1 FROM run_chunks WHERE run_id = ?1),
                     ?2, ?3, ?4)",
            params![run_id, chunk.blake3, chunk.size, chunk.points],
        )?;
        Ok(())
    }

    /// Folds a chunk's summary of one key into the run's. Only a chunk whose steps all come
    /// after the run's last one can be folded without the points; otherwise the summary is
    /// marked stale, to be recomputed once the points are loaded.
    pub fn merge_summary(
        &self,
        run_id: i64,
        key_id: i64,
        add: &Summary,
        first_step: i64,
        ascending: bool,
    ) -> Result<()> {
        let stale: bool = self
            .conn()
            .query_row(
                "SELECT stale FROM metric_summaries WHERE run_id = ?1 AND key_id = ?2",
                params![run_id, key_id],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or(false);
        let old = self.summary(run_id, key_id)?;
        let merged = match old.clone() {
            None if ascending => Some(add.clone()),
            Some(old) if ascending && !stale && first_step > old.last_step => Some(Summary {
                count: old.count + add.count,
                last_step: add.last_step,
                last_value: add.last_value,
                min: better(old.min, add.min, |new, old| new < old),
                max: better(old.max, add.max, |new, old| new > old),
            }),
            _ => None,
        };
        if let Some(summary) = merged {
            return self.put_summary(run_id, key_id, &summary);
        }
        self.put_summary(run_id, key_id, &old.unwrap_or_else(|| add.clone()))?;
        self.conn().execute(
            "UPDATE metric_summaries SET stale = 1 WHERE run_id = ?1 AND key_id = ?2",
            params![run_id, key_id],
        )?;
        Ok(())
    }

    /// Notes that the bucket has a point of the run's key at `step`.
    pub fn raise_remote_hi(&self, run_id: i64, key_id: i64, step: i64) -> Result<()> {
        self.conn().execute(
            "INSERT INTO run_keys_remote (run_id, key_id, hi) VALUES (?1, ?2, ?3)
             ON CONFLICT (run_id, key_id) DO UPDATE SET hi = max(hi, excluded.hi)",
            params![run_id, key_id, step],
        )?;
        Ok(())
    }

    /// The cache's points of the run are not the bucket's (their steps moved at upload): they
    /// are loaded again, and the summaries set right, when next wanted.
    pub fn mark_points_stale(&self, run_id: i64) -> Result<()> {
        self.set_points_loaded(run_id, false)?;
        self.conn().execute(
            "UPDATE metric_summaries SET stale = 1 WHERE run_id = ?1",
            [run_id],
        )?;
        Ok(())
    }

    /// Sets a param to the value the bucket has (another writer's came first).
    pub fn replace_param(&self, run_id: i64, key: &str, value: &str, kind: &str) -> Result<()> {
        self.conn().execute(
            "UPDATE params SET value = ?3, kind = ?4 WHERE run_id = ?1 AND key = ?2",
            params![run_id, key, value, kind],
        )?;
        Ok(())
    }

    /// Empties a run's points, to load them again from its chunks.
    pub fn clear_points(&self, run_id: i64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM metrics WHERE run_id = ?1", [run_id])?;
        Ok(())
    }

    /// Recomputes every summary of the run from its points (and clears `stale`).
    pub fn recompute_summaries(&self, run_id: i64) -> Result<()> {
        let key_ids: Vec<i64> = {
            let mut stmt = self
                .conn()
                .prepare_cached("SELECT DISTINCT key_id FROM metrics WHERE run_id = ?1")?;
            let rows = stmt.query_map([run_id], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        self.conn()
            .execute("DELETE FROM metric_summaries WHERE run_id = ?1", [run_id])?;
        for key_id in key_ids {
            let summary = self.recompute_summary(run_id, key_id)?;
            self.put_summary(run_id, key_id, &summary)?;
        }
        Ok(())
    }
}

/// The better of two (value, step) extremes; the earlier one on a tie, as the points would say.
fn better(
    old: Option<(f64, i64)>,
    new: Option<(f64, i64)>,
    wins: fn(f64, f64) -> bool,
) -> Option<(f64, i64)> {
    match (old, new) {
        (Some(o), Some(n)) if wins(n.0, o.0) => Some(n),
        (None, n) => n,
        (o, _) => o,
    }
}
