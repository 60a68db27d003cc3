//! A center's bucket: a synchronous client for one `s3://bucket/prefix` on AWS or an
//! S3-compatible server (SeaweedFS, MinIO, R2), over the `object_store` crate.
//!
//! - Keys are relative to the URL's prefix: `blobs/ab` in `s3://team/prod` is the object
//!   `prod/blobs/ab` of bucket `team`. A key is `/`-separated segments, none empty, `.` or `..`.
//! - Conditional writes are typed outcomes, not errors: [`Created::AlreadyExists`] (the key
//!   existed: `If-None-Match: *`), [`Replaced::Precondition`] (the object is not the one the
//!   caller read: `If-Match`), [`Fetched::NotModified`].
//! - Every PUT and every part carries `x-amz-checksum-crc64nvme`, so the server itself refuses
//!   bytes damaged on the way (the payload is not signed: the checksum guards it, and CRC64 costs
//!   far less CPU than the SHA-256 a signed payload needs).
//! - Requests are retried at most 3 times within 10 s (a dead server fails in well under a
//!   second); one request may take 120 s (SeaweedFS makes racing conditional PUTs wait their
//!   turn, a second each).
//! - Big uploads and downloads move in 8 MiB pieces, 8 at a time, in order and in bounded
//!   memory (`transfer.rs`); Ctrl-C is honoured between pieces.
//! - Errors name the object's URL; refused keys and unreachable servers say so.
//!
//! The requests run on the bucket's own tokio runtime (`runtime.rs`), so a `Bucket` may be used
//! from any thread, inside another runtime too.

mod runtime;
mod transfer;
mod uploads;

#[cfg(test)]
mod tests;

use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Result, anyhow};
use bytes::Bytes;
use futures_util::{StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3, AmazonS3Builder, Checksum};
use object_store::client::{HttpClient, HttpConnector, HttpError, HttpErrorKind, ReqwestConnector};
use object_store::path::Path;
use object_store::{
    BackoffConfig, ClientOptions, GetOptions, ObjectMeta, ObjectStore, ObjectStoreExt, PutMode,
    PutOptions, PutPayload, RetryConfig, UpdateVersion,
};

use crate::error::usage;
use crate::time::Timestamp;
use crate::values::location::{BucketSpec, BucketUrl};

pub use uploads::PendingUpload;

const MAX_RETRIES: usize = 3;
const RETRY_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(120);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// An object's ETag, exactly as the server sent it (quotes included); give it back unchanged.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Etag(pub String);

impl std::fmt::Display for Etag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// One object, as a HEAD or a listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectInfo {
    /// Relative to the center's prefix.
    pub key: String,
    pub size: u64,
    pub etag: Etag,
    pub last_modified: Timestamp,
}

/// What `put_new` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    Created(Etag),
    /// The key existed already (perhaps written a moment ago by another writer); nothing changed.
    AlreadyExists,
}

/// What `put_replacing` did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Replaced {
    Replaced(Etag),
    /// The object is no longer the one with that ETag (another writer replaced or deleted it);
    /// nothing changed.
    Precondition,
}

/// What `get_if_changed` found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fetched {
    /// Still the object with the given ETag.
    NotModified,
    Missing,
    Got(Bytes, Etag),
}

/// One level of a listing: the "folders" (common prefixes) and the objects right in it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Listing {
    /// Relative to the center's prefix, without a trailing `/`.
    pub dirs: Vec<String>,
    pub objects: Vec<ObjectInfo>,
}

/// A center's bucket (see the module's notes).
pub struct Bucket {
    url: BucketUrl,
    endpoint: String,
    /// Where the keys came from, for messages.
    keys_from: String,
    store: Arc<AmazonS3>,
    /// For the one request object_store lacks (listing unfinished multipart uploads).
    http: HttpClient,
    /// Last: dropped after everything that might still hold a request.
    runtime: runtime::Runtime,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("url", &self.url.to_string())
            .field("endpoint", &self.endpoint)
            .finish_non_exhaustive()
    }
}

impl Bucket {
    /// Opens the bucket of `spec`. No request is made: a wrong endpoint or key shows at the
    /// first call. With no keys at all it refuses (object_store would ask the EC2 metadata
    /// service instead).
    pub fn open(spec: &BucketSpec) -> Result<Bucket> {
        Self::open_with(spec, ReqwestConnector::default())
    }

    fn open_with(spec: &BucketSpec, connector: impl HttpConnector) -> Result<Bucket> {
        let Some(keys) = &spec.credentials else {
            return Err(usage(format!(
                "no credentials for {}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY \
                 (and AWS_SESSION_TOKEN for temporary keys), or AWS_PROFILE with a profile in \
                 ~/.aws/credentials",
                spec.url
            )));
        };
        let allow_http = spec
            .endpoint
            .as_deref()
            .is_some_and(|e| e.starts_with("http://"));
        let options = ClientOptions::new()
            .with_timeout(REQUEST_TIMEOUT)
            .with_connect_timeout(CONNECT_TIMEOUT)
            .with_allow_http(allow_http);
        let mut builder = AmazonS3Builder::new()
            .with_bucket_name(&spec.url.bucket)
            .with_region(&spec.region)
            .with_access_key_id(&keys.access_key_id)
            .with_secret_access_key(&keys.secret_access_key)
            .with_client_options(options.clone())
            .with_virtual_hosted_style_request(false)
            .with_checksum_algorithm(Checksum::CRC64NVME)
            .with_unsigned_payload(true)
            .with_retry(RetryConfig {
                backoff: BackoffConfig::default(),
                max_retries: MAX_RETRIES,
                retry_timeout: RETRY_TIMEOUT,
            })
            .with_http_connector(connector);
        if let Some(token) = &keys.session_token {
            builder = builder.with_token(token);
        }
        if let Some(endpoint) = &spec.endpoint {
            builder = builder.with_endpoint(endpoint);
        }
        let store = builder.build().map_err(|e| {
            anyhow!(e).context(format!("could not set up the client for {}", spec.url))
        })?;
        let http = ReqwestConnector::default().connect(&options).map_err(|e| {
            anyhow!(e).context(format!("could not set up the client for {}", spec.url))
        })?;
        Ok(Bucket {
            url: spec.url.clone(),
            endpoint: spec
                .endpoint
                .clone()
                .unwrap_or_else(|| format!("https://s3.{}.amazonaws.com", spec.region)),
            keys_from: keys.source.clone(),
            store: Arc::new(store),
            http,
            runtime: runtime::Runtime::new()?,
        })
    }

    pub fn url(&self) -> &BucketUrl {
        &self.url
    }

    /// The whole object and its ETag, or None when there is none.
    pub fn get(&self, key: &str) -> Result<Option<(Bytes, Etag)>> {
        match self.get_opts(key, GetOptions::default())? {
            Fetched::Got(bytes, etag) => Ok(Some((bytes, etag))),
            Fetched::Missing | Fetched::NotModified => Ok(None),
        }
    }

    /// The object unless it still has `etag` (a conditional GET: one round trip, no body when
    /// unchanged).
    pub fn get_if_changed(&self, key: &str, etag: &Etag) -> Result<Fetched> {
        let options = GetOptions {
            if_none_match: Some(etag.0.clone()),
            ..GetOptions::default()
        };
        self.get_opts(key, options)
    }

    fn get_opts(&self, key: &str, options: GetOptions) -> Result<Fetched> {
        let path = self.path(key)?;
        let store = self.store.clone();
        let answer = self.runtime.run(async move {
            let result = match store.get_opts(&path, options).await {
                Ok(result) => result,
                Err(e) => return Ok(Err(e)),
            };
            let etag = result.meta.e_tag.clone();
            Ok(result.bytes().await.map(|bytes| (bytes, etag)))
        })?;
        match answer {
            Ok((bytes, Some(etag))) => Ok(Fetched::Got(bytes, Etag(etag))),
            Ok((_, None)) => Err(self.no_etag(key)),
            Err(e @ object_store::Error::NotFound { .. }) if no_such_bucket(&e) => Err(anyhow!(
                "could not read {}: the server at {} has no bucket {}",
                self.url.of_key(key),
                self.endpoint,
                self.url.bucket
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(Fetched::Missing),
            Err(object_store::Error::NotModified { .. }) => Ok(Fetched::NotModified),
            Err(e) => Err(self.failed("read", key, e)),
        }
    }

    /// The bytes `range` of the object (all of them: a range past its end is an error).
    pub fn get_range(&self, key: &str, range: Range<u64>) -> Result<Bytes> {
        let mut parts = self.get_ranges(key, std::slice::from_ref(&range))?;
        Ok(parts.pop().unwrap_or_default())
    }

    /// Several ranges of one object, in the order given; nearby ranges are fetched together.
    pub fn get_ranges(&self, key: &str, ranges: &[Range<u64>]) -> Result<Vec<Bytes>> {
        let path = self.path(key)?;
        let store = self.store.clone();
        let wanted = ranges.to_vec();
        let parts = self
            .runtime
            .run(async move { Ok(store.get_ranges(&path, &wanted).await) })?
            .map_err(|e| self.failed("read", key, e))?;
        for (range, part) in ranges.iter().zip(&parts) {
            let want = range.end.saturating_sub(range.start);
            if part.len() as u64 != want {
                return Err(anyhow!(
                    "could not read bytes {}..{} of {}: got {} bytes, the object is shorter",
                    range.start,
                    range.end,
                    self.url.of_key(key),
                    part.len()
                ));
            }
        }
        Ok(parts)
    }

    /// The object's size, ETag and time, or None when there is none.
    pub fn head(&self, key: &str) -> Result<Option<ObjectInfo>> {
        let path = self.path(key)?;
        let store = self.store.clone();
        match self
            .runtime
            .run(async move { Ok(store.head(&path).await) })?
        {
            Ok(meta) => Ok(Some(self.info(meta)?)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(self.failed("look up", key, e)),
        }
    }

    /// Writes `bytes` under `key` unless the key exists (`If-None-Match: *`). Of writers racing
    /// on one key, exactly one gets `Created`.
    pub fn put_new(&self, key: &str, bytes: Bytes) -> Result<Created> {
        match self.put(key, bytes, PutMode::Create)? {
            Ok(etag) => Ok(Created::Created(self.etag(key, etag)?)),
            Err(object_store::Error::AlreadyExists { .. }) => Ok(Created::AlreadyExists),
            Err(e) => Err(self.failed("write", key, e)),
        }
    }

    /// Replaces the object under `key` if it still has `etag` (`If-Match`).
    pub fn put_replacing(&self, key: &str, bytes: Bytes, etag: &Etag) -> Result<Replaced> {
        let mode = PutMode::Update(UpdateVersion {
            e_tag: Some(etag.0.clone()),
            version: None,
        });
        match self.put(key, bytes, mode)? {
            Ok(etag) => Ok(Replaced::Replaced(self.etag(key, etag)?)),
            Err(object_store::Error::Precondition { .. }) => Ok(Replaced::Precondition),
            Err(e) => Err(self.failed("replace", key, e)),
        }
    }

    /// Writes `bytes` under `key`, whatever is there (for `upload`'s small files).
    fn put_overwriting(&self, key: &str, bytes: Bytes) -> Result<Etag> {
        match self.put(key, bytes, PutMode::Overwrite)? {
            Ok(etag) => self.etag(key, etag),
            Err(e) => Err(self.failed("write", key, e)),
        }
    }

    /// One PUT; the outer error is ours (a bad key), the inner one the request's.
    fn put(
        &self,
        key: &str,
        bytes: Bytes,
        mode: PutMode,
    ) -> Result<Result<Option<String>, object_store::Error>> {
        let path = self.path(key)?;
        let store = self.store.clone();
        let options = PutOptions {
            mode,
            ..PutOptions::default()
        };
        self.runtime.run(async move {
            let put = store
                .put_opts(&path, PutPayload::from(bytes), options)
                .await;
            Ok(put.map(|p| p.e_tag))
        })
    }

    /// Every object under `prefix` (a "folder": `a` lists `a/x` and `a/b/y`, not `ab`; `""` is
    /// the whole center), through all pages, in key order.
    pub fn list(&self, prefix: &str) -> Result<Vec<ObjectInfo>> {
        let path = self.prefix_path(prefix)?;
        let store = self.store.clone();
        let metas = self
            .runtime
            .run(async move { Ok(store.list(path.as_ref()).try_collect::<Vec<_>>().await) })?
            .map_err(|e| self.failed("list", prefix, e))?;
        let mut objects = metas
            .into_iter()
            .map(|meta| self.info(meta))
            .collect::<Result<Vec<_>>>()?;
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// [`Bucket::list`] of the keys after `after` (a key under `prefix`, relative to the center)
    /// in key order: S3's `start-after`, so a log's new segments cost one request, not a
    /// listing of the whole log.
    pub fn list_after(&self, prefix: &str, after: &str) -> Result<Vec<ObjectInfo>> {
        let path = self.prefix_path(prefix)?;
        let offset = self.path(after)?;
        let store = self.store.clone();
        let metas = self
            .runtime
            .run(async move {
                Ok(store
                    .list_with_offset(path.as_ref(), &offset)
                    .try_collect::<Vec<_>>()
                    .await)
            })?
            .map_err(|e| self.failed("list", prefix, e))?;
        let mut objects = metas
            .into_iter()
            .map(|meta| self.info(meta))
            .collect::<Result<Vec<_>>>()?;
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        Ok(objects)
    }

    /// One level under `prefix`: its sub-folders and the objects right in it.
    pub fn list_dirs(&self, prefix: &str) -> Result<Listing> {
        let path = self.prefix_path(prefix)?;
        let store = self.store.clone();
        let result = self
            .runtime
            .run(async move { Ok(store.list_with_delimiter(path.as_ref()).await) })?
            .map_err(|e| self.failed("list", prefix, e))?;
        let mut objects = result
            .objects
            .into_iter()
            .map(|meta| self.info(meta))
            .collect::<Result<Vec<_>>>()?;
        objects.sort_by(|a, b| a.key.cmp(&b.key));
        let dirs = result
            .common_prefixes
            .iter()
            .map(|p| self.relative(p.as_ref()))
            .collect::<Result<Vec<_>>>()?;
        Ok(Listing { dirs, objects })
    }

    /// Deletes the object; a missing one is no error.
    pub fn delete(&self, key: &str) -> Result<()> {
        self.delete_many(&[key.to_string()])
    }

    /// Deletes the objects, up to 1,000 per request; missing ones are no error.
    pub fn delete_many(&self, keys: &[String]) -> Result<()> {
        let paths = keys
            .iter()
            .map(|k| self.path(k))
            .collect::<Result<Vec<_>>>()?;
        let store = self.store.clone();
        let failures = self.runtime.run(async move {
            let locations = futures_util::stream::iter(paths.into_iter().map(Ok)).boxed();
            let results: Vec<_> = store.delete_stream(locations).collect().await;
            Ok(results
                .into_iter()
                .filter_map(|r| match r {
                    Ok(_) | Err(object_store::Error::NotFound { .. }) => None,
                    Err(e) => Some(e),
                })
                .collect::<Vec<_>>())
        })?;
        match failures.into_iter().next() {
            None => Ok(()),
            Some(e) => match keys {
                [key] => Err(self.failed("delete", key, e)),
                _ => Err(self.failed(&format!("delete {} objects in", keys.len()), "", e)),
            },
        }
    }

    /// Whether the server honours `If-None-Match: *`: creates `key` twice and deletes it. True
    /// when the second write is refused. Use a key no one else writes.
    pub fn probe_conditional_writes(&self, key: &str) -> Result<bool> {
        let first = self.put_new(key, Bytes::from_static(b"probe 1"))?;
        let second = self.put_new(key, Bytes::from_static(b"probe 2"))?;
        self.delete(key)?;
        Ok(matches!(first, Created::AlreadyExists) || matches!(second, Created::AlreadyExists))
    }

    /// The object path of `key` (checked).
    fn path(&self, key: &str) -> Result<Path> {
        check_key(key).map_err(|why| anyhow!("invalid key {key:?} for {}: {why}", self.url))?;
        self.prefix_path(key)?
            .ok_or_else(|| anyhow!("invalid key {key:?} for {}: empty", self.url))
    }

    /// The object path of a listing prefix: None is the bucket's root.
    fn prefix_path(&self, prefix: &str) -> Result<Option<Path>> {
        if !prefix.is_empty() {
            check_key(prefix)
                .map_err(|why| anyhow!("invalid prefix {prefix:?} for {}: {why}", self.url))?;
        }
        let full = match (self.url.prefix.as_str(), prefix) {
            ("", "") => return Ok(None),
            ("", key) => key.to_string(),
            (base, "") => base.to_string(),
            (base, key) => format!("{base}/{key}"),
        };
        Path::parse(&full)
            .map(Some)
            .map_err(|e| anyhow!(e).context(format!("invalid key {prefix:?} for {}", self.url)))
    }

    /// A full object path made relative to the center's prefix.
    fn relative(&self, full: &str) -> Result<String> {
        if self.url.prefix.is_empty() {
            return Ok(full.to_string());
        }
        full.strip_prefix(self.url.prefix.as_str())
            .and_then(|rest| rest.strip_prefix('/'))
            .map(str::to_string)
            .ok_or_else(|| anyhow!("the server listed {full:?}, which is outside {}", self.url))
    }

    fn info(&self, meta: ObjectMeta) -> Result<ObjectInfo> {
        let key = self.relative(meta.location.as_ref())?;
        let Some(etag) = meta.e_tag else {
            return Err(self.no_etag(&key));
        };
        Ok(ObjectInfo {
            key,
            size: meta.size,
            etag: Etag(etag),
            last_modified: Timestamp::from_system(meta.last_modified.into()),
        })
    }

    /// The ETag a write answered with; the server must send one.
    fn etag(&self, key: &str, etag: Option<String>) -> Result<Etag> {
        etag.map(Etag).ok_or_else(|| self.no_etag(key))
    }

    fn no_etag(&self, key: &str) -> anyhow::Error {
        anyhow!("the server sent no ETag for {}", self.url.of_key(key))
    }

    /// `could not <what> <url>: <why>`, with a hint when the keys were refused or the server
    /// could not be reached. object_store's messages already hold their causes, so only the
    /// first and the root cause are kept (anyhow would repeat every level).
    fn failed(&self, what: &str, key: &str, err: object_store::Error) -> anyhow::Error {
        let hint = match &err {
            object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. } => Some(format!(
                "the server refused the keys from {} (check them, the region and the endpoint)",
                self.keys_from
            )),
            _ if unreachable(&err) => Some(format!(
                "nothing answers at {} (is the server running, is the endpoint right?)",
                self.endpoint
            )),
            _ => None,
        };
        let mut why = err.to_string();
        let mut root: &(dyn std::error::Error + 'static) = &err;
        while let Some(cause) = root.source() {
            root = cause;
        }
        let root = root.to_string();
        if !why.contains(&root) {
            why = format!("{why}: {root}");
        }
        let why = without_xml(&why);
        let url = self.url.of_key(key);
        match hint {
            Some(hint) if unreachable(&err) => {
                Unreachable(format!("could not {what} {url}: {hint}: {why}")).into()
            }
            Some(hint) => anyhow!("could not {what} {url}: {hint}: {why}"),
            None => anyhow!("could not {what} {url}: {why}"),
        }
    }
}

/// A request that found no server at the endpoint (refused, or no connection in time): what a
/// training goes on through, recording into the cache to upload later.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Unreachable(String);

/// Whether `err` is, or was caused by, an [`Unreachable`] server.
pub fn is_unreachable(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| cause.is::<Unreachable>())
}

/// The server's answer was that the bucket does not exist (S3's `NoSuchBucket`), not the key.
fn no_such_bucket(err: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cause {
        if e.to_string().contains("<Code>NoSuchBucket</Code>") {
            return true;
        }
        cause = e.source();
    }
    false
}

/// An error message with the S3 XML document it quotes replaced by its code and message:
/// `... 404 Not Found: NoSuchKey: The specified key does not exist.`
fn without_xml(text: &str) -> String {
    let Some(start) = text.find("<?xml").or_else(|| text.find("<Error>")) else {
        return text.to_string();
    };
    let element = |name: &str| {
        let open = format!("<{name}>");
        let from = text.find(&open)? + open.len();
        let to = text[from..].find(&format!("</{name}>"))? + from;
        Some(text[from..to].trim().to_string())
    };
    let end = text
        .find("</Error>")
        .map_or(text.len(), |at| at + "</Error>".len());
    let said = match (element("Code"), element("Message")) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code,
        (None, Some(message)) => message,
        (None, None) => "(an error document)".to_string(),
    };
    format!("{}{said}{}", &text[..start], &text[end..])
}

/// True when the error is a failure to connect (nothing listens, no route, DNS).
fn unreachable(err: &(dyn std::error::Error + 'static)) -> bool {
    let mut cause = Some(err);
    while let Some(e) = cause {
        if e.downcast_ref::<HttpError>()
            .is_some_and(|h| h.kind() == HttpErrorKind::Connect)
        {
            return true;
        }
        cause = e.source();
    }
    false
}

/// A key is `/`-separated segments, none empty, `.` or `..`, without control characters.
fn check_key(key: &str) -> Result<(), &'static str> {
    if key.is_empty() {
        return Err("empty");
    }
    for segment in key.split('/') {
        match segment {
            "" => return Err("an empty segment (a leading, trailing or double '/')"),
            "." | ".." => return Err("'.' and '..' are not allowed"),
            _ if segment.chars().any(char::is_control) => {
                return Err("control characters are not allowed");
            }
            _ => {}
        }
    }
    Ok(())
}
