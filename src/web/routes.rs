//! What `mfile ui` answers: routes, request checks and replies, apart from the HTTP plumbing
//! (server.rs). Read-only: only GET and HEAD are answered, the catalog connection is
//! `query_only`, and files are served only when the catalog lists them.

use std::cell::RefCell;
use std::io::Read;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use md5::{Digest, Md5};
use serde::Serialize;

use super::api::{self, ApiError, ApiResult, DEFAULT_MAX_POINTS, MAX_POINTS};
use super::{assets, columns};
use crate::catalog::Reader;
use crate::center::hashing::hex;
use crate::engine::Center;
use crate::percent;
use crate::tracking::query;
use crate::values::RunStatus;
use crate::values::names::{RelPath, check_name, check_version_ref, nfc};
use crate::values::tags::parse_tags;

/// The largest answer built in memory (every JSON document but the series, which is made one
/// metric at a time): a bigger one is refused with 413 rather than held for a slow client.
pub const MAX_ANSWER_BYTES: usize = 32 << 20;
/// Stored files are read and sent in pieces of this size.
const FILE_PIECE: usize = 256 * 1024;

/// What every request needs: who started `mfile ui` (the runs page's first owner filter), how
/// to open the center, and the Host headers to accept.
pub struct Site {
    pub user: String,
    pub open: Opener,
    /// Host headers accepted: the bound address, and `localhost:PORT` on loopback; empty
    /// accepts any (bound to a non-loopback address on purpose).
    pub allowed_hosts: Vec<String>,
}

/// Opens the center, once per worker thread.
pub type Opener = Box<dyn Fn() -> anyhow::Result<Center> + Send + Sync>;

/// How often a worker reads a bucket center's logs again: what a colleague imports shows up
/// within this time, as a local center's writes show up at once.
const BUCKET_REFRESH: Duration = Duration::from_secs(5);

impl Site {
    pub fn new(user: String, open: Opener, addr: SocketAddr) -> Site {
        let allowed_hosts = if addr.ip().is_loopback() {
            let port = addr.port();
            let mut hosts = vec![format!("localhost:{port}"), addr.to_string()];
            if addr.is_ipv4() {
                hosts.push(format!("127.0.0.1:{port}"));
            }
            hosts
        } else {
            Vec::new()
        };
        Site {
            user,
            open,
            allowed_hosts,
        }
    }
}

/// A reply's bytes: in memory, or made a piece at a time while the client takes them (a stored
/// file, a long series) with the length when it is known.
pub enum Body {
    Bytes(Vec<u8>),
    Static(&'static [u8]),
    Pieces {
        pieces: Box<dyn Pieces>,
        len: Option<u64>,
    },
}

/// An answer made in pieces. The server asks for the next piece on a worker thread only when
/// the client has taken the last one, so a client that stops reading holds no thread and at
/// most one piece of memory.
pub trait Pieces: Send {
    /// The next piece, or `None` at the end. An error ends the response early (the client sees
    /// an incomplete answer).
    fn next(&mut self, site: &Site, cancel: &Cancel) -> anyhow::Result<Option<Vec<u8>>>;
}

/// Set when the client has gone away: work for it stops at the next check.
#[derive(Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    pub fn cancel(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }

    /// An error to stop work with once the client has gone.
    pub fn check(&self) -> anyhow::Result<()> {
        if self.is_cancelled() {
            anyhow::bail!("the client went away");
        }
        Ok(())
    }
}

/// One answer: status, content type, extra headers and body.
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Body,
}

impl Reply {
    /// `value` as JSON, or 413 when it would be longer than [`MAX_ANSWER_BYTES`].
    fn json(value: &impl Serialize) -> Reply {
        let mut out = Capped(Vec::new());
        match serde_json::to_writer(&mut out, value) {
            Ok(()) => Reply {
                status: 200,
                content_type: "application/json",
                headers: Vec::new(),
                body: Body::Bytes(out.0),
            },
            Err(err) if err.is_io() => Reply::error(
                413,
                &format!(
                    "the answer would be longer than the {} MiB the page sends; \
                     narrow it (owner=, status=)",
                    MAX_ANSWER_BYTES >> 20
                ),
            ),
            Err(err) => Reply::error(500, &format!("could not encode the answer: {err}")),
        }
    }

    pub fn error(status: u16, message: &str) -> Reply {
        let body = serde_json::json!({ "error": message });
        Reply {
            status,
            content_type: "application/json",
            headers: Vec::new(),
            body: Body::Bytes(body.to_string().into_bytes()),
        }
    }

    fn header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}

/// A buffer that refuses to grow past [`MAX_ANSWER_BYTES`].
struct Capped(Vec<u8>);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_ANSWER_BYTES {
            return Err(std::io::Error::other("answer too long"));
        }
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl From<ApiError> for Reply {
    fn from(err: ApiError) -> Self {
        match err {
            ApiError::BadRequest(message) => Reply::error(400, &message),
            ApiError::NotFound(message) => Reply::error(404, &message),
            ApiError::TooLarge(message) => Reply::error(413, &message),
            ApiError::Internal(err) => Reply::error(500, &format!("{err:#}")),
        }
    }
}

/// The worker thread's read-only view of the center, opened on its first request. A local
/// center's catalog connection is `query_only`; a bucket center's cache is brought up to date
/// every [`BUCKET_REFRESH`] (the bucket itself is only read).
pub fn with_center<T>(site: &Site, f: impl FnOnce(&mut Center) -> T) -> anyhow::Result<T> {
    thread_local! {
        static CENTER: RefCell<Option<(Center, Instant)>> = const { RefCell::new(None) };
    }
    CENTER.with(|slot| {
        let mut slot = slot.borrow_mut();
        if slot.is_none() {
            let mut center = (site.open)()?;
            match center.bucket {
                // The page never writes: nothing reaches the bucket from here.
                Some(_) => {
                    drop(center.catalog.take_remote());
                    center.refresh_runs(None).ok();
                }
                None => center.catalog.set_query_only()?,
            }
            *slot = Some((center, Instant::now()));
        }
        let Some((center, read_at)) = slot.as_mut() else {
            anyhow::bail!("the center is not open");
        };
        if center.bucket.is_some() && read_at.elapsed() >= BUCKET_REFRESH {
            // When the bucket can't be read, the page shows the cache as it is and tries again
            // at the next period.
            *read_at = Instant::now();
            center.reread_logs().ok();
            center.refresh_runs(None).ok();
        }
        Ok(f(center))
    })
}

/// Answers one request: `hosts` are its Host headers (one, unless the client is up to
/// something), `target` the request line's path and query, as sent.
pub fn handle(
    method: &str,
    hosts: &[&str],
    target: &str,
    center: &mut Center,
    site: &Site,
) -> Reply {
    if !matches!(method, "GET" | "HEAD") {
        return Reply::error(405, "the page is read-only: only GET and HEAD are answered")
            .header("Allow", "GET, HEAD".to_string());
    }
    if hosts.len() > 1 {
        // Two Host headers: whichever one a check read, something else may read the other.
        return Reply::error(400, "more than one Host header");
    }
    if !site.allowed_hosts.is_empty() {
        let host = hosts.first().map(|h| h.to_ascii_lowercase());
        if !host.is_some_and(|h| site.allowed_hosts.contains(&h)) {
            return Reply::error(
                421,
                "unexpected Host header: the page answers only to the address it was opened on",
            );
        }
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let segments = match decode_segments(path) {
        Ok(segments) => segments,
        Err(message) => return Reply::error(400, &message),
    };
    let query = match parse_query(query) {
        Ok(query) => query,
        Err(message) => return Reply::error(400, &message),
    };
    match route(center, site, &segments, &query) {
        Ok(reply) => reply,
        Err(err) => err.into(),
    }
}

fn route(
    center: &mut Center,
    site: &Site,
    segments: &[String],
    query: &[(String, String)],
) -> ApiResult<Reply> {
    let s: Vec<&str> = segments.iter().map(String::as_str).collect();
    if let ["api", "models", model, "runs", owner, run, "series"] = s.as_slice() {
        load_points(center, [model, owner, run])?;
    }
    let catalog = &center.catalog;
    if let [file] = s.as_slice() {
        if let Some(reply) = page_file(file) {
            return Ok(reply);
        }
    }
    Ok(match s.as_slice() {
        [] => asset("text/html; charset=utf-8", assets::INDEX_HTML)
            .header("Content-Security-Policy", assets::CSP.to_string()),
        ["api", "info"] => Reply::json(&serde_json::json!({
            "mfile_version": env!("CARGO_PKG_VERSION"),
            "center": center.name,
            "user": site.user,
            "echarts_version": assets::ECHARTS_VERSION,
        })),
        ["api", "models"] => Reply::json(&api::models(catalog)?),
        ["api", "models", model, "versions"] => {
            Reply::json(&api::versions(catalog, &name("model", model)?)?)
        }
        ["api", "models", model, "versions", version, "files"] => Reply::json(&api::files(
            catalog,
            &name("model", model)?,
            &name("version", version)?,
        )?),
        ["api", "models", model, "runs"] => runs(catalog, model, query)?,
        ["api", "models", model, "diff"] => {
            let (Some(from), Some(to)) = (param(query, "from"), param(query, "to")) else {
                return Err(bad("diff needs from=VERSION and to=VERSION"));
            };
            let (from, to) = (nfc(from), nfc(to));
            for given in [&from, &to] {
                check_version_ref(given).map_err(|e| bad(&format!("{e:#}")))?;
            }
            Reply::json(&api::diff(center, &name("model", model)?, &from, &to)?)
        }
        ["api", "models", model, "runs", owner, run, "series"] => {
            series(catalog, [model, owner, run], query)?
        }
        ["files", model, version, rest @ ..] if !rest.is_empty() => download(
            center,
            &name("model", model)?,
            &name("version", version)?,
            rest,
        )?,
        _ => Reply::error(404, "no such page"),
    })
}

/// One of the page's own files (HTML, CSS, JS, ECharts), if `file` names one.
fn page_file(file: &str) -> Option<Reply> {
    let (content_type, bytes) = assets::find(file)?;
    let reply = asset(content_type, bytes);
    // ECharts' URL names its version, so it can be kept; our own files can't.
    Some(match file == assets::ECHARTS_PATH {
        true => reply.header(
            "Cache-Control",
            "public, max-age=31536000, immutable".into(),
        ),
        false => reply,
    })
}

/// `/api/models/M/runs?owner=U&status=S&run=U/R&where=EXPR&tag=K=V&shape=columns&metric=K&
/// max_metrics=N` (`run=`, `tag=` and `metric=` repeated).
fn runs(catalog: &Reader, model: &str, query: &[(String, String)]) -> ApiResult<Reply> {
    let mut chosen = api::RunsQuery::default();
    if let Some(owner) = param(query, "owner") {
        chosen.owner = Some(name("user", owner)?);
    }
    if let Some(text) = param(query, "status") {
        chosen.status = Some(status(text)?);
    }
    for text in params(query, "run") {
        let (owner, run) = text
            .split_once('/')
            .ok_or_else(|| bad("run must be OWNER/RUN"))?;
        chosen.only.push((name("user", owner)?, name("run", run)?));
    }
    if let Some(text) = param(query, "where") {
        let text = nfc(text);
        let expr =
            query::parse(&text).map_err(|e| bad(&format!("invalid where {}", e.pointed(&text))))?;
        chosen.select.filter = Some(expr);
    }
    let tags: Vec<String> = params(query, "tag").map(nfc).collect();
    chosen.select.tags = parse_tags("tag", &tags).map_err(|e| bad(&format!("{e:#}")))?;
    let in_columns = columns_asked(query)?;
    let doc = api::runs(catalog, &name("model", model)?, &chosen)?;
    Ok(match in_columns {
        Some(choice) => Reply::json(&columns::columns(doc, &choice)),
        None => Reply::json(&doc),
    })
}

/// `shape=columns` with its `metric=` and `max_metrics=`, or None for the object shape.
fn columns_asked(query: &[(String, String)]) -> ApiResult<Option<columns::MetricChoice>> {
    let choice = columns::MetricChoice {
        named: params(query, "metric").map(nfc).collect(),
        max: match param(query, "max_metrics") {
            Some(text) => Some(
                text.parse::<usize>()
                    .map_err(|_| bad("max_metrics must be a whole number"))?,
            ),
            None => None,
        },
    };
    match param(query, "shape") {
        Some("columns") => Ok(Some(choice)),
        None | Some("runs") if choice.named.is_empty() && choice.max.is_none() => Ok(None),
        None | Some("runs") => Err(bad(
            "metric= and max_metrics= choose columns: add shape=columns",
        )),
        Some(other) => Err(bad(&format!(
            "shape must be runs or columns, not {other:?}"
        ))),
    }
}

/// A bucket center's run has its points fetched before its series is served.
fn load_points(center: &mut Center, [model, owner, run]: [&str; 3]) -> ApiResult<()> {
    let Some(model_row) = center.catalog.model(&name("model", model)?)? else {
        return Ok(()); // the series route says what is missing
    };
    if let Some(row) =
        center
            .catalog
            .run(model_row.id, &name("user", owner)?, &name("run", run)?)?
    {
        center.ensure_points(&row)?;
    }
    Ok(())
}

/// `/api/models/M/runs/U/R/series?key=K&max_points=N&time=1`, streamed.
fn series(
    catalog: &Reader,
    [model, owner, run]: [&str; 3],
    query: &[(String, String)],
) -> ApiResult<Reply> {
    let max_points = match param(query, "max_points") {
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (4..=MAX_POINTS).contains(n))
            .ok_or_else(|| {
                bad(&format!(
                    "max_points must be a number from 4 to {MAX_POINTS}"
                ))
            })?,
        None => DEFAULT_MAX_POINTS,
    };
    let keys: Vec<String> = params(query, "key").map(str::to_string).collect();
    let with_time = match param(query, "time") {
        None | Some("0") => false,
        Some("1") => true,
        Some(_) => return Err(bad("time must be 0 or 1")),
    };
    let stream = api::series_stream(
        catalog,
        &name("model", model)?,
        &name("user", owner)?,
        &name("run", run)?,
        &keys,
        max_points,
        with_time,
    )?;
    Ok(Reply {
        status: 200,
        content_type: "application/json",
        headers: Vec::new(),
        body: Body::Pieces {
            pieces: Box::new(SeriesPieces(stream)),
            len: None,
        },
    })
}

fn asset(content_type: &'static str, bytes: &'static [u8]) -> Reply {
    Reply {
        status: 200,
        content_type,
        headers: Vec::new(),
        body: Body::Static(bytes),
    }
}

/// A stored file, streamed and checked against its md5 on the way (server.rs). Only paths the
/// catalog lists are served, so no request reaches anything else in (or outside) the center.
fn download(center: &Center, model: &str, version: &str, rest: &[&str]) -> ApiResult<Reply> {
    let path = RelPath::parse("file path", &rest.join("/")).map_err(|e| bad(&format!("{e:#}")))?;
    let not_found = || ApiError::NotFound(format!("{model}/{version} has no file {path}"));
    let model_row = center.catalog.model(model)?.ok_or_else(not_found)?;
    let version_row = center
        .catalog
        .version(model_row.id, version)?
        .ok_or_else(not_found)?;
    // The row and the opened bytes are taken together, holding off writers for that moment: an
    // `import --force` replaces a file by renaming a new one over it, so the handle keeps the
    // bytes the row describes however long the download takes.
    let found = center.catalog.settled(|catalog| {
        let Some(file) = catalog.file(version_row.id, path.as_str())? else {
            return Ok(None);
        };
        let stored = crate::engine::stored(&file);
        let key = stored.key.clone();
        let reader = center.store.open(&stored)?;
        let size = center.store.size(&stored)?;
        Ok(Some((file, key, reader, size)))
    })?;
    let (file, key, reader, size) = found.ok_or_else(not_found)?;
    let reader = reader.ok_or_else(|| {
        ApiError::NotFound(format!(
            "{key} is in the catalog but missing from the center; run `mfile verify`"
        ))
    })?;
    if size != Some(file.size) {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "{key} has a different size than the catalog says; run `mfile verify`"
        )));
    }
    let base = file.path.rsplit('/').next().unwrap_or(&file.path);
    Ok(Reply {
        status: 200,
        content_type: "application/octet-stream",
        headers: vec![(
            "Content-Disposition",
            format!("attachment; filename*=UTF-8''{}", percent::encode(base)),
        )],
        body: Body::Pieces {
            pieces: Box::new(StoredFile {
                reader,
                md5: file.md5,
                hasher: Md5::new(),
                held: None,
                done: false,
            }),
            len: Some(file.size),
        },
    })
}

/// A series document made a few metrics at a time on whichever worker asks for the next.
struct SeriesPieces(api::SeriesStream);

impl Pieces for SeriesPieces {
    fn next(&mut self, site: &Site, cancel: &Cancel) -> anyhow::Result<Option<Vec<u8>>> {
        cancel.check()?;
        with_center(site, |center| {
            self.0.next_piece(&center.catalog, &|| cancel.check())
        })?
    }
}

/// A stored file read a piece at a time and hashed on the way. The last piece is held back
/// until the md5 matches the catalog's: a damaged copy ends in an error instead, so the client
/// never gets it whole (like `pull`).
struct StoredFile {
    reader: Box<dyn Read + Send>,
    md5: String,
    hasher: Md5,
    held: Option<Vec<u8>>,
    done: bool,
}

impl Pieces for StoredFile {
    fn next(&mut self, _site: &Site, cancel: &Cancel) -> anyhow::Result<Option<Vec<u8>>> {
        cancel.check()?;
        let mut buf = vec![0; FILE_PIECE];
        let mut filled = 0;
        while filled < buf.len() {
            match self.reader.read(&mut buf[filled..]) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(err) if err.kind() == std::io::ErrorKind::Interrupted => {}
                Err(err) => return Err(err.into()),
            }
        }
        buf.truncate(filled);
        if !buf.is_empty() {
            self.hasher.update(&buf);
            // hand out the piece before, keep this one
            return Ok(Some(self.held.replace(buf).unwrap_or_default()));
        }
        if self.done {
            return Ok(None);
        }
        self.done = true;
        let last = self.held.take().unwrap_or_default();
        let digest = hex(&std::mem::take(&mut self.hasher).finalize());
        if digest != self.md5 {
            anyhow::bail!("the stored copy does not match the catalog's md5; run `mfile verify`");
        }
        Ok(Some(last))
    }
}

fn bad(message: &str) -> ApiError {
    ApiError::BadRequest(message.to_string())
}

/// A name from a URL, in NFC as the command line puts it (`caf%C3%A9` and `cafe%CC%81` are one).
fn name(what: &str, text: &str) -> ApiResult<String> {
    let text = nfc(text);
    check_name(what, &text).map_err(|e| bad(&format!("{e:#}")))?;
    Ok(text)
}

fn status(text: &str) -> ApiResult<RunStatus> {
    text.parse::<RunStatus>()
        .map_err(|_| bad("status must be running, finished, failed or killed"))
}

fn param<'a>(query: &'a [(String, String)], key: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// Every value of a repeated parameter (`key=a&key=b`), in order.
fn params<'a>(query: &'a [(String, String)], key: &'a str) -> impl Iterator<Item = &'a str> {
    query
        .iter()
        .filter(move |(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The path's segments, percent-decoded one by one (so `%2F` can't split one, and `%2e%2e` is
/// caught as `..` by the name and path checks that follow).
fn decode_segments(path: &str) -> Result<Vec<String>, String> {
    path.split('/')
        .filter(|s| !s.is_empty())
        .map(|s| percent::decode(s, false))
        .collect()
}

fn parse_query(query: &str) -> Result<Vec<(String, String)>, String> {
    query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            Ok((percent::decode(k, true)?, percent::decode(v, true)?))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_decoded_one_by_one() {
        assert_eq!(
            decode_segments("/files/m/v/a%2Fb/%2e%2e").unwrap(),
            vec!["files", "m", "v", "a/b", ".."]
        );
        assert!(decode_segments("/x/%zz").is_err());
        assert!(decode_segments("/x/%ff").is_err(), "not UTF-8");
        assert_eq!(
            parse_query("owner=a+b&status=running&x").unwrap(),
            vec![
                ("owner".to_string(), "a b".to_string()),
                ("status".to_string(), "running".to_string()),
                ("x".to_string(), String::new())
            ]
        );
    }
}
