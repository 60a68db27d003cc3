use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use crate::harness::Env;

#[test]
fn register_is_idempotent_and_prints_the_config() {
    let env = Env::local();
    let first = env.json(&[
        "register",
        "-m",
        "churn",
        "--version",
        "1.0",
        "--description",
        "first cut",
        "--tag",
        "stage=dev",
    ]);
    assert_eq!(first["model"], "churn");
    assert_eq!(first["version"], "1.0");
    assert_eq!(
        first["dir"],
        env.center.join("files/churn/1.0").display().to_string()
    );
    assert_eq!(
        first["filerepo"],
        env.center.join("files/churn").display().to_string()
    );
    assert_eq!(
        first["catalog"],
        env.center.join("catalog.db").display().to_string()
    );
    assert_eq!(first["center"], env.center.display().to_string());
    assert_eq!(first["description"], "first cut");
    assert_eq!(first["tags"]["stage"], "dev");
    let again = env.json(&[
        "register",
        "-m",
        "churn",
        "--version",
        "1.0",
        "--tag",
        "stage=prod",
    ]);
    assert_eq!(again["key"], first["key"]);
    assert_eq!(again["created_at"], first["created_at"]);
    assert_eq!(again["description"], "first cut", "kept when not given");
    assert_eq!(again["tags"]["stage"], "prod");
    env.expect(
        2,
        &[
            "register",
            "-m",
            "churn",
            "--version",
            "1.0",
            "--tag",
            "novalue",
        ],
    )
    .says(&["KEY=VALUE"]);
}

#[test]
fn config_prints_model_or_version_and_human_lines() {
    let env = Env::local();
    env.ok(&["register", "-m", "m", "--version", "2"]);
    let model = env.json(&["config", "-m", "m"]);
    assert!(model["version"].is_null() && model["dir"].is_null());
    assert_eq!(
        model["filerepo"],
        env.center.join("files/m").display().to_string()
    );
    let run = env.ok(&["config", "-m", "m", "--version", "2"]);
    assert!(
        run.stdout
            .lines()
            .any(|l| l.starts_with("dir") && l.ends_with("files/m/2")),
        "{}",
        run.stdout
    );
    env.expect(1, &["config", "-m", "m", "--version", "3"])
        .says(&["no version '3'"]);
}

#[test]
fn versions_are_listed_in_natural_order_with_counts() {
    let env = Env::new();
    env.write("a.bin", "12345");
    for version in ["1.10", "1.2", "0.9", "1.2.1"] {
        env.ok(&["import", "a.bin", "-m", "m", "--version", version]);
    }
    let doc = env.json(&["versions", "-m", "m"]);
    let names: Vec<_> = doc["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["version"].clone())
        .collect();
    assert_eq!(names, ["0.9", "1.2", "1.2.1", "1.10"]);
    assert_eq!(doc["versions"][0]["files"], 1);
    assert_eq!(doc["versions"][0]["bytes"], 5);
    let table = env.ok(&["versions", "-m", "m"]).stdout;
    let first_column: Vec<_> = table
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(first_column, ["0.9", "1.2", "1.2.1", "1.10"]);
}

#[test]
fn profiles_list_every_model_with_totals() {
    let env = Env::local();
    env.write("a.bin", "abc");
    env.ok(&["import", "a.bin", "-m", "b-model", "--version", "1"]);
    env.ok(&["import", "a.bin", "-m", "a-model", "--version", "1"]);
    env.ok(&["import", "a.bin", "-m", "a-model", "--version", "2"]);
    let doc = env.json(&["profiles"]);
    assert_eq!(doc["center"], env.center.display().to_string());
    let models = doc["models"].as_array().unwrap();
    assert_eq!(models.len(), 2);
    assert_eq!(models[0]["model"], "a-model");
    assert_eq!(models[0]["versions"], 2);
    assert_eq!(models[0]["files"], 2);
    assert_eq!(models[0]["bytes"], 6);
    assert_eq!(
        models[0]["filerepo"],
        env.center.join("files/a-model").display().to_string()
    );
    assert_eq!(models[0]["key"].as_str().unwrap().len(), 16);
    assert_ne!(models[0]["key"], models[1]["key"]);
}

#[test]
fn verify_reports_missing_corrupted_and_untracked() {
    let env = Env::local();
    env.write("d/a.bin", "a");
    env.write("d/b.bin", "b");
    env.write("d/c.bin", "c");
    env.ok(&["import", "d", "-m", "m", "--version", "1"]);
    let clean = env.json(&["verify"]);
    assert_eq!(clean["checked"], 3);
    assert_eq!(clean["problems"].as_array().unwrap().len(), 0);

    fs::remove_file(env.stored("m", "1", "a.bin")).unwrap();
    let b = env.stored("m", "1", "b.bin");
    fs::set_permissions(&b, fs::Permissions::from_mode(0o644)).unwrap();
    fs::write(&b, "B").unwrap();
    fs::write(env.stored("m", "1", "stray.tmp"), "?").unwrap();
    let run = env.expect(1, &["verify", "-m", "m", "--json"]);
    let problems: Vec<(String, String)> = run.json()["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["state"].as_str().unwrap().into(),
                p["path"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            ("missing".into(), "a.bin".into()),
            ("corrupted".into(), "b.bin".into()),
            ("untracked".into(), "stray.tmp".into())
        ]
    );
    run.says(&["verify found 3 problems"]);
}

#[test]
fn the_center_comes_from_flag_env_or_config_file() {
    let env = Env::new();
    env.write("a.bin", "a");
    let flag_center = env.root.join("flag-center");
    env.ok(&[
        "import",
        "a.bin",
        "-m",
        "m",
        "--version",
        "1",
        "--center",
        &flag_center.display().to_string(),
    ]);
    assert!(flag_center.join("catalog.db").exists());
    assert!(!env.center.exists(), "--center beats MFILE_CENTER");

    let config_dir = env.root.join("home/.config/mfile");
    fs::create_dir_all(&config_dir).unwrap();
    fs::write(
        config_dir.join("config.json"),
        r#"{"center": "from-config"}"#,
    )
    .unwrap();
    import_into_the_configured_center(&env);
    assert!(
        config_dir.join("from-config/catalog.db").exists(),
        "relative to the config file"
    );

    fs::remove_file(config_dir.join("config.json")).unwrap();
    let run = env
        .command(&["register", "-m", "m", "--version", "1", "--json"])
        .env_remove("MFILE_CENTER")
        .output()
        .unwrap();
    assert!(run.status.success());
    assert!(
        env.root
            .join("home/.local/share/mfile/center/catalog.db")
            .exists(),
        "the data dir default"
    );
}

#[test]
fn a_catalog_from_a_newer_mfile_is_refused() {
    let env = Env::local();
    env.ok(&["register", "-m", "m", "--version", "1"]);
    let conn = rusqlite::Connection::open(env.center.join("catalog.db")).unwrap();
    conn.pragma_update(None, "user_version", 999).unwrap();
    drop(conn);
    env.expect(1, &["scan"])
        .says(&["schema version 999", "upgrade mfile"]);
}

#[test]
fn color_always_colours_and_auto_does_not_in_a_pipe() {
    let env = Env::new();
    env.write("a.bin", "a");
    let plain = env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    assert!(!plain.stdout.contains('\x1b'));
    let coloured = env.ok(&[
        "import",
        "a.bin",
        "-m",
        "m",
        "--version",
        "1",
        "--color",
        "always",
    ]);
    assert!(coloured.stdout.contains("\x1b["), "{:?}", coloured.stdout);
    let quiet = env.ok(&["import", "a.bin", "-m", "m", "--version", "1", "-q"]);
    assert!(quiet.stdout.is_empty() && quiet.stderr.is_empty());
}

#[test]
fn a_new_center_follows_the_umask_so_a_group_can_share_it() {
    use std::os::unix::process::CommandExt;
    let env = Env::local();
    env.write("a.bin", "a");
    let mut cmd = env.command(&["import", "a.bin", "-m", "m", "--version", "1", "-q"]);
    // SAFETY: umask is async-signal-safe and only changes the child's own mask.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0o002);
            Ok(())
        });
    }
    assert!(cmd.status().unwrap().success());
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(
        mode(&env.center.join("catalog.db")),
        0o664,
        "SQLite alone makes 0644"
    );
    assert_eq!(mode(&env.center.join("files/m/1")), 0o775);
    assert_eq!(
        mode(&env.stored("m", "1", "a.bin")),
        0o444,
        "stored files are read-only"
    );
}

/// `mfile center --json` without MFILE_CENTER (and with the extra arguments), as a document.
fn center_doc(env: &Env, extra: &[&str]) -> serde_json::Value {
    let mut args = vec!["center", "--json"];
    args.extend_from_slice(extra);
    let mut command = env.command(&args);
    command.env_remove("MFILE_CENTER");
    env.ok_command(command).json()
}

#[test]
fn a_system_config_file_sets_a_default_the_user_file_and_environment_override() {
    let env = Env::local();
    env.write("a.bin", "a");
    let system = env.system_config();
    let etc = system.parent().unwrap();
    fs::create_dir_all(etc).unwrap();
    fs::write(&system, r#"{"center": "team-center"}"#).unwrap();
    let shown = |path: &Path| path.display().to_string();

    // No user file: the system file's center, relative to the system file's folder.
    let doc = center_doc(&env, &[]);
    assert_eq!(doc["center"], shown(&etc.join("team-center")));
    assert_eq!(doc["kind"], "folder");
    assert_eq!(doc["source"], "system-config");
    assert_eq!(doc["file"], shown(&system));
    import_into_the_configured_center(&env);
    assert!(etc.join("team-center/catalog.db").exists());
    let human = env
        .command(&["center"])
        .env_remove("MFILE_CENTER")
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&human.stdout),
        format!(
            "{} (folder, from the system config file {})\n",
            shown(&etc.join("team-center")),
            shown(&system)
        )
    );

    // The user's file wins over the system's.
    let user = env.root.join("home/.config/mfile/config.json");
    fs::create_dir_all(user.parent().unwrap()).unwrap();
    fs::write(&user, r#"{"center": "/srv/mine"}"#).unwrap();
    let doc = center_doc(&env, &[]);
    assert_eq!(doc["center"], "/srv/mine");
    assert_eq!(doc["source"], "user-config");
    assert_eq!(doc["file"], shown(&user));

    // MFILE_CENTER wins over both, the flag over everything.
    let doc = env.json(&["center"]);
    assert_eq!(doc["center"], shown(&env.center));
    assert_eq!(
        (&doc["source"], &doc["file"]),
        (&"env".into(), &serde_json::Value::Null)
    );
    let doc = env.json(&["center", "--center", "s3://team-models/prod"]);
    assert_eq!(doc["center"], "s3://team-models/prod");
    assert_eq!(
        (&doc["kind"], &doc["source"]),
        (&"bucket".into(), &"flag".into())
    );
    assert_eq!(doc["file"], serde_json::Value::Null);

    // MFILE_CONFIG empty: no system file; neither file: the default.
    fs::remove_file(&user).unwrap();
    let doc = center_doc(&env, &[]);
    assert_eq!(doc["source"], "system-config");
    let out = env
        .command(&["center", "--json"])
        .env_remove("MFILE_CENTER")
        .env("MFILE_CONFIG", "")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["source"], "default");
    assert_eq!(
        doc["center"],
        shown(&env.root.join("home/.local/share/mfile/center"))
    );
    assert!(
        !env.root.join("home/.local/share/mfile/center").exists(),
        "center creates nothing"
    );
}

#[test]
fn a_relative_mfile_config_is_read_from_the_working_folder() {
    let env = Env::local();
    fs::write(env.work.join("team.json"), r#"{"center": "shared"}"#).unwrap();
    let out = env
        .command(&["center", "--json"])
        .env_remove("MFILE_CENTER")
        .env("MFILE_CONFIG", "team.json")
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        doc["file"],
        env.work.join("team.json").display().to_string()
    );
    assert_eq!(doc["center"], env.work.join("shared").display().to_string());
}

#[test]
fn a_broken_system_config_file_is_exit_2_naming_it() {
    let env = Env::local();
    let system = env.system_config();
    fs::create_dir_all(system.parent().unwrap()).unwrap();
    fs::write(&system, r#"{"centre": "typo"}"#).unwrap();
    for args in [&["center"][..], &["scan"]] {
        let out = env
            .command(args)
            .env_remove("MFILE_CENTER")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        let says = format!("invalid config file {}", system.display());
        assert!(
            stderr.contains(&says) && stderr.contains("centre"),
            "{stderr}"
        );
    }
    // While MFILE_CENTER names a folder, the file is not read.
    assert_eq!(env.json(&["center"])["source"], "env");
}

/// `import a.bin` with MFILE_CENTER unset, so the config files choose the center.
fn import_into_the_configured_center(env: &Env) {
    let mut command = env.command(&["import", "a.bin", "-m", "m", "--version", "1"]);
    command.env_remove("MFILE_CENTER");
    env.ok_command(command);
}
