//! A proxy in front of the test S3 server that misbehaves as a network can. It loses replies:
//! the server does the work, and the client hears 503 instead of the answer, as when a
//! connection breaks after the request went through (object stores' clients retry a 503, so
//! the retry meets what the first attempt already did). Or it holds requests until several
//! have come, so that writers that would rarely meet do. Or it counts them. One request per connection
//! (`Connection: close` both ways) keeps it simple.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

/// Which requests the proxy misbehaves with: (method, path).
type Rule = fn(&str, &str) -> bool;

pub struct LossyProxy {
    /// `http://127.0.0.1:<port>`, for AWS_ENDPOINT_URL.
    pub endpoint: String,
    state: Arc<State>,
}

struct State {
    upstream: String,
    rule: Rule,
    /// How many successful replies to lose, and how many were.
    budget: usize,
    lost: AtomicUsize,
    picked: AtomicUsize,
    /// How long a picked request waits before it goes on.
    delay: Duration,
    /// How many picked requests to gather before any goes on, and how many came.
    gather: usize,
    arrived: Mutex<usize>,
    all_here: Condvar,
}

impl LossyProxy {
    /// Forwards everything to `upstream` (`http://host:port`), losing the successful replies
    /// of up to `budget` requests that `rule` picks.
    pub fn losing(upstream: &str, rule: Rule, budget: usize) -> LossyProxy {
        Self::start(upstream, rule, budget, 0, Duration::ZERO)
    }

    /// Forwards everything to `upstream`, holding the requests `rule` picks until `count` of
    /// them have come (or 20 s have passed).
    pub fn gathering(upstream: &str, rule: Rule, count: usize) -> LossyProxy {
        Self::start(upstream, rule, 0, count, Duration::ZERO)
    }

    /// Forwards everything to `upstream`, the requests `rule` picks after `delay`.
    pub fn delaying(upstream: &str, rule: Rule, delay: Duration) -> LossyProxy {
        Self::start(upstream, rule, 0, 0, delay)
    }

    fn start(
        upstream: &str,
        rule: Rule,
        budget: usize,
        gather: usize,
        delay: Duration,
    ) -> LossyProxy {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind the proxy");
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(State {
            upstream: upstream.trim_start_matches("http://").to_string(),
            rule,
            budget,
            lost: AtomicUsize::new(0),
            picked: AtomicUsize::new(0),
            delay,
            gather,
            arrived: Mutex::new(0),
            all_here: Condvar::new(),
        });
        let shared = Arc::clone(&state);
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let state = Arc::clone(&shared);
                std::thread::spawn(move || {
                    let _ = relay(client, &state);
                });
            }
        });
        LossyProxy { endpoint, state }
    }

    /// Forwards everything to `upstream`, counting the requests `rule` picks.
    pub fn counting(upstream: &str, rule: Rule) -> LossyProxy {
        Self::start(upstream, rule, 0, 0, Duration::ZERO)
    }

    /// How many requests `rule` picked.
    pub fn picked(&self) -> usize {
        self.state.picked.load(Ordering::SeqCst)
    }

    /// How many replies were lost.
    pub fn lost(&self) -> usize {
        self.state.lost.load(Ordering::SeqCst)
    }
}

impl State {
    /// Waits until `gather` picked requests have arrived.
    fn gather(&self) {
        let mut arrived = self.arrived.lock().unwrap();
        *arrived += 1;
        self.all_here.notify_all();
        let enough = |n: &mut usize| *n < self.gather;
        let timeout = Duration::from_secs(20);
        drop(self.all_here.wait_timeout_while(arrived, timeout, enough));
    }
}

/// One request: read it, send it upstream, read the whole answer, pass it on or lose it.
fn relay(client: TcpStream, state: &State) -> std::io::Result<()> {
    let mut reader = BufReader::new(client.try_clone()?);
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        if line == "\r\n" {
            break;
        }
        let lower = line.to_ascii_lowercase();
        if let Some(value) = lower.strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        if !lower.starts_with("connection:") {
            head.push(line);
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let mut words = head[0].split_whitespace();
    let (method, path) = (words.next().unwrap_or(""), words.next().unwrap_or(""));
    let picked = (state.rule)(method, path);
    if picked {
        state.picked.fetch_add(1, Ordering::SeqCst);
    }
    if picked && state.gather > 0 {
        state.gather();
    }
    if picked {
        std::thread::sleep(state.delay);
    }

    let mut server = TcpStream::connect(&state.upstream)?;
    let mut request = head.concat().into_bytes();
    request.extend_from_slice(b"Connection: close\r\n\r\n");
    request.extend_from_slice(&body);
    server.write_all(&request)?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer)?;

    let ok = answer.starts_with(b"HTTP/1.1 200") || answer.starts_with(b"HTTP/1.0 200");
    let mut client = client;
    let within = |n: usize| (n < state.budget).then_some(n + 1);
    let lost = &state.lost;
    if picked
        && ok
        && lost
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, within)
            .is_ok()
    {
        let lie =
            "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
        return client.write_all(lie.as_bytes());
    }
    client.write_all(&answer)
}
