//! A registry's verbs: aliases (`@prod`, the built-in `@latest`) with every move kept, the run
//! that produced a version, `diff` between versions, and files written straight into a
//! version's folder adopted with `import --untracked`.

use serde_json::Value;

use crate::harness::Env;

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect()
}

/// Versions 1.2 and 1.10 of `m` (1.10 made last), each with a `weights.bin` of its own.
fn two_versions(env: &Env) {
    for version in ["1.2", "1.10"] {
        env.write("weights.bin", format!("weights of {version}"));
        env.ok(&["import", "weights.bin", "-m", "m", "--version", version]);
    }
}

#[test]
fn aliases_name_versions_everywhere_a_version_is_read_and_every_move_is_kept() {
    let env = Env::new();
    two_versions(&env);
    env.ok(&["alias", "set", "-m", "m", "@prod", "1.2"]); // written with its @ too

    let config = env.json(&["config", "-m", "m", "--version", "@prod"]);
    assert_eq!(config["version"], "1.2", "{config}");
    let scan = env.json(&["scan", "-m", "m", "--version", "@prod"]);
    assert_eq!(scan["files"][0]["version"], "1.2");
    env.ok(&["pull", "-m", "m", "--version", "@prod", "--to", "prod"]);
    let pulled = std::fs::read_to_string(env.work.join("prod/weights.bin")).unwrap();
    assert_eq!(pulled, "weights of 1.2");
    env.ok(&["pull", "-m", "m", "--version", "@latest", "--to", "latest"]);
    let pulled = std::fs::read_to_string(env.work.join("latest/weights.bin")).unwrap();
    assert_eq!(
        pulled, "weights of 1.10",
        "@latest is the newest, not the highest"
    );
    env.ok(&["verify", "-m", "m", "--version", "@prod"]);

    let versions = env.json(&["versions", "-m", "m"]);
    let by_name = |name: &str| {
        versions["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["version"] == name)
            .unwrap()
            .clone()
    };
    assert_eq!(strings(&by_name("1.2")["aliases"]), ["prod"]);
    assert_eq!(strings(&by_name("1.10")["aliases"]), ["latest"]);

    // Moving and removing it are logged with who; the log outlives the alias.
    env.ok(&["alias", "set", "-m", "m", "prod", "@latest"]);
    let list = env.json(&["alias", "list", "-m", "m"]);
    assert_eq!(list["aliases"][0]["version"], "1.10");
    assert_eq!(list["latest"], "1.10");
    env.ok(&["alias", "rm", "-m", "m", "prod"]);
    let log = env.json(&["alias", "log", "-m", "m"]);
    let moves: Vec<(&str, Option<&str>)> = log["moves"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["alias"].as_str().unwrap(), m["version"].as_str()))
        .collect();
    assert_eq!(
        moves,
        [
            ("prod", Some("1.2")),
            ("prod", Some("1.10")),
            ("prod", None)
        ]
    );
    assert!(
        log["moves"][0]["by"].as_str().unwrap().starts_with("root@"),
        "{log}"
    );
    env.expect(1, &["scan", "-m", "m", "--version", "@prod"])
        .says(&["no alias 'prod'", "mfile alias list -m m"]);
}

#[test]
fn bad_aliases_are_refused() {
    let env = Env::new();
    two_versions(&env);
    env.expect(2, &["alias", "set", "-m", "m", "latest", "1.2"])
        .says(&["@latest is built in"]);
    env.expect(2, &["alias", "set", "-m", "m", "a/b", "1.2"])
        .says(&["invalid alias name"]);
    env.expect(1, &["alias", "set", "-m", "m", "prod", "9"])
        .says(&["no version '9'"]);
    env.expect(1, &["alias", "rm", "-m", "m", "prod"])
        .says(&["no alias 'prod'"]);
    env.expect(
        2,
        &["import", "weights.bin", "-m", "m", "--version", "@prod"],
    )
    .says(&["invalid version name"]);
    assert!(
        env.json(&["alias", "log", "-m", "m"])["moves"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[test]
fn an_alias_set_on_one_machine_is_seen_and_moved_on_another() {
    let Some(env) = Env::s3() else { return };
    two_versions(&env);
    env.ok(&["alias", "set", "-m", "m", "prod", "1.2"]);
    let colleague = env.colleague();
    let scan = colleague.json(&["scan", "-m", "m", "--version", "@prod"]);
    assert_eq!(scan["files"][0]["version"], "1.2");
    let scan = colleague.json(&["scan", "-m", "m", "--version", "@latest"]);
    assert_eq!(scan["files"][0]["version"], "1.10");

    colleague.ok(&["alias", "set", "-m", "m", "prod", "1.10"]);
    colleague.ok(&["alias", "set", "-m", "m", "staging", "1.2"]);
    env.ok(&["alias", "rm", "-m", "m", "staging"]);
    for machine in [&env, &colleague, &env.colleague()] {
        let list = machine.json(&["alias", "list", "-m", "m"]);
        let named: Vec<(&str, &str)> = list["aliases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["alias"].as_str().unwrap(), a["version"].as_str().unwrap()))
            .collect();
        assert_eq!(named, [("prod", "1.10")], "{list}");
        let log = machine.json(&["alias", "log", "-m", "m", "prod"]);
        let moves: Vec<&str> = log["moves"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["version"].as_str().unwrap())
            .collect();
        assert_eq!(moves, ["1.2", "1.10"], "every machine has the same history");
    }

    // Removed from 1.10 after it was set on 1.2: a new machine, which reads 1.10's log
    // before 1.2's, has no prod either.
    colleague.ok(&["alias", "rm", "-m", "m", "prod"]);
    let fresh = env.colleague();
    let list = fresh.json(&["alias", "list", "-m", "m"]);
    assert!(list["aliases"].as_array().unwrap().is_empty(), "{list}");
    fresh
        .expect(1, &["scan", "-m", "m", "--version", "@prod"])
        .says(&["no alias 'prod'"]);
}

#[test]
fn diff_lists_added_removed_and_changed_files_with_sizes() {
    let env = Env::new();
    env.write("v1/same.txt", "same");
    env.write("v1/gone.txt", "gone");
    env.write("v1/weights.bin", "old");
    env.ok(&["import", "v1", "-m", "m", "--version", "1"]);
    env.write("v2/same.txt", "same");
    env.write("v2/weights.bin", "newer");
    env.write("v2/数据/新.csv", "a,b");
    env.ok(&["import", "v2", "-m", "m", "--version", "2"]);

    let diff = env.json(&["diff", "-m", "m", "1", "2"]);
    let changes: Vec<(&str, &str)> = diff["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["path"].as_str().unwrap(), f["change"].as_str().unwrap()))
        .collect();
    assert_eq!(
        changes,
        [
            ("gone.txt", "removed"),
            ("weights.bin", "changed"),
            ("数据/新.csv", "added")
        ]
    );
    assert_eq!(diff["files"][1]["size_before"], 3);
    assert_eq!(diff["files"][1]["size_after"], 5);
    assert_eq!(diff["totals"]["unchanged"], 1);

    let human = env.ok(&["diff", "-m", "m", "1", "@latest"]);
    assert!(
        human.stdout.contains("weights.bin  (3 B -> 5 B)"),
        "{}",
        human.stdout
    );
    human.says(&["1 added, 1 removed, 1 changed, 1 file unchanged"]);
    let same = env.json(&["diff", "-m", "m", "2", "2"]);
    assert!(same["files"].as_array().unwrap().is_empty());
    env.expect(1, &["diff", "-m", "m", "1", "3"])
        .says(&["no version '3'"]);
}

#[test]
fn a_version_knows_the_run_that_produced_it() {
    let env = Env::new();
    env.ok(&["log-param", "-m", "m", "--run", "r1", "lr=0.1"]);
    env.write("weights.bin", "w");
    env.expect(
        1,
        &[
            "import",
            "weights.bin",
            "-m",
            "m",
            "--version",
            "1",
            "--run",
            "nope",
        ],
    )
    .says(&["has no run 'nope'"]);
    assert!(
        env.run(&["versions", "-m", "m", "--json"]).json()["versions"]
            .as_array()
            .unwrap()
            .is_empty(),
        "a run named wrong stops the import before it begins"
    );

    env.ok(&[
        "import",
        "weights.bin",
        "-m",
        "m",
        "--version",
        "1",
        "--run",
        "r1",
    ]);
    let versions = env.json(&["versions", "-m", "m"]);
    assert_eq!(strings(&versions["versions"][0]["runs"]), ["root/r1"]);
    let runs = env.json(&["runs", "-m", "m"]);
    assert_eq!(runs["runs"][0]["version"], "1", "{runs}");
    let table = env.ok(&["versions", "-m", "m"]).stdout;
    assert!(table.contains("root/r1"), "{table}");
    let compare = env.json(&["compare", "-m", "m", "r1"]);
    assert_eq!(compare["versions"][0], "1", "{compare}");
}

#[test]
fn files_written_into_a_version_folder_are_adopted_in_place() {
    let env = Env::local();
    env.write("a.txt", "a");
    env.ok(&["import", "a.txt", "-m", "m", "--version", "1"]);
    // A notebook's `df.to_csv(pipe.dirpath/'new.csv')`.
    let folder = env.stored("m", "1", "");
    std::fs::create_dir_all(folder.join("数据")).unwrap();
    std::fs::write(folder.join("数据/new.csv"), "x,y\n").unwrap();
    std::fs::write(folder.join("notes.txt"), "n").unwrap();

    // A link planted there is never adopted (nor followed).
    std::os::unix::fs::symlink("/etc/hostname", folder.join("planted")).unwrap();
    std::os::unix::fs::symlink("/etc", folder.join("etc")).unwrap();
    env.expect(1, &["verify", "-m", "m"])
        .says(&["import --untracked -m m --version 1"]);
    let preview = env.json(&["import", "--untracked", "-m", "m", "--version", "1", "-n"]);
    assert_eq!(preview["files"].as_array().unwrap().len(), 2);
    assert_eq!(
        env.scan_paths("m", "1"),
        ["a.txt"],
        "a preview adopts nothing"
    );

    env.ok(&["import", "--untracked", "-m", "m", "--version", "1"]);
    assert_eq!(
        env.scan_paths("m", "1"),
        ["a.txt", "notes.txt", "数据/new.csv"]
    );
    std::fs::remove_file(folder.join("planted")).unwrap();
    std::fs::remove_file(folder.join("etc")).unwrap();
    env.ok(&["verify", "-m", "m"]);
    let stored = env.stored("m", "1", "数据/new.csv");
    assert!(std::fs::metadata(&stored).unwrap().permissions().readonly());
    assert_eq!(std::fs::read(&stored).unwrap(), b"x,y\n");
    let again = env.json(&["import", "--untracked", "-m", "m", "--version", "1"]);
    assert!(again["files"].as_array().unwrap().is_empty(), "{again}");
    env.expect(
        2,
        &[
            "import",
            "a.txt",
            "--untracked",
            "-m",
            "m",
            "--version",
            "1",
        ],
    );
    env.expect(
        2,
        &["import", "--untracked", "-L", "-m", "m", "--version", "1"],
    );
}
