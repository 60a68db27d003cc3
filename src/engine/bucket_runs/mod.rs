//! The runs of an object-store center, read into its cache: each model's run log
//! (`center::run_log`) applied in order by [`refresh`], and a run's points fetched from its
//! chunks only when they are wanted (`points`).
//!
//! A segment someone damaged costs only the runs it names, or that name it as their previous
//! segment: the cache keeps them as they were before it, says so on every read, and reads
//! every other run on.

mod apply;
mod background;
mod index;
mod points;
mod refresh;
mod upload;

pub use self::background::Background;
pub use self::upload::Uploaded;

use std::sync::Arc;

use anyhow::{Context, Result};

use super::Center;
use crate::catalog::runs::RunRow;
use crate::center::run_log::RUNS_PREFIX;
use crate::center::s3::Bucket;
use crate::values::names::check_name;

/// How many segments or chunks are fetched at once.
const FETCH_AT_ONCE: usize = 16;

impl Center {
    /// Brings the cache's runs of `model` (of every model: `None`) up to date with the bucket,
    /// and returns what should be said of damage found. Nothing for a local center.
    pub fn refresh_runs(&mut self, model: Option<&str>) -> Result<Vec<String>> {
        let Some(bucket) = self.bucket.clone() else {
            return Ok(Vec::new());
        };
        let models = match model {
            Some(model) => vec![model.to_string()],
            None => models_with_runs(&bucket)?,
        };
        // What a refresh applies comes from the bucket: it must not be published to it again.
        let remote = self.catalog.take_remote();
        let mut said = Vec::new();
        let read = models.iter().try_for_each(|model| {
            said.extend(refresh::refresh(&mut self.catalog, &bucket, model)?);
            Ok::<_, anyhow::Error>(())
        });
        if let Some(remote) = remote {
            self.catalog.set_remote(remote);
        }
        read.with_context(|| format!("could not read the runs of {}", self.name))?;
        // A summary a chunk could not be folded into is set right from the points.
        for run_id in self.catalog.runs_with_stale_summaries(model)? {
            let Some(run) = self.catalog.run_by_id(run_id)? else {
                continue;
            };
            if let Err(e) = points::ensure(&mut self.catalog, &bucket, &run) {
                said.push(format!("{e:#}; its metric summaries may be off"));
            }
        }
        Ok(said)
    }

    /// Uploads the run changes this cache recorded and has not uploaded yet (of every process
    /// of this cache). Nothing on a local center.
    pub fn upload_runs(&mut self) -> Result<Uploaded> {
        let Some(bucket) = self.bucket.clone() else {
            return Ok(Uploaded::default());
        };
        // The uploader writes the bucket itself; the cache's own writes must not be journaled.
        let remote = self.catalog.take_remote();
        let done = upload::upload(&mut self.catalog, &bucket, &self.by);
        if let Some(remote) = remote {
            self.catalog.set_remote(remote);
        }
        done.with_context(|| format!("could not upload training records to {}", self.name))
    }

    /// Makes sure the run's points are in the cache, fetching its chunks when they are not.
    /// Nothing to do on a local center.
    pub fn ensure_points(&mut self, run: &RunRow) -> Result<()> {
        let Some(bucket) = self.bucket.clone() else {
            return Ok(());
        };
        points::ensure(&mut self.catalog, &bucket, run)
    }
}

/// The models that have a run log in the bucket.
fn models_with_runs(bucket: &Arc<Bucket>) -> Result<Vec<String>> {
    let listing = bucket.list_dirs(RUNS_PREFIX.trim_end_matches('/'))?;
    Ok(listing
        .dirs
        .iter()
        .filter_map(|dir| dir.strip_prefix(RUNS_PREFIX))
        .filter(|name| check_name("model", name).is_ok())
        .map(str::to_string)
        .collect())
}

/// Runs `read` on every item, [`FETCH_AT_ONCE`] at a time, keeping their order.
fn fetch_all<T: Sync, R: Send>(items: &[T], read: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let mut out = Vec::with_capacity(items.len());
    for group in items.chunks(FETCH_AT_ONCE) {
        std::thread::scope(|scope| {
            let handles: Vec<_> = group
                .iter()
                .map(|item| scope.spawn(|| read(item)))
                .collect();
            for handle in handles {
                out.push(
                    handle
                        .join()
                        .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                );
            }
        });
    }
    out
}
