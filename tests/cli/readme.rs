//! The README is a test: its shell examples run in order on one temporary center, and its
//! command tables name every flag that `--help` shows.

use std::fs;
use std::path::Path;

use clap::CommandFactory;

use crate::harness::Env;

/// Sections of README.md whose `sh` blocks are not run, and why.
const SKIPPED_SECTIONS: &[(&str, &str)] = &[
    (
        "## Install and try it",
        "installs mfile into ~/.cargo and runs `cargo test`, this very suite",
    ),
    (
        "## A center for the team",
        "needs an S3 server and its keys; tests/cli/s3_center.rs runs these commands against one",
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
    let env = Env::local();
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
                    if command.contains("| jq ") && !jq_installed() {
                        eprintln!("README.md line {line} skipped: jq is not installed");
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

/// The flag tokens (`-n`, `--dry-run`) in a piece of README text.
fn flag_tokens(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i] == '-'
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '-'))
            && chars
                .get(i + 1)
                .is_some_and(|c| *c == '-' || c.is_alphabetic());
        if !starts {
            i += 1;
            continue;
        }
        let begin = i;
        i += if chars.get(i + 1) == Some(&'-') { 2 } else { 1 };
        while chars
            .get(i)
            .is_some_and(|c| c.is_alphanumeric() || *c == '-')
        {
            i += 1;
        }
        tokens.push(chars[begin..i].iter().collect());
    }
    tokens
}

/// The first cell of each table row of README.md (a `|` escaped as `\|` stays in the cell).
fn first_cells(readme: &str) -> Vec<&str> {
    readme
        .lines()
        .filter_map(|line| line.strip_prefix('|'))
        .filter_map(|rest| {
            let bytes = rest.as_bytes();
            (0..bytes.len())
                .find(|&i| bytes[i] == b'|' && (i == 0 || bytes[i - 1] != b'\\'))
                .map(|end| &rest[..end])
        })
        .collect()
}

/// The code spans of a cell.
fn code_spans(cell: &str) -> Vec<&str> {
    cell.split('`').skip(1).step_by(2).collect()
}

/// Every subcommand with its words (`["runs", "end"]`).
fn subcommands(cmd: &clap::Command, path: &[String], out: &mut Vec<(Vec<String>, clap::Command)>) {
    // clap's own `help` subcommand takes no flags.
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let mut words = path.to_vec();
        words.push(sub.get_name().to_string());
        out.push((words.clone(), sub.clone()));
        subcommands(sub, &words, out);
    }
}

/// The flags of `args` (long and short forms, help and hidden ones left out).
fn flags<'a>(args: impl Iterator<Item = &'a clap::Arg>) -> Vec<String> {
    let mut out = Vec::new();
    for arg in args.filter(|a| !a.is_hide_set() && a.get_id() != "help") {
        out.extend(arg.get_long().map(|l| format!("--{l}")));
        out.extend(arg.get_short().map(|s| format!("-{s}")));
    }
    out
}

/// A flag shown by `mfile CMD --help` that README.md's table row of CMD does not name fails
/// here: the tables are the README's reference and must stay true to the binary.
#[test]
fn readme_command_tables_name_every_flag() {
    let readme = readme();
    let cells = first_cells(&readme);
    let mut cli = mfile::cli::Cli::command();
    cli.build();
    let mut missing = Vec::new();

    // The global options are named once, in the sentence under the first table.
    let globals = readme
        .lines()
        .find(|line| line.starts_with("Every command also takes"))
        .expect("README.md: the line naming the global options");
    let named = flag_tokens(globals);
    for flag in flags(cli.get_arguments().filter(|a| a.is_global_set())) {
        if !named.contains(&flag) {
            missing.push(format!(
                "global {flag} (the \"Every command also takes\" line)"
            ));
        }
    }

    // A row may use a short form the README spells out once: "`-m` is short for `--model`".
    let abbreviations: Vec<(String, String)> = readme
        .match_indices(" is short for ")
        .filter_map(|(at, _)| {
            let short = readme[..at].rsplit('`').nth(1)?;
            let long = readme[at..].split('`').nth(1)?;
            Some((short.to_string(), long.to_string()))
        })
        .collect();

    let mut subs = Vec::new();
    subcommands(&cli, &[], &mut subs);
    for (words, cmd) in &subs {
        let names: Vec<&str> = cmd
            .get_subcommands()
            .map(|s| s.get_name())
            .filter(|name| *name != "help")
            .collect();
        // A span is this command's when it starts with the command's words and the word after
        // them is not one of its subcommands (`runs end ...` is not a row of `runs`).
        let rows: Vec<&str> = cells
            .iter()
            .flat_map(|cell| code_spans(cell))
            .filter(|span| {
                let mut tokens = span.split_whitespace();
                words.iter().all(|w| tokens.next() == Some(w.as_str()))
                    && tokens.next().is_none_or(|next| !names.contains(&next))
            })
            .collect();
        let command = words.join(" ");
        if rows.is_empty() {
            missing.push(format!("{command}: no table row"));
            continue;
        }
        let mut named: Vec<String> = rows.iter().flat_map(|row| flag_tokens(row)).collect();
        for (short, long) in &abbreviations {
            if named.contains(short) {
                named.push(long.clone());
            }
        }
        for flag in flags(cmd.get_arguments().filter(|a| !a.is_global_set())) {
            if !named.contains(&flag) {
                missing.push(format!("{command} {flag}"));
            }
        }
    }
    assert!(
        missing.is_empty(),
        "README.md's command tables lack flags that --help shows:\n{}",
        missing.join("\n")
    );
}

#[test]
fn flag_tokens_are_whole_flags() {
    assert_eq!(
        flag_tokens("`delete [-n\\|--dry-run] [--note T] KEY=VALUE` re-run -m M"),
        ["-n", "--dry-run", "--note", "-m"]
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

/// Whether `jq` runs here: the one example that pipes into it is skipped where it does not
/// (`.ci/run` installs it, so CI runs that line too).
fn jq_installed() -> bool {
    std::process::Command::new("jq")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}
