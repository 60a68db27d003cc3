//! Training runs in a bucket center, read by every cache: segments and chunks written here by
//! hand in the documented format (docs/center-layout.md), as another writer would, then read
//! through mfile. Damage costs only the runs it touches.

use std::collections::BTreeMap;

use mfile::center::run_log::{
    Chunk, ChunkRef, End, ParamValue, Point, RunEntry, RunSegment, Start, chunk_key, log_key,
};
use mfile::center::s3::Bucket;
use mfile::time::Timestamp;
use serde_json::Value;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::Env;

const T0: i64 = 1_764_547_200_000_000_000; // 2025-12-01

/// A bucket center with a marker, as any first write leaves it.
fn center() -> Option<Env> {
    let env = Env::s3()?;
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    Some(env)
}

fn points(key: &str, steps: impl Iterator<Item = i64>) -> (String, Vec<Point>) {
    let points = steps
        .map(|step| Point {
            step,
            value: 1.0 / (step as f64 + 1.0),
            logged_at: Timestamp(T0 + step),
        })
        .collect();
    (key.to_string(), points)
}

/// Uploads a chunk of `run`'s points and returns how a segment cites it.
fn chunk(bucket: &Bucket, owner: &str, run: &str, keys: Vec<(String, Vec<Point>)>) -> ChunkRef {
    let chunk = Chunk {
        model: "m".into(),
        owner: owner.into(),
        run: run.into(),
        keys: keys.into_iter().collect(),
    };
    let bytes = chunk.encode().unwrap();
    let blake3 = blake3::hash(&bytes).to_hex().to_string();
    bucket
        .put_new(&chunk_key("m", &blake3), bytes.clone().into())
        .unwrap();
    ChunkRef {
        blake3,
        size: bytes.len() as u64,
        points: chunk.keys.values().map(|p| p.len() as u64).sum(),
        keys: chunk.summaries(),
    }
}

fn entry(owner: &str, name: &str, prev: u64) -> RunEntry {
    RunEntry {
        owner: owner.into(),
        name: name.into(),
        prev,
        ..RunEntry::default()
    }
}

fn started(owner: &str, name: &str) -> RunEntry {
    RunEntry {
        start: Some(Start {
            started_at: Timestamp(T0),
            host: "gpu-3".into(),
        }),
        ..entry(owner, name, 0)
    }
}

fn put_segment(bucket: &Bucket, seq: u64, runs: Vec<RunEntry>) {
    let segment = RunSegment {
        format: 1,
        model: "m".into(),
        seq,
        id: format!("{seq:032x}"),
        at: Timestamp(T0 + seq as i64),
        by: "alice@gpu-3".into(),
        runs,
        ..RunSegment::default()
    };
    bucket
        .put_new(&log_key("m", seq), segment.to_json().unwrap().into())
        .unwrap();
}

fn params(pairs: &[(&str, &str, &str)]) -> BTreeMap<String, ParamValue> {
    pairs
        .iter()
        .map(|(k, v, kind)| {
            let value = ParamValue {
                value: v.to_string(),
                kind: kind.to_string(),
            };
            (k.to_string(), value)
        })
        .collect()
}

/// Two runs of alice and one of bob: params, points in two chunks, an end.
fn three_runs(bucket: &Bucket) {
    let mut r1 = started("alice", "r1");
    r1.params = params(&[("lr", "0.001", "float"), ("batch", "32", "int")]);
    r1.chunk = Some(chunk(bucket, "alice", "r1", vec![points("loss", 0..100)]));
    let mut r2 = started("alice", "r2");
    r2.params = params(&[("lr", "0.01", "float"), ("batch", "32", "int")]);
    let mut r3 = started("bob", "r3");
    r3.params = params(&[("lr", "0.1", "float")]);
    put_segment(bucket, 1, vec![r1, r2, r3]);

    let mut r1 = entry("alice", "r1", 1);
    r1.chunk = Some(chunk(
        bucket,
        "alice",
        "r1",
        vec![points("loss", 100..250), points("acc", 0..5)],
    ));
    r1.end = Some(End {
        status: "finished".into(),
        exit_code: Some(0),
        ended_at: Some(Timestamp(T0 + 10_000_000_000)),
    });
    put_segment(bucket, 2, vec![r1]);
}

fn runs_json(env: &Env) -> Value {
    env.json(&["runs", "-m", "m", "--all-users"])
}

fn run<'a>(listing: &'a Value, name: &str) -> &'a Value {
    listing["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == name)
        .unwrap_or_else(|| panic!("no run {name} in {listing:#}"))
}

#[test]
fn runs_written_by_another_writer_are_listed_compared_and_exported() {
    let Some(env) = center() else { return };
    three_runs(&env.bucket());

    let listing = runs_json(&env);
    assert_eq!(listing["runs"].as_array().unwrap().len(), 3, "{listing:#}");
    let r1 = run(&listing, "r1");
    assert_eq!(r1["status"], "finished");
    assert_eq!(r1["exit_code"], 0);
    assert_eq!(r1["host"], "gpu-3");
    assert_eq!(r1["params"]["lr"]["value"], "0.001");
    assert_eq!(
        r1["metrics"]["loss"]["count"], 250,
        "summaries folded from two chunks"
    );
    assert_eq!(r1["metrics"]["loss"]["last_step"], 249);
    assert_eq!(r1["metrics"]["acc"]["count"], 5);
    assert_eq!(run(&listing, "r3")["owner"], "bob");

    let history = env.json(&["metrics", "-m", "m", "--run", "r1", "--user", "alice"]);
    let loss = history["metrics"]["loss"].as_array().unwrap();
    assert_eq!(loss.len(), 250);
    assert_eq!(loss[249]["step"], 249);
    assert_eq!(loss[3]["value"], 0.25);

    let compare = env.json(&["compare", "-m", "m", "--user", "alice", "r1", "r2"]);
    let lr = compare["params"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["key"] == "lr")
        .unwrap();
    assert_eq!(lr["changed"], true);

    // Nothing but the bucket: another cache reads the same.
    let colleague = env.colleague();
    let again = runs_json(&colleague);
    assert_eq!(again["runs"].as_array().unwrap().len(), 3);
    assert_eq!(run(&again, "r1")["metrics"], r1["metrics"]);
}

#[test]
fn new_segments_are_read_by_a_warm_cache() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    put_segment(&bucket, 1, vec![started("alice", "r1")]);
    assert_eq!(runs_json(&env)["runs"][0]["status"], "running");
    let mut done = entry("alice", "r1", 1);
    done.chunk = Some(chunk(&bucket, "alice", "r1", vec![points("loss", 0..10)]));
    done.end = Some(End {
        status: "failed".into(),
        exit_code: Some(3),
        ended_at: None,
    });
    put_segment(&bucket, 2, vec![done]);
    let listing = runs_json(&env);
    assert_eq!(listing["runs"][0]["status"], "failed");
    assert_eq!(listing["runs"][0]["metrics"]["loss"]["count"], 10);
    put_segment(
        &bucket,
        3,
        vec![RunEntry {
            delete: true,
            ..entry("alice", "r1", 2)
        }],
    );
    assert!(runs_json(&env)["runs"].as_array().unwrap().is_empty());
}

#[test]
fn a_chunk_that_goes_back_in_steps_is_summarised_from_its_points() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    let mut r1 = started("alice", "r1");
    r1.chunk = Some(chunk(&bucket, "alice", "r1", vec![points("loss", 0..10)]));
    put_segment(&bucket, 1, vec![r1]);
    // Steps 5..15 again: 5..9 are replaced, so the run has 15 points, not 20.
    let mut again = entry("alice", "r1", 1);
    again.chunk = Some(chunk(&bucket, "alice", "r1", vec![points("loss", 5..15)]));
    put_segment(&bucket, 2, vec![again]);
    let listing = runs_json(&env);
    assert_eq!(
        listing["runs"][0]["metrics"]["loss"]["count"], 15,
        "{listing:#}"
    );
}

#[test]
fn a_forged_segment_costs_only_the_runs_it_names() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    three_runs(&bucket);
    // Seg 3 claims to change r2, with a path-like owner no mfile writes.
    let forged = serde_json::json!({
        "format": 1, "model": "m", "seq": 3, "id": "x", "at": "2026-01-01T00:00:00Z",
        "by": "mallory", "runs": [
            {"owner": "alice", "name": "r2", "prev": 1, "end": {"status": "pwned"}}
        ]
    });
    bucket
        .put_new(
            &log_key("m", 3),
            serde_json::to_vec(&forged).unwrap().into(),
        )
        .unwrap();
    let mut r2 = entry("alice", "r2", 3);
    r2.params = params(&[("later", "1", "int")]);
    let mut r3 = entry("bob", "r3", 1);
    r3.params = params(&[("later", "1", "int")]);
    put_segment(&bucket, 4, vec![r2, r3]);

    let out = env.run(&["runs", "-m", "m", "--all-users", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.says(&[
        "run r2 of alice in m is shown as it was before the damage",
        "runs/m/log/0000000003.json is damaged",
    ]);
    let listing = out.json();
    assert_eq!(run(&listing, "r2")["status"], "running");
    assert!(
        run(&listing, "r2")["params"].get("later").is_none(),
        "r2 stops at the damage"
    );
    assert_eq!(
        run(&listing, "r3")["params"]["later"]["value"],
        "1",
        "r3 reads on"
    );
    assert_eq!(run(&listing, "r1")["status"], "finished");
}

#[test]
fn a_missing_segment_harms_the_run_whose_chain_passes_through_it() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    three_runs(&bucket);
    put_segment(
        &bucket,
        3,
        vec![RunEntry {
            params: params(&[("x", "1", "int")]),
            ..entry("bob", "r3", 1)
        }],
    );
    put_segment(
        &bucket,
        4,
        vec![RunEntry {
            params: params(&[("y", "2", "int")]),
            ..entry("bob", "r3", 3)
        }],
    );
    bucket.delete(&log_key("m", 3)).unwrap();
    let out = env.run(&["runs", "-m", "m", "--all-users", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.says(&[
        "0000000003.json is damaged: it is missing",
        "run r3 of bob in m is shown as it was before the damage",
    ]);
    let listing = out.json();
    assert!(run(&listing, "r3")["params"].get("y").is_none());
    assert_eq!(run(&listing, "r1")["metrics"]["loss"]["count"], 250);
}

#[test]
fn a_missing_chunk_costs_the_history_not_the_listing() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    three_runs(&bucket);
    let listing = runs_json(&env);
    assert_eq!(run(&listing, "r1")["metrics"]["loss"]["count"], 250);
    for object in bucket.list("runs/m/chunks").unwrap() {
        bucket.delete(&object.key).unwrap();
    }
    let out = env
        .colleague()
        .run(&["metrics", "-m", "m", "--run", "r1", "--user", "alice"]);
    assert_eq!(out.code, 1);
    out.says(&["the points of run r1 in m are missing", "runs/m/chunks/"]);
}

#[test]
fn deleting_the_cache_reads_the_same_runs_again() {
    let Some(env) = center() else { return };
    three_runs(&env.bucket());
    let before = runs_json(&env);
    std::fs::remove_dir_all(env.root.join("home/.local/share/mfile")).unwrap();
    let after = runs_json(&env);
    for (a, b) in before["runs"]
        .as_array()
        .unwrap()
        .iter()
        .zip(after["runs"].as_array().unwrap())
    {
        let (mut a, mut b) = (a.clone(), b.clone());
        for run in [&mut a, &mut b] {
            run["duration_seconds"] = Value::Null; // of running runs, it grows
        }
        assert_eq!(a, b);
    }
    assert_eq!(
        before["runs"].as_array().unwrap().len(),
        after["runs"].as_array().unwrap().len()
    );
}

/// A request that writes a segment of a run log.
fn run_log_put(method: &str, path: &str) -> bool {
    method == "PUT" && path.contains("/runs/") && path.contains("/log/")
}

fn segment_keys(env: &Env) -> Vec<String> {
    let mut keys: Vec<String> = env
        .bucket()
        .list("runs/m/log")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    keys.sort();
    keys
}

#[test]
fn params_stay_write_once_across_machines() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r",
        "--user",
        "u",
        "lr=0.1",
    ]);
    let bob = alice.colleague();
    let same = bob.json(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r",
        "--user",
        "u",
        "lr=0.1",
    ]);
    assert_eq!(same["params"][0]["status"], "unchanged");
    bob.expect(
        1,
        &[
            "log-param",
            "-m",
            "m",
            "--run",
            "r",
            "--user",
            "u",
            "lr=0.2",
            "wd=1",
        ],
    )
    .says(&["params are write-once", "lr: is 0.1, can't become 0.2"]);
    let carol = alice.colleague();
    let listing = carol.json(&["runs", "-m", "m", "--all-users"]);
    let params = &listing["runs"][0]["params"];
    assert_eq!(params["lr"]["value"], "0.1");
    assert!(
        params.get("wd").is_none(),
        "nothing of the refused call: {params}"
    );
}

#[test]
fn a_segment_whose_reply_was_lost_is_written_once() {
    let Some(mut env) = Env::s3() else { return };
    let (upstream, _) = crate::harness::s3_server().unwrap();
    let proxy = crate::s3_proxy::LossyProxy::losing(&upstream, run_log_put, 2);
    env.endpoint = Some(proxy.endpoint.clone());
    env.ok(&["log-param", "-m", "m", "--run", "r", "lr=1"]);
    env.ok(&["log-metric", "-m", "m", "--run", "r", "loss=0.5"]);
    assert_eq!(proxy.lost(), 2, "the proxy lost replies");
    assert_eq!(segment_keys(&env).len(), 2, "{:?}", segment_keys(&env));
    let listing = env.colleague().json(&["runs", "-m", "m", "--all-users"]);
    assert_eq!(listing["runs"][0]["metrics"]["loss"]["count"], 1);
}

#[test]
fn a_param_race_between_machines_has_one_winner_everywhere() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r",
        "--user",
        "u",
        "seed=1",
    ]);
    let (upstream, _) = crate::harness::s3_server().unwrap();
    // Both machines have read the log before either segment lands.
    let proxy = crate::s3_proxy::LossyProxy::gathering(&upstream, run_log_put, 2);
    let mut machines = [alice.colleague(), alice.colleague()];
    for m in &mut machines {
        m.endpoint = Some(proxy.endpoint.clone());
    }
    let outcomes: Vec<_> = std::thread::scope(|scope| {
        let runs: Vec<_> = machines
            .iter()
            .zip(["0.1", "0.2"])
            .map(|(m, lr)| {
                let arg = format!("lr={lr}");
                scope.spawn(move || {
                    m.run(&["log-param", "-m", "m", "--run", "r", "--user", "u", &arg])
                })
            })
            .collect();
        runs.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let lost: Vec<_> = outcomes.iter().filter(|o| o.code == 1).collect();
    assert_eq!(lost.len(), 1, "one loser: {outcomes:?}");
    lost[0].says(&["another machine gave run r other values", "theirs stand"]);
    assert!(
        outcomes.iter().any(|o| o.code == 0),
        "one winner: {outcomes:?}"
    );
    let mut seen = Vec::new();
    for m in [&alice, &machines[0], &machines[1], &alice.colleague()] {
        let listing = m.json(&["runs", "-m", "m", "--all-users"]);
        seen.push(listing["runs"][0]["params"]["lr"]["value"].clone());
    }
    assert!(
        seen.windows(2).all(|w| w[0] == w[1]),
        "every cache agrees: {seen:?}"
    );
}

#[test]
fn a_run_deleted_on_one_machine_is_gone_on_every_machine() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&["log-metric", "-m", "m", "--run", "r1", "loss=1"]);
    alice.ok(&["log-metric", "-m", "m", "--run", "r2", "loss=2"]);
    let bob = alice.colleague();
    assert_eq!(
        bob.json(&["runs", "-m", "m", "--all-users"])["runs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    bob.ok(&[
        "runs",
        "delete",
        "-m",
        "m",
        "--user",
        &whoami(&alice),
        "r1",
        "--yes",
    ]);
    let names: Vec<Value> = alice.json(&["runs", "-m", "m", "--all-users"])["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].clone())
        .collect();
    assert_eq!(names, ["r2"]);
    alice.ok(&["delete", "-m", "m", "--all", "--yes"]);
    let after = alice
        .colleague()
        .run(&["runs", "-m", "m", "--all-users", "--json"]);
    let none = after.code == 1 || after.json()["runs"].as_array().unwrap().is_empty();
    assert!(
        none,
        "the model's runs went with it: {}{}",
        after.stdout, after.stderr
    );
}

/// The user an env records runs as.
fn whoami(env: &Env) -> String {
    let listing = env.json(&["runs", "-m", "m"]);
    listing["runs"][0]["owner"].as_str().unwrap().to_string()
}

/// A training that prints `count` points 50 ms apart, each index also written to `progress`.
const TRAINING: &str = r#"
import json, sys, time
for i in range(int(sys.argv[1])):
    print(json.dumps({"loss": 1.0 / (i + 1)}), flush=True)
    open(sys.argv[2], "w").write(str(i))
    time.sleep(0.05)
"#;

#[test]
fn a_colleague_sees_a_live_run_grow_within_seconds() {
    let Some(env) = center() else { return };
    let progress = env.work.join("progress");
    let progress_arg = progress.to_str().unwrap().to_string();
    let mut training = crate::harness::KillOnDrop(
        env.command(&[
            "track",
            "-m",
            "m",
            "--run",
            "live",
            "--",
            "python3",
            "-c",
            TRAINING,
            "200",
            &progress_arg,
        ])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap(),
    );
    let colleague = env.colleague();
    let printed = || {
        std::fs::read_to_string(&progress)
            .ok()
            .and_then(|t| t.trim().parse::<i64>().ok())
            .map_or(0, |i| i + 1)
    };
    let mut during = Vec::new();
    let started = std::time::Instant::now();
    while printed() < 199 && started.elapsed() < std::time::Duration::from_secs(60) {
        let before = printed();
        let run = colleague.run(&["runs", "-m", "m", "--all-users", "--json"]);
        if run.code == 0 {
            let seen = run.json()["runs"][0]["metrics"]["loss"]["count"]
                .as_i64()
                .unwrap_or(0);
            during.push((before, seen));
        }
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
    assert!(training.0.wait().unwrap().success());
    // Points printed 10 s before a look (200 points at 50 ms) must show in it.
    for (printed, seen) in &during {
        assert!(
            printed - seen < 200,
            "a look lagged by {} points: {during:?}",
            printed - seen
        );
    }
    let growing: Vec<i64> = during
        .iter()
        .map(|d| d.1)
        .filter(|&s| s > 0 && s < 200)
        .collect();
    assert!(
        growing.windows(2).filter(|w| w[1] > w[0]).count() >= 2,
        "the run grew while it trained: {during:?}"
    );
}

/// A command of `env` that recorded into its cache and waits to upload (another process holds
/// the cache's upload lock): the state of a writer stopped before its upload, or of one racing
/// another machine. `finish` lets it upload.
struct Waiting {
    lock: Child,
    writers: Vec<Child>,
}

fn upload_lock(env: &Env) -> PathBuf {
    let caches = env.root.join("home/.local/share/mfile/cache");
    let cache = std::fs::read_dir(&caches)
        .expect("the env has a cache")
        .flatten()
        .next()
        .expect("one cache")
        .path();
    cache.join("runs-upload.lock")
}

impl Waiting {
    /// Runs `args` in `env` (which has a cache already) until what it records waits.
    fn start(env: &Env, args: &[&str]) -> Waiting {
        let lock_path = upload_lock(env);
        let ready = env.work.join("locked");
        let _ = std::fs::remove_file(&ready);
        let lock = Command::new("python3")
            .args([
                "-c",
                "import fcntl, sys, time\nf = open(sys.argv[1], 'w')\nfcntl.flock(f, fcntl.LOCK_EX)\nopen(sys.argv[2], 'w').close()\ntime.sleep(600)",
            ])
            .arg(&lock_path)
            .arg(&ready)
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while !ready.exists() {
            assert!(Instant::now() < deadline, "the lock was not taken");
            std::thread::sleep(Duration::from_millis(10));
        }
        let mut waiting = Waiting {
            lock,
            writers: Vec::new(),
        };
        waiting.also(env, args);
        waiting
    }

    /// Runs `args` in `env` too, until what it records waits as well.
    fn also(&mut self, env: &Env, args: &[&str]) {
        let deadline = Instant::now() + Duration::from_secs(20);
        let before = waiting_changes(env);
        let writer = env
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        while waiting_changes(env) == before {
            assert!(Instant::now() < deadline, "nothing was recorded");
            std::thread::sleep(Duration::from_millis(20));
        }
        self.writers.push(writer);
    }

    /// Lets the writers upload, and returns how the first ended.
    fn finish(mut self) -> std::process::Output {
        self.lock.kill().unwrap();
        self.lock.wait().unwrap();
        let mut outputs: Vec<_> = self
            .writers
            .drain(..)
            .map(|w| w.wait_with_output().unwrap())
            .collect();
        outputs.remove(0)
    }
}

/// How many changes the env's cache has waiting (reading the cache alone).
fn waiting_changes(env: &Env) -> u64 {
    let run = env.run(&["runs", "--all-users", "--json"]);
    if run.code != 0 {
        return 0;
    }
    run.json()["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["not_uploaded"]["changes"].as_u64().unwrap_or(0))
        .sum()
}

fn loss_count(env: &Env, run: &str) -> Value {
    let listing = env.json(&["runs", "-m", "m", "--all-users"]);
    listing["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == run)
        .map_or(Value::Null, |r| r["metrics"]["loss"]["count"].clone())
}

#[test]
fn a_copied_cache_loses_none_of_its_points() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&["log-metric", "-m", "m", "--run", "r", "loss=0"]);
    // The same machine's cache, copied (a CI cache restored, `cp -a` of a home).
    let copy = alice.colleague();
    let data = "home/.local/share/mfile";
    std::fs::create_dir_all(copy.root.join(data).parent().unwrap()).unwrap();
    let status = Command::new("cp")
        .arg("-a")
        .arg(alice.root.join(data))
        .arg(copy.root.join(data))
        .status()
        .unwrap();
    assert!(status.success());
    let lines: String = (0..100).map(|i| format!("{{\"loss\": {i}}}\n")).collect();
    alice.write("points.jsonl", &lines);
    let file = alice.work.join("points.jsonl");
    let file = file.to_str().unwrap();
    let log = ["log-metric", "-m", "m", "--run", "r", "--file", file];
    let waiting = Waiting::start(&copy, &log);
    alice.ok(&log); // the same outbox numbers as the copy's, uploaded first
    let out = waiting.finish();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        loss_count(&alice.colleague(), "r"),
        201,
        "every point of both copies"
    );
}

#[test]
fn a_model_dropped_here_stays_dropped_here() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&["log-metric", "-m", "m", "--run", "r1", "loss=1"]);
    let bob = alice.colleague();
    bob.ok(&["log-metric", "-m", "m", "--run", "r2", "loss=2"]);
    alice.ok(&["delete", "-m", "m", "--all", "--yes"]);
    bob.ok(&["log-metric", "-m", "m", "--run", "r3", "loss=3"]);
    for machine in [&alice, &bob, &alice.colleague()] {
        let listing = machine.json(&["runs", "-m", "m", "--all-users"]);
        let names: Vec<&Value> = listing["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| &r["name"])
            .collect();
        assert_eq!(names, ["r3"], "{listing:#}");
    }
}

#[test]
fn a_params_call_that_loses_a_race_is_dropped_whole() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r",
        "--user",
        "u",
        "seed=1",
    ]);
    let bob = alice.colleague();
    bob.ok(&["runs", "-m", "m", "--all-users"]);
    let waiting = Waiting::start(
        &bob,
        &[
            "log-param",
            "-m",
            "m",
            "--run",
            "r",
            "--user",
            "u",
            "lr=2",
            "momentum=0.9",
        ],
    );
    alice.ok(&["log-param", "-m", "m", "--run", "r", "--user", "u", "lr=1"]);
    let out = waiting.finish();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for machine in [&alice, &bob, &alice.colleague()] {
        let listing = machine.json(&["runs", "-m", "m", "--all-users"]);
        let params = &listing["runs"][0]["params"];
        assert_eq!(params["lr"]["value"], "1", "{params}");
        assert!(
            params.get("momentum").is_none(),
            "nothing of the losing call: {params}"
        );
    }
}

#[test]
fn a_step_past_the_last_one_costs_the_point_not_the_run() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&["log-metric", "-m", "m", "--run", "r", "acc=1"]);
    let bob = alice.colleague();
    bob.ok(&["runs", "-m", "m", "--all-users"]);
    let waiting = Waiting::start(
        &bob,
        &[
            "log-metric",
            "-m",
            "m",
            "--run",
            "r",
            "--user",
            &owner_of(&alice),
            "loss=5",
        ],
    );
    let last = "9007199254740991";
    alice.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "--step",
        last,
        "loss=1",
    ]);
    let out = waiting.finish();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(stderr.contains("were not uploaded"), "{stderr}");
    let reader = alice
        .colleague()
        .run(&["runs", "-m", "m", "--all-users", "--json"]);
    assert!(!reader.stderr.contains("damage"), "{}", reader.stderr);
    assert_eq!(reader.json()["runs"][0]["metrics"]["loss"]["count"], 1);
}

#[test]
fn a_segment_with_impossible_counts_costs_only_its_run() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    three_runs(&bucket);
    let mut lie = entry("bob", "r3", 1);
    let mut cited = chunk(&bucket, "bob", "r3", vec![points("loss", 0..3)]);
    cited.points = u64::MAX;
    cited.keys.get_mut("loss").unwrap().count = u64::MAX;
    lie.chunk = Some(cited);
    put_segment(&bucket, 3, vec![lie]);
    let out = env.run(&["runs", "-m", "m", "--all-users", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.says(&["run r3 of bob in m is shown as it was before the damage"]);
    assert_eq!(run(&out.json(), "r1")["metrics"]["loss"]["count"], 250);
}

#[test]
fn a_damaged_run_can_still_be_deleted_everywhere() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    three_runs(&bucket);
    let forged = serde_json::json!({
        "format": 1, "model": "m", "seq": 3, "id": "x", "at": "2026-01-01T00:00:00Z",
        "by": "mallory", "runs": [{"owner": "alice", "name": "r1", "prev": 2, "end": {"status": "pwned"}}]
    });
    bucket
        .put_new(
            &log_key("m", 3),
            serde_json::to_vec(&forged).unwrap().into(),
        )
        .unwrap();
    env.run(&["runs", "-m", "m", "--all-users"])
        .says(&["run r1 of alice in m is shown as it was before the damage"]);
    let delete = RunEntry {
        delete: true,
        ..entry("alice", "r1", 3)
    };
    put_segment(&bucket, 4, vec![delete]);
    for machine in [&env, &env.colleague()] {
        let listing = machine.json(&["runs", "-m", "m", "--all-users"]);
        assert!(
            listing["runs"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["name"] != "r1"),
            "{listing:#}"
        );
    }
}

/// The user an env records runs as (its OS user, or $MFILE_USER).
fn owner_of(env: &Env) -> String {
    let listing = env.json(&["runs", "-m", "m"]);
    listing["runs"][0]["owner"].as_str().unwrap().to_string()
}

#[test]
fn a_tracked_run_killed_midway_goes_up_whole_with_runs_push() {
    let Some(env) = center() else { return };
    let progress = env.work.join("progress");
    let progress_arg = progress.to_str().unwrap().to_string();
    let mut training = env
        .command(&[
            "track",
            "-m",
            "m",
            "--run",
            "killed",
            "--",
            "python3",
            "-c",
            TRAINING,
            "400",
            &progress_arg,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&progress)
        .map_or(true, |t| t.trim().parse::<u64>().unwrap_or(0) < 100)
    {
        assert!(Instant::now() < deadline, "the training did not get going");
        std::thread::sleep(Duration::from_millis(20));
    }
    training.kill().unwrap(); // SIGKILL, mid-upload or mid-flush, wherever it is
    training.wait().unwrap();

    let here = env.json(&["runs", "-m", "m"]);
    let kept = here["runs"][0]["metrics"]["loss"]["count"]
        .as_u64()
        .unwrap();
    assert!(kept > 0, "{here:#}");
    env.ok(&["runs", "push"]);
    let there = env.colleague();
    let history = there.json(&[
        "metrics",
        "-m",
        "m",
        "--run",
        "killed",
        "--user",
        &owner_of(&env),
    ]);
    let steps: Vec<i64> = history["metrics"]["loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["step"].as_i64().unwrap())
        .collect();
    assert_eq!(
        steps.len() as u64,
        kept,
        "every point the cache committed, once"
    );
    assert_eq!(steps, (0..kept as i64).collect::<Vec<_>>());
    assert_eq!(
        env.json(&["runs", "-m", "m"])["runs"][0]["not_uploaded"]["changes"],
        0
    );
}

/// A request that reads a segment of a run log (not a listing: its prefix is in the query).
fn run_log_get(method: &str, path: &str) -> bool {
    method == "GET" && path.contains("/runs/") && path.contains("/log/")
}

#[test]
fn a_new_cache_reads_the_newest_index_and_the_segments_after_it() {
    let Some(env) = center() else { return };
    let bucket = env.bucket();
    for seq in 1..=246u64 {
        let name = format!("h{seq}");
        let mut run = started("alice", &name);
        run.params = params(&[("seed", &seq.to_string(), "int")]);
        if seq % 64 == 0 {
            run.chunk = Some(chunk(&bucket, "alice", &name, vec![points("loss", 0..10)]));
        }
        put_segment(&bucket, seq, vec![run]);
    }
    // Segments 247 to 256, by mfile, a chunk each (a live run's shape): an index is due, and
    // its chunks are merged for it.
    for i in 0..10 {
        env.ok(&[
            "log-metric",
            "-m",
            "m",
            "--run",
            "mine",
            &format!("loss={i}"),
        ]);
    }
    let indexes = bucket.list("runs/m/index").unwrap();
    let keys: Vec<&str> = indexes.iter().map(|o| o.key.as_str()).collect();
    assert_eq!(keys, ["runs/m/index/0000000256.json"]);
    let (index, _) = bucket.get(keys[0]).unwrap().unwrap();
    let index: Value = serde_json::from_slice(&index).unwrap();
    let mine = index["runs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "mine")
        .unwrap();
    assert_eq!(mine["chunks"].as_array().unwrap().len(), 1, "{mine:#}");
    // A decoy newer index that is no index: skipped, with a word.
    bucket
        .put_new(
            "runs/m/index/0000000300.json",
            b"{\"format\": 1}".to_vec().into(),
        )
        .unwrap();
    put_segment(
        &bucket,
        257,
        vec![RunEntry {
            params: params(&[("late", "1", "int")]),
            ..entry("alice", "h2", 1)
        }],
    );

    let (upstream, _) = crate::harness::s3_server().unwrap();
    let counter = crate::s3_proxy::LossyProxy::counting(&upstream, run_log_get);
    let mut fresh = env.colleague();
    fresh.endpoint = Some(counter.endpoint.clone());
    let out = fresh.run(&["runs", "-m", "m", "--all-users", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.says(&["runs/m/index/0000000300.json is damaged"]);
    assert!(
        !out.stderr.contains("log/"),
        "no segment is missing: {}",
        out.stderr
    );
    assert_eq!(counter.picked(), 1, "only segment 257 is read");
    let through_index = out.json();
    let whole_log = env.json(&["runs", "-m", "m", "--all-users"]);
    let strip = |listing: &Value| -> Vec<Value> {
        let mut runs: Vec<Value> = listing["runs"].as_array().unwrap().clone();
        for run in &mut runs {
            run["duration_seconds"] = Value::Null;
        }
        runs.sort_by_key(|r| r["name"].as_str().unwrap().to_string());
        runs
    };
    assert_eq!(strip(&through_index), strip(&whole_log));
    assert_eq!(run(&through_index, "h2")["params"]["late"]["value"], "1");
    let history = fresh.json(&["metrics", "-m", "m", "--run", "h64", "--user", "alice"]);
    assert_eq!(
        history["metrics"]["loss"].as_array().unwrap().len(),
        10,
        "points come through the index's chunks"
    );
    let owner = owner_of(&env);
    let mine = fresh.json(&["metrics", "-m", "m", "--run", "mine", "--user", &owner]);
    let values: Vec<f64> = mine["metrics"]["loss"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    let expected: Vec<f64> = (0..10).map(f64::from).collect();
    assert_eq!(values, expected, "the merged chunk holds every point");
}

#[test]
fn a_run_deleted_and_made_again_before_an_upload_is_kept() {
    let Some(env) = Env::s3() else { return };
    env.ok(&["log-metric", "-m", "m", "--run", "r", "loss=1"]);
    let mut waiting = Waiting::start(&env, &["log-metric", "-m", "m", "--run", "r", "loss=2"]);
    waiting.also(&env, &["runs", "delete", "-m", "m", "r", "--yes"]);
    waiting.also(&env, &["log-metric", "-m", "m", "--run", "r", "loss=3"]);
    let out = waiting.finish();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for machine in [&env, &env.colleague()] {
        let history = machine.json(&[
            "metrics",
            "-m",
            "m",
            "--run",
            "r",
            "--user",
            &owner_of(&env),
        ]);
        let points = &history["metrics"]["loss"];
        assert_eq!(points.as_array().unwrap().len(), 1, "{history:#}");
        assert_eq!(points[0]["value"], 3.0);
        assert_eq!(points[0]["step"], 0);
    }
}

#[test]
fn a_point_without_a_step_is_never_overwritten_by_one_with_a_step() {
    let Some(alice) = Env::s3() else { return };
    alice.ok(&["log-metric", "-m", "m", "--run", "r", "loss=0"]);
    let bob = alice.colleague();
    bob.ok(&["runs", "-m", "m", "--all-users"]);
    alice.write("mix.jsonl", "{\"loss\": 11}\n{\"step\": 2, \"loss\": 22}\n");
    let waiting = Waiting::start(
        &alice,
        &["log-metric", "-m", "m", "--run", "r", "--file", "mix.jsonl"],
    );
    let owner = owner_of(&alice);
    bob.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "--user",
        &owner,
        "loss=100",
    ]);
    let out = waiting.finish();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for machine in [&alice, &bob, &alice.colleague()] {
        let history = machine.json(&["metrics", "-m", "m", "--run", "r", "--user", &owner]);
        let mut values: Vec<f64> = history["metrics"]["loss"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["value"].as_f64().unwrap())
            .collect();
        values.sort_by(f64::total_cmp);
        assert_eq!(values, [0.0, 11.0, 22.0, 100.0], "{history:#}");
    }
}

#[test]
fn a_tracked_run_deleted_by_another_machine_ends_with_a_word_and_the_childs_code() {
    let Some(env) = center() else { return };
    let progress = env.work.join("progress");
    let progress_arg = progress.to_str().unwrap().to_string();
    let training = env
        .command(&[
            "track",
            "-m",
            "m",
            "--run",
            "doomed",
            "--",
            "python3",
            "-c",
            TRAINING,
            "120",
            &progress_arg,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::fs::read_to_string(&progress)
        .map_or(true, |t| t.trim().parse::<u64>().unwrap_or(0) < 20)
    {
        assert!(Instant::now() < deadline, "the training did not get going");
        std::thread::sleep(Duration::from_millis(20));
    }
    let owner = owner_of(&env);
    let other = env.colleague();
    let listed = || {
        other.json(&["runs", "-m", "m", "--all-users"])["runs"]
            .as_array()
            .unwrap()
            .len()
    };
    while listed() == 0 {
        assert!(
            Instant::now() < deadline,
            "the run never reached the bucket"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    other.ok(&[
        "runs", "delete", "-m", "m", "--user", &owner, "doomed", "--yes",
    ]);
    let out = training.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("was deleted by another machine while it ran"),
        "{stderr}"
    );
    assert!(!stderr.contains("catalog"), "{stderr}");
}

#[test]
fn a_deleted_last_segment_makes_a_cache_read_the_log_again() {
    let Some(alice) = Env::s3() else { return };
    for i in 1..=3 {
        alice.ok(&["log-metric", "-m", "m", "--run", "r", &format!("loss={i}")]);
    }
    let bob = alice.colleague();
    bob.ok(&["runs", "-m", "m", "--all-users"]);
    alice.bucket().delete(&log_key("m", 3)).unwrap();
    let out = bob.run(&["runs", "-m", "m", "--all-users", "--json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    out.says(&["0000000003.json was deleted or written again", "read again"]);
    let fresh = alice.colleague().json(&["runs", "-m", "m", "--all-users"]);
    let strip = |mut v: Value| {
        for run in v["runs"].as_array_mut().unwrap() {
            run["duration_seconds"] = Value::Null;
        }
        v
    };
    assert_eq!(strip(out.json()), strip(fresh));
}

#[test]
fn fresh_run_names_on_a_bucket_center_carry_a_random_tail() {
    let Some(env) = center() else { return };
    let track = ["track", "-m", "m", "--json", "--", "true"];
    let a = env.ok(&track).json();
    let b = env.colleague().ok(&track).json();
    let (a, b) = (a["run"].as_str().unwrap(), b["run"].as_str().unwrap());
    assert_ne!(a, b);
    for name in [a, b] {
        let tail = name.rsplit('-').next().unwrap();
        assert!(name.starts_with("run-") && tail.len() == 4, "{name}");
        assert!(tail.bytes().all(|c| c.is_ascii_hexdigit()), "{name}");
    }
}
