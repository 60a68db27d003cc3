//! A listing of runs with their params (those that differ between the listed runs marked) and
//! each metric's summary: what `mfile runs --json`, the web page and `mfile report` show.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Result;
use serde::Serialize;

use crate::catalog::Reader;
use crate::catalog::runs::{Param, RunRow, Summary};
use crate::time::Timestamp;
use crate::tracking::parse::same_param;
use crate::tracking::{self, Direction, Value};
use crate::values::ParamKind;

#[derive(Serialize)]
pub struct Listing {
    pub runs: Vec<RunEntry>,
    /// Param keys whose values are not the same in every listed run.
    pub changed_params: Vec<String>,
}

#[derive(Serialize)]
pub struct RunEntry {
    #[serde(flatten)]
    pub run: RunRow,
    pub duration_seconds: f64,
    pub params: BTreeMap<String, ParamCell>,
    pub metrics: BTreeMap<String, MetricCell>,
    /// What this machine recorded of the run and has not uploaded to a bucket center yet.
    pub not_uploaded: NotUploaded,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct NotUploaded {
    pub changes: u64,
    pub points: u64,
}

#[derive(Serialize)]
pub struct ParamCell {
    pub value: String,
    pub kind: ParamKind,
    pub changed: bool,
}

/// A metric's summary in JSON.
#[derive(Serialize)]
pub struct MetricCell {
    pub count: u64,
    pub last: Value,
    pub last_step: i64,
    pub direction: Option<Direction>,
    pub best: Option<Value>,
    pub best_step: Option<i64>,
    pub min: Option<Value>,
    pub min_step: Option<i64>,
    pub max: Option<Value>,
    pub max_step: Option<i64>,
}

impl MetricCell {
    pub fn new(key: &str, s: &Summary) -> Self {
        let direction = tracking::direction(key);
        let best = tracking::best(key, s);
        MetricCell {
            count: s.count,
            last: Value(s.last_value),
            last_step: s.last_step,
            direction,
            best: best.map(|b| Value(b.0)),
            best_step: best.map(|b| b.1),
            min: s.min.map(|m| Value(m.0)),
            min_step: s.min.map(|m| m.1),
            max: s.max.map(|m| Value(m.0)),
            max_step: s.max.map(|m| m.1),
        }
    }
}

/// Reads the params and summaries of `rows` (two queries, whatever their number) and marks the
/// changed params. With `only_changed`, params that are the same everywhere are left out.
pub fn build(
    catalog: &Reader,
    rows: Vec<RunRow>,
    only_changed: bool,
    now: Timestamp,
) -> Result<Listing> {
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let waiting: HashMap<(String, String, String), NotUploaded> = catalog
        .waiting()?
        .into_iter()
        .map(|w| {
            let not_uploaded = NotUploaded {
                changes: w.changes,
                points: w.points,
            };
            ((w.model, w.owner, w.run), not_uploaded)
        })
        .collect();
    let mut params = catalog.params_of_runs(&ids)?;
    let mut summaries = catalog.summaries_of_runs(&ids)?;
    let no_params = BTreeMap::new();
    let changed: BTreeSet<String> =
        changed_params(rows.iter().map(|r| params.get(&r.id).unwrap_or(&no_params)))
            .into_iter()
            .map(str::to_string)
            .collect();
    let runs = rows
        .into_iter()
        .map(|run| {
            let params = params
                .remove(&run.id)
                .unwrap_or_default()
                .into_iter()
                .filter(|(key, _)| !only_changed || changed.contains(key))
                .map(|(key, p)| {
                    let changed = changed.contains(&key);
                    let cell = ParamCell {
                        value: p.value,
                        kind: p.kind,
                        changed,
                    };
                    (key, cell)
                })
                .collect();
            let metrics = summaries
                .remove(&run.id)
                .unwrap_or_default()
                .iter()
                .map(|(key, s)| (key.clone(), MetricCell::new(key, s)))
                .collect();
            let id = (run.model.clone(), run.owner.clone(), run.name.clone());
            RunEntry {
                not_uploaded: waiting.get(&id).copied().unwrap_or_default(),
                duration_seconds: duration(&run, now),
                run,
                params,
                metrics,
            }
        })
        .collect();
    Ok(Listing {
        runs,
        changed_params: changed.into_iter().collect(),
    })
}

/// Seconds from start to end, or to `now` while the run has no end.
fn duration(run: &RunRow, now: Timestamp) -> f64 {
    let end = run.ended_at.unwrap_or(now);
    (end.0 - run.started_at.0) as f64 / 1e9
}

/// The param keys whose values are not the same in every run (a missing param counts as a
/// different value). Every run is compared with every other, not with the first.
pub fn changed_params<'a>(
    runs: impl Iterator<Item = &'a BTreeMap<String, Param>> + Clone,
) -> BTreeSet<&'a str> {
    let keys: BTreeSet<&str> = runs
        .clone()
        .flat_map(|p| p.keys().map(String::as_str))
        .collect();
    keys.into_iter()
        .filter(|key| {
            let mut values = runs.clone().map(|p| p.get(*key).map(|v| v.value.as_str()));
            let Some(first) = values.next() else {
                return false;
            };
            values.any(|v| match (first, v) {
                (Some(a), Some(b)) => !same_param(a, b),
                (None, None) => false,
                _ => true,
            })
        })
        .collect()
}
