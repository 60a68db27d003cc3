//! Typed queries for training runs: runs, params, metric points and their summaries, as
//! methods of [`Reader`] (queries) and [`Tx`] (writes). Every statement is parameterised.

use std::collections::{BTreeMap, HashMap};

use anyhow::{Context, Result};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::run_outbox::Op;
use super::{Reader, Tx};
use crate::time::Timestamp;
use crate::values::{ParamKind, RunStatus};

#[derive(Clone, Debug, Serialize)]
pub struct RunRow {
    #[serde(skip)]
    pub id: i64,
    pub model: String,
    pub name: String,
    pub owner: String,
    pub status: RunStatus,
    pub started_at: Timestamp,
    pub ended_at: Option<Timestamp>,
    pub exit_code: Option<i64>,
    pub host: String,
    pub version: Option<String>,
    pub note: Option<String>,
    /// The command line when `mfile track` started the run.
    pub command: Option<Vec<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Param {
    pub value: String,
    pub kind: ParamKind,
}

/// One metric key of one run: count, last, min and max with their steps. `None` values are NaN
/// (for `last`) or "no finite value yet" (for `min`/`max`).
#[derive(Clone, Debug, Default)]
pub struct Summary {
    pub count: u64,
    pub last_step: i64,
    pub last_value: f64,
    pub min: Option<(f64, i64)>,
    pub max: Option<(f64, i64)>,
}

const RUN_COLUMNS: &str = "r.id, m.name, r.name, r.owner, r.status, r.started_at, r.ended_at,
        r.exit_code, r.host, v.name, r.note, r.command
     FROM runs r JOIN models m ON m.id = r.model_id LEFT JOIN versions v ON v.id = r.version_id";

fn run_row(r: &Row) -> rusqlite::Result<RunRow> {
    let command: Option<String> = r.get(11)?;
    Ok(RunRow {
        id: r.get(0)?,
        model: r.get(1)?,
        name: r.get(2)?,
        owner: r.get(3)?,
        status: r.get::<_, String>(4)?.parse().unwrap_or(RunStatus::Running),
        started_at: Timestamp(r.get(5)?),
        ended_at: r.get::<_, Option<i64>>(6)?.map(Timestamp),
        exit_code: r.get(7)?,
        host: r.get(8)?,
        version: r.get(9)?,
        note: r.get(10)?,
        command: command.and_then(|c| serde_json::from_str(&c).ok()),
    })
}

// ---- runs -------------------------------------------------------------------------------

impl Reader {
    /// The runs that produced a version, as `OWNER/RUN`, oldest first.
    pub fn runs_of_version(&self, version_id: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT owner || '/' || name FROM runs WHERE version_id = ?1 ORDER BY started_at",
        )?;
        let rows = stmt.query_map([version_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn run(&self, model_id: i64, owner: &str, name: &str) -> Result<Option<RunRow>> {
        let sql =
            format!("SELECT {RUN_COLUMNS} WHERE r.model_id = ?1 AND r.owner = ?2 AND r.name = ?3");
        Ok(self
            .conn()
            .query_row(&sql, params![model_id, owner, name], run_row)
            .optional()?)
    }

    pub fn run_by_id(&self, run_id: i64) -> Result<Option<RunRow>> {
        let sql = format!("SELECT {RUN_COLUMNS} WHERE r.id = ?1");
        Ok(self.conn().query_row(&sql, [run_id], run_row).optional()?)
    }

    /// Runs filtered by model, owner and status; newest first.
    pub fn runs(
        &self,
        model: Option<&str>,
        owner: Option<&str>,
        status: Option<RunStatus>,
    ) -> Result<Vec<RunRow>> {
        let sql = format!(
            "SELECT {RUN_COLUMNS}
             WHERE (?1 IS NULL OR m.name = ?1) AND (?2 IS NULL OR r.owner = ?2)
               AND (?3 IS NULL OR r.status = ?3)
             ORDER BY r.started_at DESC, r.id DESC"
        );
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(
            params![model, owner, status.map(RunStatus::as_str)],
            run_row,
        )?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The owners of a model's runs, sorted.
    pub fn run_owners(&self, model_id: i64) -> Result<Vec<String>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT DISTINCT owner FROM runs WHERE model_id = ?1 ORDER BY owner")?;
        let rows = stmt.query_map([model_id], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Tx<'_> {
    /// The run, created as `running` when it does not exist yet.
    pub fn ensure_run(
        &self,
        model_id: i64,
        owner: &str,
        name: &str,
        host: &str,
        now: Timestamp,
    ) -> Result<RunRow> {
        match self.create_run(model_id, owner, name, host, now)? {
            Some(run) => Ok(run),
            None => self
                .run(model_id, owner, name)?
                .context("a run that exists is missing"),
        }
    }

    /// A new run `name`, as `running`; None when the model already has a run of that name.
    fn create_run(
        &self,
        model_id: i64,
        owner: &str,
        name: &str,
        host: &str,
        now: Timestamp,
    ) -> Result<Option<RunRow>> {
        let made = self.conn().execute(
            "INSERT INTO runs (model_id, owner, name, status, started_at, host)
             VALUES (?1, ?2, ?3, 'running', ?4, ?5)
             ON CONFLICT (model_id, owner, name) DO NOTHING",
            params![model_id, owner, name, now.0, host],
        )?;
        if made == 0 {
            return Ok(None);
        }
        let run = self
            .run(model_id, owner, name)?
            .context("a run just inserted is missing")?;
        let host = host.to_string();
        self.queue(
            &run.model,
            owner,
            name,
            Op::Start {
                started_at: now,
                host,
            },
        )?;
        Ok(Some(run))
    }

    /// A new run named `base`, else `base-2`, `base-3`, ... (the first free name), made in one
    /// statement per name tried: processes asking for the same base at once get a run each.
    pub fn create_fresh_run(
        &self,
        model_id: i64,
        owner: &str,
        base: &str,
        host: &str,
        now: Timestamp,
    ) -> Result<RunRow> {
        for n in 1.. {
            let name = match n {
                1 => base.to_string(),
                _ => format!("{base}-{n}"),
            };
            crate::values::names::check_name("run", &name)?;
            if let Some(run) = self.create_run(model_id, owner, &name, host, now)? {
                return Ok(run);
            }
        }
        unreachable!("an unbounded range ends only by returning")
    }

    /// Sets what `track` knows about a run: the version it produces, a note, the command line.
    pub fn describe_run(
        &self,
        run_id: i64,
        version_id: Option<i64>,
        note: Option<&str>,
        command: Option<&[String]>,
    ) -> Result<()> {
        let text = command.map(serde_json::to_string).transpose()?;
        self.conn().execute(
            "UPDATE runs SET version_id = coalesce(?2, version_id), note = coalesce(?3, note),
                    command = coalesce(?4, command) WHERE id = ?1",
            params![run_id, version_id, note, text],
        )?;
        let version = match version_id {
            Some(id) => Some(self.names_of(id)?.1),
            None => None,
        };
        let describe = Op::Describe {
            version,
            note: note.map(str::to_string),
            command: command.map(<[String]>::to_vec),
            tags: None,
        };
        self.queue_for(run_id, describe)
    }

    pub fn end_run(
        &self,
        run_id: i64,
        status: RunStatus,
        exit_code: Option<i64>,
        now: Timestamp,
    ) -> Result<()> {
        let ended = (status != RunStatus::Running).then_some(now);
        self.conn().execute(
            "UPDATE runs SET status = ?2, exit_code = ?3, ended_at = ?4 WHERE id = ?1",
            params![run_id, status.as_str(), exit_code, ended.map(|t| t.0)],
        )?;
        let end = Op::End {
            status: status.as_str().to_string(),
            exit_code,
            ended_at: ended,
        };
        self.queue_for(run_id, end)
    }

    pub fn delete_run(&self, run_id: i64) -> Result<()> {
        self.queue_for(run_id, Op::Delete)?;
        self.conn()
            .execute("DELETE FROM runs WHERE id = ?1", [run_id])?;
        Ok(())
    }
}

// ---- params -----------------------------------------------------------------------------

/// Run ids as one bound parameter (a JSON array, read with `json_each`), so a query for any
/// number of runs is still one statement.
fn id_list(run_ids: &[i64]) -> String {
    serde_json::to_string(run_ids).unwrap_or_else(|_| "[]".to_string())
}

impl Reader {
    pub fn params_of(&self, run_id: i64) -> Result<BTreeMap<String, Param>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT key, value, kind FROM params WHERE run_id = ?1")?;
        let rows = stmt.query_map([run_id], |r| {
            Ok((
                r.get::<_, String>(0)?,
                Param {
                    value: r.get(1)?,
                    kind: r.get::<_, String>(2)?.parse().unwrap_or(ParamKind::String),
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Params of many runs at once (for listing thousands of runs without a query each).
    pub fn params_of_runs(&self, run_ids: &[i64]) -> Result<HashMap<i64, BTreeMap<String, Param>>> {
        let mut out: HashMap<i64, BTreeMap<String, Param>> = HashMap::new();
        let mut stmt = self.conn().prepare(
            "SELECT run_id, key, value, kind FROM params WHERE run_id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut rows = stmt.query([id_list(run_ids)])?;
        while let Some(r) = rows.next()? {
            let param = Param {
                value: r.get(2)?,
                kind: r.get::<_, String>(3)?.parse().unwrap_or(ParamKind::String),
            };
            out.entry(r.get(0)?).or_default().insert(r.get(1)?, param);
        }
        Ok(out)
    }
}

impl Tx<'_> {
    /// Records a param (a bucket center's cache queues the call's params with
    /// [`Tx::queue_for`], as one).
    pub fn insert_param(&self, run_id: i64, key: &str, value: &str, kind: ParamKind) -> Result<()> {
        self.conn().execute(
            "INSERT INTO params (run_id, key, value, kind) VALUES (?1, ?2, ?3, ?4)",
            params![run_id, key, value, kind.as_str()],
        )?;
        Ok(())
    }
}

// ---- tags --------------------------------------------------------------------------------

impl Reader {
    /// Tags of many runs at once.
    pub fn tags_of_runs(&self, run_ids: &[i64]) -> Result<HashMap<i64, BTreeMap<String, String>>> {
        let mut out: HashMap<i64, BTreeMap<String, String>> = HashMap::new();
        let mut stmt = self.conn().prepare(
            "SELECT run_id, key, value FROM run_tags WHERE run_id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut rows = stmt.query([id_list(run_ids)])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(0)?)
                .or_default()
                .insert(r.get(1)?, r.get(2)?);
        }
        Ok(out)
    }
}

impl Tx<'_> {
    /// Sets and removes tags of a run; returns whether anything changed. A bucket center's
    /// cache queues all of the run's tags after the change, for its run log.
    pub fn tag_run(
        &self,
        run_id: i64,
        set: &[(String, String)],
        remove: &[String],
    ) -> Result<bool> {
        let mut changed = 0;
        for key in remove {
            changed += self.conn().execute(
                "DELETE FROM run_tags WHERE run_id = ?1 AND key = ?2",
                params![run_id, key],
            )?;
        }
        for (key, value) in set {
            changed += self.conn().execute(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT (run_id, key) DO UPDATE SET value = excluded.value
                 WHERE value IS NOT excluded.value",
                params![run_id, key, value],
            )?;
        }
        if changed > 0 {
            // A bucket center's run log carries all of the run's tags after the change.
            let tags = self.tags_of_runs(&[run_id])?.remove(&run_id);
            let describe = Op::Describe {
                version: None,
                note: None,
                command: None,
                tags: Some(tags.unwrap_or_default()),
            };
            self.queue_for(run_id, describe)?;
        }
        Ok(changed > 0)
    }

    /// Sets exactly these tags on a run, as a bucket's run log has them (not queued).
    pub fn replace_run_tags(&self, run_id: i64, tags: &BTreeMap<String, String>) -> Result<()> {
        self.conn()
            .execute("DELETE FROM run_tags WHERE run_id = ?1", [run_id])?;
        for (key, value) in tags {
            self.conn().execute(
                "INSERT INTO run_tags (run_id, key, value) VALUES (?1, ?2, ?3)",
                params![run_id, key, value],
            )?;
        }
        Ok(())
    }
}

// ---- metrics ----------------------------------------------------------------------------

fn nan_to_null(value: f64) -> Option<f64> {
    (!value.is_nan()).then_some(value)
}

fn null_to_nan(value: Option<f64>) -> f64 {
    value.unwrap_or(f64::NAN)
}

fn summary_row(r: &Row) -> rusqlite::Result<Summary> {
    let pair = |value: usize, step: usize| -> rusqlite::Result<Option<(f64, i64)>> {
        Ok(
            match (
                r.get::<_, Option<f64>>(value)?,
                r.get::<_, Option<i64>>(step)?,
            ) {
                (Some(v), Some(s)) => Some((v, s)),
                _ => None,
            },
        )
    };
    Ok(Summary {
        count: r.get(0)?,
        last_step: r.get(1)?,
        last_value: null_to_nan(r.get(2)?),
        min: pair(3, 4)?,
        max: pair(5, 6)?,
    })
}

/// One logged point, as exported by `mfile metrics`.
#[derive(Clone, Debug)]
pub struct PointRow {
    pub key: String,
    pub step: i64,
    pub value: f64,
    pub logged_at: Timestamp,
}

impl Reader {
    pub fn summary(&self, run_id: i64, key_id: i64) -> Result<Option<Summary>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT count, last_step, last_value, min_value, min_step, max_value, max_step
             FROM metric_summaries WHERE run_id = ?1 AND key_id = ?2",
        )?;
        Ok(stmt
            .query_row(params![run_id, key_id], summary_row)
            .optional()?)
    }

    /// Summaries of every metric of the given runs, by run id and key name.
    pub fn summaries_of_runs(
        &self,
        run_ids: &[i64],
    ) -> Result<HashMap<i64, BTreeMap<String, Summary>>> {
        let mut stmt = self.conn().prepare(
            "SELECT s.count, s.last_step, s.last_value, s.min_value, s.min_step, s.max_value,
                    s.max_step, s.run_id, k.name
             FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id
             WHERE s.run_id IN (SELECT value FROM json_each(?1))",
        )?;
        let mut out: HashMap<i64, BTreeMap<String, Summary>> = HashMap::new();
        let mut rows = stmt.query([id_list(run_ids)])?;
        while let Some(r) = rows.next()? {
            out.entry(r.get(7)?)
                .or_default()
                .insert(r.get(8)?, summary_row(r)?);
        }
        Ok(out)
    }

    /// The history of a run, ordered by key and step; all keys when `keys` is empty. `visit`
    /// sees each point as it is read, so large histories stream.
    pub fn history(
        &self,
        run_id: i64,
        keys: &[String],
        mut visit: impl FnMut(PointRow) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare(
            "SELECT k.name, m.step, m.value, m.logged_at FROM metrics m JOIN metric_keys k ON k.id = m.key_id
             WHERE m.run_id = ?1 AND m.key_id = ?2 ORDER BY m.step",
        )?;
        for (key, key_id) in self.metric_keys_of(run_id)? {
            if !keys.is_empty() && !keys.contains(&key) {
                continue;
            }
            let mut rows = stmt.query(params![run_id, key_id])?;
            while let Some(r) = rows.next()? {
                visit(PointRow {
                    key: r.get(0)?,
                    step: r.get(1)?,
                    value: null_to_nan(r.get(2)?),
                    logged_at: Timestamp(r.get(3)?),
                })?;
            }
        }
        Ok(())
    }

    /// The metric keys a run has, sorted by name, with their ids.
    pub fn metric_keys_of(&self, run_id: i64) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT k.name, k.id FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id
             WHERE s.run_id = ?1 ORDER BY k.name",
        )?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// A run's metric keys, sorted by name, with their ids and point counts.
    pub fn metric_counts_of(&self, run_id: i64) -> Result<Vec<(String, i64, u64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT k.name, k.id, s.count FROM metric_summaries s JOIN metric_keys k ON k.id = s.key_id
             WHERE s.run_id = ?1 ORDER BY k.name",
        )?;
        let rows = stmt.query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The `(step, value, logged_at)` points of one metric of a run in step order; `visit` sees each as
    /// it is read (an error from it stops the reading).
    pub fn key_history(
        &self,
        run_id: i64,
        key_id: i64,
        mut visit: impl FnMut(i64, f64, Timestamp) -> Result<()>,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT step, value, logged_at FROM metrics WHERE run_id = ?1 AND key_id = ?2
             ORDER BY step",
        )?;
        let mut rows = stmt.query(params![run_id, key_id])?;
        while let Some(r) = rows.next()? {
            visit(r.get(0)?, null_to_nan(r.get(1)?), Timestamp(r.get(2)?))?;
        }
        Ok(())
    }
}

impl Tx<'_> {
    pub fn delete_param(&self, run_id: i64, key: &str) -> Result<()> {
        self.conn().execute(
            "DELETE FROM params WHERE run_id = ?1 AND key = ?2",
            params![run_id, key],
        )?;
        Ok(())
    }

    pub fn metric_key_id(&self, name: &str) -> Result<i64> {
        let mut insert = self.conn().prepare_cached(
            "INSERT INTO metric_keys (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
        )?;
        insert.execute([name])?;
        let mut select = self
            .conn()
            .prepare_cached("SELECT id FROM metric_keys WHERE name = ?1")?;
        Ok(select.query_row([name], |r| r.get(0))?)
    }

    /// Stores a point; a second value at the same (run, key, step) replaces the first.
    pub fn put_point(
        &self,
        run_id: i64,
        key_id: i64,
        step: i64,
        value: f64,
        now: Timestamp,
    ) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT INTO metrics (run_id, key_id, step, value, logged_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (run_id, key_id, step) DO UPDATE SET value = excluded.value,
                logged_at = excluded.logged_at",
        )?;
        stmt.execute(params![run_id, key_id, step, nan_to_null(value), now.0])?;
        Ok(())
    }

    pub fn put_summary(&self, run_id: i64, key_id: i64, s: &Summary) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "INSERT OR REPLACE INTO metric_summaries
                (run_id, key_id, count, last_step, last_value, min_value, min_step, max_value, max_step)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?;
        stmt.execute(params![
            run_id,
            key_id,
            s.count,
            s.last_step,
            nan_to_null(s.last_value),
            s.min.map(|m| m.0),
            s.min.map(|m| m.1),
            s.max.map(|m| m.0),
            s.max.map(|m| m.1),
        ])?;
        Ok(())
    }

    /// Recomputes a summary from the points (after a value was replaced, when merging can't
    /// work).
    pub fn recompute_summary(&self, run_id: i64, key_id: i64) -> Result<Summary> {
        let conn = self.conn();
        let (count, last_step): (u64, i64) = conn.query_row(
            "SELECT count(*), max(step) FROM metrics WHERE run_id = ?1 AND key_id = ?2",
            params![run_id, key_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let value_at = |order: &str| -> Result<Option<(f64, i64)>> {
            let sql = format!(
                "SELECT value, step FROM metrics WHERE run_id = ?1 AND key_id = ?2 AND value IS NOT NULL
                 ORDER BY value {order}, step LIMIT 1"
            );
            Ok(conn
                .query_row(&sql, params![run_id, key_id], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .optional()?)
        };
        let last_value: Option<f64> = conn.query_row(
            "SELECT value FROM metrics WHERE run_id = ?1 AND key_id = ?2 AND step = ?3",
            params![run_id, key_id, last_step],
            |r| r.get(0),
        )?;
        Ok(Summary {
            count,
            last_step,
            last_value: null_to_nan(last_value),
            min: value_at("ASC")?,
            max: value_at("DESC")?,
        })
    }
}
