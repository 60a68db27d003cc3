use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::harness::{Env, KillOnDrop, run_refs};

/// The JSON history of one run's metric; empty while the run or key does not exist yet.
fn history(env: &Env, run: &str, key: &str) -> Vec<(i64, Value)> {
    let run = env.run(&["metrics", "-m", "m", "--run", run, "--key", key, "--json"]);
    if run.code != 0 {
        return Vec::new();
    }
    let doc = run.json();
    doc["metrics"][key]
        .as_array()
        .map(|points| {
            points
                .iter()
                .map(|p| (p["step"].as_i64().unwrap(), p["value"].clone()))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls (bounded) until `ready`; a live-ingest test must not hang when ingest is broken.
fn eventually(limit: Duration, mut ready: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[test]
fn params_are_write_once() {
    let env = Env::new();
    let doc = env.json(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r1",
        "lr=0.001",
        "batch=32",
        "opt=adam",
        "warm=true",
    ]);
    let kinds: Vec<(&str, &str)> = doc["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["key"].as_str().unwrap(), p["kind"].as_str().unwrap()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("batch", "int"),
            ("lr", "float"),
            ("opt", "string"),
            ("warm", "bool")
        ]
    );
    let again = env.json(&["log-param", "-m", "m", "--run", "r1", "lr=0.0010"]);
    assert_eq!(again["params"][0]["status"], "unchanged");
    env.expect(
        1,
        &["log-param", "-m", "m", "--run", "r1", "lr=0.01", "new=1"],
    )
    .says(&["write-once", "lr: is 0.001, can't become 0.01"]);
    let runs = env.json(&["runs", "-m", "m"]);
    assert!(
        runs["runs"][0]["params"].get("new").is_none(),
        "nothing of a refused call is kept"
    );
}

/// A sweep launcher starting its jobs together: each `log-param --new` and each `track`
/// without `--run` gets a run of its own (6 such tracks used to make 3 runs).
#[test]
fn runs_made_afresh_at_once_get_a_name_each() {
    let env = Env::new();
    let spawn = |args: &[&str]| env.command(args).stdout(Stdio::piped()).spawn().unwrap();
    let jobs: Vec<String> = (0..6).map(|i| format!("job={i}")).collect();
    let params: Vec<_> = jobs
        .iter()
        .map(|job| {
            spawn(&[
                "log-param",
                "-m",
                "m",
                "--run",
                "sweep",
                "--new",
                "--json",
                job,
            ])
        })
        .collect();
    let tracks: Vec<_> = (0..6)
        .map(|_| spawn(&["track", "-m", "m", "-q", "--", "true"]))
        .collect();
    let mut made: Vec<String> = params
        .into_iter()
        .map(|child| {
            let out = child.wait_with_output().unwrap();
            assert!(out.status.success());
            let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
            doc["run"].as_str().unwrap().to_string()
        })
        .collect();
    for child in tracks {
        assert!(child.wait_with_output().unwrap().status.success());
    }
    made.sort();
    assert_eq!(
        made,
        [
            "sweep", "sweep-2", "sweep-3", "sweep-4", "sweep-5", "sweep-6"
        ]
    );
    let runs = env.json(&["runs", "-m", "m"]);
    let runs = runs["runs"].as_array().unwrap();
    let mut job_values: Vec<&str> = runs
        .iter()
        .filter_map(|r| r["params"]["job"]["value"].as_str())
        .collect();
    job_values.sort();
    assert_eq!(
        job_values,
        ["0", "1", "2", "3", "4", "5"],
        "a job's params in its own run"
    );
    let tracked = runs
        .iter()
        .filter(|r| r["name"].as_str().unwrap().starts_with("run-"))
        .count();
    assert_eq!(tracked, 6, "a run per track");

    // a taken name, one at a time: the next free; no params is fine with --new
    let next = env.json(&["log-param", "-m", "m", "--run", "sweep", "--new"]);
    assert_eq!(next["run"], "sweep-7");
    env.expect(2, &["log-param", "-m", "m", "--run", "sweep"])
        .says(&["no params given"]);
}

#[test]
fn params_from_a_json_file() {
    let env = Env::new();
    env.write(
        "params.json",
        r#"{"lr": 0.1, "layers": 4, "name": "wide", "dropout": false}"#,
    );
    env.ok(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r",
        "--file",
        "params.json",
    ]);
    let doc = env.json(&["runs", "-m", "m"]);
    let params = &doc["runs"][0]["params"];
    assert_eq!(params["lr"]["value"], "0.1");
    assert_eq!(params["layers"]["kind"], "int");
    assert_eq!(params["dropout"]["value"], "false");
    env.write("nested.json", r#"{"opt": {"name": "adam"}}"#);
    env.expect(
        2,
        &[
            "log-param",
            "-m",
            "m",
            "--run",
            "r",
            "--file",
            "nested.json",
        ],
    )
    .says(&["flat object"]);
}

#[test]
fn metric_arguments_take_a_step_or_continue_each_key() {
    let env = Env::new();
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "loss=1.5",
        "acc=0.25",
    ]);
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "loss=0.123456789012345678",
    ]);
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "--step",
        "10",
        "loss=-inf",
        "acc=nan",
    ]);
    assert_eq!(
        history(&env, "r", "loss"),
        [
            (0, 1.5.into()),
            (1, 0.12345678901234568.into()),
            (10, "-Infinity".into())
        ]
    );
    assert_eq!(
        history(&env, "r", "acc"),
        [(0, 0.25.into()), (10, "NaN".into())]
    );
    for bad in ["loss=abc", "loss=", "loss=1e999", "=1", "loss"] {
        env.expect(2, &["log-metric", "-m", "m", "--run", "r", "acc=1", bad]);
    }
    assert_eq!(
        history(&env, "r", "acc").len(),
        2,
        "a refused call records nothing"
    );
}

#[test]
fn steps_never_wrap_and_out_of_range_steps_are_refused() {
    let env = Env::new();
    fn log<'a>(args: &[&'a str]) -> Vec<&'a str> {
        let mut all = vec!["log-metric", "-m", "m", "--run", "r"];
        all.extend_from_slice(args);
        all
    }
    let highest = "9007199254740991";
    env.ok(&log(&["--step", highest, "x=2"]));
    // Each of these would have wrapped to i64::MIN and overwritten the last point.
    for value in ["x=3", "x=4"] {
        env.expect(2, &log(&[value]))
            .says(&["x is at step 9007199254740991"]);
    }
    for step in [
        "9007199254740992",
        "9223372036854775807",
        "-9223372036854775808",
    ] {
        env.expect(2, &log(&["--step", step, "x=5"]));
    }
    assert_eq!(history(&env, "r", "x"), [(9007199254740991, 2.0.into())]);
    let lines = env.write(
        "steps.jsonl",
        "{\"step\": 1e19, \"y\": 1}\n{\"step\": -1e300, \"y\": 2}\n",
    );
    // Like any bad line of a log: reported with its line number and skipped (exit 1).
    env.expect(1, &log(&["--file", lines.to_str().unwrap()]))
        .says(&[
            "line 1 skipped: step 1e+19 is out of range",
            "line 2 skipped",
        ]);
    assert!(history(&env, "r", "y").is_empty(), "no step was clamped");
}

#[test]
fn json_lines_skip_bad_lines_and_report_them() {
    let env = Env::new();
    env.write(
        "log.jsonl",
        "{\"step\": 1, \"loss\": 0.5}\n{\"loss\": NaN}\nnot json\n{\"loss\": \"abc\"}\n[1]\n\n{\"epoch\": 7, \"loss\": Infinity}\n",
    );
    env.expect(
        1,
        &["log-metric", "-m", "m", "--run", "r", "--file", "log.jsonl"],
    )
    .says(&[
        "line 3 skipped",
        "line 4 skipped: loss: 'abc' is not a number",
        "line 5 skipped",
        "3 bad lines",
    ]);
    assert_eq!(
        history(&env, "r", "loss"),
        [(1, 0.5.into()), (2, "NaN".into()), (7, "Infinity".into())]
    );

    env.expect(
        2,
        &[
            "log-metric",
            "-m",
            "m",
            "--run",
            "strict",
            "--file",
            "log.jsonl",
            "--strict",
        ],
    )
    .says(&["line 3", "the lines before it were recorded"]);
    assert_eq!(
        history(&env, "strict", "loss").len(),
        2,
        "lines before the bad one are kept, none after"
    );
}

#[test]
fn keras_and_lightning_csv_logs() {
    let env = Env::new();
    env.write("keras.csv", "epoch,accuracy,loss\n0,0.5,1.25\n1,0.75,0.5\n");
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "keras",
        "--file",
        "keras.csv",
    ]);
    assert_eq!(
        history(&env, "keras", "accuracy"),
        [(0, 0.5.into()), (1, 0.75.into())]
    );
    env.write(
        "metrics.csv",
        "epoch,step,train_loss,val_loss\n0,49,0.9,\n0,99,0.7,0.8\n1,149,0.6,\n1,199,oops,\n",
    );
    env.expect(
        1,
        &[
            "log-metric",
            "-m",
            "m",
            "--run",
            "pl",
            "--file",
            "metrics.csv",
        ],
    )
    .says(&["line 5 skipped: train_loss"]);
    assert_eq!(
        history(&env, "pl", "train_loss"),
        [(49, 0.9.into()), (99, 0.7.into()), (149, 0.6.into())]
    );
    assert_eq!(
        history(&env, "pl", "val_loss"),
        [(99, 0.8.into())],
        "empty cells are skipped"
    );
    env.write("ragged.csv", "epoch,loss\n0,1,2\n");
    env.expect(
        1,
        &[
            "log-metric",
            "-m",
            "m",
            "--run",
            "rg",
            "--file",
            "ragged.csv",
        ],
    )
    .says(&["3 cells where the header has 2"]);
}

/// The metric keys a run has, from `metrics --json`.
fn metric_keys(env: &Env, run: &str) -> Vec<String> {
    let doc = env.json(&["metrics", "-m", "m", "--run", run]);
    doc["metrics"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn a_csv_log_saved_by_excel_keeps_its_step_column() {
    // Excel's "CSV UTF-8" starts the file with a BOM; before the csv parser the header cell
    // read `\u{feff}step`, so the step was recorded as a metric and the rows got no step.
    let env = Env::new();
    env.write("excel.csv", "\u{feff}step,loss\r\n5,1.5\r\n6,0.5\r\n");
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "xl",
        "--file",
        "excel.csv",
    ]);
    assert_eq!(metric_keys(&env, "xl"), ["loss"]);
    assert_eq!(
        history(&env, "xl", "loss"),
        [(5, 1.5.into()), (6, 0.5.into())]
    );
}

#[test]
fn a_json_lines_log_saved_with_a_bom() {
    let env = Env::new();
    for (run, file) in [("named", "log.jsonl"), ("guessed", "log.txt")] {
        env.write(
            file,
            "\u{feff}{\"step\": 3, \"loss\": 0.5}\r\n{\"step\": 4, \"loss\": 0.25}\n",
        );
        env.ok(&["log-metric", "-m", "m", "--run", run, "--file", file]);
        assert_eq!(
            history(&env, run, "loss"),
            [(3, 0.5.into()), (4, 0.25.into())],
            "{file}"
        );
    }
}

#[test]
fn a_csv_log_with_crlf_line_ends() {
    let env = Env::new();
    env.write("win.csv", "epoch,acc\r\n0,0.25\r\n\r\n1,0.5\r\n");
    env.ok(&["log-metric", "-m", "m", "--run", "w", "--file", "win.csv"]);
    assert_eq!(metric_keys(&env, "w"), ["acc"]);
    assert_eq!(
        history(&env, "w", "acc"),
        [(0, 0.25.into()), (1, 0.5.into())]
    );
}

#[test]
fn csv_keys_and_cells_may_be_quoted() {
    let env = Env::new();
    env.write(
        "quoted.csv",
        "step,\"val,loss\",\"say \"\"hi\"\"\"\n\"1\",\"0.5\",2\n2,\"0.25\",\"3\"\n",
    );
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "q",
        "--file",
        "quoted.csv",
    ]);
    assert_eq!(metric_keys(&env, "q"), ["say \"hi\"", "val,loss"]);
    assert_eq!(
        history(&env, "q", "val,loss"),
        [(1, 0.5.into()), (2, 0.25.into())]
    );
    assert_eq!(
        history(&env, "q", "say \"hi\""),
        [(1, 2.0.into()), (2, 3.0.into())]
    );
}

#[test]
fn an_unclosed_csv_quote_names_the_line_it_opened_on() {
    let env = Env::new();
    env.write("open.csv", "step,loss\n0,1\n1,\"0.5\n2,0.25\n");
    env.expect(
        2,
        &[
            "log-metric",
            "-m",
            "m",
            "--run",
            "o",
            "--file",
            "open.csv",
            "--strict",
        ],
    )
    .says(&[
        "line 3: an unclosed quote: lines 3-4 are one unfinished record",
        "the lines before it were recorded",
    ]);
    assert_eq!(history(&env, "o", "loss"), [(0, 1.0.into())]);
}

#[test]
fn a_stray_csv_quote_costs_a_bounded_stretch_of_lines_not_the_rest_of_the_log() {
    let env = Env::new();
    let mut log = String::from("step,loss\n0,1\n1,\"0.5\n");
    for step in 2..1500 {
        log.push_str(&format!("{step},0.25\n"));
    }
    env.write("stray.csv", &log);
    let run = env.expect(
        1,
        &["log-metric", "-m", "m", "--run", "s", "--file", "stray.csv"],
    );
    run.says(&["line 1003 skipped: an unclosed quote: lines 3-1003 were read as one record"]);
    let steps: Vec<i64> = history(&env, "s", "loss")
        .iter()
        .map(|(step, _)| *step)
        .collect();
    let expected: Vec<i64> = std::iter::once(0).chain(1002..1500).collect();
    assert_eq!(
        steps, expected,
        "step 0, then every line after the dropped stretch"
    );
}

#[test]
fn a_refused_csv_header_refuses_the_rows_not_makes_one_the_header() {
    let env = Env::new();
    env.write("bad.csv", "step,val=loss\n1,0.5\n2,0.25\n3,0.125\n");
    let run = env.expect(
        1,
        &["log-metric", "-m", "m", "--run", "h", "--file", "bad.csv"],
    );
    run.says(&[
        "line 1 skipped: invalid key 'val=loss'",
        "line 4 skipped: not read: the header was refused",
        "recorded 0 points",
    ]);
}

#[test]
fn stdin_points_are_visible_while_the_stream_is_open() {
    let env = Env::new();
    env.ok(&["log-param", "-m", "m", "--run", "live", "lr=1"]);
    let mut child = KillOnDrop(
        env.command(&["log-metric", "-m", "m", "--run", "live", "--file", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut stdin = child.0.stdin.take().unwrap();
    writeln!(stdin, "{{\"loss\": 0.9}}").unwrap();
    writeln!(stdin, "{{\"loss\": 0.8}}").unwrap();
    stdin.flush().unwrap();
    assert!(
        eventually(Duration::from_secs(10), || history(&env, "live", "loss")
            .len()
            == 2),
        "points did not reach the catalog while the stream was open"
    );
    drop(stdin);
    assert!(child.0.wait().unwrap().success());
}

#[test]
fn follow_records_a_growing_log_until_ctrl_c() {
    let env = Env::new();
    let log = env.write("train.csv", "epoch,loss\n0,1.0\n");
    let mut child = KillOnDrop(
        env.command(&[
            "log-metric",
            "-m",
            "m",
            "--run",
            "f",
            "--file",
            "train.csv",
            "--follow",
        ])
        .spawn()
        .unwrap(),
    );
    assert!(eventually(Duration::from_secs(10), || history(
        &env, "f", "loss"
    )
    .len()
        == 1));
    let mut file = std::fs::OpenOptions::new().append(true).open(&log).unwrap();
    file.write_all(b"1,0.5\n2,0.2").unwrap(); // the last line is still being written
    assert!(eventually(Duration::from_secs(10), || history(
        &env, "f", "loss"
    )
    .len()
        == 2));
    file.write_all(b"5\n").unwrap();
    assert!(eventually(Duration::from_secs(10), || history(
        &env, "f", "loss"
    )
    .len()
        == 3));
    // SAFETY: sends SIGINT (Ctrl-C) to our own child process.
    unsafe { libc::kill(child.0.id() as i32, libc::SIGINT) };
    assert_eq!(child.0.wait().unwrap().code(), Some(130));
    assert_eq!(
        history(&env, "f", "loss").last().unwrap(),
        &(2, 0.25.into())
    );
}

#[test]
fn track_passes_output_through_and_records_the_run() {
    let env = Env::new();
    let script = "print('hello'); import json, sys\n\
                  [print(json.dumps({'epoch': e, 'loss': 1/(e+1)}), flush=True) for e in range(3)]\n\
                  print('{not metrics'); sys.exit(3)";
    let run = env.expect(
        3,
        &[
            "track", "-m", "m", "--run", "t", "--param", "lr=0.1", "--", "python3", "-c", script,
        ],
    );
    assert_eq!(
        run.stdout,
        "hello\n{\"epoch\": 0, \"loss\": 1.0}\n{\"epoch\": 1, \"loss\": 0.5}\n{\"epoch\": 2, \"loss\": 0.3333333333333333}\n{not metrics\n"
    );
    run.says(&["exited with code 3", "line 5 not recorded"]);
    let doc = env.json(&["runs", "-m", "m"]);
    let r = &doc["runs"][0];
    assert_eq!(r["name"], "t");
    assert_eq!(r["status"], "failed");
    assert_eq!(r["exit_code"], 3);
    assert_eq!(r["command"][0], "python3");
    assert_eq!(r["params"]["lr"]["value"], "0.1");
    assert_eq!(r["metrics"]["loss"]["count"], 3);
    assert_eq!(r["metrics"]["loss"]["best"], 1.0 / 3.0);
    assert!(r["ended_at"].is_string());

    env.ok(&["track", "-m", "m", "--run", "ok", "--", "true"]);
    assert_eq!(
        env.json(&["runs", "-m", "m", "--status", "finished"])["runs"][0]["name"],
        "ok"
    );
    env.expect(1, &["track", "-m", "m", "--run", "ok", "--", "true"])
        .says(&["already exists"]);
    env.expect(1, &["track", "-m", "m", "--", "no-such-command-here"])
        .says(&["could not start"]);
}

/// docs/tracking.md: `track` takes over an existing run that is still `running` and that no
/// `track` ran, whichever command made it; an ended run is refused.
#[test]
fn track_takes_over_a_running_run_that_no_track_ran() {
    let env = Env::new();
    env.ok(&["log-metric", "-m", "m", "--run", "early", "warmup=1"]);
    env.ok(&["log-param", "-m", "m", "--run", "params", "lr=0.1"]);
    for run in ["early", "params"] {
        env.ok(&["track", "-m", "m", "--run", run, "--", "true"]);
    }
    let doc = env.json(&["runs", "-m", "m"]);
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 2);
    for r in runs {
        assert_eq!(r["status"], "finished", "{r}");
        assert_eq!(r["command"][0], "true", "{r}");
    }
    let early = runs.iter().find(|r| r["name"] == "early").unwrap();
    assert_eq!(early["metrics"]["warmup"]["count"], 1);

    env.ok(&["log-param", "-m", "m", "--run", "ended", "lr=0.1"]);
    env.ok(&[
        "runs", "end", "-m", "m", "--run", "ended", "--status", "failed",
    ]);
    env.expect(1, &["track", "-m", "m", "--run", "ended", "--", "true"])
        .says(&["run ended of m already exists (failed)"]);
}

#[test]
fn each_user_sees_their_own_runs() {
    let env = Env::new();
    let as_user = |user: &str, args: &[&str]| {
        let output = env.command(args).env("MFILE_USER", user).output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<Value>(&output.stdout).unwrap_or(Value::Null)
    };
    as_user("alice", &["log-param", "-m", "m", "--run", "r1", "lr=1"]);
    as_user("bob", &["log-param", "-m", "m", "--run", "r1", "lr=2"]);
    as_user("bob", &["log-metric", "-m", "m", "--run", "r1", "loss=0.5"]);
    let names = run_refs;
    assert_eq!(names(&as_user("alice", &["runs", "--json"])), ["alice/r1"]);
    let mut all = names(&as_user("alice", &["runs", "--all-users", "--json"]));
    all.sort();
    assert_eq!(all, ["alice/r1", "bob/r1"]);
    let compare = as_user("alice", &["compare", "-m", "m", "r1", "bob/r1", "--json"]);
    assert_eq!(compare["runs"], serde_json::json!(["alice/r1", "bob/r1"]));
    assert_eq!(compare["params"][0]["changed"], true);
    assert_eq!(names(&as_user("carol", &["runs", "--json"])).len(), 0);
    env.command(&["metrics", "-m", "m", "--run", "r1"])
        .env("MFILE_USER", "carol")
        .status()
        .map(|s| assert_eq!(s.code(), Some(1)))
        .unwrap();
}

#[test]
fn changed_params_compare_every_run_with_every_other() {
    let env = Env::new();
    for (run, lr, opt) in [
        ("a", "0.1", "adam"),
        ("b", "0.1", "adam"),
        ("c", "0.1", "sgd"),
    ] {
        env.ok(&[
            "log-param",
            "-m",
            "m",
            "--run",
            run,
            &format!("lr={lr}"),
            &format!("opt={opt}"),
        ]);
    }
    env.ok(&["log-param", "-m", "m", "--run", "c", "extra=1"]);
    let doc = env.json(&["runs", "-m", "m"]);
    assert_eq!(doc["changed_params"], serde_json::json!(["extra", "opt"]));
    let only = env.json(&["runs", "-m", "m", "--only-changed"]);
    assert!(only["runs"][0]["params"].get("lr").is_none());
    let compare = env.json(&["compare", "-m", "m", "a", "b", "c"]);
    let rows: Vec<(String, bool)> = compare["params"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["key"].as_str().unwrap().into(),
                p["changed"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("extra".into(), true),
            ("lr".into(), false),
            ("opt".into(), true)
        ]
    );
    let table = env
        .ok(&["compare", "-m", "m", "a", "b", "--color", "always"])
        .stdout;
    assert!(
        !table.contains("*opt"),
        "a and b share every param:\n{table}"
    );
}

#[test]
fn compare_and_runs_summarise_metrics_with_steps() {
    let env = Env::new();
    env.write("a.jsonl", "{\"step\":0,\"loss\":2,\"acc\":0.1}\n{\"step\":1,\"loss\":0.5,\"acc\":0.9}\n{\"step\":2,\"loss\":0.7,\"acc\":0.8}\n");
    env.ok(&["log-metric", "-m", "m", "--run", "a", "--file", "a.jsonl"]);
    let doc = env.json(&["compare", "-m", "m", "a"]);
    let loss = &doc["metrics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["key"] == "loss")
        .unwrap()["runs"][0];
    assert_eq!(
        (loss["last"].as_f64(), loss["last_step"].as_i64()),
        (Some(0.7), Some(2))
    );
    assert_eq!(
        (loss["min"].as_f64(), loss["min_step"].as_i64()),
        (Some(0.5), Some(1))
    );
    assert_eq!(
        (loss["max"].as_f64(), loss["max_step"].as_i64()),
        (Some(2.0), Some(0))
    );
    let runs = env.json(&["runs", "-m", "m"]);
    let acc = &runs["runs"][0]["metrics"]["acc"];
    assert_eq!(
        (
            acc["direction"].as_str(),
            acc["best"].as_f64(),
            acc["best_step"].as_i64()
        ),
        (Some("max"), Some(0.9), Some(1))
    );
    let table = env.ok(&["runs", "-m", "m"]).stdout;
    assert!(table.contains("0.7 (best 0.5)"), "{table}");
}

#[test]
fn metrics_export_as_csv_and_json() {
    let env = Env::new();
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "--step",
        "0",
        "loss=0.5",
        "acc=0.1",
    ]);
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "--step",
        "1",
        "loss=nan",
    ]);
    let csv = env.ok(&["metrics", "-m", "m", "--run", "r"]).stdout;
    let rows: Vec<String> = csv
        .lines()
        .map(|l| l.rsplit_once(',').unwrap().0.to_string())
        .collect();
    assert_eq!(
        rows,
        ["key,step,value", "acc,0,0.1", "loss,0,0.5", "loss,1,NaN"]
    );
    let doc = env.json(&["metrics", "-m", "m", "--run", "r", "--key", "loss"]);
    assert_eq!(doc["metrics"]["loss"][1]["value"], "NaN");
    assert!(doc["metrics"].get("acc").is_none());
    env.expect(1, &["metrics", "-m", "m", "--run", "r", "--key", "f1"])
        .says(&["no metric named", "f1", "it has: acc, loss"]);
}

#[test]
fn metrics_csv_reads_back_through_a_csv_parser() {
    let env = Env::new();
    let key = r#"val,"loss""#;
    for (step, value) in [("0", "inf"), ("1", "-inf"), ("2", "nan"), ("3", "0.1")] {
        let point = format!("{key}={value}");
        env.ok(&[
            "log-metric",
            "-m",
            "m",
            "--run",
            "r",
            "--step",
            step,
            &point,
        ]);
    }
    let out = env
        .ok(&["metrics", "-m", "m", "--run", "r", "--format", "csv"])
        .stdout;
    assert!(
        out.lines()
            .nth(1)
            .unwrap()
            .starts_with(r#""val,""loss""",0,inf,"#),
        "{out}"
    );
    let mut reader = csv::Reader::from_reader(out.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["key", "step", "value", "logged_at"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|r| r.unwrap().iter().take(3).map(String::from).collect())
        .collect();
    assert_eq!(
        rows,
        [
            [key, "0", "inf"],
            [key, "1", "-inf"],
            [key, "2", "NaN"],
            [key, "3", "0.1"]
        ]
    );
}

#[test]
fn runs_end_and_delete() {
    let env = Env::new();
    env.ok(&["log-metric", "-m", "m", "--run", "r1", "loss=1"]);
    env.ok(&["log-metric", "-m", "m", "--run", "r2", "loss=1"]);
    env.ok(&[
        "runs", "end", "-m", "m", "--run", "r1", "--status", "failed",
    ]);
    assert_eq!(
        env.json(&["runs", "-m", "m", "--status", "failed"])["runs"][0]["name"],
        "r1"
    );
    env.expect(2, &["runs", "delete", "-m", "m", "r1"])
        .says(&["pass --yes"]);
    env.ok(&["runs", "delete", "-m", "m", "r1", "--dry-run"]);
    assert_eq!(
        env.json(&["runs", "-m", "m"])["runs"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    env.ok(&["runs", "delete", "-m", "m", "r1", "--yes"]);
    let left = env.json(&["runs", "-m", "m"]);
    assert_eq!(left["runs"].as_array().unwrap().len(), 1);
    env.expect(1, &["runs", "delete", "-m", "m", "r1", "--yes"])
        .says(&["no run 'r1'"]);
}

#[test]
fn bad_run_names_and_keys_are_usage_errors() {
    let env = Env::new();
    for args in [
        &["log-metric", "-m", "m", "--run", "../x", "loss=1"][..],
        &["log-metric", "-m", "m", "--run", "a/b", "loss=1"],
        &["log-param", "-m", "m", "--run", "r", "bad\nkey=1"],
        &[
            "log-metric",
            "-m",
            "m",
            "--run",
            "r",
            "--user",
            "../evil",
            "loss=1",
        ],
        &["runs", "--status", "sleeping"],
        &["metrics", "-m", "m", "--run", "r", "--format", "xml"],
        &["track", "-m", "m", "--run", "r"],
        &["track", "-m", "m", "--run", "../r", "--", "true"],
    ] {
        let run = env.run(args);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
    }
    assert!(!env.center.exists());
}

#[test]
fn eight_writers_and_a_reader_lose_nothing() {
    let env = Env::new();
    let lines: String = (0..400)
        .map(|i| format!("{{\"loss\": {i}, \"acc\": 0.5}}\n"))
        .collect();
    env.write("points.jsonl", &lines);
    env.ok(&["log-param", "-m", "m", "--run", "shared", "lr=1"]); // the reader needs the model
    let points = env.work.join("points.jsonl");
    let points = points.to_str().unwrap();
    // Four writers on their own runs, four on one shared run (auto steps), all at once; each
    // a machine of its own (the same folder for a local center, its own cache for a bucket).
    let machines: Vec<Env> = (0..8).map(|_| env.colleague()).collect();
    let mut children: Vec<_> = machines
        .iter()
        .enumerate()
        .map(|(w, machine)| {
            let run = if w < 4 {
                format!("own{w}")
            } else {
                "shared".to_string()
            };
            KillOnDrop(
                machine
                    .command(&[
                        "log-metric",
                        "-m",
                        "m",
                        "--run",
                        &run,
                        "--file",
                        points,
                        "-q",
                    ])
                    .spawn()
                    .unwrap(),
            )
        })
        .collect();
    for _ in 0..5 {
        env.ok(&["runs", "-m", "m", "-q"]);
    }
    for child in &mut children {
        assert!(child.0.wait().unwrap().success());
    }
    let doc = env.json(&["runs", "-m", "m"]);
    for run in doc["runs"].as_array().unwrap() {
        let expected = if run["name"] == "shared" { 1600 } else { 400 };
        assert_eq!(run["metrics"]["loss"]["count"], expected, "{}", run["name"]);
    }
    let steps: Vec<i64> = history(&env, "shared", "loss")
        .iter()
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(
        steps,
        (0..1600).collect::<Vec<_>>(),
        "auto steps never collide"
    );
}

#[test]
fn deleting_a_model_names_and_drops_its_runs() {
    let env = Env::new();
    env.ok(&["log-metric", "-m", "m", "--run", "r", "loss=1"]);
    env.expect(2, &["delete", "-m", "m", "--all"])
        .says(&["and its 1 training runs", "--yes"]);
    env.ok(&["delete", "-m", "m", "--all", "--yes"]);
    env.expect(1, &["runs", "-m", "m"]).says(&["no model 'm'"]);
}
