//! `mfile compare`: params side by side with the rows that differ marked (every run against
//! every other), and each metric's last, min and max with their steps.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use super::run_ref;
use crate::catalog::runs::{Param, Summary};
use crate::cli::CompareArgs;
use crate::output::{self, Cell, TableOut};
use crate::tracking::listing::{MetricCell, changed_params};
use crate::tracking::{self, Direction};

#[derive(Serialize)]
struct ParamRow<'a> {
    key: &'a str,
    values: Vec<Option<&'a str>>,
    changed: bool,
}

#[derive(Serialize)]
struct MetricRow<'a> {
    key: &'a str,
    direction: Option<Direction>,
    runs: Vec<Option<MetricCell>>,
}

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    runs: &'a [String],
    /// The version each run produced (`track --version`, `import --run`), if any.
    versions: Vec<Option<&'a str>>,
    params: Vec<ParamRow<'a>>,
    metrics: Vec<MetricRow<'a>>,
}

pub fn run(args: CompareArgs, ctx: &Ctx) -> Result<()> {
    let (center, rows) = run_ref::find_all(ctx, &args.model.name, &args.runs, &args.user)?;
    let catalog = &center.catalog;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let all_params = catalog.params_of_runs(&ids)?;
    let all_metrics = catalog.summaries_of_runs(&ids)?;
    let (no_params, no_metrics) = (BTreeMap::new(), BTreeMap::new());
    let params: Vec<_> = ids
        .iter()
        .map(|id| all_params.get(id).unwrap_or(&no_params))
        .collect();
    let metrics: Vec<_> = ids
        .iter()
        .map(|id| all_metrics.get(id).unwrap_or(&no_metrics))
        .collect();
    let one_owner = rows.iter().all(|r| r.owner == rows[0].owner);
    let labels: Vec<String> = rows
        .iter()
        .map(|r| match one_owner {
            true => r.name.clone(),
            false => format!("{}/{}", r.owner, r.name),
        })
        .collect();
    let report = Report {
        model: &args.model.name,
        runs: &labels,
        versions: rows.iter().map(|r| r.version.as_deref()).collect(),
        params: param_rows(&params),
        metrics: metric_rows(&metrics),
    };
    if ctx.out.json {
        return output::json(&report);
    }
    print_params(ctx, &report)?;
    print_metrics(&report)?;
    let changed = report.params.iter().filter(|p| p.changed).count();
    let differ = match changed {
        1 => "1 param differs".to_string(),
        n => format!("{n} params differ"),
    };
    ctx.out.note(&format!("{differ} ({changed} marked *)"));
    Ok(())
}

/// Each param key with its value in every run (`None` where a run lacks it).
fn param_rows<'a>(params: &[&'a BTreeMap<String, Param>]) -> Vec<ParamRow<'a>> {
    let changed = changed_params(params.iter().copied());
    let keys: BTreeSet<&str> = params
        .iter()
        .flat_map(|p| p.keys().map(String::as_str))
        .collect();
    keys.into_iter()
        .map(|key| ParamRow {
            key,
            values: params
                .iter()
                .map(|p| p.get(key).map(|v| v.value.as_str()))
                .collect(),
            changed: changed.contains(key),
        })
        .collect()
}

/// Each metric key with its summary in every run (`None` where a run lacks it).
fn metric_rows<'a>(metrics: &[&'a BTreeMap<String, Summary>]) -> Vec<MetricRow<'a>> {
    let keys: BTreeSet<&str> = metrics
        .iter()
        .flat_map(|m| m.keys().map(String::as_str))
        .collect();
    keys.into_iter()
        .map(|key| MetricRow {
            key,
            direction: tracking::direction(key),
            runs: metrics
                .iter()
                .map(|m| m.get(key).map(|s| MetricCell::new(key, s)))
                .collect(),
        })
        .collect()
}

/// The params table: a row per key, the ones that differ marked `*` and painted.
fn print_params(ctx: &Ctx, report: &Report) -> Result<()> {
    let headers: Vec<&str> = ["param"]
        .into_iter()
        .chain(report.runs.iter().map(String::as_str))
        .collect();
    let mut table = TableOut::new(&headers, &[]);
    if report.versions.iter().any(Option::is_some) {
        let mut cells = vec![Cell::plain(" (version)")];
        cells.extend(
            report
                .versions
                .iter()
                .map(|v| Cell::plain(v.unwrap_or("-"))),
        );
        table.row(cells);
    }
    for row in &report.params {
        let paint = |text: &str| match row.changed {
            true => ctx.out.palette.changed(text),
            false => Cell::plain(text),
        };
        let mark = if row.changed { "*" } else { " " };
        let mut cells = vec![paint(&format!("{mark}{}", row.key))];
        cells.extend(row.values.iter().map(|v| paint(v.unwrap_or("-"))));
        table.row(cells);
    }
    if !table.is_empty() {
        table.print()?;
        output::line("")?;
    }
    Ok(())
}

/// The metrics table: last, min and max of each key, with their steps.
fn print_metrics(report: &Report) -> Result<()> {
    let headers: Vec<&str> = ["metric", "stat"]
        .into_iter()
        .chain(report.runs.iter().map(String::as_str))
        .collect();
    let right: Vec<usize> = (2..headers.len()).collect();
    let mut table = TableOut::new(&headers, &right);
    for row in &report.metrics {
        for stat in ["last", "min", "max"] {
            let name = if stat == "last" { row.key } else { "" };
            let mut cells = vec![name.to_string(), stat.to_string()];
            cells.extend(row.runs.iter().map(|cell| match cell {
                None => "-".to_string(),
                Some(c) => match stat {
                    "last" => at(Some(c.last.0), Some(c.last_step)),
                    "min" => at(c.min.map(|v| v.0), c.min_step),
                    _ => at(c.max.map(|v| v.0), c.max_step),
                },
            }));
            table.row(cells);
        }
    }
    if !table.is_empty() {
        table.print()?;
    }
    Ok(())
}

/// `0.29 @12`
fn at(value: Option<f64>, step: Option<i64>) -> String {
    match (value, step) {
        (Some(v), Some(s)) => format!("{} @{s}", tracking::show(v)),
        _ => "-".to_string(),
    }
}
