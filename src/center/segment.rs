//! The change log of a version in an object-store center. A version's files are what its
//! segments say, applied in order: segment 1, 2, 3, ... under `log/<model>/<version>/`. Each is
//! written once, with a conditional create, so two writers racing for the same number can't
//! both win: the loser reads the winner's segment, checks it against its own changes, and takes
//! the next number. Writing the segment is the commit: bytes are uploaded before it, and a
//! writer killed before it leaves only unreferenced bytes, which `gc` removes.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

use crate::time::Timestamp;
use crate::values::names::{self, RelPath, quote};

/// Where the segments of every version are.
pub const LOG_PREFIX: &str = "log/";

/// The newest segment format: 2 moves aliases (`alias`, `unalias`), so an mfile that reads
/// only format 1 stops at such a segment (as at any newer one) instead of skipping the move
/// and never reading it again. Segments without aliases are written as format 1.
pub const FORMAT: u32 = 2;

/// The largest file a segment may name: S3's largest object (5 TiB). Sizes beyond it (up to
/// u64::MAX) would not fit the catalog's integers, and would stop every refresh.
const MAX_SIZE: u64 = 5 << 40;

/// One segment: what one write changed in one version.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Segment {
    pub format: u32,
    pub model: String,
    pub version: String,
    pub seq: u64,
    /// A random id of the write: a writer whose reply was lost finds its own segment by it.
    #[serde(default)]
    pub id: String,
    /// When it was written, and by whom (`user@host`), for people.
    pub at: Timestamp,
    pub by: String,
    /// The version was dropped (`version`), or its whole model (`model`): applied first.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub drop: Option<Dropped>,
    /// The version was made by this write.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub describe: Option<Description>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub delete: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub put: Vec<PutFile>,
    /// Aliases pointed at the version by this write (`mfile alias set`), at `at`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alias: Vec<String>,
    /// Aliases taken off the version by this write (`mfile alias rm`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unalias: Vec<String>,
}

#[derive(Clone, Copy, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Dropped {
    Version,
    Model,
}

/// A version's description and tags, all of them, as they are after the write.
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
pub struct Description {
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
}

/// A file stored (or replaced) by the write.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PutFile {
    pub path: String,
    pub size: u64,
    pub md5: String,
    pub blake3: String,
    pub modified_at: Timestamp,
    pub imported_at: Timestamp,
    /// `<pack>@<offset>` for a packed file; absent for an object of its own (`blobs/`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// It replaced other content on purpose (`--force`), so it wins over a write of the same
    /// path that came just before it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub replaces: bool,
}

impl Segment {
    pub fn key(&self) -> String {
        key(&self.model, &self.version, self.seq)
    }

    pub fn to_json(&self) -> Result<Vec<u8>> {
        Ok(serde_json::to_vec(self)?)
    }

    /// Reads a segment, checking that it is the one its key names and that everything it
    /// would put in a cache is well formed: a segment is written by whoever can write to the
    /// bucket, and its names become paths on every colleague's disk.
    pub fn from_json(bytes: &[u8], model: &str, version: &str, seq: u64) -> Result<Segment> {
        // The format first: a newer one may change anything else.
        #[derive(Deserialize)]
        struct Format {
            format: u32,
        }
        if let Ok(Format { format }) = serde_json::from_slice::<Format>(bytes)
            && format > FORMAT
        {
            return Err(NewerFormat(format).into());
        }
        let segment: Segment =
            serde_json::from_slice(bytes).context("it is not a segment (unreadable JSON)")?;
        if segment.format == 0 {
            bail!("it has format {}, which no mfile writes", segment.format);
        }
        if segment.format == 1 && !(segment.alias.is_empty() && segment.unalias.is_empty()) {
            bail!("it moves aliases in format 1, which no mfile writes");
        }
        if (
            segment.model.as_str(),
            segment.version.as_str(),
            segment.seq,
        ) != (model, version, seq)
        {
            bail!("it says it is {}", segment.key());
        }
        segment.check()?;
        Ok(segment)
    }

    /// Refuses names, paths, digests and locations that mfile would never write. A writer
    /// checks its own segment too: one every reader would refuse must not be written.
    pub fn check(&self) -> Result<()> {
        names::check_name("model", &self.model)?;
        names::check_name("version", &self.version)?;
        for path in self.delete.iter().chain(self.put.iter().map(|p| &p.path)) {
            check_path(path)?;
        }
        for alias in self.alias.iter().chain(&self.unalias) {
            names::check_name("alias", alias)?;
        }
        // Printed on terminals: no escape sequences.
        let describe = self.describe.iter();
        let texts = describe.flat_map(|d| {
            let tags = d.tags.iter().flat_map(|(k, v)| [k, v]);
            d.description.iter().chain(tags)
        });
        if std::iter::once(&self.by)
            .chain(texts)
            .any(|t| t.chars().any(char::is_control))
        {
            bail!("its author, description or tags hold control characters");
        }
        for put in &self.put {
            if put.size > MAX_SIZE {
                bail!("{} is larger than any object can be", quote(&put.path));
            }
            let hex = |text: &str, len: usize| {
                text.len() == len && text.bytes().all(|b| b.is_ascii_hexdigit())
            };
            if !hex(&put.md5, 32) || !hex(&put.blake3, 64) {
                bail!("{} has malformed digests", quote(&put.path));
            }
            let location = put.location.as_deref();
            if location.is_some_and(|l| super::pack::parse_range(l, put.size).is_none()) {
                bail!("{} has a malformed location", quote(&put.path));
            }
        }
        Ok(())
    }
}

/// A stored path is already normal: relative, no `.`, `..` or empty parts, no control
/// characters.
fn check_path(path: &str) -> Result<()> {
    let normal = RelPath::parse("path", path)?;
    if normal.is_root() || normal.as_str() != path {
        bail!("the path {} is not a normal path", quote(path));
    }
    Ok(())
}

/// A segment written by a newer mfile than this one.
#[derive(Debug, thiserror::Error)]
#[error("it was written by a newer mfile (segment format {0}; this one reads up to {FORMAT})")]
pub struct NewerFormat(pub u32);

/// `log/<model>/<version>/<seq, 10 digits>.json`: names sort in the order they apply.
pub fn key(model: &str, version: &str, seq: u64) -> String {
    format!("{LOG_PREFIX}{model}/{version}/{seq:010}.json")
}

/// The model, version and number of a segment's key; `None` for anything else.
pub fn parse_key(key: &str) -> Option<(&str, &str, u64)> {
    let rest = key.strip_prefix(LOG_PREFIX)?;
    let (model, rest) = rest.split_once('/')?;
    let (version, name) = rest.split_once('/')?;
    let digits = name.strip_suffix(".json")?;
    let seq = digits.parse().ok().filter(|_| digits.len() == 10)?;
    Some((model, version, seq)).filter(|_| seq > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment() -> Segment {
        Segment {
            format: 1,
            model: "m".into(),
            version: "1.0".into(),
            seq: 3,
            id: "5".repeat(32),
            at: Timestamp(1_764_000_000_000_000_001),
            by: "alice@build-1".into(),
            create: true,
            put: vec![PutFile {
                path: "onnx/model.onnx".into(),
                size: 10,
                md5: "0".repeat(32),
                blake3: "1".repeat(64),
                modified_at: Timestamp(5),
                imported_at: Timestamp(6),
                location: Some(format!("{}@0", "2".repeat(64))),
                replaces: false,
            }],
            ..Segment::default()
        }
    }

    #[test]
    fn a_segment_reads_back_as_written() {
        let written = segment();
        let bytes = written.to_json().unwrap();
        let read = Segment::from_json(&bytes, "m", "1.0", 3).unwrap();
        assert_eq!(read, written);
        let text = String::from_utf8(bytes).unwrap();
        assert!(!text.contains("delete"), "empty lists are left out: {text}");
    }

    #[test]
    fn a_segment_under_another_key_is_refused() {
        let bytes = segment().to_json().unwrap();
        let err = Segment::from_json(&bytes, "m", "1.0", 4).unwrap_err();
        assert!(err.to_string().contains("says it is"), "{err}");
        assert!(Segment::from_json(b"{}", "m", "1.0", 3).is_err());
    }

    #[test]
    fn a_segment_with_what_mfile_never_writes_is_refused() {
        let bad_paths = [
            "../../.bashrc",
            "/etc/passwd",
            "a/./b",
            "a//b",
            "a\nb",
            "a/",
            "",
        ];
        for path in bad_paths {
            let mut hostile = segment();
            hostile.put[0].path = path.to_string();
            let bytes = hostile.to_json().unwrap();
            assert!(
                Segment::from_json(&bytes, "m", "1.0", 3).is_err(),
                "{path:?}"
            );
            let mut hostile = segment();
            hostile.delete.push(path.to_string());
            let bytes = hostile.to_json().unwrap();
            assert!(
                Segment::from_json(&bytes, "m", "1.0", 3).is_err(),
                "{path:?}"
            );
        }
        let mut bad_name = segment();
        bad_name.model = "..".into();
        let bytes = bad_name.to_json().unwrap();
        assert!(Segment::from_json(&bytes, "..", "1.0", 3).is_err());
        for location in ["x@0", &format!("{}@{}", "2".repeat(64), u64::MAX)] {
            let mut hostile = segment();
            hostile.put[0].location = Some(location.to_string());
            let bytes = hostile.to_json().unwrap();
            assert!(
                Segment::from_json(&bytes, "m", "1.0", 3).is_err(),
                "{location}"
            );
        }
        let mut huge = segment();
        huge.put[0].size = u64::MAX;
        huge.put[0].location = None;
        let bytes = huge.to_json().unwrap();
        assert!(Segment::from_json(&bytes, "m", "1.0", 3).is_err());
        let mut escapes = segment();
        escapes.by = "mallory\u{1b}]0;PWNED\u{7}".into();
        let bytes = escapes.to_json().unwrap();
        assert!(Segment::from_json(&bytes, "m", "1.0", 3).is_err());
        let mut hostile = segment();
        hostile.put[0].blake3 = "../x".into();
        let bytes = hostile.to_json().unwrap();
        assert!(Segment::from_json(&bytes, "m", "1.0", 3).is_err());
    }

    #[test]
    fn keys_sort_in_order_and_read_back() {
        assert_eq!(key("m", "1.0", 12), "log/m/1.0/0000000012.json");
        assert!(key("m", "1", 9) < key("m", "1", 10));
        assert_eq!(parse_key(&key("m", "1.0", 12)), Some(("m", "1.0", 12)));
        for bad in [
            "log/m/1/12.json",
            "log/m/1/0000000000.json",
            "blobs/ab/x",
            "log/m/0000000001.json",
        ] {
            assert_eq!(parse_key(bad), None, "{bad}");
        }
    }
}
