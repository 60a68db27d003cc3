//! `center::s3::Bucket` against a real S3 server: SeaweedFS started by `tests/s3/server start`
//! (which .ci/run does). Without MFILE_TEST_S3_ENDPOINT these tests print a note and pass,
//! unless MFILE_REQUIRE_S3=1 (set by .ci/run), which makes a missing server a failure. Each
//! test works under a prefix of its own, so they run in parallel.

use std::io::Read;
use std::net::TcpListener;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bytes::Bytes;
use mfile::center::s3::{Bucket, Created, Fetched, Replaced};
use mfile::time::Timestamp;
use mfile::values::location::{BucketSpec, BucketUrl, Credentials};

use crate::harness::{Env, md5_hex, noise, s3_spec, unfinished_upload};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// The test server's bucket under a fresh prefix, or None (and a note) without a server.
fn server(test: &str) -> Option<BucketSpec> {
    let Some(_) = var("MFILE_TEST_S3_ENDPOINT") else {
        assert!(
            var("MFILE_REQUIRE_S3").as_deref() != Some("1"),
            "MFILE_REQUIRE_S3=1 but MFILE_TEST_S3_ENDPOINT is unset; run tests/s3/server start"
        );
        eprintln!("note: {test} skipped: no S3 server (run tests/s3/server start)");
        return None;
    };
    let bucket = var("MFILE_TEST_S3_BUCKET").unwrap_or_else(|| "mfile-test".into());
    Some(s3_spec(&format!(
        "s3://{bucket}/cli/{test}-{}",
        Timestamp::now().0
    )))
}

fn open(test: &str) -> Option<Bucket> {
    server(test).map(|spec| Bucket::open(&spec).unwrap())
}

fn created(outcome: Created) -> mfile::center::s3::Etag {
    match outcome {
        Created::Created(etag) => etag,
        Created::AlreadyExists => panic!("expected Created"),
    }
}

#[test]
fn create_twice_is_already_exists_and_keeps_the_first() {
    let Some(bucket) = open("create") else { return };
    let etag = created(bucket.put_new("a/key", Bytes::from("first")).unwrap());
    assert_eq!(
        bucket.put_new("a/key", Bytes::from("second")).unwrap(),
        Created::AlreadyExists
    );
    let (bytes, now) = bucket.get("a/key").unwrap().unwrap();
    assert_eq!(bytes, "first");
    assert_eq!(now, etag);
    assert_eq!(bucket.get("a/missing").unwrap(), None);
    assert!(bucket.probe_conditional_writes("probe").unwrap());
    assert_eq!(bucket.head("probe").unwrap(), None, "the probe cleans up");
}

#[test]
fn replacing_needs_the_current_etag() {
    let Some(bucket) = open("replace") else {
        return;
    };
    let v1 = created(bucket.put_new("head", Bytes::from("v1")).unwrap());
    let v2 = match bucket
        .put_replacing("head", Bytes::from("v2"), &v1)
        .unwrap()
    {
        Replaced::Replaced(etag) => etag,
        Replaced::Precondition => panic!("the current etag was refused"),
    };
    assert_ne!(v1, v2);
    assert_eq!(
        bucket
            .put_replacing("head", Bytes::from("v3"), &v1)
            .unwrap(),
        Replaced::Precondition,
        "a stale etag"
    );
    assert_eq!(
        bucket.put_replacing("gone", Bytes::from("x"), &v1).unwrap(),
        Replaced::Precondition,
        "a missing key"
    );
    assert_eq!(
        bucket.get("head").unwrap().unwrap(),
        (Bytes::from("v2"), v2.clone())
    );
    assert_eq!(bucket.head("gone").unwrap(), None);

    // Conditional GET: unchanged, changed, gone.
    assert_eq!(
        bucket.get_if_changed("head", &v2).unwrap(),
        Fetched::NotModified
    );
    assert_eq!(
        bucket.get_if_changed("head", &v1).unwrap(),
        Fetched::Got(Bytes::from("v2"), v2.clone())
    );
    bucket.delete("head").unwrap();
    assert_eq!(
        bucket.get_if_changed("head", &v2).unwrap(),
        Fetched::Missing
    );
}

#[test]
fn of_16_racing_creators_exactly_one_wins() {
    let Some(spec) = server("race") else { return };
    let bucket = Arc::new(Bucket::open(&spec).unwrap());
    let start = Arc::new(Barrier::new(16));
    let writers: Vec<_> = (0..16)
        .map(|i| {
            let (bucket, start) = (bucket.clone(), start.clone());
            std::thread::spawn(move || {
                let body = Bytes::from(format!("writer {i} {}", "x".repeat(i * 100)));
                start.wait();
                (body.clone(), bucket.put_new("contested", body).unwrap())
            })
        })
        .collect();
    let outcomes: Vec<_> = writers.into_iter().map(|w| w.join().unwrap()).collect();
    let winners: Vec<_> = outcomes
        .iter()
        .filter_map(|(body, outcome)| match outcome {
            Created::Created(etag) => Some((body, etag)),
            Created::AlreadyExists => None,
        })
        .collect();
    assert_eq!(winners.len(), 1, "{outcomes:?}");
    let (bytes, etag) = bucket.get("contested").unwrap().unwrap();
    assert_eq!((&bytes, &etag), (winners[0].0, winners[0].1));
}

/// Counts the bytes taken from it, to compare with what the server has acknowledged.
struct Counting<'a> {
    data: &'a [u8],
    read: Arc<std::sync::atomic::AtomicU64>,
}

impl Read for Counting<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.data.read(buf)?;
        self.read
            .fetch_add(n as u64, std::sync::atomic::Ordering::SeqCst);
        Ok(n)
    }
}

#[test]
fn a_big_file_goes_up_in_parts_and_comes_back_identical() {
    let Some(bucket) = open("big") else { return };
    let size = (64 << 20) + 12_345;
    let data = noise(size, 12);
    let read = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let mut reader = Counting {
        data: &data,
        read: read.clone(),
    };
    let (mut acked, mut ahead) = (0u64, 0u64);
    let etag = bucket
        .upload("blobs/big", &mut reader, size as u64, &mut |n| {
            acked += n;
            ahead = ahead.max(read.load(std::sync::atomic::Ordering::SeqCst) - acked);
        })
        .unwrap();
    assert_eq!(acked, size as u64);
    // Memory: what was read but not yet taken by the server stays under 128 MiB.
    assert!(ahead > 0 && ahead < 128 << 20, "{ahead} bytes ahead");
    // A multipart ETag ends in -<parts>.
    assert!(etag.0.trim_matches('"').ends_with("-9"), "{etag}");
    assert_eq!(bucket.multipart_uploads("").unwrap(), vec![]);

    let info = bucket.head("blobs/big").unwrap().unwrap();
    assert_eq!((info.size, &info.etag), (size as u64, &etag));

    let mut back = Vec::new();
    let mut received = 0;
    let got = bucket
        .download("blobs/big", size as u64, &mut back, &mut |n| received += n)
        .unwrap();
    assert_eq!(got, etag);
    assert_eq!(received, size as u64);
    assert_eq!(md5_hex(&back), md5_hex(&data));

    let middle = (30 << 20) as u64..(30 << 20) as u64 + 1000;
    assert_eq!(
        bucket.get_range("blobs/big", middle.clone()).unwrap(),
        &data[middle.start as usize..middle.end as usize]
    );
    let ranges = [0..10, 5_000_000..5_000_100, size as u64 - 7..size as u64];
    let parts = bucket.get_ranges("blobs/big", &ranges).unwrap();
    for (range, part) in ranges.iter().zip(parts) {
        assert_eq!(part, &data[range.start as usize..range.end as usize]);
    }
    assert!(bucket.get_range("blobs/big", 0..size as u64 + 1).is_err());

    // The wrong size is refused before a byte is written.
    let mut sink = Vec::new();
    let err = bucket
        .download("blobs/big", size as u64 - 1, &mut sink, &mut |_| {})
        .unwrap_err();
    assert!(err.to_string().contains("not the"), "{err}");
    assert!(sink.is_empty());
}

#[test]
fn a_small_upload_is_one_put_that_replaces() {
    let Some(bucket) = open("small") else { return };
    let first = bucket
        .upload("f", &mut &b"first"[..], 5, &mut |_| {})
        .unwrap();
    let second = bucket
        .upload("f", &mut &b"second!"[..], 7, &mut |_| {})
        .unwrap();
    assert_ne!(first, second);
    assert_eq!(
        bucket.get("f").unwrap().unwrap(),
        (Bytes::from("second!"), second)
    );
    let empty = bucket
        .upload("empty", &mut &b""[..], 0, &mut |_| {})
        .unwrap();
    let mut back = Vec::new();
    assert_eq!(
        bucket.download("empty", 0, &mut back, &mut |_| {}).unwrap(),
        empty
    );
    assert!(back.is_empty());
}

#[test]
fn a_source_of_the_wrong_size_leaves_nothing_behind() {
    let Some(bucket) = open("wrong-size") else {
        return;
    };
    let data = noise(20 << 20, 3);
    for (claimed, says) in [
        (data.len() as u64 + 1, "ended after"),
        (data.len() as u64 - 1, "more than"),
        (10, "more than"),
        (11 << 20, "more than"),
    ] {
        let err = bucket
            .upload("blobs/x", &mut &data[..], claimed, &mut |_| {})
            .unwrap_err();
        assert!(err.to_string().contains(says), "{claimed}: {err}");
    }
    assert_eq!(bucket.head("blobs/x").unwrap(), None);
    assert_eq!(bucket.multipart_uploads("").unwrap(), vec![]);
}

#[test]
fn lists_are_relative_to_the_prefix_and_deletes_are_idempotent() {
    let Some(bucket) = open("list") else { return };
    for key in [
        "v1/a.bin",
        "v1/sub/b.bin",
        "v1/sub/c.bin",
        "v2/x.bin",
        "top.json",
        "v1x",
    ] {
        created(bucket.put_new(key, Bytes::from(key.to_string())).unwrap());
    }
    let keys = |prefix| -> Vec<String> {
        bucket
            .list(prefix)
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .collect()
    };
    assert_eq!(
        keys(""),
        [
            "top.json",
            "v1/a.bin",
            "v1/sub/b.bin",
            "v1/sub/c.bin",
            "v1x",
            "v2/x.bin"
        ]
    );
    assert_eq!(keys("v1"), ["v1/a.bin", "v1/sub/b.bin", "v1/sub/c.bin"]);
    assert_eq!(keys("nothing"), Vec::<String>::new());
    let top = bucket.list_dirs("").unwrap();
    assert_eq!(top.dirs, ["v1", "v2"]);
    let objects: Vec<_> = top
        .objects
        .iter()
        .map(|o| (o.key.as_str(), o.size))
        .collect();
    assert_eq!(objects, [("top.json", 8), ("v1x", 3)]);
    assert_eq!(bucket.list_dirs("v1").unwrap().dirs, ["v1/sub"]);
    let info = &bucket.list("v2").unwrap()[0];
    assert_eq!(bucket.head("v2/x.bin").unwrap().as_ref(), Some(info));
    let age = Timestamp::now().0 - info.last_modified.0;
    assert!(
        (-60_000_000_000..600_000_000_000).contains(&age),
        "{age} ns"
    );

    bucket.delete("top.json").unwrap();
    bucket.delete("top.json").unwrap();
    bucket
        .delete_many(&["v1/a.bin".into(), "v1/sub/b.bin".into(), "never".into()])
        .unwrap();
    assert_eq!(keys(""), ["v1/sub/c.bin", "v1x", "v2/x.bin"]);
}

#[test]
fn unfinished_uploads_are_listed_and_aborted() {
    let Some(spec) = server("uploads") else {
        return;
    };
    let bucket = Bucket::open(&spec).unwrap();
    // An upload begun and never finished, as a killed process leaves it.
    let id = unfinished_upload(&spec, "blobs/cut");
    let id = id.as_str();

    let pending = bucket.multipart_uploads("").unwrap();
    assert_eq!(pending.len(), 1, "{pending:?}");
    assert_eq!(
        (pending[0].key.as_str(), pending[0].upload_id.as_str()),
        ("blobs/cut", id)
    );
    let age = Timestamp::now().0 - pending[0].initiated.0;
    assert!(
        (-60_000_000_000..600_000_000_000).contains(&age),
        "{age} ns"
    );
    assert_eq!(bucket.multipart_uploads("blobs").unwrap().len(), 1);
    assert_eq!(bucket.multipart_uploads("packs").unwrap(), vec![]);

    bucket.abort_upload("blobs/cut", id).unwrap();
    assert_eq!(bucket.multipart_uploads("").unwrap(), vec![]);
}

#[test]
fn wrong_keys_are_refused_with_a_clear_message() {
    let Some(mut spec) = server("wrong-keys") else {
        return;
    };
    if let Some(keys) = &mut spec.credentials {
        keys.secret_access_key.push_str("-wrong");
    }
    let bucket = Bucket::open(&spec).unwrap();
    let err = bucket.put_new("k", Bytes::from("x")).unwrap_err();
    let text = format!("{err:#}");
    assert!(text.contains("could not write s3://"), "{text}");
    assert!(
        text.contains("the server refused the keys from AWS_ACCESS_KEY_ID"),
        "{text}"
    );
    assert_eq!(mfile::error::exit_code(&err), 1);
}

#[test]
fn a_dead_endpoint_fails_fast_and_clearly() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let spec = BucketSpec {
        url: BucketUrl::parse("s3://team/prod").unwrap(),
        endpoint: Some(format!("http://127.0.0.1:{port}")),
        region: "us-east-1".into(),
        credentials: Some(Credentials {
            access_key_id: "a".into(),
            secret_access_key: "b".into(),
            session_token: None,
            source: "the test".into(),
        }),
    };
    let bucket = Bucket::open(&spec).unwrap();
    let started = Instant::now();
    let err = bucket.head("blobs/x").unwrap_err();
    let took = started.elapsed();
    let text = format!("{err:#}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    assert!(
        text.contains("could not look up s3://team/prod/blobs/x")
            && text.contains(&format!("nothing answers at http://127.0.0.1:{port}"))
            && text.contains("Connection refused"),
        "{text}"
    );
    let mut data = &[0u8; 100][..];
    assert!(
        bucket
            .upload("blobs/y", &mut data, 100, &mut |_| {})
            .is_err()
    );
}

/// What a user can already see: a center URL is parsed, and a bad one is exit 2.
#[test]
fn center_urls_from_the_flag_the_environment_and_the_config_file() {
    let env = Env::local();
    for (url, says) in [
        ("ftp://host/x", "the scheme ftp:// is not supported"),
        ("s3://", "no bucket"),
        ("s3://bucket/a/../b", "'..' is not allowed"),
        ("s3://bucket/has space", "' ' is not allowed"),
    ] {
        env.expect(2, &["--center", url, "profiles"])
            .says(&["invalid center URL", says]);
    }
    let mut cmd = env.command(&["profiles"]);
    cmd.env("MFILE_CENTER", "s3://Bad_Bucket");
    let out = cmd.output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid bucket name"));

    // A good URL in the config file is the center: with no keys anywhere, it says which ones
    // to set.
    env.write(
        "../home/.config/mfile/config.json",
        r#"{"center": "s3://team-models/prod", "endpoint": "http://127.0.0.1:8333"}"#,
    );
    let mut cmd = env.command(&["profiles"]);
    cmd.env_remove("MFILE_CENTER");
    let out = cmd.output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("no credentials for s3://team-models/prod"),
        "{stderr}"
    );
}
