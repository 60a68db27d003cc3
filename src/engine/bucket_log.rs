//! The catalog of an object-store center is a cache of the bucket's version logs
//! (`center::segment`): [`BucketLog::refresh`] brings it up to date when a command opens the
//! center, and [`BucketLog`] as the catalog's `Remote` commits every write as one segment per
//! version it touched, before the cache commits.
//!
//! A log someone damaged (a segment deleted, or one mfile would never write) costs only its
//! version: the cache keeps that version as it was before the damage, says so, and refuses to
//! write to it, but for a drop, which starts its log afresh.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::{Result, bail};

use super::bullet_list;
use crate::catalog::remote::{Change, Remote};
use crate::catalog::{Catalog, NewFile, Tx};
use crate::center::s3::{Bucket, Created};
use crate::center::segment::{self, Description, Dropped, PutFile, Segment};
use crate::time::Timestamp;
use crate::values::Digests;

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

/// A version whose log can't be read through: a segment is missing or unusable.
#[derive(Clone, Debug, PartialEq)]
pub struct Damage {
    pub model: String,
    pub version: String,
    pub seq: u64,
    pub why: String,
    /// This cache read the segment before it went, so it has the version right; a cache made
    /// now could not, so it is damage all the same, but writes go on.
    pub read_before: bool,
}

impl Damage {
    /// The damaged segment's key, relative to the center.
    pub fn key(&self) -> String {
        segment::key(&self.model, &self.version, self.seq)
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (model, version) = (&self.model, &self.version);
        write!(
            f,
            "the log of {model} {version} is damaged at {}: {}; ",
            self.key(),
            self.why
        )?;
        if self.read_before {
            return write!(
                f,
                "this machine read it before, but a new cache can't: restore it from a backup \
                 of the bucket, or import the version again into a new one"
            );
        }
        write!(
            f,
            "the version is shown as it was before it, and only `mfile delete -m {model} \
             --version {version} --all` writes to it (or restore the segment from a backup of \
             the bucket)"
        )
    }
}

const MISSING: &str = "it is missing (deleted from the bucket?)";

/// A listed segment as read: the segment, or why it can't be used.
type Read = std::result::Result<Segment, String>;

impl BucketLog {
    pub fn new(bucket: Arc<Bucket>, by: String) -> Self {
        BucketLog {
            bucket,
            by,
            seen: Mutex::new(Seen::default()),
        }
    }

    /// Applies to the cache every segment it lacks: one listing of the logs, then the new
    /// segments (never one read before: a segment never changes). Returns the versions whose
    /// log is damaged; the others are read whatever happened to those.
    pub fn refresh(&self, catalog: &mut Catalog) -> Result<Vec<Damage>> {
        let applied = catalog.remote_logs()?;
        let mut listed: BTreeMap<(String, String), Vec<u64>> = BTreeMap::new();
        for object in self
            .bucket
            .list(segment::LOG_PREFIX.trim_end_matches('/'))?
        {
            let Some((model, version, seq)) = segment::parse_key(&object.key) else {
                continue; // not a segment: left for `verify` to mention
            };
            let id = (model.to_string(), version.to_string());
            listed.entry(id).or_default().push(seq);
        }
        let mut seen = Seen::default();
        let mut wanted = Vec::new();
        let mut listed_seqs = HashMap::new();
        for (id, mut seqs) in listed {
            seqs.sort_unstable();
            let done = applied.get(&id).copied().unwrap_or(0);
            let highest = seqs.last().copied().unwrap_or(0);
            seen.highest.insert(id.clone(), highest);
            listed_seqs.insert(id.clone(), seqs.clone());
            for &seq in seqs.iter().filter(|&&s| s > done) {
                wanted.push((id.0.clone(), id.1.clone(), seq));
            }
        }
        let fetched = self.fetch(&wanted)?;
        let mut by_version: BTreeMap<(String, String), BTreeMap<u64, Read>> = BTreeMap::new();
        for ((model, version, seq), read) in wanted.into_iter().zip(fetched) {
            let entry = by_version.entry((model, version)).or_default();
            entry.insert(seq, read);
        }
        let mut todo = Vec::new();
        for ((model, version), reads) in by_version {
            let done = applied
                .get(&(model.clone(), version.clone()))
                .copied()
                .unwrap_or(0);
            match readable(done, reads) {
                Ok(segments) => todo.extend(segments),
                Err((segments, seq, why)) => {
                    todo.extend(segments);
                    seen.damaged.push(Damage {
                        model,
                        version,
                        seq,
                        why,
                        read_before: false,
                    });
                }
            }
        }
        catalog.write(|tx| {
            for segment in &todo {
                apply(tx, segment, &Ours::default())?;
                let drops = segment.drop.is_some();
                tx.set_remote_log(&segment.model, &segment.version, segment.seq, drops)?;
            }
            for damage in seen.damaged.iter().filter(|d| !d.read_before) {
                // Shown (and deletable) even when nothing of it could be read.
                let key = crate::catalog::shared_key(&damage.model);
                let model = tx.ensure_model_keyed(&damage.model, &key, Timestamp::now())?;
                tx.ensure_version(model.id, &damage.version, Timestamp::now())?;
            }
            Ok(())
        })?;
        seen.damaged
            .extend(holes_read_before(catalog, &listed_seqs)?);
        let damaged = seen.damaged.clone();
        *self.seen.lock().unwrap_or_else(PoisonError::into_inner) = seen;
        Ok(damaged)
    }

    /// Reads segments, several at once, in the order given.
    fn fetch(&self, todo: &[(String, String, u64)]) -> Result<Vec<Read>> {
        let mut segments = Vec::with_capacity(todo.len());
        for chunk in todo.chunks(FETCH_AT_ONCE) {
            let fetched: Vec<Result<Read>> = std::thread::scope(|scope| {
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

    /// One segment; the outer error is the server's, the inner one the segment's.
    fn read(&self, model: &str, version: &str, seq: u64) -> Result<Read> {
        let key = segment::key(model, version, seq);
        let Some((bytes, _)) = self.bucket.get(&key)? else {
            return Ok(Err("it was listed but is gone".into()));
        };
        Ok(Segment::from_json(&bytes, model, version, seq).map_err(|e| format!("{e:#}")))
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
                .find(|d| (&d.model, &d.version) == (&id.0, &id.1) && !d.read_before)
                .cloned();
            (seen.highest.get(&id).copied().unwrap_or(0), damage)
        };
        if let Some(damage) = damage.filter(|_| ours.drop.is_none()) {
            bail!("{damage}");
        }
        let mine = Ours::of(&ours);
        ours.seq = tx.remote_log(&id.0, &id.1)?.max(highest) + 1;
        for _ in 0..MAX_RACES {
            match self.bucket.put_new(&ours.key(), ours.to_json()?.into())? {
                Created::Created(_) => {
                    let drops = ours.drop.is_some();
                    return tx.set_remote_log(&ours.model, &ours.version, ours.seq, drops);
                }
                Created::AlreadyExists => {
                    let theirs = self
                        .read(&ours.model, &ours.version, ours.seq)?
                        .map_err(|why| anyhow::anyhow!("{}: {why}", ours.key()))?;
                    if theirs.id == ours.id {
                        let drops = ours.drop.is_some();
                        return tx.set_remote_log(&ours.model, &ours.version, ours.seq, drops);
                    }
                    refuse_conflicts(&theirs, &ours)?;
                    apply(tx, &theirs, &mine)?;
                    let drops = theirs.drop.is_some();
                    tx.set_remote_log(&ours.model, &ours.version, theirs.seq, drops)?;
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

/// Segments this cache applied that the bucket no longer lists (since the last drop of their
/// version, from which its log reads).
fn holes_read_before(
    catalog: &Catalog,
    listed: &HashMap<(String, String), Vec<u64>>,
) -> Result<Vec<Damage>> {
    let applied = catalog.remote_logs()?;
    let restarts = catalog.remote_restarts()?;
    let mut holes = Vec::new();
    for (id, seqs) in listed {
        let done = applied.get(id).copied().unwrap_or(0);
        let restart = restarts.get(id).copied().unwrap_or(0).max(1);
        if let Some(hole) = (restart..=done).find(|s| seqs.binary_search(s).is_err()) {
            holes.push(Damage {
                model: id.0.clone(),
                version: id.1.clone(),
                seq: hole,
                why: MISSING.into(),
                read_before: true,
            });
        }
    }
    holes.sort_by(|a, b| (&a.model, &a.version).cmp(&(&b.model, &b.version)));
    Ok(holes)
}

/// The segments after `done` to apply, in order. A version's state is its log read from the
/// start, or from its last drop: so a missing or bad segment is harmless when a drop comes
/// after it; otherwise the segments before it are applied, and the damage is returned with them.
fn readable(
    done: u64,
    mut reads: BTreeMap<u64, Read>,
) -> std::result::Result<Vec<Segment>, (Vec<Segment>, u64, String)> {
    let highest = reads.keys().last().copied().unwrap_or(done);
    let problem = |seq: u64, reads: &BTreeMap<u64, Read>| match reads.get(&seq) {
        None => Some(MISSING.to_string()),
        Some(Err(why)) => Some(why.clone()),
        Some(Ok(_)) => None,
    };
    let last_problem = (done + 1..=highest)
        .rev()
        .find(|&s| problem(s, &reads).is_some());
    let Some(last_problem) = last_problem else {
        return Ok(reads.into_values().filter_map(|r| r.ok()).collect());
    };
    let restart = (last_problem + 1..=highest)
        .find(|s| matches!(reads.get(s), Some(Ok(segment)) if segment.drop.is_some()));
    if let Some(restart) = restart {
        let from = reads.split_off(&restart);
        return Ok(from.into_values().filter_map(|r| r.ok()).collect());
    }
    let first_problem = (done + 1..=highest)
        .find(|&s| problem(s, &reads).is_some())
        .unwrap_or(last_problem);
    let why = problem(first_problem, &reads).unwrap_or_default();
    reads.split_off(&first_problem);
    let before = reads.into_values().filter_map(|r| r.ok()).collect();
    Err((before, first_problem, why))
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
                Change::CreateVersion { model, version, .. }
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

/// A random id for one segment written by this process.
fn write_id() -> String {
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
        Change::DropModel { .. } => segment.drop = Some(Dropped::Model),
        Change::DropVersion { .. } => segment.drop = Some(Dropped::Version),
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
            replaces: false,
        };
        tx.upsert_file(version.id, &file, put.imported_at)?;
    }
    tx.touch_version(version.id, at)
}
