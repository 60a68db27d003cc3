//! The JSON documents behind the web page (`/api/...`, documented in docs/web.md) and inside
//! `mfile report` files. Read-only queries on the catalog; no HTTP here.

use std::collections::BTreeMap;

use anyhow::Result;
use rusqlite::Connection;
use serde::{Serialize, Serializer};

use super::downsample::{Downsampler, Point};
use crate::catalog::runs::{self, RunRow, RunStatus};
use crate::catalog::{self, ModelRow, ModelSummary, Scope, VersionSummary};
use crate::center::names::{natural_cmp, quote};
use crate::time::Timestamp;
use crate::tracking::listing::{self, Listing};

/// Series longer than this are thinned for charts unless the request asks otherwise.
pub const DEFAULT_MAX_POINTS: usize = 2000;

/// A request that can't be answered, with the HTTP status that says why.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

pub type ApiResult<T> = std::result::Result<T, ApiError>;

#[derive(Serialize)]
pub struct ModelsDoc {
    pub models: Vec<ModelSummary>,
}

pub fn models(conn: &Connection) -> ApiResult<ModelsDoc> {
    Ok(ModelsDoc {
        models: catalog::model_summaries(conn)?,
    })
}

#[derive(Serialize)]
pub struct VersionsDoc {
    pub model: ModelRow,
    /// Owners of the model's runs, so a page can offer them as filters.
    pub run_owners: Vec<String>,
    pub versions: Vec<VersionSummary>,
}

pub fn versions(conn: &Connection, model: &str) -> ApiResult<VersionsDoc> {
    let model = find_model(conn, model)?;
    let mut versions = catalog::version_summaries(conn, &model)?;
    versions.sort_by(|a, b| natural_cmp(&a.version, &b.version));
    Ok(VersionsDoc {
        run_owners: run_owners(conn, &model)?,
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

pub fn files(conn: &Connection, model: &str, version: &str) -> ApiResult<FilesDoc> {
    let model_row = find_model(conn, model)?;
    if catalog::version(conn, model_row.id, version)?.is_none() {
        return Err(ApiError::NotFound(format!(
            "model {model} has no version {}",
            quote(version)
        )));
    }
    let rows = catalog::files(
        conn,
        Scope {
            model: Some(model),
            version: Some(version),
        },
    )?;
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

/// `/files/MODEL/VERSION/PATH`, each path segment percent-encoded.
pub fn download_url(model: &str, version: &str, path: &str) -> String {
    let mut url = format!("/files/{model}/{version}");
    for segment in path.split('/') {
        url.push('/');
        url.push_str(&percent_encode(segment));
    }
    url
}

/// Encodes everything but unreserved URL characters.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[derive(Serialize)]
pub struct RunsDoc {
    pub model: String,
    /// The owner filter applied, or null for every owner's runs.
    pub owner: Option<String>,
    pub run_owners: Vec<String>,
    #[serde(flatten)]
    pub listing: Listing,
}

/// The runs of a model, newest first, filtered by owner and status.
pub fn runs(
    conn: &Connection,
    model: &str,
    owner: Option<&str>,
    status: Option<RunStatus>,
) -> ApiResult<RunsDoc> {
    let model_row = find_model(conn, model)?;
    let rows = runs::runs(conn, Some(model), owner, status)?;
    runs_doc(conn, &model_row, owner, rows)
}

/// The listing document for chosen runs (what `mfile report` embeds).
pub fn runs_doc(
    conn: &Connection,
    model: &ModelRow,
    owner: Option<&str>,
    rows: Vec<RunRow>,
) -> ApiResult<RunsDoc> {
    Ok(RunsDoc {
        model: model.name.clone(),
        owner: owner.map(str::to_string),
        run_owners: run_owners(conn, model)?,
        listing: listing::build(conn, rows, false, Timestamp::now())?,
    })
}

fn run_owners(conn: &Connection, model: &ModelRow) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT DISTINCT owner FROM runs WHERE model_id = ?1 ORDER BY owner")?;
    let rows = stmt.query_map([model.id], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
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
    /// `[step, value]` pairs in step order.
    pub points: Vec<(i64, ChartValue)>,
}

#[derive(Serialize)]
pub struct SeriesDoc {
    pub model: String,
    pub owner: String,
    pub run: String,
    pub status: RunStatus,
    pub metrics: BTreeMap<String, Series>,
}

/// Every metric of one run as chart series of at most `max_points` points each.
pub fn series(
    conn: &Connection,
    model: &str,
    owner: &str,
    run: &str,
    max_points: usize,
) -> ApiResult<SeriesDoc> {
    let model_row = find_model(conn, model)?;
    let Some(run_row) = runs::run(conn, model_row.id, owner, run)? else {
        return Err(ApiError::NotFound(format!(
            "model {model} has no run {} of user {}",
            quote(run),
            quote(owner)
        )));
    };
    series_of(conn, &run_row, max_points)
}

pub fn series_of(conn: &Connection, run: &RunRow, max_points: usize) -> ApiResult<SeriesDoc> {
    let counts: BTreeMap<String, u64> = runs::summaries_of_runs(conn, &[run.id])?
        .remove(&run.id)
        .unwrap_or_default()
        .into_iter()
        .map(|(key, s)| (key, s.count))
        .collect();
    let mut thinned: BTreeMap<String, Vec<Point>> = BTreeMap::new();
    let mut current: Option<(String, Downsampler)> = None;
    runs::history(conn, run.id, &[], |p| {
        if current.as_ref().is_none_or(|(key, _)| *key != p.key) {
            if let Some((key, d)) = current.take() {
                thinned.insert(key, d.finish());
            }
            let total = counts.get(&p.key).copied().unwrap_or(0);
            current = Some((p.key.clone(), Downsampler::new(total, max_points)));
        }
        if let Some((_, d)) = current.as_mut() {
            d.push((p.step, p.value));
        }
        Ok(())
    })?;
    if let Some((key, d)) = current {
        thinned.insert(key, d.finish());
    }
    let metrics = thinned
        .into_iter()
        .map(|(key, points)| {
            let count = counts.get(&key).copied().unwrap_or(points.len() as u64);
            let series = Series {
                count,
                downsampled: (points.len() as u64) < count,
                points: points
                    .into_iter()
                    .map(|(step, v)| (step, ChartValue(v)))
                    .collect(),
            };
            (key, series)
        })
        .collect();
    Ok(SeriesDoc {
        model: run.model.clone(),
        owner: run.owner.clone(),
        run: run.name.clone(),
        status: run.status,
        metrics,
    })
}

fn find_model(conn: &Connection, name: &str) -> ApiResult<ModelRow> {
    catalog::model(conn, name)?
        .ok_or_else(|| ApiError::NotFound(format!("no model {}", quote(name))))
}
