//! The catalog of an object-store center is a cache of the bucket's version logs
//! (`center::segment`): [`BucketLog::refresh`] brings it up to date when a command opens the
//! center, and [`BucketLog`] as the catalog's `Remote` commits every write as one segment per
//! version it touched, before the cache commits.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::bullet_list;
use crate::catalog::remote::{Change, Remote};
use crate::catalog::{Catalog, NewFile, Tx};
use crate::center::s3::{Bucket, Created};
use crate::center::segment::{self, Description, Dropped, PutFile, Segment};
use crate::time::Timestamp;
use crate::values::Digests;

/// How many segments are fetched at once when the cache catches up.
const FETCH_AT_ONCE: usize = 16;

/// A center's version logs in its bucket.
pub struct BucketLog {
    bucket: Arc<Bucket>,
    /// Who writes, for people reading a segment: `user@host`.
    by: String,
}

impl BucketLog {
    pub fn new(bucket: Arc<Bucket>, by: String) -> Self {
        BucketLog { bucket, by }
    }

    /// Applies to the cache every segment it lacks: one listing of the logs, then the new
    /// segments (never one read before: a segment never changes).
    pub fn refresh(&self, catalog: &mut Catalog) -> Result<()> {
        let applied = catalog.remote_logs()?;
        let mut wanted: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
        for object in self
            .bucket
            .list(segment::LOG_PREFIX.trim_end_matches('/'))?
        {
            let Some((model, version, seq)) = segment::parse_key(&object.key) else {
                continue; // not a segment: left for `verify` to mention
            };
            let done = applied
                .get(&(model.to_string(), version.to_string()))
                .copied()
                .unwrap_or(0);
            if seq > done {
                let entry = wanted.entry((model.to_string(), version.to_string()));
                entry.or_default().push(seq);
            }
        }
        if wanted.is_empty() {
            return Ok(());
        }
        let mut todo = Vec::new();
        for ((model, version), mut seqs) in wanted {
            seqs.sort_unstable();
            let mut next = applied.get(&(model.clone(), version.clone())).copied();
            let next = next.get_or_insert(0);
            // Only the run that follows what is applied: a gap is a segment still being
            // listed (or lost), and what comes after it waits for it.
            for seq in seqs {
                if seq != *next + 1 {
                    break;
                }
                *next = seq;
                todo.push((model.clone(), version.clone(), seq));
            }
        }
        let segments = self.fetch(&todo)?;
        catalog.write(|tx| {
            for segment in &segments {
                apply(tx, segment, &Ours::default())?;
                tx.set_remote_log(&segment.model, &segment.version, segment.seq)?;
            }
            Ok(())
        })
    }

    /// Reads segments, several at once, in the order given.
    fn fetch(&self, todo: &[(String, String, u64)]) -> Result<Vec<Segment>> {
        let mut segments = Vec::with_capacity(todo.len());
        for chunk in todo.chunks(FETCH_AT_ONCE) {
            let fetched: Vec<Result<Segment>> = std::thread::scope(|scope| {
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

    fn read(&self, model: &str, version: &str, seq: u64) -> Result<Segment> {
        let key = segment::key(model, version, seq);
        let (bytes, _) = self
            .bucket
            .get(&key)?
            .with_context(|| format!("segment {key} was listed but is gone"))?;
        Segment::from_json(&bytes, model, version, seq)
    }

    /// Appends `ours` to the version's log: as the segment after the last one applied, or,
    /// when others wrote meanwhile, after theirs (applied to the cache first, and refused when
    /// one of them stored other content at a path this write adds without --force).
    fn append(&self, tx: &Tx, mut ours: Segment) -> Result<()> {
        let mine = Ours::of(&ours);
        ours.seq = tx.remote_log(&ours.model, &ours.version)? + 1;
        loop {
            match self.bucket.put_new(&ours.key(), ours.to_json()?.into())? {
                Created::Created(_) => {
                    return tx.set_remote_log(&ours.model, &ours.version, ours.seq);
                }
                Created::AlreadyExists => {
                    let theirs = self.read(&ours.model, &ours.version, ours.seq)?;
                    refuse_conflicts(&theirs, &ours)?;
                    apply(tx, &theirs, &mine)?;
                    ours.seq += 1;
                }
            }
        }
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
            if !by_version.contains_key(&id) {
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
                Change::CreateVersion { model, version }
                | Change::DescribeVersion { model, version, .. }
                | Change::DeleteFile { model, version, .. }
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
        let prefix = format!("{}{model}", segment::LOG_PREFIX);
        for object in self.bucket.list(&prefix)? {
            if let Some((_, version, _)) = segment::parse_key(&object.key) {
                versions.insert(version.to_string());
            }
        }
        let mut versions: Vec<String> = versions.into_iter().collect();
        versions.sort();
        Ok(versions)
    }
}

/// Adds one change to its version's segment.
fn add(segment: &mut Segment, change: Change) {
    match change {
        Change::DropModel { .. } => segment.drop = Some(Dropped::Model),
        Change::DropVersion { .. } => segment.drop = Some(Dropped::Version),
        Change::CreateVersion { .. } => segment.create = true,
        Change::DescribeVersion {
            description, tags, ..
        } => segment.describe = Some(Description { description, tags }),
        Change::DeleteFile { path, .. } => {
            segment.put.retain(|p| p.path != path);
            segment.delete.push(path);
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

/// The paths and settings a segment of ours sets, which a segment of theirs written just
/// before must not undo in the cache (ours comes after it in the log).
#[derive(Default)]
struct Ours {
    paths: HashSet<String>,
    describes: bool,
    /// Ours drops the version (or its model).
    drops: bool,
}

impl Ours {
    fn of(segment: &Segment) -> Ours {
        let puts = segment.put.iter().map(|p| p.path.clone());
        Ours {
            paths: puts.chain(segment.delete.iter().cloned()).collect(),
            describes: segment.describe.is_some(),
            drops: segment.drop.is_some() && segment.put.is_empty(),
        }
    }
}

/// A dropped version (a model is dropped version by version, each in its own log): its files
/// go, but those `ours` sets; then the version, and the model once it has none left.
fn drop_version(tx: &Tx, segment: &Segment, ours: &Ours) -> Result<()> {
    let Some(model) = tx.model(&segment.model)? else {
        return Ok(());
    };
    let Some(version) = tx.version(model.id, &segment.version)? else {
        return Ok(());
    };
    if !ours.paths.is_empty() {
        let scope = crate::catalog::Scope {
            model: Some(&segment.model),
            version: Some(&segment.version),
        };
        for file in tx.files(scope)? {
            if !ours.paths.contains(&file.path) {
                tx.delete_file(version.id, &file.path)?;
            }
        }
        return Ok(());
    }
    tx.delete_version(version.id)?;
    if tx.version_summaries(&model)?.is_empty() {
        tx.delete_model(model.id)?;
    }
    Ok(())
}

/// Another write stored other content at a path that ours adds as new: ours is refused, as a
/// local import refuses a conflict. Under --force (ours replaced content) or for the same
/// content, both stand.
fn refuse_conflicts(theirs: &Segment, ours: &Segment) -> Result<()> {
    let conflicts: Vec<String> = ours
        .put
        .iter()
        .filter(|mine| !mine.replaces)
        .filter(|mine| {
            theirs.put.iter().any(|other| {
                other.path == mine.path && (other.blake3 != mine.blake3 || other.size != mine.size)
            })
        })
        .map(|mine| mine.path.clone())
        .collect();
    if conflicts.is_empty() {
        return Ok(());
    }
    bail!(
        "another import ({}) stored other content meanwhile at these paths of {} {}; use \
         --force to replace:{}",
        theirs.by,
        ours.model,
        ours.version,
        bullet_list(&conflicts)
    )
}

/// Applies a segment to the cache, leaving alone what `ours` sets (it comes later in the log).
fn apply(tx: &Tx, segment: &Segment, ours: &Ours) -> Result<()> {
    if ours.drops {
        return Ok(()); // our drop, later in the log, undoes whatever this segment did
    }
    let at = segment.at;
    if segment.drop.is_some() {
        drop_version(tx, segment, ours)?;
    }
    if segment.drop.is_some() && segment.put.is_empty() && !segment.create {
        return Ok(());
    }
    let key = crate::catalog::shared_key(&segment.model);
    let model = tx.ensure_model_keyed(&segment.model, &key, at)?;
    let version = tx.ensure_version(model.id, &segment.version, at)?;
    if let Some(describe) = segment.describe.as_ref().filter(|_| !ours.describes) {
        let tags: Vec<(String, String)> = describe.tags.clone().into_iter().collect();
        tx.describe_version(&version, describe.description.as_deref(), &tags, at)?;
    }
    for path in segment.delete.iter().filter(|p| !ours.paths.contains(*p)) {
        tx.delete_file(version.id, path)?;
    }
    for put in segment.put.iter().filter(|p| !ours.paths.contains(&p.path)) {
        let digests = Digests {
            md5: put.md5.clone(),
            blake3: put.blake3.clone(),
        };
        let file = NewFile {
            path: &put.path,
            size: put.size,
            digests: &digests,
            modified_at: put.modified_at,
            location: put.location.as_deref(),
        };
        tx.upsert_file(version.id, &file, put.imported_at)?;
    }
    tx.touch_version(version.id, at)
}
