//! `mfile runs`: list runs with their params (those that differ between the listed runs
//! highlighted), each metric's last and best value and their tags, chosen with `--where`,
//! `--tag`, `--sort` and `--limit`; `runs end`, `runs note` and `runs delete`.

use std::collections::BTreeSet;

use anyhow::Result;

use super::Ctx;
use super::tag::show_tags;
use super::{confirm, run_ref};
use crate::cli::{RunsAction, RunsArgs, RunsDeleteArgs, RunsEndArgs, RunsListArgs, RunsNoteArgs};
use crate::error::usage;
use crate::output::{self, Cell, TableOut, human_duration};
use crate::time::Timestamp;
use crate::tracking::listing::{self, Listing, MetricCell, Select};
use crate::tracking::query;
use crate::tracking::{self, Direction};
use crate::values::names::check_name;
use crate::values::tags::parse_tags;
use crate::values::words::count;

pub fn run(args: RunsArgs, ctx: &Ctx) -> Result<()> {
    match args.action {
        None => list(args.list, ctx),
        Some(RunsAction::End(end_args)) => end(end_args, ctx),
        Some(RunsAction::Delete(delete_args)) => delete(delete_args, ctx),
        Some(RunsAction::Note(note_args)) => note(note_args, ctx),
        Some(RunsAction::Push) => push(ctx),
    }
}

/// Uploads every run change waiting in this machine's cache; exit 1 when the upload fails.
fn push(ctx: &Ctx) -> Result<()> {
    let mut center = ctx.open_center()?;
    let waiting = center.catalog.waiting()?;
    let done = center.upload_runs()?;
    for said in &done.said {
        ctx.out.warn(said);
    }
    if ctx.out.json {
        return output::json(&serde_json::json!({
            "segments": done.segments,
            "points": done.points,
            "runs": waiting.len(),
        }));
    }
    ctx.out.note(&match done.segments {
        0 => "nothing was left to upload".to_string(),
        n => format!(
            "uploaded the changes of {} ({}) in {}",
            count(waiting.len() as u64, "run"),
            count(done.points, "point"),
            count(n, "segment")
        ),
    });
    Ok(())
}

/// `--where`, `--tag`, `--sort`, `--limit` and `--only-changed` as a [`Select`]; an expression
/// that does not parse is exit 2, with a caret under the column.
fn select(args: &RunsListArgs) -> Result<Select> {
    let filter = match &args.filter {
        Some(text) => Some(
            query::parse(text)
                .map_err(|e| usage(format!("invalid --where {}", e.pointed(text))))?,
        ),
        None => None,
    };
    let sort = match &args.sort {
        Some(text) => Some(
            query::parse_sort(text)
                .map_err(|e| usage(format!("invalid --sort {}", e.pointed(text))))?,
        ),
        None => None,
    };
    Ok(Select {
        filter,
        tags: parse_tags("--tag", &args.tags)?,
        sort,
        limit: args.limit,
        only_changed: args.only_changed,
    })
}

fn list(args: RunsListArgs, ctx: &Ctx) -> Result<()> {
    let select = select(&args)?;
    let owner = match args.all_users {
        true => None,
        false => Some(run_ref::owner(ctx, &args.user)?),
    };
    let model = args.model.name.as_deref();
    if let Some(model) = model {
        check_name("model", model)?;
    }
    let center = ctx.open_runs(model)?;
    if let Some(model) = model {
        center.model(model)?; // an unknown model is an error
    }
    let catalog = &center.catalog;
    let rows = catalog.runs(args.model.name.as_deref(), owner.as_deref(), args.status)?;
    let listing = listing::build(catalog, rows, &select, Timestamp::now())?;
    if !listing.unknown_keys.is_empty() {
        ctx.out.warn(&format!(
            "no run here has {} (keys are case-sensitive; `mfile runs --json` shows each \
             run's params, metrics and tags)",
            listing.unknown_keys.join(", ")
        ));
    }
    if ctx.out.json {
        return output::json(&listing);
    }

    print_listing(ctx, &listing, args.model.name.is_none(), args.all_users)?;
    let whose = match &owner {
        Some(owner) => format!("of {owner} (--all-users for everyone's)"),
        None => "of all users".to_string(),
    };
    ctx.out.note(&format!(
        "{} {whose}",
        count(listing.runs.len() as u64, "run")
    ));
    let waiting: Vec<_> = listing
        .runs
        .iter()
        .filter(|r| r.not_uploaded.changes > 0)
        .collect();
    if !waiting.is_empty() {
        let points: u64 = waiting.iter().map(|r| r.not_uploaded.points).sum();
        let names: Vec<&str> = waiting.iter().map(|r| r.run.name.as_str()).collect();
        ctx.out.warn(&format!(
            "{} changes this machine has not uploaded yet ({}: {}); \
             `mfile runs push` uploads them",
            match waiting.len() {
                1 => "1 run has".to_string(),
                n => format!("{n} runs have"),
            },
            count(points, "point"),
            names.join(", ")
        ));
    }
    Ok(())
}

/// The runs table: fixed columns, then a column per param (changed ones marked `*` and
/// painted) and per metric (last, and best where the metric has a direction).
fn print_listing(ctx: &Ctx, listing: &Listing, show_model: bool, show_owner: bool) -> Result<()> {
    let param_keys: BTreeSet<&str> = listing
        .runs
        .iter()
        .flat_map(|r| r.params.keys().map(String::as_str))
        .collect();
    let metric_keys: BTreeSet<&str> = listing
        .runs
        .iter()
        .flat_map(|r| r.metrics.keys().map(String::as_str))
        .collect();
    let changed: BTreeSet<&str> = listing.changed_params.iter().map(String::as_str).collect();
    let show_tags_column = listing.runs.iter().any(|r| !r.tags.is_empty());
    let is_changed = |key: &str| changed.contains(key);

    let mut headers = vec!["run"];
    if show_model {
        headers.push("model");
    }
    if show_owner {
        headers.push("owner");
    }
    headers.extend(["status", "started", "duration"]);
    if show_tags_column {
        headers.push("tags");
    }
    let fixed = headers.len();
    let all_headers: Vec<Cell> = headers
        .iter()
        .map(|h| Cell::plain(h))
        .chain(param_keys.iter().map(|k| match is_changed(k) {
            true => ctx.out.palette.changed(&format!("*{k}")),
            false => Cell::plain(k),
        }))
        .chain(metric_keys.iter().map(|k| metric_header(k)))
        .collect();
    let right: Vec<usize> = (fixed..all_headers.len()).collect();
    let mut table = TableOut::new(&all_headers, &right);
    for entry in &listing.runs {
        let r = &entry.run;
        let mut cells = vec![Cell::plain(&r.name)];
        if show_model {
            cells.push(Cell::plain(&r.model));
        }
        if show_owner {
            cells.push(Cell::plain(&r.owner));
        }
        cells.extend([
            r.status.as_str().into(),
            r.started_at.human().into(),
            human_duration(entry.duration_seconds).into(),
        ]);
        if show_tags_column {
            cells.push(Cell::plain(&show_tags(&entry.tags)));
        }
        for key in &param_keys {
            let value = entry.params.get(*key).map_or("-", |p| p.value.as_str());
            cells.push(if is_changed(key) {
                ctx.out.palette.changed(value)
            } else {
                Cell::plain(value)
            });
        }
        for key in &metric_keys {
            cells.push(match entry.metrics.get(*key) {
                Some(m) => metric_cell(m).into(),
                None => "-".into(),
            });
        }
        table.row(cells);
    }
    if !table.is_empty() {
        table.print()?;
    }
    Ok(())
}

/// A metric's column header, with the direction its best value is taken in.
fn metric_header(key: &str) -> Cell {
    match tracking::direction(key) {
        Some(Direction::Min) => format!("{key} (min)").into(),
        Some(Direction::Max) => format!("{key} (max)").into(),
        None => Cell::plain(key),
    }
}

/// `0.31` or, where the metric has a direction, `0.31 (best 0.29)`.
fn metric_cell(m: &MetricCell) -> String {
    let last = tracking::show(m.last.0);
    match m.best {
        Some(best) if best.0.to_bits() != m.last.0.to_bits() => {
            format!("{last} (best {})", tracking::show(best.0))
        }
        _ => last,
    }
}

fn end(args: RunsEndArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.target.model.name)?;
    let name = check_name("run", &args.target.run.name)?;
    let owner = run_ref::owner(ctx, &args.target.user)?;
    let mut center = ctx.create_runs_center(model)?;
    let model_row = center.model(model)?;
    let run = run_ref::find(&center, &model_row, &owner, name)?;
    center
        .catalog
        .write(|tx| tx.end_run(run.id, args.status, run.exit_code, Timestamp::now()))?;
    ctx.upload_runs(&mut center);
    ctx.out.note(&format!(
        "run {name} of {model} is {}",
        args.status.as_str()
    ));
    if ctx.out.json {
        output::json(
            &serde_json::json!({"model": model, "run": name, "owner": owner, "status": args.status}),
        )?;
    }
    Ok(())
}

/// Sets the run's note; on a bucket center it goes up as the run's `describe`.
fn note(args: RunsNoteArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.target.model.name)?;
    let name = check_name("run", &args.target.run.name)?;
    super::check_note(&args.text)?;
    let owner = run_ref::owner(ctx, &args.target.user)?;
    let mut center = ctx.create_runs_center(model)?;
    let model_row = center.model(model)?;
    let run = run_ref::find(&center, &model_row, &owner, name)?;
    center
        .catalog
        .write(|tx| tx.describe_run(run.id, None, Some(&args.text), None))?;
    ctx.upload_runs(&mut center);
    ctx.out.note(&format!("run {name} of {model}: note set"));
    if ctx.out.json {
        output::json(
            &serde_json::json!({"model": model, "run": name, "owner": owner, "note": args.text}),
        )?;
    }
    Ok(())
}

fn delete(args: RunsDeleteArgs, ctx: &Ctx) -> Result<()> {
    let (mut center, rows) = run_ref::find_all(ctx, &args.model.name, &args.runs, &args.user)?;
    let names: Vec<String> = rows
        .iter()
        .map(|r| format!("{}/{}", r.owner, r.name))
        .collect();
    if !args.dry_run && !args.yes {
        confirm(
            ctx,
            &format!(
                "delete {} of {} ({})?",
                count(rows.len() as u64, "run"),
                args.model.name,
                names.join(", ")
            ),
        )?;
    }
    if !args.dry_run {
        // The read-only opening of find_all takes no writes to a bucket: open it to write.
        if center.bucket.is_some() {
            center = ctx.create_runs_center(&args.model.name)?;
        }
        center.catalog.write(|tx| {
            for run in &rows {
                tx.delete_run(run.id)?;
            }
            Ok(())
        })?;
        ctx.upload_runs(&mut center);
    }
    if ctx.out.json {
        output::json(
            &serde_json::json!({"model": args.model.name, "deleted": names, "dry_run": args.dry_run}),
        )?;
    } else if ctx.out.chatty() {
        for name in &names {
            output::line(&format!("deleted   {name}"))?;
        }
    }
    let dry = if args.dry_run {
        " (dry run: nothing was deleted)"
    } else {
        ""
    };
    ctx.out
        .note(&format!("{} deleted{dry}", count(rows.len() as u64, "run")));
    Ok(())
}
