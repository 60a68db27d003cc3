//! `mfile ui` over real HTTP on 127.0.0.1, and `mfile report`'s file. The client is a few
//! lines over TcpStream on purpose: raw paths like `/files/m/v/%2e%2e/x` reach the server
//! exactly as written (an HTTP library would normalise them first). HTTP/1.0, so bodies come
//! whole rather than chunked.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Env, KillOnDrop, run_refs, start_ui};

const XSS: &str = "<script>alert(1)</script>";
const XSS_FILE: &str = "<img src=x onerror=alert(1)>.txt";

struct Ui {
    _child: KillOnDrop,
    addr: String,
}

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| {
            panic!(
                "not JSON ({e}), status {}: {}",
                self.status,
                String::from_utf8_lossy(&self.body[..self.body.len().min(300)])
            )
        })
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// How long a test waits for an answer before it calls the server hung.
const HUNG: Duration = Duration::from_secs(10);

impl Ui {
    fn start(env: &Env, bind: &str) -> Ui {
        Ui::started(start_ui(env.command(&["ui", "--bind", bind]), None))
    }

    /// `mfile ui` allowed `open_files` file descriptors (`ulimit -n`).
    fn start_limited(env: &Env, open_files: u64) -> Ui {
        let command = env.command(&["ui", "--bind", "127.0.0.1:0"]);
        Ui::started(start_ui(command, Some(open_files)))
    }

    fn started((child, addr): (KillOnDrop, String)) -> Ui {
        Ui {
            _child: child,
            addr,
        }
    }

    fn get(&self, path: &str) -> Reply {
        self.request("GET", path, &self.addr)
    }

    fn request(&self, method: &str, path: &str, host: &str) -> Reply {
        self.raw(&format!("{method} {path} HTTP/1.0\r\nHost: {host}\r\n\r\n"))
            .unwrap_or_else(|err| panic!("{method} {path}: {err}"))
    }

    /// Sends `head` as it is on a new connection and reads the answer (an error when none
    /// comes within `HUNG`).
    fn raw(&self, head: &str) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect(&self.addr)?;
        stream.set_read_timeout(Some(HUNG))?;
        stream.write_all(head.as_bytes())?;
        let mut raw = Vec::new();
        stream.read_to_end(&mut raw)?;
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("end of headers");
        let head = String::from_utf8_lossy(&raw[..split]).into_owned();
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .expect("status line");
        let headers = lines
            .filter_map(|l| l.split_once(": "))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Ok(Reply {
            status,
            headers,
            body: raw[split + 4..].to_vec(),
        })
    }

    /// A new client's `GET /api/info`: its status, or the error that says the page is stuck.
    fn probe(&self) -> std::io::Result<u16> {
        let head = format!("GET /api/info HTTP/1.0\r\nHost: {}\r\n\r\n", self.addr);
        self.raw(&head).map(|reply| reply.status)
    }

    /// Sends a GET of `path` and never reads the answer.
    fn stall(&self, path: &str) -> TcpStream {
        let mut stream = TcpStream::connect(&self.addr).expect("connect");
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\n\r\n", self.addr).expect("send");
        stream
    }
}

/// A center with one model: a version with a nested file and a hostile file name, and three
/// runs (two of the default user `root`, one of bob) with params and metrics.
fn seeded() -> Env {
    let env = Env::local();
    env.write("model/weights.bin", b"weights");
    env.write("model/sub/config.json", b"{}");
    env.write(&format!("model/{XSS_FILE}"), b"x");
    env.ok(&["import", "model", "-m", "m", "--version", "v1"]);
    let note = format!("note={XSS}");
    for (run, lr, user) in [
        ("r1", "0.1", "root"),
        ("r2", "0.01", "root"),
        ("r3", "0.1", "bob"),
    ] {
        env.ok(&[
            "log-param",
            "-m",
            "m",
            "--run",
            run,
            "--user",
            user,
            &format!("lr={lr}"),
            "opt=adam",
            &note,
        ]);
    }
    let lines: String = (0..3000)
        .map(|i| {
            format!(
                "{{\"loss\": {}, \"acc\": {}}}\n",
                1.0 / (i + 1) as f64,
                i as f64 / 3000.0
            )
        })
        .collect();
    env.write("r1.jsonl", lines);
    env.ok(&["log-metric", "-m", "m", "--run", "r1", "--file", "r1.jsonl"]);
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r2",
        "loss=0.5",
        "acc=0.4",
    ]);
    env.ok(&["runs", "end", "-m", "m", "--run", "r2"]);
    env
}

#[test]
fn models_versions_files_and_downloads() {
    let env = seeded();
    let ui = Ui::start(&env, "127.0.0.1:0");

    let models = ui.get("/api/models").json();
    assert_eq!(models["models"][0]["model"], "m");
    assert_eq!(models["models"][0]["files"], 3);
    let versions = ui.get("/api/models/m/versions").json();
    assert_eq!(versions["versions"][0]["version"], "v1");
    assert_eq!(versions["run_owners"], serde_json::json!(["bob", "root"]));

    let files = ui.get("/api/models/m/versions/v1/files").json();
    let paths: Vec<&str> = files["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, [XSS_FILE, "sub/config.json", "weights.bin"]);
    assert_eq!(
        files["files"][2]["md5"],
        crate::harness::md5_hex(b"weights")
    );

    for (i, content) in [(0, &b"x"[..]), (1, b"{}"), (2, b"weights")] {
        let url = files["files"][i]["download"].as_str().unwrap();
        let reply = ui.get(url);
        assert_eq!(reply.status, 200, "{url}");
        assert_eq!(reply.body, content, "{url}");
        assert!(
            reply
                .header("Content-Disposition")
                .unwrap()
                .starts_with("attachment")
        );
    }
    assert_eq!(
        files["files"][0]["download"],
        "/files/m/v1/%3Cimg%20src%3Dx%20onerror%3Dalert%281%29%3E.txt"
    );

    let page = ui.get("/");
    assert_eq!(page.status, 200);
    assert!(
        page.header("Content-Security-Policy")
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = String::from_utf8_lossy(&page.body);
    let echarts = html
        .split("src=\"/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let script = ui.get(&format!("/{echarts}"));
    assert_eq!(script.status, 200);
    assert!(script.body.len() > 500_000, "ECharts is served whole");
    assert_eq!(ui.get("/app.js").status, 200);

    let head = ui.request(
        "HEAD",
        files["files"][2]["download"].as_str().unwrap(),
        &ui.addr,
    );
    assert_eq!(head.status, 200);
    assert_eq!(head.header("Content-Length"), Some("7"));
    assert!(head.body.is_empty());
}

#[test]
fn ctrl_c_stops_the_server_cleanly() {
    let env = seeded();
    let mut child = env
        .command(&["ui", "--bind", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("http://127.0.0.1:"), "{line}");
    // SAFETY: sends SIGINT (Ctrl-C) to our own child process.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let mut child = KillOnDrop(child);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "mfile ui did not stop"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let mut stderr = String::new();
    child
        .0
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    assert!(stderr.contains("stopped"), "{stderr}");
}

#[test]
fn runs_are_chosen_by_where_tag_and_run_as_the_cli_chooses_them() {
    let env = seeded();
    env.ok(&["tag", "-m", "m", "--run", "r2", "stage=candidate"]);
    let ui = Ui::start(&env, "127.0.0.1:0");

    let chosen = ui.get("/api/models/m/runs?where=lr%20%3C%200.05").json();
    assert_eq!(run_refs(&chosen), ["root/r2"]);
    assert_eq!(
        chosen["changed_params"],
        serde_json::json!([]),
        "over the chosen runs"
    );
    assert_eq!(chosen["unknown_keys"], serde_json::json!([]));
    let cli = env.json(&["runs", "-m", "m", "--all-users", "--where", "lr < 0.05"]);
    assert_eq!(
        run_refs(&chosen),
        run_refs(&cli),
        "the same runs as the CLI"
    );

    let tagged = ui.get("/api/models/m/runs?tag=stage%3Dcandidate").json();
    assert_eq!(run_refs(&tagged), ["root/r2"]);
    let only = ui
        .get("/api/models/m/runs?run=bob%2Fr3&run=root%2Fr1")
        .json();
    assert_eq!(run_refs(&only), ["bob/r3", "root/r1"]);
    assert_eq!(
        only["changed_params"],
        serde_json::json!([]),
        "both have lr 0.1"
    );

    let typo = ui.get("/api/models/m/runs?where=LR%20%3E%200").json();
    assert_eq!(run_refs(&typo), Vec::<String>::new());
    assert_eq!(typo["unknown_keys"], serde_json::json!(["LR"]));

    let bad = ui.get("/api/models/m/runs?where=lr%20%3E");
    assert_eq!(bad.status, 400);
    assert!(
        bad.json()["error"]
            .as_str()
            .unwrap()
            .starts_with("invalid where at column 5")
    );
    assert_eq!(ui.get("/api/models/m/runs?tag=novalue").status, 400);
    assert_eq!(ui.get("/api/models/m/runs?run=r1").status, 400);
    assert_eq!(ui.get("/api/models/m/runs?run=root%2F..").status, 400);
}

#[test]
fn the_columns_shape_holds_what_the_runs_shape_holds() {
    let env = seeded();
    let ui = Ui::start(&env, "127.0.0.1:0");
    let runs = ui.get("/api/models/m/runs?where=lr%20%3E%200").json();
    let columns = ui
        .get("/api/models/m/runs?where=lr%20%3E%200&shape=columns")
        .json();
    assert_eq!(run_refs(&columns), run_refs(&runs));
    assert_eq!(run_refs(&runs).len(), 3);
    for key in [
        "model",
        "owner",
        "run_owners",
        "changed_params",
        "unknown_keys",
    ] {
        assert_eq!(columns[key], runs[key], "{key}");
    }
    let params = columns["params"].as_object().unwrap();
    let metrics = columns["metrics"].as_object().unwrap();
    assert_eq!(
        params.keys().collect::<Vec<_>>(),
        ["lr", "note", "opt"],
        "every key of any run"
    );
    assert_eq!(metrics.keys().collect::<Vec<_>>(), ["acc", "loss"]);
    for (i, run) in runs["runs"].as_array().unwrap().iter().enumerate() {
        let head = &columns["runs"][i];
        assert_eq!(head["started_at"], run["started_at"]);
        assert_eq!(head["tags"], run["tags"]);
        assert!(head.get("params").is_none() && head.get("metrics").is_none());
        for (key, values) in params {
            assert_eq!(values[i], run["params"][key]["value"], "{key} of run {i}");
        }
        for (key, column) in metrics {
            let cell = &run["metrics"][key];
            for field in ["count", "last", "last_step", "best", "best_step"] {
                assert_eq!(column[field][i], cell[field], "{key}.{field} of run {i}");
            }
        }
    }
    assert_eq!(metrics["loss"]["direction"], "min");
    assert_eq!(metrics["acc"]["direction"], "max");
    assert!(
        metrics["loss"]["count"][0].is_null(),
        "bob's r3, newest, has no points"
    );
    assert_eq!(columns["metric_keys"], serde_json::json!(["acc", "loss"]));

    // metric= and max_metrics= choose the metric columns; metric_keys still names every key
    let keys = |query: &str| {
        let doc = ui
            .get(&format!("/api/models/m/runs?shape=columns&{query}"))
            .json();
        assert_eq!(doc["metric_keys"], serde_json::json!(["acc", "loss"]));
        let keys: Vec<String> = doc["metrics"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect();
        keys
    };
    assert_eq!(keys("metric=loss&metric=nope"), ["loss"]);
    assert_eq!(keys("max_metrics=1"), ["acc"]);
    assert_eq!(keys("metric=loss&max_metrics=0"), ["loss"]);
    assert_eq!(
        keys("metric=loss&max_metrics=1"),
        ["acc", "loss"],
        "the first, and loss"
    );
    assert_eq!(ui.get("/api/models/m/runs?metric=loss").status, 400);
    assert_eq!(
        ui.get("/api/models/m/runs?shape=columns&max_metrics=x")
            .status,
        400
    );
    assert_eq!(ui.get("/api/models/m/runs?shape=rows").status, 400);
}

#[test]
fn the_diff_api_serves_the_clis_document() {
    let env = seeded();
    env.write("model/weights.bin", b"other weights");
    env.ok(&["import", "model", "-m", "m", "--version", "v2"]);
    let ui = Ui::start(&env, "127.0.0.1:0");
    let served = ui.get("/api/models/m/diff?from=v1&to=%40latest").json();
    assert_eq!(served, env.json(&["diff", "-m", "m", "v1", "v2"]));
    assert_eq!(served["totals"]["changed"], 1);
    assert_eq!(ui.get("/api/models/m/diff?from=v1&to=v9").status, 404);
    assert_eq!(ui.get("/api/models/nope/diff?from=v1&to=v2").status, 404);
    assert_eq!(ui.get("/api/models/m/diff?from=v1").status, 400);
    assert_eq!(ui.get("/api/models/m/diff?from=..&to=v2").status, 400);
}

#[test]
fn runs_filters_changed_params_and_thinned_series() {
    let env = seeded();
    let ui = Ui::start(&env, "127.0.0.1:0");

    let mine = ui.get("/api/models/m/runs?owner=root").json();
    let names: Vec<&str> = mine["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["r2", "r1"], "newest first, root's only");
    assert_eq!(mine["changed_params"], serde_json::json!(["lr"]));
    assert_eq!(
        mine["runs"][1]["params"]["note"]["value"], XSS,
        "stored as given"
    );
    assert_eq!(mine["runs"][1]["metrics"]["loss"]["count"], 3000);

    let all = ui.get("/api/models/m/runs").json();
    assert_eq!(all["runs"].as_array().unwrap().len(), 3);
    let finished = ui.get("/api/models/m/runs?status=finished").json();
    assert_eq!(finished["runs"][0]["name"], "r2");
    assert_eq!(finished["runs"].as_array().unwrap().len(), 1);

    let series = ui.get("/api/models/m/runs/root/r1/series").json();
    let loss = &series["metrics"]["loss"];
    assert_eq!(loss["count"], 3000);
    assert_eq!(loss["downsampled"], true);
    let points = loss["points"].as_array().unwrap();
    assert!(
        (500..=2000).contains(&points.len()),
        "{} points",
        points.len()
    );
    assert_eq!(points[0], serde_json::json!([0, 1.0]));
    assert_eq!(points.last().unwrap()[0], 2999);
    let small = ui
        .get("/api/models/m/runs/root/r1/series?max_points=100")
        .json();
    assert!(small["metrics"]["acc"]["points"].as_array().unwrap().len() <= 100);
    let short = ui.get("/api/models/m/runs/root/r2/series").json();
    assert_eq!(
        short["metrics"]["loss"]["points"],
        serde_json::json!([[0, 0.5]])
    );
    assert_eq!(short["metrics"]["loss"]["downsampled"], false);

    let most = ui
        .get("/api/models/m/runs/root/r1/series?max_points=100000")
        .json();
    assert_eq!(
        most["metrics"]["loss"]["points"].as_array().unwrap().len(),
        3000
    );
    let picked = ui
        .get("/api/models/m/runs/root/r1/series?key=loss&key=nope")
        .json();
    let keys: Vec<&String> = picked["metrics"].as_object().unwrap().keys().collect();
    assert_eq!(
        keys,
        ["loss"],
        "key= picks metrics; unknown keys are left out"
    );
    assert_eq!(picked["run"], "r1");
    assert_eq!(picked["metrics"]["loss"], series["metrics"]["loss"]);
}

#[test]
fn series_carry_each_points_time_since_the_start_when_asked() {
    let env = seeded();
    for step in ["1", "2"] {
        env.ok(&[
            "log-metric",
            "-m",
            "m",
            "--run",
            "r2",
            "--step",
            step,
            "loss=0.25",
        ]);
    }
    let ui = Ui::start(&env, "127.0.0.1:0");
    let ms = |text: &serde_json::Value| {
        chrono::DateTime::parse_from_rfc3339(text.as_str().unwrap())
            .unwrap()
            .timestamp_millis()
    };
    let timed = ui.get("/api/models/m/runs/root/r2/series?time=1").json();
    let started = ms(&timed["started_at"]);
    let logged = env.json(&["metrics", "-m", "m", "--run", "r2", "--format", "json"]);
    let expected: Vec<serde_json::Value> = logged["metrics"]["loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| serde_json::json!([p["step"], p["value"], ms(&p["logged_at"]) - started]))
        .collect();
    assert_eq!(
        timed["metrics"]["loss"]["points"],
        serde_json::json!(expected)
    );
    assert!(expected.iter().all(|p| p[2].as_i64().unwrap() >= 0));

    let plain = ui.get("/api/models/m/runs/root/r2/series").json();
    assert!(
        plain.get("started_at").is_none(),
        "without time=1 as before"
    );
    assert_eq!(
        plain["metrics"]["loss"]["points"][0],
        serde_json::json!([0, 0.5])
    );
    assert_eq!(
        ui.get("/api/models/m/runs/root/r2/series?time=yes").status,
        400
    );
}

#[test]
fn clients_that_stop_reading_do_not_freeze_the_page() {
    let env = seeded();
    env.write("big.bin", crate::harness::noise(32 << 20, 3));
    env.ok(&["import", "big.bin", "-m", "m", "--version", "v2"]);
    let ui = Ui::start(&env, "127.0.0.1:0");
    // More than the 8 worker threads, each asking for more than the socket buffers hold.
    let stalled: Vec<TcpStream> = (0..12).map(|_| ui.stall("/files/m/v2/big.bin")).collect();
    let series: Vec<TcpStream> = (0..8)
        .map(|_| ui.stall("/api/models/m/runs/root/r1/series?max_points=100000"))
        .collect();
    assert_eq!(ui.probe().expect("the page answers a new client"), 200);
    assert_eq!(ui.get("/files/m/v1/weights.bin").body, b"weights");
    drop((stalled, series));
}

#[test]
fn idle_connections_beyond_the_open_files_limit_do_not_lock_out_a_new_client() {
    let env = seeded();
    let ui = Ui::start_limited(&env, 128);
    // Silent connections and ones that never finish their request head, more than the server
    // has file descriptors for.
    let idle: Vec<TcpStream> = (0..200)
        .map(|i| {
            let mut stream = TcpStream::connect(&ui.addr).expect("connect");
            if i % 2 == 1 {
                stream
                    .write_all(b"GET /api/models HTTP/1.1\r\nHost: x\r\n")
                    .unwrap();
            }
            stream
        })
        .collect();
    assert_eq!(ui.probe().expect("the page answers a new client"), 200);
    drop(idle);
}

#[test]
fn bad_requests_are_refused_and_nothing_is_written() {
    let env = seeded();
    let before = (
        env.tree(&env.center.join("files")),
        env.json(&["scan", "-l"]),
    );
    let ui = Ui::start(&env, "127.0.0.1:0");
    let cases: &[(&str, u16)] = &[
        ("/files/m/v1/../../catalog.db", 400),
        ("/files/m/v1/%2e%2e/%2e%2e/catalog.db", 400),
        ("/files/m/v1/..%2f..%2fcatalog.db", 400),
        ("/files/m/v1/%2Fetc%2Fpasswd", 400),
        ("/files/m/v1//etc/passwd", 404),
        ("/files/m/v1/sub", 404),
        ("/files/m/v1/staging", 404),
        ("/files/%2e%2e/v1/weights.bin", 400),
        ("/files/m/v1/weights.bin%00", 400),
        ("/files/m/v2/weights.bin", 404),
        ("/catalog.db", 404),
        ("/files/catalog.db", 404),
        ("/api/models/%3Cscript%3E/versions", 400),
        ("/api/models/nope/versions", 404),
        ("/api/models/m/versions/..%2F..%2F/files", 400),
        ("/api/models/m/runs?owner=../x", 400),
        ("/api/models/m/runs?status=bogus", 400),
        ("/api/models/m/runs/root/nope/series", 404),
        ("/api/models/m/runs/root/r1/series?max_points=0", 400),
        ("/api/models/m/runs/root/r1/series?max_points=abc", 400),
        ("/api/models/m/runs/root/r1/series?max_points=1000000", 400),
        ("/api/models/m/runs/root/r1/series?max_points=100001", 400),
        ("/x/%zz", 400),
        ("/x/%ff", 400),
    ];
    for (path, status) in cases {
        let reply = ui.get(path);
        assert_eq!(
            reply.status,
            *status,
            "GET {path}: {}",
            String::from_utf8_lossy(&reply.body[..reply.body.len().min(300)])
        );
        assert!(
            reply.json()["error"].is_string(),
            "GET {path} explains itself"
        );
    }
    for method in ["POST", "PUT", "DELETE"] {
        let reply = ui.request(method, "/api/models", &ui.addr);
        assert_eq!(reply.status, 405, "{method}");
    }
    // DNS rebinding: a page on another name that resolves to 127.0.0.1 gets nothing.
    assert_eq!(
        ui.request("GET", "/api/models", "evil.example:80").status,
        421
    );
    // Two Host headers: one check could read the first and something else the second.
    let two_hosts = format!(
        "GET /api/models HTTP/1.0\r\nHost: {0}\r\nHost: {0}\r\n\r\n",
        ui.addr
    );
    assert_eq!(ui.raw(&two_hosts).unwrap().status, 400);
    let port = ui.addr.rsplit(':').next().unwrap();
    assert_eq!(
        ui.request("GET", "/api/models", &format!("localhost:{port}"))
            .status,
        200
    );

    drop(ui);
    let after = (
        env.tree(&env.center.join("files")),
        env.json(&["scan", "-l"]),
    );
    assert_eq!(before, after, "the server changed nothing");
}

#[test]
fn binding_beyond_loopback_warns_and_bad_addresses_fail() {
    let env = seeded();
    let mut child = KillOnDrop(
        env.command(&["ui", "--bind", "0.0.0.0:0"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut said = String::new();
    while !said.contains("Ctrl-C stops") {
        assert_ne!(stderr.read_line(&mut said).unwrap(), 0, "ui ended: {said}");
    }
    assert!(
        said.contains("warning") && said.contains("no login"),
        "{said}"
    );

    env.expect(1, &["ui", "--bind", "192.0.2.1:0"])
        .says(&["could not listen on 192.0.2.1:0"]);
    env.expect(2, &["ui", "--bind", "nonsense"]);
    Env::local()
        .expect(1, &["ui", "--bind", "127.0.0.1:0"])
        .says(&["no center at"]);
}

/// The data a report carries, parsed back out of its HTML.
fn embedded_data(html: &str) -> Value {
    let start = html.find("id=\"mfile-data\">").expect("data element") + "id=\"mfile-data\">".len();
    let end = start + html[start..].find("</script>").expect("end of data");
    serde_json::from_str(&html[start..end]).expect("data is JSON")
}

#[test]
fn report_is_one_self_contained_file() {
    let env = seeded();
    env.ok(&["report", "-m", "m", "--out", "r.html"]);
    let html = std::fs::read_to_string(env.work.join("r.html")).unwrap();
    assert!(
        !html.contains(XSS),
        "the run's note is escaped inside the data"
    );
    assert_eq!(html.matches("<script").count(), 3, "data, ECharts, page");
    assert!(
        !html.contains("<script src") && !html.contains("<link"),
        "no script or style is fetched (the browser test checks every request)"
    );
    let data = embedded_data(&html);
    let runs: Vec<&str> = data["runs"]["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(runs, ["r2", "r1"], "my runs by default");
    assert_eq!(
        data["runs"]["params"]["note"][1], XSS,
        "params in columns, a value per run"
    );
    assert!(
        data["series"]["root/r1"]["metrics"]["loss"]["points"]
            .as_array()
            .unwrap()
            .len()
            <= 2000
    );

    let chosen = env.ok(&[
        "report",
        "-m",
        "m",
        "--run",
        "bob/r3",
        "--run",
        "r1",
        "--out",
        "-",
        "--max-points",
        "40",
    ]);
    let data = embedded_data(&chosen.stdout);
    assert_eq!(data["runs"]["runs"].as_array().unwrap().len(), 2);
    assert!(
        data["series"]["root/r1"]["metrics"]["acc"]["points"]
            .as_array()
            .unwrap()
            .len()
            <= 40
    );
    assert_eq!(
        data["runs"]["changed_params"],
        serde_json::json!([]),
        "r1 and r3 share lr"
    );

    env.ok(&["report", "-m", "m", "--all-users", "--out", "everyone.html"]);
    env.expect(1, &["report", "-m", "m", "--user", "carol"])
        .says(&["no runs of carol"]);
    env.expect(1, &["report", "-m", "m", "--run", "nope"])
        .says(&["has no run"]);
    env.expect(2, &["report", "-m", "../m"]);
    env.expect(1, &["report", "-m", "m", "--out", "missing/r.html"])
        .says(&["could not write missing/r.html"]);
    assert!(!env.work.join("missing").exists());
    let leftovers: Vec<String> = env
        .tree(&env.work)
        .into_iter()
        .filter(|p| p.contains(".part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_damaged_stored_file_is_never_downloaded_whole() {
    let env = seeded();
    let data = crate::harness::noise(1_300_000, 8);
    env.write("big.bin", &data);
    env.ok(&["import", "big.bin", "-m", "m", "--version", "v2"]);
    let stored = env.stored("m", "v2", "big.bin");
    let mut bytes = std::fs::read(&stored).unwrap();
    bytes[1_000] ^= 0x40;
    std::fs::set_permissions(&stored, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(&stored, &bytes).unwrap();
    let ui = Ui::start(&env, "127.0.0.1:0");
    let reply = ui.get("/files/m/v2/big.bin");
    // The headers went out before the md5 was known; the body stops short instead.
    assert_eq!(reply.header("Content-Length"), Some("1300000"));
    assert!(
        reply.body.len() < data.len(),
        "the damaged copy was not delivered whole"
    );
    assert_eq!(
        ui.get("/files/m/v1/weights.bin").body,
        b"weights",
        "others still download"
    );
}

#[test]
fn a_link_planted_in_the_center_is_never_served() {
    let env = seeded();
    let data = crate::harness::noise(1_300_000, 9);
    env.write("big.bin", &data);
    env.ok(&["import", "big.bin", "-m", "m", "--version", "v2"]);
    let private = env.root.join("private.bin");
    let secret = crate::harness::noise(1_300_000, 10);
    std::fs::write(&private, &secret).unwrap();
    let stored = env.stored("m", "v2", "big.bin");
    std::fs::remove_file(&stored).unwrap();
    std::os::unix::fs::symlink(&private, &stored).unwrap();
    let ui = Ui::start(&env, "127.0.0.1:0");
    let reply = ui.get("/files/m/v2/big.bin");
    assert!(
        !reply.body.windows(64).any(|w| w == &secret[..64]),
        "status {}: the private file's bytes were served",
        reply.status
    );
}

#[test]
fn a_bucket_center_is_served_and_follows_a_colleagues_imports() {
    let Some(env) = Env::s3() else { return };
    env.write("weights.bin", b"weights");
    env.write("big.bin", crate::harness::noise(3 << 20, 9));
    env.ok(&[
        "import",
        "weights.bin",
        "big.bin",
        "-m",
        "m",
        "--version",
        "v1",
    ]);
    let ui = Ui::start(&env, "127.0.0.1:0");

    let files = ui.get("/api/models/m/versions/v1/files").json();
    let mut served = Vec::new();
    for file in files["files"].as_array().unwrap() {
        let reply = ui.get(file["download"].as_str().unwrap());
        assert_eq!(reply.status, 200);
        served.push((file["path"].as_str().unwrap().to_string(), reply.body));
    }
    served.sort();
    assert_eq!(served[0], ("big.bin".into(), fs_read(&env, "big.bin")));
    assert_eq!(served[1], ("weights.bin".into(), b"weights".to_vec()));

    let colleague = env.colleague();
    colleague.write("new.bin", b"new");
    colleague.ok(&["import", "new.bin", "-m", "m", "--version", "v2"]);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let versions = ui.get("/api/models/m/versions").json();
        if versions["versions"].as_array().unwrap().len() == 2 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the page never showed v2: {versions:#}"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
}

fn fs_read(env: &Env, name: &str) -> Vec<u8> {
    std::fs::read(env.work.join(name)).unwrap()
}

#[test]
fn chinese_names_are_served_percent_encoded_and_reported() {
    let env = Env::local();
    env.write("src/数据/训练.csv", "a,b\n");
    env.ok(&["import", "src", "-m", "demo实体识别", "--version", "第一版"]);
    env.ok(&[
        "log-param",
        "-m",
        "demo实体识别",
        "--run",
        "第一次",
        "学习率=0.1",
    ]);
    env.ok(&[
        "log-metric",
        "-m",
        "demo实体识别",
        "--run",
        "第一次",
        "准确率=0.5",
    ]);
    let ui = Ui::start(&env, "127.0.0.1:0");

    let model = "demo%E5%AE%9E%E4%BD%93%E8%AF%86%E5%88%AB";
    let version = "%E7%AC%AC%E4%B8%80%E7%89%88";
    assert_eq!(
        ui.get("/api/models").json()["models"][0]["model"],
        "demo实体识别"
    );
    let files = ui
        .get(&format!("/api/models/{model}/versions/{version}/files"))
        .json();
    assert_eq!(files["files"][0]["path"], "数据/训练.csv");
    let url = files["files"][0]["download"].as_str().unwrap();
    assert!(url.is_ascii(), "{url}");
    let download = ui.get(url);
    assert_eq!(download.status, 200, "{url}");
    assert_eq!(download.body, b"a,b\n");
    let runs = ui.get(&format!("/api/models/{model}/runs")).json();
    assert_eq!(runs["runs"][0]["name"], "第一次", "{runs}");
    let run = "%E7%AC%AC%E4%B8%80%E6%AC%A1";
    let series = ui
        .get(&format!("/api/models/{model}/runs/root/{run}/series"))
        .json();
    assert!(series["metrics"]["准确率"].is_object(), "{series}");

    env.ok(&["report", "-m", "demo实体识别", "--out", "r.html"]);
    let data = embedded_data(&std::fs::read_to_string(env.work.join("r.html")).unwrap());
    assert_eq!(data["runs"]["params"]["学习率"][0], "0.1");
}
