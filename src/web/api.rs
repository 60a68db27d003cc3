//! The JSON documents behind the web page (`/api/...`, documented in docs/web.md) and inside
//! `mfile report` files, made from the catalog's queries; no SQL and no HTTP here.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::{Serialize, Serializer};

use super::downsample::{Downsampler, Point};
use crate::catalog::runs::RunRow;
use crate::catalog::{ModelRow, ModelSummary, Reader, Scope, VersionSummary};
use crate::engine::diff::DiffDoc;
use crate::engine::{self, Center};
use crate::time::Timestamp;
use crate::tracking::listing::{self, Listing};
use crate::values::RunStatus;
use crate::values::names::{natural_cmp, quote};

/// Series longer than this are thinned for charts unless the request asks otherwise.
pub const DEFAULT_MAX_POINTS: usize = 2000;
/// The most points a chart series may ask for (`max_points`).
pub const MAX_POINTS: usize = 100_000;
/// The most points one series answer holds over all its metrics (some 25 MB of JSON).
pub const MAX_ANSWER_POINTS: u64 = 1_000_000;
/// A series answer is sent in pieces of about this size (several small metrics to a piece).
const PIECE_BYTES: usize = 64 * 1024;

/// A request that can't be answered, with the HTTP status that says why.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    TooLarge(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

#[derive(Serialize)]
pub struct ModelsDoc {
    pub models: Vec<ModelSummary>,
}

pub fn models(catalog: &Reader) -> ApiResult<ModelsDoc> {
    Ok(ModelsDoc {
        models: catalog.model_summaries()?,
    })
}

#[derive(Serialize)]
pub struct VersionsDoc {
    pub model: ModelRow,
    /// Owners of the model's runs, so a page can offer them as filters.
    pub run_owners: Vec<String>,
    pub versions: Vec<VersionSummary>,
}

pub fn versions(catalog: &Reader, model: &str) -> ApiResult<VersionsDoc> {
    let model = find_model(catalog, model)?;
    let mut versions = catalog.version_summaries(&model)?;
    versions.sort_by(|a, b| natural_cmp(&a.version, &b.version));
    Ok(VersionsDoc {
        run_owners: catalog.run_owners(model.id)?,
        model,
        versions,
    })
}

#[derive(Serialize)]
pub struct FileEntry {
    pub path: String,
    pub size: u64,
    pub modified_at: Timestamp,
    pub imported_at: Timestamp,
    pub md5: String,
    /// Where the page downloads the file from (percent-encoded).
    pub download: String,
}

#[derive(Serialize)]
pub struct FilesDoc {
    pub model: String,
    pub version: String,
    pub files: Vec<FileEntry>,
}

pub fn files(catalog: &Reader, model: &str, version: &str) -> ApiResult<FilesDoc> {
    let model_row = find_model(catalog, model)?;
    if catalog.version(model_row.id, version)?.is_none() {
        return Err(ApiError::NotFound(format!(
            "model {model} has no version {}",
            quote(version)
        )));
    }
    let rows = catalog.files(Scope {
        model: Some(model),
        version: Some(version),
    })?;
    let files = rows
        .into_iter()
        .map(|f| FileEntry {
            download: download_url(&f.model, &f.version, &f.path),
            path: f.path,
            size: f.size,
            modified_at: f.modified_at,
            imported_at: f.imported_at,
            md5: f.md5,
        })
        .collect();
    Ok(FilesDoc {
        model: model.to_string(),
        version: version.to_string(),
        files,
    })
}

/// `/files/MODEL/VERSION/PATH`, the names and each path segment percent-encoded (a name may
/// hold spaces and any script).
pub fn download_url(model: &str, version: &str, path: &str) -> String {
    let mut url = String::from("/files");
    for segment in [model, version].into_iter().chain(path.split('/')) {
        url.push('/');
        url.push_str(&crate::percent::encode(segment));
    }
    url
}

#[derive(Serialize)]
pub struct RunsDoc {
    pub model: String,
    /// The owner filter applied, or null for every owner's runs.
    pub owner: Option<String>,
    pub run_owners: Vec<String>,
    #[serde(flatten)]
    pub listing: Listing,
    /// Keys of `where=` that none of the runs considered has (a typo, most likely).
    pub unknown_keys: Vec<String>,
}

/// Which runs of a model the runs document holds: `owner=`, `status=`, `run=` (only these,
/// as OWNER/RUN), and `where=`/`tag=` as `mfile runs --where/--tag` choose them.
#[derive(Default)]
pub struct RunsQuery {
    pub owner: Option<String>,
    pub status: Option<RunStatus>,
    pub only: Vec<(String, String)>,
    pub select: listing::Select,
}

/// The runs of a model the query chooses, newest first.
pub fn runs(catalog: &Reader, model: &str, query: &RunsQuery) -> ApiResult<RunsDoc> {
    let model_row = find_model(catalog, model)?;
    let mut rows = catalog.runs(Some(model), query.owner.as_deref(), query.status)?;
    if !query.only.is_empty() {
        rows.retain(|r| {
            query
                .only
                .iter()
                .any(|(o, n)| *o == r.owner && *n == r.name)
        });
    }
    runs_doc(
        catalog,
        &model_row,
        query.owner.as_deref(),
        rows,
        &query.select,
    )
}

/// The listing document for chosen runs (what `mfile report` embeds).
pub fn runs_doc(
    catalog: &Reader,
    model: &ModelRow,
    owner: Option<&str>,
    rows: Vec<RunRow>,
    select: &listing::Select,
) -> ApiResult<RunsDoc> {
    let mut listing = listing::build(catalog, rows, select, Timestamp::now())?;
    Ok(RunsDoc {
        model: model.name.clone(),
        owner: owner.map(str::to_string),
        run_owners: catalog.run_owners(model.id)?,
        unknown_keys: std::mem::take(&mut listing.unknown_keys),
        listing,
    })
}

/// A chart value: a number, or null (a gap) for NaN and infinities.
#[derive(Clone, Copy)]
pub struct ChartValue(f64);

impl Serialize for ChartValue {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if self.0.is_finite() {
            serializer.serialize_f64(self.0)
        } else {
            serializer.serialize_none()
        }
    }
}

#[derive(Serialize)]
pub struct Series {
    /// Points logged; `points` has fewer when `downsampled`.
    pub count: u64,
    pub downsampled: bool,
    /// `[step, value]` (or `[step, value, ms]`, see [`ChartPoint`]) in step order.
    pub points: Vec<ChartPoint>,
}

/// A chart point: `[step, value]`, or with times `[step, value, ms]`, `ms` being when it was
/// logged in whole milliseconds after the run's start (both truncated to the millisecond, so
/// the start's epoch milliseconds plus `ms` is the point's exactly).
pub struct ChartPoint {
    step: i64,
    value: ChartValue,
    ms: Option<i64>,
}

impl Serialize for ChartPoint {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = serializer.serialize_seq(Some(2 + usize::from(self.ms.is_some())))?;
        seq.serialize_element(&self.step)?;
        seq.serialize_element(&self.value)?;
        if let Some(ms) = self.ms {
            seq.serialize_element(&ms)?;
        }
        seq.end()
    }
}

/// Whole milliseconds since the epoch, rounded down (as `Date.parse` reads an RFC 3339 time).
fn epoch_ms(at: Timestamp) -> i64 {
    at.0.div_euclid(1_000_000)
}

#[derive(Serialize)]
pub struct SeriesDoc {
    pub model: String,
    pub owner: String,
    pub run: String,
    pub status: RunStatus,
    /// With times only (`time=1`, and in a report): the run's start, which `ms` counts from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub started_at: Option<Timestamp>,
    pub metrics: BTreeMap<String, Series>,
}

/// The chart series of one run as a JSON document made a few metrics at a time
/// ([`SeriesStream::next_piece`]): its memory is one piece, however many metrics it has.
/// `keys` picks metrics (all when empty; keys the run lacks are left out).
pub fn series_stream(
    catalog: &Reader,
    model: &str,
    owner: &str,
    run: &str,
    keys: &[String],
    max_points: usize,
    with_time: bool,
) -> ApiResult<SeriesStream> {
    let run = find_run(catalog, model, owner, run)?;
    let wanted: BTreeSet<&str> = keys.iter().map(String::as_str).collect();
    let keys: Vec<(String, i64, u64)> = catalog
        .metric_counts_of(run.id)?
        .into_iter()
        .filter(|(key, _, _)| wanted.is_empty() || wanted.contains(key.as_str()))
        .collect();
    let points: u64 = keys
        .iter()
        .map(|(_, _, count)| (*count).min(max_points as u64))
        .sum();
    if points > MAX_ANSWER_POINTS {
        return Err(ApiError::TooLarge(format!(
            "the series would hold {points} points, more than the {MAX_ANSWER_POINTS} of one \
             answer; ask for fewer metrics (key=K, repeated) or a smaller max_points"
        )));
    }
    let started = with_time.then_some(run.started_at);
    let head = serde_json::to_string(&SeriesHead {
        model: &run.model,
        owner: &run.owner,
        run: &run.name,
        status: run.status,
        started_at: started,
    })
    .map_err(anyhow::Error::from)?;
    Ok(SeriesStream {
        run_id: run.id,
        started,
        head: Some(head),
        keys: keys.into_iter(),
        first: true,
        done: false,
        max_points,
    })
}

#[derive(Serialize)]
struct SeriesHead<'a> {
    model: &'a str,
    owner: &'a str,
    run: &'a str,
    status: RunStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    started_at: Option<Timestamp>,
}

/// A series document being written (see [`series_stream`]).
pub struct SeriesStream {
    run_id: i64,
    /// The run's start when points carry times.
    started: Option<Timestamp>,
    head: Option<String>,
    keys: std::vec::IntoIter<(String, i64, u64)>,
    first: bool,
    done: bool,
    max_points: usize,
}

impl SeriesStream {
    /// The next piece of the document, or `None` after its end. `stop` is asked every few
    /// thousand points and ends the work with its error (the client has gone).
    pub fn next_piece(
        &mut self,
        catalog: &Reader,
        stop: &dyn Fn() -> Result<()>,
    ) -> Result<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let mut out = Vec::new();
        if let Some(head) = self.head.take() {
            // `{"model":...,"status":"..."` + `,"metrics":{`
            out.extend_from_slice(head.trim_end_matches('}').as_bytes());
            out.extend_from_slice(b",\"metrics\":{");
        }
        while out.len() < PIECE_BYTES {
            let Some((key, key_id, count)) = self.keys.next() else {
                out.extend_from_slice(b"}}");
                self.done = true;
                break;
            };
            let series = thin(
                catalog,
                (self.run_id, key_id, count),
                self.max_points,
                self.started,
                stop,
            )?;
            if !self.first {
                out.push(b',');
            }
            self.first = false;
            serde_json::to_writer(&mut out, &key)?;
            out.push(b':');
            serde_json::to_writer(&mut out, &series)?;
        }
        Ok(Some(out))
    }
}

/// Every metric of one run as chart series of at most `max_points` points each, with times, in
/// memory (`mfile report`; the page streams the same document with [`series_stream`]).
pub fn series_of(catalog: &Reader, run: &RunRow, max_points: usize) -> ApiResult<SeriesDoc> {
    let mut metrics = BTreeMap::new();
    let started = Some(run.started_at);
    for (key, key_id, count) in catalog.metric_counts_of(run.id)? {
        let series = thin(
            catalog,
            (run.id, key_id, count),
            max_points,
            started,
            &|| Ok(()),
        )?;
        metrics.insert(key, series);
    }
    Ok(SeriesDoc {
        model: run.model.clone(),
        owner: run.owner.clone(),
        run: run.name.clone(),
        status: run.status,
        started_at: started,
        metrics,
    })
}

/// One metric's history (`run_id`, `key_id` and its length) thinned to at most `max_points`
/// points; with `started`, each carries its time since then.
fn thin(
    catalog: &Reader,
    (run_id, key_id, count): (i64, i64, u64),
    max_points: usize,
    started: Option<Timestamp>,
    stop: &dyn Fn() -> Result<()>,
) -> Result<Series> {
    let mut thinner = Downsampler::new(count, max_points);
    let mut seen: u64 = 0;
    catalog.key_history(run_id, key_id, |step, value, logged_at| {
        seen += 1;
        if seen % 4096 == 0 {
            stop()?;
        }
        thinner.push((step, value, logged_at.0));
        Ok(())
    })?;
    let points: Vec<Point> = thinner.finish();
    // points logged since the count was read are in `seen`
    let count = count.max(seen);
    let start_ms = started.map(epoch_ms);
    Ok(Series {
        count,
        downsampled: (points.len() as u64) < count,
        points: points
            .into_iter()
            .map(|(step, v, at)| ChartPoint {
                step,
                value: ChartValue(v),
                ms: start_ms.map(|start| epoch_ms(Timestamp(at)) - start),
            })
            .collect(),
    })
}

/// The files added, removed and changed between two versions (names or `@alias`), as
/// `mfile diff --json` prints them; a missing model or version is a 404.
pub fn diff(center: &Center, model: &str, from: &str, to: &str) -> ApiResult<DiffDoc> {
    let model_row = find_model(&center.catalog, model)?;
    let existing = |given: &str| -> ApiResult<String> {
        let name = center
            .version_name(&model_row, given)
            .map_err(|e| ApiError::NotFound(format!("{e:#}")))?;
        match center.catalog.version(model_row.id, &name)? {
            Some(_) => Ok(name),
            None => Err(ApiError::NotFound(format!(
                "model {model} has no version {}",
                quote(&name)
            ))),
        }
    };
    let (from, to) = (existing(from)?, existing(to)?);
    let found = engine::diff::diff(center, model, &from, &to)?;
    Ok(DiffDoc::new(model, &from, &to, found))
}

fn find_run(catalog: &Reader, model: &str, owner: &str, run: &str) -> ApiResult<RunRow> {
    let model_row = find_model(catalog, model)?;
    catalog.run(model_row.id, owner, run)?.ok_or_else(|| {
        ApiError::NotFound(format!(
            "model {model} has no run {} of user {}",
            quote(run),
            quote(owner)
        ))
    })
}

fn find_model(catalog: &Reader, name: &str) -> ApiResult<ModelRow> {
    catalog
        .model(name)?
        .ok_or_else(|| ApiError::NotFound(format!("no model {}", quote(name))))
}
