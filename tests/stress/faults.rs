//! Faults: a center on a filesystem that fills up mid-import, a center on a read-only mount,
//! and a stored file with a flipped byte. The mounts are small tmpfs filesystems, which needs
//! root; `MFILE_STRESS_MOUNTS=1` (set by .ci/run and tests/stress/run) makes a failed mount an
//! error instead of a reported skip.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::partials;
use crate::harness::{Env, md5_hex, noise, start_ui};

/// A tmpfs mounted at a folder of the test, unmounted when dropped.
struct Mount(PathBuf);

impl Mount {
    fn tmpfs(at: &Path, size_mib: u32) -> Option<Mount> {
        std::fs::create_dir_all(at).unwrap();
        let mount = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size_mib}m"), "none"])
            .arg(at)
            .output();
        Mount::made(mount, at, "a tmpfs (run as root)")
    }

    /// A FUSE mount of `source` at `at` (bindfs): a real network-class filesystem for SQLite.
    fn fuse(source: &Path, at: &Path) -> Option<Mount> {
        std::fs::create_dir_all(source).unwrap();
        std::fs::create_dir_all(at).unwrap();
        let mount = Command::new("bindfs").arg(source).arg(at).output();
        Mount::made(mount, at, "bindfs (apt-get install bindfs; run as root)")
    }

    /// The mount, or a reported skip; with `MFILE_STRESS_MOUNTS=1` a failed mount fails the test.
    fn made(mount: std::io::Result<std::process::Output>, at: &Path, what: &str) -> Option<Mount> {
        if mount.is_ok_and(|o| o.status.success()) {
            return Some(Mount(at.to_path_buf()));
        }
        let required = std::env::var("MFILE_STRESS_MOUNTS").is_ok_and(|v| v == "1");
        assert!(!required, "could not mount {what} at {}", at.display());
        eprintln!("stress: faults: SKIPPED: could not mount {what}");
        None
    }

    fn read_only(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,ro"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success(), "remount read-only");
    }
}

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

fn at(env: &Env, center: &Path, args: &[&str]) -> crate::harness::Run {
    let mut all = vec!["--center", center.to_str().unwrap()];
    all.extend_from_slice(args);
    env.run(&all)
}

#[test]
fn a_full_disk_fails_the_import_cleanly_and_keeps_what_was_there() {
    let env = Env::new();
    let Some(_mount) = Mount::tmpfs(&env.root.join("small"), 32) else {
        return;
    };
    let center = env.root.join("small/center");
    let filler = env.root.join("small/filler");
    std::fs::write(&filler, noise(14 << 20, 1)).unwrap();
    let first = noise(8 << 20, 2);
    env.write("first.bin", &first);
    env.write("second.bin", noise(12 << 20, 3));
    assert_eq!(
        at(
            &env,
            &center,
            &["import", "first.bin", "-m", "m", "--version", "1"]
        )
        .code,
        0
    );

    let full = at(
        &env,
        &center,
        &["import", "second.bin", "-m", "m", "--version", "1"],
    );
    assert_eq!(full.code, 1, "{}", full.stderr);
    assert!(
        full.stderr.contains("No space left on device"),
        "{}",
        full.stderr
    );
    let scan = at(
        &env,
        &center,
        &["scan", "-m", "m", "--version", "1", "--json"],
    );
    let files = scan.json()["files"].as_array().unwrap().clone();
    assert_eq!(files.len(), 1, "the version is as it was");
    assert_eq!(files[0]["md5"], md5_hex(&first).as_str());
    assert_eq!(at(&env, &center, &["verify"]).code, 0);
    assert!(
        partials(&env, &center).is_empty(),
        "{:?}",
        partials(&env, &center)
    );
    assert!(
        env.tree(&center.join("staging")).is_empty(),
        "the temp copy was removed"
    );

    std::fs::remove_file(&filler).unwrap();
    let again = at(
        &env,
        &center,
        &["import", "second.bin", "-m", "m", "--version", "1"],
    );
    assert_eq!(again.code, 0, "{}", again.stderr);
    assert_eq!(at(&env, &center, &["verify"]).code, 0);
    eprintln!("stress: faults: disk full mid-import: refused cleanly, state kept, later import ok");
}

#[test]
fn a_full_destination_fails_the_pull_naming_file_and_folder() {
    let env = Env::new();
    let Some(_mount) = Mount::tmpfs(&env.root.join("small"), 1) else {
        return;
    };
    env.write("big.bin", noise(3 << 20, 5));
    env.ok(&["import", "big.bin", "-m", "m", "--version", "1"]);
    let to = env.root.join("small/out");
    let full = env.run(&[
        "pull",
        "-m",
        "m",
        "--version",
        "1",
        "--to",
        to.to_str().unwrap(),
    ]);
    assert_eq!(full.code, 1, "{}", full.stderr);
    full.says(&[
        "could not write big.bin into",
        "small/out",
        "No space left on device",
    ]);
    assert!(
        env.tree(&to).is_empty(),
        "nothing half-written: {:?}",
        env.tree(&to)
    );
}

#[test]
fn a_read_only_center_can_be_read_and_refuses_writes_clearly() {
    let env = Env::new();
    let Some(mount) = Mount::tmpfs(&env.root.join("ro"), 16) else {
        return;
    };
    let center = env.root.join("ro/center");
    env.write("a.bin", "a");
    assert_eq!(
        at(
            &env,
            &center,
            &["import", "a.bin", "-m", "m", "--version", "1"]
        )
        .code,
        0
    );
    assert_eq!(
        at(
            &env,
            &center,
            &["log-metric", "-m", "m", "--run", "r", "loss=1"]
        )
        .code,
        0
    );
    mount.read_only();

    for args in [
        &["scan", "-l"][..],
        &["verify"],
        &["versions", "-m", "m"],
        &["runs", "--all-users"],
        &["pull", "-m", "m", "--version", "1", "--to", "ws"],
    ] {
        let run = at(&env, &center, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }
    assert_eq!(std::fs::read(env.work.join("ws/a.bin")).unwrap(), b"a");
    for args in [
        &["import", "a.bin", "-m", "m", "--version", "2"][..],
        &["log-metric", "-m", "m", "--run", "r", "loss=2"],
    ] {
        let run = at(&env, &center, args);
        assert_eq!(run.code, 1, "{args:?}");
        assert!(
            run.stderr.contains("read-only filesystem"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let delete = at(
        &env,
        &center,
        &["delete", "-m", "m", "--version", "1", "a.bin"],
    );
    assert_eq!(delete.code, 1);
    assert!(
        delete.stderr.contains("read-only filesystem"),
        "{}",
        delete.stderr
    );
    eprintln!("stress: faults: read-only center: 5 reading commands work, 3 writes refused");
}

#[test]
fn a_flipped_byte_is_reported_and_never_delivered() {
    let env = Env::new();
    let data = noise(1 << 20, 4);
    env.write("w.bin", &data);
    env.ok(&["import", "w.bin", "-m", "m", "--version", "1"]);
    let stored = env.stored("m", "1", "w.bin");
    let mut bytes = std::fs::read(&stored).unwrap();
    bytes[123_456] ^= 0x01;
    // stored files are read-only (0444); the test plays a failing disk
    std::fs::set_permissions(&stored, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    std::fs::write(&stored, &bytes).unwrap();

    let verify = env.expect(1, &["verify"]);
    assert!(
        verify.stdout.contains("corrupted") && verify.stdout.contains("w.bin"),
        "{}",
        verify.stdout
    );
    env.expect(1, &["pull", "-m", "m", "--version", "1", "--to", "ws"])
        .says(&["does not match the catalog's md5", "not delivered"]);
    assert!(
        !env.work.join("ws/w.bin").exists(),
        "the bad copy was not delivered"
    );
    assert!(partials(&env, &env.work.join("ws")).is_empty());
    eprintln!("stress: faults: flipped byte: verify reports it, pull refuses it");
}

/// Runs mfile as if on another host: in a new UTS namespace with its own host name (root only).
fn on_other_host(env: &Env, center: &Path, args: &[&str]) -> crate::harness::Run {
    let isolated = env.command(&[]);
    let script = "hostname other-host && exec \"$@\"";
    let mut all = vec!["-u", "sh", "-c", script, "sh", crate::harness::bin()];
    all.extend(["--center", center.to_str().unwrap()]);
    all.extend_from_slice(args);
    let out = Command::new("unshare")
        .args(&all)
        .env_clear()
        .envs(isolated.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .current_dir(&env.work)
        .output()
        .unwrap();
    crate::harness::Run {
        args: all.iter().map(|s| s.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

#[test]
fn a_center_on_a_network_filesystem_is_read_but_written_only_by_its_claimed_host() {
    let env = Env::new();
    let Some(_mount) = Mount::fuse(&env.root.join("export"), &env.root.join("nfs")) else {
        return;
    };
    let center = env.root.join("nfs/center");
    env.write("a.txt", "a");
    let refused = at(
        &env,
        &center,
        &["import", "a.txt", "-m", "m", "--version", "1"],
    );
    assert_eq!(refused.code, 1);
    refused.says(&["network filesystem (fuse", "mfile claim-writer"]);
    assert!(!center.exists(), "a refused import creates no center");

    let claimed = at(&env, &center, &["claim-writer", "--json"]);
    assert_eq!(claimed.code, 0, "{}", claimed.stderr);
    assert!(
        claimed.json()["network_filesystem"]
            .as_str()
            .unwrap()
            .starts_with("fuse")
    );
    for args in [
        &["import", "a.txt", "-m", "m", "--version", "1"][..],
        &["log-metric", "-m", "m", "--run", "r", "loss=1"],
        &["verify"],
        &["pull", "-m", "m", "--version", "1", "--to", "out"],
    ] {
        let run = at(&env, &center, args);
        assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    }

    if Command::new("unshare")
        .args(["-u", "true"])
        .status()
        .is_ok_and(|s| s.success())
    {
        let other = on_other_host(
            &env,
            &center,
            &["import", "a.txt", "-m", "m", "--version", "2"],
        );
        assert_eq!(other.code, 1, "{}", other.stderr);
        assert!(
            other.stderr.contains("is its only writer"),
            "{}",
            other.stderr
        );
        let read = on_other_host(&env, &center, &["scan", "-m", "m", "--version", "1"]);
        assert_eq!(read.code, 0, "another host still reads: {}", read.stderr);
        let steal = on_other_host(&env, &center, &["claim-writer"]);
        assert_eq!(steal.code, 1, "{}", steal.stderr);
    }

    assert_eq!(at(&env, &center, &["claim-writer", "--release"]).code, 0);
    let released = at(
        &env,
        &center,
        &["delete", "-m", "m", "--version", "1", "a.txt"],
    );
    assert_eq!(released.code, 1);
    released.says(&["network filesystem"]);
    assert_eq!(
        at(&env, &center, &["scan", "-m", "m"]).code,
        0,
        "reading stays possible"
    );
}

/// A center others may only read: made by root with umask 022 (so catalog.db is 0644 and the
/// folders 0755), used by `nobody`. Needs root to switch users; skipped with a note otherwise.
/// Both ways SQLite can read it: nobody else has the catalog open (no -wal/-shm files, which
/// nobody can't create: read as immutable), and another process holds it open (they exist,
/// read-only for nobody: `mode=ro`).
#[test]
fn a_center_others_may_only_read_works_for_them() {
    use std::io::{Read, Write};
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("stress: faults: SKIPPED read-only member: needs root to run as nobody");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::set_permissions(root, std::fs::Permissions::from_mode(0o777)).unwrap();
    let bin = root.join("mfile");
    std::fs::copy(crate::harness::bin(), &bin).unwrap();
    let center = root.join("center");
    let as_user = |uid: u32, args: &[&str]| {
        let mut cmd = Command::new("setpriv");
        cmd.args([
            &format!("--reuid={uid}"),
            &format!("--regid={uid}"),
            "--clear-groups",
            "--",
        ])
        .arg(&bin)
        .args(args)
        .current_dir(root)
        .env_clear()
        .env("HOME", root)
        .env("MFILE_CENTER", &center)
        .env("MFILE_CONFIG", "")
        .env("NO_COLOR", "1");
        cmd
    };
    let run = |uid: u32, args: &[&str]| {
        let out = as_user(uid, args).output().unwrap();
        let text = format!(
            "mfile {args:?} as {uid}: exit {:?}\n{}{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            text,
        )
    };
    // SAFETY: umask has no preconditions; the old mask is put back right away.
    let old = unsafe { libc::umask(0o022) };
    std::fs::write(root.join("a.bin"), "a").unwrap();
    let made = run(0, &["import", "a.bin", "-m", "m", "--version", "1"]);
    let made_run = run(0, &["log-param", "-m", "m", "--run", "r", "lr=1"]);
    // SAFETY: as above.
    unsafe { libc::umask(old) };
    assert_eq!(made.0, Some(0), "{}", made.2);
    assert_eq!(made_run.0, Some(0), "{}", made_run.2);
    let mode = std::fs::metadata(center.join("catalog.db"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o644);
    assert!(
        !center.join("catalog.db-wal").exists(),
        "no one has it open"
    );

    let nobody = 65534;
    let reads = |label: &str| {
        let (code, stdout, text) = run(nobody, &["scan", "-m", "m", "--version", "1"]);
        assert_eq!(code, Some(0), "{label}: {text}");
        assert!(stdout.contains("a.bin"), "{label}: {text}");
        for args in [
            &["verify"][..],
            &["versions", "-m", "m"],
            &["runs", "-m", "m", "--all-users"],
            &[
                "pull",
                "-m",
                "m",
                "--version",
                "1",
                "--to",
                &format!("out-{label}"),
            ],
        ] {
            let (code, _, text) = run(nobody, args);
            assert_eq!(code, Some(0), "{label}: {text}");
        }
        assert_eq!(
            std::fs::read(root.join(format!("out-{label}/a.bin"))).unwrap(),
            b"a"
        );
        // The page: started, asked for the models, stopped.
        let (ui, addr) = start_ui(as_user(nobody, &["ui", "--bind", "127.0.0.1:0"]), None);
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(stream, "GET /api/models HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).unwrap();
        drop(ui); // kills and reaps it
        assert_eq!(reply.split(' ').nth(1), Some("200"), "{label}: ui: {reply}");
        // Writing is refused with a message that says why, and changes nothing.
        let (code, _, text) = run(nobody, &["log-param", "-m", "m", "--run", "n", "lr=2"]);
        assert_eq!(code, Some(1), "{label}: {text}");
        assert!(
            text.contains("can't be written by this user"),
            "{label}: {text}"
        );
        assert!(
            !text.contains("attempt to write a readonly database"),
            "{text}"
        );
        let (code, _, text) = run(nobody, &["delete", "-m", "m", "--version", "1", "a.bin"]);
        assert_eq!(code, Some(1), "{label}: {text}");
        assert!(text.contains("read-only here"), "{label}: {text}");
    };
    reads("closed");
    assert!(
        !center.join("catalog.db-wal").exists(),
        "nobody made no -wal file"
    );

    // Another process has the catalog open: its -wal and -shm files exist (root's, 0644).
    let holder = rusqlite::Connection::open(center.join("catalog.db")).unwrap();
    holder
        .query_row("SELECT count(*) FROM files", [], |r| r.get::<_, i64>(0))
        .unwrap();
    assert!(center.join("catalog.db-shm").exists());
    reads("open");
    drop(holder);
    eprintln!("stress: faults: a read-only member, catalog closed and open elsewhere, 0 failures");
}
