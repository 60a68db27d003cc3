//! The catalog of an object-store center is a cache of the bucket's version logs
//! (`center::segment`): [`BucketLog::refresh`] brings it up to date when a command opens the
//! center, and [`BucketLog`] as the catalog's `Remote` commits every write as one segment per
//! version it touched, before the cache commits.
//!
//! A log someone damaged (a segment deleted, or one mfile would never write) costs only its
//! version: the cache keeps that version as it was before the damage, says so, and refuses to
//! write to it, but for a drop, which starts its log afresh.

mod apply;
mod damage;
mod refresh;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, anyhow, bail};

use self::apply::{OwnChanges, apply, refuse_conflicts, refuse_dropped};
pub use self::damage::{Damage, Harm};
use crate::catalog::Tx;
use crate::catalog::remote::{Change, Remote};
use crate::center::s3::{Bucket, Created};
use crate::center::segment::{self, Description, Dropped, NewerFormat, PutFile, Segment};
use crate::error::usage;
use crate::time::Timestamp;

/// How many segments are fetched at once when the cache catches up.
const FETCH_AT_ONCE: usize = 16;

/// How many segments of others a write takes in before it gives up on a busy log.
const MAX_RACES: usize = 100;

/// A center's version logs in its bucket.
pub struct BucketLog {
    bucket: Arc<Bucket>,
    /// Who writes, for people reading a segment: `user@host`.
    by: String,
    /// What the last refresh found: the highest segment listed per version, and the damage.
    seen: Mutex<Seen>,
}

#[derive(Default)]
struct Seen {
    highest: HashMap<(String, String), u64>,
    damaged: Vec<Damage>,
}

impl BucketLog {
    pub fn new(bucket: Arc<Bucket>, by: String) -> Self {
        BucketLog {
            bucket,
            by,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Reads segments, several at once, in the order given.
    fn fetch(&self, todo: &[(String, String, u64)]) -> Result<Vec<SegmentRead>> {
        let mut segments = Vec::with_capacity(todo.len());
        for chunk in todo.chunks(FETCH_AT_ONCE) {
            let fetched: Vec<Result<SegmentRead>> = std::thread::scope(|scope| {
                let handles: Vec<_> = chunk
                    .iter()
                    .map(|(model, version, seq)| {
                        scope.spawn(move || self.read(model, version, *seq))
                    })
                    .collect();
                handles
                    .into_iter()
                    .map(|h| {
                        h.join()
                            .unwrap_or_else(|_| bail!("a segment reader panicked"))
                    })
                    .collect()
            });
            for segment in fetched {
                segments.push(segment?);
            }
        }
        Ok(segments)
    }

    /// One segment and its ETag; the outer error is the server's, the inner one the segment's.
    fn read(&self, model: &str, version: &str, seq: u64) -> Result<SegmentRead> {
        let key = segment::key(model, version, seq);
        let Some((bytes, etag)) = self.bucket.get(&key)? else {
            return Ok(Err(Unusable {
                why: "it is missing (deleted from the bucket?)".into(),
                newer: false,
            }));
        };
        Ok(match Segment::from_json(&bytes, model, version, seq) {
            Ok(segment) => Ok((segment, etag.0)),
            Err(e) => Err(Unusable {
                why: format!("{e:#}"),
                newer: e.is::<NewerFormat>(),
            }),
        })
    }

    /// Appends `ours` to the version's log: as the segment after the last one listed or
    /// applied, or, when others wrote meanwhile, after theirs (applied to the cache first, and
    /// refused when one of them stored other content at a path this write adds without
    /// --force). A segment found in our place that carries our id is ours: the server took it
    /// and its reply was lost.
    fn append(&self, tx: &Tx, mut ours: Segment) -> Result<()> {
        let id = (ours.model.clone(), ours.version.clone());
        let (highest, damage) = {
            let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
            let damage = seen
                .damaged
                .iter()
                .find(|d| (&d.model, &d.version) == (&id.0, &id.1) && d.blocks_writes())
                .cloned();
            (seen.highest.get(&id).copied().unwrap_or(0), damage)
        };
        if let Some(damage) = damage.filter(|_| ours.drop.is_none()) {
            bail!("{damage}");
        }
        // What every reader would refuse (a description with a newline) damages the version
        // for the whole team: refused here, before anything is written.
        ours.check().map_err(|e| {
            usage(format!(
                "nothing was written: {} {} can't hold this in a bucket center: {e:#}",
                id.0, id.1
            ))
        })?;
        let mine = OwnChanges::of(&ours);
        let drops = ours.drop.is_some();
        ours.seq = tx.remote_log(&id.0, &id.1)?.max(highest) + 1;
        for _ in 0..MAX_RACES {
            let (model, version) = (&ours.model, &ours.version);
            match self.bucket.put_new(&ours.key(), ours.to_json()?.into())? {
                Created::Created(etag) => {
                    return tx.set_remote_log(model, version, ours.seq, &etag.0, drops);
                }
                Created::AlreadyExists => {
                    let (theirs, etag) = self.read(model, version, ours.seq)?.map_err(|u| {
                        anyhow!(
                            "could not write to the log of {model} {version}: {} is damaged \
                             ({}); run `mfile verify`",
                            ours.key(),
                            u.why
                        )
                    })?;
                    if theirs.id == ours.id {
                        return tx.set_remote_log(model, version, ours.seq, &etag, drops);
                    }
                    refuse_dropped(&theirs, &ours)?;
                    refuse_conflicts(&theirs, &ours)?;
                    apply(tx, &theirs, &mine)?;
                    let theirs_drops = theirs.drop.is_some();
                    tx.set_remote_log(model, version, theirs.seq, &etag, theirs_drops)?;
                    ours.seq += 1;
                }
            }
        }
        bail!(
            "the log of {} {} grew by {MAX_RACES} segments of others while this write waited \
             for its turn; nothing was written, try again",
            ours.model,
            ours.version
        )
    }
}

impl Remote for BucketLog {
    fn publish(&self, tx: &Tx, changes: Vec<Change>) -> Result<()> {
        for segment in self.segments(tx, changes)? {
            self.append(tx, segment)?;
        }
        Ok(())
    }
}

impl BucketLog {
    /// The changes of one write as one segment per version, in the order first touched.
    fn segments(&self, tx: &Tx, changes: Vec<Change>) -> Result<Vec<Segment>> {
        let mut order: Vec<(String, String)> = Vec::new();
        let mut by_version: BTreeMap<(String, String), Segment> = BTreeMap::new();
        let now = Timestamp::now();
        let mut touch = |model: &str, version: &str| -> (String, String) {
            let id = (model.to_string(), version.to_string());
            if !order.contains(&id) {
                order.push(id.clone());
            }
            id
        };
        let mut edits: Vec<((String, String), Change)> = Vec::new();
        for change in changes {
            match &change {
                Change::DropModel { model } => {
                    // Every version the bucket or the cache knows gets a segment that drops it.
                    for version in self.versions_of(tx, model)? {
                        let id = touch(model, &version);
                        edits.push((id, change.clone()));
                    }
                }
                Change::CreateVersion { model, version, .. }
                | Change::DescribeVersion { model, version, .. }
                | Change::DeleteFile { model, version, .. }
                | Change::MoveAlias { model, version, .. }
                | Change::DropVersion { model, version } => {
                    let id = touch(model, version);
                    edits.push((id, change));
                }
                Change::PutFile { file, .. } => {
                    let id = touch(&file.model, &file.version);
                    edits.push((id, change));
                }
            }
        }
        for (id, change) in edits {
            let segment = by_version.entry(id.clone()).or_insert_with(|| Segment {
                format: 1,
                id: write_id(),
                model: id.0.clone(),
                version: id.1.clone(),
                at: now,
                by: self.by.clone(),
                ..Segment::default()
            });
            add(segment, change);
        }
        Ok(order
            .into_iter()
            .filter_map(|id| by_version.remove(&id))
            .collect())
    }

    /// The versions of `model` that have a log in the bucket or rows in the cache.
    fn versions_of(&self, tx: &Tx, model: &str) -> Result<Vec<String>> {
        let mut versions: HashSet<String> = tx
            .remote_logs()?
            .into_keys()
            .filter(|(m, _)| m == model)
            .map(|(_, v)| v)
            .collect();
        // object_store lists a prefix as a folder (`log/m` lists `log/m/...`, not `log/m2/`);
        // the model check guards against a backend that lists by string prefix.
        let prefix = format!("{}{model}", segment::LOG_PREFIX);
        for object in self.bucket.list(&prefix)? {
            if let Some((of, version, _)) = segment::parse_key(&object.key)
                && of == model
            {
                versions.insert(version.to_string());
            }
        }
        let mut versions: Vec<String> = versions.into_iter().collect();
        versions.sort();
        Ok(versions)
    }
}

/// A random id for one segment written by this process. `RandomState` draws its keys from
/// the OS's random source once per thread and steps them for each new one: unpredictable
/// enough to tell one writer's segment from another's, which is all the id is for.
pub(crate) fn write_id() -> String {
    use std::hash::{BuildHasher, Hasher};
    let half = || {
        std::collections::hash_map::RandomState::new()
            .build_hasher()
            .finish()
    };
    format!("{:016x}{:016x}", half(), half())
}

/// Adds one change to its version's segment.
fn add(segment: &mut Segment, change: Change) {
    match change {
        Change::DropModel { .. } => drop_all(segment, Dropped::Model),
        Change::DropVersion { .. } => drop_all(segment, Dropped::Version),
        Change::CreateVersion { at, .. } => {
            // Every cache dates the version as its maker's does.
            segment.create = true;
            segment.at = at;
        }
        Change::DescribeVersion {
            description, tags, ..
        } => segment.describe = Some(Description { description, tags }),
        Change::DeleteFile { path, .. } => {
            segment.put.retain(|p| p.path != path);
            segment.delete.push(path);
        }
        Change::MoveAlias {
            alias, removed, at, ..
        } => {
            // Every cache orders the moves of an alias by this time.
            segment.at = at;
            segment.format = segment::FORMAT;
            match removed {
                false => segment.alias.push(alias),
                true => segment.unalias.push(alias),
            }
        }
        Change::PutFile { file, replaced } => {
            segment.delete.retain(|p| *p != file.path);
            segment.put.retain(|p| p.path != file.path);
            segment.put.push(PutFile {
                path: file.path,
                size: file.size,
                md5: file.md5,
                blake3: file.blake3,
                modified_at: file.modified_at,
                imported_at: file.imported_at,
                location: file.location,
                replaces: replaced,
            });
        }
    }
}

/// A drop is applied before anything else in a segment: what the same write did to the
/// version before it is gone with it.
fn drop_all(segment: &mut Segment, dropped: Dropped) {
    segment.drop = Some(dropped);
    segment.create = false;
    segment.describe = None;
    segment.put.clear();
    segment.delete.clear();
    segment.alias.clear();
    segment.unalias.clear();
}

/// A listed segment as read, with its ETag, or why it can't be used.
type SegmentRead = std::result::Result<(Segment, String), Unusable>;

#[derive(Clone, Debug)]
struct Unusable {
    why: String,
    /// Written by a newer mfile: not damage, but not for this one to read on.
    newer: bool,
}
