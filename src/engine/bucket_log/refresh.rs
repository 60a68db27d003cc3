//! Bringing the cache up to date with the bucket's version logs: one listing of `log/`, the
//! segments the cache lacks (a segment never changes, so none is read twice), applied in order.
//!
//! A version's state is its log read from the start, or from its last drop. A segment that is
//! missing or unusable costs only its version: the cache holds it as it was before the damage
//! (unless a drop follows, which makes the damage harmless).

use std::collections::{BTreeMap, HashMap};
use std::sync::PoisonError;

use anyhow::Result;

use super::apply::{OwnChanges, apply, drop_version};
use super::damage::{Damage, Harm};
use super::{BucketLog, Seen, SegmentRead, Unusable};
use crate::catalog::Catalog;
use crate::catalog::remote::LogState;
use crate::center::segment::{self, Segment};
use crate::time::Timestamp;
use crate::values::names::check_name;

/// (model, version).
type Id = (String, String);

/// What a listing says of a version's log: each segment's number and ETag.
type Listed = BTreeMap<Id, BTreeMap<u64, String>>;

const MISSING: &str = "it is missing (deleted from the bucket?)";

impl BucketLog {
    /// Applies to the cache every segment it lacks. Returns the versions whose log is damaged;
    /// the others are read whatever happened to those.
    pub fn refresh(&self, catalog: &mut Catalog) -> Result<Vec<Damage>> {
        let applied = catalog.remote_logs()?;
        let listed = self.list_logs()?;
        let mut damaged = gone_logs(&applied, &listed);
        let mut from_scratch = Vec::new();
        let mut wanted = Vec::new();
        for (id, seqs) in &listed {
            let state = applied.get(id).cloned().unwrap_or_default();
            let mut done = state.seq;
            if rewritten(&state, seqs) {
                damaged.push(damage(id, state.seq, REWRITTEN, Harm::Rewritten));
                from_scratch.push(id.clone());
                done = 0;
            }
            for &seq in seqs.keys().filter(|&&s| s > done) {
                wanted.push((id.0.clone(), id.1.clone(), seq));
            }
        }
        let mut reads: BTreeMap<Id, BTreeMap<u64, SegmentRead>> = BTreeMap::new();
        for ((model, version, seq), read) in wanted.iter().cloned().zip(self.fetch(&wanted)?) {
            reads.entry((model, version)).or_default().insert(seq, read);
        }
        let mut todo = Vec::new();
        for (id, reads) in reads {
            let done = match from_scratch.contains(&id) {
                true => 0,
                false => applied.get(&id).map_or(0, |s| s.seq),
            };
            match plan(done, reads) {
                Ok(segments) => todo.extend(segments),
                Err(unread) => {
                    todo.extend(unread.before);
                    let harm = match unread.newer {
                        true => Harm::Newer,
                        false => Harm::Unread,
                    };
                    damaged.push(damage(&id, unread.seq, &unread.why, harm));
                }
            }
        }
        write(catalog, &from_scratch, &todo, &damaged)?;
        damaged.extend(holes_read_before(catalog, &listed)?);
        damaged.sort_by(|a, b| (&a.model, &a.version).cmp(&(&b.model, &b.version)));
        let highest = listed
            .iter()
            .map(|(id, seqs)| (id.clone(), seqs.keys().last().copied().unwrap_or(0)))
            .collect();
        let seen = Seen {
            highest,
            damaged: damaged.clone(),
        };
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = seen;
        Ok(damaged)
    }

    /// Every segment in the bucket, by version. Keys that name no segment, or a model or
    /// version mfile would refuse, are not segments: left for `verify` to mention.
    fn list_logs(&self) -> Result<Listed> {
        let mut listed = Listed::new();
        for object in self
            .bucket
            .list(segment::LOG_PREFIX.trim_end_matches('/'))?
        {
            let Some((model, version, seq)) = segment::parse_key(&object.key) else {
                continue;
            };
            if check_name("model", model).is_err() || check_name("version", version).is_err() {
                continue;
            }
            let id = (model.to_string(), version.to_string());
            listed.entry(id).or_default().insert(seq, object.etag.0);
        }
        Ok(listed)
    }
}

const REWRITTEN: &str = "was written again after this machine read it";

/// The segment this cache applied last is in the bucket under another ETag: written again
/// after a deletion, by a writer that did not know the one deleted.
fn rewritten(state: &LogState, seqs: &BTreeMap<u64, String>) -> bool {
    let listed = seqs.get(&state.seq);
    !state.etag.is_empty() && listed.is_some_and(|etag| *etag != state.etag)
}

fn damage(id: &Id, seq: u64, why: &str, harm: Harm) -> Damage {
    Damage {
        model: id.0.clone(),
        version: id.1.clone(),
        seq,
        why: why.to_string(),
        harm,
    }
}

/// Versions this cache read whose whole log is gone from the bucket.
fn gone_logs(applied: &HashMap<Id, LogState>, listed: &Listed) -> Vec<Damage> {
    let gone = applied
        .iter()
        .filter(|(id, state)| state.seq > 0 && !listed.contains_key(*id));
    let why = "the whole log is gone from the bucket";
    gone.map(|(id, state)| damage(id, state.seq, why, Harm::ReadBefore))
        .collect()
}

/// One transaction: versions read again are emptied first; a segment another process applied
/// meanwhile is skipped (the cache never goes back); a version that could not be read is
/// shown (and can be deleted) even when nothing of it could be read.
fn write(
    catalog: &mut Catalog,
    from_scratch: &[Id],
    todo: &[(Segment, String)],
    damaged: &[Damage],
) -> Result<()> {
    catalog.write(|tx| {
        for (model, version) in from_scratch {
            drop_version(tx, model, version)?;
            tx.forget_remote_log(model, version)?;
        }
        for (segment, etag) in todo {
            if segment.seq <= tx.remote_log(&segment.model, &segment.version)? {
                continue;
            }
            apply(tx, segment, &OwnChanges::default())?;
            let drops = segment.drop.is_some();
            tx.set_remote_log(&segment.model, &segment.version, segment.seq, etag, drops)?;
        }
        for damage in damaged.iter().filter(|d| d.blocks_writes()) {
            let key = crate::catalog::shared_key(&damage.model);
            let model = tx.ensure_model_keyed(&damage.model, &key, Timestamp::now())?;
            tx.ensure_version(model.id, &damage.version, Timestamp::now())?;
        }
        Ok(())
    })
}

/// Segments this cache applied that the bucket no longer lists (since the last drop of their
/// version, from which its log reads).
fn holes_read_before(catalog: &Catalog, listed: &Listed) -> Result<Vec<Damage>> {
    let applied = catalog.remote_logs()?;
    let mut holes = Vec::new();
    for (id, seqs) in listed {
        let state = applied.get(id).cloned().unwrap_or_default();
        let read = state.restart.max(1)..=state.seq;
        if let Some(hole) = read.into_iter().find(|s| !seqs.contains_key(s)) {
            holes.push(damage(id, hole, MISSING, Harm::ReadBefore));
        }
    }
    Ok(holes)
}

/// A version's log that can't be read through from `done` on: the segments before the first
/// problem, and the problem.
struct Unread {
    before: Vec<(Segment, String)>,
    seq: u64,
    why: String,
    newer: bool,
}

/// The segments after `done` to apply, in order, with their ETags. A missing or unusable
/// segment is harmless when a drop comes after it (the log reads from there); otherwise the
/// segments before it are applied and the rest waits.
fn plan(
    done: u64,
    mut reads: BTreeMap<u64, SegmentRead>,
) -> std::result::Result<Vec<(Segment, String)>, Unread> {
    let highest = reads.keys().last().copied().unwrap_or(done);
    let problem = |seq: u64, reads: &BTreeMap<u64, SegmentRead>| match reads.get(&seq) {
        None => Some(Unusable {
            why: MISSING.to_string(),
            newer: false,
        }),
        Some(Err(unusable)) => Some(unusable.clone()),
        Some(Ok(_)) => None,
    };
    let good = |reads: BTreeMap<u64, SegmentRead>| reads.into_values().filter_map(|r| r.ok());
    let last_problem = (done + 1..=highest)
        .rev()
        .find(|&s| problem(s, &reads).is_some());
    let Some(last_problem) = last_problem else {
        return Ok(good(reads).collect());
    };
    let restart = (last_problem + 1..=highest)
        .find(|s| matches!(reads.get(s), Some(Ok((segment, _))) if segment.drop.is_some()));
    if let Some(restart) = restart {
        return Ok(good(reads.split_off(&restart)).collect());
    }
    let first_problem = (done + 1..=highest)
        .find(|&s| problem(s, &reads).is_some())
        .unwrap_or(last_problem);
    let unusable = problem(first_problem, &reads).unwrap_or(Unusable {
        why: MISSING.to_string(),
        newer: false,
    });
    reads.split_off(&first_problem);
    Err(Unread {
        before: good(reads).collect(),
        seq: first_problem,
        why: unusable.why,
        newer: unusable.newer,
    })
}
