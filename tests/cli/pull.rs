use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use serde_json::Value;

use crate::harness::Env;

fn center_with_version() -> Env {
    center_with_version_in(Env::new())
}

/// [`center_with_version`] in `env`.
fn center_with_version_in(env: Env) -> Env {
    env.write("src/model.onnx", "onnx bytes");
    env.write("src/tok/vocab.json", "{\"a\": 1}");
    env.write("src/tok/merges.txt", "merges");
    env.ok(&["import", "src", "-m", "m", "--version", "1.0"]);
    fs::remove_dir_all(env.work.join("src")).unwrap();
    env
}

#[test]
fn pulls_the_whole_version_with_paths_and_mtimes() {
    let env = center_with_version();
    let doc = env.json(&["pull", "-m", "m", "--version", "1.0", "--to", "ws"]);
    assert_eq!(doc["totals"]["pulled"], 3);
    let ws = env.work.join("ws");
    assert_eq!(
        env.tree(&ws),
        ["model.onnx", "tok/merges.txt", "tok/vocab.json"]
    );
    assert_eq!(fs::read(ws.join("tok/vocab.json")).unwrap(), b"{\"a\": 1}");
    let meta = fs::metadata(ws.join("model.onnx")).unwrap();
    assert_eq!(meta.mtime(), 1_600_000_000);
    assert_ne!(
        meta.permissions().mode() & 0o200,
        0,
        "pulled files are writable copies"
    );
}

#[test]
fn pulls_into_the_current_folder_by_default() {
    let env = center_with_version();
    env.ok(&["pull", "-m", "m", "--version", "1.0", "model.onnx"]);
    assert_eq!(
        fs::read(env.work.join("model.onnx")).unwrap(),
        b"onnx bytes"
    );
}

#[test]
fn a_second_pull_is_unchanged() {
    let env = center_with_version();
    env.ok(&["pull", "-m", "m", "--version", "1.0", "--to", "ws"]);
    let ino = fs::metadata(env.work.join("ws/model.onnx")).unwrap().ino();
    let doc = env.json(&["pull", "-m", "m", "--version", "1.0", "--to", "ws"]);
    assert_eq!(doc["totals"]["unchanged"], 3);
    assert_eq!(
        fs::metadata(env.work.join("ws/model.onnx")).unwrap().ino(),
        ino
    );
}

#[test]
fn local_changes_are_refused_before_anything_is_written() {
    let env = center_with_version();
    env.write("ws/tok/vocab.json", "edited locally");
    env.expect(1, &["pull", "-m", "m", "--version", "1.0", "--to", "ws"])
        .says(&["vocab.json: has other content", "--force"]);
    assert_eq!(
        env.tree(&env.work.join("ws")),
        ["tok/vocab.json"],
        "nothing else was pulled"
    );
    assert_eq!(
        fs::read(env.work.join("ws/tok/vocab.json")).unwrap(),
        b"edited locally"
    );
    let doc = env.json(&[
        "pull",
        "-m",
        "m",
        "--version",
        "1.0",
        "--to",
        "ws",
        "--force",
    ]);
    assert_eq!(doc["totals"]["replaced"], 1);
    assert_eq!(doc["totals"]["pulled"], 2);
    assert_eq!(
        fs::read(env.work.join("ws/tok/vocab.json")).unwrap(),
        b"{\"a\": 1}"
    );
}

#[test]
fn names_folders_globs_and_filters_select_files() {
    let env = center_with_version();
    let pulled = |args: &[&str]| {
        let doc = env.json(
            &[
                &["pull", "-m", "m", "--version", "1.0", "--dry-run"][..],
                args,
            ]
            .concat(),
        );
        doc["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["path"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(pulled(&["tok"]), ["tok/merges.txt", "tok/vocab.json"]);
    assert_eq!(
        pulled(&["*.json", "model.onnx"]),
        ["model.onnx", "tok/vocab.json"]
    );
    assert_eq!(
        pulled(&["--include", "tok/*", "--exclude", "*.txt"]),
        ["tok/vocab.json"]
    );
    assert!(
        !env.work.join("ws").exists() && env.tree(&env.work).is_empty(),
        "dry runs write nothing"
    );
    env.expect(
        1,
        &["pull", "-m", "m", "--version", "1.0", "nope.bin", "*.zip"],
    )
    .says(&["no files matching", "'nope.bin'", "'*.zip'"]);
    env.expect(2, &["pull", "-m", "m", "--version", "1.0", "../x"])
        .says(&["'..' is not allowed"]);
}

#[test]
fn never_writes_through_a_symlink_in_the_workspace() {
    let env = center_with_version();
    let outside = env.root.join("outside");
    fs::create_dir_all(env.work.join("ws")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    std::os::unix::fs::symlink(&outside, env.work.join("ws/tok")).unwrap();
    env.expect(
        1,
        &[
            "pull",
            "-m",
            "m",
            "--version",
            "1.0",
            "--to",
            "ws",
            "--force",
        ],
    )
    .says(&["symbolic link"]);
    assert!(
        env.tree(&outside).is_empty(),
        "nothing was written outside the workspace"
    );
}

#[test]
fn a_corrupted_stored_file_is_never_delivered() {
    let env = center_with_version_in(Env::local());
    let stored = env.stored("m", "1.0", "model.onnx");
    fs::set_permissions(&stored, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&stored, "onnx bytez").unwrap(); // same size, other bytes
    env.expect(1, &["pull", "-m", "m", "--version", "1.0", "--to", "ws"])
        .says(&[
            "does not match the catalog's md5",
            "1 of 3 files could not be pulled",
        ]);
    let ws = env.work.join("ws");
    assert_eq!(
        env.tree(&ws),
        ["tok/merges.txt", "tok/vocab.json"],
        "no partial or bad copy"
    );

    // The document names the failed file too, not only stderr.
    let doc = env
        .expect(
            1,
            &[
                "pull",
                "-m",
                "m",
                "--version",
                "1.0",
                "--to",
                "ws2",
                "--json",
            ],
        )
        .json();
    let failed: Vec<&Value> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{doc:#}");
    assert_eq!(failed[0]["path"], "model.onnx");
    let error = failed[0]["error"].as_str().unwrap();
    assert!(
        error.contains("does not match the catalog's md5"),
        "{error}"
    );
    assert_eq!(doc["totals"]["failed"], 1);
    assert_eq!(doc["totals"]["pulled"], 2);
}

#[test]
fn unknown_model_or_version_fails_with_exit_1() {
    let env = center_with_version();
    env.expect(1, &["pull", "-m", "x", "--version", "1.0"])
        .says(&["no model 'x'"]);
    env.expect(1, &["pull", "-m", "m", "--version", "2.0"])
        .says(&["no version '2.0'"]);
}
