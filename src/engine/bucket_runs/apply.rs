//! Applying one segment of a model's run log to the cache: each run entry's parts in order
//! (start, describe, params, chunk, end, delete), as docs/center-layout.md says every cache
//! does, so that all caches agree.

use std::collections::BTreeMap;

use anyhow::Result;

use crate::catalog::Tx;
use crate::catalog::runs::Summary;
use crate::catalog::runs_remote::ChunkRow;
use crate::center::run_log::{RunEntry, RunSegment};
use crate::time::Timestamp;
use crate::tracking::parse::same_param;
use crate::values::{ParamKind, RunStatus};

/// Applies `segment`; returns what should be said (a param a segment tried to change).
/// `holes` are the segments of the log this cache could not read: a run whose previous
/// segment is one of them is harmed by it.
pub(super) fn apply_segment(
    tx: &Tx,
    model_id: i64,
    segment: &RunSegment,
    holes: &BTreeMap<u64, String>,
) -> Result<Vec<String>> {
    let mut said = Vec::new();
    if tx.is_sending(&segment.id)? {
        // This cache wrote it, and was stopped before it noted so: its rows went up.
        let runs: Vec<(String, String)> = segment
            .runs
            .iter()
            .map(|e| (e.owner.clone(), e.name.clone()))
            .chain(segment.drop.iter().map(|_| (String::new(), String::new())))
            .collect();
        tx.unqueue(&segment.model, &runs, segment.upto)?;
        tx.done_sending(&segment.id)?;
    }
    if segment.drop.is_some() {
        for run in tx.runs(Some(&segment.model), None, None)? {
            tx.delete_run(run.id)?;
        }
    }
    for entry in &segment.runs {
        // A delete ends the run whatever happened to it before, damage included.
        if entry.delete {
            if let Some(run) = tx.run(model_id, &entry.owner, &entry.name)? {
                tx.delete_run(run.id)?;
            }
            continue;
        }
        let started = entry.start.as_ref();
        let (run_id, _) = tx.ensure_run_started(
            model_id,
            &entry.owner,
            &entry.name,
            started.map_or(segment.at, |s| s.started_at),
            started.map_or("", |s| s.host.as_str()),
        )?;
        if tx.run_remote(run_id)?.damaged.is_some() {
            continue; // shown as it was before the damage, unless deleted
        }
        if let Some(why) = holes.get(&entry.prev) {
            tx.set_run_damaged(run_id, why)?;
            continue;
        }
        said.extend(apply_entry(tx, model_id, run_id, segment, entry)?);
    }
    Ok(said)
}

fn apply_entry(
    tx: &Tx,
    model_id: i64,
    run_id: i64,
    segment: &RunSegment,
    entry: &RunEntry,
) -> Result<Vec<String>> {
    let mut said = Vec::new();
    if let Some(describe) = &entry.describe {
        let version_id = match &describe.version {
            Some(version) => Some(tx.ensure_version(model_id, version, segment.at)?.id),
            None => None,
        };
        let (note, command) = (describe.note.as_deref(), describe.command.as_deref());
        tx.describe_run(run_id, version_id, note, command)?;
        if let Some(tags) = &describe.tags {
            tx.replace_run_tags(run_id, tags)?;
        }
    }
    for (key, param) in &entry.params {
        let had = tx.params_of(run_id)?;
        match had.get(key) {
            None => {
                let kind = param.kind.parse().unwrap_or(ParamKind::String);
                tx.insert_param(run_id, key, &param.value, kind)?;
            }
            Some(ours) if !same_param(&ours.value, &param.value) => {
                match tx.unqueue_params(&segment.model, &entry.owner, &entry.name, key)? {
                    // Ours waits to be uploaded: theirs came first in the log and stands, and
                    // the call that logged ours is dropped whole (a later key of theirs that
                    // it also set is taken in as new).
                    Some(dropped) => {
                        for other in &dropped {
                            tx.delete_param(run_id, other)?;
                        }
                        let kind = param.kind.parse().unwrap_or(ParamKind::String);
                        tx.insert_param(run_id, key, &param.value, kind)?;
                        said.push(format!(
                            "params {} of run {} were not logged: {} set {key} to {} first \
                             (params are write-once)",
                            dropped.join(", "),
                            entry.name,
                            segment.by,
                            param.value
                        ));
                    }
                    // Params are write-once: a later value can only come from a segment no
                    // mfile wrote. The first stands.
                    None => said.push(format!(
                        "{} tried to change param {key} of run {} from {} to {}; it stays {}",
                        segment.key(),
                        entry.name,
                        ours.value,
                        param.value,
                        ours.value
                    )),
                }
            }
            Some(_) => {}
        }
    }
    if let Some(chunk) = &entry.chunk {
        tx.add_run_chunk(
            run_id,
            &ChunkRow {
                blake3: chunk.blake3.clone(),
                size: chunk.size,
                points: chunk.points,
            },
        )?;
        for (key, s) in &chunk.keys {
            let key_id = tx.metric_key_id(key)?;
            let summary = Summary {
                count: s.count,
                last_step: s.last_step,
                last_value: s.last_value.0,
                min: s.min.map(|(v, step)| (v.0, step)),
                max: s.max.map(|(v, step)| (v.0, step)),
            };
            tx.merge_summary(run_id, key_id, &summary, s.first_step, s.ascending)?;
            tx.raise_remote_hi(run_id, key_id, s.top_step)?;
        }
        tx.set_points_loaded(run_id, false)?;
    }
    if let Some(end) = &entry.end {
        let status = end.status.parse().unwrap_or(RunStatus::Running);
        tx.end_run_at(run_id, status, end.exit_code, end.ended_at)?;
    }
    tx.set_run_seq(run_id, segment.seq)?;
    Ok(said)
}

/// Marks the runs an unusable segment names as damaged by it (making them when this cache has
/// not seen them, so that they are named).
pub(super) fn harm_named(
    tx: &Tx,
    model_id: i64,
    names: &[(String, String)],
    why: &str,
    now: Timestamp,
) -> Result<()> {
    for (owner, name) in names {
        let (run_id, _) = tx.ensure_run_started(model_id, owner, name, now, "")?;
        tx.set_run_damaged(run_id, why)?;
    }
    Ok(())
}
