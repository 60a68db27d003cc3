//! The outbox of a bucket center's cache: every run change this cache makes is committed here
//! in the same transaction as the change itself (that commit is what a writer acknowledges),
//! and an uploader later turns the rows into segments and chunks in the bucket, then deletes
//! them. Nothing on the recording path touches the network.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use rusqlite::{OptionalExtension, params};
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
        /// All of the run's tags after a `mfile tag --run`.
        #[serde(default)]
        tags: Option<BTreeMap<String, String>>,
    },
    /// The params one call logged: dropped whole when another machine set one of them first.
    Params {
        params: Vec<QueuedParam>,
    },
    /// One flush of a metric writer, key by key, each key's points in the order logged.
    Points {
        logged_at: Timestamp,
        keys: Vec<QueuedKey>,
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

/// One key's points of a flush. `auto`: the step was left out, and is assigned at upload,
/// after every point of the key uploaded before it (`steps` holds the cache's guess).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct QueuedKey {
    pub key: String,
    pub steps: Vec<i64>,
    pub auto: Vec<bool>,
    pub values: Vec<f64>,
}

impl QueuedKey {
    pub fn new(key: &str) -> QueuedKey {
        QueuedKey {
            key: key.to_string(),
            steps: Vec::new(),
            auto: Vec::new(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, step: i64, auto: bool, value: f64) {
        self.steps.push(step);
        self.auto.push(auto);
        self.values.push(value);
    }
}

impl Op {
    /// The points it carries.
    pub fn points(&self) -> usize {
        match self {
            Op::Points { keys, .. } => keys.iter().map(|k| k.steps.len()).sum(),
            _ => 0,
        }
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
    /// The oldest rows waiting: at most `rows`, and no more than make `points` (but one).
    pub fn outbox(&self, rows: usize, points: u64) -> Result<Vec<Queued>> {
        let last = {
            let mut sizes = self
                .conn()
                .prepare_cached("SELECT n, points FROM run_outbox ORDER BY n LIMIT ?1")?;
            let sizes = sizes.query_map([rows as i64], |r| {
                Ok((r.get::<_, u64>(0)?, r.get::<_, u64>(1)?))
            })?;
            let mut last = None;
            let mut total = 0;
            for size in sizes {
                let (n, more) = size?;
                total += more;
                if last.is_some() && total > points {
                    break;
                }
                last = Some(n);
            }
            match last {
                Some(last) => last,
                None => return Ok(Vec::new()),
            }
        };
        let mut stmt = self.conn().prepare_cached(
            "SELECT n, model, owner, run, data FROM run_outbox WHERE n <= ?1 ORDER BY n",
        )?;
        let rows = stmt.query_map([last], |r| {
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
        let points = op.points();
        let data = encode(&op)?;
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
        let found: Option<(String, String, String)> = self
            .conn()
            .query_row(
                "SELECT m.name, r.owner, r.name FROM runs r JOIN models m ON m.id = r.model_id
                 WHERE r.id = ?1",
                [run_id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        match found {
            Some((model, owner, run)) => self.queue(&model, &owner, &run, op),
            None => Ok(()), // the run is gone: there is nothing to change
        }
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

    /// Whether the run has rows waiting after number `n` (it was made again after a delete
    /// or drop that row `n` or before carried).
    pub fn queued_after(&self, model: &str, owner: &str, run: &str, n: u64) -> Result<bool> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT 1 FROM run_outbox WHERE model = ?1 AND owner = ?2 AND run = ?3 AND n > ?4",
        )?;
        Ok(stmt.exists(params![model, owner, run, n])?)
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

/// A row's data: JSON, but for points, which are many (one flush can hold 50,000): a `P`, the
/// time, then per key its name, count and columns, little-endian (17 bytes a point).
fn encode(op: &Op) -> Result<Vec<u8>> {
    let Op::Points { logged_at, keys } = op else {
        return Ok(serde_json::to_vec(op)?);
    };
    let mut out = vec![b'P'];
    out.extend_from_slice(&logged_at.0.to_le_bytes());
    out.extend_from_slice(&(keys.len() as u32).to_le_bytes());
    for k in keys {
        out.extend_from_slice(&(k.key.len() as u32).to_le_bytes());
        out.extend_from_slice(k.key.as_bytes());
        out.extend_from_slice(&(k.steps.len() as u32).to_le_bytes());
        k.steps
            .iter()
            .for_each(|s| out.extend_from_slice(&s.to_le_bytes()));
        k.values
            .iter()
            .for_each(|v| out.extend_from_slice(&v.to_bits().to_le_bytes()));
        out.extend(k.auto.iter().map(|&a| u8::from(a)));
    }
    Ok(out)
}

fn decode(data: &[u8]) -> Result<Op> {
    if data.first() != Some(&b'P') {
        return Ok(serde_json::from_slice(data)?);
    }
    let mut at = 1;
    let mut take = |n: usize| -> Result<&[u8]> {
        let Some(piece) = data.get(at..at + n) else {
            bail!("a points row ends early");
        };
        at += n;
        Ok(piece)
    };
    let word = |b: &[u8]| <[u8; 8]>::try_from(b).unwrap_or_default();
    let half = |b: &[u8]| <[u8; 4]>::try_from(b).unwrap_or_default();
    let logged_at = Timestamp(i64::from_le_bytes(word(take(8)?)));
    let count = u32::from_le_bytes(half(take(4)?));
    let mut keys = Vec::new();
    for _ in 0..count {
        let len = u32::from_le_bytes(half(take(4)?)) as usize;
        let key = String::from_utf8(take(len)?.to_vec())?;
        let n = u32::from_le_bytes(half(take(4)?)) as usize;
        let steps = take(n * 8)?
            .chunks_exact(8)
            .map(|b| i64::from_le_bytes(word(b)))
            .collect();
        let values = take(n * 8)?
            .chunks_exact(8)
            .map(|b| f64::from_bits(u64::from_le_bytes(word(b))))
            .collect();
        let auto = take(n)?.iter().map(|&b| b != 0).collect();
        keys.push(QueuedKey {
            key,
            steps,
            auto,
            values,
        });
    }
    Ok(Op::Points { logged_at, keys })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_rows_come_back_bit_for_bit() {
        let mut loss = QueuedKey::new("val/loss");
        loss.push(0, true, f64::NAN);
        loss.push(7, false, -0.0);
        let mut acc = QueuedKey::new("acc");
        acc.push(-3, false, f64::INFINITY);
        let op = Op::Points {
            logged_at: Timestamp(123),
            keys: vec![loss, acc],
        };
        let back = decode(&encode(&op).unwrap()).unwrap();
        let bits = |op: &Op| match op {
            Op::Points { logged_at, keys } => (
                *logged_at,
                keys.iter()
                    .map(|k| {
                        (
                            k.key.clone(),
                            k.steps.clone(),
                            k.auto.clone(),
                            k.values.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                        )
                    })
                    .collect::<Vec<_>>(),
            ),
            _ => panic!("not points"),
        };
        assert_eq!(bits(&back), bits(&op));
        let data = encode(&op).unwrap();
        assert!(
            decode(&data[..data.len() - 1]).is_err(),
            "a cut row is refused"
        );
        let end = Op::End {
            status: "finished".into(),
            exit_code: Some(0),
            ended_at: None,
        };
        assert_eq!(decode(&encode(&end).unwrap()).unwrap(), end);
    }
}
