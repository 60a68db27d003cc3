use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::harness::{Env, md5_hex};

#[test]
fn a_file_is_stored_with_its_digest_and_mtime() {
    let env = Env::local();
    env.write("model.db", "weights v1");
    let doc = env.json(&["import", "model.db", "-m", "churn", "--version", "1.0"]);
    assert_eq!(doc["files"][0]["status"], "imported");
    assert_eq!(doc["totals"]["imported"], 1);
    let stored = env.stored("churn", "1.0", "model.db");
    assert_eq!(fs::read(&stored).unwrap(), b"weights v1");
    let meta = fs::metadata(&stored).unwrap();
    assert_eq!(meta.mtime(), 1_600_000_000, "the source's mtime is kept");
    assert_eq!(
        meta.permissions().mode() & 0o222,
        0,
        "stored files are read-only"
    );

    let scan = env.json(&["scan", "-m", "churn", "--version", "1.0"]);
    let file = &scan["files"][0];
    assert_eq!(file["model"], "churn");
    assert_eq!(file["version"], "1.0");
    assert_eq!(file["path"], "model.db");
    assert_eq!(file["size"], 10);
    assert_eq!(file["md5"], md5_hex(b"weights v1"));
    assert_eq!(file["modified_at"], "2020-09-13T12:26:40Z");
    let imported = file["imported_at"].as_str().unwrap();
    assert!(
        chrono::DateTime::parse_from_rfc3339(imported).is_ok(),
        "{imported}"
    );
}

#[test]
fn a_folder_keeps_relative_paths_under_subdir_and_merges() {
    let env = Env::new();
    env.write("out/model.onnx", "onnx");
    env.write("out/tok/vocab.json", "{}");
    env.write("extra.txt", "x");
    env.ok(&[
        "import",
        "extra.txt",
        "-m",
        "m",
        "--version",
        "v",
        "--subdir",
        "onnx",
    ]);
    env.ok(&[
        "import",
        "out/",
        "-m",
        "m",
        "--version",
        "v",
        "--subdir",
        "./onnx//",
    ]);
    assert_eq!(
        env.scan_paths("m", "v"),
        ["onnx/extra.txt", "onnx/model.onnx", "onnx/tok/vocab.json"]
    );
}

#[test]
fn reimporting_the_same_content_writes_nothing() {
    let env = Env::local();
    env.write("a.bin", "same");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let before = fs::metadata(env.stored("m", "1", "a.bin")).unwrap();
    let first = env.json(&["scan", "-m", "m", "--version", "1"]);
    let doc = env.json(&["import", "a.bin", "-m", "m", "--version", "1"]);
    assert_eq!(doc["files"][0]["status"], "unchanged");
    assert_eq!(doc["totals"]["unchanged"], 1);
    let after = fs::metadata(env.stored("m", "1", "a.bin")).unwrap();
    assert_eq!(
        before.ino(),
        after.ino(),
        "the stored file was not rewritten"
    );
    let second = env.json(&["scan", "-m", "m", "--version", "1"]);
    assert_eq!(
        first["files"][0]["imported_at"],
        second["files"][0]["imported_at"]
    );
}

#[test]
fn a_conflict_stops_the_whole_import_before_writing() {
    let env = Env::local();
    env.write("dir/a.bin", "old");
    env.ok(&["import", "dir", "-m", "m", "--version", "1"]);
    env.write("dir/a.bin", "new content");
    env.write("dir/b.bin", "brand new");
    env.expect(1, &["import", "dir", "-m", "m", "--version", "1"])
        .says(&[
            "already has this file with other content",
            "a.bin",
            "--force",
        ]);
    assert_eq!(
        env.scan_paths("m", "1"),
        ["a.bin"],
        "b.bin was not imported either"
    );
    assert_eq!(fs::read(env.stored("m", "1", "a.bin")).unwrap(), b"old");

    let doc = env.json(&["import", "dir", "-m", "m", "--version", "1", "--force"]);
    let statuses: Vec<_> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["status"].clone())
        .collect();
    assert_eq!(statuses, ["replaced", "imported"]);
    assert_eq!(
        fs::read(env.stored("m", "1", "a.bin")).unwrap(),
        b"new content"
    );
}

#[test]
fn move_removes_sources_only_after_storing_them() {
    let env = Env::local();
    env.write("one.bin", "1");
    env.write("tree/a/two.bin", "2");
    env.ok(&[
        "import",
        "one.bin",
        "tree",
        "-m",
        "m",
        "--version",
        "1",
        "--move",
    ]);
    assert!(!env.work.join("one.bin").exists());
    assert!(!env.work.join("tree").exists(), "emptied folders go too");
    assert_eq!(env.scan_paths("m", "1"), ["a/two.bin", "one.bin"]);
    assert_eq!(fs::read(env.stored("m", "1", "a/two.bin")).unwrap(), b"2");
}

#[test]
fn identical_content_is_stored_once_as_a_hard_link() {
    let env = Env::local();
    env.write("w.bin", "the same big weights");
    env.ok(&["import", "w.bin", "-m", "m", "--version", "1"]);
    let doc = env.json(&[
        "import",
        "w.bin",
        "-m",
        "m",
        "--version",
        "2",
        "--subdir",
        "copy",
    ]);
    assert_eq!(doc["files"][0]["linked"], true);
    assert_eq!(doc["totals"]["linked"], 1);
    let first = fs::metadata(env.stored("m", "1", "w.bin")).unwrap();
    let second = fs::metadata(env.stored("m", "2", "copy/w.bin")).unwrap();
    assert_eq!(first.ino(), second.ino());
    assert_eq!(first.nlink(), 2);
    // Same size and md5 is not enough: different bytes are never linked.
    env.write("other.bin", "the same big weightz");
    let doc = env.json(&["import", "other.bin", "-m", "m", "--version", "3"]);
    assert_eq!(doc["files"][0]["linked"], false);
}

#[test]
fn include_and_exclude_filter_folder_contents() {
    let env = Env::new();
    for rel in ["d/a.json", "d/deep/b.json", "d/c.bin", "d/deep/secret.json"] {
        env.write(rel, rel);
    }
    env.ok(&[
        "import",
        "d",
        "-m",
        "m",
        "--version",
        "1",
        "--include",
        "*.json",
        "--exclude",
        "secret*",
    ]);
    assert_eq!(env.scan_paths("m", "1"), ["a.json", "deep/b.json"]);
}

#[test]
fn dry_run_writes_nothing_not_even_the_center() {
    let env = Env::new();
    env.write("a.bin", "a");
    let doc = env.json(&["import", "a.bin", "-m", "m", "--version", "1", "--dry-run"]);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["files"][0]["status"], "imported");
    assert!(!env.center.exists());
}

#[test]
fn links_inside_folders_are_refused_unless_followed() {
    let env = Env::local();
    env.write("d/real.bin", "real");
    env.write("outside.bin", "outside");
    std::os::unix::fs::symlink(env.work.join("outside.bin"), env.work.join("d/link.bin")).unwrap();
    env.expect(2, &["import", "d", "-m", "m", "--version", "1"])
        .says(&["link.bin", "symbolic link", "--follow-links"]);
    assert!(
        !env.stored("m", "1", "real.bin").exists(),
        "nothing was imported"
    );
    env.ok(&["import", "d", "-m", "m", "--version", "1", "--follow-links"]);
    assert_eq!(
        fs::read(env.stored("m", "1", "link.bin")).unwrap(),
        b"outside"
    );
}

#[test]
fn special_files_and_link_loops_are_refused() {
    let env = Env::new();
    env.write("d/ok.bin", "ok");
    let fifo = env.work.join("d/pipe");
    let status = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(status.success());
    env.expect(2, &["import", "d", "-m", "m", "--version", "1"])
        .says(&["pipe", "not a regular file"]);
    fs::remove_file(&fifo).unwrap();
    std::os::unix::fs::symlink(env.work.join("d"), env.work.join("d/loop")).unwrap();
    env.expect(2, &["import", "d", "-m", "m", "--version", "1", "-L"])
        .says(&["loop"]);
}

#[test]
fn two_sources_for_one_path_are_refused() {
    let env = Env::new();
    env.write("a/x.bin", "1");
    env.write("b/x.bin", "2");
    env.expect(
        2,
        &["import", "a/x.bin", "b/x.bin", "-m", "m", "--version", "1"],
    )
    .says(&["would both be stored as x.bin"]);
}

#[test]
fn an_empty_folder_registers_the_version_and_warns() {
    let env = Env::new();
    fs::create_dir_all(env.work.join("empty")).unwrap();
    env.ok(&["import", "empty", "-m", "m", "--version", "1"])
        .says(&["no files to import"]);
    let doc = env.json(&["versions", "-m", "m"]);
    assert_eq!(doc["versions"][0]["files"], 0);
}

#[test]
fn a_missing_source_fails_with_exit_1() {
    let env = Env::new();
    env.expect(1, &["import", "nope.bin", "-m", "m", "--version", "1"])
        .says(&["could not read nope.bin"]);
}

#[test]
fn a_file_and_a_folder_can_not_share_a_path() {
    let env = Env::new();
    env.write("d/model/weights.bin", "w");
    env.ok(&["import", "d", "-m", "m", "--version", "1"]);
    env.write("model", "a file named like the folder");
    env.expect(
        1,
        &["import", "model", "-m", "m", "--version", "1", "--force"],
    )
    .says(&["model: is a folder in the version"]);
    env.write("w/model/weights.bin/inner", "below a file");
    env.expect(1, &["import", "w", "-m", "m", "--version", "1"])
        .says(&["model/weights.bin is a file in the version"]);
    env.write("e/x", "file");
    env.write("f/x/y", "folder");
    env.expect(2, &["import", "e", "f", "-m", "m", "--version", "2"])
        .says(&["x would be both a file and a folder"]);
    assert_eq!(env.scan_paths("m", "1"), ["model/weights.bin"]);
}

#[test]
fn reimporting_restores_a_stored_file_lost_from_disk() {
    let env = Env::local();
    env.write("a.bin", "precious");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    fs::remove_file(env.stored("m", "1", "a.bin")).unwrap();
    env.expect(1, &["verify"]);
    let doc = env.json(&["import", "a.bin", "-m", "m", "--version", "1"]);
    assert_eq!(doc["files"][0]["status"], "restored");
    assert_eq!(
        fs::read(env.stored("m", "1", "a.bin")).unwrap(),
        b"precious"
    );
    env.ok(&["verify"]);
}

#[test]
fn a_changed_source_is_caught_even_with_the_same_size_and_mtime() {
    let env = Env::new();
    let path = env.write("w.bin", "version one");
    env.ok(&["import", "w.bin", "-m", "m", "--version", "1"]);
    // Let the file's last change age past the racy window, then re-import twice so the
    // source cache holds a trusted entry for it.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    env.ok(&["import", "w.bin", "-m", "m", "--version", "1"]);
    let doc = env.json(&["import", "w.bin", "-m", "m", "--version", "1"]);
    assert_eq!(doc["files"][0]["status"], "unchanged");
    // Same size, mtime set back: only the content (and the ctime) differ.
    fs::write(&path, "version two").unwrap();
    crate::harness::set_mtime(&path, 1_600_000_000);
    env.expect(1, &["import", "w.bin", "-m", "m", "--version", "1"])
        .says(&["other content"]);
}

#[test]
fn a_sparse_file_stays_sparse_in_the_center_and_the_workspace() {
    use std::os::unix::fs::MetadataExt;
    let env = Env::local();
    let path = env.work.join("sparse.img");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(64 << 20).unwrap(); // all hole
    std::os::unix::fs::FileExt::write_at(&file, b"header", 0).unwrap();
    std::os::unix::fs::FileExt::write_at(&file, b"footer", (64 << 20) - 6).unwrap();
    drop(file);
    let md5 = md5_hex(&std::fs::read(&path).unwrap());
    let doc = env.json(&["import", "sparse.img", "-m", "m", "--version", "1"]);
    assert_eq!(doc["files"][0]["md5"], md5.as_str());
    env.ok(&["pull", "-m", "m", "--version", "1", "--to", "out"]);
    for copy in [
        env.stored("m", "1", "sparse.img"),
        env.work.join("out/sparse.img"),
    ] {
        let meta = std::fs::metadata(&copy).unwrap();
        assert_eq!(meta.len(), 64 << 20);
        assert!(
            meta.blocks() * 512 < 4 << 20,
            "{} holds {} bytes on disk for 12 bytes of data",
            copy.display(),
            meta.blocks() * 512
        );
    }
    assert_eq!(
        md5_hex(&std::fs::read(env.work.join("out/sparse.img")).unwrap()),
        md5
    );
    env.ok(&["verify"]);
}
