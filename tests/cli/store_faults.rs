//! The engine does not care which `Store` it runs on, and a backend that fails loses nothing:
//! a test-only store fails at its Nth operation, swept over every operation of an import (a
//! file and a folder), a pull, a file delete and a version delete. After each injected failure
//! the operation fails with a message that names the fault, `mfile verify` is clean, nothing
//! half-written is visible, and running the command again completes.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use anyhow::{Result, bail};
use mfile::center::local::LocalStore;
use mfile::center::store::{Aside, FileRef, Listed, Location, Staged, Store};
use mfile::engine::{Center, Silent, delete, import, pull};
use mfile::filter::PathFilter;
use mfile::values::names::RelPath;

use crate::harness::{Env, noise};

/// A [`LocalStore`] whose `fail_at`-th operation (counting from 0) fails.
struct Failing {
    inner: LocalStore,
    fail_at: usize,
    count: Arc<AtomicUsize>,
}

impl Failing {
    fn step(&self, op: &str) -> Result<()> {
        if self.count.fetch_add(1, Ordering::SeqCst) == self.fail_at {
            bail!("injected fault in {op} (operation {})", self.fail_at);
        }
        Ok(())
    }
}

impl Store for Failing {
    fn locate(&self, key: &str) -> String {
        self.inner.locate(key)
    }
    fn stage(&self, src: &mut dyn Read, mtime: SystemTime) -> Result<Staged> {
        self.step("stage")?;
        self.inner.stage(src, mtime)
    }
    fn sync_staged(&self, batch: &[&Staged], on_sent: &dyn Fn(u64)) -> Result<()> {
        self.step("sync_staged")?;
        self.inner.sync_staged(batch, on_sent)
    }
    fn publish(&self, staged: Staged, key: &str) -> Result<Location> {
        self.step("publish")?;
        self.inner.publish(staged, key)
    }
    fn link(&self, existing: &FileRef, key: &str) -> Result<Option<Location>> {
        self.step("link")?;
        self.inner.link(existing, key)
    }
    fn open(&self, file: &FileRef) -> Result<Option<Box<dyn Read + Send>>> {
        self.step("open")?;
        self.inner.open(file)
    }
    fn size(&self, file: &FileRef) -> Result<Option<u64>> {
        self.step("size")?;
        self.inner.size(file)
    }
    fn list(&self, prefix: &str) -> Result<Vec<Listed>> {
        self.step("list")?;
        self.inner.list(prefix)
    }
    fn delete(&self, key: &str) -> Result<bool> {
        self.step("delete")?;
        self.inner.delete(key)
    }
    fn set_aside(&self, key: &str) -> Result<Option<Aside>> {
        self.step("set_aside")?;
        self.inner.set_aside(key)
    }
    fn restore(&self, aside: Aside, key: &str) -> Result<()> {
        self.step("restore")?;
        self.inner.restore(aside, key)
    }
    fn discard(&self, aside: Aside, key: &str) -> Result<()> {
        self.step("discard")?;
        self.inner.discard(aside, key)
    }
    fn flush(&self) -> Result<()> {
        self.step("flush")?;
        self.inner.flush()
    }
}

/// The center at `root` with a store that fails at operation `fail_at`, and its count of
/// operations so far.
fn failing_center(root: &Path, fail_at: usize) -> (Center, Arc<AtomicUsize>) {
    let mut center = Center::create(root).unwrap();
    let count = Arc::new(AtomicUsize::new(0));
    center.store = Box::new(Failing {
        inner: LocalStore::new(root),
        fail_at,
        count: Arc::clone(&count),
    });
    (center, count)
}

/// Runs `operation` with the fault at 0, 1, 2, ... until it succeeds (the sweep has passed its
/// last operation); after each failure checks the center and re-runs `again` with mfile.
fn sweep(
    name: &str,
    setup: impl Fn(&Env),
    operation: impl Fn(&Env, &mut Center) -> Result<()>,
    again: &[&str],
    check: impl Fn(&Env),
) {
    for fail_at in 0.. {
        assert!(fail_at < 200, "{name}: the sweep never ended");
        let env = Env::local();
        setup(&env);
        let (mut center, count) = failing_center(&env.center, fail_at);
        let result = operation(&env, &mut center);
        drop(center);
        let reached = count.load(Ordering::SeqCst) > fail_at;
        let message = match result {
            Ok(()) if !reached => {
                eprintln!("{name}: {fail_at} store operations, each failed once");
                check(&env);
                return;
            }
            // The engine worked around the fault (a failed look-up taken as "not there"):
            // what it did must still be sound.
            Ok(()) => "no error".to_string(),
            Err(err) => format!("{err:#}"),
        };
        assert!(
            message == "no error" || message.contains("injected fault"),
            "{name}, fault at {fail_at}: the error does not name the fault: {message}"
        );
        let verify = env.run(&["verify"]);
        assert_eq!(
            verify.code, 0,
            "{name}, fault at {fail_at} ({message}): verify is not clean:\n{}{}",
            verify.stdout, verify.stderr
        );
        let partials: Vec<String> = env
            .tree(&env.center.join("files"))
            .into_iter()
            .chain(env.tree(&env.work))
            .filter(|p| p.contains(".mfile-"))
            .collect();
        assert!(
            partials.is_empty(),
            "{name}, fault at {fail_at}: half-written files are visible: {partials:?}"
        );
        if message != "no error" {
            let rerun = env.run(again);
            assert_eq!(
                rerun.code, 0,
                "{name}, fault at {fail_at}: the re-run failed:\n{}",
                rerun.stderr
            );
        }
        check(&env);
    }
}

fn import_opts<'a>(
    paths: &'a [PathBuf],
    version: &'a str,
    force: bool,
) -> import::ImportOptions<'a> {
    import::ImportOptions {
        paths,
        model: "m",
        version,
        subdir: RelPath::parse("--subdir", "").unwrap(),
        filter: PathFilter::new(&[], &[]).unwrap(),
        move_files: false,
        force,
        follow_links: false,
        dry_run: false,
    }
}

fn run_import(env: &Env, center: &mut Center, source: &str, force: bool) -> Result<()> {
    let paths = [env.work.join(source)];
    let opts = import_opts(&paths, "1", force);
    let sources = import::Sources::collect(&opts, &Silent)?;
    let imported = import::import(Some(center), &sources, &opts, &Silent)?;
    match imported.errors.into_iter().next() {
        Some(err) => Err(err.error),
        None => Ok(()),
    }
}

fn folder(env: &Env) {
    for i in 0..3 {
        env.write(&format!("d/sub/f{i}.bin"), noise(10_000 + i, i as u64));
    }
    env.write("d/same.bin", noise(5_000, 99));
}

#[test]
fn import_of_a_file_survives_a_fault_at_every_store_operation() {
    sweep(
        "import file",
        |env| {
            env.write("a.bin", noise(200_000, 1));
        },
        |env, center| run_import(env, center, "a.bin", false),
        &["import", "a.bin", "-m", "m", "--version", "1"],
        |env| assert_eq!(env.scan_paths("m", "1"), ["a.bin"]),
    );
}

#[test]
fn import_force_survives_a_fault_at_every_store_operation() {
    sweep(
        "import --force",
        |env| {
            env.write("a.bin", noise(200_000, 1));
            env.ok(&["import", "a.bin", "-m", "m", "--version", "1"]);
            env.write("a.bin", noise(300_000, 2)); // other content, to replace the stored one
        },
        |env, center| run_import(env, center, "a.bin", true),
        &["import", "a.bin", "-m", "m", "--version", "1", "--force"],
        |env| {
            let stored = std::fs::read(env.stored("m", "1", "a.bin")).unwrap();
            assert_eq!(stored, noise(300_000, 2));
        },
    );
}

#[test]
fn import_of_a_folder_survives_a_fault_at_every_store_operation() {
    sweep(
        "import folder",
        |env| {
            folder(env);
            // Identical bytes already stored: the import links instead of copying one file.
            env.ok(&["import", "d/same.bin", "-m", "m", "--version", "0"]);
        },
        |env, center| run_import(env, center, "d", false),
        &["import", "d", "-m", "m", "--version", "1"],
        |env| {
            let paths = env.scan_paths("m", "1");
            assert_eq!(
                paths,
                ["same.bin", "sub/f0.bin", "sub/f1.bin", "sub/f2.bin"]
            );
        },
    );
}

#[test]
fn pull_survives_a_fault_at_every_store_operation() {
    sweep(
        "pull",
        |env| {
            folder(env);
            env.ok(&["import", "d", "-m", "m", "--version", "1"]);
        },
        |env, center| {
            let opts = pull::PullOptions {
                model: "m",
                version: "1",
                names: &[],
                selectors: Vec::new(),
                filter: PathFilter::new(&[], &[]).unwrap(),
                to: &env.work.join("out"),
                force: false,
                dry_run: false,
            };
            let pulled = pull::pull(center, &opts, &Silent)?;
            match pulled.errors.into_iter().next() {
                Some(err) => Err(err.error),
                None => Ok(()),
            }
        },
        &["pull", "-m", "m", "--version", "1", "--to", "out"],
        |env| {
            let out = env.work.join("out");
            assert_eq!(env.tree(&out).len(), 4);
            assert_eq!(
                std::fs::read(out.join("sub/f1.bin")).unwrap(),
                noise(10_001, 1)
            );
        },
    );
}

#[test]
fn deletes_survive_a_fault_at_every_store_operation() {
    let setup = |env: &Env| {
        folder(env);
        env.ok(&["import", "d", "-m", "m", "--version", "1"]);
    };
    sweep(
        "delete files",
        setup,
        |_, center| {
            let names = [RelPath::parse("path", "sub/f1.bin").unwrap()];
            let opts = delete::DeleteFiles {
                model: "m",
                version: "1",
                names: &names,
                include: None,
                ignore_missing: false,
                dry_run: false,
            };
            delete::delete_files(center, &opts).map(|_| ())
        },
        &[
            "delete",
            "-m",
            "m",
            "--version",
            "1",
            "sub/f1.bin",
            "--ignore-missing",
        ],
        |env| {
            let paths = env.scan_paths("m", "1");
            assert_eq!(paths, ["same.bin", "sub/f0.bin", "sub/f2.bin"]);
        },
    );
    sweep(
        "delete version",
        setup,
        |_, center| {
            let plan = delete::plan_drop(center, "m", Some("1"))?;
            delete::drop(center, &plan)
        },
        &["delete", "-m", "m", "--version", "1", "--all", "--yes"],
        |env| {
            let versions = env.json(&["versions", "-m", "m"]);
            assert!(versions["versions"].as_array().unwrap().is_empty());
        },
    );
}
