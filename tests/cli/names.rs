//! Names in the users' own language (Model_Log's demos name projects `demo实体识别`): models,
//! versions, runs and users in Unicode, paths in Chinese, through the CLI, JSON and tables.

use serde_json::Value;
use unicode_width::UnicodeWidthStr;

use crate::harness::Env;

const MODEL: &str = "demo实体识别";
const VERSION: &str = "第一版";
const PATHS: [&str; 2] = ["数据/训练.csv", "模型.bin"];

fn paths_of(scan: &Value) -> Vec<String> {
    scan["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn chinese_models_versions_and_paths_go_in_and_come_out() {
    let env = Env::new();
    env.write("src/数据/训练.csv", "a,b\n1,2\n");
    env.write("src/模型.bin", "weights");
    env.ok(&["import", "src", "-m", MODEL, "--version", VERSION]);

    let scan = env.json(&["scan", "-m", MODEL, "--version", VERSION]);
    assert_eq!(paths_of(&scan), PATHS);
    let versions = env.json(&["versions", "-m", MODEL]);
    assert_eq!(versions["versions"][0]["version"], VERSION);

    env.ok(&["pull", "-m", MODEL, "--version", VERSION, "--to", "out"]);
    let pulled = std::fs::read(env.work.join("out/数据/训练.csv")).unwrap();
    assert_eq!(pulled, b"a,b\n1,2\n");

    env.ok(&["delete", "-m", MODEL, "--version", VERSION, "数据/训练.csv"]);
    let scan = env.json(&["scan", "-m", MODEL, "--version", VERSION]);
    assert_eq!(paths_of(&scan), ["模型.bin"]);
    env.ok(&["verify", "-m", MODEL]);
}

#[test]
fn two_spellings_of_a_name_are_one_name() {
    let env = Env::new();
    env.write("a.bin", "a");
    env.write("b.bin", "b");
    let decomposed = "cafe\u{301}";
    let composed = "caf\u{e9}";
    env.ok(&["import", "a.bin", "-m", decomposed, "--version", "1"]);
    env.ok(&["import", "b.bin", "-m", composed, "--version", "1"]);
    let models = env.json(&["profiles"]);
    let names: Vec<&str> = models["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(names, [composed], "one model, stored in NFC");
    let scan = env.json(&["scan", "-m", decomposed, "--version", "1"]);
    assert_eq!(paths_of(&scan), ["a.bin", "b.bin"]);
}

#[test]
fn runs_and_users_may_be_named_in_chinese() {
    let env = Env::new();
    let model = "MNIST手写数字识别";
    for (run, lr) in [("第一次", "0.1"), ("第二次", "0.01")] {
        env.ok(&[
            "log-param",
            "-m",
            model,
            "--run",
            run,
            "--user",
            "张三",
            &format!("学习率={lr}"),
        ]);
        env.ok(&[
            "log-metric",
            "-m",
            model,
            "--run",
            run,
            "--user",
            "张三",
            "准确率=0.9",
        ]);
    }
    let runs = env.json(&["runs", "-m", model, "--user", "张三"]);
    let mut names: Vec<&str> = runs["runs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    names.sort();
    assert_eq!(names, ["第一次", "第二次"]);
    assert_eq!(runs["runs"][0]["owner"], "张三");

    let compare = env.ok(&["compare", "-m", model, "张三/第一次", "张三/第二次"]);
    assert!(compare.stdout.contains("学习率"), "{}", compare.stdout);
    let metrics = env.json(&["metrics", "-m", model, "--run", "第一次", "--user", "张三"]);
    assert_eq!(metrics["run"], "第一次", "{metrics}");
}

#[test]
fn tables_align_wide_characters_by_their_display_width() {
    let env = Env::new();
    env.write("a.bin", "a");
    for version in ["第一版", "v2"] {
        env.ok(&["import", "a.bin", "-m", MODEL, "--version", version]);
    }
    let out = env.ok(&["versions", "-m", MODEL]).stdout;
    let lines: Vec<&str> = out.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(lines.len() >= 3, "{out}");
    // The right-aligned second column ends at the same display column on every line.
    let second_column_end = |line: &str| {
        let first_gap = line.find(' ').unwrap();
        let start = first_gap + line[first_gap..].find(|c| c != ' ').unwrap();
        let end = start + line[start..].find(' ').unwrap();
        line[..end].width()
    };
    let ends: Vec<usize> = lines.iter().map(|l| second_column_end(l)).collect();
    assert!(ends.windows(2).all(|w| w[0] == w[1]), "{ends:?}\n{out}");
}

#[test]
fn params_and_where_take_either_spelling() {
    let env = Env::new();
    let (composed, decomposed) = ("caf\u{e9}", "cafe\u{301}");
    env.ok(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r1",
        &format!("{decomposed}=1"),
    ]);
    env.ok(&[
        "log-param",
        "-m",
        "m",
        "--run",
        "r1",
        &format!("{composed}=1"),
    ]);
    let runs = env.json(&["runs", "-m", "m"]);
    let params = runs["runs"][0]["params"].as_object().unwrap();
    assert_eq!(params.keys().collect::<Vec<_>>(), [composed], "one param");
    let found = env.json(&["runs", "-m", "m", "--where", &format!("{decomposed} = 1")]);
    assert_eq!(found["runs"].as_array().unwrap().len(), 1);
    env.ok(&["log-param", "-m", "m", "--run", decomposed, "x=1"]);
    let named = env.json(&[
        "runs",
        "-m",
        "m",
        "--where",
        &format!("name = '{decomposed}'"),
    ]);
    assert_eq!(named["runs"][0]["name"], composed);
}

#[test]
fn metric_keys_take_either_spelling() {
    let env = Env::new();
    let (composed, decomposed) = ("caf\u{e9}", "cafe\u{301}");
    let first = format!("{decomposed}=1");
    env.ok(&["log-metric", "-m", "m", "--run", "r", "--step", "0", &first]);
    env.write("log.jsonl", format!("{{\"step\": 1, \"{composed}\": 2}}\n"));
    env.ok(&["log-metric", "-m", "m", "--run", "r", "--file", "log.jsonl"]);
    let points = env.json(&["metrics", "-m", "m", "--run", "r", "--format", "json"]);
    let keys: Vec<&String> = points["metrics"].as_object().unwrap().keys().collect();
    assert_eq!(keys, [composed], "one metric");
    assert_eq!(points["metrics"][composed].as_array().unwrap().len(), 2);
    let picked = env.json(&["metrics", "-m", "m", "--run", "r", "--key", decomposed]);
    assert_eq!(picked["metrics"][composed].as_array().unwrap().len(), 2);
}
