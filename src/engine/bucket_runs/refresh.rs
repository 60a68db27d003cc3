//! Bringing the cache's runs of one model up to date: one listing of the model's run log, the
//! segments the cache lacks read (a segment never changes, so none is read twice), applied in
//! order in one transaction.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;

use super::apply::{apply_segment, harm_named};
use super::{fetch_all, index};
use crate::catalog::{Catalog, shared_key};
use crate::center::run_log::{self, RunSegment};
use crate::center::s3::Bucket;
use crate::time::Timestamp;
use crate::tracking::parse::check_key;
use crate::values::names::check_name;

const MISSING: &str = "it is missing (deleted from the bucket?)";

/// A listed or missing segment as read, with its ETag, or why it can't be used and which runs
/// it names (when it is JSON at all).
type SegmentRead = std::result::Result<(RunSegment, String), Unusable>;

pub(super) struct Unusable {
    pub why: String,
    pub names: Vec<(String, String)>,
}

/// Applies the segments of `model`'s run log the cache lacks; returns what should be said of
/// damage (every time for a damaged run, once for a segment that names no run).
pub(super) fn refresh(
    catalog: &mut Catalog,
    bucket: &Arc<Bucket>,
    model: &str,
) -> Result<Vec<String>> {
    let mut state = catalog.run_log(model)?;
    let mut said = Vec::new();
    if state.seq == 0 {
        // A new cache starts from the newest index, when there is one.
        let (newest, damaged) = index::newest(bucket, model)?;
        said.extend(damaged);
        if let Some(newest) = newest {
            catalog.write(|tx| {
                let model_id = tx
                    .ensure_model_keyed(model, &shared_key(model), newest.at)?
                    .id;
                index::apply(tx, model_id, &newest)?;
                tx.set_run_log(model, newest.seq, &newest.etag)?;
                tx.set_run_index(model, newest.seq)
            })?;
            state = catalog.run_log(model)?;
        }
    }
    let mut listed = list_from(bucket, model, state.seq)?;
    // The last segment this cache applied, deleted or written again since: the cache reads
    // the log again from its start (keeping the runs that have records waiting), so that it
    // agrees with a cache that reads the log for the first time.
    let changed = !state.etag.is_empty() && listed.get(&state.seq) != Some(&state.etag);
    if changed {
        said.push(format!(
            "{} was deleted or written again since this cache read it; the runs of {model} \
             are read again",
            run_log::log_key(model, state.seq)
        ));
        catalog.write(|tx| tx.forget_run_log(model))?;
        state = Default::default();
        listed = list_from(bucket, model, 0)?;
    }
    let highest = listed.keys().last().copied().unwrap_or(0);
    let todo: Vec<u64> = (state.seq + 1..=highest).collect();
    if todo.is_empty() {
        return with_damaged_runs(catalog, model, said);
    }
    let reads = fetch_all(&todo, |&seq| match listed.contains_key(&seq) {
        true => read(bucket, model, seq),
        false => Ok(Err(Unusable {
            why: MISSING.to_string(),
            names: Vec::new(),
        })),
    });
    catalog.write(|tx| {
        let now = Timestamp::now();
        let existed = tx.model(model)?.is_some();
        let model_id = tx.ensure_model_keyed(model, &shared_key(model), now)?.id;
        let mut holes = tx.run_log_holes(model)?;
        for (seq, read) in todo.iter().zip(reads) {
            // A segment that passed the checks but can't be applied (numbers out of any
            // range the cache holds) is damage too, not a failure of the whole read.
            let applied = match read? {
                Ok((segment, etag)) => tx
                    .attempt(|tx| apply_segment(tx, model_id, &segment, &holes))?
                    .map(|more| (more, etag))
                    .map_err(|e| Unusable {
                        why: format!("{e:#}"),
                        names: segment
                            .runs
                            .iter()
                            .map(|e| (e.owner.clone(), e.name.clone()))
                            .collect(),
                    }),
                Err(unusable) => Err(unusable),
            };
            match applied {
                Ok((more, etag)) => {
                    said.extend(more);
                    tx.set_run_log(model, *seq, &etag)?;
                }
                Err(unusable) => {
                    let key = run_log::log_key(model, *seq);
                    let why = format!("{key} is damaged: {}", unusable.why);
                    if unusable.names.is_empty() {
                        said.push(format!("{why}; a run of {model} may lack changes"));
                    }
                    harm_named(tx, model_id, &unusable.names, &why, now)?;
                    tx.add_run_log_hole(model, *seq, &why)?;
                    holes.insert(*seq, why);
                    tx.set_run_log(model, *seq, "")?;
                }
            }
        }
        // A model whose log only ever dropped its runs is not brought back by reading it.
        if !existed && tx.runs(Some(model), None, None)?.is_empty() && !tx.has_versions(model_id)? {
            tx.delete_model(model_id)?;
        }
        Ok(())
    })?;
    with_damaged_runs(catalog, model, said)
}

/// The segments of `model`'s log from number `seq` on (all of them for 0), with their ETags:
/// S3's `start-after`, so that a cache that is up to date pays one request however long the
/// log.
fn list_from(bucket: &Bucket, model: &str, seq: u64) -> Result<BTreeMap<u64, String>> {
    let prefix = run_log::log_prefix(model);
    let prefix = prefix.trim_end_matches('/');
    let objects = match seq {
        0 | 1 => bucket.list(prefix)?,
        seq => bucket.list_after(prefix, &run_log::log_key(model, seq - 1))?,
    };
    Ok(objects
        .into_iter()
        .filter_map(|o| Some((run_log::parse_log_key(model, &o.key)?, o.etag.0)))
        .collect())
}

/// Adds a line for every damaged run of the model.
fn with_damaged_runs(catalog: &Catalog, model: &str, mut said: Vec<String>) -> Result<Vec<String>> {
    if let Some(row) = catalog.model(model)? {
        for (owner, name, why) in catalog.damaged_runs(row.id)? {
            said.push(format!(
                "run {name} of {owner} in {model} is shown as it was before the damage: {why}"
            ));
        }
    }
    Ok(said)
}

/// One segment; the outer error is the server's, the inner one the segment's.
fn read(bucket: &Bucket, model: &str, seq: u64) -> Result<SegmentRead> {
    let Some((bytes, etag)) = bucket.get(&run_log::log_key(model, seq))? else {
        return Ok(Err(Unusable {
            why: MISSING.to_string(),
            names: Vec::new(),
        }));
    };
    let checked = RunSegment::from_json(&bytes, model, seq).and_then(|segment| {
        check_keys(&segment)?;
        Ok(segment)
    });
    Ok(match checked {
        Ok(segment) => Ok((segment, etag.0)),
        Err(e) => Err(Unusable {
            why: format!("{e:#}"),
            names: names_in(&bytes),
        }),
    })
}

/// Param and metric keys follow tracking's rules.
fn check_keys(segment: &RunSegment) -> Result<()> {
    for entry in &segment.runs {
        let metrics = entry.chunk.iter().flat_map(|c| c.keys.keys());
        for key in entry.params.keys().chain(metrics) {
            check_key(key).map_err(anyhow::Error::msg)?;
        }
    }
    Ok(())
}

/// The runs an unusable segment names, when it is JSON with valid names: they are the ones
/// it may have changed.
fn names_in(bytes: &[u8]) -> Vec<(String, String)> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes) else {
        return Vec::new();
    };
    let entries = value["runs"].as_array().cloned().unwrap_or_default();
    entries
        .iter()
        .filter_map(|e| Some((e["owner"].as_str()?, e["name"].as_str()?)))
        .filter(|(owner, name)| {
            check_name("owner", owner).is_ok() && check_name("run", name).is_ok()
        })
        .map(|(owner, name)| (owner.to_string(), name.to_string()))
        .collect()
}
