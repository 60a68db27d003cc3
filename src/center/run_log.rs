//! Training runs in an object-store center: one append-only log per model
//! (`runs/<model>/log/<seq>.json`, each segment written once with a conditional create, as a
//! version's file log is) and the metric points of each run in immutable chunks named by their
//! BLAKE3 (`runs/<model>/chunks/<b3[..2]>/<b3>`), uploaded before the segment that names them.
//! A segment carries a run's metadata, params and per-key summaries, so listing runs never
//! downloads points. docs/center-layout.md ("Training runs in a bucket") is the reference.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::time::Timestamp;
use crate::values::MAX_STEP;
use crate::values::names::{self, quote};

/// Where every model's run log and chunks are.
pub const RUNS_PREFIX: &str = "runs/";

/// The newest format of segments and indexes: 2 carries run tags (`describe.tags`), so an
/// mfile that reads only format 1 stops there (as at any newer one) instead of skipping them
/// and never reading them again. Segments and indexes without tags are written as format 1.
pub const FORMAT: u32 = 2;

/// The format a segment or index needs: 2 only when a run in it carries tags.
pub fn format_for<'a>(mut describes: impl Iterator<Item = &'a Describe>) -> u32 {
    match describes.any(|d| d.tags.is_some()) {
        true => FORMAT,
        false => 1,
    }
}

/// The most runs one segment may name, and the largest chunk a segment may cite.
const MAX_ENTRIES: usize = 10_000;
const MAX_CHUNK: u64 = 1 << 30;

/// One segment: what one upload changed in one model's runs.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RunSegment {
    pub format: u32,
    pub model: String,
    pub seq: u64,
    /// A random id of the write: a writer whose reply was lost finds its own segment by it.
    pub id: String,
    /// When it was written, and by whom (`user@host`), for people.
    pub at: Timestamp,
    pub by: String,
    /// The writing cache, and the last of its outbox rows this segment carries.
    #[serde(default)]
    pub writer: String,
    #[serde(default)]
    pub upto: u64,
    /// `"model"`: every run of the model is dropped before this segment's own entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<String>,
    #[serde(default)]
    pub runs: Vec<RunEntry>,
}

/// One run's changes in a segment, applied in field order.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RunEntry {
    pub owner: String,
    pub name: String,
    /// The last earlier segment that touched the run (0: none), so that a reader can name the
    /// run of a segment it could not read.
    #[serde(default)]
    pub prev: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Start>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub describe: Option<Describe>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub params: BTreeMap<String, ParamValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chunk: Option<ChunkRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<End>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub delete: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Start {
    pub started_at: Timestamp,
    pub host: String,
}

/// What `track` knows of a run; a field left out keeps what the run had.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Describe {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub command: Option<Vec<String>>,
    /// All of the run's tags after the write (`mfile tag --run`): a tag left out was removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tags: Option<BTreeMap<String, String>>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ParamValue {
    pub value: String,
    /// `int`, `float`, `bool` or `string`.
    pub kind: String,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct End {
    /// `running`, `finished`, `failed` or `killed`.
    pub status: String,
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
}

/// A chunk of the run's points, and a summary of each key in it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ChunkRef {
    pub blake3: String,
    pub size: u64,
    pub points: u64,
    pub keys: BTreeMap<String, KeySummary>,
}

/// One key's points in a chunk: enough to update a run's summary without the points.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct KeySummary {
    pub count: u64,
    pub first_step: i64,
    pub last_step: i64,
    /// The highest step: where a point logged later without a step goes after.
    pub top_step: i64,
    /// Every step is above the one before it.
    pub ascending: bool,
    pub last_value: Num,
    #[serde(default)]
    pub min: Option<(Num, i64)>,
    #[serde(default)]
    pub max: Option<(Num, i64)>,
}

/// A metric value in JSON: a number, or `"NaN"`, `"Infinity"`, `"-Infinity"`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Num(pub f64);

impl Serialize for Num {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            v if v.is_nan() => serializer.serialize_str("NaN"),
            v if v == f64::INFINITY => serializer.serialize_str("Infinity"),
            v if v == f64::NEG_INFINITY => serializer.serialize_str("-Infinity"),
            v => serializer.serialize_f64(v),
        }
    }
}

impl<'de> Deserialize<'de> for Num {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Num, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(f64),
            Text(String),
        }
        match Either::deserialize(deserializer)? {
            Either::Number(v) => Ok(Num(v)),
            Either::Text(t) => match t.as_str() {
                "NaN" => Ok(Num(f64::NAN)),
                "Infinity" => Ok(Num(f64::INFINITY)),
                "-Infinity" => Ok(Num(f64::NEG_INFINITY)),
                _ => Err(de::Error::custom(format!("{t:?} is not a number"))),
            },
        }
    }
}

/// A segment written by a newer mfile: not damage, but not for this one to read.
#[derive(Debug, thiserror::Error)]
#[error("it is of format {0}, newer than this mfile reads ({FORMAT}); upgrade mfile")]
pub struct NewerFormat(pub u32);

/// The key of a model's segment `seq`.
pub fn log_key(model: &str, seq: u64) -> String {
    format!("{}{seq:010}.json", log_prefix(model))
}

/// The folder of a model's run log.
pub fn log_prefix(model: &str) -> String {
    format!("{RUNS_PREFIX}{model}/log/")
}

/// The key of a chunk of points.
pub fn chunk_key(model: &str, blake3: &str) -> String {
    format!(
        "{RUNS_PREFIX}{model}/chunks/{}/{blake3}",
        &blake3[..2.min(blake3.len())]
    )
}

/// The number of a segment's key under [`log_prefix`]; `None` for anything else.
pub fn parse_log_key(model: &str, key: &str) -> Option<u64> {
    let name = key
        .strip_prefix(&log_prefix(model))?
        .strip_suffix(".json")?;
    let all_digits = name.len() == 10 && name.bytes().all(|b| b.is_ascii_digit());
    all_digits
        .then(|| name.parse().ok())
        .flatten()
        .filter(|&s| s > 0)
}

impl RunSegment {
    pub fn key(&self) -> String {
        log_key(&self.model, self.seq)
    }

    pub fn to_json(&self) -> Result<Vec<u8>> {
        Ok(serde_json::to_vec(self)?)
    }

    /// Reads and checks the segment found under `model`'s number `seq`. The format is read
    /// first, so that a newer one says "upgrade" rather than "damaged".
    pub fn from_json(bytes: &[u8], model: &str, seq: u64) -> Result<RunSegment> {
        readable_format(bytes, "it is not a run segment")?;
        let segment: RunSegment =
            serde_json::from_slice(bytes).context("it is not a run segment")?;
        if segment.model != model || segment.seq != seq {
            bail!(
                "it says it is segment {} of {}",
                segment.seq,
                quote(&segment.model)
            );
        }
        segment.check()?;
        Ok(segment)
    }

    /// What no mfile writes: bad names, too many runs, control characters, malformed digests,
    /// steps out of range, unknown kinds and statuses. Metric and param keys are checked by
    /// whoever applies the segment (their rules belong to tracking).
    pub fn check(&self) -> Result<()> {
        if self.drop.as_deref().is_some_and(|d| d != "model") {
            bail!("it drops {:?}, which is not \"model\"", self.drop);
        }
        if self.runs.len() > MAX_ENTRIES {
            bail!("it names {} runs (at most {MAX_ENTRIES})", self.runs.len());
        }
        printable("by", &self.by)?;
        for entry in &self.runs {
            names::check_name("owner", &entry.owner)?;
            names::check_name("run", &entry.name)?;
            if entry.prev >= self.seq {
                bail!(
                    "run {} follows segment {}, not an earlier one",
                    entry.name,
                    entry.prev
                );
            }
            if let Some(start) = &entry.start {
                printable("host", &start.host)?;
            }
            if let Some(describe) = &entry.describe {
                if let Some(version) = &describe.version {
                    names::check_name("version", version)?;
                }
                if let Some(note) = &describe.note {
                    printable("note", note)?;
                }
                check_tags(describe)?;
            }
            for param in entry.params.values() {
                if !["int", "float", "bool", "string"].contains(&param.kind.as_str()) {
                    bail!("a param has the kind {}", quote(&param.kind));
                }
            }
            if let Some(end) = &entry.end
                && !["running", "finished", "failed", "killed"].contains(&end.status.as_str())
            {
                bail!("run {} ends as {}", entry.name, quote(&end.status));
            }
            if let Some(chunk) = &entry.chunk {
                chunk.check()?;
            }
        }
        Ok(())
    }
}

impl ChunkRef {
    fn check_name_and_size(&self) -> Result<()> {
        let hex = self.blake3.len() == 64 && self.blake3.bytes().all(|b| b.is_ascii_hexdigit());
        if !hex || self.blake3.bytes().any(|b| b.is_ascii_uppercase()) {
            bail!(
                "a chunk is named {}, not a BLAKE3 digest",
                quote(&self.blake3)
            );
        }
        if self.size > MAX_CHUNK {
            bail!("a chunk has {} bytes (at most {MAX_CHUNK})", self.size);
        }
        // 16 bytes a point: a count beyond what the bytes can hold is a lie (and could
        // overflow a sum, or the catalog's integers).
        if self.points > self.size / 16 {
            bail!(
                "a chunk of {} bytes can't hold {} points",
                self.size,
                self.points
            );
        }
        Ok(())
    }

    fn check(&self) -> Result<()> {
        self.check_name_and_size()?;
        let counted = self
            .keys
            .values()
            .try_fold(0u64, |sum, k| sum.checked_add(k.count));
        if counted != Some(self.points) {
            bail!(
                "a chunk has {} points but its keys say otherwise",
                self.points
            );
        }
        for summary in self.keys.values() {
            summary.check()?;
        }
        Ok(())
    }
}

impl KeySummary {
    fn check(&self) -> Result<()> {
        // Counts beyond 2^53 (the steps' range) are no count any writer made, and would not
        // fit the catalog's integers.
        if self.count > MAX_STEP as u64 {
            bail!("a key has {} points", self.count);
        }
        for step in [self.first_step, self.last_step, self.top_step] {
            if !(-MAX_STEP..=MAX_STEP).contains(&step) {
                bail!("a chunk has the step {step}, out of range");
            }
        }
        Ok(())
    }
}

// ---- indexes -------------------------------------------------------------------------------

/// A model's run log folded up to segment `seq`: what a cache that applied segments 1..=seq
/// holds, so that a new cache reads one object and the segments after it, not the whole log.
/// Written once (If-None-Match) by an uploader whose cache has nothing of the model waiting.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct RunIndex {
    pub format: u32,
    pub model: String,
    pub seq: u64,
    /// The ETag of segment `seq` when it was folded in (a reader that lists it with another
    /// ETag reads the log from its start instead).
    pub etag: String,
    pub at: Timestamp,
    pub by: String,
    pub runs: Vec<IndexedRun>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct IndexedRun {
    pub owner: String,
    pub name: String,
    /// The last segment that touched the run.
    pub last_seq: u64,
    pub started_at: Timestamp,
    pub host: String,
    pub status: String,
    #[serde(default)]
    pub ended_at: Option<Timestamp>,
    #[serde(default)]
    pub exit_code: Option<i64>,
    #[serde(default)]
    pub describe: Describe,
    #[serde(default)]
    pub params: BTreeMap<String, ParamValue>,
    /// Per key: count, last step and value, extremes, and the highest step.
    #[serde(default)]
    pub metrics: BTreeMap<String, KeySummary>,
    #[serde(default)]
    pub chunks: Vec<IndexedChunk>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct IndexedChunk {
    pub blake3: String,
    pub size: u64,
    pub points: u64,
}

/// The folder of a model's indexes.
pub fn index_prefix(model: &str) -> String {
    format!("{RUNS_PREFIX}{model}/index/")
}

/// The key of a model's index at segment `seq`.
pub fn index_key(model: &str, seq: u64) -> String {
    format!("{}{seq:010}.json", index_prefix(model))
}

/// The segment number of an index key under [`index_prefix`]; `None` for anything else.
pub fn parse_index_key(model: &str, key: &str) -> Option<u64> {
    let name = key
        .strip_prefix(&index_prefix(model))?
        .strip_suffix(".json")?;
    let all_digits = name.len() == 10 && name.bytes().all(|b| b.is_ascii_digit());
    all_digits
        .then(|| name.parse().ok())
        .flatten()
        .filter(|&s| s > 0)
}

impl RunIndex {
    pub fn to_json(&self) -> Result<Vec<u8>> {
        Ok(serde_json::to_vec(self)?)
    }

    /// Reads and checks the index found under `model`'s number `seq`, as a segment is.
    pub fn from_json(bytes: &[u8], model: &str, seq: u64) -> Result<RunIndex> {
        readable_format(bytes, "it is not a run index")?;
        let index: RunIndex = serde_json::from_slice(bytes).context("it is not a run index")?;
        if index.model != model || index.seq != seq {
            bail!(
                "it says it is index {} of {}",
                index.seq,
                quote(&index.model)
            );
        }
        printable("by", &index.by)?;
        for run in &index.runs {
            run.check(seq)?;
        }
        Ok(index)
    }
}

impl IndexedRun {
    fn check(&self, seq: u64) -> Result<()> {
        names::check_name("owner", &self.owner)?;
        names::check_name("run", &self.name)?;
        printable("host", &self.host)?;
        if self.last_seq > seq {
            bail!(
                "run {} comes from segment {}, after the index",
                self.name,
                self.last_seq
            );
        }
        if !["running", "finished", "failed", "killed"].contains(&self.status.as_str()) {
            bail!("run {} is {}", self.name, quote(&self.status));
        }
        if let Some(version) = &self.describe.version {
            names::check_name("version", version)?;
        }
        if let Some(note) = &self.describe.note {
            printable("note", note)?;
        }
        check_tags(&self.describe)?;
        for param in self.params.values() {
            if !["int", "float", "bool", "string"].contains(&param.kind.as_str()) {
                bail!("a param has the kind {}", quote(&param.kind));
            }
        }
        for chunk in &self.chunks {
            let cited = ChunkRef {
                blake3: chunk.blake3.clone(),
                size: chunk.size,
                points: chunk.points,
                keys: BTreeMap::new(),
            };
            cited.check_name_and_size()?;
        }
        for summary in self.metrics.values() {
            summary.check()?;
        }
        Ok(())
    }
}

/// Reads only the `format` of a segment or an index, first: a newer one may change anything
/// else, and says "upgrade" rather than "damaged".
fn readable_format(bytes: &[u8], not_ours: &'static str) -> Result<()> {
    #[derive(Deserialize)]
    struct Format {
        format: u32,
    }
    let found: Format = serde_json::from_slice(bytes).context(not_ours)?;
    if found.format > FORMAT {
        return Err(NewerFormat(found.format).into());
    }
    Ok(())
}

/// Tags only in format 2, and with keys a command could have given.
fn check_tags(describe: &Describe) -> Result<()> {
    for key in describe.tags.iter().flat_map(|tags| tags.keys()) {
        if key.is_empty() || key.contains('=') || key.chars().any(char::is_control) {
            bail!("a tag has the key {}", quote(key));
        }
    }
    Ok(())
}

fn printable(what: &str, text: &str) -> Result<()> {
    if text.chars().any(char::is_control) {
        bail!("its {what} {} has control characters", quote(text));
    }
    Ok(())
}

// ---- chunks ---------------------------------------------------------------------------------

/// One logged point of a chunk.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    pub step: i64,
    pub value: f64,
    pub logged_at: Timestamp,
}

/// A run's points, by key, as a chunk holds them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Chunk {
    pub model: String,
    pub owner: String,
    pub run: String,
    pub keys: BTreeMap<String, Vec<Point>>,
}

/// A chunk's header: what it holds and where. It follows the columns, then its length (u32 LE).
#[derive(Serialize, Deserialize)]
struct Header {
    format: u32,
    model: String,
    owner: String,
    run: String,
    keys: Vec<KeyColumns>,
}

#[derive(Serialize, Deserialize)]
struct KeyColumns {
    key: String,
    count: u64,
    /// Where its steps begin; its values follow them.
    offset: u64,
    /// When its points were logged, run-length coded: [how many, when].
    at: Vec<(u64, Timestamp)>,
}

impl Chunk {
    /// The chunk's bytes: per key its steps (i64 LE), then its values (f64 LE), then the JSON
    /// header and its length. 16 bytes a point; a reader can take one key with a range GET.
    pub fn encode(&self) -> Result<Vec<u8>> {
        let mut body = Vec::new();
        let mut keys = Vec::new();
        for (key, points) in &self.keys {
            let offset = body.len() as u64;
            for p in points {
                body.extend_from_slice(&p.step.to_le_bytes());
            }
            for p in points {
                body.extend_from_slice(&p.value.to_bits().to_le_bytes());
            }
            let mut at: Vec<(u64, Timestamp)> = Vec::new();
            for p in points {
                match at.last_mut() {
                    Some((n, t)) if *t == p.logged_at => *n += 1,
                    _ => at.push((1, p.logged_at)),
                }
            }
            keys.push(KeyColumns {
                key: key.clone(),
                count: points.len() as u64,
                offset,
                at,
            });
        }
        let header = serde_json::to_vec(&Header {
            format: 1,
            model: self.model.clone(),
            owner: self.owner.clone(),
            run: self.run.clone(),
            keys,
        })?;
        body.extend_from_slice(&header);
        body.extend_from_slice(&(header.len() as u32).to_le_bytes());
        Ok(body)
    }

    /// Reads a chunk's bytes; every column must lie inside the body and every count add up.
    pub fn decode(bytes: &[u8]) -> Result<Chunk> {
        let broken = || anyhow::anyhow!("it is not a chunk of points");
        let (rest, len) = bytes
            .split_at_checked(bytes.len().wrapping_sub(4))
            .ok_or_else(broken)?;
        let len = u32::from_le_bytes(len.try_into()?) as usize;
        let (body, header) = rest
            .split_at_checked(rest.len().wrapping_sub(len))
            .ok_or_else(broken)?;
        let header: Header = serde_json::from_slice(header).context("its header is not JSON")?;
        if header.format != 1 {
            bail!(
                "it is of format {}, newer than this mfile reads (1)",
                header.format
            );
        }
        let mut chunk = Chunk {
            model: header.model,
            owner: header.owner,
            run: header.run,
            keys: BTreeMap::new(),
        };
        for column in header.keys {
            let count = usize::try_from(column.count)?;
            let start = usize::try_from(column.offset)?;
            let end = count
                .checked_mul(16)
                .and_then(|n| n.checked_add(start))
                .filter(|&end| end <= body.len())
                .ok_or_else(broken)?;
            let (steps, values) = body[start..end].split_at(count * 8);
            let times: u64 = column.at.iter().map(|(n, _)| n).sum();
            if times != column.count {
                bail!(
                    "its key {} has {} times for {count} points",
                    quote(&column.key),
                    times
                );
            }
            let mut at = column
                .at
                .iter()
                .flat_map(|(n, t)| std::iter::repeat_n(*t, *n as usize));
            let word = |b: &[u8]| <[u8; 8]>::try_from(b).unwrap_or_default();
            let points = steps
                .chunks_exact(8)
                .zip(values.chunks_exact(8))
                .map(|(s, v)| Point {
                    step: i64::from_le_bytes(word(s)),
                    value: f64::from_bits(u64::from_le_bytes(word(v))),
                    logged_at: at.next().unwrap_or_default(),
                })
                .collect();
            chunk.keys.insert(column.key, points);
        }
        Ok(chunk)
    }

    /// The summary of each key, as a segment cites the chunk.
    pub fn summaries(&self) -> BTreeMap<String, KeySummary> {
        let mut out = BTreeMap::new();
        for (key, points) in &self.keys {
            let (Some(first), Some(last)) = (points.first(), points.last()) else {
                continue;
            };
            let finite = points.iter().filter(|p| !p.value.is_nan());
            let pick = |better: fn(f64, f64) -> bool| {
                finite
                    .clone()
                    .fold(None, |best: Option<(Num, i64)>, p| match best {
                        Some((b, _)) if !better(p.value, b.0) => best,
                        _ => Some((Num(p.value), p.step)),
                    })
            };
            out.insert(
                key.clone(),
                KeySummary {
                    count: points.len() as u64,
                    first_step: first.step,
                    last_step: last.step,
                    top_step: points.iter().map(|p| p.step).max().unwrap_or(last.step),
                    ascending: points.windows(2).all(|w| w[0].step < w[1].step),
                    last_value: Num(last.value),
                    min: pick(|a, b| a < b),
                    max: pick(|a, b| a > b),
                },
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point(step: i64, value: f64) -> Point {
        Point {
            step,
            value,
            logged_at: Timestamp(1_700_000_000_000_000_000 + step),
        }
    }

    fn chunk() -> Chunk {
        let mut keys = BTreeMap::new();
        keys.insert(
            "loss".to_string(),
            vec![point(0, 2.5), point(1, f64::NAN), point(MAX_STEP, 0.5)],
        );
        keys.insert(
            "val/acc".to_string(),
            vec![point(-MAX_STEP, f64::INFINITY), point(3, f64::NEG_INFINITY)],
        );
        Chunk {
            model: "m".into(),
            owner: "alice".into(),
            run: "r1".into(),
            keys,
        }
    }

    #[test]
    fn tags_make_a_segment_format_2_which_this_mfile_reads_and_a_newer_one_it_does_not() {
        let tagged = Describe {
            tags: Some(BTreeMap::from([("stage".into(), "prod".into())])),
            ..Describe::default()
        };
        assert_eq!(format_for([Describe::default()].iter()), 1);
        assert_eq!(format_for([Describe::default(), tagged.clone()].iter()), 2);
        let mut segment = RunSegment {
            format: format_for([&tagged].into_iter()),
            model: "m".into(),
            seq: 1,
            id: "i".into(),
            runs: vec![RunEntry {
                owner: "alice".into(),
                name: "r1".into(),
                describe: Some(tagged),
                ..RunEntry::default()
            }],
            ..RunSegment::default()
        };
        let back = RunSegment::from_json(&segment.to_json().unwrap(), "m", 1).unwrap();
        assert_eq!(back, segment);
        segment.format = 3;
        let err = RunSegment::from_json(&segment.to_json().unwrap(), "m", 1).unwrap_err();
        assert!(err.is::<NewerFormat>(), "{err}");
    }

    #[test]
    fn a_chunk_comes_back_bit_for_bit() {
        let original = chunk();
        let bytes = original.encode().unwrap();
        let back = Chunk::decode(&bytes).unwrap();
        assert_eq!(back.keys.len(), 2);
        for (key, points) in &original.keys {
            let got = &back.keys[key];
            assert_eq!(got.len(), points.len());
            for (a, b) in points.iter().zip(got) {
                assert_eq!(
                    (a.step, a.value.to_bits(), a.logged_at),
                    (b.step, b.value.to_bits(), b.logged_at)
                );
            }
        }
        assert_eq!(
            (back.model, back.owner, back.run),
            ("m".into(), "alice".into(), "r1".into())
        );
    }

    #[test]
    fn a_cut_or_lying_chunk_is_refused() {
        let bytes = chunk().encode().unwrap();
        for cut in [0, 3, 10, bytes.len() - 1] {
            assert!(Chunk::decode(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        assert!(text.contains("\"count\":3"));
        let lying = bytes
            .windows(9)
            .position(|w| w == b"\"count\":3")
            .map(|at| {
                let mut b = bytes.clone();
                b[at + 8] = b'9';
                b
            })
            .unwrap();
        assert!(Chunk::decode(&lying).is_err(), "more points than bytes");
    }

    #[test]
    fn summaries_skip_nan_for_min_and_max() {
        let summaries = chunk().summaries();
        let loss = &summaries["loss"];
        assert_eq!(
            (loss.count, loss.first_step, loss.last_step),
            (3, 0, MAX_STEP)
        );
        assert!(loss.ascending);
        assert_eq!(loss.min, Some((Num(0.5), MAX_STEP)));
        assert_eq!(loss.max, Some((Num(2.5), 0)));
    }

    fn segment() -> RunSegment {
        let bytes = chunk().encode().unwrap();
        RunSegment {
            format: 1,
            model: "m".into(),
            seq: 3,
            id: "x".into(),
            by: "alice@gpu".into(),
            runs: vec![RunEntry {
                owner: "alice".into(),
                name: "r1".into(),
                prev: 1,
                chunk: Some(ChunkRef {
                    blake3: blake3::hash(&bytes).to_hex().to_string(),
                    size: bytes.len() as u64,
                    points: 5,
                    keys: chunk().summaries(),
                }),
                ..RunEntry::default()
            }],
            ..RunSegment::default()
        }
    }

    #[test]
    fn a_segment_round_trips_and_checks_its_place() {
        let json = segment().to_json().unwrap();
        assert_eq!(RunSegment::from_json(&json, "m", 3).unwrap(), segment());
        assert!(RunSegment::from_json(&json, "m", 4).is_err());
        assert!(RunSegment::from_json(&json, "other", 3).is_err());
        let newer = String::from_utf8(json)
            .unwrap()
            .replace("\"format\":1", "\"format\":3");
        let err = RunSegment::from_json(newer.as_bytes(), "m", 3).unwrap_err();
        assert!(err.is::<NewerFormat>());
    }

    #[test]
    fn what_no_mfile_writes_is_refused() {
        type Spoil = fn(&mut RunSegment);
        let cases: Vec<(&str, Spoil)> = vec![
            ("bad owner", |s| s.runs[0].owner = "../x".into()),
            ("prev not earlier", |s| s.runs[0].prev = 3),
            ("bad digest", |s| {
                s.runs[0].chunk.as_mut().unwrap().blake3 = "zz".into()
            }),
            ("bad count", |s| {
                s.runs[0].chunk.as_mut().unwrap().points = 9
            }),
            ("control by", |s| s.by = "a\u{1b}[31m".into()),
            ("bad status", |s| {
                s.runs[0].end = Some(End {
                    status: "won".into(),
                    exit_code: None,
                    ended_at: None,
                })
            }),
            ("bad drop", |s| s.drop = Some("version".into())),
        ];
        for (what, spoil) in cases {
            let mut s = segment();
            spoil(&mut s);
            let json = s.to_json().unwrap();
            assert!(RunSegment::from_json(&json, "m", 3).is_err(), "{what}");
        }
    }

    #[test]
    fn keys_are_parsed_back_only_when_mfile_could_have_written_them() {
        assert_eq!(log_key("m", 12), "runs/m/log/0000000012.json");
        assert_eq!(parse_log_key("m", &log_key("m", 12)), Some(12));
        for stray in [
            "runs/m/log/12.json",
            "runs/m/log/0000000000.json",
            "runs/mx/log/0000000001.json",
            "runs/m/log/000000001a.json",
        ] {
            assert_eq!(parse_log_key("m", stray), None, "{stray}");
        }
    }
}
