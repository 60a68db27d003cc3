//! Crash consistency: an import, pull, delete or metrics stream of random size is killed with
//! SIGKILL at a random moment, then run again; afterwards `verify` is clean, every stored file
//! has its md5, no partial file is visible in the center or a workspace, the catalog passes
//! `PRAGMA integrity_check`, and the re-run's result is exactly what the command asks for.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{Rng, damage, size};
use crate::harness::{Env, md5_hex, noise};

const VERSIONS: u64 = 3;
const WORKSPACES: u64 = 2;
const RUNS: u64 = 3;

enum Op {
    Import { version: u64 },
    Pull { version: u64, workspace: u64 },
    DeleteFile { version: u64, path: String },
    DeleteVersion { version: u64 },
    Metrics { run: u64, points: u64 },
}

impl Op {
    fn args(&self) -> Vec<String> {
        let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();
        match self {
            Op::Import { version } => s(&[
                "import",
                "src",
                "-m",
                "m",
                "--version",
                &format!("v{version}"),
                "--force",
                "-q",
            ]),
            Op::Pull { version, workspace } => s(&[
                "pull",
                "-m",
                "m",
                "--version",
                &format!("v{version}"),
                "--to",
                &format!("ws{workspace}"),
                "--force",
                "-q",
            ]),
            Op::DeleteFile { version, path } => s(&[
                "delete",
                "-m",
                "m",
                "--version",
                &format!("v{version}"),
                path,
                "--ignore-missing",
                "-q",
            ]),
            Op::DeleteVersion { version } => s(&[
                "delete",
                "-m",
                "m",
                "--version",
                &format!("v{version}"),
                "--all",
                "--yes",
                "-q",
            ]),
            Op::Metrics { run, .. } => s(&[
                "log-metric",
                "-m",
                "m",
                "--run",
                &format!("r{run}"),
                "--file",
                "-",
                "-q",
            ]),
        }
    }

    fn name(&self) -> &'static str {
        match self {
            Op::Import { .. } => "import",
            Op::Pull { .. } => "pull",
            Op::DeleteFile { .. } => "delete file",
            Op::DeleteVersion { .. } => "delete version",
            Op::Metrics { .. } => "metrics stream",
        }
    }

    /// The points a metrics stream sends: step i has loss = i / 7 (so a re-run rewrites the
    /// same values, and a check can tell every point).
    fn stdin(&self) -> Option<String> {
        match self {
            Op::Metrics { points, .. } => Some(
                (0..*points)
                    .map(|i| format!("{{\"step\": {i}, \"loss\": {}}}\n", i as f64 / 7.0))
                    .collect(),
            ),
            _ => None,
        }
    }
}

fn start(env: &Env, op: &Op) -> Child {
    let args = op.args();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut child = env
        .command(&args)
        .stdin(if op.stdin().is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start mfile");
    if let (Some(text), Some(mut stdin)) = (op.stdin(), child.stdin.take()) {
        // A killed reader closes the pipe; the write error is expected then.
        std::thread::spawn(move || {
            let _ = stdin.write_all(text.as_bytes());
        });
    }
    child
}

/// The source folder: one file big enough to be killed mid-copy, and small ones in folders.
fn make_source(env: &Env, rng: &mut Rng) {
    env.write("src/weights.bin", noise(6 << 20, rng.next()));
    for i in 0..24 {
        let len = 1 + rng.below(48 << 10) as usize;
        env.write(
            &format!("src/part{}/{i}.bin", i % 3),
            noise(len, rng.next()),
        );
    }
}

/// md5 of every file in `src`, by path.
fn source_md5s(env: &Env) -> BTreeMap<String, String> {
    env.tree(&env.work.join("src"))
        .into_iter()
        .map(|p| {
            let bytes = std::fs::read(env.work.join("src").join(&p)).expect("read source");
            (p, md5_hex(&bytes))
        })
        .collect()
}

fn stored_md5s(env: &Env, version: u64) -> BTreeMap<String, String> {
    let run = env.run(&[
        "scan",
        "-m",
        "m",
        "--version",
        &format!("v{version}"),
        "--json",
    ]);
    if run.code != 0 {
        return BTreeMap::new();
    }
    run.json()["files"]
        .as_array()
        .map(|files| {
            files
                .iter()
                .map(|f| {
                    (
                        f["path"].as_str().unwrap_or("").to_string(),
                        f["md5"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// What must hold after the re-run of `op`, beyond the general checks.
fn outcome(env: &Env, op: &Op) -> Option<String> {
    match op {
        Op::Import { version } => {
            let (want, got) = (source_md5s(env), stored_md5s(env, *version));
            (want != got).then(|| {
                format!(
                    "v{version} holds {} files, not the {} of src (or other content)",
                    got.len(),
                    want.len()
                )
            })
        }
        Op::Pull { version, workspace } => {
            let want = stored_md5s(env, *version);
            let ws: PathBuf = env.work.join(format!("ws{workspace}"));
            let bad: Vec<&String> = want
                .iter()
                .filter(|(path, md5)| {
                    std::fs::read(ws.join(path))
                        .map(|b| md5_hex(&b))
                        .ok()
                        .as_ref()
                        != Some(*md5)
                })
                .map(|(path, _)| path)
                .collect();
            (!bad.is_empty()).then(|| format!("ws{workspace} differs from v{version} at {bad:?}"))
        }
        Op::DeleteFile { version, path } => stored_md5s(env, *version)
            .contains_key(path)
            .then(|| format!("{path} is still in v{version}")),
        Op::DeleteVersion { version } => {
            let run = env.run(&["scan", "-m", "m", "--version", &format!("v{version}")]);
            (run.code == 0).then(|| format!("v{version} still exists"))
        }
        Op::Metrics { run, points } => {
            let out = env.run(&[
                "metrics",
                "-m",
                "m",
                "--run",
                &format!("r{run}"),
                "--key",
                "loss",
                "--json",
            ]);
            let doc: Value = serde_json::from_str(&out.stdout).unwrap_or(Value::Null);
            let got = doc["metrics"]["loss"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            // Earlier iterations may have sent longer streams to the same run; these must all be right.
            let wrong = (0..*points as usize).find(|&i| {
                got.get(i).is_none_or(|p| {
                    p["step"] != i as i64 || p["value"].as_f64() != Some(i as f64 / 7.0)
                })
            });
            wrong.map(|i| format!("r{run} lacks or misstates step {i} of {points}"))
        }
    }
}

#[test]
fn killed_commands_rerun_to_a_verified_state() {
    let iterations = size(30, 200);
    let mut rng = Rng::new("crash");
    let env = Env::new();
    make_source(&env, &mut rng);
    let mut failures: Vec<String> = Vec::new();
    let mut killed_midway = 0;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for iteration in 0..iterations {
        let version = rng.below(VERSIONS);
        let op = match rng.below(5) {
            0 | 1 => {
                if rng.below(3) == 0 {
                    // new content for one small file, so imports write something
                    let i = rng.below(24);
                    env.write(
                        &format!("src/part{}/{i}.bin", i % 3),
                        noise(1 + rng.below(48 << 10) as usize, rng.next()),
                    );
                }
                Op::Import { version }
            }
            2 => Op::Pull {
                version,
                workspace: rng.below(WORKSPACES),
            },
            3 if rng.below(4) == 0 => Op::DeleteVersion { version },
            3 => {
                let i = rng.below(24);
                Op::DeleteFile {
                    version,
                    path: format!("part{}/{i}.bin", i % 3),
                }
            }
            _ => Op::Metrics {
                run: rng.below(RUNS),
                points: 1 + rng.below(5000),
            },
        };
        // Pulling or deleting in a version that doesn't exist would only test the error path.
        if matches!(
            op,
            Op::Pull { .. } | Op::DeleteFile { .. } | Op::DeleteVersion { .. }
        ) && env
            .run(&["scan", "-m", "m", "--version", &format!("v{version}")])
            .code
            != 0
        {
            env.ok(&[
                "import",
                "src",
                "-m",
                "m",
                "--version",
                &format!("v{version}"),
                "-q",
            ]);
        }
        *counts.entry(op.name()).or_default() += 1;

        let mut child = start(&env, &op);
        std::thread::sleep(Duration::from_millis(rng.below(30)));
        if child.try_wait().expect("poll").is_none() {
            killed_midway += 1;
        }
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();

        let mut rerun = start(&env, &op);
        let status = rerun.wait().expect("re-run");
        let mut problems = Vec::new();
        let already_gone = |stderr: &str| {
            matches!(op, Op::DeleteVersion { .. }) && stderr.contains("has no version")
        };
        if !status.success() {
            let mut stderr = String::new();
            if let Some(mut pipe) = rerun.stderr.take() {
                let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
            }
            // deleting a version the killed run had already deleted is exit 1 by contract
            if !(status.code() == Some(1) && already_gone(&stderr)) {
                problems.push(format!("the re-run exited {status}: {stderr}"));
            }
        }
        let workspaces: Vec<PathBuf> = (0..WORKSPACES)
            .map(|w| env.work.join(format!("ws{w}")))
            .collect();
        let workspaces: Vec<&std::path::Path> = workspaces.iter().map(PathBuf::as_path).collect();
        problems.extend(damage(&env, &workspaces));
        problems.extend(outcome(&env, &op));
        for problem in problems {
            failures.push(format!("iteration {iteration} ({}): {problem}", op.name()));
        }
    }
    eprintln!(
        "stress: crash: {iterations} iterations ({counts:?}), {killed_midway} killed while running, {} failures",
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
