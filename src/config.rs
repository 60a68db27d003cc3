//! The only place that reads environment variables, the config file and platform folders.
//! Turns the parsed global options into [`Settings`], which `commands::Ctx` is made from.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use serde::Deserialize;

use crate::cli::GlobalArgs;
use crate::error::usage;

pub const CENTER_ENV: &str = "MFILE_CENTER";

/// Resolved settings for one command run.
#[derive(Debug)]
pub struct Settings {
    pub center: PathBuf,
    pub json: bool,
    pub quiet: bool,
    /// The user runs are recorded for: $MFILE_USER, else the OS user.
    pub user: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ConfigFile {
    center: Option<PathBuf>,
}

impl Settings {
    pub fn from_args(global: &GlobalArgs) -> Result<Settings> {
        let dirs = directories::BaseDirs::new();
        let config_file = dirs
            .as_ref()
            .map(|d| d.config_dir().join("mfile/config.json"));
        let data_dir = dirs.as_ref().map(|d| d.data_dir().to_path_buf());
        let center = resolve_center(
            global.center.as_deref(),
            std::env::var_os(CENTER_ENV).map(PathBuf::from).as_deref(),
            config_file.as_deref(),
            data_dir.as_deref(),
        )?;
        Ok(Settings {
            center,
            json: global.json,
            quiet: global.quiet,
            user: user_name(),
        })
    }
}

/// First match wins: the flag, the environment, the config file, the platform data folder.
fn resolve_center(
    flag: Option<&Path>,
    env: Option<&Path>,
    config_file: Option<&Path>,
    data_dir: Option<&Path>,
) -> Result<PathBuf> {
    if let Some(dir) = flag.or(env.filter(|p| !p.as_os_str().is_empty())) {
        return absolute(dir);
    }
    if let Some(file) = config_file.filter(|f| f.is_file()) {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("could not read the config file {}", file.display()))?;
        let config: ConfigFile = serde_json::from_str(&text)
            .map_err(|e| usage(format!("invalid config file {}: {e}", file.display())))?;
        if let Some(center) = config.center {
            // A relative center in the config file is relative to the file's folder.
            let base = file.parent().unwrap_or(Path::new("."));
            return Ok(base.join(center));
        }
    }
    match data_dir {
        Some(dir) => Ok(dir.join("mfile/center")),
        None => Err(usage(format!(
            "no home folder to put the center in; pass --center DIR or set {CENTER_ENV}"
        ))),
    }
}

fn absolute(path: &Path) -> Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("could not resolve {}", path.display()))
}

/// The user runs are recorded for: $MFILE_USER, else $USER or $LOGNAME, else the name of the
/// process's user id.
fn user_name() -> String {
    ["MFILE_USER", "USER", "LOGNAME"]
        .iter()
        .find_map(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
        .or_else(os_user)
        .unwrap_or_else(|| "unknown".to_string())
}

/// The name of the process's real user id, from the password database (NSS included): nix's
/// `User::from_uid`, a safe getpwuid_r; rustix has no password-database calls. None when the
/// uid has no entry or the name is not UTF-8 (nix decodes it lossily, so a replacement
/// character means it wasn't).
fn os_user() -> Option<String> {
    use nix::unistd::{Uid, User};
    let name = User::from_uid(Uid::current()).ok()??.name;
    (!name.contains(char::REPLACEMENT_CHARACTER)).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flag_beats_env_beats_config_beats_default() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, r#"{"center": "from-config"}"#).unwrap();
        let data = dir.path().join("data");
        let flag = Path::new("/flag");
        let env = Path::new("/env");
        let pick = |f, e, c| resolve_center(f, e, c, Some(&data)).unwrap();
        assert_eq!(pick(Some(flag), Some(env), Some(&config)), flag);
        assert_eq!(pick(None, Some(env), Some(&config)), env);
        assert_eq!(
            pick(None, None, Some(&config)),
            dir.path().join("from-config")
        );
        assert_eq!(pick(None, None, None), data.join("mfile/center"));
        let missing = dir.path().join("nope.json");
        assert_eq!(pick(None, None, Some(&missing)), data.join("mfile/center"));
    }

    #[test]
    fn a_broken_config_file_is_a_usage_error() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config.json");
        std::fs::write(&config, r#"{"centre": "typo"}"#).unwrap();
        let err = resolve_center(None, None, Some(&config), None).unwrap_err();
        assert_eq!(crate::error::exit_code(&err), 2);
        assert!(err.to_string().contains("invalid config file"), "{err}");
    }
}
