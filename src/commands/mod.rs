//! One module per subcommand, each with `run(args, &Ctx) -> Result<()>`.

pub mod claim_writer;
pub mod compare;
pub mod completions;
pub mod config;
pub mod delete;
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
pub mod track;
pub mod ui;
pub mod verify;
pub mod versions;

use std::collections::BTreeMap;
use std::io::{self, BufRead, Write};

use anyhow::Result;
use serde::Serialize;

use crate::catalog::{ModelRow, VersionRow};
use crate::center;
use crate::engine::Center;
use crate::output;
use crate::time::Timestamp;

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
            center: center.root.display().to_string(),
            catalog: center.catalog_path().display().to_string(),
            filerepo: center.store.locate(&model.name),
            dir: version.map(|v| center.store.locate(&center::key(&model.name, &v.name, ""))),
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

/// The status word, coloured and padded for a per-file line.
pub fn painted(status: FileStatus, palette: output::Palette) -> output::Cell {
    let word = format!("{:<9}", status.word());
    match status {
        FileStatus::Unchanged | FileStatus::Missing => palette.dim(&word),
        FileStatus::Replaced | FileStatus::Restored | FileStatus::Deleted => palette.warn(&word),
        _ => palette.good(&word),
    }
}

/// Shows an engine operation's phases as progress bars on stderr (hidden under --quiet, --json
/// or without a terminal) and its warnings as `mfile: warning:` lines.
pub struct Bars<'c> {
    ctx: &'c crate::config::Ctx,
    bar: std::sync::Mutex<indicatif::ProgressBar>,
}

impl<'c> Bars<'c> {
    pub fn new(ctx: &'c crate::config::Ctx) -> Self {
        Bars {
            ctx,
            bar: std::sync::Mutex::new(indicatif::ProgressBar::hidden()),
        }
    }
}

impl crate::engine::Observer for Bars<'_> {
    fn start(&self, phase: &'static str, total_bytes: u64) {
        if let Ok(mut bar) = self.bar.lock() {
            *bar = output::progress::bytes(self.ctx, total_bytes, phase);
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
        output::warn(self.ctx, message);
    }
}

/// Counts of each status, for the JSON `totals` and the summary line.
#[derive(Debug, Default, Serialize)]
pub struct Totals {
    pub files: u64,
    pub bytes: u64,
    pub imported: u64,
    pub unchanged: u64,
    pub replaced: u64,
    pub restored: u64,
    pub pulled: u64,
    pub deleted: u64,
    pub missing: u64,
    /// Files stored as hard links to identical content already in the center.
    pub linked: u64,
}

impl Totals {
    pub fn add(&mut self, status: FileStatus, size: u64) {
        self.files += 1;
        self.bytes += size;
        *match status {
            FileStatus::Imported => &mut self.imported,
            FileStatus::Unchanged => &mut self.unchanged,
            FileStatus::Replaced => &mut self.replaced,
            FileStatus::Restored => &mut self.restored,
            FileStatus::Pulled => &mut self.pulled,
            FileStatus::Deleted => &mut self.deleted,
            FileStatus::Missing => &mut self.missing,
        } += 1;
    }

    /// `3 imported, 1 unchanged` — only the statuses that occurred.
    pub fn summary(&self) -> String {
        let parts: Vec<String> = [
            ("imported", self.imported),
            ("replaced", self.replaced),
            ("restored", self.restored),
            ("pulled", self.pulled),
            ("deleted", self.deleted),
            ("unchanged", self.unchanged),
            ("missing", self.missing),
        ]
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(word, n)| format!("{n} {word}"))
        .collect();
        if parts.is_empty() {
            "no files".to_string()
        } else {
            parts.join(", ")
        }
    }
}

/// Per-file lines (`imported  onnx/model.onnx`) on stdout, unless --quiet or --json.
pub fn print_file_lines<'a>(
    ctx: &crate::config::Ctx,
    lines: impl IntoIterator<Item = (FileStatus, &'a str)>,
) -> Result<()> {
    if ctx.chatty() {
        for (status, path) in lines {
            output::cells_line(&[painted(status, ctx.palette), path.into()])?;
        }
    }
    Ok(())
}

/// Batch commands report every per-file error, then fail once with the count (exit 1).
pub fn fail_on_errors(errors: &[anyhow::Error], done: usize, verb: &str) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    for err in errors {
        output::error(output::Palette::new(false), err);
    }
    anyhow::bail!(
        "{} of {} files could not be {verb}",
        errors.len(),
        errors.len() + done
    )
}

/// Validates an optional model/version scope and checks that it exists in the center.
pub fn open_scope(
    ctx: &crate::config::Ctx,
    model: Option<&str>,
    version: Option<&str>,
) -> Result<Center> {
    if let Some(model) = model {
        crate::values::names::check_name("model", model)?;
    }
    if let Some(version) = version {
        crate::values::names::check_name("version", version)?;
    }
    let center = Center::open(&ctx.center)?;
    if let Some(model) = model {
        let row = center.model(model)?;
        if let Some(version) = version {
            center.version(&row, version)?;
        }
    }
    Ok(center)
}

/// Asks on the terminal; without one, refuses (exit 2) and says which flag to pass.
pub fn confirm(ctx: &crate::config::Ctx, question: &str) -> Result<()> {
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
