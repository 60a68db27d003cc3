//! What `import --move` removes, and the center's own storage as a source or destination:
//! nothing may lose data that exists nowhere else.

use std::fs;
use std::os::unix::fs::{PermissionsExt, symlink};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::harness::{Env, KillOnDrop};

fn signal(pid: u32, sig: &str) {
    let status = std::process::Command::new("kill")
        .args([sig, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
}

/// The repro, made deterministic: once the small log's copy sits in staging (read, not
/// yet published), the import is stopped, the log grows, and the import goes on.
#[test]
fn a_moved_source_that_changed_after_it_was_read_is_kept() {
    let env = Env::local();
    env.write("src/train.log", "line 1\n");
    env.write("src/weights.bin", vec![7u8; 96 << 20]);
    let staging = env.center.join("staging");
    let child = env
        .command(&[
            "import",
            "src/train.log",
            "src/weights.bin",
            "-m",
            "m",
            "--version",
            "1",
            "--move",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = KillOnDrop(child);
    let started = Instant::now();
    let log_staged = || {
        fs::read_dir(&staging)
            .into_iter()
            .flatten()
            .flatten()
            .any(|e| {
                e.metadata()
                    .is_ok_and(|m| m.len() == 7 && m.permissions().mode() & 0o777 == 0o444)
            })
    };
    while !log_staged() {
        assert!(started.elapsed() < Duration::from_secs(60), "never staged");
        std::thread::yield_now();
    }
    signal(child.0.id(), "-STOP");
    assert!(
        env.work.join("src/train.log").exists(),
        "the import got past its publish before it could be stopped; use a bigger weights file"
    );
    fs::OpenOptions::new()
        .append(true)
        .open(env.work.join("src/train.log"))
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"line 2\n"))
        .unwrap();
    signal(child.0.id(), "-CONT");
    let mut stderr = String::new();
    std::io::Read::read_to_string(&mut child.0.stderr.take().unwrap(), &mut stderr).unwrap();
    assert_eq!(child.0.wait().unwrap().code(), Some(1), "stderr: {stderr}");
    assert!(stderr.contains("changed after it was read"), "{stderr}");
    assert_eq!(
        fs::read_to_string(env.work.join("src/train.log")).unwrap(),
        "line 1\nline 2\n",
        "the grown log is kept"
    );
    assert!(
        !env.work.join("src/weights.bin").exists(),
        "the unchanged source was moved"
    );
    assert_eq!(
        fs::read_to_string(env.stored("m", "1", "train.log")).unwrap(),
        "line 1\n"
    );
}

#[test]
fn sources_inside_the_center_are_refused() {
    let env = Env::local();
    env.write("d/a.txt", "a");
    env.write("d/sub/b.txt", "b");
    env.ok(&["import", "d", "-m", "m", "--version", "1"]);
    let version = env.center.join("files/m/1");
    symlink(&version, env.work.join("alias")).unwrap();
    let catalog = env.center.join("catalog.db");
    let refused = [
        version.clone(),
        version.join("a.txt"),
        version.join("sub"),
        env.work.join("alias"),
        env.center.clone(),
        catalog.clone(),
    ];
    for source in &refused {
        let source = source.to_str().unwrap();
        env.expect(
            2,
            &["import", source, "-m", "m", "--version", "1", "--move"],
        )
        .says(&["the center"]);
        env.expect(
            2,
            &["import", source, "-m", "m", "--version", "2", "--move"],
        );
    }
    env.expect(
        2,
        &[
            "import",
            "alias",
            "-m",
            "m",
            "--version",
            "3",
            "-L",
            "--move",
        ],
    );
    assert_eq!(env.scan_paths("m", "1"), ["a.txt", "sub/b.txt"]);
    env.ok(&["verify"]);
    // A link to a folder elsewhere, named on the command line, is followed like cp -r does.
    symlink(env.work.join("d"), env.work.join("d-alias")).unwrap();
    env.ok(&["import", "d-alias", "-m", "m", "--version", "1"]);
    let versions = env.json(&["versions", "-m", "m"]);
    assert_eq!(
        versions["versions"].as_array().unwrap().len(),
        1,
        "no version 2 or 3"
    );
}

#[test]
fn pull_destinations_inside_the_center_are_refused() {
    let env = Env::local();
    env.write("a.txt", "one");
    env.ok(&["import", "a.txt", "-m", "m", "--version", "1"]);
    env.write("a.txt", "two");
    env.ok(&["import", "a.txt", "-m", "m", "--version", "2"]);
    let files = env.center.join("files");
    for to in [
        files.join("m/2"),
        files.join("m/2/new-folder"),
        files.clone(),
        env.center.join("staging"),
        env.center.clone(),
    ] {
        let to = to.to_str().unwrap();
        env.expect(
            2,
            &["pull", "-m", "m", "--version", "1", "--to", to, "--force"],
        );
    }
    env.ok(&["verify"]);
    assert_eq!(
        fs::read_to_string(env.stored("m", "2", "a.txt")).unwrap(),
        "two"
    );
    let outside = env.center.join("exports");
    env.ok(&[
        "pull",
        "-m",
        "m",
        "--version",
        "1",
        "--to",
        outside.to_str().unwrap(),
    ]);
}
