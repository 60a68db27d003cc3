//! gc: removes what no version names and no writer can still be using.
//!
//! - A center in a bucket: the blobs and packs that no file of any version names (the cache,
//!   read up to the bucket's logs, has every version's files and where their bytes are),
//!   unfinished multipart uploads, and probe objects, each once it is older than the grace
//!   period: an import in flight has uploaded bytes that its segment, not written yet, will
//!   name. A pack that still holds one named file is kept whole. A log that can't be read
//!   through may name bytes this cache doesn't know, so gc then removes nothing.
//! - Both kinds of center: what is left in the staging folder (a local center's, a bucket
//!   cache's): temp files and set-aside files of killed processes, once older than the grace
//!   period or once their process is certainly gone (see `center::partial`). Files in a
//!   version's folder that the catalog does not list are the user's: `verify` reports them,
//!   gc never touches them.

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use anyhow::{Result, bail};
use rustix::fs::{FileType, Stat};

use super::Center;
use super::bucket_log::Damage;
use crate::catalog::{FileRow, Scope};
use crate::center::bucket_store::{blob_key, pack_key};
use crate::center::nofollow::Dir;
use crate::center::s3::{Bucket, ObjectInfo, PendingUpload};
use crate::center::{STAGING_DIR, pack, partial};
use crate::interrupt;
use crate::time::Timestamp;

/// How many objects one delete request removes (S3's DeleteObjects takes up to 1,000).
const DELETE_AT_ONCE: usize = 1000;

/// What to collect.
#[derive(Clone, Copy, Debug)]
pub struct GcOptions {
    /// Garbage younger than this stays.
    pub grace: Duration,
    /// Only say what would be removed.
    pub dry_run: bool,
}

/// What a piece of garbage is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// A big file's object that no version names.
    Blob,
    /// A pack none of whose files any version names.
    Pack,
    /// An unfinished multipart upload.
    Upload,
    /// A leftover of the check for conditional writes.
    Probe,
    /// A temp or set-aside file (or folder) in a staging folder.
    Temp,
}

impl Kind {
    pub fn word(self) -> &'static str {
        match self {
            Kind::Blob => "blob",
            Kind::Pack => "pack",
            Kind::Upload => "upload",
            Kind::Probe => "probe",
            Kind::Temp => "temp",
        }
    }
}

/// One piece of garbage, removed (or, in a dry run, to be removed).
#[derive(Debug)]
pub struct Garbage {
    pub kind: Kind,
    /// The object's key under the center's prefix; a temp file's path on this machine.
    pub key: String,
    /// `None` for an unfinished upload: the server does not say how much it holds.
    pub bytes: Option<u64>,
    /// When the object was written (an upload: begun; a temp file: its inode last changed).
    pub modified_at: Timestamp,
    /// Why it could not be removed; it is still there.
    pub error: Option<String>,
}

/// Objects and their bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Count {
    pub objects: u64,
    pub bytes: u64,
}

impl Count {
    fn add(&mut self, bytes: u64) {
        self.objects += 1;
        self.bytes += bytes;
    }
}

/// What [`collect`] found.
#[derive(Debug, Default)]
pub struct Collected {
    /// Sorted by kind and key.
    pub garbage: Vec<Garbage>,
    /// Garbage younger than the grace period, left for a later run.
    pub young: Count,
}

impl Collected {
    /// What was removed (or would be): the garbage that met no error.
    pub fn removed(&self) -> Count {
        let mut count = Count::default();
        for g in self.garbage.iter().filter(|g| g.error.is_none()) {
            count.add(g.bytes.unwrap_or(0));
        }
        count
    }
}

/// Finds the center's garbage and, unless `dry_run`, removes it. Removal goes on past an
/// object that can't be removed; its error is on its entry.
pub fn collect(center: &mut Center, options: &GcOptions) -> Result<Collected> {
    let now = Timestamp::now();
    let grace = i64::try_from(options.grace.as_nanos()).unwrap_or(i64::MAX);
    let cutoff = Timestamp(now.0.saturating_sub(grace));
    let mut collected = Collected::default();
    if let Some(bucket) = center.bucket.clone() {
        collect_bucket(center, &bucket, cutoff, options.dry_run, &mut collected)?;
    }
    collect_staging(&center.root, cutoff, options.dry_run, &mut collected)?;
    collected
        .garbage
        .sort_by(|a, b| (a.kind, &a.key).cmp(&(b.kind, &b.key)));
    Ok(collected)
}

fn collect_bucket(
    center: &mut Center,
    bucket: &Bucket,
    cutoff: Timestamp,
    dry_run: bool,
    collected: &mut Collected,
) -> Result<()> {
    refuse_damage(&center.damaged)?;
    let mut objects = bucket.list("blobs")?;
    objects.extend(bucket.list("packs")?);
    let probes = bucket.list("probes")?;
    let uploads = bucket.multipart_uploads("")?;
    // Segments written while the bucket was listed name bytes too: the logs are read again
    // after the listing, so only a write that lands after this point can be missed (see the
    // race in docs/center-layout.md).
    let damaged = center.reread_logs()?;
    refuse_damage(&damaged)?;
    let referenced = referenced(&center.catalog.files(Scope::default())?)?;

    let (mut garbage, young) = unreferenced(objects, &referenced, cutoff);
    collected.young = young;
    garbage.extend(
        probes
            .into_iter()
            .filter(|p| p.last_modified <= cutoff)
            .map(|p| found(Kind::Probe, p.key, Some(p.size), p.last_modified)),
    );
    let uploads: Vec<PendingUpload> = uploads
        .into_iter()
        .filter(|u| u.initiated <= cutoff && is_bytes_key(&u.key))
        .collect();
    if !dry_run {
        remove_objects(bucket, &mut garbage)?;
    }
    for upload in uploads {
        let mut entry = found(Kind::Upload, upload.key.clone(), None, upload.initiated);
        if !dry_run {
            interrupt::check()?;
            let aborted = bucket.abort_upload(&upload.key, &upload.upload_id);
            entry.error = aborted.err().map(|e| format!("{e:#}"));
        }
        garbage.push(entry);
    }
    collected.garbage.extend(garbage);
    Ok(())
}

/// A log this cache could not read through may name bytes it does not know of.
fn refuse_damage(damaged: &[Damage]) -> Result<()> {
    let unread: Vec<&Damage> = damaged.iter().filter(|d| d.blocks_writes()).collect();
    let Some(first) = unread.first() else {
        return Ok(());
    };
    let more = match unread.len() {
        1 => String::new(),
        n => format!(" (and {} more damaged logs)", n - 1),
    };
    bail!(
        "gc removed nothing: the log of {} {} is damaged at {}{more}, and a segment this \
         machine could not read may name bytes that look unused; restore the segment from a \
         backup of the bucket, or drop the version with `mfile delete -m {} --version {} --all`, \
         then run gc again",
        first.model,
        first.version,
        first.key(),
        first.model,
        first.version
    )
}

/// The objects that the files name: a blob per file stored alone, a pack per packed one.
fn referenced(files: &[FileRow]) -> Result<HashSet<String>> {
    let mut keys = HashSet::new();
    for file in files {
        let key = match &file.location {
            None => blob_key(&file.blake3),
            Some(location) => match pack::parse_location(location) {
                Some((id, _)) => pack_key(id),
                None => bail!(
                    "gc removed nothing: the catalog places {} of {} {} at {location:?}, which \
                     names no pack",
                    file.path,
                    file.model,
                    file.version
                ),
            },
        };
        keys.insert(key);
    }
    Ok(keys)
}

/// The listed blobs and packs that no file names, those older than `cutoff` as garbage and
/// the count of the younger ones.
fn unreferenced(
    objects: Vec<ObjectInfo>,
    referenced: &HashSet<String>,
    cutoff: Timestamp,
) -> (Vec<Garbage>, Count) {
    let mut garbage = Vec::new();
    let mut young = Count::default();
    for object in objects.into_iter().filter(|o| !referenced.contains(&o.key)) {
        if object.last_modified > cutoff {
            young.add(object.size);
            continue;
        }
        let kind = match object.key.starts_with("blobs/") {
            true => Kind::Blob,
            false => Kind::Pack,
        };
        garbage.push(found(
            kind,
            object.key,
            Some(object.size),
            object.last_modified,
        ));
    }
    (garbage, young)
}

/// Whether `key` is where mfile keeps bytes (its unfinished uploads go there).
fn is_bytes_key(key: &str) -> bool {
    key.starts_with("blobs/") || key.starts_with("packs/")
}

fn found(kind: Kind, key: String, bytes: Option<u64>, modified_at: Timestamp) -> Garbage {
    Garbage {
        kind,
        key,
        bytes,
        modified_at,
        error: None,
    }
}

/// Deletes the objects, many per request; a request that fails marks its objects.
fn remove_objects(bucket: &Bucket, garbage: &mut [Garbage]) -> Result<()> {
    for chunk in garbage.chunks_mut(DELETE_AT_ONCE) {
        interrupt::check()?;
        let keys: Vec<String> = chunk.iter().map(|g| g.key.clone()).collect();
        if let Err(e) = bucket.delete_many(&keys) {
            let error = format!("{e:#}");
            for entry in chunk {
                entry.error = Some(error.clone());
            }
        }
    }
    Ok(())
}

/// The entries of `<root>/staging` that no live writer needs: older than `cutoff` (by the
/// inode's last change: a staged file's mtime is its source's), or a partial whose process is
/// certainly gone. Never follows a link.
fn collect_staging(
    root: &Path,
    cutoff: Timestamp,
    dry_run: bool,
    collected: &mut Collected,
) -> Result<()> {
    let Ok(root) = Dir::open(root) else {
        return Ok(()); // no center folder, so no staging folder either
    };
    let Some(staging) = root.sub(STAGING_DIR, false)? else {
        return Ok(());
    };
    for (name, kind) in staging.entries()? {
        interrupt::check()?;
        let Some(stat) = staging.stat(&name)? else {
            continue; // gone meanwhile
        };
        let changed = ctime(&stat);
        let young = changed > cutoff && !partial::is_stale(&name, changed.to_system());
        if young || partial::is_live(&name) {
            continue;
        }
        let folder = kind == FileType::Directory;
        let bytes = match folder {
            true => tree_size(&staging, &name),
            false => stat.st_size as u64,
        };
        let path = staging.path().join(&name).display().to_string();
        let mut entry = found(Kind::Temp, path, Some(bytes), changed);
        if !dry_run {
            let removed = match folder {
                true => staging.remove_tree(&name),
                false => staging.remove_file(&name).map(|_| ()),
            };
            entry.error = removed.err().map(|e| format!("could not remove it: {e}"));
        }
        collected.garbage.push(entry);
    }
    Ok(())
}

fn ctime(stat: &Stat) -> Timestamp {
    let nanos = i128::from(stat.st_ctime) * 1_000_000_000 + i128::from(stat.st_ctime_nsec);
    Timestamp(i64::try_from(nanos).unwrap_or(i64::MAX))
}

/// The bytes of the regular files below the folder `name` of `dir` (links not followed; what
/// can't be read counts nothing).
fn tree_size(dir: &Dir, name: &str) -> u64 {
    let Ok(Some(sub)) = dir.sub(name, false) else {
        return 0;
    };
    let Ok(entries) = sub.entries() else {
        return 0;
    };
    let mut bytes = 0;
    for (entry, kind) in entries {
        bytes += match kind {
            FileType::Directory => tree_size(&sub, &entry),
            FileType::RegularFile => sub
                .stat(&entry)
                .ok()
                .flatten()
                .map_or(0, |s| s.st_size as u64),
            _ => 0,
        };
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::center::s3::Etag;
    use crate::engine::bucket_log::Harm;

    fn object(key: &str, size: u64, at: i64) -> ObjectInfo {
        ObjectInfo {
            key: key.to_string(),
            size,
            etag: Etag(String::new()),
            last_modified: Timestamp(at),
        }
    }

    fn file(blake3: &str, location: Option<String>) -> FileRow {
        FileRow {
            model: "m".into(),
            version: "1".into(),
            path: "a".into(),
            size: 1,
            md5: String::new(),
            blake3: blake3.into(),
            modified_at: Timestamp(0),
            imported_at: Timestamp(0),
            location,
        }
    }

    #[test]
    fn only_old_objects_no_file_names_are_garbage() {
        let (big, packed) = ("b".repeat(64), "c".repeat(64));
        let files = [
            file(&big, None),
            file("ignored", Some(pack::location(&packed, 10))),
        ];
        let referenced = referenced(&files).unwrap();
        let objects = vec![
            object(&blob_key(&big), 5, 0),
            object(&pack_key(&packed), 6, 0),
            object("blobs/00/old", 7, 0),
            object("packs/00/old", 8, 0),
            object("blobs/00/new", 9, 100),
        ];
        let (garbage, young) = unreferenced(objects, &referenced, Timestamp(50));
        let keys: Vec<(&str, Kind, Option<u64>)> = garbage
            .iter()
            .map(|g| (g.key.as_str(), g.kind, g.bytes))
            .collect();
        assert_eq!(
            keys,
            [
                ("blobs/00/old", Kind::Blob, Some(7)),
                ("packs/00/old", Kind::Pack, Some(8))
            ]
        );
        assert_eq!(
            young,
            Count {
                objects: 1,
                bytes: 9
            }
        );
        let (garbage, _) = unreferenced(
            vec![object("blobs/00/at", 1, 50)],
            &referenced,
            Timestamp(50),
        );
        assert_eq!(garbage.len(), 1, "as old as the grace period is old enough");
    }

    #[test]
    fn a_location_naming_no_pack_stops_gc() {
        let err = referenced(&[file("x", Some("nonsense".into()))]).unwrap_err();
        assert!(err.to_string().contains("removed nothing"), "{err}");
    }

    #[test]
    fn damage_read_before_does_not_stop_gc_unread_damage_does() {
        let damage = |harm| Damage {
            model: "m".into(),
            version: "1".into(),
            seq: 3,
            why: "it is missing".into(),
            harm,
        };
        assert!(refuse_damage(&[damage(Harm::ReadBefore)]).is_ok());
        let err = refuse_damage(&[damage(Harm::ReadBefore), damage(Harm::Unread)]).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("log/m/1/0000000003.json"), "{text}");
        assert!(
            text.contains("mfile delete -m m --version 1 --all"),
            "{text}"
        );
    }

    #[test]
    fn staging_leftovers_go_when_old_or_orphaned() {
        let dir = tempfile::tempdir().unwrap();
        let staging = dir.path().join(STAGING_DIR);
        std::fs::create_dir_all(staging.join("aside.mfile-99999999@h~x.part/sub")).unwrap();
        let dead = format!("put.mfile-99999999@{}~d.part", crate::values::host());
        std::fs::write(staging.join(&dead), b"12345").unwrap();
        std::fs::write(staging.join("aside.mfile-99999999@h~x.part/sub/w"), b"123").unwrap();
        std::fs::write(staging.join("put.mfile-1@elsewhere~y.part"), b"1").unwrap();

        let mut found = Collected::default();
        let long_ago = Timestamp(0);
        collect_staging(dir.path(), long_ago, false, &mut found).unwrap();
        let names: Vec<&str> = found.garbage.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(
            names.len(),
            1,
            "only the partial of a dead process: {names:?}"
        );
        assert!(names[0].ends_with(&dead));
        assert_eq!(found.garbage[0].bytes, Some(5));
        assert!(!staging.join(&dead).exists());

        let mut found = Collected::default();
        collect_staging(dir.path(), Timestamp::now(), true, &mut found).unwrap();
        let mut sizes: Vec<Option<u64>> = found.garbage.iter().map(|g| g.bytes).collect();
        sizes.sort();
        assert_eq!(sizes, [Some(1), Some(3)], "a folder counts its files");
        assert_eq!(std::fs::read_dir(&staging).unwrap().count(), 2, "dry run");
    }
}
