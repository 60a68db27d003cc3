//! The HTTP plumbing of `mfile ui`: hyper (HTTP/1.1) on a one-thread tokio runtime for the
//! sockets, and each request's answer (routes.rs: SQLite queries, file reads) on tokio's
//! blocking threads, which keep their catalog connection between requests.

use std::convert::Infallible;
use std::io::Read;
use std::net::TcpListener;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use anyhow::{Context as _, Result};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use hyper::body::{Body as HttpBody, Bytes, Frame, Incoming, SizeHint};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use md5::{Digest, Md5};
use tokio::sync::mpsc;

use super::routes::{self, Body, Reply, Site};
use crate::center::hashing::hex;

/// Threads answering requests at once (each holds one SQLite connection).
const ANSWER_THREADS: usize = 8;
/// How often the accept loop looks at `stop`.
const STOP_CHECK: Duration = Duration::from_millis(200);
/// Downloads are read and sent in pieces of this size.
const CHUNK: usize = 256 * 1024;

type ReplyBody = BoxBody<Bytes, std::io::Error>;

/// Serves `listener` until `stop()` is true.
pub fn serve(listener: TcpListener, site: Site, stop: impl Fn() -> bool) -> Result<()> {
    listener.set_nonblocking(true)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(ANSWER_THREADS)
        .build()
        .context("could not start the web server")?;
    let site = Arc::new(site);
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::from_std(listener)?;
        while !stop() {
            let stream = match tokio::time::timeout(STOP_CHECK, listener.accept()).await {
                Ok(Ok((stream, _))) => stream,
                Ok(Err(_)) => {
                    // One failed accept (a reset, or out of file descriptors for a moment)
                    // doesn't end the server; pausing keeps a persistent error from spinning.
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
                Err(_) => continue, // no connection within STOP_CHECK
            };
            let site = site.clone();
            tokio::spawn(async move {
                let service = service_fn(move |request| answer(request, site.clone()));
                // A client that goes away mid-answer is no error of ours.
                let _ = http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
        Ok::<(), anyhow::Error>(())
    })?;
    // Connections still open are dropped with the runtime.
    runtime.shutdown_timeout(Duration::from_secs(1));
    Ok(())
}

async fn answer(
    request: Request<Incoming>,
    site: Arc<Site>,
) -> Result<Response<ReplyBody>, Infallible> {
    let method = request.method().as_str().to_string();
    let host = request
        .headers()
        .get(hyper::header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string);
    let target = request
        .uri()
        .path_and_query()
        .map_or("/".to_string(), |pq| pq.as_str().to_string());
    let reply = tokio::task::spawn_blocking(move || {
        routes::with_center(&site, |center| {
            routes::handle(&method, host.as_deref(), &target, center, &site)
        })
        .unwrap_or_else(|err| Reply::error(500, &format!("{err:#}")))
    })
    .await
    .unwrap_or_else(|err| Reply::error(500, &format!("the request failed: {err}")));
    Ok(into_response(reply))
}

fn into_response(reply: Reply) -> Response<ReplyBody> {
    let body = match reply.body {
        Body::Bytes(bytes) => Full::new(Bytes::from(bytes))
            .map_err(|e| match e {})
            .boxed(),
        Body::Static(bytes) => Full::new(Bytes::from_static(bytes))
            .map_err(|e| match e {})
            .boxed(),
        Body::Stored { reader, size, md5 } => ReaderBody::start(reader, size, md5).boxed(),
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
    builder.body(body).unwrap_or_else(|_| {
        let mut response = Response::new(Full::new(Bytes::new()).map_err(|e| match e {}).boxed());
        *response.status_mut() = hyper::StatusCode::INTERNAL_SERVER_ERROR;
        response
    })
}

/// A stored file read on a blocking thread a piece at a time (bounded memory for any size) and
/// hashed on the way. The last piece is held back until the md5 matches the catalog's: a
/// damaged copy ends in an error instead, so the client never gets it whole (like `pull`).
struct ReaderBody {
    pieces: mpsc::Receiver<std::io::Result<Bytes>>,
    len: u64,
}

impl ReaderBody {
    fn start(mut reader: Box<dyn Read + Send>, len: u64, md5: String) -> ReaderBody {
        let (tx, pieces) = mpsc::channel(4);
        tokio::task::spawn_blocking(move || {
            let mut hasher = Md5::new();
            let mut held: Option<Bytes> = None;
            loop {
                let mut buf = vec![0; CHUNK];
                let n = match reader.read(&mut buf) {
                    Ok(n) => n,
                    Err(err) => {
                        let _ = tx.blocking_send(Err(err));
                        return;
                    }
                };
                if n == 0 {
                    break;
                }
                buf.truncate(n);
                hasher.update(&buf);
                // The client went away when nobody receives any more.
                if let Some(piece) = held.replace(Bytes::from(buf)) {
                    if tx.blocking_send(Ok(piece)).is_err() {
                        return;
                    }
                }
            }
            let last = if hex(&hasher.finalize()) == md5 {
                Ok(held.unwrap_or_default())
            } else {
                Err(std::io::Error::other(
                    "the stored copy does not match the catalog's md5; run `mfile verify`",
                ))
            };
            let _ = tx.blocking_send(last);
        });
        ReaderBody { pieces, len }
    }
}

impl HttpBody for ReaderBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.pieces
            .poll_recv(cx)
            .map(|piece| piece.map(|result| result.map(Frame::data)))
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.len)
    }
}
