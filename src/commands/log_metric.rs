//! `mfile log-metric`: record metric values: `NAME=VALUE` arguments at one step, a JSON-lines
//! or CSV file, stdin as it comes (`--file -`), or a growing log (`--follow`) (the work is
//! `engine::ingest`).
//!
//! A bad line is reported with its number and skipped, and the command exits 1 at the end;
//! `--strict` stops at the first one instead (exit 2). Either way every good line before it is
//! recorded.

use anyhow::{Result, bail};
use serde::Serialize;

use super::{Bars, Ctx, run_ref};
use crate::cli::LogMetricArgs;
use crate::engine::ingest::{self, LogOptions, MetricLog};
use crate::error::usage;
use crate::output;
use crate::tracking::parse::{Point, parse_assignment, parse_number};
use crate::values::words::count;

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
    let log = match &args.file {
        Some(path) if path.as_os_str() == "-" => Some(MetricLog::Stdin),
        Some(path) => Some(MetricLog::open(path)?),
        None => None,
    };
    let opts = LogOptions {
        follow: args.follow,
        strict: args.strict,
    };

    let (mut center, run) = run_ref::open_for_write(ctx, &args.target, false)?;
    let uploads = log.as_ref().and_then(|_| ctx.upload_in_background(&center));
    let logged = ingest::log_metrics(&mut center, &run, points, log, &opts, &Bars::new(ctx));
    if let Some(uploads) = uploads {
        uploads.finish();
    }
    ctx.upload_runs(&mut center); // what was recorded before an error too
    let logged = logged?;

    if ctx.out.json {
        output::json(&Report {
            model: &run.model,
            run: &run.name,
            owner: &run.owner,
            points: logged.points,
            bad_lines: logged.bad_lines,
        })?;
    }
    ctx.out.note(&format!(
        "recorded {} for run {} of {}",
        count(logged.points, "point"),
        run.name,
        run.model
    ));
    if logged.bad_lines > 0 {
        bail!(
            "{} bad lines were skipped (the rest was recorded); see the warnings above",
            logged.bad_lines
        );
    }
    Ok(())
}
