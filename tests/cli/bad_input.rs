//! Bad names, paths and flags: each gets a clear message and the documented exit code, and
//! nothing is written anywhere.

use crate::harness::Env;

#[test]
fn bad_input_is_refused_with_exit_2_and_writes_nothing() {
    let env = Env::new();
    env.write("a.bin", "a");
    let long = "x".repeat(129);
    let cases: &[(&[&str], &str)] = &[
        (
            &["import", "a.bin", "-m", "..", "--version", "1"],
            "invalid model name '..'",
        ),
        (
            &["import", "a.bin", "-m", "a/b", "--version", "1"],
            "invalid model name 'a/b'",
        ),
        (
            &["import", "a.bin", "-m", "", "--version", "1"],
            "invalid model name ''",
        ),
        (
            &["import", "a.bin", "-m", "m", "--version", "/etc"],
            "invalid version name '/etc'",
        ),
        (
            &["import", "a.bin", "-m", "m", "--version", "a\nb"],
            "invalid version name 'a\\nb'",
        ),
        (
            &["import", "a.bin", "-m", "m", "--version", ".hidden"],
            "invalid version name",
        ),
        (
            &["import", "a.bin", "-m", &long, "--version", "1"],
            "invalid model name",
        ),
        (
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "../x",
            ],
            "'..' is not allowed",
        ),
        (
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "/abs",
            ],
            "absolute paths",
        ),
        (
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "a/../../b",
            ],
            "'..' is not allowed",
        ),
        (
            &[
                "import",
                "a.bin",
                "-m",
                "m",
                "--version",
                "1",
                "--include",
                "{a",
            ],
            "invalid glob",
        ),
        (
            &["register", "-m", "m", "--version", "1", "--tag", "=v"],
            "invalid --tag",
        ),
        (&["scan", "-m", "../m"], "invalid model name"),
        (
            &["pull", "-m", "m", "--version", "..", "--to", "x"],
            "invalid version name",
        ),
        (
            &["delete", "-m", "m", "--version", "1", "../a.bin"],
            "'..' is not allowed",
        ),
        (
            &["delete", "-m", "m", "--version", "1", "/a.bin"],
            "absolute paths",
        ),
        (
            &["delete", "-m", "m", "--all", "--include", "*"],
            "cannot be used with",
        ),
        (&["verify", "-m", "m/"], "invalid model name"),
        (&["versions", "-m", "."], "invalid model name"),
        (
            &["config", "-m", "m", "--version", "1\t0"],
            "invalid version name '1\\t0': U+0009 is not allowed",
        ),
        (
            &["import", "a.bin", "-m", "a\u{200b}b", "--version", "1"],
            "U+200B is not allowed",
        ),
        (
            &["import", "a.bin", "-m", "m", "--version", "v1 "],
            "does not end with a space",
        ),
        (
            &["import", "a.bin", "-m", "模型😀", "--version", "1"],
            "U+1F600 is not allowed",
        ),
        (&["import", "-m", "m", "--version", "1"], "required"),
        (&["scan", "--sort", "random"], "invalid value"),
        (&["scan", "--color", "sometimes"], "invalid value"),
        (&["frobnicate"], "unrecognized subcommand"),
    ];
    for (args, fragment) in cases {
        let run = env.run(args);
        assert_eq!(run.code, 2, "mfile {args:?}\nstderr: {}", run.stderr);
        assert!(
            run.stderr.contains(fragment),
            "mfile {args:?}: stderr lacks {fragment:?}:\n{}",
            run.stderr
        );
        assert!(
            run.stdout.is_empty(),
            "mfile {args:?} printed data: {}",
            run.stdout
        );
    }
    assert!(!env.center.exists(), "no bad command created the center");
    assert_eq!(
        env.tree(&env.root),
        ["work/a.bin"],
        "nothing was written anywhere"
    );
}

#[test]
fn names_that_look_odd_but_are_valid_work() {
    let env = Env::local();
    env.write("a.bin", "a");
    for (model, version) in [
        ("bert-base", "1.0"),
        ("M_2", "v2_final"),
        ("x", "2024.01.01-rc.1"),
        ("my model", "final 2"),
    ] {
        env.ok(&["import", "a.bin", "-m", model, "--version", version]);
        assert!(env.stored(model, version, "a.bin").exists());
    }
}

#[test]
fn a_center_that_is_a_file_is_an_error() {
    let env = Env::local();
    env.write("a.bin", "a");
    std::fs::write(&env.center, "not a folder").unwrap();
    env.expect(1, &["import", "a.bin", "-m", "m", "--version", "1"])
        .says(&["is not a folder"]);
    env.expect(1, &["scan"]).says(&["is not a folder"]);
}
