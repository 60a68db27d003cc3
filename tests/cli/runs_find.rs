//! Finding runs: `runs --where`, `--sort`, `--limit`, `--tag`; `mfile tag` on runs and
//! versions; `runs note`; `track --new`.

use crate::harness::Env;

/// Three runs of model `m`: params lr (whose text order is not their number order) and opt,
/// metric acc (r3 has none).
fn three_runs() -> Env {
    let env = Env::new();
    for (run, lr, opt, accs) in [
        ("r1", "1e-3", "adam", &["0.8", "0.95"][..]),
        ("r2", "0.1", "sgd", &["0.97", "0.85"][..]),
        ("r3", "0.005", "adam", &[][..]),
    ] {
        let (lr, opt) = (format!("lr={lr}"), format!("opt={opt}"));
        env.ok(&["log-param", "-m", "m", "--run", run, &lr, &opt]);
        for acc in accs {
            env.ok(&["log-metric", "-m", "m", "--run", run, &format!("acc={acc}")]);
        }
    }
    env
}

/// The names `runs -m m --json` lists with `extra`, in its order.
fn names(env: &Env, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["runs", "-m", "m"];
    args.extend_from_slice(extra);
    env.json(&args)["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

fn sorted(mut names: Vec<String>) -> Vec<String> {
    names.sort();
    names
}

#[test]
fn where_compares_params_and_metrics() {
    let env = three_runs();
    let find = |expr: &str| sorted(names(&env, &["--where", expr]));
    assert_eq!(
        find("acc > 0.9 and lr < 0.01"),
        ["r1"],
        "the last acc, lr as a number"
    );
    assert_eq!(find("best(acc) > 0.96"), ["r2"], "acc's best is its max");
    assert_eq!(find("min(acc) < 0.81 or max(acc) >= 0.97"), ["r1", "r2"]);
    assert_eq!(find("opt = 'adam' and not lr > 0.004"), ["r1"]);
    assert_eq!(
        find("(opt == \"sgd\" or opt = 'adam') and acc > 0"),
        ["r1", "r2"]
    );
    assert_eq!(find("acc != 0"), ["r1", "r2"], "a missing key is false");
    assert_eq!(find("not acc > 0"), ["r3"]);
    assert_eq!(find("name = 'r2' or status != 'running'"), ["r2"]);
    assert_eq!(find("param(opt) = 'sgd' and last(acc) < 0.9"), ["r2"]);
    assert!(find("opt > 1").is_empty(), "text that is no number");
}

#[test]
fn a_key_no_run_has_is_warned_about_not_silently_empty() {
    let env = three_runs();
    let run = env.ok(&["runs", "-m", "m", "--where", "ACC > 0.5 or best(acc) > 2"]);
    assert!(
        run.stderr
            .contains("no run here has ACC (keys are case-sensitive"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("best(acc)"),
        "acc exists: {}",
        run.stderr
    );
    let run = env.ok(&["runs", "-m", "m", "--json", "--sort", "-tag(stage)"]);
    assert!(run.stderr.contains("tag(stage)"), "{}", run.stderr);
    assert_eq!(run.json()["runs"].as_array().unwrap().len(), 3);
    let run = env.ok(&["runs", "-m", "m", "--where", "acc > 2 and opt = 'x'"]);
    assert!(!run.stderr.contains("no run here"), "{}", run.stderr);
}

#[test]
fn where_syntax_errors_point_at_the_column() {
    let env = three_runs();
    let run = env.expect(2, &["runs", "-m", "m", "--where", "acc > 0.9 and"]);
    run.says(&[
        "invalid --where at column 14: expected a key, a number or a quoted string, found the end",
        "  acc > 0.9 and\n               ^",
    ]);
    assert!(run.stdout.is_empty());
    env.expect(2, &["runs", "-m", "m", "--where", "acc >> 1"])
        .says(&["at column 6"]);
    env.expect(2, &["runs", "-m", "m", "--where", "opt = 'adam"])
        .says(&["at column 7", "no closing '"]);
    env.expect(2, &["runs", "-m", "m", "--where", "size(acc) > 1"])
        .says(&["at column 1", "no function size()"]);
    env.expect(2, &["runs", "-m", "m", "--sort", "-best(acc"])
        .says(&["invalid --sort at column 10"]);
}

#[test]
fn keys_in_any_script_and_in_backticks() {
    let env = Env::new();
    env.ok(&["log-param", "-m", "模型", "--run", "甲", "优化器=adam"]);
    env.ok(&[
        "log-metric",
        "-m",
        "模型",
        "--run",
        "甲",
        "准确率=0.95",
        "top-1 acc=0.5",
    ]);
    env.ok(&["log-metric", "-m", "模型", "--run", "乙", "准确率=0.5"]);
    let find = |expr: &str| -> Vec<String> {
        let doc = env.json(&["runs", "-m", "模型", "--where", expr]);
        doc["runs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(find("准确率 > 0.9"), ["甲"]);
    assert_eq!(find("优化器 = 'adam'"), ["甲"]);
    assert_eq!(find("`top-1 acc` >= 0.5"), ["甲"]);
    assert!(find("准确率 < 0.1").is_empty());
    // A caret under wide characters: two columns each.
    env.expect(2, &["runs", "-m", "模型", "--where", "准确率 >"])
        .says(&["at column 6", "\n  准确率 >\n          ^"]);
}

#[test]
fn sort_puts_runs_without_the_key_last_and_limit_cuts() {
    let env = three_runs();
    assert_eq!(
        names(&env, &["--sort", "lr"]),
        ["r1", "r3", "r2"],
        "by number"
    );
    assert_eq!(names(&env, &["--sort", "-lr"]), ["r2", "r3", "r1"]);
    assert_eq!(names(&env, &["--sort", "acc"]), ["r2", "r1", "r3"]);
    assert_eq!(names(&env, &["--sort", "-acc"]), ["r1", "r2", "r3"]);
    assert_eq!(names(&env, &["--sort", "-best(acc)"]), ["r2", "r1", "r3"]);
    assert_eq!(
        names(&env, &["--sort", "-name", "--limit", "2"]),
        ["r3", "r2"]
    );
    assert_eq!(names(&env, &["--sort", "started"]), ["r1", "r2", "r3"]);
    assert_eq!(
        names(
            &env,
            &["--where", "opt = 'adam'", "--sort", "-lr", "--limit", "1"]
        ),
        ["r3"],
        "limit after where and sort"
    );
    // Changed params are those of the runs shown.
    let doc = env.json(&["runs", "-m", "m", "--where", "opt = 'adam'"]);
    assert_eq!(doc["changed_params"], serde_json::json!(["lr"]));
}

#[test]
fn tags_on_runs_filter_and_show() {
    let env = three_runs();
    let doc = env.json(&["tag", "-m", "m", "--run", "r1", "stage=prod", "team=nlp"]);
    assert_eq!(
        doc["tags"],
        serde_json::json!({"stage": "prod", "team": "nlp"})
    );
    assert_eq!(doc["changed"], true);
    env.ok(&["tag", "-m", "m", "--run", "r2", "stage=dev", "team=nlp"]);
    let again = env.json(&["tag", "-m", "m", "--run", "r2", "stage=dev"]);
    assert_eq!(
        again["changed"], false,
        "the same tag again changes nothing"
    );

    assert_eq!(names(&env, &["--tag", "stage=prod"]), ["r1"]);
    assert_eq!(sorted(names(&env, &["--tag", "team=nlp"])), ["r1", "r2"]);
    assert!(names(&env, &["--tag", "stage=prod", "--tag", "team=cv"]).is_empty());
    assert_eq!(names(&env, &["--where", "tag(stage) = 'dev'"]), ["r2"]);

    let table = env.ok(&["runs", "-m", "m"]);
    assert!(
        table.stdout.contains("stage=prod, team=nlp"),
        "{}",
        table.stdout
    );

    let removed = env.json(&["tag", "-m", "m", "--run", "r1", "--rm", "team"]);
    assert_eq!(removed["tags"], serde_json::json!({"stage": "prod"}));
    let listed = env.json(&["runs", "-m", "m", "--where", "name = 'r1'"]);
    assert_eq!(
        listed["runs"][0]["tags"],
        serde_json::json!({"stage": "prod"})
    );
    assert_eq!(
        env.json(&["runs", "-m", "m", "--where", "name = 'r3'"])["runs"][0]["tags"],
        serde_json::json!({})
    );

    env.expect(1, &["tag", "-m", "m", "--run", "nope", "a=b"])
        .says(&["has no run"]);
    env.expect(2, &["tag", "-m", "m", "--run", "r1"]);
    env.expect(
        2,
        &["tag", "-m", "m", "--run", "r1", "--version", "1", "a=b"],
    );
    env.expect(2, &["tag", "-m", "m", "--run", "r1", "novalue"])
        .says(&["use KEY=VALUE"]);
}

#[test]
fn run_tags_set_on_one_machine_are_seen_on_another() {
    let Some(env) = Env::s3() else { return };
    env.ok(&["log-param", "-m", "m", "--run", "r1", "lr=1"]);
    env.ok(&["tag", "-m", "m", "--run", "r1", "stage=prod", "team=nlp"]);
    let colleague = env.colleague();
    assert_eq!(
        names(&colleague, &["--tag", "stage=prod", "--all-users"]),
        ["r1"]
    );
    env.ok(&["tag", "-m", "m", "--run", "r1", "--rm", "team"]);
    let runs = colleague.json(&["runs", "-m", "m", "--all-users"]);
    assert_eq!(
        runs["runs"][0]["tags"],
        serde_json::json!({"stage": "prod"})
    );
    // A new machine starts from the log (or an index) and has the same tags.
    let fresh = env.colleague();
    assert_eq!(
        names(&fresh, &["--where", "tag(stage) = 'prod'", "--all-users"]),
        ["r1"]
    );
}

#[test]
fn tags_on_versions_are_set_removed_and_filtered() {
    let env = Env::new();
    env.ok(&[
        "register",
        "-m",
        "m",
        "--version",
        "1.0",
        "--tag",
        "stage=dev",
    ]);
    env.ok(&["register", "-m", "m", "--version", "2.0"]);
    let doc = env.json(&[
        "tag",
        "-m",
        "m",
        "--version",
        "1.0",
        "stage=prod",
        "owner=ml",
    ]);
    assert_eq!(
        doc["tags"],
        serde_json::json!({"owner": "ml", "stage": "prod"})
    );
    env.ok(&["tag", "-m", "m", "--version", "2.0", "stage=dev"]);
    let versions = |extra: &[&str]| -> Vec<String> {
        let mut args = vec!["versions", "-m", "m"];
        args.extend_from_slice(extra);
        env.json(&args)["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(versions(&["--tag", "stage=prod"]), ["1.0"]);
    assert_eq!(versions(&["--tag", "stage=dev"]), ["2.0"]);
    assert!(versions(&["--tag", "stage=prod", "--tag", "owner=x"]).is_empty());
    let table = env.ok(&["versions", "-m", "m"]);
    assert!(
        table.stdout.contains("owner=ml, stage=prod"),
        "{}",
        table.stdout
    );

    env.ok(&["tag", "-m", "m", "--version", "1.0", "--rm", "owner"]);
    // Another machine (on a bucket center, another cache) sees the removal.
    let colleague = env.colleague();
    let doc = colleague.json(&["versions", "-m", "m", "--tag", "stage=prod"]);
    assert_eq!(
        doc["versions"][0]["tags"],
        serde_json::json!({"stage": "prod"})
    );

    env.expect(1, &["tag", "-m", "m", "--version", "9.9", "a=b"])
        .says(&["has no version"]);
}

#[test]
fn a_note_is_set_after_the_run() {
    let env = three_runs();
    let doc = env.json(&["runs", "note", "-m", "m", "--run", "r1", "best so far"]);
    assert_eq!(doc["note"], "best so far");
    env.ok(&["runs", "note", "-m", "m", "--run", "r1", "replaced"]);
    let colleague = env.colleague();
    let listed = colleague.json(&["runs", "-m", "m", "--all-users", "--where", "name = 'r1'"]);
    assert_eq!(listed["runs"][0]["note"], "replaced");
    env.expect(2, &["runs", "note", "-m", "m", "--run", "r1", "two\nlines"])
        .says(&["one line"]);
    env.expect(1, &["runs", "note", "-m", "m", "--run", "nope", "x"])
        .says(&["has no run"]);
}

#[test]
fn track_new_takes_the_next_free_name() {
    let env = Env::new();
    let track = |extra: &[&str]| {
        let mut args = vec!["track", "-m", "m", "--run", "exp", "--json"];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--", "true"]);
        env.run(&args)
    };
    assert_eq!(track(&[]).code, 0);
    let refused = track(&[]);
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("already exists"),
        "{}",
        refused.stderr
    );
    for expected in ["exp-2", "exp-3"] {
        let made = track(&["--new"]);
        assert_eq!(made.code, 0, "{}", made.stderr);
        let report: serde_json::Value = serde_json::from_str(made.stdout.trim()).unwrap();
        assert_eq!(report["run"], expected);
    }
    assert_eq!(sorted(names(&env, &[])), ["exp", "exp-2", "exp-3"]);
    // A free name is taken as it is.
    let fresh = env.ok(&[
        "track", "-m", "m", "--run", "other", "--new", "--json", "--", "true",
    ]);
    let report: serde_json::Value = serde_json::from_str(fresh.stdout.trim()).unwrap();
    assert_eq!(report["run"], "other");
    env.expect(2, &["track", "-m", "m", "--new", "--", "true"]);
}
