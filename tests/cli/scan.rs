use std::fs;
use std::os::unix::fs::PermissionsExt;

use crate::harness::{Env, set_mtime};

/// A center with two versions of files of different sizes and mtimes.
fn center_with_files() -> Env {
    center_with_files_in(Env::new())
}

/// [`center_with_files`] in `env`.
fn center_with_files_in(env: Env) -> Env {
    for (rel, size, mtime) in [
        ("small.json", 10, 1_700_000_300),
        ("big.bin", 3000, 1_700_000_100),
        ("nested/mid.json", 500, 1_700_000_200),
    ] {
        let path = env.write(rel, vec![b'x'; size]);
        set_mtime(&path, mtime);
        env.ok(&[
            "import",
            &path.display().to_string(),
            "-m",
            "m",
            "--version",
            "1.0",
            "--subdir",
            rel.rsplit_once('/').map_or("", |(dir, _)| dir),
        ]);
    }
    env.write("other.bin", "o");
    env.ok(&["import", "other.bin", "-m", "n", "--version", "2"]);
    env
}

fn paths(doc: &serde_json::Value) -> Vec<String> {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn sorts_like_ls() {
    let env = center_with_files();
    let scope = ["scan", "-m", "m", "--version", "1.0"];
    let sorted = |extra: &[&str]| paths(&env.json(&[&scope[..], extra].concat()));
    assert_eq!(sorted(&[]), ["big.bin", "nested/mid.json", "small.json"]);
    assert_eq!(
        sorted(&["--sort", "size"]),
        ["big.bin", "nested/mid.json", "small.json"]
    );
    assert_eq!(
        sorted(&["--sort", "mod"]),
        ["small.json", "nested/mid.json", "big.bin"]
    );
    assert_eq!(
        sorted(&["--sort", "mod", "--reverse"]),
        ["big.bin", "nested/mid.json", "small.json"]
    );
    assert_eq!(
        sorted(&["--sort", "name", "-r"]),
        ["small.json", "nested/mid.json", "big.bin"]
    );
}

#[test]
fn globs_match_names_at_any_depth_or_whole_paths() {
    let env = center_with_files();
    let scope = ["scan", "-m", "m", "--version", "1.0"];
    let filtered = |extra: &[&str]| paths(&env.json(&[&scope[..], extra].concat()));
    assert_eq!(
        filtered(&["--include", "*.json"]),
        ["nested/mid.json", "small.json"]
    );
    assert_eq!(filtered(&["--include", "nested/*"]), ["nested/mid.json"]);
    assert_eq!(
        filtered(&["--include", "**/*.json", "--exclude", "mid*"]),
        ["small.json"]
    );
    env.expect(2, &["scan", "--include", "[oops"])
        .says(&["invalid glob '[oops'"]);
}

#[test]
fn scope_is_a_version_a_model_or_the_center() {
    let env = center_with_files();
    let center = env.json(&["scan", "--sort", "size"]);
    assert_eq!(center["totals"]["files"], 4);
    assert_eq!(center["totals"]["bytes"], 3511);
    assert_eq!(
        paths(&center)[0],
        "big.bin",
        "biggest first across the center"
    );
    assert_eq!(env.json(&["scan", "-m", "n"])["totals"]["files"], 1);
    env.expect(1, &["scan", "-m", "nope"])
        .says(&["no model 'nope'", "mfile profiles"]);
    env.expect(1, &["scan", "-m", "m", "--version", "9"])
        .says(&["no version '9'", "mfile versions -m m"]);
    env.expect(2, &["scan", "--version", "1.0"])
        .says(&["--model"]);
}

#[test]
fn long_listing_shows_time_size_and_md5() {
    let env = center_with_files();
    let run = env.ok(&[
        "scan",
        "-m",
        "m",
        "--version",
        "1.0",
        "-l",
        "--sort",
        "size",
    ]);
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(
        lines[0].split_whitespace().collect::<Vec<_>>(),
        ["path", "modified", "size", "md5"]
    );
    assert!(lines[1].starts_with("big.bin"), "{}", run.stdout);
    assert!(lines[1].contains("2.9 KiB"), "{}", lines[1]);
    assert!(lines[1].contains("2023-11-14 22:15:00"), "{}", lines[1]);
    assert!(
        lines[1].contains(&crate::harness::md5_hex(&[b'x'; 3000])),
        "{}",
        lines[1]
    );
    assert!(!run.stdout.contains('\x1b'), "no colour codes in a pipe");
}

#[test]
fn verify_marks_changed_and_missing_files() {
    let env = center_with_files_in(Env::local());
    let big = env.stored("m", "1.0", "big.bin");
    fs::set_permissions(&big, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&big, vec![b'y'; 3000]).unwrap();
    fs::remove_file(env.stored("m", "1.0", "small.json")).unwrap();
    let run = env.expect(
        1,
        &["scan", "-m", "m", "--version", "1.0", "--verify", "--json"],
    );
    let doc = run.json();
    let states: Vec<_> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["state"].clone())
        .collect();
    assert_eq!(states, ["corrupted", "ok", "missing"]);
    run.says(&["2 of the listed files are missing or corrupted"]);
}

#[test]
fn a_missing_center_is_reported_and_not_created() {
    let env = Env::new();
    env.expect(1, &["scan"])
        .says(&["no center at", "MFILE_CENTER"]);
    env.expect(1, &["profiles"]);
    assert!(!env.center.exists());
}

#[test]
fn broken_pipe_exits_quietly() {
    let env = center_with_files();
    let mut child = env
        .command(&["scan", "-l"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take()); // the reader goes away, like `| head -0`
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "exit {:?}: {stderr}",
        output.status
    );
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}
