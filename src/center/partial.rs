//! Names for temp files ("partials") and the sweep that removes the ones a killed process left.
//!
//! A partial is named `<base>.mfile-<pid>@<host>~<random>.part`. A later run removes it when its
//! process is gone (same host, pid not running) or, for other hosts, when its inode has not
//! changed for an hour (ctime: mtime is set to the source's, so it says nothing about age).
//! So a re-run after `kill -9` leaves no partial behind.

use std::hash::{BuildHasher, Hasher, RandomState};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rustix::fs::FileType;

use super::nofollow::Dir;
use crate::values::host;

const MARK: &str = ".mfile-";
pub const SUFFIX: &str = ".part";
const STALE_AFTER: Duration = Duration::from_secs(3600);

/// `<base>.mfile-<pid>@<host>~`: what a partial's name starts with, before its random part.
fn prefix(base: &str) -> String {
    static OWNER: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let owner = OWNER.get_or_init(|| format!("{}@{}~", std::process::id(), host()));
    format!("{base}{MARK}{owner}")
}

/// True for a partial whose writer is certainly gone; `changed` is its ctime.
pub fn is_stale(file_name: &str, changed: SystemTime) -> bool {
    match owner(file_name) {
        None => false,
        Some((pid, owner_host)) if owner_host == host() => !alive(pid),
        Some(_) => {
            SystemTime::now()
                .duration_since(changed)
                .unwrap_or_default()
                > STALE_AFTER
        }
    }
}

/// True when the partial's writer is a process on this host that is still running: it is
/// never taken, whatever its age (a long import's set-aside files are still needed).
pub fn is_live(file_name: &str) -> bool {
    matches!(owner(file_name), Some((pid, owner_host)) if owner_host == host() && alive(pid))
}

/// Removes the stale partials directly in `dir` (files or folders), never following a link.
/// Best effort: a partial another process removes first is fine.
pub fn sweep(dir: &Dir) {
    let Ok(entries) = dir.entries() else {
        return;
    };
    for (name, kind) in entries {
        let Ok(Some(stat)) = dir.stat(&name) else {
            continue;
        };
        let changed = UNIX_EPOCH + Duration::from_secs(u64::try_from(stat.st_ctime).unwrap_or(0));
        if is_stale(&name, changed) {
            let _ = if kind == FileType::Directory {
                dir.remove_tree(&name)
            } else {
                dir.remove_file(&name).map(|_| ())
            };
        }
    }
}

/// A new partial's whole name for the file `base`: `<base>.mfile-<pid>@<host>~<random>.part`,
/// with `base` shortened (on a character boundary) so the name fits in [`NAME_MAX`] bytes
/// however long the final name and the host name are.
pub fn name(base: &str) -> String {
    let random = RandomState::new().build_hasher().finish() as u32;
    let tail = format!("{}{random:08x}{SUFFIX}", prefix(""));
    let mut end = base.len().min(NAME_MAX.saturating_sub(tail.len()));
    while !base.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{tail}", &base[..end])
}

/// The longest file name Linux filesystems take, in bytes.
pub const NAME_MAX: usize = 255;

/// `(pid, host)` of a partial's name, or None for any other name.
fn owner(file_name: &str) -> Option<(u32, &str)> {
    let rest = file_name.strip_suffix(SUFFIX)?;
    let rest = &rest[rest.rfind(MARK)? + MARK.len()..];
    let (pid, rest) = rest.split_once('@')?;
    let (host, _random) = rest.split_once('~')?;
    Some((pid.parse().ok()?, host))
}

/// Whether process `pid` may still exist: kill(pid, 0) sends nothing, it only checks. Any answer
/// but "no such process" (EPERM: it exists, someone else's) counts as alive.
fn alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // Pid 0 names no one process (kill(0, 0) asks about our own group, which exists): alive,
    // so its partial is kept, as before.
    let Some(pid) = rustix::process::Pid::from_raw(pid) else {
        return true;
    };
    !matches!(
        rustix::process::test_kill_process(pid),
        Err(rustix::io::Errno::SRCH)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back() {
        let name = format!("{}abc123{SUFFIX}", prefix(".model.db"));
        assert_eq!(owner(&name), Some((std::process::id(), host().as_str())));
        assert_eq!(owner("model.db"), None);
        assert_eq!(owner(".x.mfile-notapid@h~r.part"), None);
    }

    #[test]
    fn live_writers_are_not_stale_dead_ones_are() {
        let now = SystemTime::now();
        let mine = format!("{}r{SUFFIX}", prefix("put"));
        assert!(!is_stale(&mine, now));
        assert!(
            !is_stale(&mine, now - Duration::from_secs(7200)),
            "a live writer's file stays"
        );
        // pid_max on Linux is at most 2^22, so this pid cannot be running.
        let dead = format!("put{MARK}{}@{}~r{SUFFIX}", 99_999_999, host());
        assert!(is_stale(&dead, now));
        let elsewhere = format!("put{MARK}1@another-host~r{SUFFIX}");
        assert!(!is_stale(&elsewhere, now));
        assert!(is_stale(&elsewhere, now - Duration::from_secs(7200)));
        assert!(!is_stale("weights.bin", now - Duration::from_secs(7200)));
    }

    #[test]
    fn sweep_removes_only_stale_partials() {
        let dir = tempfile::tempdir().unwrap();
        let dead = format!(".a{MARK}{}@{}~r{SUFFIX}", 99_999_999, host());
        let live = format!("{}r{SUFFIX}", prefix(".b"));
        for name in [&dead, &live, &"keep.bin".to_string()] {
            std::fs::write(dir.path().join(name), b"x").unwrap();
        }
        sweep(&Dir::open(dir.path()).unwrap());
        assert!(!dir.path().join(&dead).exists());
        assert!(dir.path().join(&live).exists());
        assert!(dir.path().join("keep.bin").exists());
    }

    #[test]
    fn names_fit_whatever_the_base() {
        let long = "é".repeat(127); // 254 bytes: a valid file name on its own
        for base in ["put", ".w.bin", long.as_str()] {
            let name = name(base);
            assert!(name.len() <= NAME_MAX, "{} bytes", name.len());
            assert_eq!(owner(&name), Some((std::process::id(), host().as_str())));
            assert!(base.starts_with(name.split(MARK).next().unwrap()));
        }
        assert_ne!(name("x"), name("x"));
    }
}
