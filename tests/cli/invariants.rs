//! The invariants: no partial file is ever visible, a killed import re-runs to a clean state,
//! and concurrent processes all succeed with nothing lost.

use std::fs;
use std::process::Child;
use std::time::Duration;

use crate::harness::{Env, md5_hex, noise};

fn kill(mut child: Child) {
    let _ = child.kill(); // SIGKILL on Unix
    let _ = child.wait();
}

#[test]
fn an_import_killed_at_any_moment_reruns_to_a_clean_state() {
    let env = Env::new();
    let data = noise(48 << 20, 7);
    env.write("big/weights.bin", &data);
    env.write("big/config.json", "{}");
    for small in 0..40 {
        env.write(&format!("big/shards/{small}.bin"), noise(4096, small));
    }
    let stored = env.stored("m", "1", "weights.bin");
    // Kill at growing delays: before staging, mid-copy, around publish and commit.
    for delay_ms in [0, 5, 20, 60, 120, 250, 400] {
        let child = env
            .command(&["import", "big", "-m", "m", "--version", "1", "-q"])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        kill(child);
        // Whatever is visible in the version is complete: no partial ever has its final name.
        if stored.exists() {
            assert_eq!(
                md5_hex(&fs::read(&stored).unwrap()),
                md5_hex(&data),
                "after {delay_ms} ms"
            );
        }
        for path in env.tree(&env.stored("m", "1", "")) {
            assert!(!path.contains(".part"), "a partial is visible: {path}");
        }
        env.ok(&["import", "big", "-m", "m", "--version", "1", "-q"]);
        env.ok(&["verify"]);
        assert_eq!(env.scan_paths("m", "1").len(), 42);
        assert!(
            env.tree(&env.center.join("staging")).is_empty(),
            "the re-run swept the staging area"
        );
        env.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
    }
}

#[test]
fn a_pull_killed_midway_reruns_without_leftovers() {
    let env = Env::new();
    let data = noise(32 << 20, 3);
    env.write("w.bin", &data);
    env.ok(&["import", "w.bin", "-m", "m", "--version", "1"]);
    for delay_ms in [1, 10, 40] {
        let ws = env.work.join(format!("ws{delay_ms}"));
        let to = ws.display().to_string();
        let child = env
            .command(&["pull", "-m", "m", "--version", "1", "--to", &to])
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        kill(child);
        if let Ok(bytes) = fs::read(ws.join("w.bin")) {
            assert_eq!(bytes.len(), data.len(), "a visible file is complete");
        }
        env.ok(&["pull", "-m", "m", "--version", "1", "--to", &to]);
        assert_eq!(
            env.tree(&ws),
            ["w.bin"],
            "no partial is left in the workspace"
        );
        assert_eq!(
            md5_hex(&fs::read(ws.join("w.bin")).unwrap()),
            md5_hex(&data)
        );
    }
}

#[test]
fn concurrent_imports_into_one_version_all_succeed() {
    let env = Env::new();
    let writers = 8;
    for w in 0..writers {
        for f in 0..20 {
            env.write(&format!("src{w}/f{f}.bin"), noise(2048, w * 100 + f));
        }
        env.write(&format!("src{w}/shared.bin"), "identical in every writer");
    }
    let children: Vec<Child> = (0..writers)
        .map(|w| {
            env.command(&[
                "import",
                &format!("src{w}"),
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                &format!("w{w}"),
                "-q",
            ])
            .spawn()
            .unwrap()
        })
        .chain((0..writers).map(|_| {
            // The same file into the same path from every process: one imports, the rest agree.
            env.command(&[
                "import",
                "src0/shared.bin",
                "-m",
                "m",
                "--version",
                "1",
                "-q",
            ])
            .spawn()
            .unwrap()
        }))
        .collect();
    for child in children {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    let paths = env.scan_paths("m", "1");
    assert_eq!(
        paths.len(),
        writers as usize * 21 + 1,
        "every acknowledged write is there"
    );
    env.ok(&["verify"]);
}

#[test]
fn readers_work_while_a_writer_imports() {
    let env = Env::new();
    env.write("seed.bin", "seed");
    env.ok(&["import", "seed.bin", "-m", "m", "--version", "1"]);
    for f in 0..300 {
        env.write(&format!("many/f{f}.bin"), noise(1024, f));
    }
    let writer = env
        .command(&["import", "many", "-m", "m", "--version", "1", "-q"])
        .spawn()
        .unwrap();
    let mut readers = 0;
    for round in 0..10 {
        env.ok(&["scan", "-m", "m", "--version", "1", "-q"]);
        let to = env.work.join(format!("ws{round}")).display().to_string();
        env.ok(&[
            "pull",
            "-m",
            "m",
            "--version",
            "1",
            "seed.bin",
            "--to",
            &to,
            "-q",
        ]);
        readers += 1;
    }
    let output = writer.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(readers, 10);
    assert_eq!(env.scan_paths("m", "1").len(), 301);
}
