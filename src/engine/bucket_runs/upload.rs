//! The uploader: turns the cache's outbox (`catalog::run_outbox`) into chunks and segments of
//! the models' run logs, oldest rows first, one model and one segment at a time.
//!
//! A segment takes the next number of the log with a conditional create. Losing the race
//! means others wrote first: their segments are applied, the rows are built again on top
//! (steps left out go after every point of the key now in the bucket; a param someone else set
//! first wins, and ours is dropped with a word) and the next number is tried. A segment found
//! under our number with our id is ours: the server took it and its reply was lost. One
//! process of a cache uploads at a time (a lock file); the rows are the cache's, so whichever
//! uploads carries everyone's.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result, bail};

use super::{index, refresh};
use crate::catalog::Catalog;
use crate::catalog::run_outbox::{Op, Queued};
use crate::catalog::runs_remote::ChunkRow;
use crate::center::run_log::{
    self, Chunk, ChunkRef, Describe, End, ParamValue, Point, RunEntry, RunSegment, Start,
};
use crate::center::s3::{Bucket, Created};
use crate::engine::bucket_log::write_id;
use crate::time::Timestamp;
use crate::values::MAX_STEP;
use crate::values::words::count;

/// The setting that names this cache in the segments it writes, for people.
const WRITER: &str = "runs_writer";

/// A segment carries at most about this many points (a chunk per run: 1.6 MB at this count).
const CHUNK_POINTS: usize = 100_000;

/// How many outbox rows one round reads.
const ROWS_AT_ONCE: usize = 10_000;

/// How many segments of others an upload takes in before it gives up for now.
const MAX_RACES: u32 = 100;

/// What an upload did.
#[derive(Debug, Default)]
pub struct Uploaded {
    pub segments: u64,
    pub points: u64,
    /// What should be said: damage read on the way, params someone else set first, runs
    /// deleted meanwhile.
    pub said: Vec<String>,
}

/// Uploads every row waiting in the cache's outbox.
pub(super) fn upload(catalog: &mut Catalog, bucket: &Arc<Bucket>, by: &str) -> Result<Uploaded> {
    let _lock = lock(catalog.folder())?;
    let writer = writer_id(catalog)?;
    let mut done = Uploaded::default();
    let mut models = Vec::new();
    loop {
        let rows = catalog.outbox(ROWS_AT_ONCE, CHUNK_POINTS as u64)?;
        let Some(first) = rows.first() else {
            break;
        };
        let model = first.model.clone();
        let batch = cut(rows.into_iter().take_while(|r| r.model == model).collect());
        publish(catalog, bucket, by, &writer, &model, &batch, &mut done)?;
        if !models.contains(&model) {
            models.push(model);
        }
    }
    for model in &models {
        // Everything went up: an index may be due. It only spares readers work, so a failure
        // to write it is no failure of the upload.
        let _ = index::write_if_due(catalog, bucket, by, model);
    }
    // A race read the same damage again: say each thing once.
    let mut seen = HashSet::new();
    done.said.retain(|said| seen.insert(said.clone()));
    Ok(done)
}

/// The rows that can go in one segment: up to a row of a run deleted earlier in the batch
/// (a run made again after a delete needs a segment of its own), and a drop only first.
fn cut(rows: Vec<Queued>) -> Vec<Queued> {
    let mut deleted: Vec<(&str, &str)> = Vec::new();
    let mut end = rows.len();
    let mut points = 0;
    for (i, row) in rows.iter().enumerate() {
        let run = (row.owner.as_str(), row.run.as_str());
        let after_delete = deleted.contains(&run);
        let late_drop = matches!(row.op, Op::Drop) && i > 0;
        points += row.op.points();
        // Chunks stay small enough to fetch in one or two GETs.
        let full = i > 0 && points > CHUNK_POINTS;
        if after_delete || late_drop || full {
            end = i;
            break;
        }
        if matches!(row.op, Op::Delete) {
            deleted.push(run);
        }
    }
    let mut rows = rows;
    rows.truncate(end);
    rows
}

/// Writes `batch` as the next segment of `model`'s log, racing others for the number.
fn publish(
    catalog: &mut Catalog,
    bucket: &Arc<Bucket>,
    by: &str,
    writer: &str,
    model: &str,
    batch: &[Queued],
    done: &mut Uploaded,
) -> Result<()> {
    for attempt in 0..MAX_RACES {
        if attempt > 0 {
            // SeaweedFS serialises contended creates about a second apart: losers spread out.
            let jitter = u64::from_str_radix(&write_id()[..8], 16).unwrap_or(0) % 250;
            std::thread::sleep(Duration::from_millis(jitter * u64::from(attempt.min(8))));
        }
        done.said.extend(refresh::refresh(catalog, bucket, model)?);
        // The refresh may have dropped rows (ours found in the bucket, runs deleted there).
        let waiting: HashSet<u64> = catalog.outbox_numbers()?.into_iter().collect();
        let batch: Vec<&Queued> = batch.iter().filter(|r| waiting.contains(&r.n)).collect();
        if batch.is_empty() {
            return Ok(());
        }
        let built = build(catalog, bucket, by, writer, model, &batch, done)?;
        let Some(built) = built else {
            continue; // the batch changed under us (a run deleted meanwhile): build again
        };
        let id = built.segment.id.as_str();
        catalog.write(|tx| tx.note_sending(id))?;
        let etag = match bucket.put_new(&built.segment.key(), built.segment.to_json()?.into())? {
            Created::Created(etag) => etag.0,
            Created::AlreadyExists => match bucket.get(&built.segment.key())? {
                Some((bytes, etag)) if is_ours(&bytes, id) => etag.0,
                _ => {
                    // Someone else's: read it and try the next number.
                    catalog.write(|tx| tx.done_sending(id))?;
                    continue;
                }
            },
        };
        commit(catalog, model, &built, &etag, done)?;
        return Ok(());
    }
    bail!(
        "the run log of {model} grew by {MAX_RACES} segments of others while this upload \
         waited for its turn; the changes wait in this machine's cache"
    )
}

fn is_ours(bytes: &[u8], id: &str) -> bool {
    #[derive(serde::Deserialize)]
    struct Id {
        id: String,
    }
    serde_json::from_slice::<Id>(bytes).is_ok_and(|found| found.id == id)
}

/// A segment ready to be written, with what its commit records.
struct Built {
    segment: RunSegment,
    /// The runs whose rows it carries (up to `segment.upto`), and its drop rows.
    runs: Vec<(String, String)>,
    drop_rows: Vec<u64>,
    /// The chunk of each run, by (owner, name), and whether a step moved in the rebuild.
    chunks: HashMap<(String, String), (ChunkRef, bool)>,
}

/// Builds the segment of `batch` on the cache as it is now (after applying the log): steps
/// left out are assigned, chunks uploaded. `None` when a run of the batch was deleted in the
/// bucket meanwhile (its rows are dropped, with a word, and the caller builds again).
fn build(
    catalog: &mut Catalog,
    bucket: &Bucket,
    by: &str,
    writer: &str,
    model: &str,
    batch: &[&Queued],
    done: &mut Uploaded,
) -> Result<Option<Built>> {
    let mut segment = RunSegment {
        format: 1,
        model: model.to_string(),
        seq: catalog.run_log(model)?.seq + 1,
        id: write_id(),
        at: Timestamp::now(),
        by: by.to_string(),
        writer: writer.to_string(),
        upto: batch.iter().map(|r| r.n).max().unwrap_or(0),
        ..RunSegment::default()
    };
    let mut order: Vec<(String, String)> = Vec::new();
    let mut entries: HashMap<(String, String), RunEntry> = HashMap::new();
    let mut points: HashMap<(String, String), Vec<(&Queued, Timestamp)>> = HashMap::new();
    let mut drop_rows = Vec::new();
    for row in batch {
        if matches!(row.op, Op::Drop) {
            segment.drop = Some("model".to_string());
            drop_rows.push(row.n);
            continue;
        }
        let id = (row.owner.clone(), row.run.clone());
        let entry = entries.entry(id.clone()).or_insert_with(|| {
            order.push(id.clone());
            RunEntry {
                owner: row.owner.clone(),
                name: row.run.clone(),
                ..RunEntry::default()
            }
        });
        match &row.op {
            Op::Start { started_at, host } => {
                entry.start = Some(Start {
                    started_at: *started_at,
                    host: host.clone(),
                })
            }
            Op::Describe {
                version,
                note,
                command,
                tags,
            } => {
                let d = entry.describe.get_or_insert_with(Describe::default);
                d.version = version.clone().or(d.version.take());
                d.note = note.clone().or(d.note.take());
                d.command = command.clone().or(d.command.take());
                d.tags = tags.clone().or(d.tags.take());
            }
            Op::Params { params } => {
                for p in params {
                    let param = ParamValue {
                        value: p.value.clone(),
                        kind: p.kind.clone(),
                    };
                    entry.params.entry(p.key.clone()).or_insert(param);
                }
            }
            Op::Points { logged_at, .. } => {
                points.entry(id).or_default().push((row, *logged_at));
            }
            Op::End {
                status,
                exit_code,
                ended_at,
            } => {
                entry.end = Some(End {
                    status: status.clone(),
                    exit_code: *exit_code,
                    ended_at: *ended_at,
                })
            }
            Op::Delete => entry.delete = true,
            Op::Drop => {}
        }
    }
    let model_row = catalog.model(model)?;
    let mut chunks = HashMap::new();
    for id in &order {
        let entry = entries.get_mut(id).context("an entry vanished")?;
        if entry.delete {
            // Deleted here: whatever else was recorded of it before goes with it. (A run of
            // that name here now was made again after the delete, by rows a later segment
            // carries.)
            *entry = RunEntry {
                owner: id.0.clone(),
                name: id.1.clone(),
                delete: true,
                ..RunEntry::default()
            };
            continue;
        }
        let run = match &model_row {
            Some(m) => catalog.run(m.id, &id.0, &id.1)?,
            None => None,
        };
        let Some(run) = run else {
            // Deleted in the bucket (by someone else) since these rows were recorded: the
            // deletion wins.
            let lost = catalog.write(|tx| tx.unqueue_run(model, &id.0, &id.1))?;
            done.said.push(format!(
                "run {} of {model} was deleted meanwhile by another writer; {} and \
                 the other changes logged to it here were not uploaded",
                id.1,
                count(lost, "point")
            ));
            return Ok(None);
        };
        entry.prev = catalog.run_remote(run.id)?.last_seq;
        if let Some(rows) = points.get(id) {
            let (chunk, moved) = chunk_of(catalog, run.id, model, id, rows, &mut done.said)?;
            let bytes = chunk.encode()?;
            let blake3 = blake3::hash(&bytes).to_hex().to_string();
            let size = bytes.len() as u64;
            match bucket.put_new(&run_log::chunk_key(model, &blake3), bytes.into())? {
                Created::Created(_) | Created::AlreadyExists => {}
            }
            let cited = ChunkRef {
                blake3,
                size,
                points: chunk.keys.values().map(|p| p.len() as u64).sum(),
                keys: chunk.summaries(),
            };
            entry.chunk = Some(cited.clone());
            chunks.insert(id.clone(), (cited, moved));
        }
    }
    segment.runs = order.iter().filter_map(|id| entries.remove(id)).collect();
    segment.format = run_log::format_for(segment.runs.iter().filter_map(|e| e.describe.as_ref()));
    Ok(Some(Built {
        segment,
        runs: order,
        drop_rows,
        chunks,
    }))
}

/// The chunk of a run's waiting points: a step left out goes after the highest step of its key
/// in the bucket (and after the points before it here); at a step logged twice the later value
/// wins. Also whether a step differs from the one the cache gave it.
fn chunk_of(
    catalog: &mut Catalog,
    run_id: i64,
    model: &str,
    (owner, run): &(String, String),
    rows: &[(&Queued, Timestamp)],
    said: &mut Vec<String>,
) -> Result<(Chunk, bool)> {
    // Per key: the highest step so far, its points, and where each step is among them.
    struct Column {
        hi: Option<i64>,
        points: Vec<Point>,
        at: HashMap<i64, usize>,
    }
    let mut columns: BTreeMap<String, Column> = BTreeMap::new();
    let mut moved = false;
    let mut dropped = 0u64;
    // The steps given explicitly in these rows, per key: a point without a step never lands
    // on one of them (a later explicit point would replace it, and its value would be lost).
    let mut explicit: HashMap<&str, HashSet<i64>> = HashMap::new();
    for (row, _) in rows {
        if let Op::Points { keys, .. } = &row.op {
            for queued in keys {
                let steps = queued
                    .steps
                    .iter()
                    .zip(&queued.auto)
                    .filter(|(_, auto)| !**auto);
                let set = explicit.entry(queued.key.as_str()).or_default();
                set.extend(steps.map(|(step, _)| *step));
            }
        }
    }
    for (row, logged_at) in rows {
        let Op::Points { keys, .. } = &row.op else {
            continue;
        };
        for queued in keys {
            if !columns.contains_key(&queued.key) {
                let key_id = catalog.write(|tx| tx.metric_key_id(&queued.key))?;
                let hi = catalog.remote_hi(run_id, key_id)?;
                let column = Column {
                    hi,
                    points: Vec::new(),
                    at: HashMap::new(),
                };
                columns.insert(queued.key.clone(), column);
            }
            let column = columns.get_mut(&queued.key).context("a column vanished")?;
            for ((&logged, &auto), &value) in
                queued.steps.iter().zip(&queued.auto).zip(&queued.values)
            {
                let taken = explicit.get(queued.key.as_str());
                let mut next = match column.hi {
                    None => Some(0),
                    Some(h) => h.checked_add(1),
                };
                while let Some(step) = next.filter(|_| auto)
                    && taken.is_some_and(|t| t.contains(&step))
                {
                    next = step.checked_add(1);
                }
                let step = match (auto, next) {
                    (false, _) => logged,
                    (true, Some(step)) if step <= MAX_STEP => step,
                    (true, _) => {
                        // Another writer took the key to the last step there is.
                        dropped += 1;
                        continue;
                    }
                };
                moved |= step != logged;
                column.hi = Some(column.hi.map_or(step, |h| h.max(step)));
                let point = Point {
                    step,
                    value,
                    logged_at: *logged_at,
                };
                match column.at.get(&step) {
                    Some(&i) => column.points[i] = point,
                    None => {
                        column.at.insert(step, column.points.len());
                        column.points.push(point);
                    }
                }
            }
        }
    }
    let keys: BTreeMap<String, Vec<Point>> = columns
        .into_iter()
        .map(|(key, column)| (key, column.points))
        .collect();
    if dropped > 0 {
        said.push(format!(
            "{} of run {run} without a step were not uploaded: another machine \
             logged their key at step {MAX_STEP}, the last there is",
            count(dropped, "point")
        ));
    }
    let chunk = Chunk {
        model: model.to_string(),
        owner: owner.clone(),
        run: run.clone(),
        keys,
    };
    Ok((chunk, moved))
}

/// Records in the cache that the segment is in the bucket: its rows leave the outbox.
fn commit(
    catalog: &mut Catalog,
    model: &str,
    built: &Built,
    etag: &str,
    done: &mut Uploaded,
) -> Result<()> {
    let seq = built.segment.seq;
    catalog.write(|tx| {
        tx.unqueue(model, &built.runs, built.segment.upto)?;
        for n in &built.drop_rows {
            tx.unqueue_row(*n)?;
        }
        tx.done_sending(&built.segment.id)?;
        tx.set_run_log(model, seq, etag)?;
        let Some(model_row) = tx.model(model)? else {
            return Ok(());
        };
        // The segment ends what it drops and deletes here too: reading the log before it
        // may have brought back runs this cache had dropped or deleted.
        // A run made again after the drop or delete (rows after this segment's) stays.
        let made_again =
            |owner: &str, name: &str| tx.queued_after(model, owner, name, built.segment.upto);
        if built.segment.drop.is_some() {
            for run in tx.runs(Some(model), None, None)? {
                let ours = built.runs.contains(&(run.owner.clone(), run.name.clone()));
                if !ours && !made_again(&run.owner, &run.name)? {
                    tx.delete_run(run.id)?;
                }
            }
        }
        for entry in built.segment.runs.iter().filter(|e| e.delete) {
            if let Some(run) = tx.run(model_row.id, &entry.owner, &entry.name)?
                && !made_again(&entry.owner, &entry.name)?
            {
                tx.delete_run(run.id)?;
            }
        }
        for (owner, name) in &built.runs {
            let Some(run) = tx.run(model_row.id, owner, name)? else {
                continue;
            };
            tx.set_run_seq(run.id, seq)?;
            if let Some((chunk, moved)) = built.chunks.get(&(owner.clone(), name.clone())) {
                tx.add_run_chunk(
                    run.id,
                    &ChunkRow {
                        blake3: chunk.blake3.clone(),
                        size: chunk.size,
                        points: chunk.points,
                    },
                )?;
                for (key, summary) in &chunk.keys {
                    let key_id = tx.metric_key_id(key)?;
                    tx.raise_remote_hi(run.id, key_id, summary.top_step)?;
                }
                if *moved {
                    // Another writer's points came first: the cache's steps are stale.
                    tx.mark_points_stale(run.id)?;
                }
                done.points += chunk.points;
            }
        }
        Ok(())
    })?;
    done.segments += 1;
    Ok(())
}

/// This cache's writer id, drawn once.
fn writer_id(catalog: &mut Catalog) -> Result<String> {
    if let Some(id) = catalog.setting(WRITER)? {
        return Ok(id);
    }
    let id = write_id()[..16].to_string();
    catalog.write(|tx| tx.set_setting(WRITER, &id))?;
    Ok(id)
}

/// The cache's upload lock, held until dropped (SIGKILL releases it with the process).
fn lock(folder: &Path) -> Result<File> {
    let path = folder.join("runs-upload.lock");
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .with_context(|| format!("could not open {}", path.display()))?;
    rustix::fs::flock(&file, rustix::fs::FlockOperation::LockExclusive)
        .with_context(|| format!("could not lock {}", path.display()))?;
    Ok(file)
}
