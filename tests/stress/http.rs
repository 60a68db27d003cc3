//! Hostile HTTP clients against `mfile ui` (issue 10, item 6): rounds of a random mix of slow
//! readers (downloads and series that read nothing), idle connections, unfinished and huge
//! request heads, clients that vanish right after asking, pipelined bursts and out-of-range
//! parameters, with the server allowed 256 file descriptors. After every round a new client
//! must be answered (bounded by 10 s), and at the end the server must still run with a peak
//! RSS under 200 MB. The full run also waits for the idle timeout to close what is left.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::common::{Rng, size};
use crate::harness::{Env, KillOnDrop, noise, start_ui};

const HUNG: Duration = Duration::from_secs(10);

pub fn start(env: &Env) -> (KillOnDrop, String) {
    start_ui(env.command(&["ui", "--bind", "127.0.0.1:0"]), Some(256))
}

/// A new client's GET: the status line's code, or the error that says the page is stuck.
fn probe(addr: &str, path: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(HUNG))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let head = String::from_utf8_lossy(&answer[..answer.len().min(20)]).into_owned();
    head.split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| std::io::Error::other(format!("no status line: {head:?}")))
}

fn peak_rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap()
}

#[test]
fn hostile_http_clients_never_lock_out_a_new_one() {
    let env = Env::new();
    env.write("model/big.bin", noise(16 << 20, 5));
    env.ok(&["import", "model", "-m", "m", "--version", "v1"]);
    let lines: String = (0..20_000)
        .map(|i| {
            format!(
                "{{\"loss\": {}, \"acc\": {}}}\n",
                1.0 / (i + 1) as f64,
                i as f64
            )
        })
        .collect();
    env.write("r1.jsonl", lines);
    env.ok(&["log-metric", "-m", "m", "--run", "r1", "--file", "r1.jsonl"]);
    let (mut ui, addr) = start(&env);
    let runs = env.json(&["runs", "-m", "m"]);
    let owner = runs["runs"][0]["owner"].as_str().unwrap().to_string();
    let series = format!("/api/models/m/runs/{owner}/r1/series");

    let mut rng = Rng::new("http");
    let rounds = size(3, 30);
    let mut clients = 0;
    let mut kinds = [0usize; 7];
    for round in 0..rounds {
        let mut held = Vec::new();
        for _ in 0..60 {
            let kind = rng.below(7) as usize;
            kinds[kind] += 1;
            clients += 1;
            let Ok(mut s) = TcpStream::connect(&addr) else {
                continue; // the backlog is full for a moment: that is the attack working
            };
            let request = |path: &str| format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n");
            let sent = match kind {
                // slow readers: ask for something large, read nothing
                0 => s.write_all(request("/files/m/v1/big.bin").as_bytes()),
                1 => s.write_all(request(&format!("{series}?max_points=100000")).as_bytes()),
                // idle, and a head that never ends
                2 => Ok(()),
                3 => s.write_all(b"GET /api/models HTTP/1.1\r\nHost: x\r\nX-Slow: "),
                // vanished: ask, then close at once
                4 => {
                    let r = s.write_all(request(&series).as_bytes());
                    drop(s);
                    let _ = r;
                    continue;
                }
                // huge: a 1 MB head, or max_points out of range, pipelined
                5 => s.write_all(
                    format!(
                        "GET / HTTP/1.1\r\nHost: {addr}\r\nX-Big: {}\r\n\r\n",
                        "a".repeat(1 << 20)
                    )
                    .as_bytes(),
                ),
                _ => s.write_all(
                    request(&format!("{series}?max_points=1000000"))
                        .repeat(50)
                        .as_bytes(),
                ),
            };
            let _ = sent; // a server that closed on a huge head may reset the write
            held.push(s);
        }
        assert_eq!(
            probe(&addr, "/api/info")
                .unwrap_or_else(|e| panic!("round {round}: a new client got no answer: {e}")),
            200
        );
        assert_eq!(
            probe(&addr, &format!("{series}?max_points=1000000")).unwrap(),
            400
        );
        assert_eq!(
            probe(&addr, "/files/m/v1/big.bin").unwrap(),
            200,
            "a whole download"
        );
        assert!(ui.0.try_wait().unwrap().is_none(), "the server is running");
        if round + 1 < rounds {
            drop(held);
        } else if crate::common::full() {
            // What is still open closes by itself: idle ones after the 10 s head timeout,
            // stalled readers after 30 s without taking a byte.
            for mut s in held {
                s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
                let mut sink = [0; 1 << 16];
                loop {
                    match s.read(&mut sink) {
                        Ok(0) => break,
                        Ok(_) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                        Err(e) => panic!("a held connection was never closed: {e}"),
                    }
                }
            }
        }
    }
    let peak = peak_rss_kib(ui.0.id());
    assert!(peak < 200 * 1024, "peak RSS {peak} KiB");
    eprintln!(
        "stress: http: {rounds} rounds, {clients} hostile clients (slow download/series, idle, \
         unfinished head, vanished, huge head, pipelined bad: {kinds:?}), every probe answered, \
         peak RSS {} MiB",
        peak / 1024
    );
}
