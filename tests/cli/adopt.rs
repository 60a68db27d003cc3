//! `mfile adopt`: a center written by the real d6tpipe 1.2.7 / bolt4ds 0.2.0
//! (tests/fixtures/d6tpipe) is registered in an mfile center through the import engine.

use std::fs;
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::harness::{Env, md5_hex};

/// The files of each version the fixture holds, as mfile stores them.
const DEMO_1: [&str; 3] = ["config.json", "model.bin", "数据/训练.csv"];
const DEMO_2: [&str; 5] = [
    "config.json",
    "model.bin",
    "notes.txt",
    "数据/训练.csv",
    "数据/验证.csv",
];
const NER_3: [&str; 3] = ["sub/dir/vocab.txt", "weights.pt", "标签.txt"];

/// A copy of the fixture's center in the env's temp folder, with `@CENTER@` in cfg.json
/// replaced by the copy's path, as the library would have written it there.
fn old_center(env: &Env) -> PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/d6tpipe/center");
    let old = env.root.join("old");
    copy_tree(&fixture, &old);
    let cfg = old.join("cfg.json");
    let text = fs::read_to_string(&cfg).unwrap();
    let path = serde_json::to_string(old.to_str().unwrap()).unwrap();
    let path = path.trim_matches('"');
    fs::write(&cfg, text.replace("@CENTER@", path)).unwrap();
    old
}

fn copy_tree(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn adopt_json(env: &Env, old: &Path, extra: &[&str]) -> Value {
    let mut args = vec!["adopt", old.to_str().unwrap()];
    args.extend_from_slice(extra);
    env.json(&args)
}

/// `(model, version)` of each version in an adopt document.
fn versions(doc: &Value) -> Vec<(String, String)> {
    doc["versions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            let s = |k: &str| v[k].as_str().unwrap().to_string();
            (s("model"), s("version"))
        })
        .collect()
}

/// Each file's path and status in one version of an adopt document.
fn statuses(doc: &Value, model: &str, version: &str) -> Vec<(String, String)> {
    let found = doc["versions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["model"] == model && v["version"] == version)
        .unwrap_or_else(|| panic!("no {model} {version} in {doc:#}"));
    found["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let s = |k: &str| f[k].as_str().unwrap().to_string();
            (s("path"), s("status"))
        })
        .collect()
}

fn all(paths: &[&str], status: &str) -> Vec<(String, String)> {
    paths
        .iter()
        .map(|p| (p.to_string(), status.to_string()))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

#[test]
fn dry_run_lists_every_file_and_writes_nothing() {
    let env = Env::new();
    let old = old_center(&env);
    let doc = adopt_json(&env, &old, &["--dry-run"]);
    assert_eq!(doc["dry_run"], true);
    assert_eq!(
        versions(&doc),
        pairs(&[("demo", "1"), ("demo", "2"), ("ner", "3")])
    );
    assert_eq!(statuses(&doc, "demo", "1"), all(&DEMO_1, "imported"));
    assert_eq!(statuses(&doc, "demo", "2"), all(&DEMO_2, "imported"));
    assert_eq!(statuses(&doc, "ner", "3"), all(&NER_3, "imported"));
    assert_eq!(doc["totals"]["imported"], 11);
    // Nothing was written: no center, or one without models.
    match &env.center_url {
        None => assert!(!env.center.exists(), "a dry run made the center"),
        Some(_) => assert_ne!(env.run(&["versions", "-m", "demo"]).code, 0),
    }
    let human = env.ok(&["adopt", old.to_str().unwrap(), "-n"]);
    assert!(
        human.stdout.contains("would import  demo/1/数据/训练.csv"),
        "{}",
        human.stdout
    );
    assert!(human.stderr.contains("dry run: nothing was written"));
}

#[test]
fn adopt_registers_each_version_with_its_paths_and_md5s() {
    let env = Env::new();
    let old = old_center(&env);
    let doc = adopt_json(&env, &old, &[]);
    assert_eq!(doc["dry_run"], false);
    for (model, version, folder, files) in [
        ("demo", "1", "demo/demo-v1", &DEMO_1[..]),
        ("demo", "2", "demo/demo-v2", &DEMO_2[..]),
        ("ner", "3", "ner/ner-v3", &NER_3[..]),
    ] {
        assert_eq!(env.scan_paths(model, version), files, "{model} {version}");
        let scan = env.json(&["scan", "-m", model, "--version", version]);
        for file in scan["files"].as_array().unwrap() {
            let path = file["path"].as_str().unwrap();
            let bytes = fs::read(old.join("files").join(folder).join(path)).unwrap();
            assert_eq!(file["md5"], md5_hex(&bytes), "{model} {version} {path}");
            assert_eq!(file["size"], bytes.len());
        }
    }
    // The db recorded the pushed files; notes.txt came later and ner was never pushed.
    let in_filedb = |model: &str, version: &str| -> Vec<(String, bool)> {
        let found = doc["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["model"] == model && v["version"] == version)
            .unwrap();
        found["files"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let path = f["path"].as_str().unwrap().to_string();
                (path, f["in_filedb"].as_bool().unwrap())
            })
            .collect()
    };
    let recorded: Vec<(String, bool)> = DEMO_2
        .iter()
        .map(|p| (p.to_string(), *p != "notes.txt"))
        .collect();
    assert_eq!(in_filedb("demo", "2"), recorded);
    assert!(in_filedb("ner", "3").iter().all(|(_, recorded)| !recorded));
    // The profile the library refused to make a folder for is named, not adopted.
    let skipped: Vec<&str> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["path"].as_str().unwrap())
        .collect();
    assert_eq!(skipped, ["files/demo实体识别"]);
    assert_eq!(
        env.run(&["versions", "-m", "demo实体识别"]).code,
        1,
        "no model for the refused profile"
    );
}

#[test]
fn a_second_run_is_all_unchanged() {
    let env = Env::new();
    let old = old_center(&env);
    env.ok(&["adopt", old.to_str().unwrap()]);
    let doc = adopt_json(&env, &old, &[]);
    assert_eq!(statuses(&doc, "demo", "1"), all(&DEMO_1, "unchanged"));
    assert_eq!(statuses(&doc, "demo", "2"), all(&DEMO_2, "unchanged"));
    assert_eq!(statuses(&doc, "ner", "3"), all(&NER_3, "unchanged"));
    assert_eq!(doc["totals"]["unchanged"], 11);
    assert_eq!(doc["totals"]["imported"], 0);
    let human = env.ok(&["adopt", old.to_str().unwrap()]);
    assert!(
        human.stderr.contains("3 versions of 2 models"),
        "{}",
        human.stderr
    );
    assert!(human.stderr.contains("11 unchanged"), "{}", human.stderr);
}

#[test]
fn a_file_whose_bytes_differ_from_the_db_md5_is_not_adopted() {
    let env = Env::new();
    let old = old_center(&env);
    let model_bin = old.join("files/demo/demo-v1/model.bin");
    fs::write(&model_bin, b"changed after the push").unwrap();
    let expected = md5_hex(b"changed after the push");

    let preview = env.expect(1, &["adopt", old.to_str().unwrap(), "--dry-run"]);
    preview.says(&["demo/demo-v1/model.bin", &expected, "not adopted"]);

    let run = env.expect(1, &["adopt", old.to_str().unwrap(), "--json"]);
    run.says(&[
        "demo/demo-v1/model.bin",
        "b2d3f56bc197fd985d5965079b5e7148",
        "could not adopt 1 file",
    ]);
    let doc = run.json();
    let failed = &doc["versions"][0]["files"][1];
    assert_eq!(failed["path"], "model.bin");
    assert_eq!(failed["status"], "failed");
    assert!(failed["error"].as_str().unwrap().contains("not adopted"));
    // The others went on.
    assert_eq!(
        env.scan_paths("demo", "1"),
        ["config.json", "数据/训练.csv"]
    );
    assert_eq!(env.scan_paths("demo", "2"), DEMO_2);

    // Imported on purpose, the file on disk is what the version holds: no longer reported.
    let path = model_bin.to_str().unwrap();
    env.ok(&["import", path, "-m", "demo", "--version", "1"]);
    let doc = adopt_json(&env, &old, &[]);
    assert_eq!(statuses(&doc, "demo", "1"), all(&DEMO_1, "unchanged"));
}

#[test]
fn the_credentials_in_the_db_never_appear() {
    let env = Env::new();
    let old = old_center(&env);
    let db = fs::read_to_string(old.join("files/demo/.filedb.json")).unwrap();
    assert!(
        db.contains("aws_secret_access_key"),
        "the fixture holds keys"
    );
    for args in [&["-n"][..], &[], &["--json"], &["-n", "--json"]] {
        let mut all = vec!["adopt", old.to_str().unwrap()];
        all.extend_from_slice(args);
        let run = env.ok(&all);
        for secret in ["testing", "aws_secret_access_key", "credentials"] {
            assert!(
                !run.stdout.contains(secret),
                "{secret} in stdout of {args:?}"
            );
            assert!(
                !run.stderr.contains(secret),
                "{secret} in stderr of {args:?}"
            );
        }
    }
    // The library's db is not adopted either.
    let scan = env.ok(&["scan", "--json"]).stdout;
    assert!(!scan.contains(".filedb.json"));
}

#[test]
fn pull_gives_the_adopted_bytes_back() {
    let env = Env::new();
    let old = old_center(&env);
    env.ok(&["adopt", old.to_str().unwrap()]);
    env.ok(&["pull", "-m", "demo", "--version", "2", "--to", "got"]);
    for path in DEMO_2 {
        let want = fs::read(old.join("files/demo/demo-v2").join(path)).unwrap();
        let got = fs::read(env.work.join("got").join(path)).unwrap();
        assert_eq!(got, want, "{path}");
    }
    let scan = env.json(&["scan", "-m", "ner", "--version", "3", "--verify"]);
    for file in scan["files"].as_array().unwrap() {
        assert_eq!(file["state"], "ok", "{file}");
    }
}

#[test]
fn links_odd_folders_and_plain_pipes() {
    let env = Env::new();
    let old = old_center(&env);
    // A link out of the old center, inside a version folder and as a profile folder.
    let outside = env.write("secret.txt", "not to be adopted");
    std::os::unix::fs::symlink(&outside, old.join("files/demo/demo-v1/link.txt")).unwrap();
    fs::create_dir_all(old.join("elsewhere/x-v1")).unwrap();
    fs::write(old.join("elsewhere/x-v1/w.bin"), "w").unwrap();
    std::os::unix::fs::symlink(old.join("elsewhere"), old.join("files/x")).unwrap();
    // A folder of a bolt4ds model that is not a version folder.
    fs::create_dir_all(old.join("files/demo/scratch")).unwrap();
    fs::write(old.join("files/demo/scratch/tmp.txt"), "t").unwrap();
    // A plain d6tpipe profile: its pipes have no versions.
    fs::create_dir_all(old.join("files/default/intro-data")).unwrap();
    fs::write(old.join("files/default/intro-data/a.csv"), "a,b\n").unwrap();
    let cfg = fs::read_to_string(old.join("cfg.json")).unwrap();
    let mut profiles: serde_json::Map<String, Value> = serde_json::from_str(&cfg).unwrap();
    profiles.insert("x".into(), serde_json::json!({}));
    profiles.insert("default".into(), serde_json::json!({}));
    fs::write(
        old.join("cfg.json"),
        serde_json::to_string(&profiles).unwrap(),
    )
    .unwrap();

    let doc = adopt_json(&env, &old, &[]);
    let skipped: Vec<(String, String)> = doc["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let text = |k: &str| s[k].as_str().unwrap().to_string();
            (text("path"), text("reason"))
        })
        .collect();
    let reason = |path: &str| {
        skipped
            .iter()
            .find(|(p, _)| p == path)
            .map(|(_, r)| r.clone())
            .unwrap_or_else(|| panic!("{path} not skipped: {skipped:?}"))
    };
    assert!(reason("files/demo/demo-v1/link.txt").contains("symbolic link"));
    assert!(reason("files/x").contains("symbolic link"));
    assert!(reason("files/demo/scratch").contains("demo-v<version>"));
    assert_eq!(env.scan_paths("demo", "1"), DEMO_1);
    assert_eq!(env.scan_paths("intro-data", "1"), ["a.csv"]);
    assert_eq!(env.run(&["versions", "-m", "x"]).code, 1);
}

#[test]
fn an_old_center_inside_the_mfile_center_is_refused() {
    let env = Env::local();
    env.write("a.bin", "a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let inside = env.center.join("files/old");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/d6tpipe/center");
    copy_tree(&fixture, &inside);
    env.expect(2, &["adopt", inside.to_str().unwrap()])
        .says(&["nothing was adopted"]);
    env.expect(2, &["adopt", env.work.to_str().unwrap()])
        .says(&["cfg.json"]);
}

#[test]
fn a_preview_that_meets_a_conflict_says_what_the_real_run_does_and_force_replaces() {
    let env = Env::new();
    let old = old_center(&env);
    let path = old.to_str().unwrap();
    env.ok(&["adopt", path]);
    // notes.txt is not in the library's db, so only the version's stored copy can object.
    fs::write(old.join("files/demo/demo-v2/notes.txt"), b"edited later").unwrap();
    fs::write(old.join("files/demo/demo-v2/brandnew.txt"), b"new").unwrap();
    let preview = env.run(&["adopt", path, "--dry-run", "--json"]);
    let real = env.run(&["adopt", path, "--json"]);
    assert_eq!(
        (preview.code, real.code),
        (1, 1),
        "{}\n{}",
        preview.stderr,
        real.stderr
    );
    for run in [&preview, &real] {
        let doc = run.json();
        let demo2 = doc["versions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["model"] == "demo" && v["version"] == "2")
            .unwrap()
            .clone();
        assert!(
            demo2["error"].as_str().unwrap().contains("--force"),
            "{demo2}"
        );
    }
    assert!(
        !env.scan_paths("demo", "2")
            .contains(&"brandnew.txt".to_string())
    );
    env.ok(&["adopt", path, "--force"]);
    assert!(
        env.scan_paths("demo", "2")
            .contains(&"brandnew.txt".to_string())
    );
}
