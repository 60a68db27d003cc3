//! A run's points, fetched from its chunks when they are wanted (`metrics`, a chart, a stale
//! summary): listing runs needs only the summaries the segments carry.

use std::sync::Arc;

use anyhow::{Result, anyhow, bail};

use super::fetch_all;
use crate::catalog::Catalog;
use crate::catalog::run_outbox::Op;
use crate::catalog::runs::RunRow;
use crate::center::run_log::{Chunk, chunk_key};
use crate::center::s3::Bucket;
use crate::tracking::parse::check_key;
use crate::values::MAX_STEP;

/// Loads the run's points from its chunks unless the cache has them all.
pub(super) fn ensure(catalog: &mut Catalog, bucket: &Arc<Bucket>, run: &RunRow) -> Result<()> {
    if catalog.run_remote(run.id)?.points_loaded {
        return Ok(());
    }
    let rows = catalog.run_chunks(run.id)?;
    let chunks = fetch_all(&rows, |row| -> Result<Chunk> {
        let key = chunk_key(&run.model, &row.blake3);
        let missing = || {
            anyhow!(
                "the points of run {} in {} are missing: {key} is not in the bucket",
                run.name,
                run.model
            )
        };
        let (bytes, _) = bucket.get(&key)?.ok_or_else(missing)?;
        if bytes.len() as u64 != row.size || blake3::hash(&bytes).to_hex().as_str() != row.blake3 {
            bail!(
                "the points of run {} in {} are damaged: {key} does not have the bytes its name says",
                run.name,
                run.model
            );
        }
        let chunk = Chunk::decode(&bytes).map_err(|e| anyhow!("{key}: {e:#}"))?;
        if (&chunk.model, &chunk.owner, &chunk.run) != (&run.model, &run.owner, &run.name) {
            bail!(
                "{key} holds the points of run {} of {} in {}, not of run {}",
                chunk.run,
                chunk.owner,
                chunk.model,
                run.name
            );
        }
        check_points(&chunk, row.points).map_err(|why| anyhow!("{key} is damaged: {why}"))?;
        Ok(chunk)
    });
    let chunks: Vec<Chunk> = chunks.into_iter().collect::<Result<_>>()?;
    catalog.write(|tx| {
        tx.clear_points(run.id)?;
        // In log order: a later chunk's value at a step wins, as a later log-metric does.
        for chunk in &chunks {
            for (key, points) in &chunk.keys {
                let key_id = tx.metric_key_id(key)?;
                for p in points {
                    tx.put_point(run.id, key_id, p.step, p.value, p.logged_at)?;
                }
            }
        }
        // Then the points logged here that wait to go up, as logged.
        for queued in tx.waiting_points(&run.model, &run.owner, &run.name)? {
            let Op::Points { logged_at, keys } = queued.op else {
                continue;
            };
            for column in keys {
                let key_id = tx.metric_key_id(&column.key)?;
                for (step, value) in column.steps.iter().zip(&column.values) {
                    tx.put_point(run.id, key_id, *step, *value, logged_at)?;
                }
            }
        }
        tx.recompute_summaries(run.id)?;
        tx.set_points_loaded(run.id, true)
    })
}

/// What the segment said of the chunk, and what no mfile writes: keys tracking refuses, steps
/// out of range.
fn check_points(chunk: &Chunk, points: u64) -> std::result::Result<(), String> {
    let count: usize = chunk.keys.values().map(Vec::len).sum();
    if count as u64 != points {
        return Err(format!("it has {count} points, its segment says {points}"));
    }
    for (key, points) in &chunk.keys {
        check_key(key)?;
        if let Some(p) = points
            .iter()
            .find(|p| !(-MAX_STEP..=MAX_STEP).contains(&p.step))
        {
            return Err(format!("the step {} is out of range", p.step));
        }
    }
    Ok(())
}
