//! The S3 server killed with SIGKILL in the middle of an upload, then started again on the same
//! data: the command fails clearly, the center stays as it was, and a re-run completes. The
//! server is a private one (killing the shared one would break the tests beside this one).
//! And mfile itself killed in the middle of a big upload: the re-run sends only what is missing.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mfile::center::s3::Bucket;

use crate::harness::{Env, noise, s3_server, s3_spec};
use crate::s3_proxy::LossyProxy;

/// A SeaweedFS of this test's own, started by `tests/s3/server` in a state folder of its own.
struct PrivateServer {
    state: tempfile::TempDir,
    endpoint: String,
}

impl PrivateServer {
    fn start() -> PrivateServer {
        let state = tempfile::tempdir().unwrap();
        let out = server(state.path(), "start");
        let endpoint = out
            .lines()
            .find_map(|l| l.strip_prefix("export MFILE_TEST_S3_ENDPOINT="))
            .expect("the server's endpoint")
            .to_string();
        PrivateServer { state, endpoint }
    }

    fn kill(&self) {
        let pid = fs::read_to_string(self.state.path().join("pid")).unwrap();
        let status = Command::new("kill")
            .args(["-KILL", pid.trim()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn revive(&self) {
        server(self.state.path(), "revive");
    }

    /// The bucket at `url`, reached through this server.
    fn bucket(&self, url: &str) -> Bucket {
        let mut spec = s3_spec(url);
        spec.endpoint = Some(self.endpoint.clone());
        Bucket::open(&spec).unwrap()
    }
}

impl Drop for PrivateServer {
    fn drop(&mut self) {
        // Its data goes with it: no need to wait for a clean shutdown (up to 20 s).
        if let Ok(pid) = fs::read_to_string(self.state.path().join("pid")) {
            let _ = Command::new("kill").args(["-KILL", pid.trim()]).status();
        }
        server(self.state.path(), "stop");
    }
}

fn server(state: &Path, action: &str) -> String {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/s3/server");
    let out = Command::new("bash")
        .arg(script)
        .arg(action)
        .env("MFILE_S3_STATE", state)
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "tests/s3/server {action} failed");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_server_killed_during_an_upload_leaves_the_center_whole_and_a_rerun_completes() {
    if s3_server().is_none() {
        return;
    }
    let server = PrivateServer::start();
    let mut env = Env::s3().unwrap();
    env.endpoint = Some(server.endpoint.clone());
    env.write("small.bin", b"kept");
    env.ok(&["import", "small.bin", "-m", "m", "--version", "1"]);
    env.write("big.bin", noise(96 << 20, 5));

    let import = ["import", "big.bin", "-m", "m", "--version", "1"];
    let child = env
        .command(&import)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let bucket = server.bucket(env.center_url.as_deref().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    while bucket.multipart_uploads("").unwrap().is_empty() {
        assert!(Instant::now() < deadline, "no upload began");
        std::thread::sleep(Duration::from_millis(10));
    }
    server.kill();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("nothing answers at"), "{stderr}");

    server.revive();
    // SeaweedFS answers 500 for a few seconds after a crash, while its volumes come back.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !matches!(bucket.get("mfile-center.json"), Ok(Some(_))) {
        assert!(Instant::now() < deadline, "the server did not come back");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(
        env.scan_paths("m", "1"),
        ["small.bin"],
        "nothing half-visible"
    );
    env.ok(&["verify"]);
    let rerun = env.json(&import);
    assert_eq!(rerun["totals"]["imported"], 1, "{rerun:#}");
    env.ok(&["pull", "-m", "m", "--version", "1", "--to", "ws"]);
    assert_eq!(
        fs::read(env.work.join("ws/big.bin")).unwrap(),
        fs::read(env.work.join("big.bin")).unwrap()
    );
    let mut colleague = env.colleague();
    colleague.endpoint = Some(server.endpoint.clone());
    assert_eq!(colleague.scan_paths("m", "1"), ["big.bin", "small.bin"]);
}

/// A request that sends a part of a multipart upload.
fn part_put(method: &str, path: &str) -> bool {
    method == "PUT" && path.contains("partNumber=")
}

#[test]
fn an_import_killed_during_a_big_upload_resumes_it_where_it_stopped() {
    let Some(mut env) = Env::s3() else { return };
    let (upstream, _) = s3_server().unwrap();
    env.write("big.bin", noise(96 << 20, 7)); // 12 parts of 8 MiB
    let import = ["import", "big.bin", "-m", "m", "--version", "1"];
    // Parts go slowly, so that the import is caught with some on the server and some not.
    let slow = LossyProxy::delaying(&upstream, part_put, Duration::from_millis(400));
    env.endpoint = Some(slow.endpoint.clone());
    let mut child = env
        .command(&import)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let bucket = env.bucket();
    let deadline = Instant::now() + Duration::from_secs(60);
    let upload = loop {
        assert!(Instant::now() < deadline, "no part was uploaded");
        if let Some(upload) = bucket.multipart_uploads("").unwrap().pop()
            && !bucket
                .uploaded_parts(&upload.key, &upload.upload_id)
                .unwrap()
                .is_empty()
        {
            break upload;
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    std::thread::sleep(Duration::from_secs(1)); // the parts the proxy still holds land
    let on_server = bucket
        .uploaded_parts(&upload.key, &upload.upload_id)
        .unwrap()
        .len();
    assert!(on_server < 12, "the upload was cut off before its end");

    let counter = LossyProxy::counting(&upstream, part_put);
    env.endpoint = Some(counter.endpoint.clone());
    let rerun = env.json(&import);
    assert_eq!(rerun["totals"]["imported"], 1, "{rerun:#}");
    assert_eq!(
        counter.picked(),
        12 - on_server,
        "only the missing parts are sent"
    );
    assert!(
        bucket.multipart_uploads("").unwrap().is_empty(),
        "the upload was finished"
    );
    env.ok(&["verify", "--deep"]);
    env.ok(&["pull", "-m", "m", "--version", "1", "--to", "ws"]);
    assert_eq!(
        fs::read(env.work.join("ws/big.bin")).unwrap(),
        fs::read(env.work.join("big.bin")).unwrap()
    );
}

/// A training that prints `count` points 50 ms apart, each index also written to `progress`.
const TRAINING: &str = r#"
import json, sys, time
for i in range(int(sys.argv[1])):
    print(json.dumps({"loss": 1.0 / (i + 1)}), flush=True)
    open(sys.argv[2], "w").write(str(i))
    time.sleep(0.05)
"#;

#[test]
fn a_server_killed_during_track_loses_no_acknowledged_point() {
    if s3_server().is_none() {
        return;
    }
    let server = PrivateServer::start();
    let mut env = Env::s3().unwrap();
    env.endpoint = Some(server.endpoint.clone());
    env.ok(&["log-param", "-m", "m", "--run", "live", "lr=0.1"]);
    let progress = env.work.join("progress");
    let progress_arg = progress.to_str().unwrap().to_string();
    let child = env
        .command(&[
            "track",
            "-m",
            "m",
            "--run",
            "live",
            "--",
            "python3",
            "-c",
            TRAINING,
            "300",
            &progress_arg,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let reached = |n: u64| {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let at = fs::read_to_string(&progress)
                .ok()
                .and_then(|t| t.trim().parse::<u64>().ok());
            if at.is_some_and(|at| at >= n) {
                return;
            }
            assert!(Instant::now() < deadline, "the training did not reach {n}");
            std::thread::sleep(Duration::from_millis(20));
        }
    };
    reached(100);
    server.kill();
    reached(200);
    server.revive();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");

    // Whatever the last upload could not send (SeaweedFS answers 500 for a few seconds after a
    // crash) waits in the writer's cache; `runs push` sends it.
    let deadline = Instant::now() + Duration::from_secs(60);
    while env.run(&["runs", "push"]).code != 0 {
        assert!(Instant::now() < deadline, "the server did not come back");
        std::thread::sleep(Duration::from_millis(500));
    }
    let mut colleague = env.colleague();
    colleague.endpoint = Some(server.endpoint.clone());
    let listing = colleague.json(&["runs", "-m", "m", "--all-users"]);
    let run = &listing["runs"][0];
    assert_eq!(run["metrics"]["loss"]["count"], 300, "{listing:#}");
    assert_eq!(run["metrics"]["loss"]["last_step"], 299);
    assert_eq!(run["status"], "finished");
    assert_eq!(run["params"]["lr"]["value"], "0.1");
}

#[test]
fn a_training_records_while_the_server_is_down_and_push_uploads_later() {
    if s3_server().is_none() {
        return;
    }
    let server = PrivateServer::start();
    let mut env = Env::s3().unwrap();
    env.endpoint = Some(server.endpoint.clone());
    env.ok(&["log-param", "-m", "m", "--run", "r", "lr=1"]);
    server.kill();
    let offline = env.run(&["log-metric", "-m", "m", "--run", "r", "loss=0.5", "acc=0.9"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    offline.says(&[
        "nothing answers at",
        "recording into this machine's cache",
        "mfile runs push",
    ]);
    let listing = env.run(&["runs", "-m", "m", "--json"]);
    assert_eq!(listing.code, 0, "{}", listing.stderr);
    let run = &listing.json()["runs"][0];
    assert_eq!(run["not_uploaded"]["points"], 2, "{run:#}");
    assert_eq!(run["metrics"]["loss"]["count"], 1);
    env.expect(1, &["runs", "push"])
        .says(&["nothing answers at"]);

    server.revive();
    let deadline = Instant::now() + Duration::from_secs(60);
    let pushed = loop {
        let run = env.run(&["runs", "push", "--json"]);
        if run.code == 0 {
            break run.json();
        }
        assert!(Instant::now() < deadline, "the server did not come back");
        std::thread::sleep(Duration::from_millis(500));
    };
    assert_eq!(pushed["points"], 2, "{pushed:#}");
    assert_eq!(
        env.json(&["runs", "-m", "m"])["runs"][0]["not_uploaded"]["changes"],
        0
    );
    let mut colleague = env.colleague();
    colleague.endpoint = Some(server.endpoint.clone());
    let seen = colleague.json(&["runs", "-m", "m", "--all-users"]);
    assert_eq!(seen["runs"][0]["metrics"]["acc"]["count"], 1, "{seen:#}");
}
