//! The README is a test: its shell examples run in order on one temporary center.

use std::fs;
use std::path::Path;

use crate::harness::Env;

/// Sections of README.md whose `sh` blocks are not run, and why.
const SKIPPED_SECTIONS: &[(&str, &str)] = &[
    (
        "## Install and try it",
        "installs mfile into ~/.cargo and runs `cargo test`, this very suite",
    ),
    (
        "## Development",
        "builds, tests and benchmarks the repository itself, not a center",
    ),
];

/// Example lines that are not run (compared without their trailing `# comment`), and why.
const SKIPPED_LINES: &[(&str, &str)] = &[
    (
        "mfile log-metric -m churn --run keras-1 --file training.log.csv --follow",
        "--follow reads until Ctrl-C; tests/cli/tracking.rs tests it against a growing file",
    ),
    (
        "mfile ui --open",
        "serves the page until Ctrl-C; tests/cli/web.rs tests the server",
    ),
];

/// A step of the README, in the order it appears.
#[derive(Debug)]
enum Step {
    /// A line of a ```sh block (continuation lines joined), with its line number.
    Shell { line: usize, text: String },
    /// A non-shell block whose first line is `# NAME` (e.g. the ```python block that shows
    /// train.py): the reader saves it as NAME, so the test writes it to the workspace.
    File { name: String, content: String },
}

struct Section {
    heading: String,
    steps: Vec<Step>,
}

fn readme() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md");
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("could not read {}: {e}", path.display()))
}

/// The README's fenced blocks, grouped by their `## ` section.
fn sections(readme: &str) -> Vec<Section> {
    let mut sections = vec![Section {
        heading: String::new(),
        steps: Vec::new(),
    }];
    let mut lines = readme.lines().enumerate();
    while let Some((_, line)) = lines.next() {
        if line.starts_with("## ") {
            sections.push(Section {
                heading: line.trim_end().to_string(),
                steps: Vec::new(),
            });
            continue;
        }
        let Some(lang) = line.strip_prefix("```") else {
            continue;
        };
        let lang = lang.trim().to_string();
        let mut block = Vec::new();
        for (number, line) in lines.by_ref() {
            if line.starts_with("```") {
                break;
            }
            block.push((number + 1, line));
        }
        let steps = &mut sections.last_mut().expect("a section").steps;
        if lang == "sh" {
            let mut pending: Option<(usize, String)> = None;
            for (number, line) in block {
                let (start, mut text) = pending.take().unwrap_or((number, String::new()));
                text.push_str(line);
                if let Some(joined) = text.strip_suffix('\\') {
                    pending = Some((start, joined.to_string()));
                    continue;
                }
                let trimmed = text.trim();
                if !trimmed.is_empty() && !trimmed.starts_with('#') {
                    steps.push(Step::Shell {
                        line: start,
                        text: trimmed.to_string(),
                    });
                }
            }
            assert!(pending.is_none(), "README.md: a sh block ends with `\\`");
        } else if let Some(name) = block
            .first()
            .and_then(|(_, first)| first.strip_prefix("# "))
            .filter(|name| name.contains('.') && !name.contains(char::is_whitespace))
        {
            let content: Vec<&str> = block.iter().map(|(_, line)| *line).collect();
            steps.push(Step::File {
                name: name.to_string(),
                content: content.join("\n") + "\n",
            });
        }
    }
    sections
}

/// A shell line without its trailing `# comment` (a `#` outside quotes after a space).
fn without_comment(line: &str) -> &str {
    let (mut single, mut double) = (false, false);
    let mut previous = ' ';
    for (i, c) in line.char_indices() {
        match c {
            '\'' if !double => single = !single,
            '"' if !single => double = !double,
            '#' if !single && !double && previous.is_whitespace() => return line[..i].trim_end(),
            _ => {}
        }
        previous = c;
    }
    line.trim_end()
}

#[test]
fn readme_examples_run_in_order_on_one_center() {
    let env = Env::new();
    let mut ran = 0;
    let mut skipped_sections = Vec::new();
    let mut skipped_lines = Vec::new();
    for section in sections(&readme()) {
        if let Some((heading, _)) = SKIPPED_SECTIONS
            .iter()
            .find(|(heading, _)| *heading == section.heading)
        {
            skipped_sections.push(*heading);
            continue;
        }
        for step in &section.steps {
            match step {
                Step::File { name, content } => {
                    env.write(name, content);
                }
                Step::Shell { line, text } => {
                    let command = without_comment(text);
                    if let Some((skip, _)) = SKIPPED_LINES.iter().find(|(skip, _)| *skip == command)
                    {
                        skipped_lines.push(*skip);
                        continue;
                    }
                    let output = env.shell(text).output().expect("run bash");
                    let code = output.status.code().unwrap_or(-1);
                    assert_eq!(
                        code,
                        0,
                        "README.md line {line} failed:\n{text}\nexit code: {code}\n--- stdout\n{}--- stderr\n{}",
                        String::from_utf8_lossy(&output.stdout),
                        String::from_utf8_lossy(&output.stderr),
                    );
                    ran += 1;
                }
            }
        }
    }
    // The skip lists stay true: each entry still names something in the README.
    for (heading, why) in SKIPPED_SECTIONS {
        assert!(
            skipped_sections.contains(heading),
            "README.md has no section {heading:?} to skip ({why}); update SKIPPED_SECTIONS"
        );
    }
    for (line, why) in SKIPPED_LINES {
        assert!(
            skipped_lines.contains(line),
            "README.md has no example {line:?} to skip ({why}); update SKIPPED_LINES"
        );
    }
    assert!(
        ran >= 20,
        "only {ran} README lines ran; are the ```sh blocks still found?"
    );
}

#[test]
fn comments_are_found_outside_quotes() {
    assert_eq!(
        without_comment("mfile scan --include '*.json' -l   # what # is in it"),
        "mfile scan --include '*.json' -l"
    );
    assert_eq!(
        without_comment("echo '# not a comment' # a comment"),
        "echo '# not a comment'"
    );
}
