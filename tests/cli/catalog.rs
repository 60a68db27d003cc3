//! The catalog itself: damage found by verify and refused by writers, SQLite errors explained,
//! waits for another process's write lock reported, and caches that don't wait.

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::{Env, KillOnDrop};

fn catalog(env: &Env) -> std::path::PathBuf {
    env.center.join("catalog.db")
}

/// A center with files and a run, its catalog big enough to have many pages.
fn center_with_history(env: &Env) {
    env.write("a.bin", "a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let lines: String = (0..5000)
        .map(|s| format!("{{\"step\": {s}, \"loss\": {}}}\n", 1.0 / f64::from(s + 1)))
        .collect();
    let points = env.write("points.jsonl", lines);
    env.ok(&[
        "log-metric",
        "-m",
        "m",
        "--run",
        "r",
        "--file",
        points.to_str().unwrap(),
    ]);
}

/// Overwrites `len` bytes of the catalog at `at` with noise.
fn damage(env: &Env, at: u64, len: usize) {
    use std::io::{Seek, SeekFrom, Write};
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .open(catalog(env))
        .unwrap();
    file.seek(SeekFrom::Start(at)).unwrap();
    file.write_all(&crate::harness::noise(len, 7)).unwrap();
}

#[test]
fn verify_checks_the_catalog_itself() {
    let env = Env::local();
    center_with_history(&env);
    let clean = env.json(&["verify"]);
    assert_eq!(clean["catalog"]["check"], "quick_check");
    assert_eq!(clean["catalog"]["problems"], serde_json::json!([]));
    let size = std::fs::metadata(catalog(&env)).unwrap().len();
    damage(&env, size / 2, 512);
    for args in [&["verify"][..], &["verify", "--deep"]] {
        let run = env.expect(1, args);
        run.says(&["catalog.db is damaged", "sqlite3 catalog.db .recover"]);
        assert!(run.stdout.contains("damaged"), "{}", run.stdout);
    }
    let run = env.expect(1, &["verify", "--deep", "--json"]);
    let doc = run.json();
    assert_eq!(doc["catalog"]["check"], "integrity_check");
    assert!(!doc["catalog"]["problems"].as_array().unwrap().is_empty());
}

#[test]
fn a_damaged_catalog_is_explained_and_not_written() {
    let env = Env::local();
    center_with_history(&env);
    // Every page after the first: whatever a command reads, SQLite finds it damaged.
    let size = std::fs::metadata(catalog(&env)).unwrap().len();
    damage(&env, 4096, (size - 4096) as usize);
    let before = std::fs::read(catalog(&env)).unwrap();
    env.write("b.bin", "b");
    for args in [
        &["import", "b.bin", "-m", "m", "--version", "2"][..],
        &["log-metric", "-m", "m", "--run", "r", "loss=1"],
        &["delete", "-m", "m", "--version", "1", "a.bin"],
        &["scan"],
    ] {
        let run = env.expect(1, args);
        run.says(&[
            &format!("the catalog {} is damaged", catalog(&env).display()),
            "nothing was written",
            "mfile verify",
        ]);
    }
    assert_eq!(std::fs::read(catalog(&env)).unwrap(), before);
}

#[test]
fn sqlite_errors_say_what_they_mean() {
    let env = Env::local();
    center_with_history(&env);
    let conn = rusqlite::Connection::open(catalog(&env)).unwrap();
    conn.execute("UPDATE files SET size = -5", []).unwrap();
    env.expect(1, &["scan", "-l"])
        .says(&["holds a value this mfile can't read", "mfile verify"]);
    conn.execute("UPDATE files SET size = 1", []).unwrap();
    conn.pragma_update(None, "user_version", 2).unwrap();
    drop(conn);
    let run = env.expect(1, &["scan"]);
    run.says(&[
        "could not upgrade the catalog from schema version 2 to 3",
        "table source_cache already exists",
        "changed outside mfile",
    ]);
    assert!(!run.stderr.contains("CREATE TABLE"), "{}", run.stderr);
}

#[test]
fn a_huge_bad_metric_line_is_echoed_short() {
    let env = Env::local();
    let line = format!("{{\"{}\": 1}}\n", "k".repeat(1 << 20));
    let file = env.write("bad.jsonl", line);
    let run = env.expect(
        1,
        &[
            "log-metric",
            "-m",
            "m",
            "--run",
            "r",
            "--file",
            file.to_str().unwrap(),
        ],
    );
    run.says(&["line 1 skipped", "more bytes"]);
    assert!(
        run.stderr.len() < 2000,
        "{} bytes on stderr",
        run.stderr.len()
    );
}

/// Holds the catalog's write lock (as another mfile process would mid-batch) until dropped.
fn hold_write_lock(env: &Env) -> rusqlite::Connection {
    let conn = rusqlite::Connection::open(catalog(env)).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    conn
}

/// Waits for `child`, at most `limit`; a hang fails the test instead of stalling it.
fn finish(mut child: KillOnDrop, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            return status;
        }
        assert!(start.elapsed() < limit, "still running after {limit:?}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn pull_does_not_wait_for_the_lock_to_write_its_cache() {
    let env = Env::local();
    center_with_history(&env);
    let _lock = hold_write_lock(&env);
    let child = env
        .command(&["pull", "-m", "m", "--version", "1", "--to", "out"])
        .stderr(Stdio::null())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    // Before: 300 s (SQLite's busy timeout) waiting to write the stat cache.
    let status = finish(KillOnDrop(child), Duration::from_secs(60));
    assert!(status.success());
    assert_eq!(std::fs::read(env.work.join("out/a.bin")).unwrap(), b"a");
}

#[test]
fn a_writer_waiting_for_the_lock_says_who_holds_it() {
    let env = Env::local();
    center_with_history(&env);
    let lock = hold_write_lock(&env);
    let mut child = KillOnDrop(
        env.command(&["log-param", "-m", "m", "--run", "r2", "lr=1"])
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut stderr = BufReader::new(child.0.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    assert!(
        line.starts_with("mfile: waiting for the catalog")
            && line.contains(&format!("pid {}", std::process::id()))
            && line.contains("holds its write lock"),
        "{line}"
    );
    drop(lock); // the holder finishes; the writer goes on
    let status = finish(child, Duration::from_secs(60));
    assert!(status.success());
    let doc = env.json(&["runs", "-m", "m"]);
    assert!(
        doc["runs"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["name"] == "r2")
    );
}
