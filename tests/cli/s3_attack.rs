//! A center in object storage under attack: replies lost in the network, segments deleted or
//! forged by someone who can write to the bucket, writers racing with --force. Each test fails
//! on the defect the outside attack found (issue 12) and passes on its fix.

use std::fs;
use std::thread;

use crate::harness::{Env, s3_server};
use crate::s3_proxy::LossyProxy;

/// The number the next segment of `model` `version` takes.
fn next_seq(env: &Env, model: &str, version: &str) -> u64 {
    let prefix = format!("log/{model}/{version}/");
    segments(env)
        .iter()
        .filter(|k| k.starts_with(&prefix))
        .count() as u64
        + 1
}

fn segments(env: &Env) -> Vec<String> {
    let mut keys: Vec<String> = env
        .bucket()
        .list("log")
        .unwrap()
        .into_iter()
        .map(|o| o.key)
        .collect();
    keys.sort();
    keys
}

/// Two imports into one version and a delete, through `endpoint` when given.
fn two_imports_and_a_delete(env: &Env) {
    env.write("a.bin", b"one");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    env.write("b.bin", b"two");
    env.ok(&["import", "b.bin", "-m", "m", "--version", "1"]);
    env.ok(&["delete", "-m", "m", "--version", "1", "a.bin"]);
}

#[test]
fn a_write_whose_reply_was_lost_lands_once() {
    let Some(mut env) = Env::s3() else { return };
    let (upstream, _) = s3_server().unwrap();
    let log_puts = |method: &str, path: &str| method == "PUT" && path.contains("/log/");
    let proxy = LossyProxy::losing(&upstream, log_puts, 3);
    env.endpoint = Some(proxy.endpoint.clone());
    two_imports_and_a_delete(&env);
    assert_eq!(proxy.lost(), 3, "the proxy lost replies");

    let heard = Env::s3().unwrap();
    two_imports_and_a_delete(&heard);
    assert_eq!(
        segments(&env).len(),
        segments(&heard).len(),
        "each write is one segment, though its writer never heard so: {:?}",
        segments(&env)
    );
    assert_eq!(env.colleague().scan_paths("m", "1"), ["b.bin"]);
}

/// Three imports into version 1 of `m`, one into version 2.
fn three_writes(env: &Env) {
    for (name, body) in [("a.bin", "a"), ("b.bin", "b"), ("c.bin", "c")] {
        env.write(name, body);
        env.ok(&["import", name, "-m", "m", "--version", "1"]);
    }
    env.ok(&["import", "a.bin", "-m", "m", "--version", "2"]);
}

#[test]
fn a_deleted_segment_is_named_and_costs_only_its_version() {
    let Some(env) = Env::s3() else { return };
    three_writes(&env);
    // The last but one segment: the import of b.bin.
    let log = segments(&env);
    let hole = log.iter().rfind(|k| k.starts_with("log/m/1/")).unwrap();
    let hole = log[log.iter().position(|k| k == hole).unwrap() - 1].clone();
    env.bucket().delete(&hole).unwrap();

    let colleague = env.colleague();
    let hole = hole.as_str();
    let other = colleague.run(&["scan", "-m", "m", "--version", "2"]);
    assert_eq!(other.code, 0, "{}", other.stderr);
    other.says(&[hole, "missing"]);
    assert_eq!(colleague.scan_paths("m", "2"), ["a.bin"]);
    assert_eq!(
        colleague.scan_paths("m", "1"),
        ["a.bin"],
        "what came before the hole"
    );
    assert_eq!(
        env.scan_paths("m", "1"),
        ["a.bin", "b.bin", "c.bin"],
        "a cache that read it"
    );
    // A cache that read the segment before it went keeps the version right, and writes on;
    // one that can't read it refuses to write over a past it doesn't know.
    colleague.write("d.bin", b"d");
    colleague
        .expect(1, &["import", "d.bin", "-m", "m", "--version", "1"])
        .says(&[hole, "mfile delete -m m --version 1 --all"]);
    assert!(
        !segments(&env).iter().any(|k| k == hole),
        "the hole's number is not written again"
    );

    // The way out: drop the version, and it starts afresh everywhere.
    colleague.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
    colleague.ok(&["import", "d.bin", "-m", "m", "--version", "1"]);
    for machine in [&env, &colleague, &env.colleague()] {
        let run = machine.run(&["scan", "-m", "m", "--version", "1"]);
        assert!(!run.stderr.contains("damaged"), "{}", run.stderr);
        assert_eq!(machine.scan_paths("m", "1"), ["d.bin"]);
    }
}

/// A segment as an attacker with write access would put it, with `put` entries of its own.
fn forged(seq: u64, puts: serde_json::Value) -> Vec<u8> {
    let segment = serde_json::json!({
        "format": 1, "model": "m", "version": "1", "seq": seq, "id": "forged",
        "at": "2026-11-30T00:00:00Z", "by": "mallory@x", "put": puts,
    });
    serde_json::to_vec(&segment).unwrap()
}

fn put(path: &str) -> serde_json::Value {
    serde_json::json!({
        "path": path, "size": 1, "md5": "0".repeat(32), "blake3": "1".repeat(64),
        "modified_at": "2026-11-30T00:00:00Z", "imported_at": "2026-11-30T00:00:00Z",
    })
}

#[test]
fn a_forged_segment_costs_only_its_version_and_writes_nothing_outside() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    env.ok(&["import", "a.bin", "-m", "m", "--version", "2"]);
    let bucket = env.bucket();
    let hostile = [
        put("../../escaped"),
        put("/tmp/absolute"),
        put("bell\u{7}.bin"),
    ];
    let (one, two) = (next_seq(&env, "m", "1"), next_seq(&env, "m", "2"));
    let (forged_key, bad_key) = (
        format!("log/m/1/{one:010}.json"),
        format!("log/m/2/{two:010}.json"),
    );
    let forged_body = forged(one, hostile.into()).into();
    bucket.put_new(&forged_key, forged_body).unwrap();
    bucket
        .put_new(&bad_key, b"{not json".to_vec().into())
        .unwrap();
    // A size past any integer the catalog holds, in a version of its own.
    env.ok(&["import", "a.bin", "-m", "m", "--version", "3"]);
    let mut huge = put("huge.bin");
    huge["size"] = serde_json::json!(u64::MAX);
    let three = next_seq(&env, "m", "3");
    let mut body: serde_json::Value =
        serde_json::from_slice(&forged(three, vec![huge].into())).unwrap();
    body["version"] = "3".into();
    let huge_key = format!("log/m/3/{three:010}.json");
    bucket
        .put_new(&huge_key, serde_json::to_vec(&body).unwrap().into())
        .unwrap();
    env.write("b.bin", b"b");
    env.ok(&["import", "b.bin", "-m", "n", "--version", "1"]);

    let colleague = env.colleague();
    let profiles = colleague.run(&["profiles"]);
    assert_eq!(profiles.code, 0, "{}", profiles.stderr);
    profiles.says(&[&forged_key, &bad_key, &huge_key]);
    assert_eq!(
        colleague.scan_paths("n", "1"),
        ["b.bin"],
        "other models load"
    );
    assert_eq!(colleague.scan_paths("m", "1"), ["a.bin"]);
    colleague.ok(&["pull", "-m", "m", "--version", "1", "--to", "ws"]);
    let names: Vec<String> = fs::read_dir(colleague.work.join("ws"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["a.bin"]);
    assert!(!colleague.root.join("escaped").exists());
}

#[test]
fn two_forced_imports_of_a_new_path_both_succeed() {
    let Some(mut env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    // Both have read the log before either writes to it.
    let (upstream, _) = s3_server().unwrap();
    let log_puts = |method: &str, path: &str| method == "PUT" && path.contains("/log/");
    let proxy = LossyProxy::gathering(&upstream, log_puts, 2);
    env.endpoint = Some(proxy.endpoint.clone());
    let mut colleague = env.colleague();
    colleague.endpoint = Some(proxy.endpoint.clone());
    env.write("model.db", b"mine");
    colleague.write("model.db", b"theirs");
    let args = ["import", "model.db", "-m", "m", "--version", "1", "--force"];
    let runs = thread::scope(|scope| {
        let mine = scope.spawn(|| env.run(&args));
        let theirs = scope.spawn(|| colleague.run(&args));
        [mine.join().unwrap(), theirs.join().unwrap()]
    });
    for run in &runs {
        assert_eq!(
            run.code, 0,
            "--force replaces whatever is there: {}",
            run.stderr
        );
    }
    let third = env.colleague();
    third.ok(&["pull", "-m", "m", "--version", "1", "--to", "ws"]);
    let stored = fs::read(third.work.join("ws/model.db")).unwrap();
    assert!(stored == b"mine" || stored == b"theirs");
    for machine in [&env, &colleague] {
        let json = machine.json(&["scan", "-m", "m", "--version", "1"]);
        assert_eq!(
            json["files"][0]["md5"],
            third.json(&["scan", "-m", "m", "--version", "1"])["files"][0]["md5"],
            "every cache agrees on the last write"
        );
    }
}

/// The one object under `folder` (`blobs` or `packs`).
fn only_object(env: &Env, folder: &str) -> String {
    let objects = env.bucket().list(folder).unwrap();
    assert_eq!(objects.len(), 1, "{objects:?}");
    objects[0].key.clone()
}

/// (state, path) of each problem `verify` reports, sorted.
fn problems(run: &crate::harness::Run) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = run.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let field = |name: &str| p[name].as_str().unwrap().to_string();
            (field("state"), field("path"))
        })
        .collect();
    found.sort();
    found
}

fn statuses(doc: &serde_json::Value) -> Vec<String> {
    let files = doc["files"].as_array().unwrap();
    let mut found: Vec<String> = files
        .iter()
        .map(|f| {
            format!(
                "{} {}",
                f["path"].as_str().unwrap(),
                f["status"].as_str().unwrap()
            )
        })
        .collect();
    found.sort();
    found
}

#[test]
fn lost_objects_are_found_by_verify_and_restored_by_a_reimport() {
    let Some(env) = Env::s3() else { return };
    env.write("small.bin", b"packed with others");
    env.write("big.bin", crate::harness::noise(3 << 20, 11));
    let files = ["small.bin", "big.bin"];
    let import = |version: &str| {
        let mut args = vec!["import", "-m", "m", "--version", version];
        args.extend(files);
        env.json(&args)
    };
    import("1");
    let (blob, pack) = (only_object(&env, "blobs"), only_object(&env, "packs"));
    let bucket = env.bucket();
    bucket.delete(&blob).unwrap();
    let cut = b"cut short".to_vec();
    bucket.delete(&pack).unwrap();
    bucket
        .upload(&pack, &mut &cut[..], cut.len() as u64, &mut |_| {})
        .unwrap();

    let expected = [
        ("corrupted".to_string(), "small.bin".to_string()),
        ("missing".to_string(), "big.bin".to_string()),
    ];
    for deep in [false, true] {
        let mut args = vec!["verify", "--json"];
        if deep {
            args.push("--deep");
        }
        let run = env.expect(1, &args);
        let mut want = expected.to_vec();
        want.sort();
        assert_eq!(problems(&run), want, "deep: {deep}");
        run.says(&["2 problems"]);
    }

    let again = import("1");
    assert_eq!(
        statuses(&again),
        ["big.bin restored", "small.bin restored"],
        "{again:#}"
    );
    env.ok(&["verify"]);

    // A new version of the same content does not lean on bytes that went missing.
    bucket.delete(&blob).unwrap();
    import("2");
    env.ok(&["pull", "-m", "m", "--version", "2", "--to", "ws"]);
    assert_eq!(
        fs::read(env.work.join("ws/big.bin")).unwrap(),
        fs::read(env.work.join("big.bin")).unwrap()
    );
}

#[test]
fn messages_say_what_happened_in_words() {
    let Some(env) = Env::s3() else { return };
    // A version is dated alike on every machine.
    let made = env.json(&["register", "-m", "m", "--version", "1"]);
    let seen = env.colleague().json(&["versions", "-m", "m"]);
    assert_eq!(seen["versions"][0]["created_at"], made["created_at"]);
    assert_eq!(seen["versions"][0]["updated_at"], made["updated_at"]);

    // A bucket that does not exist is not "no center".
    let (_, bucket) = s3_server().unwrap();
    let missing = format!("s3://{bucket}-missing-{}/team", std::process::id());
    let run = env.expect(1, &["scan", "--center", &missing]);
    run.says(&["has no bucket"]);
    assert!(!run.stderr.contains("<?xml"), "{}", run.stderr);
}

#[test]
fn a_last_segment_deleted_and_written_again_is_read_again_everywhere() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let last = segments(&env).pop().unwrap();
    env.bucket().delete(&last).unwrap();
    // Someone who never saw it writes the same number.
    let colleague = env.colleague();
    colleague.write("b.bin", b"b");
    colleague.ok(&["import", "b.bin", "-m", "m", "--version", "1"]);
    assert_eq!(segments(&env).pop().unwrap(), last);

    let run = env.run(&["scan", "-m", "m", "--version", "1"]);
    run.says(&[&last, "written again"]);
    assert_eq!(
        env.scan_paths("m", "1"),
        ["b.bin"],
        "as every new cache reads it"
    );
    assert_eq!(env.colleague().scan_paths("m", "1"), ["b.bin"]);
}

#[test]
fn a_write_that_meets_a_drop_is_refused_and_every_cache_agrees() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let (upstream, _) = s3_server().unwrap();
    let log_puts = |method: &str, path: &str| method == "PUT" && path.contains("/log/");
    let slow = LossyProxy::delaying(&upstream, log_puts, std::time::Duration::from_secs(3));
    let mut late = env.colleague();
    late.endpoint = Some(slow.endpoint.clone());
    let describe = [
        "register",
        "-m",
        "m",
        "--version",
        "1",
        "--description",
        "late",
    ];
    let outcome = thread::scope(|scope| {
        let writer = scope.spawn(|| late.run(&describe));
        // The late writer has read the log; the version is dropped before its write lands.
        thread::sleep(std::time::Duration::from_millis(1000));
        env.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
        writer.join().unwrap()
    });
    assert_eq!(outcome.code, 1, "{}", outcome.stderr);
    outcome.says(&["deleted meanwhile"]);
    for machine in [&env, &late, &env.colleague()] {
        let run = machine.run(&["versions", "-m", "m", "--json"]);
        let none = run.code == 1 || run.json()["versions"].as_array().unwrap().is_empty();
        assert!(
            none,
            "no machine has the version: {}{}",
            run.stdout, run.stderr
        );
    }
}

#[test]
fn keys_mfile_never_writes_and_logs_gone_whole_are_told_apart() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    env.ok(&["import", "a.bin", "-m", "m", "--version", "2"]);
    let bucket = env.bucket();
    // A stray object under log/ with a name mfile refuses is no segment: no warning, no block.
    bucket
        .put_new("log/-stray/1/0000000001.json", b"{}".to_vec().into())
        .unwrap();
    let colleague = env.colleague();
    let run = colleague.run(&["profiles"]);
    assert!(!run.stderr.contains("-stray"), "{}", run.stderr);
    colleague.ok(&["gc", "--dry-run", "--grace", "0s"]);

    // Version 2's whole log deleted: the cache that read it says so.
    for key in segments(&env).iter().filter(|k| k.starts_with("log/m/2/")) {
        bucket.delete(key).unwrap();
    }
    env.run(&["scan", "-m", "m", "--version", "1"])
        .says(&["log of m 2", "whole log is gone"]);

    // A segment of a newer mfile: upgrade, not delete.
    let seq = next_seq(&env, "m", "1");
    let newer = serde_json::json!({"format": 3, "model": "m", "version": "1", "seq": seq});
    let key = format!("log/m/1/{seq:010}.json");
    bucket
        .put_new(&key, serde_json::to_vec(&newer).unwrap().into())
        .unwrap();
    let run = env.colleague().run(&["scan", "-m", "m", "--version", "1"]);
    run.says(&[&key, "newer mfile", "upgrade mfile"]);
    assert!(!run.stderr.contains("mfile delete"), "{}", run.stderr);
}

#[test]
fn dropping_a_model_writes_nothing_into_the_logs_of_a_model_its_name_begins() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    env.ok(&["import", "a.bin", "-m", "m2", "--version", "9"]);
    env.ok(&["delete", "-m", "m", "--all", "--yes"]);
    let stray: Vec<String> = segments(&env)
        .into_iter()
        .filter(|k| k.starts_with("log/m/9/"))
        .collect();
    assert!(
        stray.is_empty(),
        "drops written for m2's versions: {stray:?}"
    );
    let versions = env.colleague().json(&["versions", "-m", "m2"]);
    assert_eq!(versions["versions"][0]["version"], "9");
}

#[test]
fn what_every_reader_would_refuse_is_never_written() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    env.expect(
        2,
        &[
            "register",
            "-m",
            "m",
            "--version",
            "1",
            "--description",
            "l1\nl2",
        ],
    )
    .says(&["nothing was written", "control characters"]);
    env.expect(2, &["tag", "-m", "m", "--version", "1", "k=a\u{1b}[31mb"])
        .says(&["nothing was written"]);
    // The version stays whole for everyone: a colleague imports into it.
    let colleague = env.colleague();
    colleague.write("b.bin", b"b");
    colleague.ok(&["import", "b.bin", "-m", "m", "--version", "1"]);
    assert_eq!(env.scan_paths("m", "1"), ["a.bin", "b.bin"]);
    env.ok(&["verify", "-m", "m"]);
}
