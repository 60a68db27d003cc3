//! Ingest: the training-record operations. Open a run, record its params write-once, record
//! metric points from arguments, a log file, stdin or a tracked command's output, and end it.
//! Points reach the catalog through `tracking::ingest::MetricWriter` (batched transactions);
//! bad lines are reported to the [`Observer`] and skipped, or with `strict` stop the operation.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result, bail};

use super::{Center, Observer, bullet_list};
use crate::catalog::Tx;
use crate::catalog::run_outbox::{Op, QueuedParam};
use crate::catalog::runs::RunRow;
use crate::error::usage;
use crate::time::Timestamp;
use crate::tracking::ingest::{self, LineFormat, MetricWriter};
use crate::tracking::parse::{CsvLog, Point, infer_kind, parse_json_line, same_param};
use crate::values::names::{ECHO_CHARS, quote, shell_word, shorten};
use crate::values::{self, ParamKind, RunStatus};

/// A param as `log-param` and `track` recorded it.
#[derive(Debug)]
pub struct ParamEntry {
    pub key: String,
    pub value: String,
    pub kind: ParamKind,
    /// `logged`, or `unchanged` when the run already had this value.
    pub status: &'static str,
}

/// Records that run `owner/run` produced version `version` (both exist): `import --run`.
pub fn link_version(
    center: &mut Center,
    model: &str,
    version: &str,
    (owner, run): (&str, &str),
) -> Result<()> {
    let model_row = center.model(model)?;
    let version_row = center.version(&model_row, version)?;
    let run_row = center
        .catalog
        .run(model_row.id, owner, run)?
        .with_context(|| format!("model {model} has no run {run} of user {owner}"))?;
    center
        .catalog
        .write(|tx| tx.describe_run(run_row.id, Some(version_row.id), None, None))
}

/// The run `owner`/`run` of `model`, created (as `running`, with the model) if it is new; with
/// `afresh` (`log-param --new`), always a new one: `run`, else the first free of `run-2`, ...
pub fn open_run(
    center: &mut Center,
    model: &str,
    owner: &str,
    run: &str,
    afresh: bool,
) -> Result<RunRow> {
    let now = Timestamp::now();
    center.catalog.write(|tx| {
        let m = tx.ensure_model(model, now)?;
        make_run(tx, m.id, owner, run, afresh, now)
    })
}

/// The run `name`, made if new; `afresh`, always made, as `name` or the first free of
/// `name-2`, `name-3`, ... Processes that ask together get a run each on a local center; on a
/// bucket, a run another machine has made but this one has not read yet can still be shared.
fn make_run(
    tx: &Tx,
    model_id: i64,
    owner: &str,
    name: &str,
    afresh: bool,
    now: Timestamp,
) -> Result<RunRow> {
    let host = values::host();
    match afresh {
        true => tx.create_fresh_run(model_id, owner, name, &host, now),
        false => tx.ensure_run(model_id, owner, name, &host, now),
    }
}

/// Records params write-once: the same value again is `unchanged`; another value for a key the
/// run has is a conflict, and then nothing is recorded.
pub fn log_params(
    center: &mut Center,
    run: &RunRow,
    given: &BTreeMap<String, String>,
) -> Result<Vec<ParamEntry>> {
    center.catalog.write(|tx| record_params(tx, run, given))
}

/// The params of `entries` that the run no longer has with the value logged: on a bucket
/// center, another machine set them first while this one's were on their way (the upload
/// dropped ours). Empty on a local center.
pub fn params_lost(center: &Center, run: &RunRow, entries: &[ParamEntry]) -> Result<Vec<String>> {
    let now = center.catalog.params_of(run.id)?;
    Ok(entries
        .iter()
        .filter_map(|e| {
            let kept = now.get(&e.key)?;
            (!same_param(&kept.value, &e.value))
                .then(|| format!("{}: is {}, can't become {}", e.key, kept.value, e.value))
        })
        .collect())
}

fn record_params(
    tx: &Tx,
    run: &RunRow,
    given: &BTreeMap<String, String>,
) -> Result<Vec<ParamEntry>> {
    let existing = tx.params_of(run.id)?;
    let mut entries = Vec::new();
    let mut conflicts = Vec::new();
    for (key, value) in given {
        let kind = infer_kind(value);
        let status = match existing.get(key) {
            Some(old) if same_param(&old.value, value) => "unchanged",
            Some(old) => {
                conflicts.push(format!("{key}: is {}, can't become {value}", old.value));
                continue;
            }
            None => {
                tx.insert_param(run.id, key, value, kind)?;
                "logged"
            }
        };
        entries.push(ParamEntry {
            key: key.clone(),
            value: value.clone(),
            kind,
            status,
        });
    }
    let logged: Vec<QueuedParam> = entries
        .iter()
        .filter(|e| e.status == "logged")
        .map(|e| QueuedParam {
            key: e.key.clone(),
            value: e.value.clone(),
            kind: e.kind.as_str().to_string(),
        })
        .collect();
    if conflicts.is_empty() && !logged.is_empty() {
        tx.queue_for(run.id, Op::Params { params: logged })?;
    }
    if !conflicts.is_empty() {
        bail!(
            "nothing was logged; params are write-once and run {} already has other values \
             (`--new` records them in a new run):{}",
            run.name,
            bullet_list(&conflicts)
        );
    }
    Ok(entries)
}

/// A run that `track` starts for a command.
pub struct TrackedRun<'a> {
    pub model: &'a str,
    pub owner: &'a str,
    /// `None`: a fresh name from the time (`run-20261126-214501`).
    pub name: Option<&'a str>,
    pub version: Option<&'a str>,
    pub note: Option<&'a str>,
    pub command: &'a [String],
    pub params: &'a BTreeMap<String, String>,
    /// When `name` is taken, take `NAME-2`, `NAME-3`, ... instead of refusing.
    pub new: bool,
}

/// Whether the tracked run is made afresh: without `--run` (a name from the time), or with
/// `--new`; it then takes `NAME`, `NAME-2`, `NAME-3`, ... (the first free one) as it is made.
fn made_afresh(run: &TrackedRun) -> bool {
    run.name.is_none() || run.new
}

/// The name the tracked run will have (for a run made afresh, the base of its name): `run.name`,
/// or one from the time. A run of that name that ended, or that another `track` started, is
/// refused; a `running` one that only log commands made is taken over.
pub fn name_tracked_run(center: &Center, run: &TrackedRun) -> Result<String> {
    let model = run.model;
    let name = match run.name {
        Some(name) => name.to_string(),
        None => fresh_name(center),
    };
    if made_afresh(run) {
        return Ok(name);
    }
    let taken = match center.catalog.model(model)? {
        Some(m) => center.catalog.run(m.id, run.owner, &name)?,
        None => None,
    };
    match taken {
        Some(old) if old.status != RunStatus::Running || old.command.is_some() => bail!(
            "run {name} of {model} already exists ({}); pick another --run, add --new to \
             record as {name}-2 (or the next free), or delete it with `mfile runs delete -m {} \
             {}`",
            old.status.as_str(),
            shell_word(model),
            shell_word(&name)
        ),
        _ => Ok(name),
    }
}

/// Creates (or takes over) the tracked run `name` (for a run made afresh, the first free of
/// `name`, `name-2`, ...), with its version, note, command and params.
pub fn start_tracked_run(center: &mut Center, run: &TrackedRun, name: &str) -> Result<RunRow> {
    let now = Timestamp::now();
    center.catalog.write(|tx| {
        let m = tx.ensure_model(run.model, now)?;
        let version_id = match run.version {
            Some(v) => Some(tx.ensure_version(m.id, v, now)?.id),
            None => None,
        };
        let row = make_run(tx, m.id, run.owner, name, made_afresh(run), now)?;
        tx.describe_run(row.id, version_id, run.note, Some(run.command))?;
        record_params(tx, &row, run.params)?;
        Ok(row)
    })
}

/// `run-20261126-214501` (made afresh: `-2`, `-3`, ... when taken). On a bucket center, where
/// another machine may start a run in the same second without this cache knowing, four random
/// hex digits follow (`run-20261126-214501-3fa0`).
fn fresh_name(center: &Center) -> String {
    let base = format!("run-{}", chrono::Local::now().format("%Y%m%d-%H%M%S"));
    match center.bucket.is_some() {
        true => format!("{base}-{}", &crate::engine::bucket_log::write_id()[..4]),
        false => base,
    }
}

/// Records every line of a command's output that is a JSON object of metrics, passing all of
/// it through to `tee` unchanged as it comes. Returns the points recorded, and how the reading
/// ended (the points before an error are recorded all the same).
pub fn record_output(
    center: &mut Center,
    run: &RunRow,
    output: impl Read + Send + 'static,
    tee: Box<dyn Write + Send>,
    observer: &dyn Observer,
) -> (u64, Result<()>) {
    let lines = ingest::read_lines_tee(output, false, Some(tee));
    let mut writer = MetricWriter::new(&mut center.catalog, run.id, ingest::STREAM);
    let mut number = 0u64;
    let ended = ingest::pump(&mut writer, &lines, false, |writer, bytes| {
        number += 1;
        let Ok(text) = std::str::from_utf8(&bytes) else {
            return Ok(());
        };
        if !text.trim_start().starts_with('{') {
            return Ok(()); // ordinary output
        }
        match parse_json_line(text) {
            Ok(points) => writer.push(points),
            Err(why) => {
                observer.warn(&format!(
                    "stdout line {number} not recorded: {}",
                    shorten(&why, ECHO_CHARS)
                ));
                Ok(())
            }
        }
    });
    (writer.written, ended)
}

/// Sets a run's final status and exit code.
/// Returns false when the run is gone: another machine deleted it from a bucket center while
/// it ran (what was recorded after that was dropped).
pub fn end_run(center: &mut Center, run: &RunRow, status: RunStatus, code: i64) -> Result<bool> {
    let ended = Timestamp::now();
    center.catalog.write(|tx| {
        if tx.run_by_id(run.id)?.is_none() {
            return Ok(false);
        }
        tx.end_run(run.id, status, Some(code), ended)?;
        Ok(true)
    })
}

/// A metric log to read: stdin (JSON lines), or a file.
pub enum MetricLog {
    Stdin,
    File {
        file: File,
        /// `None`: decided by the first line (`{` starts JSON lines, else CSV).
        format: Option<LineFormat>,
    },
}

impl MetricLog {
    /// Opens a log file; `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` JSON lines, anything else is
    /// decided by its first line.
    pub fn open(path: &Path) -> Result<MetricLog> {
        let file =
            File::open(path).with_context(|| format!("could not read {}", path.display()))?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let format = match extension.as_deref() {
            Some("csv") => Some(LineFormat::Csv(CsvLog::default())),
            Some("jsonl" | "ndjson" | "json") => Some(LineFormat::JsonLines),
            _ => None,
        };
        Ok(MetricLog::File { file, format })
    }
}

/// How to read a metric log.
pub struct LogOptions {
    /// Wait for more at the end of the file, like `tail -f`, until Ctrl-C.
    pub follow: bool,
    /// Stop at the first bad line (a usage error) instead of skipping it.
    pub strict: bool,
}

/// What [`log_metrics`] recorded.
pub struct Logged {
    pub points: u64,
    /// Lines skipped as bad (each reported to the observer).
    pub bad_lines: u64,
}

/// Records `points` (given as arguments) and then every line of `log`.
pub fn log_metrics(
    center: &mut Center,
    run: &RunRow,
    points: Vec<Point>,
    log: Option<MetricLog>,
    opts: &LogOptions,
    observer: &dyn Observer,
) -> Result<Logged> {
    let batching = match log {
        Some(MetricLog::File { .. }) if !opts.follow => ingest::FILE,
        _ => ingest::STREAM,
    };
    let mut writer = MetricWriter::new(&mut center.catalog, run.id, batching);
    writer.push(points)?;
    let bad_lines = match log {
        Some(log) => read_log(&mut writer, log, opts, observer)?,
        None => 0,
    };
    writer.flush()?;
    Ok(Logged {
        points: writer.written,
        bad_lines,
    })
}

/// Reads every line of the log into the writer; returns how many bad lines were skipped.
fn read_log(
    writer: &mut MetricWriter,
    log: MetricLog,
    opts: &LogOptions,
    observer: &dyn Observer,
) -> Result<u64> {
    let (lines, mut format) = match log {
        MetricLog::Stdin => (
            ingest::read_lines(std::io::stdin(), false),
            Some(LineFormat::JsonLines),
        ),
        MetricLog::File { file, format } => (ingest::read_lines(file, opts.follow), format),
    };
    let mut number = 0u64;
    let mut bad = 0u64;
    ingest::pump(writer, &lines, true, |writer, bytes| {
        number += 1;
        let parsed = match String::from_utf8(bytes) {
            Ok(text) => {
                let format = format.get_or_insert_with(|| LineFormat::guess(&text));
                format.parse(number, &text).map_err(|why| (why, text))
            }
            Err(e) => Err((
                "not UTF-8 text".to_string(),
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
            )),
        };
        match parsed {
            Ok(points) => writer.push(points),
            Err((why, text)) => {
                let said = format!(
                    "{}: {}",
                    shorten(&why, ECHO_CHARS),
                    quote(&shorten(&text, ECHO_CHARS))
                );
                bad += 1;
                bad_line(writer, opts, observer, number, &said)
            }
        }
    })?;
    if let Some(Err((number, why))) = format.as_mut().map(LineFormat::finish) {
        bad += 1;
        bad_line(writer, opts, observer, number, &why)?;
    }
    Ok(bad)
}

/// A bad line: with `strict` the end of the command (what came before is committed), else a
/// warning.
fn bad_line(
    writer: &mut MetricWriter,
    opts: &LogOptions,
    observer: &dyn Observer,
    number: u64,
    said: &str,
) -> Result<()> {
    if opts.strict {
        writer.flush()?;
        return Err(usage(format!(
            "line {number}: {said}; the lines before it were recorded"
        )));
    }
    observer.warn(&format!("line {number} skipped: {said}"));
    Ok(())
}
