//! What reaches a terminal: values from the center never carry raw control or bidi characters
//! into human output (JSON stays exact), and closed pipes end commands quietly.

use std::fs::File;
use std::io::Read;
use std::os::fd::FromRawFd;
use std::process::Stdio;

use crate::harness::Env;

const EVIL: &str = "\x1b[2J\x1b]0;PWNED\x07";
const EVIL_SHOWN: &str = "\\u{1b}[2J\\u{1b}]0;PWNED\\u{7}";
const REVERSED: &str = "evil\u{202e}txt.bin";

/// No byte of a terminal control or bidi sequence in `text`.
fn assert_inert(what: &str, text: &str) {
    for bad in ['\x1b', '\x07', '\u{202e}'] {
        assert!(!text.contains(bad), "{what} carries {:?} raw:\n{text}", bad);
    }
}

#[test]
fn control_and_bidi_characters_in_values_are_escaped_in_human_output() {
    let env = Env::local();
    env.write(REVERSED, "x");
    let import = env.ok(&["import", REVERSED, "-m", "m", "--version", "1"]);
    assert_inert("import", &import.stdout);
    assert!(
        import.stdout.contains("evil\\u{202e}txt.bin"),
        "{}",
        import.stdout
    );

    let description = format!("--description={EVIL}");
    let tag = format!("--tag=k={EVIL}");
    let param = format!("lr={EVIL}");
    let register = env.ok(&["register", "-m", "m", "--version", "1", &description, &tag]);
    env.ok(&["log-param", "-m", "m", "--run", "r1", &param]);
    env.ok(&["log-param", "-m", "m", "--run", "r2", "lr=1"]);
    let outputs = [
        ("register", register),
        ("config", env.ok(&["config", "-m", "m", "--version", "1"])),
        ("versions", env.ok(&["versions", "-m", "m"])),
        ("scan", env.ok(&["scan", "-m", "m", "--version", "1"])),
        ("runs", env.ok(&["runs", "-m", "m"])),
        ("compare", env.ok(&["compare", "-m", "m", "r1", "r2"])),
    ];
    for (what, run) in &outputs {
        assert_inert(what, &run.stdout);
        assert_inert(what, &run.stderr);
    }
    for what in ["register", "config", "versions", "runs", "compare"] {
        let (_, run) = outputs.iter().find(|(w, _)| *w == what).unwrap();
        assert!(run.stdout.contains(EVIL_SHOWN), "{what}:\n{}", run.stdout);
    }
    let (_, scan) = &outputs[3];
    assert!(
        scan.stdout.contains("evil\\u{202e}txt.bin"),
        "{}",
        scan.stdout
    );

    // Tables stay aligned: the escaped text is what is measured.
    let (_, versions) = &outputs[2];
    let lines: Vec<&str> = versions.stdout.lines().collect();
    let column = lines[0].find("description").unwrap();
    assert_eq!(
        lines[1].find("\\u{1b}"),
        Some(column),
        "{}",
        versions.stdout
    );

    // JSON carries the exact values.
    let doc = env.json(&["config", "-m", "m", "--version", "1"]);
    assert_eq!(doc["description"], EVIL);
    assert_eq!(doc["tags"]["k"], EVIL);
    let doc = env.json(&["scan", "-m", "m", "--version", "1"]);
    assert_eq!(doc["files"][0]["path"], REVERSED);
}

#[test]
fn control_characters_in_error_messages_are_escaped() {
    let env = Env::new();
    env.write("a.bin", "a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    let blocked = format!("out\x1b]0;PWNED\x07{}", "\u{202e}");
    env.write(&blocked, "a file, not a folder");
    let run = env.expect(1, &["pull", "-m", "m", "--version", "1", "--to", &blocked]);
    assert_inert("pull's error", &run.stderr);
    assert!(
        run.stderr
            .contains("out\\u{1b}]0;PWNED\\u{7}\\u{202e} is not a folder"),
        "{}",
        run.stderr
    );
}

/// A pipe: (read end, write end). (std::io::pipe needs Rust 1.87; mfile supports 1.85.)
fn pipe() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors pipe2() writes. Close-on-exec, so that
    // mfile holds only the write end it is given: a reader it inherited would keep the pipe open.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors are new, open and owned by nothing else.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// Runs mfile with stdout and stderr into one pipe that is closed after `keep` bytes.
fn closed_early(env: &Env, args: &[&str], keep: usize) -> (i32, String) {
    let (mut reader, writer) = pipe();
    let mut child = env
        .command(args)
        .stdout(writer.try_clone().unwrap())
        .stderr(writer)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut head = vec![0; keep];
    reader.read_exact(&mut head).unwrap();
    drop(reader);
    let status = child.wait().unwrap();
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&head).into_owned(),
    )
}

fn many_files(env: &Env, count: usize) {
    for i in 0..count {
        env.write(
            &format!("src/f{i:04}-{}.txt", "x".repeat(60)),
            format!("{i}"),
        );
    }
    env.ok(&["import", "src", "-m", "m", "--version", "1", "--quiet"]);
}

#[test]
fn a_closed_stdout_and_stderr_end_commands_quietly_with_exit_0() {
    let env = Env::local();
    many_files(&env, 400);
    env.write("bad.bin", "x");
    env.ok(&["import", "bad.bin", "-m", "m", "--version", "1", "--quiet"]);
    std::fs::write(env.stored("m", "1", "bad.bin"), "damaged").unwrap();
    // verify prints its table on stdout and its error on stderr, both into the closed pipe;
    // whether the table fits in the pipe before it closes decides between 0 and 1.
    let (code, _) = closed_early(&env, &["verify"], 1);
    assert!(code == 0 || code == 1, "verify exited {code}");
    // These documents are larger than a pipe holds, so the pipe closes while they are written.
    for args in [
        &["scan", "-m", "m", "--version", "1", "--json"][..],
        &["pull", "-m", "m", "--version", "1", "--to", "out", "--json"],
    ] {
        let (code, head) = closed_early(&env, args, 1);
        assert_eq!(
            code, 0,
            "mfile {args:?}: a closed pipe is a quiet exit 0 ({head})"
        );
    }
}

#[test]
fn a_closed_stderr_does_not_panic() {
    let env = Env::local();
    env.write("a.bin", "a");
    env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
    std::fs::write(env.stored("m", "1", "a.bin"), "damaged").unwrap();
    let (reader, writer) = pipe();
    drop(reader);
    for (code, args) in [
        (1, &["verify"][..]),
        (0, &["runs", "-m", "m"]),
        (0, &["versions", "-m", "m"]),
        (1, &["scan", "-m", "nope"]),
    ] {
        let status = env
            .command(args)
            .stdout(Stdio::null())
            .stderr(writer.try_clone().unwrap())
            .status()
            .unwrap();
        assert_eq!(
            status.code(),
            Some(code),
            "mfile {args:?} with a closed stderr"
        );
    }
}

/// What a terminal `cols` columns wide shows of a shell `line` (whose `mfile` is the binary
/// under test): script(1) runs it on a pty. Line ends as `\n`.
fn on_a_terminal(env: &Env, cols: u16, line: &str) -> String {
    let inner = format!("stty cols {cols} rows 20; {line}");
    let output = env
        .shell(&format!("script -qec '{inner}' /dev/null"))
        .output()
        .unwrap();
    let shown = String::from_utf8_lossy(&output.stdout).replace("\r\n", "\n");
    assert!(output.status.success(), "{line}:\n{shown}");
    shown
}

#[test]
fn tables_on_a_terminal_wrap_to_its_width() {
    use unicode_width::UnicodeWidthStr;
    let env = Env::new();
    let description = "第一次训练的模型 weights of the long run over every shard of the data";
    env.ok(&[
        "register",
        "-m",
        "m",
        "--version",
        "第一版",
        "--description",
        description,
    ]);
    env.write("权重.bin", "weights");
    env.ok(&["import", "权重.bin", "-m", "m", "--version", "第一版"]);
    let piped = env.ok(&["versions", "-m", "m"]).stdout;
    assert!(piped.lines().any(|l| l.width() > 60), "{piped}");

    let created = piped
        .lines()
        .nth(1)
        .unwrap()
        .split_whitespace()
        .nth(4)
        .unwrap();

    for cols in [60, 80] {
        let shown = on_a_terminal(&env, cols, "mfile versions -m m");
        // stderr shares the terminal: the table is what comes before the summary.
        let lines: Vec<&str> = shown
            .lines()
            .take_while(|l| !l.starts_with("1 version"))
            .collect();
        for line in &lines {
            assert!(
                line.width() <= cols.into(),
                "{} columns: {line}\n{shown}",
                line.width()
            );
        }
        assert!(lines[0].starts_with("version"), "{shown}");
        assert!(lines.iter().any(|l| l.starts_with("第一版")), "{shown}");
        assert!(lines.len() > 2, "the description did not wrap:\n{shown}");
        let words: Vec<&str> = shown.split_whitespace().collect();
        let at = |word: &str| words.iter().position(|w| *w == word);
        assert!(at("long").is_some() && at("long") < at("data"), "{shown}");
        if cols == 80 {
            // Room for every header and every short word whole; the size right-aligned.
            let headers: Vec<&str> = lines[0].split_whitespace().collect();
            assert_eq!(
                headers,
                [
                    "version",
                    "files",
                    "size",
                    "created",
                    "updated",
                    "aliases",
                    "runs",
                    "description"
                ]
            );
            assert!(lines[1].contains(created), "{created}:\n{shown}");
            // Every word of the description whole, in order, within its column.
            let mut shown_words = words.iter();
            let mut described = description.split(' ');
            assert!(described.all(|w| shown_words.any(|s| *s == w)), "{shown}");
            let end =
                |line: &str, text: &str| line[..line.find(text).unwrap() + text.len()].width();
            assert_eq!(end(lines[0], "size"), end(lines[1], "7 B"), "{shown}");
        }
    }
}

#[test]
fn tables_on_a_terminal_are_painted_only_as_colour_rules_allow() {
    let env = Env::new();
    env.ok(&["log-param", "-m", "m", "--run", "r1", "lr=0.1"]);
    env.ok(&["log-param", "-m", "m", "--run", "r2", "lr=0.2"]);
    let painted = on_a_terminal(&env, 100, "env -u NO_COLOR TERM=xterm mfile runs -m m");
    assert!(painted.contains("\x1b[1m*lr"), "{painted:?}");
    for line in [
        "mfile runs -m m", // the harness sets NO_COLOR
        "env -u NO_COLOR TERM=xterm mfile runs -m m --color never",
        "env -u NO_COLOR TERM=dumb mfile runs -m m",
        "env -u NO_COLOR TERM=xterm mfile runs -m m | cat",
    ] {
        let shown = on_a_terminal(&env, 100, line);
        assert!(!shown.contains('\x1b'), "{line}: {shown:?}");
        assert!(shown.contains("*lr"), "{line}: {shown:?}");
    }
}
