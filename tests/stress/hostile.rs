//! Hostile input: a table of cases, each with its exit code and message, run in a fresh
//! temp folder; afterwards nothing outside the center changed, and for refused input (exit 2)
//! nothing changed at all. Then the cases that need a process of their own: a source that
//! grows or shrinks while it is imported.

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::time::SystemTime;

use crate::harness::{Env, noise};

/// Where a case starts from.
#[derive(Clone, Copy)]
enum Start {
    /// A center with m/1/a.bin, and awkward things in the workspace.
    Base,
    TruncatedCatalog,
    NotSqlite,
    NewerSchema,
    CenterIsAFile,
}

struct Case {
    args: Vec<OsString>,
    start: Start,
    code: i32,
    says: &'static str,
    /// Input refused part-way (a bad line under --strict) keeps what came before it.
    partial: bool,
}

fn case(args: &[&str], code: i32, says: &'static str) -> Case {
    Case {
        args: args.iter().map(OsString::from).collect(),
        start: Start::Base,
        code,
        says,
        partial: false,
    }
}

fn from(start: Start, args: &[&str], code: i32, says: &'static str) -> Case {
    Case {
        start,
        ..case(args, code, says)
    }
}

fn prepare(env: &Env, start: Start) -> bool {
    env.write("a.bin", "a");
    env.write("zero.bin", "");
    std::fs::create_dir_all(env.work.join("empty")).unwrap();
    env.write("link/real.txt", "real");
    std::os::unix::fs::symlink("/etc/passwd", env.work.join("link/outside")).unwrap();
    std::fs::create_dir_all(env.work.join("loop")).unwrap();
    std::os::unix::fs::symlink("b", env.work.join("loop/a")).unwrap();
    std::os::unix::fs::symlink("a", env.work.join("loop/b")).unwrap();
    std::fs::create_dir_all(env.work.join("fifo")).unwrap();
    let fifo = std::ffi::CString::new(env.work.join("fifo/f").into_os_string().into_vec()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    std::fs::create_dir_all(env.work.join("sock")).unwrap();
    let _socket = std::os::unix::net::UnixListener::bind(env.work.join("sock/s")).unwrap();
    std::fs::create_dir_all(env.work.join("dev")).unwrap();
    let dev =
        std::ffi::CString::new(env.work.join("dev/null").into_os_string().into_vec()).unwrap();
    // SAFETY: a valid path; makes a character device like /dev/null (needs root).
    let has_device =
        unsafe { libc::mknod(dev.as_ptr(), libc::S_IFCHR | 0o666, libc::makedev(1, 3)) } == 0;
    let odd = env.work.join("odd");
    std::fs::create_dir_all(&odd).unwrap();
    std::fs::write(odd.join(OsString::from_vec(b"bad\xffname".to_vec())), "x").unwrap();
    env.write("bad.jsonl", "[1,2]\n\"text\"\n{\"loss\": 1}\n{\"loss\":\n");
    env.write(
        "ragged.csv",
        "epoch,loss,acc\n0,1.0,0.5\n1,0.9\n2,0.8,0.6,7\n",
    );
    env.write("array.json", "[1]");
    env.write("nul-key.json", r#"{"a\u0000b": 1}"#);
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1", "-q"]);
    let catalog = env.center.join("catalog.db");
    match start {
        Start::Base => {}
        Start::TruncatedCatalog => {
            let bytes = std::fs::read(&catalog).unwrap();
            std::fs::write(&catalog, &bytes[..100]).unwrap();
            let _ = std::fs::remove_file(env.center.join("catalog.db-wal"));
        }
        Start::NotSqlite => std::fs::write(&catalog, noise(8192, 1)).unwrap(),
        Start::NewerSchema => {
            let conn = rusqlite::Connection::open(&catalog).unwrap();
            conn.pragma_update(None, "user_version", 99).unwrap();
        }
        Start::CenterIsAFile => {
            std::fs::remove_dir_all(&env.center).unwrap();
            std::fs::write(&env.center, "not a folder").unwrap();
        }
    }
    has_device
}

/// Every path below `dir` with its size and modification time (folders too).
fn snapshot(dir: &Path, skip: Option<&Path>) -> Vec<(String, u64, Option<SystemTime>)> {
    let mut out: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_entry(|e| Some(e.path()) != skip)
        .filter_map(Result::ok)
        // SQLite's -wal and -shm come and go with each connection; they hold nothing at rest
        .filter(|e| {
            let name = e.path().to_string_lossy();
            !name.ends_with("-wal") && !name.ends_with("-shm")
        })
        .map(|e| {
            let path = e.path().display().to_string();
            if e.file_type().is_dir() {
                // a folder's mtime moves with those files; its entries are compared anyway
                return (path, 0, None);
            }
            let meta = e.path().symlink_metadata().ok();
            let size = meta.as_ref().map_or(0, |m| m.len());
            (path, size, meta.and_then(|m| m.modified().ok()))
        })
        .collect();
    out.sort();
    out
}

fn cases() -> Vec<Case> {
    let long = "x".repeat(4096);
    let long_part = "y".repeat(300);
    let mut cases = vec![
        // model, version, run and user names
        case(
            &["import", "a.bin", "-m", "..", "--version", "1"],
            2,
            "invalid model name '..'",
        ),
        case(
            &["import", "a.bin", "-m", ".", "--version", "1"],
            2,
            "invalid model name '.'",
        ),
        case(
            &["import", "a.bin", "-m", "a/b", "--version", "1"],
            2,
            "invalid model name 'a/b'",
        ),
        case(
            &["import", "a.bin", "-m", "/etc", "--version", "1"],
            2,
            "invalid model name '/etc'",
        ),
        case(
            &["import", "a.bin", "-m", "", "--version", "1"],
            2,
            "invalid model name ''",
        ),
        case(
            &["import", "a.bin", "-m", &long, "--version", "1"],
            2,
            "invalid model name",
        ),
        case(
            &["import", "a.bin", "-m", "a\nb", "--version", "1"],
            2,
            "invalid model name 'a\\nb'",
        ),
        case(
            &["import", "a.bin", "-m", "a\tb", "--version", "1"],
            2,
            "invalid model name",
        ),
        case(
            &["import", "a.bin", "-m", "m\u{043e}del", "--version", "1"],
            2,
            "invalid model name",
        ),
        case(
            &["import", "a.bin", "-m", "\u{ff4d}", "--version", "1"],
            2,
            "invalid model name",
        ),
        case(
            &["import", "a.bin", "-m", "m;rm -rf", "--version", "1"],
            2,
            "invalid model name",
        ),
        case(
            &["import", "a.bin", "-m", ".hidden", "--version", "1"],
            2,
            "invalid model name",
        ),
        case(
            &["import", "a.bin", "-m", "m", "--version", ".."],
            2,
            "invalid version name '..'",
        ),
        case(
            &["import", "a.bin", "-m", "m", "--version", "1/../.."],
            2,
            "invalid version name",
        ),
        case(
            &["import", "a.bin", "-m", "m", "--version", &long],
            2,
            "invalid version name",
        ),
        case(
            &["log-metric", "-m", "m", "--run", "../r", "loss=1"],
            2,
            "invalid run name",
        ),
        case(
            &["log-metric", "-m", "m", "--run", "<script>", "loss=1"],
            2,
            "invalid run name",
        ),
        case(
            &[
                "log-metric",
                "-m",
                "m",
                "--run",
                "r",
                "--user",
                "../u",
                "loss=1",
            ],
            2,
            "invalid user name",
        ),
        case(&["metrics", "-m", "m", "--run", "a/b/c"], 2, "invalid"),
        case(&["report", "-m", "m", "--run", "../r"], 2, "invalid"),
        // paths inside a version
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "../x",
            ],
            2,
            "'..' is not allowed",
        ),
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "/abs",
            ],
            2,
            "absolute paths",
        ),
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "a/../../b",
            ],
            2,
            "'..' is not allowed",
        ),
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "a\tb",
            ],
            2,
            "control characters",
        ),
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                &long_part,
            ],
            2,
            "longer than 255",
        ),
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                &format!("{long}/{long}"),
            ],
            2,
            "longer than 4096",
        ),
        case(
            &["delete", "-m", "m", "--version", "1", "../a.bin"],
            2,
            "'..' is not allowed",
        ),
        case(
            &["delete", "-m", "m", "--version", "1", "/a.bin"],
            2,
            "absolute paths",
        ),
        case(
            &["pull", "-m", "m", "--version", "1", "../x", "--to", "ws"],
            2,
            "'..' is not allowed",
        ),
        case(
            &["pull", "-m", "m", "--version", "1", "--to", "a.bin"],
            1,
            "is not a folder",
        ),
        // what an imported folder may hold
        case(
            &["import", "link", "-m", "m", "--version", "2"],
            2,
            "symbolic link",
        ),
        case(
            &["import", "loop", "-m", "m", "--version", "2"],
            2,
            "symbolic link",
        ),
        case(
            &["import", "loop", "-m", "m", "--version", "2", "-L"],
            2,
            "Too many levels of symbolic links",
        ),
        case(
            &["import", "fifo", "-m", "m", "--version", "2"],
            2,
            "not a regular file",
        ),
        case(
            &["import", "fifo/f", "-m", "m", "--version", "2"],
            2,
            "not a regular file",
        ),
        case(
            &["import", "sock", "-m", "m", "--version", "2"],
            2,
            "not a regular file",
        ),
        case(
            &["import", "dev", "-m", "m", "--version", "2"],
            2,
            "not a regular file",
        ),
        case(
            &["import", "/dev/null", "-m", "m", "--version", "2"],
            2,
            "not a regular file",
        ),
        case(&["import", "odd", "-m", "m", "--version", "2"], 2, "UTF-8"),
        case(
            &["import", "missing.bin", "-m", "m", "--version", "2"],
            1,
            "missing.bin",
        ),
        // globs
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--include",
                "{a",
            ],
            2,
            "invalid glob",
        ),
        case(
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--exclude",
                "[z-a]",
            ],
            2,
            "invalid glob",
        ),
        case(
            &["pull", "-m", "m", "--version", "1", "[", "--to", "ws"],
            2,
            "invalid glob",
        ),
        case(
            &["delete", "-m", "m", "--version", "1", "--include", "{"],
            2,
            "invalid glob",
        ),
        case(&["scan", "--include", "a[", "-m", "m"], 2, "invalid glob"),
        // metric values and logs
        case(
            &["log-metric", "-m", "m", "--run", "r", "loss=abc"],
            2,
            "'abc' is not a number",
        ),
        case(
            &["log-metric", "-m", "m", "--run", "r", "loss=1e999"],
            2,
            "out of range",
        ),
        case(
            &["log-metric", "-m", "m", "--run", "r", "loss="],
            2,
            "is not a number",
        ),
        case(
            &["log-metric", "-m", "m", "--run", "r", "=1"],
            2,
            "invalid key",
        ),
        case(
            &[
                "log-metric",
                "-m",
                "m",
                "--run",
                "r",
                "--step",
                "abc",
                "loss=1",
            ],
            2,
            "invalid value",
        ),
        case(
            &["log-metric", "-m", "m", "--run", "r", "--file", "bad.jsonl"],
            1,
            "not a JSON object",
        ),
        Case {
            partial: true,
            ..case(
                &[
                    "log-metric",
                    "-m",
                    "m",
                    "--run",
                    "r",
                    "--file",
                    "bad.jsonl",
                    "--strict",
                ],
                2,
                "line 1",
            )
        },
        case(
            &[
                "log-metric",
                "-m",
                "m",
                "--run",
                "r",
                "--file",
                "ragged.csv",
            ],
            1,
            "cells where the header has 3",
        ),
        case(
            &[
                "log-metric",
                "-m",
                "m",
                "--run",
                "r",
                "--file",
                "nothing.jsonl",
            ],
            1,
            "nothing.jsonl",
        ),
        case(
            &["log-param", "-m", "m", "--run", "r", "--file", "array.json"],
            2,
            "expected a JSON object",
        ),
        case(
            &[
                "log-param",
                "-m",
                "m",
                "--run",
                "r",
                "--file",
                "nul-key.json",
            ],
            2,
            "invalid key",
        ),
        case(
            &["log-param", "-m", "m", "--run", "r", "novalue"],
            2,
            "is not KEY=VALUE",
        ),
        // flags and the web page
        case(&["scan", "--sort", "random"], 2, "invalid value"),
        case(
            &["delete", "-m", "m", "--all", "--include", "*"],
            2,
            "cannot be used with",
        ),
        case(
            &["delete", "-m", "m", "--version", "1", "--all"],
            2,
            "pass --yes",
        ),
        case(&["ui", "--bind", "nonsense"], 2, "invalid value"),
        case(&["frobnicate"], 2, "unrecognized subcommand"),
        // the catalog and the center itself
        from(
            Start::TruncatedCatalog,
            &["scan"],
            1,
            "could not open the catalog",
        ),
        from(Start::NotSqlite, &["scan"], 1, "could not open the catalog"),
        from(Start::NewerSchema, &["scan"], 1, "schema version 99"),
        from(
            Start::NewerSchema,
            &["import", "a.bin", "-m", "m", "--version", "2"],
            1,
            "upgrade mfile",
        ),
        from(Start::CenterIsAFile, &["scan"], 1, "is not a folder"),
        from(
            Start::CenterIsAFile,
            &["import", "a.bin", "-m", "m", "--version", "1"],
            1,
            "is not a folder",
        ),
    ];
    // A model name that is not UTF-8 at all.
    let mut raw = case(
        &["import", "a.bin", "-m", "x", "--version", "1"],
        2,
        "invalid UTF-8",
    );
    raw.args[3] = OsString::from_vec(b"m\xff".to_vec());
    cases.push(raw);
    cases
}

#[test]
fn hostile_input_gets_its_exit_code_and_changes_nothing_outside_the_center() {
    let cases = cases();
    let mut failures = Vec::new();
    let mut skipped = 0;
    for (i, case) in cases.iter().enumerate() {
        let env = Env::new();
        let has_device = prepare(&env, case.start);
        if case.args.iter().any(|a| a == "dev") && !has_device {
            skipped += 1; // mknod needs root
            continue;
        }
        let everything = snapshot(&env.root, None);
        let outside_center = snapshot(&env.root, Some(&env.center));
        let output = env.command(&[]).args(&case.args).output().unwrap();
        let (code, stderr) = (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stderr),
        );
        let what = format!("case {i}: mfile {:?}", case.args);
        if code != case.code {
            failures.push(format!(
                "{what}: exit {code}, expected {}: {stderr}",
                case.code
            ));
        }
        if !stderr.contains(case.says) {
            failures.push(format!("{what}: stderr lacks {:?}: {stderr}", case.says));
        }
        if snapshot(&env.root, Some(&env.center)) != outside_center {
            failures.push(format!("{what}: something outside the center changed"));
        }
        if code == 2 && !case.partial && snapshot(&env.root, None) != everything {
            failures.push(format!("{what}: refused input changed the center"));
        }
    }
    eprintln!(
        "stress: hostile: {} cases, {skipped} skipped (not root), {} failures",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn valid_but_odd_input_works() {
    let env = Env::new();
    prepare(&env, Start::Base);
    env.ok(&["import", "zero.bin", "-m", "m", "--version", "odd"]);
    let files = env.json(&["scan", "-m", "m", "--version", "odd"]);
    assert_eq!(files["files"][0]["md5"], "d41d8cd98f00b204e9800998ecf8427e");
    env.ok(&["import", "empty", "-m", "m", "--version", "empty"])
        .says(&["no files to import"]);
    assert!(
        env.run(&["scan", "-m", "m", "--version", "empty"]).code == 0,
        "the empty version exists"
    );
    env.ok(&["log-metric", "-m", "m", "--run", "r", "loss=NaN", "acc=inf"]);
    let runs = env.json(&["runs", "-m", "m"]);
    assert_eq!(runs["runs"][0]["metrics"]["loss"]["last"], "NaN");
    assert_eq!(runs["runs"][0]["metrics"]["acc"]["last"], "Infinity");
    env.ok(&["import", "link", "-m", "m", "--version", "followed", "-L"]);
    assert_eq!(env.scan_paths("m", "followed"), ["outside", "real.txt"]);
}

/// A source that changes while it is read is never stored half-old, half-new.
#[test]
fn a_source_that_grows_or_shrinks_while_imported_is_refused() {
    let env = Env::new();
    for (version, change) in [("grow", 1i64), ("shrink", -1)] {
        let path = env.write("moving.bin", noise(96 << 20, 9));
        let mut child = env
            .command(&["import", "moving.bin", "-m", "m", "--version", version])
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(30));
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        let len = file.metadata().unwrap().len();
        file.set_len((len as i64 + change * (1 << 20)) as u64)
            .unwrap();
        let output = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        match output.status.code() {
            // the change came before the last read: what is stored is the file as it is now
            Some(0) => {
                let stored = env.json(&["scan", "-m", "m", "--version", version]);
                let now = crate::harness::md5_hex(&std::fs::read(&path).unwrap());
                assert_eq!(stored["files"][0]["md5"], now.as_str(), "{version}");
                env.ok(&["verify"])
            }
            Some(1) => {
                assert!(
                    stderr.contains("changed while it was being imported"),
                    "{stderr}"
                );
                assert!(
                    env.scan_paths("m", version).is_empty(),
                    "nothing of it was stored"
                );
                env.ok(&["verify"])
            }
            other => panic!("{version}: exit {other:?}: {stderr}"),
        };
        child = env
            .command(&[
                "import",
                "moving.bin",
                "-m",
                "m",
                "--version",
                version,
                "--force",
            ])
            .spawn()
            .unwrap();
        assert!(
            child.wait().unwrap().success(),
            "{version}: a calm re-run imports it"
        );
    }
    eprintln!("stress: hostile: 2 sources changed during import, 0 failures");
}

/// Files and folders the user may not read: run as `nobody` (root reads everything), so this
/// needs root to switch users; skipped with a note otherwise.
#[test]
fn unreadable_files_and_folders_are_reported() {
    use std::os::unix::fs::PermissionsExt;
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("stress: hostile: SKIPPED unreadable sources: needs root to run as nobody");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let open = |p: &Path, mode| {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap()
    };
    open(root, 0o777);
    let bin = root.join("mfile");
    std::fs::copy(crate::harness::bin(), &bin).unwrap();
    std::fs::create_dir_all(root.join("src/locked")).unwrap();
    std::fs::write(root.join("src/secret.bin"), "s").unwrap();
    std::fs::write(root.join("src/fine.bin"), "ok").unwrap();
    std::fs::write(root.join("src/locked/in.bin"), "x").unwrap();
    for p in ["src", "src/fine.bin", "src/locked/in.bin"] {
        open(&root.join(p), 0o777);
    }
    open(&root.join("src/secret.bin"), 0o000);
    open(&root.join("src/locked"), 0o000);
    let as_nobody = |args: &[&str]| {
        std::process::Command::new("setpriv")
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(&bin)
            .args(args)
            .current_dir(root)
            .env_clear()
            .env("HOME", root)
            .env("MFILE_CENTER", root.join("center"))
            .env("MFILE_CONFIG", "")
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let folder = as_nobody(&["import", "src", "-m", "m", "--version", "1"]);
    let stderr = String::from_utf8_lossy(&folder.stderr);
    assert_eq!(folder.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("src/locked") && stderr.contains("Permission denied"),
        "{stderr}"
    );
    assert!(
        !root.join("center/files/m/1").exists(),
        "nothing was imported"
    );

    let file = as_nobody(&[
        "import",
        "src/secret.bin",
        "src/fine.bin",
        "-m",
        "m",
        "--version",
        "1",
    ]);
    let stderr = String::from_utf8_lossy(&file.stderr);
    assert_eq!(file.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("could not import src/secret.bin: Permission denied"),
        "{stderr}"
    );
    assert!(
        root.join("center/files/m/1/fine.bin").exists(),
        "the readable file was imported"
    );
    assert_eq!(
        std::fs::read_dir(root.join("center/staging"))
            .unwrap()
            .count(),
        0
    );
    eprintln!("stress: hostile: 2 unreadable sources (a file, a folder), 0 failures");
}
