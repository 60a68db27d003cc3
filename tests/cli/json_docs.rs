//! docs/json.md is a test: its examples run in order on one temporary center, and each JSON
//! document shown must have exactly the fields the command prints (values are not compared:
//! times, paths and digests differ from run to run).

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use clap::CommandFactory;
use serde_json::{Map, Value};

use crate::harness::Env;

/// A ```sh block, and the ```json block right after it, if any.
struct Example {
    /// Line number and text of each command.
    commands: Vec<(usize, String)>,
    documented: Option<Value>,
}

fn examples(text: &str) -> Vec<Example> {
    let mut examples: Vec<Example> = Vec::new();
    let mut lines = text.lines().enumerate().peekable();
    let mut last_was_sh = false;
    while let Some((_, line)) = lines.next() {
        let Some(lang) = line.strip_prefix("```") else {
            if !line.trim().is_empty() {
                last_was_sh = false;
            }
            continue;
        };
        let mut block = Vec::new();
        for (number, line) in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            block.push((number + 1, line.to_string()));
        }
        match lang.trim() {
            "sh" => {
                examples.push(Example {
                    commands: block,
                    documented: None,
                });
                last_was_sh = true;
                continue;
            }
            "json" if last_was_sh => {
                let json: Vec<&str> = block.iter().map(|(_, l)| l.as_str()).collect();
                let at = block.first().map_or(0, |(n, _)| *n);
                let value = serde_json::from_str(&json.join("\n"))
                    .unwrap_or_else(|e| panic!("docs/json.md line {at}: not JSON: {e}"));
                examples.last_mut().expect("a sh block").documented = Some(value);
            }
            _ => {}
        }
        last_was_sh = false;
    }
    examples
}

/// The fields of a list's entries, merged, so that one documented entry of each shape covers a
/// list whose entries differ (a failed file has `error` and no `destination`).
fn merged(list: &[Value]) -> Value {
    if !list.iter().all(Value::is_object) {
        return list.first().cloned().unwrap_or(Value::Null);
    }
    let mut fields = Map::new();
    for entry in list {
        for (key, value) in entry.as_object().into_iter().flatten() {
            fields.entry(key.clone()).or_insert_with(|| value.clone());
        }
    }
    Value::Object(fields)
}

/// Every documented field is in the output and every output field is documented, at any depth.
fn compare(documented: &Value, output: &Value, at: &str, problems: &mut Vec<String>) {
    match (documented, output) {
        (Value::Object(doc), Value::Object(out)) => {
            for key in doc.keys().filter(|k| !out.contains_key(*k)) {
                problems.push(format!("{at}.{key} is documented but not printed"));
            }
            for key in out.keys().filter(|k| !doc.contains_key(*k)) {
                problems.push(format!("{at}.{key} is printed but not documented"));
            }
            for (key, value) in doc {
                if let Some(printed) = out.get(key) {
                    compare(value, printed, &format!("{at}.{key}"), problems);
                }
            }
        }
        (Value::Array(doc), Value::Array(out)) => {
            if !doc.is_empty() && out.is_empty() {
                problems.push(format!("{at} is empty: the example shows no entries"));
            }
            if !doc.is_empty() && !out.is_empty() {
                compare(&merged(doc), &merged(out), &format!("{at}[]"), problems);
            }
        }
        _ => {}
    }
}

/// The expected exit code, from a trailing `# exit N`.
fn expected_code(command: &str) -> i32 {
    command
        .rsplit_once("# exit ")
        .and_then(|(_, code)| code.trim().parse().ok())
        .unwrap_or(0)
}

#[test]
fn documented_json_fields_are_exactly_the_printed_ones() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/json.md");
    let text = fs::read_to_string(&path).expect("docs/json.md");
    let env = Env::local();
    let mut problems = Vec::new();
    let mut shown = BTreeSet::new();
    for example in examples(&text) {
        let mut stdout = String::new();
        let mut last = (0, String::new());
        for (line, command) in &example.commands {
            let output = env.shell(command).output().expect("run bash");
            let code = output.status.code().unwrap_or(-1);
            stdout = String::from_utf8_lossy(&output.stdout).into_owned();
            assert_eq!(
                code,
                expected_code(command),
                "docs/json.md line {line}: {command}\n--- stdout\n{stdout}--- stderr\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            last = (*line, command.clone());
        }
        let Some(documented) = &example.documented else {
            continue;
        };
        let (line, command) = last;
        // `track` prints the command's own output first, then its document as the last line.
        let printed: Value = serde_json::from_str(&stdout)
            .or_else(|_| serde_json::from_str(stdout.lines().last().unwrap_or_default()))
            .unwrap_or_else(|e| panic!("docs/json.md line {line}: {command}: not JSON ({e})"));
        let mut found = Vec::new();
        compare(documented, &printed, "", &mut found);
        problems.extend(
            found
                .into_iter()
                .map(|p| format!("line {line} ({command}): {p}")),
        );
        if let Some(name) = command.split_whitespace().nth(1) {
            shown.insert(name.to_string());
        }
    }
    assert!(
        problems.is_empty(),
        "docs/json.md:\n{}",
        problems.join("\n")
    );

    // Every command that prints a document has an example (`ui` prints a URL, not JSON).
    let mut missing: Vec<String> = mfile::cli::Cli::command()
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|name| name != "ui" && name != "help" && !shown.contains(name))
        .collect();
    missing.sort();
    assert!(
        missing.is_empty(),
        "docs/json.md has no example of {missing:?}"
    );
}

#[test]
fn a_missing_documented_field_is_found() {
    let documented = serde_json::json!({"files": [{"path": "a", "md5": "x"}], "totals": {}});
    let printed = serde_json::json!({"files": [{"path": "a"}], "totals": {}, "extra": 1});
    let mut problems = Vec::new();
    compare(&documented, &printed, "", &mut problems);
    assert_eq!(
        problems,
        [
            ".extra is printed but not documented",
            ".files[].md5 is documented but not printed",
        ]
    );
}
