//! docs/man/ holds a man page per command, generated from the CLI (clap_mangen), so `man` on a
//! machine without the source says what `--help` says. To refresh them after changing the
//! CLI: `MFILE_UPDATE_MAN=1 cargo test --test cli man`.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use clap::CommandFactory;

#[test]
fn checked_in_man_pages_match_the_cli() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/man");
    let fresh = tempfile::tempdir().unwrap();
    clap_mangen::generate_to(mfile::cli::Cli::command(), fresh.path()).unwrap();
    let names = |dir: &Path| -> BTreeSet<String> {
        fs::read_dir(dir)
            .map(|entries| {
                entries
                    .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let generated = names(fresh.path());
    assert!(
        generated.contains("mfile.1") && generated.contains("mfile-alias-set.1"),
        "{generated:?}"
    );
    if std::env::var_os("MFILE_UPDATE_MAN").is_some() {
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        for name in &generated {
            fs::copy(fresh.path().join(name), dir.join(name)).unwrap();
        }
    }
    let refresh = "run MFILE_UPDATE_MAN=1 cargo test --test cli man";
    assert_eq!(
        names(&dir),
        generated,
        "docs/man/ lists other pages; {refresh}"
    );
    for name in &generated {
        let page = fs::read_to_string(fresh.path().join(name)).unwrap();
        let checked_in = fs::read_to_string(dir.join(name)).unwrap();
        assert!(
            checked_in == page,
            "docs/man/{name} is out of date; {refresh}"
        );
    }
}
