use std::fs;
use std::path::Path;

use crate::harness::{Env, Run};

/// The checked-in scripts must be what the binary prints. To refresh them after changing the
/// CLI: `MFILE_UPDATE_COMPLETIONS=1 cargo test completions`.
#[test]
fn checked_in_completions_match_the_binary() {
    let env = Env::new();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("completions");
    let update = std::env::var_os("MFILE_UPDATE_COMPLETIONS").is_some();
    for (shell, file) in [
        ("bash", "mfile.bash"),
        ("zsh", "_mfile"),
        ("fish", "mfile.fish"),
        ("elvish", "mfile.elv"),
        ("powershell", "_mfile.ps1"),
    ] {
        let script = env.ok(&["completions", shell]).stdout;
        assert!(
            script.contains("COMPLETE") && script.contains("mfile"),
            "{shell} script looks wrong"
        );
        let path = dir.join(file);
        if update {
            fs::write(&path, &script).unwrap();
        }
        let checked_in = fs::read_to_string(&path).unwrap_or_default();
        assert!(
            checked_in == script,
            "completions/{file} is out of date; run MFILE_UPDATE_COMPLETIONS=1 cargo test completions"
        );
    }
}

#[test]
fn completions_json_is_a_document_holding_the_script() {
    let env = Env::new();
    let doc = env.json(&["completions", "bash"]);
    assert_eq!(doc["shell"], "bash");
    assert_eq!(doc["script"], env.ok(&["completions", "bash"]).stdout);
}

/// What the shell gets on a Tab after `words` (the last one is being typed), asked the way
/// fish's registration asks: `COMPLETE=fish mfile -- mfile WORDS...`, one candidate a line
/// (`value<TAB>help` when there is help).
fn tab(env: &Env, words: &[&str]) -> Run {
    let out = env
        .command(&[&["--", "mfile"], words].concat())
        .env("COMPLETE", "fish")
        .output()
        .expect("run mfile");
    Run {
        args: words.iter().map(|s| s.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// The candidates of a Tab, without their help.
fn candidates(env: &Env, words: &[&str]) -> Vec<String> {
    let run = tab(env, words);
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{run:?}");
    run.stdout
        .lines()
        .map(|line| line.split('\t').next().unwrap_or_default().to_string())
        .collect()
}

#[test]
fn models_versions_aliases_and_runs_complete_from_the_catalog() {
    let env = Env::new();
    env.write("a.bin", "a");
    // 1.2 made last: @latest names it though natural order puts 1.10 last
    for (model, version) in [("m9", "1.10"), ("m9", "1.2"), ("m90", "1"), ("m1", "1")] {
        env.ok(&["import", "a.bin", "-m", model, "--version", version, "-q"]);
    }
    env.ok(&["alias", "set", "-m", "m9", "prod", "1.2"]);

    assert_eq!(candidates(&env, &["scan", "-m", "m9"]), ["m9", "m90"]);
    assert_eq!(
        candidates(&env, &["pull", "--model=m"]),
        ["--model=m1", "--model=m9", "--model=m90"]
    );
    // Versions in natural order, then @latest and the aliases, each with its version as help.
    let run = tab(&env, &["pull", "-m", "m9", "--version", ""]);
    assert_eq!(
        run.stdout, "1.2\n1.10\n@latest\t1.2\n@prod\t1.2\n",
        "{run:?}"
    );
    assert_eq!(
        candidates(&env, &["diff", "-m", "m9", "1.2", "@"]),
        ["@latest", "@prod"]
    );
    assert_eq!(
        candidates(&env, &["alias", "rm", "-m", "m9", "p"]),
        ["prod"]
    );
    // `pull --to` names a folder, not a version (only diff's --from/--to are versions)
    let to = candidates(&env, &["pull", "-m", "m9", "--version", "1.2", "--to", "1"]);
    assert!(!to.iter().any(|c| c.starts_with("1.")), "{to:?}");
    // Another model's versions, the model given after the cursor (bash passes every word
    // and the index of the one under the cursor).
    let out = env
        .command(&["--", "mfile", "config", "--version", "", "-m", "m90"])
        .env("COMPLETE", "bash")
        .env("_CLAP_COMPLETE_INDEX", "3")
        .env("_CLAP_IFS", " ")
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout), "1 @latest");
    // No model yet: no version to offer.
    assert!(candidates(&env, &["scan", "--version", "1"]).is_empty());
}

#[test]
fn runs_complete_as_they_are_named_yours_by_name_others_with_their_owner() {
    let env = Env::local();
    for (user, run) in [("alice", "base"), ("bob", "big"), ("alice", "bigger")] {
        let mut command = env.command(&["log-param", "-m", "m", "--run", run, "lr=1", "-q"]);
        command.env("MFILE_USER", user);
        env.ok_command(command);
    }
    let as_alice = |words: &[&str]| {
        let out = env
            .command(&[&["--", "mfile"], words].concat())
            .env("COMPLETE", "fish")
            .env("MFILE_USER", "alice")
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    // Newest first.
    assert_eq!(
        as_alice(&["metrics", "-m", "m", "--run", "b"]),
        "bigger\nbob/big\nbase\n"
    );
    assert_eq!(as_alice(&["compare", "-m", "m", "bob/"]), "bob/big\n");
    // --user changes whose runs go by their bare name.
    assert_eq!(
        as_alice(&["runs", "end", "--user", "bob", "-m", "m", "--run", ""]),
        "alice/bigger\nbig\nalice/base\n"
    );
    // track --run names a new run: nothing to offer.
    assert_eq!(as_alice(&["track", "-m", "m", "--run", "b"]), "");
}

#[test]
fn without_a_center_a_tab_offers_nothing_and_creates_nothing() {
    let env = Env::local();
    let before = env.tree(&env.root);
    for words in [
        &["scan", "-m", ""][..],
        &["pull", "-m", "m", "--version", ""],
        &["metrics", "-m", "m", "--run", ""],
    ] {
        let run = tab(&env, words);
        assert_eq!(
            (run.code, &*run.stdout, &*run.stderr),
            (0, "", ""),
            "{run:?}"
        );
    }
    assert!(!env.center.exists());
    assert_eq!(env.tree(&env.root), before, "nothing was written");

    // A bucket center with no cache here: nothing either, and no word to the server.
    let server = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    server.set_nonblocking(true).unwrap();
    let endpoint = format!("http://{}", server.local_addr().unwrap());
    let out = env
        .command(&["--", "mfile", "scan", "-m", ""])
        .env("COMPLETE", "fish")
        .env("MFILE_CENTER", "s3://team-models/prod")
        .env("AWS_ENDPOINT_URL", &endpoint)
        .env("AWS_ACCESS_KEY_ID", "key")
        .env("AWS_SECRET_ACCESS_KEY", "secret")
        .output()
        .unwrap();
    assert_eq!(
        (out.status.code(), out.stdout.as_slice()),
        (Some(0), &b""[..])
    );
    let asked = server.accept();
    assert!(
        matches!(&asked, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "the completion connected to the server: {asked:?}"
    );
    assert_eq!(env.tree(&env.root), before, "nothing was written");
}

/// A center of 1,000 models, written in one transaction through the library. The time a Tab
/// takes on it is measured by a benchmark (see CHANGELOG), not here.
#[test]
fn a_thousand_models_complete_by_prefix() {
    let env = Env::local();
    let mut center = mfile::engine::Center::create(&env.center).unwrap();
    center
        .catalog
        .write(|tx| {
            let now = mfile::time::Timestamp(1_700_000_000_000_000_000);
            for i in 0..1000 {
                let model = tx.ensure_model(&format!("m{i}"), now)?;
                tx.ensure_version(model.id, "1", now)?;
            }
            Ok(())
        })
        .unwrap();
    drop(center);
    let got = candidates(&env, &["scan", "-m", "m9"]);
    let mut want: Vec<String> = (0..1000)
        .map(|i| format!("m{i}"))
        .filter(|m| m.starts_with("m9"))
        .collect();
    want.sort();
    assert_eq!(got.len(), 111);
    assert_eq!(got, want);
    assert_eq!(
        candidates(&env, &["scan", "-m", "m999", "--version", ""]),
        ["1", "@latest"]
    );
}

/// The bash script, sourced into a real bash, fills COMPREPLY from the catalog when its
/// function is called the way bash calls it on a Tab.
#[test]
fn the_bash_script_completes_in_bash() {
    let env = Env::local();
    env.write("a.bin", "a");
    for model in ["churn", "chess", "other"] {
        env.ok(&["import", "a.bin", "-m", model, "--version", "1", "-q"]);
    }
    let script = env.root.join("mfile.bash");
    fs::write(&script, env.ok(&["completions", "bash"]).stdout).unwrap();
    let line = format!(
        "source {} && COMP_WORDS=(mfile pull -m ch) && COMP_CWORD=3 && COMP_TYPE=9 && \
         _clap_complete_mfile mfile ch -m && printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display()
    );
    assert_eq!(env.ok_command(env.shell(&line)).stdout, "chess\nchurn\n");
}
