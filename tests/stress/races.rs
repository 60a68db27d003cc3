//! Races with other writers: readers (`verify`, `pull`) while others import, replace and delete;
//! `import --move` of sources that keep changing; folders swapped for symbolic links at every
//! path component while pull, import and delete run. Each sweep counts its runs and fails on any
//! false report, lost line, or byte written or removed outside the center and the workspace.

use std::fs;
use std::io::Write;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::common::{Rng, size};
use crate::harness::{Env, md5_hex, noise};

#[test]
fn verify_and_pull_under_writers_report_only_real_damage() {
    let seconds = size(4, 30) as u64;
    let env = Env::new();
    // Two contents for a.bin that `import --force` alternates between: a pull delivers one.
    let [one, two] = [noise(300_000, 1), noise(300_000, 2)];
    let md5s = [md5_hex(&one), md5_hex(&two)];
    env.write("w/0/a.bin", &one);
    env.write("w/1/a.bin", &two);
    for i in 0..10 {
        env.write(&format!("w/many/f{i}.txt"), format!("file {i}"));
    }
    env.ok(&["import", "w/0/a.bin", "-m", "m", "--version", "1", "-q"]);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let stop = AtomicBool::new(false);
    let (verifies, pulls) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let downloads = AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    let fail = |what: String| failures.lock().unwrap().push(what);
    std::thread::scope(|scope| {
        // Writers: replace a.bin back and forth; add and delete a folder of small files.
        scope.spawn(|| {
            let mut k = 0;
            while !stop.load(Ordering::Relaxed) {
                k += 1;
                let source = format!("w/{}/a.bin", k % 2);
                let import = [
                    "import",
                    &source,
                    "-m",
                    "m",
                    "--version",
                    "1",
                    "--force",
                    "-q",
                ];
                let run = env.run(&import);
                if run.code != 0 {
                    fail(format!("import --force: {}", run.stderr));
                }
            }
        });
        scope.spawn(|| {
            let import = [
                "import",
                "w/many",
                "-m",
                "m",
                "--version",
                "1",
                "--subdir",
                "many",
            ];
            let delete = [
                "delete",
                "-m",
                "m",
                "--version",
                "1",
                "--include",
                "many/**",
            ];
            while !stop.load(Ordering::Relaxed) {
                let run = env.run(&import);
                let del = env.run(&delete);
                if run.code != 0 || del.code != 0 {
                    fail(format!("import/delete: {}{}", run.stderr, del.stderr));
                }
            }
        });
        // Readers.
        scope.spawn(|| {
            let mut k = 0;
            while Instant::now() < deadline {
                k += 1;
                let run = match k % 2 {
                    0 => env.run(&["verify", "-q"]),
                    _ => env.run(&["scan", "-m", "m", "--verify", "-q"]),
                };
                verifies.fetch_add(1, Ordering::Relaxed);
                if run.code != 0 {
                    fail(format!(
                        "verify reported damage that is not there: {}{}",
                        run.stdout, run.stderr
                    ));
                }
            }
        });
        scope.spawn(|| {
            // The page's download of the same file.
            let (_server, addr) = crate::http::start(&env);
            while Instant::now() < deadline {
                let body = download(&addr, "/files/m/1/a.bin");
                downloads.fetch_add(1, Ordering::Relaxed);
                match body {
                    Ok(body) if md5s.contains(&md5_hex(&body)) => {}
                    Ok(body) => fail(format!(
                        "the page delivered {} bytes that were never stored whole",
                        body.len()
                    )),
                    Err(e) => fail(format!("the page's download failed: {e}")),
                }
            }
        });
        scope.spawn(|| {
            let mut k = 0;
            while Instant::now() < deadline {
                k += 1;
                let to = format!("pulls/{k}");
                let pull = [
                    "pull",
                    "-m",
                    "m",
                    "--version",
                    "1",
                    "a.bin",
                    "--to",
                    &to,
                    "-q",
                ];
                let run = env.run(&pull);
                pulls.fetch_add(1, Ordering::Relaxed);
                if run.code != 0 {
                    fail(format!("pull failed: {}", run.stderr));
                    continue;
                }
                let got = md5_hex(&fs::read(env.work.join(&to).join("a.bin")).unwrap());
                if !md5s.contains(&got) {
                    fail(format!(
                        "pull delivered bytes that were never stored ({got})"
                    ));
                }
            }
            stop.store(true, Ordering::Relaxed);
        });
    });
    env.ok(&["verify"]);
    let failures = failures.into_inner().unwrap();
    eprintln!(
        "stress: readers: {seconds} s of import --force and import/delete loops: {} verify and scan --verify, {} pull, {} page downloads, {} false reports",
        verifies.into_inner(),
        pulls.into_inner(),
        downloads.into_inner(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A download from the page: the body of a 200 answer, or what went wrong.
fn download(addr: &str, path: &str) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut stream = std::net::TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n")?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer)?;
    let split = answer.windows(4).position(|w| w == b"\r\n\r\n");
    let head = String::from_utf8_lossy(&answer[..split.unwrap_or(answer.len()).min(200)]);
    match split {
        Some(at) if head.starts_with("HTTP/1.0 200") || head.starts_with("HTTP/1.1 200") => {
            Ok(answer[at + 4..].to_vec())
        }
        _ => Err(std::io::Error::other(format!("answer {head:?}"))),
    }
}

/// `import --move` of a log that grows at a random moment while a bigger file is imported
/// beside it: every line ever written is either still in the source or in the stored copy.
#[test]
fn moves_of_changing_sources_lose_no_line() {
    let rounds = size(6, 40);
    let mut rng = Rng::new("moves");
    let env = Env::new();
    let mut kept = 0;
    for round in 0..rounds {
        let src = env.work.join(format!("src{round}"));
        env.write(&format!("src{round}/train.log"), "line 1\n");
        env.write(
            &format!("src{round}/weights.bin"),
            noise(16 << 20, round as u64),
        );
        let version = format!("{round}");
        let import = ["import", "train.log", "weights.bin", "-m", "m"];
        let mut child = env
            .command(&import)
            .args(["--version", &version, "--move", "-q"])
            .current_dir(&src)
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_micros(rng.below(80_000)));
        let appended = fs::OpenOptions::new()
            .append(true)
            .open(src.join("train.log"))
            .and_then(|mut f| f.write_all(b"line 2\n"))
            .is_ok();
        let code = child.wait().unwrap().code();
        let source = fs::read_to_string(src.join("train.log")).ok();
        let stored = fs::read_to_string(env.stored("m", &version, "train.log")).ok();
        let line2_somewhere = [&source, &stored]
            .iter()
            .any(|text| text.as_deref().is_some_and(|t| t.contains("line 2")));
        if source.is_some() && appended {
            kept += 1;
        }
        assert!(
            !appended || line2_somewhere,
            "round {round}: line 2 was lost (exit {code:?}, source {source:?}, stored {stored:?})"
        );
        assert!(
            source.is_some() || stored.as_deref().is_some_and(|t| t.contains("line 1")),
            "round {round}: line 1 was lost"
        );
    }
    env.ok(&["verify"]);
    eprintln!(
        "stress: moves: {rounds} rounds, {kept} sources kept because they grew, 0 lines lost"
    );
}

/// A victim folder outside, with one file, that must stay exactly as it is.
fn victim(env: &Env) -> PathBuf {
    let victim = env.root.join("victim");
    fs::create_dir_all(&victim).unwrap();
    fs::write(victim.join("f1.txt"), "victim's own").unwrap();
    victim
}

fn victim_untouched(victim: &Path) -> bool {
    let names: Vec<_> = fs::read_dir(victim)
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    names.len() == 1 && fs::read_to_string(victim.join("f1.txt")).is_ok_and(|t| t == "victim's own")
}

/// Swaps the folder `dir` with a link to `victim` and back, as fast as it can, until `stop`.
fn swap_until(dir: &Path, victim: &Path, stop: &AtomicBool) -> usize {
    let aside = dir.with_extension("aside");
    let mut swaps = 0;
    while !stop.load(Ordering::Relaxed) {
        if fs::rename(dir, &aside).is_ok() {
            let _ = symlink(victim, dir);
            std::thread::yield_now();
            let _ = fs::remove_file(dir);
            let _ = fs::rename(&aside, dir);
            swaps += 1;
        }
    }
    swaps
}

#[test]
fn folders_swapped_for_links_redirect_no_write() {
    let rounds = size(2, 10);
    let env = Env::new();
    let victim = victim(&env);
    env.write("v/0-big.bin", noise(4 << 20, 7));
    env.write("v/a/b/f1.txt", "stored 1");
    env.write("v/a/b/f2.txt", "stored 2");
    env.write("v/a/f1.txt", "stored a");
    env.ok(&["import", "v", "-m", "m", "--version", "1", "-q"]);
    let (mut runs, mut swaps) = (0, 0);
    for round in 0..rounds {
        // Pull: swap each component of the destination below --to.
        for component in ["a", "a/b"] {
            let name = format!("dest-{round}-{}", component.replace('/', "-"));
            let to = env.work.join(name);
            fs::create_dir_all(to.join("a/b")).unwrap();
            let stop = AtomicBool::new(false);
            std::thread::scope(|scope| {
                let swapper = scope.spawn(|| swap_until(&to.join(component), &victim, &stop));
                let to = to.to_str().unwrap();
                let _ = env.run(&["pull", "-m", "m", "--version", "1", "--to", to, "-q"]);
                stop.store(true, Ordering::Relaxed);
                swaps += swapper.join().unwrap();
            });
            runs += 1;
            assert!(
                victim_untouched(&victim),
                "pull wrote through a swapped {component}"
            );
        }
        // Import and delete: swap each component of the version's folder in the center.
        for component in ["m/1/a/b", "m/1/a", "m/1", "m", ""] {
            let dir = match component {
                "" => env.center.join("files"),
                _ => env.center.join("files").join(component),
            };
            let stop = AtomicBool::new(false);
            env.write(&format!("n/x{round}.txt"), "new");
            let sub = component
                .strip_prefix("m/1")
                .unwrap_or("")
                .trim_start_matches('/');
            let sub = if sub.is_empty() { "c" } else { sub };
            std::thread::scope(|scope| {
                let swapper = scope.spawn(|| swap_until(&dir, &victim, &stop));
                let import = ["import", "n", "-m", "m", "--version", "1", "--subdir", sub];
                let _ = env.run(&import);
                let delete = ["delete", "-m", "m", "--version", "1", "a/b/f1.txt"];
                let _ = env.run(&[&delete[..], &["--ignore-missing"]].concat());
                let _ = env.run(&["scan", "-m", "m", "--version", "1", "--verify"]);
                stop.store(true, Ordering::Relaxed);
                swaps += swapper.join().unwrap();
            });
            runs += 3;
            assert!(
                victim_untouched(&victim),
                "a command wrote or deleted through a swapped {component}"
            );
        }
    }
    eprintln!("stress: swaps: {runs} commands under {swaps} folder/link swaps, victim untouched");
}
