//! Symbolic links that someone who can write the center (or the workspace) plants or swaps in:
//! no command follows them, so nothing outside the center or the workspace is read, written or
//! deleted through them.

use std::fs;
use std::os::unix::fs::symlink;

use crate::harness::Env;

/// A center whose version 1 holds `a.txt` and `sub/b.txt`, where someone then replaced the
/// stored `a.txt` by a link to a private file and the folder `sub` by a link to `outside/`.
fn planted() -> (Env, std::path::PathBuf) {
    let env = Env::local();
    env.write("d/a.txt", "stored a");
    env.write("d/sub/b.txt", "stored b");
    env.ok(&["import", "d", "-m", "m", "--version", "1"]);
    let outside = env.root.join("outside");
    fs::create_dir_all(&outside).unwrap();
    fs::write(outside.join("private.txt"), "private!").unwrap();
    fs::write(outside.join("b.txt"), "outside b").unwrap();
    let version = env.center.join("files/m/1");
    fs::remove_file(version.join("a.txt")).unwrap();
    symlink(outside.join("private.txt"), version.join("a.txt")).unwrap();
    fs::rename(version.join("sub"), env.root.join("sub-moved")).unwrap();
    symlink(&outside, version.join("sub")).unwrap();
    (env, outside)
}

#[test]
fn verify_reports_planted_links() {
    let (env, _outside) = planted();
    let run = env.expect(1, &["verify", "--json"]);
    let mut problems: Vec<(String, String)> = run.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let field = |k: &str| p[k].as_str().unwrap().to_string();
            (field("state"), field("path"))
        })
        .collect();
    problems.sort();
    let expected = [("link", "a.txt"), ("link", "sub"), ("link", "sub/b.txt")];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(s, p)| (s.to_string(), p.to_string()))
        .collect();
    assert_eq!(problems, expected);
}

#[test]
fn planted_links_are_not_written_deleted_or_read_through() {
    let (env, outside) = planted();
    env.write("new.txt", "new");
    env.expect(
        1,
        &[
            "import",
            "new.txt",
            "-m",
            "m",
            "--version",
            "1",
            "--subdir",
            "sub",
        ],
    )
    .says(&["symbolic link"]);
    assert!(!outside.join("new.txt").exists(), "nothing written outside");

    env.expect(1, &["delete", "-m", "m", "--version", "1", "sub/b.txt"]);
    assert_eq!(
        fs::read_to_string(outside.join("b.txt")).unwrap(),
        "outside b"
    );

    let run = env.expect(1, &["pull", "-m", "m", "--version", "1", "--to", "out"]);
    run.says(&["symbolic link"]);
    assert!(!env.work.join("out/a.txt").exists());
    assert!(!env.work.join("out/sub/b.txt").exists());
    assert_eq!(
        fs::read_to_string(outside.join("private.txt")).unwrap(),
        "private!"
    );
}

#[test]
fn a_version_folder_swapped_for_a_link_is_not_written_through() {
    let env = Env::local();
    env.write("a.txt", "a");
    env.ok(&["import", "a.txt", "-m", "m", "--version", "1"]);
    let outside = env.root.join("outside");
    fs::create_dir_all(&outside).unwrap();
    let version = env.center.join("files/m/1");
    fs::rename(&version, env.root.join("moved")).unwrap();
    symlink(&outside, &version).unwrap();
    env.write("b.txt", "b");
    env.expect(1, &["import", "b.txt", "-m", "m", "--version", "1"]);
    // Deleting the version removes the link itself, never what it points to.
    env.ok(&["delete", "-m", "m", "--version", "1", "--all", "--yes"]);
    assert!(
        fs::read_dir(&outside).unwrap().next().is_none(),
        "outside untouched"
    );
    assert!(fs::symlink_metadata(&version).is_err());
}

#[test]
fn names_of_up_to_255_bytes_import_and_pull() {
    let env = Env::local();
    let name = format!("{}.bin", "w".repeat(251));
    let wide = format!("{}.txt", "模".repeat(83)); // 249 + 4 bytes
    env.write(&format!("d/{name}"), "long");
    env.write(&format!("d/{wide}"), "wide");
    env.ok(&["import", "d", "-m", "m", "--version", "1"]);
    env.ok(&["pull", "-m", "m", "--version", "1", "--to", "out"]);
    assert_eq!(
        fs::read_to_string(env.work.join("out").join(&name)).unwrap(),
        "long"
    );
    assert_eq!(
        fs::read_to_string(env.work.join("out").join(&wide)).unwrap(),
        "wide"
    );
    assert_eq!(
        env.tree(&env.work.join("out")).len(),
        2,
        "no temp file left"
    );
}
