//! Concurrency: 16 processes at a time mixing import (same and different versions), delete,
//! scan, pull, log-metric and runs on one center. Afterwards every acknowledged write is there,
//! every acknowledged delete is gone, nothing unacknowledged is present, and no command saw
//! "database is locked".

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::common::{Rng, damage, size};
use crate::harness::{Env, md5_hex, noise};

const WORKERS: usize = 16;
const VERSIONS: usize = 4;

/// What to record when a command succeeds.
type Ack = Box<dyn FnOnce(&mut Ledger)>;

#[derive(Default)]
struct Ledger {
    /// (version, path) → md5 of every acknowledged import not deleted since.
    files: BTreeMap<(String, String), String>,
    deleted: BTreeSet<(String, String)>,
    /// (run, step) of every acknowledged metric point.
    points: BTreeSet<(String, i64)>,
    commands: BTreeMap<&'static str, usize>,
    failures: Vec<String>,
}

fn worker(env: &Env, w: usize, seed: u64, deadline: Instant, ledger: &Mutex<Ledger>) {
    let mut rng = Rng::seeded(seed);
    let version = format!("own-{}", w % VERSIONS);
    let mut mine: Vec<String> = Vec::new();
    let mut step = 0;
    let mut k = 0;
    while Instant::now() < deadline {
        k += 1;
        let (kind, args, ack): (&'static str, Vec<String>, Ack) = match rng.below(8) {
            0 | 1 => {
                let path = format!("w{w}/f{k}.bin");
                let data = noise(1 + rng.below(64 << 10) as usize, rng.next());
                let md5 = md5_hex(&data);
                env.write(&format!("own/{path}"), &data);
                let key = (version.clone(), path.clone());
                mine.push(path.clone());
                let args = vec![
                    "import".into(),
                    format!("own/{path}"),
                    "-m".into(),
                    "m".into(),
                    "--version".into(),
                    version.clone(),
                    "--subdir".into(),
                    format!("w{w}"),
                    "-q".into(),
                ];
                (
                    "import",
                    args,
                    Box::new(move |l: &mut Ledger| {
                        l.files.insert(key, md5);
                    }),
                )
            }
            2 => {
                // every worker imports the same bytes to the same path of one shared version
                let args = [
                    "import",
                    "common.bin",
                    "-m",
                    "m",
                    "--version",
                    "shared",
                    "-q",
                ]
                .map(String::from)
                .to_vec();
                let key = ("shared".to_string(), "common.bin".to_string());
                let md5 = md5_hex(&noise(100_000, 42));
                (
                    "import shared",
                    args,
                    Box::new(move |l: &mut Ledger| {
                        l.files.insert(key, md5);
                    }),
                )
            }
            3 if !mine.is_empty() => {
                let path = mine.swap_remove(rng.below(mine.len() as u64) as usize);
                let key = (version.clone(), path.clone());
                let args = vec![
                    "delete".into(),
                    "-m".into(),
                    "m".into(),
                    "--version".into(),
                    version.clone(),
                    path,
                    "-q".into(),
                ];
                (
                    "delete",
                    args,
                    Box::new(move |l: &mut Ledger| {
                        l.files.remove(&key);
                        l.deleted.insert(key);
                    }),
                )
            }
            4 => (
                "scan",
                ["scan", "-m", "m", "--json"].map(String::from).to_vec(),
                Box::new(|_: &mut Ledger| {}),
            ),
            5 => {
                // a version others are importing into and deleting from, or the shared one
                let from = match rng.below(VERSIONS as u64 + 1) {
                    0 => "shared".to_string(),
                    n => format!("own-{}", n - 1),
                };
                let args = vec![
                    "pull".into(),
                    "-m".into(),
                    "m".into(),
                    "--version".into(),
                    from.clone(),
                    "--to".into(),
                    format!("pulls/w{w}/{from}"),
                    "--force".into(),
                    "-q".into(),
                ];
                ("pull", args, Box::new(|_: &mut Ledger| {}))
            }
            6 => {
                step += 1;
                let (run, at) = (format!("w{w}"), step);
                let args = vec![
                    "log-metric".into(),
                    "-m".into(),
                    "m".into(),
                    "--run".into(),
                    run.clone(),
                    "--step".into(),
                    at.to_string(),
                    format!("loss={at}"),
                    "-q".into(),
                ];
                (
                    "log-metric",
                    args,
                    Box::new(move |l: &mut Ledger| {
                        l.points.insert((run, at));
                    }),
                )
            }
            _ => (
                "runs",
                ["runs", "--all-users", "--json"].map(String::from).to_vec(),
                Box::new(|_: &mut Ledger| {}),
            ),
        };
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = env.run(&args);
        let mut ledger = ledger.lock().unwrap();
        *ledger.commands.entry(kind).or_default() += 1;
        if run.code == 0 {
            ack(&mut ledger);
        } else {
            ledger.failures.push(format!(
                "worker {w}: mfile {} exited {}: {}",
                args.join(" "),
                run.code,
                run.stderr
            ));
        }
        if run.stderr.contains("locked") || run.stderr.contains("busy") {
            ledger
                .failures
                .push(format!("worker {w}: lock error: {}", run.stderr));
        }
    }
}

#[test]
fn sixteen_processes_lose_nothing() {
    let seconds = size(4, 30) as u64;
    let mut rng = Rng::new("concurrency");
    let env = Env::new();
    env.write("common.bin", noise(100_000, 42));
    // The versions exist before the pulls start.
    env.ok(&[
        "import",
        "common.bin",
        "-m",
        "m",
        "--version",
        "shared",
        "-q",
    ]);
    for v in 0..VERSIONS {
        env.ok(&[
            "register",
            "-m",
            "m",
            "--version",
            &format!("own-{v}"),
            "-q",
        ]);
    }
    let ledger = Mutex::new(Ledger::default());
    let deadline = Instant::now() + Duration::from_secs(seconds);
    std::thread::scope(|scope| {
        for w in 0..WORKERS {
            let seed = rng.next();
            let (env, ledger) = (&env, &ledger);
            scope.spawn(move || worker(env, w, seed, deadline, ledger));
        }
    });
    let mut ledger = ledger.into_inner().unwrap();

    let stored: BTreeMap<(String, String), String> = env.json(&["scan", "-m", "m"])["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let key = (
                f["version"].as_str().unwrap().to_string(),
                f["path"].as_str().unwrap().to_string(),
            );
            (key, f["md5"].as_str().unwrap().to_string())
        })
        .collect();
    for (key, md5) in &ledger.files {
        if stored.get(key) != Some(md5) {
            ledger
                .failures
                .push(format!("acknowledged import {key:?} is missing or differs"));
        }
    }
    for key in stored.keys() {
        if !ledger.files.contains_key(key) {
            ledger.failures.push(format!(
                "{key:?} is stored but no command that succeeded put it there"
            ));
        }
    }
    for key in &ledger.deleted {
        if stored.contains_key(key) {
            ledger
                .failures
                .push(format!("acknowledged delete {key:?} is still stored"));
        }
    }
    let runs = env.json(&["runs", "-m", "m", "--all-users"]);
    let mut counts: BTreeMap<String, u64> = BTreeMap::new();
    for (run, _) in &ledger.points {
        *counts.entry(run.clone()).or_default() += 1;
    }
    for (run, count) in &counts {
        let listed = runs["runs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == run.as_str());
        let got = listed.and_then(|r| r["metrics"]["loss"]["count"].as_u64());
        if got != Some(*count) {
            ledger.failures.push(format!(
                "run {run}: {count} acknowledged points, {got:?} recorded"
            ));
        }
    }
    ledger
        .failures
        .extend(damage(&env, &[env.work.join("pulls").as_path()]));

    let total: usize = ledger.commands.values().sum();
    eprintln!(
        "stress: concurrency: {WORKERS} processes for {seconds} s, {total} commands ({:?}), {} files and {} points acknowledged, {} failures",
        ledger.commands,
        ledger.files.len(),
        ledger.points.len(),
        ledger.failures.len()
    );
    assert!(ledger.failures.is_empty(), "{}", ledger.failures.join("\n"));
}
