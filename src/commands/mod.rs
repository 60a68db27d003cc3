//! One module per subcommand, each with `run(args, &Ctx) -> Result<()>`.

pub mod adopt;
pub mod alias;
pub mod center;
pub mod claim_writer;
pub mod compare;
pub mod complete;
pub mod completions;
pub mod config;
pub mod delete;
pub mod diff;
pub mod gc;
pub mod import;
pub mod log_metric;
pub mod log_param;
pub mod metrics;
pub mod profiles;
pub mod pull;
pub mod register;
pub mod report;
pub mod run_ref;
pub mod runs;
pub mod scan;
pub mod tag;
pub mod track;
pub mod ui;
pub mod verify;
pub mod versions;

use std::collections::BTreeMap;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Result;
use serde::Serialize;

use crate::catalog::{ModelRow, VersionRow};
use crate::center::s3::is_unreachable;
use crate::config::{ChosenBy, Settings};
use crate::engine::Center;
use crate::engine::FileError;
use crate::engine::bucket_runs::Background;
use crate::filter::PathFilter;
use crate::output::views::{BatchDoc, FileView, Totals};
use crate::output::{self, Out};
use crate::time::Timestamp;
use crate::values::location::{BucketSpec, Location};
use crate::values::names::quote;
use crate::values::words::count;

/// How long a command's last upload of run records tries before it leaves them in the cache.
const UPLOAD_PATIENCE: Duration = Duration::from_secs(10);

/// What every command gets: the resolved settings and the way it prints.
#[derive(Debug)]
pub struct Ctx {
    /// The center's folder; for a center in a bucket, this machine's cache of it.
    pub center: PathBuf,
    pub location: Location,
    /// Where the choice of the center came from (`mfile center` says it).
    pub chosen_by: ChosenBy,
    /// The user runs are recorded for: $MFILE_USER, else the OS user.
    pub user: String,
    /// Prompts need a person at a terminal.
    pub stdin_is_terminal: bool,
    pub out: Out,
}

impl Ctx {
    pub fn new(settings: Settings) -> Ctx {
        Ctx {
            center: settings.center,
            location: settings.location,
            chosen_by: settings.chosen_by,
            user: settings.user,
            stdin_is_terminal: io::stdin().is_terminal(),
            out: Out::new(settings.json, settings.quiet),
        }
    }

    /// The center, to read: it must exist.
    pub fn open_center(&self) -> Result<Center> {
        match &self.location {
            Location::Local(_) => Center::open(&self.center),
            Location::Bucket(spec) => self.open_bucket(spec, false),
        }
    }

    /// The center, to write: made on first use.
    pub fn create_center(&self) -> Result<Center> {
        match &self.location {
            Location::Local(_) => Center::create(&self.center),
            Location::Bucket(spec) => self.open_bucket(spec, true),
        }
    }

    /// The center to import into: made on first use, except by a dry run, which needs none
    /// (`None` when there is none yet: everything would be new).
    pub fn center_for_import(&self, dry_run: bool) -> Result<Option<Center>> {
        match (&self.location, dry_run) {
            (_, false) => self.create_center().map(Some),
            (Location::Local(_), true) => crate::engine::import::open_center(&self.center, true),
            (Location::Bucket(_), true) => match self.open_center() {
                Err(e) if e.is::<crate::engine::NoCenter>() => Ok(None),
                opened => opened.map(Some),
            },
        }
    }

    /// The center, to record training runs in: a local one (runs in a bucket come with
    /// issue 13).
    /// The center, to record runs of `model` in: on a bucket center the model's runs are read
    /// from the bucket first, so that names, params and steps take in what others recorded.
    pub fn create_runs_center(&self, model: &str) -> Result<Center> {
        // A training must not fail because the network blinked: when the server does not
        // answer, the records go into this machine's cache (one an earlier command made), to
        // upload later.
        let mut center = match self.create_center() {
            Ok(center) => center,
            Err(e) if is_unreachable(&e) => {
                let Ok(center) = self.opener().open_cache() else {
                    return Err(e);
                };
                self.out.warn(&format!(
                    "{e:#}; recording into this machine's cache, to upload later"
                ));
                return Ok(center);
            }
            Err(e) => return Err(e),
        };
        match center.refresh_runs(Some(model)) {
            Ok(said) => said.iter().for_each(|s| self.out.warn(s)),
            Err(e) if is_unreachable(&e) => self.out.warn(&format!(
                "{e:#}; recording into this machine's cache, to upload later"
            )),
            Err(e) => return Err(e),
        }
        Ok(center)
    }

    /// Uploads what this cache recorded of runs (nothing on a local center). A failure is a
    /// warning: the records are safe in the cache and go up with the next command that records
    /// runs here, or `mfile runs push`.
    pub fn upload_runs(&self, center: &mut Center) {
        // A server that restarts answers again within seconds: try for a while.
        let deadline = Instant::now() + UPLOAD_PATIENCE;
        let failed = loop {
            match center.upload_runs() {
                Ok(done) => {
                    for said in done.said {
                        self.out.warn(&said);
                    }
                    return;
                }
                Err(e) if Instant::now() >= deadline || crate::interrupt::check().is_err() => {
                    break e;
                }
                Err(_) => std::thread::sleep(Duration::from_millis(500)),
            }
        };
        self.out.warn(&format!(
            "{failed:#}; the records are kept in this machine's cache and go up with the next \
             mfile command that records runs here, or run `mfile runs push`"
        ));
    }

    /// Uploads records as they come, on a thread, while a training runs (a bucket center only;
    /// `None` on a local one).
    pub fn upload_in_background(&self, center: &Center) -> Option<Background> {
        center.bucket.as_ref()?;
        let opener = self.opener();
        Some(Background::start(move || opener.open()))
    }

    /// The center, to read training runs from: on a bucket center, the runs of `model` (of
    /// every model: `None`) are read from the bucket first, and their damage is said.
    pub fn open_runs(&self, model: Option<&str>) -> Result<Center> {
        let offline = |e: &anyhow::Error| {
            self.out.warn(&format!(
                "{e:#}; showing what this machine's cache has of the runs"
            ));
        };
        let mut center = match self.open_center() {
            Ok(center) => center,
            Err(e) if is_unreachable(&e) => {
                let Ok(center) = self.opener().open_cache() else {
                    return Err(e);
                };
                offline(&e);
                return Ok(center);
            }
            Err(e) => return Err(e),
        };
        match center.refresh_runs(model) {
            Ok(said) => said.iter().for_each(|s| self.out.warn(s)),
            Err(e) if is_unreachable(&e) => offline(&e),
            Err(e) => return Err(e),
        }
        Ok(center)
    }

    fn open_bucket(&self, spec: &BucketSpec, create: bool) -> Result<Center> {
        let center = self.opener().open_bucket(spec, create)?;
        for damage in &center.damaged {
            self.out.warn(&damage.to_string());
        }
        Ok(center)
    }

    /// Opens this command's center to read from any thread (each of the page's workers opens
    /// its own).
    pub fn opener(&self) -> Opener {
        Opener {
            center: self.center.clone(),
            location: self.location.clone(),
            by: self.by(),
        }
    }

    /// Who signs what this command writes (a bucket's segments, alias moves): `user@host`.
    pub fn by(&self) -> String {
        format!("{}@{}", self.user, crate::values::host())
    }

    /// The center for people: its folder, or its URL.
    pub fn center_name(&self) -> String {
        match &self.location {
            Location::Local(_) => self.center.display().to_string(),
            Location::Bucket(spec) => spec.url.to_string(),
        }
    }

    /// Shows waits for the catalog's write lock on stderr (once per process).
    pub fn show_lock_waits(&self) {
        let shown = output::progress::LockWaits::new(self.out);
        crate::catalog::lock::on_wait(move |wait| match wait.done {
            true => shown.done(),
            false => shown.waiting(wait.catalog, &wait.holder.describe()),
        });
    }
}

/// What opens a command's center, without the command's output: see [`Ctx::opener`].
#[derive(Clone)]
pub struct Opener {
    center: PathBuf,
    location: Location,
    /// `user@host`, who signs a write.
    by: String,
}

impl Opener {
    /// The center, to read: it must exist.
    pub fn open(&self) -> Result<Center> {
        match &self.location {
            Location::Local(_) => Center::open(&self.center),
            Location::Bucket(spec) => self.open_bucket(spec, false),
        }
    }

    /// A bucket center's cache alone, without a word to the bucket (see
    /// [`Center::open_bucket_cache`]); a local center as [`Opener::open`] opens it.
    pub fn open_cache(&self) -> Result<Center> {
        match &self.location {
            Location::Local(_) => Center::open(&self.center),
            Location::Bucket(spec) => {
                let bucket = crate::center::s3::Bucket::open(spec)?;
                let url = spec.url.to_string();
                Center::open_bucket_cache(bucket, &url, &self.center, self.by.clone())
            }
        }
    }

    fn open_bucket(&self, spec: &BucketSpec, create: bool) -> Result<Center> {
        let bucket = crate::center::s3::Bucket::open(spec)?;
        let url = spec.url.to_string();
        Center::open_bucket(bucket, &url, &self.center, create, self.by.clone())
    }
}

/// What `register` and `config` print: where a model or version lives.
#[derive(Debug, Serialize)]
pub struct ConfigView {
    pub model: String,
    pub version: Option<String>,
    pub center: String,
    pub catalog: String,
    /// The model's folder.
    pub filerepo: String,
    /// The version's folder.
    pub dir: Option<String>,
    pub key: String,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    pub description: Option<String>,
    pub tags: BTreeMap<String, String>,
}

impl ConfigView {
    pub fn new(center: &Center, model: &ModelRow, version: Option<&VersionRow>) -> Self {
        ConfigView {
            model: model.name.clone(),
            version: version.map(|v| v.name.clone()),
            center: center.name.clone(),
            catalog: center.catalog_path().display().to_string(),
            filerepo: center.store.locate(&model.name),
            dir: version.map(|v| {
                center
                    .store
                    .locate(&crate::center::key(&model.name, &v.name, ""))
            }),
            key: model.key.clone(),
            created_at: version.map_or(model.created_at, |v| v.created_at),
            updated_at: version.map(|v| v.updated_at),
            description: version.map_or(model.description.clone(), |v| v.description.clone()),
            tags: version.map(|v| v.tags.clone()).unwrap_or_default(),
        }
    }

    pub fn print(&self, json: bool) -> Result<()> {
        if json {
            return output::json(self);
        }
        let mut lines: Vec<(&str, String)> = vec![("model", self.model.clone())];
        if let Some(version) = &self.version {
            lines.push(("version", version.clone()));
        }
        lines.push(("center", self.center.clone()));
        lines.push(("catalog", self.catalog.clone()));
        lines.push(("filerepo", self.filerepo.clone()));
        if let Some(dir) = &self.dir {
            lines.push(("dir", dir.clone()));
        }
        lines.push(("key", self.key.clone()));
        lines.push(("created_at", self.created_at.rfc3339()));
        if let Some(updated) = self.updated_at {
            lines.push(("updated_at", updated.rfc3339()));
        }
        if let Some(text) = &self.description {
            lines.push(("description", text.clone()));
        }
        for (key, value) in &self.tags {
            lines.push(("tag", format!("{key}={value}")));
        }
        for (name, value) in lines {
            output::line(&format!("{name:<12} {value}"))?;
        }
        Ok(())
    }
}

pub use crate::engine::{FileStatus, bullet_list};

/// The status word, coloured and padded for a per-file line; a dry run's in the conditional
/// (`would delete`).
pub fn painted(word: &str, dry_run: bool, palette: output::Palette) -> output::Cell {
    let shown = match (dry_run, word) {
        (true, "imported") => "would import",
        (true, "replaced") => "would replace",
        (true, "restored") => "would restore",
        (true, "pulled") => "would pull",
        (true, "deleted") => "would delete",
        _ => word,
    };
    let padded = format!("{shown:<width$}", width = if dry_run { 13 } else { 9 });
    match word {
        "unchanged" | "missing" => palette.dim(&padded),
        "replaced" | "restored" | "deleted" => palette.warn(&padded),
        "failed" | "conflict" => palette.bad(&padded),
        _ => palette.good(&padded),
    }
}

/// A run's note: one line of printable characters, as a bucket's run log keeps it.
pub fn check_note(note: &str) -> Result<()> {
    if note.chars().any(char::is_control) {
        return Err(crate::error::usage(
            "a note is one line of printable characters (no newlines, tabs or escapes)",
        ));
    }
    Ok(())
}

/// Says on stderr which `--include` patterns matched no file (a pattern written for another
/// tool's syntax would otherwise select nothing silently).
pub fn warn_unmatched(ctx: &Ctx, filter: &PathFilter) {
    for pattern in filter.unmatched_includes() {
        ctx.out
            .warn(&format!("--include {} matched no file", quote(pattern)));
    }
}

/// Reports a batch command (import, pull, delete): the JSON document, or a line per file and
/// `summary` of the totals; then every per-file error once, and exit 1 if there was one. Each
/// error is in the document too: on its file's entry, or as a `failed` entry of its own.
pub fn report_batch<'a>(
    ctx: &Ctx,
    mut doc: BatchDoc<'a>,
    errors: &'a [FileError],
    verb: &str,
    summary: impl FnOnce(&Totals) -> String,
) -> Result<()> {
    for failed in errors {
        let message = Some(format!("{:#}", failed.error));
        match doc.files.iter_mut().find(|f| f.path == failed.path) {
            Some(file) => file.error = message,
            None => {
                let version = doc.version.unwrap_or_default();
                let mut file = FileView::new(doc.model, version, &failed.path);
                file.status = Some("failed");
                file.error = message;
                doc.files.push(file);
            }
        }
    }
    doc.files
        .sort_by(|a, b| (a.version, a.path).cmp(&(b.version, b.path)));
    doc.totals = Totals::of(&doc.files);
    if ctx.out.json {
        output::json(&doc)?;
    } else if ctx.out.chatty() {
        for file in doc.files.iter().filter(|f| f.status != Some("failed")) {
            let shown = match (file.destination, doc.version) {
                (Some(destination), _) => destination.to_string(),
                (None, Some(_)) => file.path.to_string(),
                (None, None) => format!("{}/{}", file.version, file.path),
            };
            let word = file.status.unwrap_or_default();
            let status = painted(word, doc.dry_run, ctx.out.palette);
            output::cells_line(&[status, shown.into()])?;
        }
    }
    ctx.out.note(&summary(&doc.totals));
    if errors.is_empty() {
        return Ok(());
    }
    for err in errors {
        output::error(output::Palette::new(false), &err.error);
    }
    let (failed, files) = (errors.len(), doc.totals.files);
    if doc.dry_run {
        anyhow::bail!(
            "{failed} of {} could not be {verb}, so the real run would stop before writing \
             anything (dry run: nothing was written)",
            count(files, "file")
        )
    }
    anyhow::bail!("{failed} of {} could not be {verb}", count(files, "file"))
}

/// Shows an engine operation's phases as progress bars on stderr (hidden under --quiet, --json
/// or without a terminal) and its warnings as `mfile: warning:` lines.
pub struct Bars<'c> {
    ctx: &'c Ctx,
    bar: std::sync::Mutex<indicatif::ProgressBar>,
}

impl<'c> Bars<'c> {
    pub fn new(ctx: &'c Ctx) -> Self {
        Bars {
            ctx,
            bar: std::sync::Mutex::new(indicatif::ProgressBar::hidden()),
        }
    }
}

impl crate::engine::Observer for Bars<'_> {
    fn start(&self, phase: &'static str, total_bytes: u64) {
        if let Ok(mut bar) = self.bar.lock() {
            *bar = self.ctx.out.bytes_bar(total_bytes, phase);
        }
    }

    fn advance(&self, bytes: u64) {
        if let Ok(bar) = self.bar.lock() {
            bar.inc(bytes);
        }
    }

    fn finish(&self) {
        if let Ok(bar) = self.bar.lock() {
            bar.finish_and_clear();
        }
    }

    fn warn(&self, message: &str) {
        self.ctx.out.warn(message);
    }
}

/// Validates an optional model/version scope and checks that it exists in the center. Returns
/// the center and the version's name (`@latest` and `@ALIAS` resolved).
pub fn open_scope(
    ctx: &Ctx,
    model: Option<&str>,
    version: Option<&str>,
) -> Result<(Center, Option<String>)> {
    if let Some(model) = model {
        crate::values::names::check_name("model", model)?;
    }
    if let Some(version) = version {
        crate::values::names::check_version_ref(version)?;
    }
    let center = ctx.open_center()?;
    let mut resolved = None;
    if let Some(model) = model {
        let row = center.model(model)?;
        if let Some(version) = version {
            let name = center.version_name(&row, version)?;
            center.version(&row, &name)?;
            resolved = Some(name);
        }
    }
    Ok((center, resolved))
}

/// Asks on the terminal; without one, refuses (exit 2) and says which flag to pass.
pub fn confirm(ctx: &Ctx, question: &str) -> Result<()> {
    if !ctx.stdin_is_terminal {
        return Err(crate::error::usage(format!(
            "refusing to {} without confirmation (no terminal to ask on); pass --yes",
            question.trim_end_matches('?')
        )));
    }
    let answer = crate::interrupt::while_prompting(|| -> io::Result<String> {
        let mut err = io::stderr().lock();
        write!(err, "{} [y/N] ", output::escape_message(question))?;
        err.flush()?;
        let mut line = String::new();
        io::stdin().lock().read_line(&mut line)?;
        Ok(line)
    })?;
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        anyhow::bail!("nothing was deleted")
    }
}
