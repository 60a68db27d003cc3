//! The HTTP plumbing of `mfile ui`: hyper (HTTP/1.1) on a one-thread tokio runtime for the
//! sockets, and each request's answer (routes.rs: SQLite queries, file reads) on tokio's
//! blocking threads, which keep their catalog connection between requests.
//!
//! What keeps the page answering whatever its clients do (docs/web.md, "Limits"):
//! - a request's head must arrive within `header_timeout` of the connection opening or the
//!   last answer ending, so idle and half-sent connections close;
//! - a client that takes no byte of an answer for `write_timeout` is dropped;
//! - at most `max_connections` connections, under the open-files limit; at the limit a new
//!   client takes the place of the connection idle longest (else the one whose client has
//!   taken nothing for longest), so a fresh client is always served;
//! - long answers are made a piece at a time, each when the client has taken the last
//!   (`routes::Pieces`): a client that stops reading holds no worker thread and one piece of
//!   memory;
//! - work for a client that went away stops (`routes::Cancel`).

use std::collections::HashMap;
use std::convert::Infallible;
use std::future::Future;
use std::io;
use std::net::TcpListener;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::{TokioIo, TokioTimer};
use rustix::io::Errno;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

use super::routes::{self, Body, Cancel, Pieces, Reply, Site};

/// Threads answering requests at once (each holds one SQLite connection).
const ANSWER_THREADS: usize = 8;
/// How often the accept loop looks at `stop`.
const STOP_CHECK: Duration = Duration::from_millis(200);
/// A request's head must arrive within this time, and an idle connection closes after it.
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// A client that takes no byte of an answer for this long is dropped.
pub const WRITE_TIMEOUT: Duration = Duration::from_secs(30);
/// File descriptors kept for all but client connections: stdio, the listener, each worker's
/// catalog (database, WAL, shared memory) and the stored files being sent.
const RESERVED_FDS: u64 = 64;
/// The most connections whatever the open-files limit.
const MAX_CONNECTIONS: u64 = 4096;
/// A connection's read and write buffers stop growing here: a request head longer than this
/// gets 431, so a thousand clients sending endless headers hold a bounded amount of memory.
const MAX_BUF: usize = 64 * 1024;
/// After a failed accept (out of file descriptors, say) the loop waits this long.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(20);

/// What one server allows its clients.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub write_timeout: Duration,
}

impl Limits {
    /// The defaults, with room for as many connections as the open-files limit leaves.
    pub fn for_this_process() -> Limits {
        Limits {
            max_connections: connection_limit(open_files_limit()),
            header_timeout: HEADER_TIMEOUT,
            write_timeout: WRITE_TIMEOUT,
        }
    }
}

/// The soft limit on open files; `None` is RLIM_INFINITY.
fn open_files_limit() -> u64 {
    use rustix::process::{Resource, getrlimit};
    getrlimit(Resource::Nofile).current.unwrap_or(u64::MAX)
}

fn connection_limit(open_files: u64) -> usize {
    open_files
        .saturating_sub(RESERVED_FDS)
        .clamp(8, MAX_CONNECTIONS) as usize
}

/// Serves `listener` until `stop()` is true.
pub fn serve(
    listener: TcpListener,
    site: Site,
    limits: Limits,
    stop: impl Fn() -> bool,
) -> Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(ANSWER_THREADS)
        .build()
        .context("could not start the web server")?;
    let site = Arc::new(site);
    let tracker = Arc::new(Tracker::new(limits.max_connections));
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        while !stop() {
            let stream = match tokio::time::timeout(STOP_CHECK, listener.accept()).await {
                Ok(Ok((stream, _))) => stream,
                Ok(Err(err)) => {
                    // Out of file descriptors: free one by closing the connection idle
                    // longest. Any failed accept (a reset, say) is only paused over, so a
                    // persistent one can't spin or end the server.
                    if matches!(
                        Errno::from_io_error(&err),
                        Some(Errno::MFILE | Errno::NFILE)
                    ) {
                        tracker.evict(false);
                    }
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
                Err(_) => continue, // no connection within STOP_CHECK
            };
            let Some(conn) = tracker.admit() else {
                continue; // every connection is busy and its client reading: this one waits
            };
            tokio::spawn(serve_connection(
                stream,
                conn,
                site.clone(),
                tracker.clone(),
                limits,
            ));
        }
        Ok::<(), anyhow::Error>(())
    })?;
    // Connections still open are dropped with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

async fn serve_connection(
    stream: tokio::net::TcpStream,
    conn: Arc<Conn>,
    site: Arc<Site>,
    tracker: Arc<Tracker>,
    limits: Limits,
) {
    let io = Watched {
        stream,
        conn: conn.clone(),
    };
    let in_service = conn.clone();
    let service = service_fn(move |request| answer(request, site.clone(), in_service.clone()));
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_BUF);
    // A client that goes away mid-answer is no error of ours.
    let mut serving = pin!(builder.serve_connection(TokioIo::new(io), service));
    let mut evicted = pin!(conn.close.notified());
    let mut stalled = pin!(write_stall(&conn, limits.write_timeout));
    std::future::poll_fn(|cx| {
        let done = serving.as_mut().poll(cx).is_ready()
            || evicted.as_mut().poll(cx).is_ready()
            || stalled.as_mut().poll(cx).is_ready();
        if done { Poll::Ready(()) } else { Poll::Pending }
    })
    .await;
    tracker.remove(conn.id);
}

/// Ends when a write has waited `timeout` for the client to take something.
async fn write_stall(conn: &Conn, timeout: Duration) {
    let tick = (timeout / 4).max(Duration::from_millis(10));
    loop {
        tokio::time::sleep(tick).await;
        if conn.stalled_for() >= timeout {
            return;
        }
    }
}

/// The connections open, for the limit and the choice of which to close at it.
struct Tracker {
    conns: Mutex<HashMap<u64, Arc<Conn>>>,
    next_id: AtomicU64,
    limit: usize,
}

impl Tracker {
    fn new(limit: usize) -> Tracker {
        Tracker {
            conns: Mutex::new(HashMap::new()),
            next_id: AtomicU64::new(0),
            limit: limit.max(1),
        }
    }

    /// Registers a new connection, closing another at the limit; `None` when every
    /// connection is answering a client that keeps reading (the new one is dropped).
    fn admit(&self) -> Option<Arc<Conn>> {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        if conns.len() >= self.limit && !evict_from(&mut conns, true) {
            return None;
        }
        let conn = Arc::new(Conn::new(self.next_id.fetch_add(1, Ordering::Relaxed)));
        conns.insert(conn.id, conn.clone());
        Some(conn)
    }

    /// Closes the connection idle longest (with `or_stalled`, else the one stalled longest).
    fn evict(&self, or_stalled: bool) -> bool {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        evict_from(&mut conns, or_stalled)
    }

    fn remove(&self, id: u64) {
        let mut conns = self.conns.lock().unwrap_or_else(|e| e.into_inner());
        conns.remove(&id);
    }
}

fn evict_from(conns: &mut HashMap<u64, Arc<Conn>>, or_stalled: bool) -> bool {
    let now = now_ms();
    let states = conns.values().map(|c| {
        let stalled = c.stalled_since.load(Ordering::Relaxed);
        State {
            id: c.id,
            busy: c.busy.load(Ordering::Relaxed) > 0,
            quiet_ms: now.saturating_sub(c.last_active.load(Ordering::Relaxed)),
            stalled_ms: (stalled != 0).then(|| now.saturating_sub(stalled - 1)),
        }
    });
    let Some(id) = victim(states, or_stalled) else {
        return false;
    };
    if let Some(conn) = conns.remove(&id) {
        conn.close.notify_one();
    }
    true
}

/// What the choice of a connection to close looks at.
#[derive(Clone, Copy, Debug)]
struct State {
    id: u64,
    /// Answering a request.
    busy: bool,
    /// Since the last byte read or written.
    quiet_ms: u64,
    /// Since a write began to wait for the client, if one waits.
    stalled_ms: Option<u64>,
}

/// The connection to close for a new one: the idle one quiet longest; with `or_stalled` and
/// none idle, the one whose client has taken nothing for longest. Never one whose client reads.
fn victim(states: impl Iterator<Item = State>, or_stalled: bool) -> Option<u64> {
    let mut idle: Option<State> = None;
    let mut stalled: Option<(State, u64)> = None;
    for s in states {
        if !s.busy {
            if idle.is_none_or(|i| s.quiet_ms > i.quiet_ms) {
                idle = Some(s);
            }
        } else if let Some(ms) = s.stalled_ms {
            if stalled.is_none_or(|(_, longest)| ms > longest) {
                stalled = Some((s, ms));
            }
        }
    }
    match (idle, stalled) {
        (Some(s), _) => Some(s.id),
        (None, Some((s, _))) if or_stalled => Some(s.id),
        _ => None,
    }
}

/// One connection, as its socket, its answers and the tracker see it.
struct Conn {
    id: u64,
    /// Answers begun and not finished.
    busy: AtomicUsize,
    /// `now_ms()` of the last byte read or written, or of the last answer's end.
    last_active: AtomicU64,
    /// `now_ms() + 1` when a write began to wait for the client; 0 while none waits.
    stalled_since: AtomicU64,
    /// Told when the tracker closes the connection to make room.
    close: Notify,
}

impl Conn {
    fn new(id: u64) -> Conn {
        Conn {
            id,
            busy: AtomicUsize::new(0),
            last_active: AtomicU64::new(now_ms()),
            stalled_since: AtomicU64::new(0),
            close: Notify::new(),
        }
    }

    fn touch(&self) {
        self.last_active.store(now_ms(), Ordering::Relaxed);
    }

    fn wrote(&self, result: &Poll<io::Result<usize>>) {
        match result {
            Poll::Ready(Ok(n)) if *n > 0 => {
                self.touch();
                self.stalled_since.store(0, Ordering::Relaxed);
            }
            Poll::Pending => {
                let _ = self.stalled_since.compare_exchange(
                    0,
                    now_ms() + 1,
                    Ordering::Relaxed,
                    Ordering::Relaxed,
                );
            }
            _ => {}
        }
    }

    fn stalled_for(&self) -> Duration {
        match self.stalled_since.load(Ordering::Relaxed) {
            0 => Duration::ZERO,
            since => Duration::from_millis(now_ms().saturating_sub(since - 1)),
        }
    }
}

/// Milliseconds on a monotonic clock.
fn now_ms() -> u64 {
    static EPOCH: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    EPOCH.get_or_init(Instant::now).elapsed().as_millis() as u64
}

/// A socket that tells its `Conn` when bytes move and when a write waits for the client.
struct Watched {
    stream: tokio::net::TcpStream,
    conn: Arc<Conn>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let result = Pin::new(&mut self.stream).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.conn.touch();
        }
        result
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write(cx, buf);
        self.conn.wrote(&result);
        result
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let result = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        self.conn.wrote(&result);
        result
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// Counts an answer as begun on its connection until dropped (with the answer's body).
struct InFlight(Arc<Conn>);

impl InFlight {
    fn new(conn: Arc<Conn>) -> InFlight {
        conn.busy.fetch_add(1, Ordering::Relaxed);
        InFlight(conn)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.busy.fetch_sub(1, Ordering::Relaxed);
        self.0.touch();
    }
}

/// Cancels the work of an answer whose future is dropped (hyper drops it when the client
/// closes the connection), unless disarmed because the answer's body took over.
struct CancelOnDrop(Option<Cancel>);

impl Drop for CancelOnDrop {
    fn drop(&mut self) {
        if let Some(cancel) = self.0.take() {
            cancel.cancel();
        }
    }
}

async fn answer(
    request: Request<Incoming>,
    site: Arc<Site>,
    conn: Arc<Conn>,
) -> Result<Response<AnswerBody>, Infallible> {
    let in_flight = InFlight::new(conn);
    let cancel = Cancel::default();
    let mut on_drop = CancelOnDrop(Some(cancel.clone()));
    let method = request.method().as_str().to_string();
    // A Host header that isn't text can't be an allowed one: "" gets 421.
    let hosts: Vec<String> = request
        .headers()
        .get_all(hyper::header::HOST)
        .iter()
        .map(|h| h.to_str().unwrap_or_default().to_string())
        .collect();
    let target = request
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |pq| pq.as_str().to_string());
    let worker_site = site.clone();
    let worker_cancel = cancel.clone();
    let reply = tokio::task::spawn_blocking(move || {
        // Requests queue for the workers; one whose client left meanwhile isn't started.
        if worker_cancel.is_cancelled() {
            return Reply::error(503, "the client went away");
        }
        let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
        routes::with_center(&worker_site, |center| {
            routes::handle(&method, &hosts, &target, center, &worker_site)
        })
        .unwrap_or_else(|err| Reply::error(500, &format!("{err:#}")))
    })
    .await
    .unwrap_or_else(|err| Reply::error(500, &format!("the request failed: {err}")));
    on_drop.0 = None; // the body cancels from here on
    Ok(into_response(reply, site, cancel, in_flight))
}

fn into_response(
    reply: Reply,
    site: Arc<Site>,
    cancel: Cancel,
    in_flight: InFlight,
) -> Response<AnswerBody> {
    let content = match reply.body {
        Body::Bytes(bytes) => Content::Whole(Some(Bytes::from(bytes))),
        Body::Static(bytes) => Content::Whole(Some(Bytes::from_static(bytes))),
        Body::Pieces { pieces, len } => Content::Pieces {
            making: Making::Idle(pieces),
            site,
            len,
        },
    };
    let body = AnswerBody {
        content,
        cancel,
        _in_flight: Some(in_flight),
    };
    let mut builder = Response::builder()
        .status(reply.status)
        .header("Content-Type", reply.content_type)
        .header("X-Content-Type-Options", "nosniff")
        .header("Referrer-Policy", "no-referrer")
        .header("X-Frame-Options", "DENY");
    if !reply.headers.iter().any(|(k, _)| *k == "Cache-Control") {
        builder = builder.header("Cache-Control", "no-store");
    }
    for (name, value) in &reply.headers {
        builder = builder.header(*name, value.as_str());
    }
    // Header values are ours and ASCII (file names are percent-encoded), so this can't fail;
    // if it did, the client gets a bare 500 rather than a panic.
    match builder.body(body) {
        Ok(response) => response,
        Err(_) => {
            let mut response = Response::new(AnswerBody {
                content: Content::Whole(None),
                cancel: Cancel::default(),
                _in_flight: None,
            });
            *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
            response
        }
    }
}

/// An answer's body: bytes in memory, or pieces made on a worker thread one at a time as the
/// client takes them. Dropping it (the answer ended, or the client left) cancels its work.
struct AnswerBody {
    content: Content,
    cancel: Cancel,
    _in_flight: Option<InFlight>,
}

enum Content {
    Whole(Option<Bytes>),
    Pieces {
        making: Making,
        site: Arc<Site>,
        len: Option<u64>,
    },
}

type PieceResult = (Box<dyn Pieces>, anyhow::Result<Option<Vec<u8>>>);

enum Making {
    /// Waiting for hyper to ask for the next piece.
    Idle(Box<dyn Pieces>),
    /// A worker makes the next piece.
    Busy(JoinHandle<PieceResult>),
    Done,
}

impl Drop for AnswerBody {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

impl HttpBody for AnswerBody {
    type Data = Bytes;
    type Error = io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, io::Error>>> {
        let this = &mut *self;
        let (making, site) = match &mut this.content {
            Content::Whole(bytes) => return Poll::Ready(bytes.take().map(|b| Ok(Frame::data(b)))),
            Content::Pieces { making, site, .. } => (making, site),
        };
        loop {
            match std::mem::replace(making, Making::Done) {
                Making::Done => return Poll::Ready(None),
                Making::Idle(mut pieces) => {
                    let site = site.clone();
                    let cancel = this.cancel.clone();
                    *making = Making::Busy(tokio::task::spawn_blocking(move || {
                        let piece = pieces.next(&site, &cancel);
                        (pieces, piece)
                    }));
                }
                Making::Busy(mut worker) => {
                    let done = match Pin::new(&mut worker).poll(cx) {
                        Poll::Pending => {
                            *making = Making::Busy(worker);
                            return Poll::Pending;
                        }
                        Poll::Ready(done) => done,
                    };
                    match done {
                        Ok((pieces, Ok(Some(piece)))) => {
                            *making = Making::Idle(pieces);
                            if !piece.is_empty() {
                                return Poll::Ready(Some(Ok(Frame::data(Bytes::from(piece)))));
                            }
                        }
                        Ok((_, Ok(None))) => return Poll::Ready(None),
                        Ok((_, Err(err))) => {
                            return Poll::Ready(Some(Err(io::Error::other(format!("{err:#}")))));
                        }
                        Err(err) => return Poll::Ready(Some(Err(io::Error::other(err)))),
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        match &self.content {
            Content::Whole(bytes) => bytes.is_none(),
            Content::Pieces { making, .. } => matches!(making, Making::Done),
        }
    }

    fn size_hint(&self) -> SizeHint {
        match &self.content {
            Content::Whole(bytes) => {
                SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64))
            }
            Content::Pieces { len: Some(len), .. } => SizeHint::with_exact(*len),
            Content::Pieces { len: None, .. } => SizeHint::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(id: u64, busy: bool, quiet_ms: u64, stalled_ms: Option<u64>) -> State {
        State {
            id,
            busy,
            quiet_ms,
            stalled_ms,
        }
    }

    #[test]
    fn the_connection_idle_longest_makes_room_then_the_one_stalled_longest() {
        let conns = [
            state(1, true, 5_000, Some(5_000)),
            state(2, false, 100, None),
            state(3, false, 900, None),
            state(4, true, 0, None),
        ];
        assert_eq!(victim(conns.into_iter(), true), Some(3));
        let busy = [
            state(1, true, 5_000, Some(5_000)),
            state(4, true, 0, None),
            state(5, true, 7_000, Some(7_000)),
        ];
        assert_eq!(victim(busy.into_iter(), true), Some(5));
        assert_eq!(
            victim(busy.into_iter(), false),
            None,
            "EMFILE closes idle ones only"
        );
        let reading = [state(4, true, 0, None)];
        assert_eq!(victim(reading.into_iter(), true), None);
    }

    /// A server on a new empty center with `limits`, stopped when the guard drops.
    struct Running {
        addr: std::net::SocketAddr,
        stop: Arc<std::sync::atomic::AtomicBool>,
        _dir: tempfile::TempDir,
    }

    impl Drop for Running {
        fn drop(&mut self) {
            self.stop.store(true, Ordering::Relaxed);
        }
    }

    fn running(limits: Limits) -> Running {
        let dir = tempfile::tempdir().unwrap();
        let center = dir.path().join("center");
        drop(crate::engine::Center::create(&center).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let open: super::routes::Opener = Box::new(move || crate::engine::Center::open(&center));
        let site = Site::new("u".into(), open, addr);
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stopped = stop.clone();
        std::thread::spawn(move || {
            serve(listener, site, limits, move || {
                stopped.load(Ordering::Relaxed)
            })
        });
        Running {
            addr,
            stop,
            _dir: dir,
        }
    }

    /// Reads until the server closes the connection; an error if it hasn't within 10 s.
    fn read_to_close(stream: &mut std::net::TcpStream) -> io::Result<usize> {
        use std::io::Read;
        stream.set_read_timeout(Some(Duration::from_secs(10)))?;
        let mut total = 0;
        let mut buf = vec![0; 1 << 16];
        loop {
            match stream.read(&mut buf) {
                Ok(0) => return Ok(total),
                Ok(n) => total += n,
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(total),
                Err(e) => return Err(e),
            }
        }
    }

    #[test]
    fn idle_half_sent_and_stalled_connections_are_closed() {
        use std::io::Write;
        let server = running(Limits {
            max_connections: 64,
            header_timeout: Duration::from_millis(300),
            write_timeout: Duration::from_millis(300),
        });
        let mut idle = std::net::TcpStream::connect(server.addr).unwrap();
        assert_eq!(
            read_to_close(&mut idle).expect("an idle connection is closed"),
            0
        );
        let mut half = std::net::TcpStream::connect(server.addr).unwrap();
        half.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").unwrap();
        assert_eq!(
            read_to_close(&mut half).expect("a half-sent head is closed"),
            0
        );

        // 40 answers of ECharts (over 40 MB) asked for at once and none read: the server gives
        // up once its writes have waited for the client for the write timeout.
        let mut stalled = std::net::TcpStream::connect(server.addr).unwrap();
        let get = format!(
            "GET /{} HTTP/1.1\r\nHost: {}\r\n\r\n",
            super::super::assets::ECHARTS_PATH,
            server.addr
        );
        stalled.write_all(get.repeat(40).as_bytes()).unwrap();
        let port = stalled.local_addr().unwrap().port();
        let deadline = Instant::now() + Duration::from_secs(10);
        while server_side_is_open(server.addr.port(), port) {
            assert!(
                Instant::now() < deadline,
                "the stalled connection is still open"
            );
            std::thread::sleep(Duration::from_millis(20)); // polling the kernel's table
        }
        let mut fresh = std::net::TcpStream::connect(server.addr).unwrap();
        let info = format!("GET /api/info HTTP/1.0\r\nHost: {}\r\n\r\n", server.addr);
        fresh.write_all(info.as_bytes()).unwrap();
        assert!(
            read_to_close(&mut fresh).unwrap() > 0,
            "a new client is answered"
        );
    }

    /// Whether the server's end of the connection to client port `client` is established
    /// (from /proc/net/tcp: local port, remote port and state 01).
    fn server_side_is_open(server: u16, client: u16) -> bool {
        let table = std::fs::read_to_string("/proc/net/tcp").unwrap();
        let local = format!(":{server:04X}");
        let remote = format!(":{client:04X}");
        table.lines().skip(1).any(|line| {
            let fields: Vec<&str> = line.split_whitespace().collect();
            fields.len() > 3
                && fields[1].ends_with(&local)
                && fields[2].ends_with(&remote)
                && fields[3] == "01"
        })
    }

    #[test]
    fn the_connection_limit_leaves_file_descriptors_for_the_rest() {
        assert_eq!(connection_limit(1024), 960);
        assert_eq!(connection_limit(20), 8);
        assert_eq!(connection_limit(u64::MAX), 4096);
    }
}
