//! Opening a center in object storage: a bucket (and prefix) holds everything; this machine
//! keeps a cache of it (a catalog and a staging folder) that can be deleted at any time.

use std::path::Path;
use std::sync::Arc;

use anyhow::{Context, Result, bail};

use super::Center;
use super::bucket_log::{BucketLog, Damage};
use crate::catalog::Catalog;
use crate::center::CATALOG_FILE;
use crate::center::bucket_store::BucketStore;
use crate::center::nofollow::Dir;
use crate::center::partial;
use crate::center::s3::{Bucket, Created};

/// The object that marks a prefix as a center, written once by the first write.
const MARKER: &str = "mfile-center.json";

/// Whether the bucket honours conditional writes, as found once and kept in the cache.
const CONDITIONAL_WRITES: &str = "conditional_writes";

impl Center {
    /// Opens the center at `url` through `bucket`, with its cache in `cache`. `create`: a write
    /// will follow, so the center is made if the prefix holds none yet; a read of a prefix that
    /// holds no center is refused. `by` (`user@host`) signs what this process writes.
    pub fn open_bucket(
        bucket: Bucket,
        url: &str,
        cache: &Path,
        create: bool,
        by: String,
    ) -> Result<Center> {
        std::fs::create_dir_all(cache.join("staging"))
            .with_context(|| format!("could not create the cache {}", cache.display()))?;
        let staging = Arc::new(Dir::open(&cache.join("staging"))?);
        partial::sweep(&staging);
        let bucket = Arc::new(bucket);
        let mut catalog = Catalog::open(&cache.join(CATALOG_FILE), true)?;
        if bucket.get(MARKER)?.is_none() {
            if !create {
                return Err(NoCenter(url.to_string()).into());
            }
            refuse_without_conditional_writes(&bucket, &mut catalog, url)?;
            let marker =
                serde_json::json!({"format": 1, "created_at": crate::time::Timestamp::now()});
            match bucket.put_new(MARKER, serde_json::to_vec(&marker)?.into())? {
                Created::Created(_) | Created::AlreadyExists => {}
            }
        } else if create {
            refuse_without_conditional_writes(&bucket, &mut catalog, url)?;
        }
        let log = BucketLog::new(Arc::clone(&bucket), by.clone());
        let damaged = log
            .refresh(&mut catalog)
            .with_context(|| format!("could not read the center {url}"))?;
        catalog.set_remote(Box::new(log));
        Ok(Center {
            root: cache.to_path_buf(),
            name: url.to_string(),
            catalog,
            store: Box::new(BucketStore::new(Arc::clone(&bucket), url, staging)),
            damaged,
            bucket: Some(bucket),
            by,
        })
    }

    /// Opens the cache of the center at `url` without asking the bucket anything, for
    /// recording runs while its server does not answer: the records wait in the cache's outbox.
    /// Only a cache an earlier command made (so the center exists) is opened.
    pub fn open_bucket_cache(
        bucket: Bucket,
        url: &str,
        cache: &Path,
        by: String,
    ) -> Result<Center> {
        let catalog_path = cache.join(CATALOG_FILE);
        if !catalog_path.is_file() {
            bail!("this machine has no cache of {url} yet");
        }
        let staging = Arc::new(Dir::open(&cache.join("staging"))?);
        let bucket = Arc::new(bucket);
        let mut catalog = Catalog::open(&catalog_path, true)?;
        // Made by a command that reached the center and could write there.
        if catalog.setting(CONDITIONAL_WRITES)?.as_deref() != Some("yes") {
            bail!("this machine has not written to {url} yet");
        }
        catalog.set_remote(Box::new(BucketLog::new(Arc::clone(&bucket), by.clone())));
        Ok(Center {
            root: cache.to_path_buf(),
            name: url.to_string(),
            catalog,
            store: Box::new(BucketStore::new(Arc::clone(&bucket), url, staging)),
            damaged: Vec::new(),
            bucket: Some(bucket),
            by,
        })
    }

    /// Reads the bucket's logs again, applying the segments written since the center was
    /// opened; returns the damaged logs as [`BucketLog::refresh`] does. Nothing for a local
    /// center.
    pub fn reread_logs(&mut self) -> Result<Vec<Damage>> {
        let Some(bucket) = &self.bucket else {
            return Ok(Vec::new());
        };
        // The refresh applies what the bucket has: it must not be published to it again.
        let remote = self.catalog.take_remote();
        let log = BucketLog::new(Arc::clone(bucket), String::new());
        let read = log
            .refresh(&mut self.catalog)
            .with_context(|| format!("could not read the center {}", self.name));
        if let Some(remote) = remote {
            self.catalog.set_remote(remote);
        }
        if let Ok(damaged) = &read {
            self.damaged = damaged.clone();
        }
        read
    }
}

/// A read of a prefix that holds no center.
#[derive(Debug, thiserror::Error)]
#[error(
    "no center at {0} (no {MARKER} there); import something first, or point --center or \
     MFILE_CENTER at an existing center"
)]
pub struct NoCenter(pub String);

/// Two writers are kept apart by conditional writes (If-None-Match); a server that ignores them
/// would let one silently overwrite the other, so mfile writes there not at all. Asked once per
/// center and remembered in the cache.
fn refuse_without_conditional_writes(
    bucket: &Bucket,
    catalog: &mut Catalog,
    url: &str,
) -> Result<()> {
    let known = catalog.setting(CONDITIONAL_WRITES)?;
    let honoured = match known.as_deref() {
        Some(answer) => answer == "yes",
        None => {
            let probe = format!("probes/{}", crate::center::partial::name("conditional"));
            let honoured = bucket.probe_conditional_writes(&probe)?;
            let answer = if honoured { "yes" } else { "no" };
            catalog.write(|tx| tx.set_setting(CONDITIONAL_WRITES, answer))?;
            honoured
        }
    };
    if !honoured {
        bail!(
            "the server of {url} ignores conditional writes (If-None-Match), so two writers \
             could overwrite each other unseen; mfile does not write there. Use a server that \
             honours them (AWS S3, MinIO, R2, GCS, SeaweedFS)"
        );
    }
    Ok(())
}
