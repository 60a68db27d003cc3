use crate::harness::Env;

fn center_with_versions() -> Env {
    center_with_versions_in(Env::new())
}

/// [`center_with_versions`] in `env`.
fn center_with_versions_in(env: Env) -> Env {
    env.write("v/a.bin", "a");
    env.write("v/b.json", "b");
    env.write("v/sub/c.json", "c");
    for version in ["0.9", "1.0"] {
        env.ok(&["import", "v", "-m", "m", "--version", version]);
    }
    env
}

#[test]
fn named_files_are_removed_from_disk_and_catalog() {
    let env = center_with_versions_in(Env::local());
    let doc = env.json(&[
        "delete",
        "-m",
        "m",
        "--version",
        "1.0",
        "a.bin",
        "sub/c.json",
    ]);
    assert_eq!(doc["totals"]["deleted"], 2);
    assert_eq!(env.scan_paths("m", "1.0"), ["b.json"]);
    assert!(!env.stored("m", "1.0", "a.bin").exists());
    assert!(
        !env.stored("m", "1.0", "sub").exists(),
        "the emptied folder is gone"
    );
    assert_eq!(
        env.scan_paths("m", "0.9").len(),
        3,
        "the other version is untouched"
    );
    assert!(
        env.stored("m", "0.9", "a.bin").exists(),
        "a hard-linked twin survives"
    );
}

#[test]
fn a_missing_name_deletes_nothing_unless_ignored() {
    let env = center_with_versions();
    env.expect(
        1,
        &["delete", "-m", "m", "--version", "1.0", "a.bin", "nope.bin"],
    )
    .says(&["nothing was deleted", "'nope.bin'", "--ignore-missing"]);
    assert_eq!(env.scan_paths("m", "1.0").len(), 3);
    let doc = env.json(&[
        "delete",
        "-m",
        "m",
        "--version",
        "1.0",
        "a.bin",
        "nope.bin",
        "--ignore-missing",
    ]);
    assert_eq!(doc["totals"]["deleted"], 1);
    assert_eq!(doc["totals"]["missing"], 1);
}

#[test]
fn include_deletes_matching_files_and_dry_run_keeps_them() {
    let env = center_with_versions();
    let doc = env.json(&[
        "delete",
        "-m",
        "m",
        "--version",
        "1.0",
        "--include",
        "*.json",
        "-n",
    ]);
    assert_eq!(doc["totals"]["deleted"], 2);
    assert_eq!(env.scan_paths("m", "1.0").len(), 3);
    env.ok(&[
        "delete",
        "-m",
        "m",
        "--version",
        "1.0",
        "--include",
        "*.json",
    ]);
    assert_eq!(env.scan_paths("m", "1.0"), ["a.bin"]);
}

#[test]
fn a_folder_name_is_not_a_recursive_delete() {
    let env = center_with_versions();
    env.expect(2, &["delete", "-m", "m", "--version", "1.0", "sub"])
        .says(&["is a folder", "--include 'sub/**'"]);
    env.expect(2, &["delete", "-m", "m", "--version", "1.0", "."])
        .says(&["--all"]);
    assert_eq!(env.scan_paths("m", "1.0").len(), 3);
}

#[test]
fn all_needs_confirmation_and_never_mixes_with_names() {
    let env = center_with_versions();
    env.expect(2, &["delete", "-m", "m", "--version", "1.0", "--all"])
        .says(&["pass --yes"]);
    env.expect(
        2,
        &[
            "delete",
            "-m",
            "m",
            "--version",
            "1.0",
            "--all",
            "a.bin",
            "--yes",
        ],
    );
    env.expect(2, &["delete", "-m", "m", "--version", "1.0"])
        .says(&["nothing to delete"]);
    assert_eq!(env.scan_paths("m", "1.0").len(), 3);
}

#[test]
fn all_drops_a_version_or_the_whole_model() {
    let env = center_with_versions_in(Env::local());
    env.ok(&["delete", "-m", "m", "--version", "0.9", "--all", "--yes"]);
    let versions = env.json(&["versions", "-m", "m"]);
    assert_eq!(versions["versions"].as_array().unwrap().len(), 1);
    assert!(!env.stored("m", "0.9", "").exists());
    assert_eq!(
        std::fs::read(env.stored("m", "1.0", "a.bin")).unwrap(),
        b"a"
    );
    env.ok(&["delete", "-m", "m", "--all", "--yes"]);
    assert_eq!(
        env.json(&["profiles"])["models"].as_array().unwrap().len(),
        0
    );
    assert!(!env.center.join("files/m").exists());
    env.ok(&["verify"]);
}

#[test]
fn a_drop_never_takes_files_written_into_the_version_folder_by_hand() {
    let env = Env::local();
    env.write("a.csv", "a");
    env.ok(&["import", "a.csv", "-m", "m", "--version", "1"]);
    std::fs::write(env.stored("m", "1", "new.csv"), "written by a notebook").unwrap();
    for args in [
        &[
            "delete",
            "-m",
            "m",
            "--version",
            "1",
            "--all",
            "--yes",
            "-n",
        ][..],
        &["delete", "-m", "m", "--version", "1", "--all", "--yes"],
        &["delete", "-m", "m", "--all", "--yes"],
    ] {
        env.expect(1, args)
            .says(&["nothing was deleted", "m/1/new.csv", "import --untracked"]);
    }
    assert_eq!(
        std::fs::read_to_string(env.stored("m", "1", "new.csv")).unwrap(),
        "written by a notebook"
    );
    env.ok(&["import", "--untracked", "-m", "m", "--version", "1"]);
    env.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
}

#[test]
fn a_file_name_that_is_not_utf8_is_reported_and_stops_a_drop() {
    use std::os::unix::ffi::OsStrExt;
    let env = Env::local();
    env.write("a.bin", "a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let folder = env
        .stored("m", "1", "a.bin")
        .parent()
        .unwrap()
        .to_path_buf();
    let odd = folder.join(std::ffi::OsStr::from_bytes(b"caf\xe9.txt"));
    std::fs::write(&odd, "written by a latin-1 tool").unwrap();
    let verify = env.expect(1, &["verify"]);
    verify.says(&["1 problem"]);
    assert!(
        verify.stdout.contains("caf\u{fffd}.txt"),
        "{}",
        verify.stdout
    );
    env.expect(
        1,
        &["delete", "-m", "m", "--version", "1", "--all", "--yes"],
    )
    .says(&["nothing was deleted"]);
    assert_eq!(std::fs::read(&odd).unwrap(), b"written by a latin-1 tool");
    std::fs::remove_file(&odd).unwrap();
    env.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
}
