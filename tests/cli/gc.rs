//! `mfile gc`: on a center in a bucket (the real S3 server of `tests/s3/server`), it removes
//! exactly the blobs and packs no version names, unfinished uploads and probes, and only once
//! they are older than the grace period; on a local center, the staging folder's leftovers.

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;

use serde_json::Value;

use crate::harness::{Env, noise, s3_spec, unfinished_upload};

/// Every object of the center: key -> size.
fn objects(env: &Env) -> BTreeMap<String, u64> {
    let listed = env.bucket().list("").unwrap();
    listed.into_iter().map(|o| (o.key, o.size)).collect()
}

fn keys_under(env: &Env, prefix: &str) -> Vec<String> {
    objects(env)
        .into_keys()
        .filter(|k| k.starts_with(prefix))
        .collect()
}

fn blob(data: &[u8]) -> String {
    let hash = blake3::hash(data).to_hex().to_string();
    format!("blobs/{}/{hash}", &hash[..2])
}

/// The `removed` entries of a gc document as (kind, key), sorted.
fn removed(doc: &Value) -> Vec<(String, String)> {
    let mut found: Vec<(String, String)> = doc["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            let kind = g["kind"].as_str().unwrap().to_string();
            (kind, g["key"].as_str().unwrap().to_string())
        })
        .collect();
    found.sort();
    found
}

#[test]
fn gc_removes_exactly_the_blobs_and_packs_no_version_names() {
    let Some(env) = Env::s3() else { return };
    let (big1, big2) = (noise(2 << 20, 1), noise(3 << 20, 2));
    env.write("v1/big1.bin", &big1);
    env.write("v1/big2.bin", &big2);
    env.write("v1/small1.txt", b"small one");
    env.write("v1/small2.txt", b"small two");
    env.ok(&["import", "v1", "-m", "m", "--version", "1"]);
    let first_pack = keys_under(&env, "packs/");
    assert_eq!(first_pack.len(), 1, "the small files travel in one pack");
    env.write("small3.txt", b"small three");
    env.ok(&["import", "small3.txt", "-m", "m", "--version", "2"]);
    let second_pack: Vec<String> = keys_under(&env, "packs/")
        .into_iter()
        .filter(|k| !first_pack.contains(k))
        .collect();
    assert_eq!(second_pack.len(), 1);

    // big1 and small3 lose their last reference; small1 goes but small2 keeps its pack.
    env.ok(&[
        "delete",
        "-m",
        "m",
        "--version",
        "1",
        "big1.bin",
        "small1.txt",
    ]);
    env.ok(&["delete", "-m", "m", "--version", "2", "--all", "--yes"]);
    let before = objects(&env);
    let garbage = vec![
        ("blob".to_string(), blob(&big1)),
        ("pack".to_string(), second_pack[0].clone()),
    ];

    let dry = env.json(&["gc", "--grace", "0s", "--dry-run"]);
    assert_eq!(removed(&dry), garbage, "{dry:#}");
    assert_eq!(dry["dry_run"], true);
    let bytes = before[&blob(&big1)] + before[&second_pack[0]];
    assert_eq!(dry["totals"]["objects"], 2);
    assert_eq!(dry["totals"]["bytes"], bytes);
    assert_eq!(objects(&env), before, "a dry run removes nothing");

    let fresh = env.json(&["gc"]);
    assert_eq!(
        removed(&fresh),
        [],
        "fresh garbage is kept by the default grace"
    );
    assert_eq!(fresh["young"]["objects"], 2, "{fresh:#}");
    assert_eq!(fresh["young"]["bytes"], bytes);
    assert_eq!(objects(&env), before);

    let run = env.ok(&["gc", "--grace", "0s"]);
    run.says(&["removed 2 objects (2.0 MiB)"]);
    assert!(run.stdout.contains(&blob(&big1)), "{}", run.stdout);
    let mut expected = before.clone();
    for (_, key) in &garbage {
        expected.remove(key);
    }
    assert_eq!(objects(&env), expected, "exactly the garbage went");
    assert!(
        objects(&env).contains_key(&first_pack[0]),
        "a pack one named file still needs is kept whole"
    );

    // Everything still named is whole, on this machine and on a new one.
    for machine in [&env, &env.colleague()] {
        machine.ok(&["verify"]);
        machine.ok(&["pull", "-m", "m", "--version", "1", "--to", "out"]);
        assert_eq!(fs::read(machine.work.join("out/big2.bin")).unwrap(), big2);
        assert_eq!(
            fs::read(machine.work.join("out/small2.txt")).unwrap(),
            b"small two"
        );
    }
    let again = env.json(&["gc", "--grace", "0s"]);
    assert_eq!(removed(&again), [], "{again:#}");
    assert!(objects(&env).contains_key("mfile-center.json"));
}

#[test]
fn gc_aborts_unfinished_uploads_and_removes_stale_probes_only_past_the_grace() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let cut = format!("blobs/ab/{}", "ab".repeat(32));
    unfinished_upload(&s3_spec(env.center_url.as_deref().unwrap()), &cut);
    let probe = "probes/conditional.mfile-1@gone~0.part";
    env.bucket()
        .put_new(probe, bytes::Bytes::from_static(b"probe 1"))
        .unwrap();
    let logs = keys_under(&env, "log/");
    assert!(!logs.is_empty());

    let kept = env.json(&["gc"]);
    assert_eq!(
        removed(&kept),
        [],
        "young uploads and probes stay: {kept:#}"
    );
    assert_eq!(env.bucket().multipart_uploads("").unwrap().len(), 1);

    let doc = env.json(&["gc", "--grace", "0s"]);
    assert_eq!(
        removed(&doc),
        [
            ("probe".to_string(), probe.to_string()),
            ("upload".to_string(), cut.clone()),
        ],
        "{doc:#}"
    );
    let upload = doc["removed"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["kind"] == "upload")
        .unwrap();
    assert_eq!(
        upload["bytes"],
        Value::Null,
        "an upload's size is not known"
    );
    assert_eq!(env.bucket().multipart_uploads("").unwrap(), []);
    assert!(!objects(&env).contains_key(probe));
    assert_eq!(keys_under(&env, "log/"), logs, "the logs are never touched");
    assert!(objects(&env).contains_key("mfile-center.json"));
    env.ok(&["verify"]);
}

#[test]
fn gc_removes_nothing_while_a_log_it_could_not_read_may_name_bytes() {
    let Some(env) = Env::s3() else { return };
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    env.write("b.bin", b"b");
    env.ok(&["import", "b.bin", "-m", "m", "--version", "1"]);
    env.write("c.bin", b"c");
    env.ok(&["import", "c.bin", "-m", "m", "--version", "1"]);
    // The segment that stored b.bin goes: a new cache does not know b.bin's pack.
    let bucket = env.bucket();
    let stores_b = |key: &String| {
        let (bytes, _) = bucket.get(key).unwrap().unwrap();
        String::from_utf8_lossy(&bytes).contains("\"b.bin\"")
    };
    let hole = keys_under(&env, "log/m/1/")
        .into_iter()
        .find(stores_b)
        .unwrap();
    let hole = hole.as_str();
    bucket.delete(hole).unwrap();
    let before = objects(&env);

    let colleague = env.colleague();
    colleague.expect(1, &["gc", "--grace", "0s"]).says(&[
        "gc removed nothing",
        hole,
        "mfile delete -m m --version 1 --all",
    ]);
    assert_eq!(
        objects(&env),
        before,
        "b.bin's pack would have looked unused"
    );

    // The cache that read the segment before it went knows every file: gc goes on.
    let doc = env.json(&["gc", "--grace", "0s"]);
    assert_eq!(removed(&doc), [], "{doc:#}");
    env.ok(&["pull", "-m", "m", "--version", "1", "b.bin", "--to", "out"]);

    // Dropping the damaged version lets gc run anywhere; its packs are garbage then.
    colleague.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
    let doc = colleague.json(&["gc", "--grace", "0s"]);
    let kinds: Vec<String> = removed(&doc).into_iter().map(|(k, _)| k).collect();
    assert_eq!(kinds, ["pack", "pack", "pack"], "{doc:#}");
    assert_eq!(keys_under(&env, "packs/"), Vec::<String>::new());
}

/// A partial's name as a process of `pid` on `host` makes it.
fn partial(base: &str, pid: u32, host: &str) -> String {
    format!("{base}.mfile-{pid}@{host}~0badf00d.part")
}

#[test]
fn gc_on_a_local_center_removes_staging_leftovers_and_never_a_users_file() {
    let env = Env::local();
    env.write("a.bin", b"a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let staging = env.center.join("staging");
    // Left by an import killed on this host (its pid is gone), and by one on another host.
    let dead = partial("put", 99_999_999, &mfile::values::host());
    let elsewhere = partial("put", 1, "build-7");
    fs::write(staging.join(&dead), b"cut short").unwrap();
    fs::write(staging.join(&elsewhere), b"also cut").unwrap();
    // A version folder a killed delete had set aside.
    let aside = staging.join(partial("aside", 99_999_999, &mfile::values::host()));
    fs::create_dir_all(aside.join("sub")).unwrap();
    fs::write(aside.join("sub/w.bin"), b"123").unwrap();
    // ... holding names that are not UTF-8 (a folder of a user's files can), which it used to
    // skip and then fail on the folder it could not empty, at every gc.
    let latin1 = |name: &[u8]| std::ffi::OsStr::from_bytes(name).to_os_string();
    fs::write(aside.join("sub").join(latin1(b"caf\xe9.txt")), b"").unwrap();
    fs::create_dir_all(aside.join(latin1(b"d\xe9j\xe0")).join("x")).unwrap();
    // A file the user put in a version folder: verify reports it, gc leaves it.
    let users = env.stored("m", "1", "notes.txt");
    fs::write(&users, b"mine").unwrap();

    let dry = env.json(&["gc", "--grace", "0s", "--dry-run"]);
    assert_eq!(dry["totals"]["objects"], 3, "{dry:#}");
    assert_eq!(
        fs::read_dir(&staging).unwrap().count(),
        3,
        "a dry run removes nothing"
    );

    // The default grace: what a dead process of this host left goes; the other host's
    // partial, changed a moment ago, may be an import still running there.
    let doc = env.json(&["gc"]);
    let mut keys: Vec<String> = removed(&doc).into_iter().map(|(_, k)| k).collect();
    keys.sort();
    let mut expected = vec![
        staging.join(&dead).display().to_string(),
        aside.display().to_string(),
    ];
    expected.sort();
    assert_eq!(keys, expected, "{doc:#}");
    assert_eq!(doc["totals"]["bytes"], 9 + 3);
    assert!(staging.join(&elsewhere).exists());
    assert!(!aside.exists());

    // Past the grace (0s here) it goes too.
    let run = env.ok(&["gc", "--grace", "0s"]);
    run.says(&["removed 1 object (8 B)"]);
    assert!(run.stdout.contains(&elsewhere), "{}", run.stdout);
    assert_eq!(fs::read_dir(&staging).unwrap().count(), 0);

    assert_eq!(fs::read(&users).unwrap(), b"mine", "the user's file stays");
    env.expect(1, &["verify"]).says(&["1 problem"]);
    assert_eq!(env.scan_paths("m", "1"), ["a.bin"]);
    env.ok(&["gc"]).says(&["nothing to remove"]);
}

#[test]
fn a_bad_grace_is_bad_usage() {
    let env = Env::new();
    for bad in ["24", "1.5h", "-1h", "soon", ""] {
        env.expect(2, &["gc", &format!("--grace={bad}")])
            .says(&["is not a duration"]);
    }
}

#[test]
fn gc_needs_a_center() {
    let env = Env::new();
    env.expect(1, &["gc"]).says(&["no center at"]);
}
