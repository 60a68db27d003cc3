//! Waiting for the catalog's write lock. SQLite's busy handler waits in silence; a writer that
//! queues behind another mfile process for minutes should say so. Writes begin with a short
//! busy timeout in a loop, so the wait can be reported (to whoever installed [`on_wait`]: the
//! command layer, which prints it) and interrupted with Ctrl-C.

use std::path::Path;
use std::sync::OnceLock;
use std::time::Duration;

/// Who holds the write lock, as far as can be known.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holder {
    /// A process on this machine.
    Pid(u32),
    /// The lock is held, but not by a lock this machine's kernel lists (another machine, another
    /// PID namespace, or a lock SQLite takes without a record, such as during recovery).
    Unknown,
}

impl Holder {
    /// `another process (pid 4242, mfile)` or a sentence saying that the pid can't be known.
    pub fn describe(self) -> String {
        match self {
            Holder::Pid(pid) => match process_name(pid) {
                Some(name) => format!("another process (pid {pid}, {name})"),
                None => format!("another process (pid {pid})"),
            },
            Holder::Unknown => {
                "another process (its pid can't be known here: it may run on another machine)"
                    .to_string()
            }
        }
    }
}

/// One report of a wait: how long so far, and whether it is over.
#[derive(Clone, Copy, Debug)]
pub struct Wait<'a> {
    pub catalog: &'a Path,
    pub holder: Holder,
    pub waited: Duration,
    /// The lock was taken or the wait given up; clear any progress line.
    pub done: bool,
}

type Hook = Box<dyn Fn(&Wait) + Send + Sync>;

static HOOK: OnceLock<Hook> = OnceLock::new();

/// Installs the function that shows waits (once per process; later calls are ignored).
pub fn on_wait(hook: impl Fn(&Wait) + Send + Sync + 'static) {
    let _ = HOOK.set(Box::new(hook));
}

pub(crate) fn report(wait: &Wait) {
    if let Some(hook) = HOOK.get() {
        hook(wait);
    }
}

/// The process holding SQLite's WAL write lock on `catalog`: a POSIX lock on byte 120 of the
/// `-shm` file (WALINDEX_LOCK_OFFSET + WAL_WRITE_LOCK), read from /proc/locks so that no file
/// is opened and closed here (closing any descriptor of the -shm file would drop this process's
/// own SQLite locks on it).
pub fn holder(catalog: &Path) -> Holder {
    let mut shm = catalog.as_os_str().to_owned();
    shm.push("-shm");
    let Ok(meta) = std::fs::metadata(&shm) else {
        return Holder::Unknown;
    };
    let Ok(locks) = std::fs::read_to_string("/proc/locks") else {
        return Holder::Unknown;
    };
    holder_in(&locks, &meta).unwrap_or(Holder::Unknown)
}

fn holder_in(locks: &str, shm: &std::fs::Metadata) -> Option<Holder> {
    use std::os::unix::fs::MetadataExt;
    let dev = shm.dev();
    let file = format!(
        "{:02x}:{:02x}:{}",
        rustix::fs::major(dev),
        rustix::fs::minor(dev),
        shm.ino()
    );
    let me = std::process::id();
    locks.lines().find_map(|line| {
        // "3: POSIX  ADVISORY  WRITE 490 fe:00:10068154 120 120"
        let fields: Vec<&str> = line.split_whitespace().collect();
        let [_, "POSIX", _, "WRITE", pid, id, start, end] = fields[..] else {
            return None;
        };
        let covers =
            start.parse::<u64>().ok()? <= 120 && (end == "EOF" || end.parse::<u64>().ok()? >= 120);
        let pid: u32 = pid.parse().ok()?;
        (id == file && covers && pid != me && pid != 0).then_some(Holder::Pid(pid))
    })
}

fn process_name(pid: u32) -> Option<String> {
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).ok()?;
    Some(name.trim_end().to_string()).filter(|n| !n.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::MetadataExt;

    #[test]
    fn the_write_lock_holder_is_read_from_proc_locks() {
        let dir = tempfile::tempdir().unwrap();
        let shm = dir.path().join("c.db-shm");
        std::fs::write(&shm, "").unwrap();
        let meta = std::fs::metadata(&shm).unwrap();
        let id = format!(
            "{:02x}:{:02x}:{}",
            libc::major(meta.dev()),
            libc::minor(meta.dev()),
            meta.ino()
        );
        let locks = format!(
            "1: POSIX  ADVISORY  READ 11 {id} 120 120\n\
             2: POSIX  ADVISORY  WRITE 12 {id} 128 128\n\
             3: POSIX  ADVISORY  WRITE 13 fe:00:1 120 120\n\
             4: POSIX  ADVISORY  WRITE 14 {id} 120 127\n"
        );
        assert_eq!(holder_in(&locks, &meta), Some(Holder::Pid(14)));
        assert_eq!(holder_in("", &meta), None);
        assert!(Holder::Unknown.describe().contains("can't be known"));
    }
}
