//! What a refresh found wrong with a version's log in the bucket, and what it means here.

use std::fmt;

use crate::center::segment;

/// A version whose log in the bucket is damaged at segment `seq`.
#[derive(Clone, Debug, PartialEq)]
pub struct Damage {
    pub model: String,
    pub version: String,
    pub seq: u64,
    pub why: String,
    pub harm: Harm,
}

/// What the damage does to this machine's copy of the version.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Harm {
    /// This cache could not read the segment: it holds the version as it was before it, and
    /// writes nothing to it but a drop.
    Unread,
    /// The segment was written by a newer mfile: this one neither reads on nor writes.
    Newer,
    /// This cache read the segment before it went: its version is right, a new cache's not.
    ReadBefore,
    /// The segment was written again under its number after this cache read it: the
    /// version was read again from the bucket, as a new cache reads it.
    Rewritten,
}

impl Damage {
    /// The damaged segment's key, relative to the center.
    pub fn key(&self) -> String {
        segment::key(&self.model, &self.version, self.seq)
    }

    /// This cache does not know the whole version, so it writes only a drop to it, and `gc`
    /// can't tell which bytes the version names.
    pub fn blocks_writes(&self) -> bool {
        matches!(self.harm, Harm::Unread | Harm::Newer)
    }
}

impl fmt::Display for Damage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (model, version) = (&self.model, &self.version);
        let key = self.key();
        let why = &self.why;
        match self.harm {
            Harm::Newer => write!(
                f,
                "the log of {model} {version} has {key}, which {why}: upgrade mfile to read or \
                 write this version (it is shown as it was before that segment)"
            ),
            Harm::Unread => write!(
                f,
                "the log of {model} {version} is damaged at {key}: {why}; the version is shown \
                 as it was before it, and only `mfile delete -m {model} --version {version} \
                 --all` writes to it (or restore the segment from a backup of the bucket)"
            ),
            Harm::ReadBefore => write!(
                f,
                "the log of {model} {version} is damaged at {key}: {why}; this machine read it \
                 before, but a new cache can't: restore it from a backup of the bucket, or \
                 import the version's files into a new version"
            ),
            Harm::Rewritten => write!(
                f,
                "{key} of {model} {version} {why}: this machine's copy of the version was read \
                 again from the bucket, and what it held from the old segment is gone"
            ),
        }
    }
}
