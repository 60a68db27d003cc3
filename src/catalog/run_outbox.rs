//! The outbox of a bucket center's cache: every run change this cache makes is committed here
//! in the same transaction as the change itself (that commit is what a writer acknowledges),
//! and an uploader later turns the rows into segments and chunks in the bucket, then deletes
//! them. Nothing on the recording path touches the network.

use anyhow::{Context, Result, bail};
use rusqlite::params;
use serde::{Deserialize, Serialize};

use super::{Reader, Tx};
use crate::time::Timestamp;

/// One queued change of a run (or, for `Drop`, of every run of a model).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase", tag = "op")]
pub enum Op {
    Start {
        started_at: Timestamp,
        host: String,
    },
    Describe {
        version: Option<String>,
        note: Option<String>,
        command: Option<Vec<String>>,
    },
    /// The params one call logged: dropped whole when another machine set one of them first.
    Params {
        params: Vec<QueuedParam>,
    },
    /// One flush of a metric writer: `(key, step, auto, value)`; `auto`: the step was left out
    /// and is assigned at upload, after every point of the key uploaded before it.
    Points {
        logged_at: Timestamp,
        points: Vec<QueuedPoint>,
    },
    End {
        status: String,
        exit_code: Option<i64>,
        ended_at: Option<Timestamp>,
    },
    Delete,
    Drop,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedParam {
    pub key: String,
    pub value: String,
    /// `int`, `float`, `bool` or `string`.
    pub kind: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedPoint {
    pub key: String,
    pub step: i64,
    pub auto: bool,
    /// As IEEE bits: JSON has no NaN or infinities.
    #[serde(with = "bits")]
    pub value: f64,
}

mod bits {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(value: &f64, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(value.to_bits())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        Ok(f64::from_bits(u64::deserialize(d)?))
    }
}

/// A row of the outbox.
#[derive(Clone, Debug, PartialEq)]
pub struct Queued {
    pub n: u64,
    pub model: String,
    pub owner: String,
    pub run: String,
    pub op: Op,
}

/// What one run has waiting to be uploaded (a model's drop: owner and run empty).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Waiting {
    pub model: String,
    pub owner: String,
    pub run: String,
    /// Outbox rows, and the points in them.
    pub changes: u64,
    pub points: u64,
}

impl Reader {
    /// The rows waiting, oldest first, at most `limit`.
    pub fn outbox(&self, limit: usize) -> Result<Vec<Queued>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT n, model, owner, run, data FROM run_outbox ORDER BY n LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, u64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, Vec<u8>>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (n, model, owner, run, data) = row?;
            let op = decode(&data).with_context(|| format!("outbox row {n} is not readable"))?;
            out.push(Queued {
                n,
                model,
                owner,
                run,
                op,
            });
        }
        Ok(out)
    }

    /// Whether this cache is sending the segment `id` (or sent it, and was stopped before it
    /// noted so).
    pub fn is_sending(&self, id: &str) -> Result<bool> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT 1 FROM run_segments_sending WHERE id = ?1")?;
        Ok(stmt.exists([id])?)
    }

    /// The numbers of the rows waiting.
    pub fn outbox_numbers(&self) -> Result<Vec<u64>> {
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT n FROM run_outbox ORDER BY n")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What waits to be uploaded, per run.
    pub fn waiting(&self) -> Result<Vec<Waiting>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT model, owner, run, count(*), sum(points) FROM run_outbox
             GROUP BY model, owner, run ORDER BY model, owner, run",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Waiting {
                model: r.get(0)?,
                owner: r.get(1)?,
                run: r.get(2)?,
                changes: r.get(3)?,
                points: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The points of a run that wait, in the order logged (a reload of the run's points from
    /// its chunks puts them back on top).
    pub fn waiting_points(&self, model: &str, owner: &str, run: &str) -> Result<Vec<Queued>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT n, data FROM run_outbox WHERE model = ?1 AND owner = ?2 AND run = ?3
             AND points > 0 ORDER BY n",
        )?;
        let rows = stmt.query_map(params![model, owner, run], |r| {
            Ok((r.get::<_, u64>(0)?, r.get::<_, Vec<u8>>(1)?))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (n, data) = row?;
            out.push(Queued {
                n,
                model: model.to_string(),
                owner: owner.to_string(),
                run: run.to_string(),
                op: decode(&data)?,
            });
        }
        Ok(out)
    }
}

impl Tx<'_> {
    /// Whether run changes are queued for upload (a bucket center's cache, writing).
    pub fn queues(&self) -> bool {
        self.journaling()
    }

    /// Queues `op` of run `owner`/`run` of `model` when this write is journaled (a bucket
    /// center's cache); does nothing on a local center.
    pub fn queue(&self, model: &str, owner: &str, run: &str, op: Op) -> Result<()> {
        if !self.journaling() {
            return Ok(());
        }
        let points = match &op {
            Op::Points { points, .. } => points.len(),
            _ => 0,
        };
        let data = serde_json::to_vec(&op)?;
        self.conn().execute(
            "INSERT INTO run_outbox (model, owner, run, op, points, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![model, owner, run, op_name(&op), points as i64, data],
        )?;
        Ok(())
    }

    /// [`Tx::queue`] for a run known by its id.
    pub fn queue_for(&self, run_id: i64, op: Op) -> Result<()> {
        if !self.journaling() {
            return Ok(());
        }
        let (model, owner, run): (String, String, String) = self.conn().query_row(
            "SELECT m.name, r.owner, r.name FROM runs r JOIN models m ON m.id = r.model_id
             WHERE r.id = ?1",
            [run_id],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        self.queue(&model, &owner, &run, op)
    }

    /// Notes that the segment `id` is about to be sent (before the PUT: a segment of ours
    /// found in the bucket is known by it, however the sending ended).
    pub fn note_sending(&self, id: &str) -> Result<()> {
        self.conn().execute(
            "INSERT OR IGNORE INTO run_segments_sending (id) VALUES (?1)",
            [id],
        )?;
        Ok(())
    }

    /// The segment `id` is known to be in the bucket, or known not to be.
    pub fn done_sending(&self, id: &str) -> Result<()> {
        self.conn()
            .execute("DELETE FROM run_segments_sending WHERE id = ?1", [id])?;
        Ok(())
    }

    /// Removes the rows an upload carried (numbers up to `upto` of these runs).
    pub fn unqueue(&self, model: &str, runs: &[(String, String)], upto: u64) -> Result<()> {
        let mut stmt = self.conn().prepare_cached(
            "DELETE FROM run_outbox WHERE model = ?1 AND owner = ?2 AND run = ?3 AND n <= ?4",
        )?;
        for (owner, run) in runs {
            stmt.execute(params![model, owner, run, upto])?;
        }
        Ok(())
    }

    /// Removes a model's drop row once uploaded.
    pub fn unqueue_row(&self, n: u64) -> Result<()> {
        self.conn()
            .execute("DELETE FROM run_outbox WHERE n = ?1", [n])?;
        Ok(())
    }

    /// Drops the waiting params call of the run that logged `key` (another writer set it
    /// first), whole; returns the keys it had, or `None` when no waiting call has `key`.
    pub fn unqueue_params(
        &self,
        model: &str,
        owner: &str,
        run: &str,
        key: &str,
    ) -> Result<Option<Vec<String>>> {
        let rows: Vec<(u64, Vec<u8>)> = {
            let mut stmt = self.conn().prepare_cached(
                "SELECT n, data FROM run_outbox
                 WHERE model = ?1 AND owner = ?2 AND run = ?3 AND op = 'params'",
            )?;
            let rows =
                stmt.query_map(params![model, owner, run], |r| Ok((r.get(0)?, r.get(1)?)))?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        for (n, data) in rows {
            let Op::Params { params } = decode(&data)? else {
                continue;
            };
            if params.iter().any(|p| p.key == key) {
                self.unqueue_row(n)?;
                return Ok(Some(params.into_iter().map(|p| p.key).collect()));
            }
        }
        Ok(None)
    }

    /// Rows of runs the bucket deleted meanwhile are dropped: the deletion wins. Returns how
    /// many points were dropped.
    pub fn unqueue_run(&self, model: &str, owner: &str, run: &str) -> Result<u64> {
        let points: u64 = self.conn().query_row(
            "SELECT coalesce(sum(points), 0) FROM run_outbox
             WHERE model = ?1 AND owner = ?2 AND run = ?3",
            params![model, owner, run],
            |r| r.get(0),
        )?;
        self.conn().execute(
            "DELETE FROM run_outbox WHERE model = ?1 AND owner = ?2 AND run = ?3",
            params![model, owner, run],
        )?;
        Ok(points)
    }
}

fn op_name(op: &Op) -> &'static str {
    match op {
        Op::Start { .. } => "start",
        Op::Describe { .. } => "describe",
        Op::Params { .. } => "params",
        Op::Points { .. } => "points",
        Op::End { .. } => "end",
        Op::Delete => "delete",
        Op::Drop => "drop",
    }
}

fn decode(data: &[u8]) -> Result<Op> {
    match serde_json::from_slice(data) {
        Ok(op) => Ok(op),
        Err(e) => bail!("{e}"),
    }
}
