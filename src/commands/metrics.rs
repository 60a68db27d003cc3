//! `mfile metrics`: export a run's full metric history as CSV (`key,step,value,logged_at`) or
//! JSON, streamed so that long histories don't wait for the whole read.

use std::collections::BTreeMap;
use std::io;

use anyhow::{Result, bail};
use serde::Serialize;

use super::Ctx;
use super::{bullet_list, run_ref};
use crate::cli::{ExportFormat, MetricsArgs};
use crate::error::usage;
use crate::output;
use crate::time::Timestamp;
use crate::tracking::Value;
use crate::tracking::parse::check_key;

#[derive(Serialize)]
struct PointOut {
    step: i64,
    value: Value,
    logged_at: Timestamp,
}

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    run: &'a str,
    owner: &'a str,
    metrics: BTreeMap<String, Vec<PointOut>>,
}

pub fn run(args: MetricsArgs, ctx: &Ctx) -> Result<()> {
    for key in &args.keys {
        check_key(key).map_err(usage)?;
    }
    let (mut center, rows) = run_ref::find_all(
        ctx,
        &args.model.name,
        std::slice::from_ref(&args.run.name),
        &args.user,
    )?;
    let run = &rows[0];
    center.ensure_points(run)?;
    let catalog = &center.catalog;
    let known: Vec<String> = catalog
        .metric_keys_of(run.id)?
        .into_iter()
        .map(|(k, _)| k)
        .collect();
    let unknown: Vec<String> = args
        .keys
        .iter()
        .filter(|k| !known.contains(k))
        .cloned()
        .collect();
    if !unknown.is_empty() {
        bail!(
            "run {} has no metric named:{}\n(it has: {})",
            run.name,
            bullet_list(&unknown),
            known.join(", ")
        );
    }

    let format = if ctx.out.json {
        ExportFormat::Json
    } else {
        args.format
    };
    match format {
        ExportFormat::Csv => {
            // csv quotes what needs it (a key with `,`, `"` or a line break); LF line ends.
            let mut out = csv::Writer::from_writer(std::io::stdout().lock());
            let row = |out: &mut csv::Writer<_>, cells: [&str; 4]| {
                out.write_record(cells).map_err(io::Error::from)
            };
            row(&mut out, ["key", "step", "value", "logged_at"])?;
            catalog.history(run.id, &args.keys, |p| {
                let (step, value) = (p.step.to_string(), csv_value(p.value));
                row(&mut out, [&p.key, &step, &value, &p.logged_at.rfc3339()])?;
                Ok(())
            })?;
            out.flush()?;
        }
        ExportFormat::Json => {
            let mut metrics: BTreeMap<String, Vec<PointOut>> = BTreeMap::new();
            catalog.history(run.id, &args.keys, |p| {
                metrics.entry(p.key).or_default().push(PointOut {
                    step: p.step,
                    value: Value(p.value),
                    logged_at: p.logged_at,
                });
                Ok(())
            })?;
            output::json(&Report {
                model: &run.model,
                run: &run.name,
                owner: &run.owner,
                metrics,
            })?;
        }
    }
    Ok(())
}

/// Full precision (the shortest text that reads back to the same f64); `NaN`, `inf`, `-inf`.
fn csv_value(value: f64) -> String {
    match value {
        v if v.is_nan() => "NaN".to_string(),
        v if v == f64::INFINITY => "inf".to_string(),
        v if v == f64::NEG_INFINITY => "-inf".to_string(),
        v => v.to_string(),
    }
}
