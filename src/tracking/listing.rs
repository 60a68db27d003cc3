//! A listing of runs with their params (those that differ between the listed runs marked),
//! each metric's summary and the run's tags: what `mfile runs --json`, the web page and
//! `mfile report` show. `--where`, `--tag`, `--sort` and `--limit` choose and order the runs.

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Result;
use serde::Serialize;

use crate::catalog::Reader;
use crate::catalog::runs::{Param, RunRow, Summary};
use crate::time::Timestamp;
use crate::tracking::parse::same_param;
use crate::tracking::query::{self, Expr, Facts, Operand, Pick, SortKey, Source};
use crate::tracking::{self, Direction, Value};
use crate::values::ParamKind;

#[derive(Serialize)]
pub struct Listing {
    pub runs: Vec<RunEntry>,
    /// Param keys whose values are not the same in every listed run.
    pub changed_params: Vec<String>,
    /// Keys of `--where` and `--sort` that none of the runs considered has (a typo, most
    /// likely: keys are case-sensitive), as written.
    #[serde(skip)]
    pub unknown_keys: Vec<String>,
}

#[derive(Serialize)]
pub struct RunEntry {
    #[serde(flatten)]
    pub run: RunRow,
    pub duration_seconds: f64,
    pub params: BTreeMap<String, ParamCell>,
    pub metrics: BTreeMap<String, MetricCell>,
    pub tags: BTreeMap<String, String>,
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

/// Which runs a listing shows, and in which order.
#[derive(Debug, Default)]
pub struct Select {
    /// `--where`: only the runs it matches.
    pub filter: Option<Expr>,
    /// `--tag K=V`: only the runs with every one of these tags.
    pub tags: Vec<(String, String)>,
    /// `--sort`: runs without the key go last; without it, the order of the rows given.
    pub sort: Option<SortKey>,
    /// `--limit`: the first N after filtering and sorting.
    pub limit: Option<usize>,
    /// `--only-changed`: params that are the same in every shown run are left out.
    pub only_changed: bool,
}

/// What one run has for the keys of `--where` and `--sort`.
struct RunFacts<'a> {
    run: &'a RunRow,
    params: &'a BTreeMap<String, Param>,
    metrics: &'a BTreeMap<String, Summary>,
    tags: &'a BTreeMap<String, String>,
    now: Timestamp,
}

impl Facts for RunFacts<'_> {
    fn value(&self, operand: &Operand) -> Option<query::Value> {
        use query::Value::{Number, Text, Time};
        let key = operand.key.as_str();
        let param = || self.params.get(key).map(|p| Text(p.value.clone()));
        let metric = |pick: Pick| {
            let s = self.metrics.get(key)?;
            let value = match pick {
                Pick::Last => s.last_value,
                Pick::Best => tracking::best(key, s)?.0,
                Pick::Min => s.min?.0,
                Pick::Max => s.max?.0,
            };
            Some(Number(value))
        };
        match operand.source {
            Source::Param => param(),
            Source::Tag => self.tags.get(key).map(|v| Text(v.clone())),
            Source::Metric(pick) => metric(pick),
            Source::Any => match key {
                "name" => Some(Text(self.run.name.clone())),
                "owner" => Some(Text(self.run.owner.clone())),
                "status" => Some(Text(self.run.status.as_str().to_string())),
                "started" => Some(Time(self.run.started_at)),
                "ended" => self.run.ended_at.map(Time),
                "duration" => Some(Number(duration(self.run, self.now))),
                _ => param().or_else(|| metric(Pick::Last)),
            },
        }
    }
}

/// Reads the params, summaries and tags of `rows` (three queries, whatever their number),
/// keeps and orders the runs `select` asks for, and marks the params that differ between them.
pub fn build(
    catalog: &Reader,
    rows: Vec<RunRow>,
    select: &Select,
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
    let mut tags = catalog.tags_of_runs(&ids)?;
    let known = Known {
        params: &params,
        summaries: &summaries,
        tags: &tags,
        now,
    };
    let unknown_keys = unknown_keys(&rows, select, &known);
    let rows = choose(rows, select, &known);
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
                .filter(|(key, _)| !select.only_changed || changed.contains(key))
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
                tags: tags.remove(&run.id).unwrap_or_default(),
                run,
                params,
                metrics,
            }
        })
        .collect();
    Ok(Listing {
        runs,
        changed_params: changed.into_iter().collect(),
        unknown_keys,
    })
}

/// The keys of `--where` and `--sort` that no row has a value for.
fn unknown_keys(rows: &[RunRow], select: &Select, known: &Known) -> Vec<String> {
    let mut operands = select
        .filter
        .as_ref()
        .map(Expr::operands)
        .unwrap_or_default();
    operands.extend(select.sort.as_ref().map(|s| &s.operand));
    let mut unknown: Vec<String> = Vec::new();
    for operand in operands {
        let described = operand.describe();
        let had = rows
            .iter()
            .any(|run| known.facts(run).value(operand).is_some());
        if !had && !unknown.contains(&described) {
            unknown.push(described);
        }
    }
    unknown
}

/// What `build` read of the runs, for [`RunFacts`].
struct Known<'a> {
    params: &'a HashMap<i64, BTreeMap<String, Param>>,
    summaries: &'a HashMap<i64, BTreeMap<String, Summary>>,
    tags: &'a HashMap<i64, BTreeMap<String, String>>,
    now: Timestamp,
}

static NO_PARAMS: BTreeMap<String, Param> = BTreeMap::new();
static NO_METRICS: BTreeMap<String, Summary> = BTreeMap::new();
static NO_TAGS: BTreeMap<String, String> = BTreeMap::new();

impl Known<'_> {
    fn facts<'b>(&'b self, run: &'b RunRow) -> RunFacts<'b> {
        RunFacts {
            params: self.params.get(&run.id).unwrap_or(&NO_PARAMS),
            metrics: self.summaries.get(&run.id).unwrap_or(&NO_METRICS),
            tags: self.tags.get(&run.id).unwrap_or(&NO_TAGS),
            run,
            now: self.now,
        }
    }
}

/// The rows `select` keeps, in its order.
fn choose(rows: Vec<RunRow>, select: &Select, known: &Known) -> Vec<RunRow> {
    let mut kept: Vec<RunRow> = rows
        .into_iter()
        .filter(|run| {
            let facts = known.facts(run);
            let tagged = select
                .tags
                .iter()
                .all(|(k, v)| facts.tags.get(k) == Some(v));
            tagged && select.filter.as_ref().is_none_or(|f| f.matches(&facts))
        })
        .collect();
    if let Some(sort) = &select.sort {
        // A missing value, or NaN, goes last whichever way the sort goes.
        let key = |run: &RunRow| {
            known
                .facts(run)
                .value(&sort.operand)
                .filter(|v| !query::is_nan(v))
        };
        let mut keyed: Vec<(Option<query::Value>, RunRow)> =
            kept.into_iter().map(|run| (key(&run), run)).collect();
        keyed.sort_by(|(a, _), (b, _)| match (a, b) {
            (Some(a), Some(b)) if sort.descending => query::sort_order(b, a),
            (Some(a), Some(b)) => query::sort_order(a, b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        });
        kept = keyed.into_iter().map(|(_, run)| run).collect();
    }
    if let Some(limit) = select.limit {
        kept.truncate(limit);
    }
    kept
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
