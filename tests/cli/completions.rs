use std::fs;
use std::path::Path;

use crate::harness::Env;

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
            script.contains("import") && script.contains("center"),
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
