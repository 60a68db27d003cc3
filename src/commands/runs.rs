//! `mfile runs`: list runs with their params (those that differ between the listed runs
//! highlighted) and each metric's last and best value; `runs end` and `runs delete`.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use serde::Serialize;

use super::{confirm, open_scope, run_ref};
use crate::catalog::runs::{self, Param, RunRow, Summary};
use crate::center::names::check_name;
use crate::cli::{RunsAction, RunsArgs, RunsDeleteArgs, RunsEndArgs, RunsListArgs};
use crate::config::Ctx;
use crate::output::{self, TableOut, human_duration};
use crate::time::Timestamp;
use crate::tracking::{self, Direction, Value};

pub fn run(args: RunsArgs, ctx: &Ctx) -> Result<()> {
    match args.action {
        None => list(args.list, ctx),
        Some(RunsAction::End(end_args)) => end(end_args, ctx),
        Some(RunsAction::Delete(delete_args)) => delete(delete_args, ctx),
    }
}

#[derive(Serialize)]
struct ParamCell<'a> {
    value: &'a str,
    kind: crate::tracking::parse::ParamKind,
    changed: bool,
}

/// A metric's summary in JSON.
#[derive(Serialize)]
pub struct MetricCell {
    pub count: u64,
    pub last: Value,
    pub last_step: i64,
    pub direction: Option<Direction>,
    pub best: Option<Value>,
    pub best_step: Option<i64>,
    pub min: Option<Value>,
    pub min_step: Option<i64>,
    pub max: Option<Value>,
    pub max_step: Option<i64>,
}

impl MetricCell {
    pub fn new(key: &str, s: &Summary) -> Self {
        let direction = tracking::direction(key);
        let best = tracking::best(key, s);
        MetricCell {
            count: s.count,
            last: Value(s.last_value),
            last_step: s.last_step,
            direction,
            best: best.map(|b| Value(b.0)),
            best_step: best.map(|b| b.1),
            min: s.min.map(|m| Value(m.0)),
            min_step: s.min.map(|m| m.1),
            max: s.max.map(|m| Value(m.0)),
            max_step: s.max.map(|m| m.1),
        }
    }
}

#[derive(Serialize)]
struct RunEntry<'a> {
    #[serde(flatten)]
    run: &'a RunRow,
    duration_seconds: f64,
    params: BTreeMap<&'a str, ParamCell<'a>>,
    metrics: BTreeMap<&'a str, MetricCell>,
}

#[derive(Serialize)]
struct Report<'a> {
    runs: Vec<RunEntry<'a>>,
    changed_params: Vec<&'a str>,
}

fn list(args: RunsListArgs, ctx: &Ctx) -> Result<()> {
    let owner = match args.all_users {
        true => None,
        false => Some(run_ref::owner(ctx, &args.user)?),
    };
    let center = open_scope(ctx, args.model.as_deref(), None)?;
    let conn = center.catalog.conn();
    let rows = runs::runs(conn, args.model.as_deref(), owner.as_deref(), args.status)?;
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    let params = runs::params_of_runs(conn, &ids)?;
    let summaries = runs::summaries_of_runs(conn, &ids)?;
    let no_params = BTreeMap::new();
    let no_metrics = BTreeMap::new();
    let params_of = |r: &RunRow| params.get(&r.id).unwrap_or(&no_params);
    let metrics_of = |r: &RunRow| summaries.get(&r.id).unwrap_or(&no_metrics);

    let changed = changed_params(rows.iter().map(params_of));
    let mut param_keys: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| params_of(r).keys().map(String::as_str))
        .collect();
    if args.only_changed {
        param_keys.retain(|k| changed.contains(k));
    }
    let metric_keys: BTreeSet<&str> = rows
        .iter()
        .flat_map(|r| metrics_of(r).keys().map(String::as_str))
        .collect();
    let now = Timestamp::now();

    if ctx.json {
        let entries = rows
            .iter()
            .map(|r| RunEntry {
                run: r,
                duration_seconds: duration(r, now),
                params: params_of(r)
                    .iter()
                    .filter(|(k, _)| param_keys.contains(k.as_str()))
                    .map(|(k, p)| {
                        (
                            k.as_str(),
                            ParamCell {
                                value: &p.value,
                                kind: p.kind,
                                changed: changed.contains(k.as_str()),
                            },
                        )
                    })
                    .collect(),
                metrics: metrics_of(r)
                    .iter()
                    .map(|(k, s)| (k.as_str(), MetricCell::new(k, s)))
                    .collect(),
            })
            .collect();
        return output::json(&Report {
            runs: entries,
            changed_params: changed.into_iter().collect(),
        });
    }

    let mut headers = vec!["run"];
    if args.model.is_none() {
        headers.push("model");
    }
    if args.all_users {
        headers.push("owner");
    }
    headers.extend(["status", "started", "duration"]);
    let fixed = headers.len();
    let param_headers: Vec<String> = param_keys
        .iter()
        .map(|k| {
            if changed.contains(k) {
                ctx.palette.changed(&format!("*{k}"))
            } else {
                k.to_string()
            }
        })
        .collect();
    let metric_headers: Vec<String> = metric_keys
        .iter()
        .map(|k| match tracking::direction(k) {
            Some(Direction::Min) => format!("{k} (min)"),
            Some(Direction::Max) => format!("{k} (max)"),
            None => k.to_string(),
        })
        .collect();
    let all_headers: Vec<&str> = headers
        .iter()
        .copied()
        .chain(param_headers.iter().map(String::as_str))
        .chain(metric_headers.iter().map(String::as_str))
        .collect();
    let right: Vec<usize> = (fixed..all_headers.len()).collect();
    let mut table = TableOut::new(&all_headers, &right);
    for r in &rows {
        let mut cells = vec![r.name.clone()];
        if args.model.is_none() {
            cells.push(r.model.clone());
        }
        if args.all_users {
            cells.push(r.owner.clone());
        }
        cells.extend([
            r.status.as_str().to_string(),
            r.started_at.human(),
            human_duration(duration(r, now)),
        ]);
        for key in &param_keys {
            let value = params_of(r).get(*key).map_or("-", |p| p.value.as_str());
            cells.push(if changed.contains(key) {
                ctx.palette.changed(value)
            } else {
                value.to_string()
            });
        }
        for key in &metric_keys {
            cells.push(match metrics_of(r).get(*key) {
                Some(s) => metric_cell(key, s),
                None => "-".to_string(),
            });
        }
        table.row(cells);
    }
    if !table.is_empty() {
        table.print()?;
    }
    let whose = match &owner {
        Some(owner) => format!("of {owner} (--all-users for everyone's)"),
        None => "of all users".to_string(),
    };
    output::note(ctx, &format!("{} runs {whose}", rows.len()));
    Ok(())
}

/// `0.31` or, where the metric has a direction, `0.31 (best 0.29)`.
fn metric_cell(key: &str, s: &Summary) -> String {
    let last = tracking::show(s.last_value);
    match tracking::best(key, s) {
        Some((best, _)) if best.to_bits() != s.last_value.to_bits() => {
            format!("{last} (best {})", tracking::show(best))
        }
        _ => last,
    }
}

fn duration(run: &RunRow, now: Timestamp) -> f64 {
    let end = run.ended_at.unwrap_or(now);
    (end.0 - run.started_at.0) as f64 / 1e9
}

/// The param keys whose values are not the same in every run (a missing param counts as a
/// different value). Every run is compared with every other, not with the first.
pub fn changed_params<'a>(
    runs: impl Iterator<Item = &'a BTreeMap<String, Param>> + Clone,
) -> BTreeSet<&'a str> {
    let keys: BTreeSet<&str> = runs
        .clone()
        .flat_map(|p| p.keys().map(String::as_str))
        .collect();
    keys.into_iter()
        .filter(|key| {
            let mut values = runs.clone().map(|p| p.get(*key).map(|v| v.value.as_str()));
            let Some(first) = values.next() else {
                return false;
            };
            values.any(|v| match (first, v) {
                (Some(a), Some(b)) => !crate::tracking::parse::same_param(a, b),
                (None, None) => false,
                _ => true,
            })
        })
        .collect()
}

fn end(args: RunsEndArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.target.model)?;
    let name = check_name("run", &args.target.run)?;
    let owner = run_ref::owner(ctx, &args.target.user)?;
    let mut center = crate::center::Center::open(&ctx.center)?;
    let model_row = center.model(model)?;
    let run = run_ref::find(&center, &model_row, &owner, name)?;
    center
        .catalog
        .write(|tx| runs::end_run(tx, run.id, args.status, run.exit_code, Timestamp::now()))?;
    output::note(
        ctx,
        &format!("run {name} of {model} is {}", args.status.as_str()),
    );
    if ctx.json {
        output::json(
            &serde_json::json!({"model": model, "run": name, "owner": owner, "status": args.status}),
        )?;
    }
    Ok(())
}

fn delete(args: RunsDeleteArgs, ctx: &Ctx) -> Result<()> {
    let (mut center, rows) = run_ref::find_all(ctx, &args.model, &args.runs, &args.user)?;
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("{}/{}", r.owner, r.name))
        .collect();
    if !args.dry_run && !args.yes {
        confirm(
            ctx,
            &format!(
                "delete {} runs of {} ({})?",
                rows.len(),
                args.model,
                names.join(", ")
            ),
        )?;
    }
    if !args.dry_run {
        center.catalog.write(|tx| {
            for run in &rows {
                runs::delete_run(tx, run.id)?;
            }
            Ok(())
        })?;
    }
    if ctx.json {
        output::json(
            &serde_json::json!({"model": args.model, "deleted": names, "dry_run": args.dry_run}),
        )?;
    } else if ctx.chatty() {
        for name in &names {
            output::line(&format!("deleted   {name}"))?;
        }
    }
    let dry = if args.dry_run {
        " (dry run: nothing was deleted)"
    } else {
        ""
    };
    output::note(ctx, &format!("{} runs deleted{dry}", rows.len()));
    Ok(())
}
