//! Completions that know the center. The shell's registration script (`mfile completions
//! SHELL`, or `COMPLETE=SHELL mfile`) calls `COMPLETE=SHELL mfile -- WORDS...` on each Tab;
//! [`from_env`], first in `main`, answers that call through clap_complete's engine and exits.
//! Subcommands, flags and fixed values come from the CLI; model, version (`@latest` and
//! `@ALIAS` too), alias and run names from the catalog.
//!
//! A completer opens the catalog only to read ([`Catalog::peek`]): a bucket center's local
//! cache, never the network; it creates no center and prints nothing when anything fails (no
//! center, a broken config file, a catalog from another mfile): the shell then offers nothing.

use std::ffi::{OsStr, OsString};

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::{CompleteEnv, Shells};

use crate::catalog::Catalog;
use crate::cli::{Cli, ColorChoice, GlobalArgs};
use crate::config::Settings;
use crate::values::names::{LATEST, natural_cmp, nfc};

/// The variable that asks mfile for completions instead of running a command.
const VAR: &str = "COMPLETE";
/// The command the scripts complete, and the one they call to get completions.
const BIN: &str = "mfile";

/// Answers a shell's completion request and exits when `COMPLETE` names a shell; returns at
/// once otherwise. Call it before anything writes to stdout.
pub fn from_env() {
    CompleteEnv::with_factory(command)
        .var(VAR)
        .bin(BIN)
        .completer(BIN)
        .complete();
}

/// The script that registers mfile's completions in `shell`: what `COMPLETE=SHELL mfile`
/// prints.
pub fn registration(shell: clap_complete::Shell) -> Result<String> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer = shells
        .completer(&name)
        .with_context(|| format!("no completions for {name}"))?;
    let mut script = Vec::new();
    completer.write_registration(VAR, BIN, BIN, BIN, &mut script)?;
    Ok(String::from_utf8_lossy(&script).into_owned())
}

/// The CLI with a completer on every argument that names something in the catalog, found by
/// its id (the ids `cli.rs` keeps for the shared `--model`, `--version` and `--run`).
pub fn command() -> clap::Command {
    attach(Cli::command())
}

/// What an argument names, by its id.
fn completer_for(command: &str, id: &str) -> Option<fn(&OsStr) -> Vec<CompletionCandidate>> {
    match id {
        "model" => Some(models),
        "version" => Some(versions),
        // `diff --from/--to` name versions; `pull --to` and others name folders.
        "from" | "to" if command == "diff" => Some(versions),
        "alias" => Some(aliases),
        // track's --run names the run it is about to make.
        "run" | "runs" if command != "track" => Some(runs),
        _ => None,
    }
}

fn attach(mut cmd: clap::Command) -> clap::Command {
    let name = cmd.get_name().to_string();
    let ids: Vec<String> = cmd
        .get_arguments()
        .map(|arg| arg.get_id().to_string())
        .collect();
    for id in ids {
        if let Some(complete) = completer_for(&name, &id) {
            cmd = cmd.mut_arg(id, |arg| arg.add(ArgValueCompleter::new(complete)));
        }
    }
    let subcommands: Vec<String> = cmd
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for sub in subcommands {
        cmd = cmd.mut_subcommand(sub, attach);
    }
    cmd
}

/// What the command line being completed says besides the word under the cursor.
#[derive(Debug, Default, PartialEq)]
struct Words {
    model: Option<String>,
    center: Option<OsString>,
    user: Option<String>,
}

impl Words {
    /// The words of `mfile -- mfile WORDS...` (how the scripts call mfile) after the `--`.
    fn of_this_process() -> Words {
        let args = std::env::args_os().skip_while(|arg| arg != "--").skip(1);
        Words::parse(args)
    }

    /// `-m M`, `-mM`, `--model M`, `--model=M`, and the same of `--center` and `--user`, up
    /// to a `--` (what follows it is track's training command).
    fn parse(args: impl IntoIterator<Item = OsString>) -> Words {
        let mut words = Words::default();
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            if arg == "--" {
                break;
            }
            let Some(text) = arg.to_str() else {
                continue;
            };
            let (flag, inline) = match text.split_once('=') {
                Some((flag, value)) if flag.starts_with("--") => (flag, Some(value.to_string())),
                _ => (text, None),
            };
            let (flag, inline) = match flag.strip_prefix("-m") {
                Some(value) if !value.is_empty() && !flag.starts_with("--") => {
                    ("-m", Some(value.to_string()))
                }
                _ => (flag, inline),
            };
            if !matches!(flag, "-m" | "--model" | "--center" | "--user") {
                continue;
            }
            let value = match inline {
                Some(value) => OsString::from(value),
                None => match args.next() {
                    Some(value) => value,
                    None => break,
                },
            };
            match flag {
                "--center" => words.center = Some(value),
                "--user" => words.user = value.to_str().map(nfc),
                _ => words.model = value.to_str().map(nfc),
            }
        }
        words
    }

    /// The center's catalog, opened only to read; `None` when there is none to read.
    fn catalog(&self) -> Option<(Catalog, Settings)> {
        let global = GlobalArgs {
            center: self.center.clone().map(Into::into),
            json: false,
            quiet: true,
            color: ColorChoice::Never,
        };
        let settings = Settings::from_args(&global).ok()?;
        let catalog = Catalog::peek(&settings.center.join(crate::center::CATALOG_FILE)).ok()?;
        Some((catalog, settings))
    }
}

/// The candidates among `names` that begin with the word typed so far, with their help.
fn matching(
    current: &OsStr,
    names: impl IntoIterator<Item = (String, Option<String>)>,
) -> Vec<CompletionCandidate> {
    let Some(typed) = current.to_str() else {
        return Vec::new();
    };
    let typed = nfc(typed);
    names
        .into_iter()
        .filter(|(name, _)| name.starts_with(&typed))
        .map(|(name, help)| CompletionCandidate::new(name).help(help.map(Into::into)))
        .collect()
}

fn models(current: &OsStr) -> Vec<CompletionCandidate> {
    let Some((catalog, _)) = Words::of_this_process().catalog() else {
        return Vec::new();
    };
    let names = catalog.model_names().unwrap_or_default();
    matching(current, names.into_iter().map(|name| (name, None)))
}

/// The model's versions in natural order, then `@latest` (the one made last) and its aliases
/// (each with the version it names as help).
fn versions(current: &OsStr) -> Vec<CompletionCandidate> {
    let words = Words::of_this_process();
    let (Some(model), Some((catalog, _))) = (&words.model, words.catalog()) else {
        return Vec::new();
    };
    let Some(model) = catalog.model(model).ok().flatten() else {
        return Vec::new();
    };
    let mut versions = catalog.version_names(&model.name).unwrap_or_default();
    versions.sort_by(|a, b| natural_cmp(a, b));
    // `@latest` is the version made last, which natural order need not put last
    let latest = catalog.latest_version(model.id).ok().flatten();
    let latest = latest.map(|last| (format!("@{LATEST}"), Some(last)));
    let aliases = catalog.aliases(model.id).unwrap_or_default();
    let aliases = aliases
        .into_iter()
        .map(|a| (format!("@{}", a.alias), Some(a.version)));
    let versions = versions.into_iter().map(|version| (version, None));
    matching(current, versions.chain(latest).chain(aliases))
}

fn aliases(current: &OsStr) -> Vec<CompletionCandidate> {
    let words = Words::of_this_process();
    let (Some(model), Some((catalog, _))) = (&words.model, words.catalog()) else {
        return Vec::new();
    };
    let Some(model) = catalog.model(model).ok().flatten() else {
        return Vec::new();
    };
    let aliases = catalog.aliases(model.id).unwrap_or_default();
    matching(
        current,
        aliases.into_iter().map(|a| (a.alias, Some(a.version))),
    )
}

/// The model's runs, newest first: the user's own (`--user`, else $MFILE_USER, else the OS
/// user) by name, others' as `USER/RUN`, as a run is named on the command line.
fn runs(current: &OsStr) -> Vec<CompletionCandidate> {
    let words = Words::of_this_process();
    let (Some(model), Some((catalog, settings))) = (&words.model, words.catalog()) else {
        return Vec::new();
    };
    let me = words.user.unwrap_or(settings.user);
    let runs = catalog.run_names(model).unwrap_or_default();
    let names = runs.into_iter().map(|(owner, name)| {
        let shown = if owner == me {
            name
        } else {
            format!("{owner}/{name}")
        };
        (shown, None)
    });
    matching(current, names)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Words {
        Words::parse(line.split(' ').map(OsString::from))
    }

    #[test]
    fn the_model_center_and_user_are_read_in_every_spelling() {
        let want = Words {
            model: Some("churn".into()),
            center: Some("/c".into()),
            user: Some("bob".into()),
        };
        for line in [
            "mfile scan -m churn --center /c --user bob --version 1",
            "mfile --center=/c scan -mchurn --user=bob --version",
            "mfile scan --model=churn --center /c --user bob",
        ] {
            assert_eq!(parse(line), want, "{line}");
        }
        // A flag left without its value, and a training command's own -m.
        assert_eq!(parse("mfile scan -m").model, None);
        assert_eq!(
            parse("mfile track -m a -- python -m b").model.as_deref(),
            Some("a")
        );
    }

    #[test]
    fn every_argument_that_names_something_has_a_completer() {
        fn walk(cmd: &clap::Command, found: &mut Vec<String>) {
            for arg in cmd.get_arguments() {
                if arg.get::<ArgValueCompleter>().is_some() {
                    found.push(format!("{} {}", cmd.get_name(), arg.get_id()));
                }
            }
            cmd.get_subcommands().for_each(|sub| walk(sub, found));
        }
        let mut found = Vec::new();
        walk(&command(), &mut found);
        for expected in [
            "scan model",
            "scan version",
            "pull version",
            "diff from",
            "diff to",
            "set alias",
            "set version",
            "metrics run",
            "compare runs",
            "delete runs",
        ] {
            assert!(found.iter().any(|f| f == expected), "{expected}: {found:?}");
        }
        assert!(!found.iter().any(|f| f == "track run"), "{found:?}");
    }

    #[test]
    fn every_shell_has_a_registration_that_calls_mfile() {
        use clap::ValueEnum;
        for shell in clap_complete::Shell::value_variants() {
            let script = registration(*shell).unwrap();
            assert!(
                script.contains("COMPLETE") && script.contains("mfile"),
                "{script}"
            );
        }
    }
}
