//! `mfile log-metric`: record metric values: `NAME=VALUE` arguments at one step, a JSON-lines
//! or CSV file, stdin as it comes (`--file -`), or a growing log (`--follow`).
//!
//! A bad line is reported with its number and skipped, and the command exits 1 at the end;
//! `--strict` stops at the first one instead (exit 2). Either way every good line before it is
//! recorded.

use std::fs::File;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Serialize;

use super::Ctx;
use super::run_ref;
use crate::cli::LogMetricArgs;
use crate::error::usage;
use crate::output::{self, escape::ECHO_CHARS};
use crate::tracking::ingest::{self, LineFormat, MetricWriter};
use crate::tracking::parse::{CsvLog, Point, parse_assignment, parse_number};

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    run: &'a str,
    owner: &'a str,
    points: u64,
    bad_lines: u64,
}

pub fn run(args: LogMetricArgs, ctx: &Ctx) -> Result<()> {
    if args.metrics.is_empty() && args.file.is_none() {
        return Err(usage(
            "no metrics given: pass NAME=VALUE arguments or --file FILE (- for stdin)",
        ));
    }
    let points = args
        .metrics
        .iter()
        .map(|text| {
            let (key, value) = parse_assignment(text).map_err(usage)?;
            let value = parse_number(&value).map_err(|e| usage(format!("{key}: {e}")))?;
            Ok(Point {
                key,
                step: args.step,
                value,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let source = match &args.file {
        Some(path) if path.as_os_str() == "-" => Some(Source::Stdin),
        Some(path) => Some(Source::open(path)?),
        None => None,
    };

    let (mut center, run) = run_ref::open_for_write(ctx, &args.target)?;
    let batching = match source {
        Some(Source::File { .. }) if !args.follow => ingest::FILE,
        _ => ingest::STREAM,
    };
    let mut writer = MetricWriter::new(&mut center.catalog, run.id, batching);
    writer.push(points)?;
    let mut bad_lines = 0;
    if let Some(source) = source {
        bad_lines = read_source(ctx, &mut writer, source, args.follow, args.strict)?;
    }
    writer.flush()?;
    let written = writer.written;

    if ctx.out.json {
        output::json(&Report {
            model: &run.model,
            run: &run.name,
            owner: &run.owner,
            points: written,
            bad_lines,
        })?;
    }
    ctx.out.note(&format!(
        "recorded {written} points for run {} of {}",
        run.name, run.model
    ));
    if bad_lines > 0 {
        bail!("{bad_lines} bad lines were skipped (the rest was recorded); see the warnings above");
    }
    Ok(())
}

enum Source {
    Stdin,
    File {
        file: File,
        format: Option<LineFormat>,
    },
}

impl Source {
    /// Opens a log file; `.csv` is CSV, `.jsonl`/`.ndjson`/`.json` JSON lines, anything else is
    /// decided by its first line (`{` starts JSON lines).
    fn open(path: &Path) -> Result<Source> {
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
        Ok(Source::File { file, format })
    }
}

/// Reads every line of the source into the writer; returns how many bad lines were skipped.
fn read_source(
    ctx: &Ctx,
    writer: &mut MetricWriter,
    source: Source,
    follow: bool,
    strict: bool,
) -> Result<u64> {
    let (lines, mut format) = match source {
        Source::Stdin => (
            ingest::read_lines(std::io::stdin(), false),
            Some(LineFormat::JsonLines),
        ),
        Source::File { file, format } => (ingest::read_lines(file, follow), format),
    };
    let mut number = 0u64;
    let mut bad = 0u64;
    ingest::pump(writer, &lines, true, |writer, bytes| {
        number += 1;
        let parsed = match String::from_utf8(bytes) {
            Ok(text) => {
                let format = format.get_or_insert_with(|| {
                    if text.trim_start().starts_with('{') {
                        LineFormat::JsonLines
                    } else {
                        LineFormat::Csv(CsvLog::default())
                    }
                });
                format.parse(&text).map_err(|why| (why, text))
            }
            Err(e) => Err((
                "not UTF-8 text".to_string(),
                String::from_utf8_lossy(e.as_bytes()).into_owned(),
            )),
        };
        match parsed {
            Ok(points) => writer.push(points),
            Err((why, text)) if strict => {
                writer.flush()?;
                Err(usage(format!(
                    "line {number}: {}: {}; the lines before it were recorded",
                    output::escape::shorten(&why, ECHO_CHARS),
                    shorten(&text)
                )))
            }
            Err((why, text)) => {
                bad += 1;
                ctx.out.warn(&format!(
                    "line {number} skipped: {}: {}",
                    output::escape::shorten(&why, ECHO_CHARS),
                    shorten(&text)
                ));
                Ok(())
            }
        }
    })?;
    Ok(bad)
}

/// The offending text for a message: quoted, control characters escaped, and cut short (a bad
/// line may be megabytes long).
fn shorten(text: &str) -> String {
    crate::values::names::quote(&output::escape::shorten(text, ECHO_CHARS))
}
