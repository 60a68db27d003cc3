//! Value types that several layers share: content digests, a run's status, a parameter's kind,
//! the step range, this host's name, the validated names and paths of [`names`], durations as
//! written on a command line ([`duration`]), and where a center lives ([`location`]: a folder
//! or a bucket URL with its endpoint and keys), counted nouns ([`words`]). A leaf: it
//! imports no other module of mfile but the leaf `error`, so the catalog, the center, tracking
//! and the clap types can all use it without importing each other.

pub mod duration;
pub mod location;
pub mod names;
pub mod tags;
pub mod words;

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// A file's digests: md5, what users see and compare, and BLAKE3, the strong hash computed in
/// the same pass, so deduplication never trusts md5 alone (see `center::hashing`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Digests {
    pub md5: String,
    pub blake3: String,
}

/// Where a training run stands. Stored, shown and given (`--status`, `status=`) by its name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RunStatus {
    Running,
    Finished,
    Failed,
    Killed,
}

impl RunStatus {
    pub const ALL: [RunStatus; 4] = [
        RunStatus::Running,
        RunStatus::Finished,
        RunStatus::Failed,
        RunStatus::Killed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Running => "running",
            RunStatus::Finished => "finished",
            RunStatus::Failed => "failed",
            RunStatus::Killed => "killed",
        }
    }
}

impl FromStr for RunStatus {
    type Err = String;

    /// The status named exactly (lower case), as [`RunStatus::as_str`] writes it.
    fn from_str(text: &str) -> Result<RunStatus, String> {
        RunStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "{} is not a run status (running, finished, failed or killed)",
                    names::quote(text)
                )
            })
    }
}

impl fmt::Display for RunStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parameter's type, inferred from its text (`tracking::parse::infer_kind`), for display and
/// sorting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParamKind {
    Int,
    Float,
    Bool,
    String,
}

impl ParamKind {
    pub const ALL: [ParamKind; 4] = [
        ParamKind::Int,
        ParamKind::Float,
        ParamKind::Bool,
        ParamKind::String,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Int => "int",
            ParamKind::Float => "float",
            ParamKind::Bool => "bool",
            ParamKind::String => "string",
        }
    }
}

impl FromStr for ParamKind {
    type Err = String;

    /// The kind named exactly (lower case), as [`ParamKind::as_str`] writes it.
    fn from_str(text: &str) -> Result<ParamKind, String> {
        ParamKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| {
                format!(
                    "{} is not a parameter kind (int, float, bool or string)",
                    names::quote(text)
                )
            })
    }
}

impl fmt::Display for ParamKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The highest step: the largest integer a JSON reader (JavaScript, the page) holds exactly.
/// Steps run from `-MAX_STEP` to `MAX_STEP`.
pub const MAX_STEP: i64 = (1 << 53) - 1;

/// This machine's name, as runs, partial files and the single-writer claim record it.
pub fn host() -> String {
    static HOST: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HOST.get_or_init(read_host).clone()
}

/// The host name: uname's nodename, which is what gethostname returns on Linux.
fn read_host() -> String {
    let uname = rustix::system::uname();
    match uname.nodename().to_str() {
        Ok(name) if !name.is_empty() => name.replace(['@', '~', '/'], "_"),
        _ => "localhost".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_and_kinds_parse_back_from_their_names() {
        for status in RunStatus::ALL {
            assert_eq!(status.to_string().parse::<RunStatus>(), Ok(status));
        }
        for kind in ParamKind::ALL {
            assert_eq!(kind.to_string().parse::<ParamKind>(), Ok(kind));
        }
        assert!("Running".parse::<RunStatus>().is_err(), "names are exact");
        assert!("".parse::<ParamKind>().is_err());
    }
}
