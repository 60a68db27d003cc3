//! Dry runs are the preview users rely on (the Python library's `push_preview`/`pull_preview`):
//! every file with the status the real run would give, in the conditional for people, and the
//! exit code the real run would have. Globs as the library's users wrote them.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::harness::Env;

/// `path -> status` of a batch document.
fn statuses(doc: &Value) -> BTreeMap<String, String> {
    doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let path = f["path"].as_str().unwrap().to_string();
            (path, f["status"].as_str().unwrap().to_string())
        })
        .collect()
}

fn map(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// A version with `same.bin` and `old.bin`, and a workspace where `old.bin` changed and
/// `new.bin` is new.
fn seeded() -> Env {
    let env = Env::new();
    env.write("src/same.bin", "same");
    env.write("src/old.bin", "old");
    env.ok(&["import", "src", "-m", "m", "--version", "1"]);
    env.write("src/old.bin", "changed");
    env.write("src/new.bin", "new");
    env
}

#[test]
fn an_import_preview_gives_the_real_runs_statuses_even_with_force() {
    let env = seeded();
    let args = ["import", "src", "-m", "m", "--version", "1", "--force"];
    let preview = env.json(&[&args[..], &["--dry-run"]].concat());
    let expected = map(&[
        ("new.bin", "imported"),
        ("old.bin", "replaced"),
        ("same.bin", "unchanged"),
    ]);
    assert_eq!(statuses(&preview), expected);
    assert_eq!(preview["dry_run"], true);

    let human = env.ok(&[&args[..], &["--dry-run"]].concat());
    assert!(human.stdout.contains("would import"), "{}", human.stdout);
    assert!(human.stdout.contains("would replace"), "{}", human.stdout);
    human.says(&["1 would be imported", "1 would be replaced", "1 unchanged"]);

    let real = env.json(&args);
    assert_eq!(statuses(&real), expected, "the preview told the truth");
}

#[test]
fn an_import_preview_that_meets_a_conflict_lists_every_file_and_exits_1() {
    let env = seeded();
    let args = ["import", "src", "-m", "m", "--version", "1"];
    let run = env.expect(1, &[&args[..], &["--dry-run", "--json"]].concat());
    let preview: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        statuses(&preview),
        map(&[
            ("new.bin", "imported"),
            ("old.bin", "conflict"),
            ("same.bin", "unchanged"),
        ])
    );
    let conflict = &preview["files"].as_array().unwrap()[1];
    assert!(
        conflict["error"].as_str().unwrap().contains("--force"),
        "{conflict}"
    );
    run.says(&["old.bin", "the real run would stop"]);

    let human = env.expect(1, &[&args[..], &["--dry-run"]].concat());
    assert!(human.stdout.contains("conflict"), "{}", human.stdout);
    human.says(&["1 in conflict"]);

    env.expect(1, &args)
        .says(&["this file", "old.bin", "--force"]);
    assert_eq!(env.scan_paths("m", "1"), ["old.bin", "same.bin"]);
}

#[test]
fn a_pull_preview_lists_local_conflicts_and_writes_nothing() {
    let env = seeded();
    env.write("out/old.bin", "local edit");
    let args = ["pull", "-m", "m", "--version", "1", "--to", "out"];
    let run = env.expect(1, &[&args[..], &["--dry-run", "--json"]].concat());
    let preview: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        statuses(&preview),
        map(&[("old.bin", "conflict"), ("same.bin", "pulled")])
    );
    assert!(!env.work.join("out/same.bin").exists());

    let human = env.ok(&[&args[..], &["--dry-run", "--force"]].concat());
    assert!(human.stdout.contains("would replace"), "{}", human.stdout);
    assert!(human.stdout.contains("would pull"), "{}", human.stdout);
    let edited = std::fs::read(env.work.join("out/old.bin")).unwrap();
    assert_eq!(edited, b"local edit");

    // A stored copy that is gone fails the preview as it fails the real run.
    if env.center_url.is_none() {
        std::fs::remove_file(env.stored("m", "1", "same.bin")).unwrap();
        let fresh = [
            "pull",
            "-m",
            "m",
            "--version",
            "1",
            "same.bin",
            "--to",
            "fresh",
        ];
        env.expect(1, &[&fresh[..], &["--dry-run"]].concat())
            .says(&["same.bin is missing", "mfile verify"]);
        env.expect(1, &fresh);
    }
}

#[test]
fn a_delete_preview_speaks_in_the_conditional_and_names_missing_files() {
    let env = seeded();
    let human = env.ok(&[
        "delete",
        "-m",
        "m",
        "--version",
        "1",
        "same.bin",
        "--dry-run",
    ]);
    assert!(human.stdout.contains("would delete"), "{}", human.stdout);
    human.says(&["1 would be deleted"]);

    let run = env.expect(
        1,
        &[
            "delete",
            "-m",
            "m",
            "--version",
            "1",
            "same.bin",
            "gone.bin",
            "--dry-run",
            "--json",
        ],
    );
    let preview: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(
        statuses(&preview),
        map(&[("gone.bin", "missing"), ("same.bin", "deleted")])
    );
    run.says(&["gone.bin", "--ignore-missing"]);
    assert_eq!(env.scan_paths("m", "1"), ["old.bin", "same.bin"]);
}

#[test]
fn a_drop_preview_without_yes_exits_as_the_real_run_would_with_no_terminal() {
    let env = seeded();
    let real = env.expect(2, &["delete", "-m", "m", "--version", "1", "--all"]);
    real.says(&["without confirmation", "--yes"]);
    let preview = env.expect(2, &["delete", "-m", "m", "--all", "-n", "--json"]);
    preview.says(&["the real run would refuse", "--yes"]);
    let listed: Value = serde_json::from_str(&preview.stdout).unwrap();
    assert_eq!(listed["target"], "model", "the preview is printed first");
    env.ok(&["delete", "-m", "m", "--all", "-n", "--yes"]);
    assert_eq!(env.scan_paths("m", "1"), ["old.bin", "same.bin"]);
}

#[test]
fn alternatives_as_the_python_library_wrote_them_and_patterns_that_match_nothing() {
    let env = Env::new();
    for name in ["a.csv", "b.xlsx", "c.json"] {
        env.write(&format!("src/{name}"), name);
    }
    env.ok(&[
        "import",
        "src",
        "-m",
        "m",
        "--version",
        "bar",
        "--include",
        "*.csv|*.xlsx",
    ]);
    assert_eq!(env.scan_paths("m", "bar"), ["a.csv", "b.xlsx"]);
    env.ok(&[
        "import",
        "src",
        "-m",
        "m",
        "--version",
        "braces",
        "--include",
        "{*.csv,*.xlsx}",
    ]);
    assert_eq!(env.scan_paths("m", "braces"), ["a.csv", "b.xlsx"]);

    let run = env.ok(&[
        "scan",
        "-m",
        "m",
        "--include",
        "*.csv",
        "--include",
        "*.parquet",
    ]);
    run.says(&["--include '*.parquet' matched no file"]);
    assert!(!run.stderr.contains("'*.csv'"), "{}", run.stderr);

    // An import whose --include matched nothing makes no empty version (no new @latest).
    env.ok(&[
        "import",
        "src",
        "-m",
        "m",
        "--version",
        "none",
        "--include",
        "*.parquet",
    ])
    .says(&["matched no file"]);
    let versions = env.json(&["versions", "-m", "m"]);
    let names: Vec<&str> = versions["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["bar", "braces"]);
}
