//! Index generations of a model's run log (`runs/<model>/index/<seq>.json`): the log folded up
//! to a segment, so that a new cache reads one object and the segments after it instead of
//! every segment ever written. An uploader writes one every [`INDEX_EVERY`] segments, from a
//! cache that has nothing of the model waiting, no damage and no stale summary (what it holds
//! is then exactly the log folded). Each is written once; readers take the newest they can read.

use std::collections::BTreeMap;
use std::sync::Arc;

use anyhow::Result;

use crate::catalog::runs::RunRow;
use crate::catalog::runs::Summary;
use crate::catalog::runs_remote::ChunkRow;
use crate::catalog::{Catalog, Tx};
use crate::center::run_log::{
    self, Chunk, IndexedChunk, IndexedRun, KeySummary, Num, Point, RunIndex,
};
use crate::center::s3::{Bucket, Created};
use crate::time::Timestamp;
use crate::values::{ParamKind, RunStatus};

/// A new index once the log has grown this many segments past the last one.
const INDEX_EVERY: u64 = 256;

/// A run of this many chunks or more has them merged for the index.
const MERGE_FROM: usize = 8;

/// The points of a merged chunk (16 MB).
const MERGED_POINTS: usize = 1_000_000;

/// Writes an index of `model`'s log at the cache's last segment when one is due and the cache
/// holds exactly the log folded up to it.
pub(super) fn write_if_due(
    catalog: &mut Catalog,
    bucket: &Arc<Bucket>,
    by: &str,
    model: &str,
) -> Result<()> {
    let state = catalog.run_log(model)?;
    if state.seq < catalog.run_index_seq(model)? + INDEX_EVERY || state.etag.is_empty() {
        return Ok(());
    }
    let Some(model_row) = catalog.model(model)? else {
        return Ok(());
    };
    let clean = catalog.waiting()?.iter().all(|w| w.model != model)
        && catalog.damaged_runs(model_row.id)?.is_empty()
        && catalog.run_log_holes(model)?.is_empty()
        && catalog.runs_with_stale_summaries(Some(model))?.is_empty();
    if !clean {
        return Ok(());
    }
    let rows = catalog.runs(Some(model), None, None)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let mut params = catalog.params_of_runs(&ids)?;
    let mut tags = catalog.tags_of_runs(&ids)?;
    let mut summaries = catalog.summaries_of_runs(&ids)?;
    let mut runs = Vec::with_capacity(rows.len());
    for row in rows {
        let his = catalog.remote_his(row.id)?;
        let chunks = chunks_of(catalog, bucket, &row)?;
        let metrics = summaries
            .remove(&row.id)
            .unwrap_or_default()
            .into_iter()
            .map(|(key, s)| {
                let top = his.get(&key).copied().unwrap_or(s.last_step);
                (key, key_summary(&s, top))
            })
            .collect();
        runs.push(IndexedRun {
            owner: row.owner,
            name: row.name,
            last_seq: catalog.run_remote(row.id)?.last_seq,
            started_at: row.started_at,
            host: row.host,
            status: row.status.as_str().to_string(),
            ended_at: row.ended_at,
            exit_code: row.exit_code,
            describe: run_log::Describe {
                version: row.version,
                note: row.note,
                command: row.command,
                tags: tags.remove(&row.id).filter(|t| !t.is_empty()),
            },
            params: params
                .remove(&row.id)
                .unwrap_or_default()
                .into_iter()
                .map(|(key, p)| {
                    let value = run_log::ParamValue {
                        value: p.value,
                        kind: p.kind.as_str().to_string(),
                    };
                    (key, value)
                })
                .collect(),
            metrics,
            chunks,
        });
    }
    let index = RunIndex {
        format: run_log::format_for(runs.iter().map(|r| &r.describe)),
        model: model.to_string(),
        seq: state.seq,
        etag: state.etag,
        at: Timestamp::now(),
        by: by.to_string(),
        runs,
    };
    // Another writer's index at the same number folds the same log: either one stands.
    match bucket.put_new(
        &run_log::index_key(model, index.seq),
        index.to_json()?.into(),
    )? {
        Created::Created(_) | Created::AlreadyExists => {}
    }
    catalog.write(|tx| tx.set_run_index(model, index.seq))
}

/// The chunks an index names for a run: those of the log, or, for a run of many chunks whose
/// points this cache holds (a live run uploads a chunk every couple of seconds), the points
/// merged into chunks of up to [`MERGED_POINTS`], uploaded here, so that a new cache fetches a
/// few chunks, not thousands.
fn chunks_of(catalog: &Catalog, bucket: &Bucket, run: &RunRow) -> Result<Vec<IndexedChunk>> {
    let chunks = catalog.run_chunks(run.id)?;
    let as_indexed = |c: ChunkRow| IndexedChunk {
        blake3: c.blake3,
        size: c.size,
        points: c.points,
    };
    if chunks.len() < MERGE_FROM || !catalog.run_remote(run.id)?.points_loaded {
        return Ok(chunks.into_iter().map(as_indexed).collect());
    }
    let mut merged = Vec::new();
    let mut chunk = Chunk {
        model: run.model.clone(),
        owner: run.owner.clone(),
        run: run.name.clone(),
        keys: BTreeMap::new(),
    };
    let mut held = 0;
    let mut send = |chunk: &mut Chunk| -> Result<()> {
        let bytes = chunk.encode()?;
        let blake3 = blake3::hash(&bytes).to_hex().to_string();
        let size = bytes.len() as u64;
        match bucket.put_new(&run_log::chunk_key(&run.model, &blake3), bytes.into())? {
            Created::Created(_) | Created::AlreadyExists => {}
        }
        let points = chunk.keys.values().map(|p| p.len() as u64).sum();
        merged.push(IndexedChunk {
            blake3,
            size,
            points,
        });
        chunk.keys.clear();
        Ok(())
    };
    catalog.history(run.id, &[], |p| {
        let point = Point {
            step: p.step,
            value: p.value,
            logged_at: p.logged_at,
        };
        chunk.keys.entry(p.key).or_default().push(point);
        held += 1;
        if held == MERGED_POINTS {
            send(&mut chunk)?;
            held = 0;
        }
        Ok(())
    })?;
    if held > 0 {
        send(&mut chunk)?;
    }
    Ok(merged)
}

/// The newest index of `model`'s log this mfile can read, and what should be said of newer
/// ones it could not.
pub(super) fn newest(bucket: &Bucket, model: &str) -> Result<(Option<RunIndex>, Vec<String>)> {
    let prefix = run_log::index_prefix(model);
    let mut seqs: Vec<u64> = bucket
        .list(prefix.trim_end_matches('/'))?
        .iter()
        .filter_map(|o| run_log::parse_index_key(model, &o.key))
        .collect();
    seqs.sort_unstable_by(|a, b| b.cmp(a));
    let mut said = Vec::new();
    for seq in seqs.into_iter().take(3) {
        let key = run_log::index_key(model, seq);
        let Some((bytes, _)) = bucket.get(&key)? else {
            continue;
        };
        match RunIndex::from_json(&bytes, model, seq) {
            Ok(index) => return Ok((Some(index), said)),
            Err(e) => said.push(format!(
                "{key} is damaged ({e:#}); an older one or the log is read"
            )),
        }
    }
    Ok((None, said))
}

/// Puts the runs of an index into the cache (which has none of the model's yet).
pub(super) fn apply(tx: &Tx, model_id: i64, index: &RunIndex) -> Result<()> {
    for run in &index.runs {
        let (run_id, _) =
            tx.ensure_run_started(model_id, &run.owner, &run.name, run.started_at, &run.host)?;
        let status = run.status.parse().unwrap_or(RunStatus::Running);
        tx.end_run_at(run_id, status, run.exit_code, run.ended_at)?;
        let version_id = match &run.describe.version {
            Some(version) => Some(tx.ensure_version(model_id, version, index.at)?.id),
            None => None,
        };
        let d = &run.describe;
        tx.describe_run(run_id, version_id, d.note.as_deref(), d.command.as_deref())?;
        if let Some(tags) = &d.tags {
            tx.replace_run_tags(run_id, tags)?;
        }
        for (key, p) in &run.params {
            let kind = p.kind.parse().unwrap_or(ParamKind::String);
            tx.insert_param(run_id, key, &p.value, kind)?;
        }
        for (key, s) in &run.metrics {
            let key_id = tx.metric_key_id(key)?;
            let summary = Summary {
                count: s.count,
                last_step: s.last_step,
                last_value: s.last_value.0,
                min: s.min.map(|(v, step)| (v.0, step)),
                max: s.max.map(|(v, step)| (v.0, step)),
            };
            tx.put_summary(run_id, key_id, &summary)?;
            tx.raise_remote_hi(run_id, key_id, s.top_step)?;
        }
        for c in &run.chunks {
            let chunk = ChunkRow {
                blake3: c.blake3.clone(),
                size: c.size,
                points: c.points,
            };
            tx.add_run_chunk(run_id, &chunk)?;
        }
        if !run.chunks.is_empty() {
            tx.set_points_loaded(run_id, false)?;
        }
        tx.set_run_seq(run_id, run.last_seq)?;
    }
    Ok(())
}

/// A summary as an index carries it (the run's, not one chunk's: `first_step` and
/// `ascending` say nothing there).
fn key_summary(s: &Summary, top_step: i64) -> KeySummary {
    KeySummary {
        count: s.count,
        first_step: s.last_step.min(top_step),
        last_step: s.last_step,
        top_step,
        ascending: false,
        last_value: Num(s.last_value),
        min: s.min.map(|(v, step)| (Num(v), step)),
        max: s.max.map(|(v, step)| (Num(v), step)),
    }
}
