//! A center in object storage (`s3://bucket/prefix`), against the real S3 server that
//! `tests/s3/server` starts (SeaweedFS). Each test has its own prefix; a "colleague" is
//! another machine: another HOME, so another cache, the same bucket.

use std::fs;
use std::thread;

use crate::harness::{Env, noise};

fn paths(doc: &serde_json::Value) -> Vec<String> {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

/// Small files (packed), a big one (an object of its own) and a folder.
fn sources(env: &Env) {
    env.write("model.db", b"weights");
    env.write("big.bin", noise(3 << 20, 7));
    env.write("out/config.json", b"{\"opset\": 17}");
    env.write("out/tok/vocab.txt", noise(2000, 8));
}

#[test]
fn files_go_up_and_come_back_byte_for_byte() {
    let Some(env) = Env::s3() else { return };
    sources(&env);
    let doc = env.json(&[
        "import",
        "model.db",
        "big.bin",
        "out",
        "-m",
        "m",
        "--version",
        "1",
    ]);
    assert_eq!(doc["totals"]["imported"], 4, "{doc:#}");
    let scan = env.json(&["scan", "-m", "m", "--version", "1"]);
    assert_eq!(
        paths(&scan),
        ["big.bin", "config.json", "model.db", "tok/vocab.txt"]
    );
    env.ok(&["pull", "-m", "m", "--version", "1", "--to", "ws"]);
    for (pulled, source) in [
        ("ws/model.db", "model.db"),
        ("ws/big.bin", "big.bin"),
        ("ws/config.json", "out/config.json"),
        ("ws/tok/vocab.txt", "out/tok/vocab.txt"),
    ] {
        assert_eq!(
            fs::read(env.work.join(pulled)).unwrap(),
            fs::read(env.work.join(source)).unwrap(),
            "{pulled}"
        );
    }
    let again = env.json(&[
        "import",
        "model.db",
        "big.bin",
        "out",
        "-m",
        "m",
        "--version",
        "1",
    ]);
    assert_eq!(
        again["totals"]["unchanged"], 4,
        "a re-import uploads nothing: {again:#}"
    );
}

#[test]
fn a_colleague_with_another_cache_sees_everything() {
    let Some(env) = Env::s3() else { return };
    sources(&env);
    env.ok(&["import", "model.db", "big.bin", "-m", "m", "--version", "1"]);
    env.ok(&[
        "register",
        "-m",
        "m",
        "--version",
        "1",
        "--description",
        "first",
    ]);
    let colleague = env.colleague();
    let versions = colleague.json(&["versions", "-m", "m"]);
    assert_eq!(versions["versions"][0]["files"], 2, "{versions:#}");
    assert_eq!(versions["versions"][0]["description"], "first");
    colleague.ok(&["pull", "-m", "m", "--version", "1", "--to", "ws"]);
    assert_eq!(
        fs::read(colleague.work.join("ws/big.bin")).unwrap(),
        fs::read(env.work.join("big.bin")).unwrap()
    );

    // The cache is never the truth: without it, everything is read again from the bucket.
    fs::remove_dir_all(env.root.join("home/.local/share/mfile")).unwrap();
    let scan = env.json(&["scan", "-m", "m", "--version", "1"]);
    assert_eq!(paths(&scan), ["big.bin", "model.db"]);
    let profiles = env.json(&["profiles"]);
    assert_eq!(
        profiles["models"][0]["key"],
        colleague.json(&["profiles"])["models"][0]["key"],
        "every cache gives a model the same key"
    );
}

#[test]
fn deletes_reach_every_cache() {
    let Some(env) = Env::s3() else { return };
    sources(&env);
    env.ok(&["import", "model.db", "big.bin", "-m", "m", "--version", "1"]);
    env.ok(&["import", "model.db", "-m", "m", "--version", "2"]);
    let colleague = env.colleague();
    assert_eq!(colleague.scan_paths("m", "1"), ["big.bin", "model.db"]);
    env.ok(&["delete", "-m", "m", "--version", "1", "big.bin"]);
    assert_eq!(colleague.scan_paths("m", "1"), ["model.db"]);
    env.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
    let versions = colleague.json(&["versions", "-m", "m"]);
    assert_eq!(
        versions["versions"].as_array().unwrap().len(),
        1,
        "{versions:#}"
    );
    assert_eq!(versions["versions"][0]["version"], "2");
}

#[test]
fn two_machines_importing_other_paths_at_once_both_land() {
    let Some(env) = Env::s3() else { return };
    let colleague = env.colleague();
    for (who, name) in [(&env, "a"), (&colleague, "b")] {
        for i in 0..20 {
            who.write(&format!("{name}/{name}-{i}.txt"), format!("{name} {i}"));
        }
    }
    thread::scope(|scope| {
        let mine = scope.spawn(|| env.run(&["import", "a", "-m", "m", "--version", "1"]));
        let theirs = scope.spawn(|| colleague.run(&["import", "b", "-m", "m", "--version", "1"]));
        for run in [mine.join().unwrap(), theirs.join().unwrap()] {
            assert_eq!(run.code, 0, "{}", run.stderr);
        }
    });
    let third = env.colleague();
    let scan = third.json(&["scan", "-m", "m", "--version", "1"]);
    assert_eq!(scan["totals"]["files"], 40, "{scan:#}");
    assert_eq!(
        env.scan_paths("m", "1").len(),
        40,
        "the writers' caches caught up too"
    );
}

#[test]
fn a_same_path_race_has_one_winner_and_a_clear_conflict() {
    let Some(env) = Env::s3() else { return };
    let colleague = env.colleague();
    env.write("model.db", b"mine");
    colleague.write("model.db", b"theirs");
    let runs = thread::scope(|scope| {
        let mine = scope.spawn(|| env.run(&["import", "model.db", "-m", "m", "--version", "1"]));
        let theirs =
            scope.spawn(|| colleague.run(&["import", "model.db", "-m", "m", "--version", "1"]));
        [mine.join().unwrap(), theirs.join().unwrap()]
    });
    let winners: Vec<&crate::harness::Run> = runs.iter().filter(|r| r.code == 0).collect();
    assert_eq!(winners.len(), 1, "exactly one wins");
    let loser = runs.iter().find(|r| r.code != 0).unwrap();
    assert_eq!(loser.code, 1);
    assert!(loser.stderr.contains("other content"), "{}", loser.stderr);
    let winner_is_me = runs[0].code == 0;
    env.ok(&[
        "pull",
        "-m",
        "m",
        "--version",
        "1",
        "--to",
        "check",
        "--force",
    ]);
    let stored = fs::read(env.work.join("check/model.db")).unwrap();
    assert_eq!(
        stored,
        if winner_is_me {
            &b"mine"[..]
        } else {
            b"theirs"
        }
    );
}

#[test]
fn a_model_dropped_and_made_again_reads_the_same_everywhere() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"first");
    env.write("b.bin", b"second");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    env.ok(&["import", "a.bin", "-m", "m", "--version", "2"]);
    env.ok(&["delete", "-m", "m", "--all", "--yes"]);
    // Made again in the version whose log a fresh cache reads first: reading version 2's log
    // (which ends with the model's drop) must not drop it again.
    env.ok(&["import", "b.bin", "-m", "m", "--version", "1"]);
    for machine in [&env, &env.colleague()] {
        let versions = machine.json(&["versions", "-m", "m"]);
        let names: Vec<&str> = versions["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["1"], "{versions:#}");
        assert_eq!(machine.scan_paths("m", "1"), ["b.bin"]);
    }
}
