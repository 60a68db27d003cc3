//! What the stress parts share: the mode (short or full), a seeded random generator, and the
//! checks that follow every crash or fault.

use std::path::Path;

use crate::harness::Env;

pub fn full() -> bool {
    std::env::var("MFILE_STRESS").is_ok_and(|mode| mode == "full")
}

/// `short` in the default run, `full` in the full one.
pub fn size(short: usize, full: usize) -> usize {
    if self::full() { full } else { short }
}

/// A small xorshift generator: runs are repeatable from the seed they print.
pub struct Rng(u64);

impl Rng {
    /// Seeded from MFILE_STRESS_SEED, else from the clock; the seed is printed.
    pub fn new(part: &str) -> Rng {
        let seed = std::env::var("MFILE_STRESS_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(1, |d| d.as_nanos() as u64)
            });
        eprintln!("stress: {part}: seed {seed} (MFILE_STRESS_SEED={seed} repeats it)");
        Rng(seed | 1)
    }

    pub fn seeded(seed: u64) -> Rng {
        Rng(seed | 1)
    }

    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

/// Files under `dir` whose names mark them as unfinished (`*.mfile-*.part`).
pub fn partials(env: &Env, dir: &Path) -> Vec<String> {
    env.tree(dir)
        .into_iter()
        .filter(|p| p.contains(".mfile-") || p.ends_with(".part"))
        .collect()
}

/// `PRAGMA integrity_check` of the center's catalog ("ok" when sound).
pub fn integrity(env: &Env) -> String {
    let conn = rusqlite::Connection::open_with_flags(
        env.center.join("catalog.db"),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .expect("open the catalog");
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .expect("integrity_check")
}

/// The problems after a crash or fault: verify, partials in the center and in `workspaces`,
/// and the catalog's integrity. Empty when all is well.
pub fn damage(env: &Env, workspaces: &[&Path]) -> Vec<String> {
    let mut problems = Vec::new();
    let verify = env.run(&["verify"]);
    if verify.code != 0 {
        problems.push(format!(
            "verify exit {}: {}{}",
            verify.code, verify.stdout, verify.stderr
        ));
    }
    let files = env.center.join("files");
    for dir in std::iter::once(files.as_path()).chain(workspaces.iter().copied()) {
        let found = partials(env, dir);
        if !found.is_empty() {
            problems.push(format!(
                "partial files visible in {}: {found:?}",
                dir.display()
            ));
        }
    }
    let integrity = integrity(env);
    if integrity != "ok" {
        problems.push(format!("integrity_check: {integrity}"));
    }
    problems
}
