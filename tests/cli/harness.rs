//! The test harness: each `Env` is a temp folder with its own center, workspace and HOME, so
//! tests run in parallel without seeing each other or the developer's real config.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

use serde_json::Value;

pub struct Env {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
    pub center: PathBuf,
    pub work: PathBuf,
    /// `s3://bucket/prefix` when the center is in the test S3 server ([`Env::s3`]).
    pub center_url: Option<String>,
    /// Another way to the S3 server (a fault-injecting proxy) than its own endpoint.
    pub endpoint: Option<String>,
}

/// The S3 server the tests may use (started by `tests/s3/server`, which `.ci/run` calls):
/// its endpoint and bucket. `None` when none was started; with `MFILE_REQUIRE_S3=1` (CI) a
/// missing server fails the test instead of skipping it.
pub fn s3_server() -> Option<(String, String)> {
    let endpoint = std::env::var("MFILE_TEST_S3_ENDPOINT").ok();
    let bucket = std::env::var("MFILE_TEST_S3_BUCKET").ok();
    match (endpoint, bucket) {
        (Some(endpoint), Some(bucket)) => Some((endpoint, bucket)),
        _ if std::env::var_os("MFILE_REQUIRE_S3").is_some() => {
            panic!("MFILE_REQUIRE_S3 is set but MFILE_TEST_S3_ENDPOINT/_BUCKET are not")
        }
        _ => {
            eprintln!("skipped: no S3 server (start one with tests/s3/server start)");
            None
        }
    }
}

/// How to reach `url` in the test S3 server, with its static keys.
pub fn s3_spec(url: &str) -> mfile::values::location::BucketSpec {
    use mfile::values::location::{BucketSpec, BucketUrl, Credentials};
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    BucketSpec {
        url: BucketUrl::parse(url).expect("a bucket URL"),
        endpoint: var("MFILE_TEST_S3_ENDPOINT"),
        region: var("AWS_REGION").unwrap_or_else(|| "us-east-1".into()),
        credentials: Some(Credentials {
            access_key_id: var("AWS_ACCESS_KEY_ID").unwrap_or_default(),
            secret_access_key: var("AWS_SECRET_ACCESS_KEY").unwrap_or_default(),
            session_token: None,
            source: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY".into(),
        }),
    }
}

/// Begins a multipart upload of `key` in the center of `spec` and leaves it unfinished, as a
/// killed process does (`Bucket` aborts the uploads it can't finish, so curl begins this one).
/// Returns its upload id.
pub fn unfinished_upload(spec: &mfile::values::location::BucketSpec, key: &str) -> String {
    let endpoint = spec.endpoint.clone().expect("the test server's endpoint");
    let keys = spec.credentials.clone().expect("the test server's keys");
    let path = match spec.url.prefix.as_str() {
        "" => format!("{}/{key}", spec.url.bucket),
        prefix => format!("{}/{prefix}/{key}", spec.url.bucket),
    };
    let out = Command::new("curl")
        .args(["-sS", "--fail", "-X", "POST", "--aws-sigv4"])
        .arg(format!("aws:amz:{}:s3", spec.region))
        .arg("--user")
        .arg(format!("{}:{}", keys.access_key_id, keys.secret_access_key))
        .arg(format!("{endpoint}/{path}?uploads="))
        .output()
        .expect("run curl");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer = String::from_utf8_lossy(&out.stdout);
    answer
        .split("<UploadId>")
        .nth(1)
        .and_then(|rest| rest.split("</UploadId>").next())
        .unwrap_or_else(|| panic!("no upload id in {answer}"))
        .to_string()
}

/// The variables that reach the test S3 server, passed through to mfile.
const S3_VARIABLES: &[&str] = &["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_REGION"];

/// A finished command: its exit code and output, printed in full when an assertion fails.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    fn describe(&self) -> String {
        format!(
            "mfile {}\nexit code: {}\n--- stdout\n{}--- stderr\n{}",
            self.args.join(" "),
            self.code,
            self.stdout,
            self.stderr
        )
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.describe()))
    }

    /// Asserts that stderr contains every fragment.
    pub fn says(&self, fragments: &[&str]) -> &Self {
        for fragment in fragments {
            assert!(
                self.stderr.contains(fragment),
                "stderr lacks {fragment:?}:\n{}",
                self.describe()
            );
        }
        self
    }
}

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mfile")
}

impl Env {
    /// An env on the backend the suite runs against: a local center, or, when
    /// `MFILE_TEST_CENTER=s3` (`.ci/run`'s second pass), a fresh prefix in the test S3 server.
    pub fn new() -> Env {
        match std::env::var("MFILE_TEST_CENTER").as_deref() {
            Ok("s3") => Env::s3().expect("MFILE_TEST_CENTER=s3 needs the test S3 server"),
            _ => Env::local(),
        }
    }

    /// An env whose center is a local folder whatever the backend: for what only a local
    /// center has (its folder, its catalog file, training records until they live in a bucket).
    pub fn local() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = dir.path().to_path_buf();
        let work = root.join("work");
        fs::create_dir_all(&work).expect("work dir");
        Env {
            center: root.join("center"),
            work,
            root,
            _dir: dir,
            center_url: None,
            endpoint: None,
        }
    }

    /// An env whose center is a fresh prefix in the test S3 server; `None` (skip the test)
    /// when there is no server.
    pub fn s3() -> Option<Env> {
        let (_, bucket) = s3_server()?;
        let mut env = Env::local();
        let prefix = env
            .root
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        env.center_url = Some(format!("s3://{bucket}/test-{prefix}"));
        Some(env)
    }

    /// Another machine of the same team: its own HOME (so its own cache) and workspace, the
    /// same center.
    pub fn colleague(&self) -> Env {
        let mut other = Env::local();
        other.center_url = self.center_url.clone();
        if self.center_url.is_none() {
            other.center = self.center.clone();
        }
        other
    }

    /// The center's bucket, opened at its prefix, for a test to read or damage it directly.
    pub fn bucket(&self) -> mfile::center::s3::Bucket {
        let url = self.center_url.as_deref().expect("an S3 env");
        mfile::center::s3::Bucket::open(&s3_spec(url)).expect("open the test bucket")
    }

    /// The system-wide config file this env's commands read (`MFILE_CONFIG`): inside the temp
    /// folder, so a machine's /etc/mfile/config.json never reaches a test. Absent until a test
    /// writes it.
    pub fn system_config(&self) -> PathBuf {
        self.root.join("etc/mfile/config.json")
    }

    /// A command with an isolated environment: HOME and XDG inside the temp folder, no colour,
    /// MFILE_CENTER at this env's center, MFILE_CONFIG inside the temp folder, run from the
    /// workspace.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = self.isolated(bin(), std::env::var_os("PATH").unwrap_or_default());
        cmd.args(args);
        cmd
    }

    /// `bash -o pipefail -c LINE` in the same isolated environment, with the folder of the
    /// built binary first on PATH, so a shell line's `mfile` is the binary under test.
    pub fn shell(&self, line: &str) -> Command {
        let bin_dir = Path::new(bin()).parent().expect("the binary's folder");
        let path = std::env::var_os("PATH").unwrap_or_default();
        let path = std::env::join_paths(
            std::iter::once(bin_dir.to_path_buf()).chain(std::env::split_paths(&path)),
        )
        .expect("PATH");
        let mut cmd = self.isolated("bash", path);
        cmd.args(["-o", "pipefail", "-c", line]);
        cmd
    }

    fn isolated(&self, program: &str, path: std::ffi::OsString) -> Command {
        let mut cmd = Command::new(program);
        cmd.current_dir(&self.work)
            .env_clear()
            .env("PATH", path)
            .env("HOME", self.root.join("home"))
            .env("XDG_CONFIG_HOME", self.root.join("home/.config"))
            .env("XDG_DATA_HOME", self.root.join("home/.local/share"))
            .env("NO_COLOR", "1")
            .env("TZ", "UTC")
            .env("MFILE_CENTER", &self.center)
            .env("MFILE_CONFIG", self.system_config())
            .stdin(Stdio::null());
        if let Some(url) = &self.center_url {
            cmd.env("MFILE_CENTER", url);
            if let Some((endpoint, _)) = s3_server() {
                cmd.env(
                    "AWS_ENDPOINT_URL",
                    self.endpoint.as_ref().unwrap_or(&endpoint),
                );
            }
            for name in S3_VARIABLES {
                if let Some(value) = std::env::var_os(name) {
                    cmd.env(name, value);
                }
            }
        }
        cmd
    }

    pub fn run(&self, args: &[&str]) -> Run {
        run_command(self.command(args))
    }

    /// Runs a command [`Env::command`] made and a test changed (another user, no
    /// MFILE_CENTER, ...), and asserts it succeeded.
    pub fn ok_command(&self, command: Command) -> Run {
        let run = run_command(command);
        assert_eq!(run.code, 0, "unexpected exit code:\n{}", run.describe());
        run
    }

    /// Runs and asserts the exit code.
    pub fn expect(&self, code: i32, args: &[&str]) -> Run {
        let run = self.run(args);
        assert_eq!(run.code, code, "unexpected exit code:\n{}", run.describe());
        run
    }

    pub fn ok(&self, args: &[&str]) -> Run {
        self.expect(0, args)
    }

    /// Runs with --json, asserts success, returns the document.
    pub fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.push("--json");
        self.ok(&all).json()
    }

    /// Writes a file under the workspace (creating folders) with a fixed old mtime.
    pub fn write(&self, rel: &str, content: impl AsRef<[u8]>) -> PathBuf {
        let path = self.work.join(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, content).expect("write");
        set_mtime(&path, 1_600_000_000);
        path
    }

    pub fn stored(&self, model: &str, version: &str, path: &str) -> PathBuf {
        self.center
            .join("files")
            .join(model)
            .join(version)
            .join(path)
    }

    /// The paths `scan --json` lists for a version, sorted by name.
    pub fn scan_paths(&self, model: &str, version: &str) -> Vec<String> {
        let doc = self.json(&["scan", "-m", model, "--version", version]);
        doc["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f["path"].as_str().expect("path").to_string())
            .collect()
    }

    /// Every file below `dir`, relative, sorted: to check that nothing else appeared.
    pub fn tree(&self, dir: &Path) -> Vec<String> {
        let mut out: Vec<String> = walk(dir)
            .into_iter()
            .map(|p| p.strip_prefix(dir).expect("prefix").display().to_string())
            .collect();
        out.sort();
        out
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if entry.file_type().map(|t| t.is_dir()).unwrap_or(false) {
                out.extend(walk(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

fn run_command(mut command: Command) -> Run {
    let output: Output = command.output().expect("run the command");
    Run {
        args: command
            .get_args()
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The runs of a `runs` document as `OWNER/RUN`, in its order.
pub fn run_refs(doc: &Value) -> Vec<String> {
    doc["runs"]
        .as_array()
        .expect("a runs document")
        .iter()
        .map(|r| {
            format!(
                "{}/{}",
                r["owner"].as_str().unwrap(),
                r["name"].as_str().unwrap()
            )
        })
        .collect()
}

pub fn set_mtime(path: &Path, secs: u64) {
    let file = fs::File::options()
        .write(true)
        .open(path)
        .expect("open for mtime");
    file.set_modified(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
        .expect("set mtime");
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Deterministic pseudo-random bytes (xorshift), so big test files don't compress or repeat.
pub fn noise(len: usize, seed: u64) -> Vec<u8> {
    let mut state = seed | 1;
    let mut out = Vec::with_capacity(len + 8);
    while out.len() < len {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        out.extend_from_slice(&state.to_le_bytes());
    }
    out.truncate(len);
    out
}

/// A child process that is killed when the test ends, also when an assertion fails first:
/// an orphan would keep the test runner's output pipe open.
pub struct KillOnDrop(pub std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `command` (an `mfile ui`), limited to `open_files` file descriptors when given
/// (`ulimit -n`), and returns it with the `host:port` it printed on its first line.
pub fn start_ui(mut command: Command, open_files: Option<u64>) -> (KillOnDrop, String) {
    use std::io::{BufRead, BufReader};
    use std::os::unix::process::CommandExt;
    if let Some(open_files) = open_files {
        // SAFETY: setrlimit is async-signal-safe; the child calls nothing else before exec.
        unsafe {
            command.pre_exec(move || {
                let limit = libc::rlimit {
                    rlim_cur: open_files,
                    rlim_max: open_files,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
    }
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start mfile ui");
    let mut line = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut line)
        .expect("read the URL");
    let addr = line
        .trim()
        .strip_prefix("http://")
        .and_then(|rest| rest.strip_suffix('/'))
        .unwrap_or_else(|| panic!("no URL on stdout: {line:?}"))
        .to_string();
    (KillOnDrop(child), addr)
}
