//! The runs document in columns (`shape=columns`, and inside reports): one array per param and
//! per metric field, a value per run, instead of an object per run and cell. The page reads
//! only a few fields of each cell, and at 10,000 runs with 20 params and 10 metrics the object
//! form is 29 MB against the 32 MiB an answer may have.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use super::api::RunsDoc;
use crate::catalog::runs::RunRow;
use crate::tracking::listing::NotUploaded;
use crate::tracking::{self, Direction, Value};

#[derive(Serialize)]
pub struct RunsColumns {
    pub model: String,
    pub owner: Option<String>,
    pub run_owners: Vec<String>,
    pub changed_params: Vec<String>,
    pub unknown_keys: Vec<String>,
    /// Each run without its params and metrics.
    pub runs: Vec<RunHead>,
    /// A param's value in each run (index as `runs`), null where the run has none.
    pub params: BTreeMap<String, Vec<Option<String>>>,
    /// Every metric key of the runs, whether or not [`MetricChoice`] gave it a column.
    pub metric_keys: Vec<String>,
    pub metrics: BTreeMap<String, MetricColumn>,
}

/// Which metrics get columns (`metric=`, `max_metrics=`): a run with a hundred per-class
/// metrics times 10,000 runs would not fit in an answer, and the page charts at most 24.
/// Neither given: every metric.
#[derive(Debug, Default)]
pub struct MetricChoice {
    /// These keys (those the runs have).
    pub named: Vec<String>,
    /// The first this many keys by name, besides `named`.
    pub max: Option<usize>,
}

impl MetricChoice {
    fn wanted<'a>(&self, keys: &'a BTreeSet<String>) -> BTreeSet<&'a str> {
        if self.named.is_empty() && self.max.is_none() {
            return keys.iter().map(String::as_str).collect();
        }
        let first = keys.iter().take(self.max.unwrap_or(0));
        let named = keys.iter().filter(|k| self.named.contains(k));
        first.chain(named).map(String::as_str).collect()
    }
}

#[derive(Serialize)]
pub struct RunHead {
    #[serde(flatten)]
    pub run: RunRow,
    pub duration_seconds: f64,
    pub tags: BTreeMap<String, String>,
    pub not_uploaded: NotUploaded,
}

/// A metric's summary fields in each run, null where the run has not logged it (`count`) or
/// the field has no value (`best` without a direction).
#[derive(Serialize)]
pub struct MetricColumn {
    pub direction: Option<Direction>,
    pub count: Vec<Option<u64>>,
    pub last: Vec<Option<Value>>,
    pub last_step: Vec<Option<i64>>,
    pub best: Vec<Option<Value>>,
    pub best_step: Vec<Option<i64>>,
}

impl MetricColumn {
    fn new(key: &str, runs: usize) -> Self {
        MetricColumn {
            direction: tracking::direction(key),
            count: vec![None; runs],
            last: vec![None; runs],
            last_step: vec![None; runs],
            best: vec![None; runs],
            best_step: vec![None; runs],
        }
    }
}

pub fn columns(doc: RunsDoc, choice: &MetricChoice) -> RunsColumns {
    let entries = doc.listing.runs;
    let n = entries.len();
    let metric_keys: BTreeSet<String> = entries
        .iter()
        .flat_map(|e| e.metrics.keys().cloned())
        .collect();
    let wanted = choice.wanted(&metric_keys);
    let mut params: BTreeMap<String, Vec<Option<String>>> = BTreeMap::new();
    let mut metrics: BTreeMap<String, MetricColumn> = BTreeMap::new();
    let mut runs = Vec::with_capacity(n);
    for (i, entry) in entries.into_iter().enumerate() {
        for (key, cell) in entry.params {
            params.entry(key).or_insert_with(|| vec![None; n])[i] = Some(cell.value);
        }
        for (key, cell) in entry.metrics {
            if !wanted.contains(key.as_str()) {
                continue;
            }
            let column = metrics
                .entry(key)
                .or_insert_with_key(|key| MetricColumn::new(key, n));
            column.count[i] = Some(cell.count);
            column.last[i] = Some(cell.last);
            column.last_step[i] = Some(cell.last_step);
            column.best[i] = cell.best;
            column.best_step[i] = cell.best_step;
        }
        runs.push(RunHead {
            run: entry.run,
            duration_seconds: entry.duration_seconds,
            tags: entry.tags,
            not_uploaded: entry.not_uploaded,
        });
    }
    RunsColumns {
        model: doc.model,
        owner: doc.owner,
        run_owners: doc.run_owners,
        changed_params: doc.listing.changed_params,
        unknown_keys: doc.unknown_keys,
        runs,
        params,
        metric_keys: metric_keys.into_iter().collect(),
        metrics,
    }
}
