//! `mfile diff -m M FROM TO`: the files added, removed and changed between two versions.

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::cli::DiffArgs;
use crate::engine::diff::{Change, FileChange, diff};
use crate::output::{self, human_size};
use crate::values::names::{check_name, check_version_ref};
use crate::values::words::count;

#[derive(Serialize)]
struct DiffDoc<'a> {
    model: &'a str,
    from: &'a str,
    to: &'a str,
    files: &'a [FileChange],
    totals: Totals,
}

#[derive(Default, Serialize)]
struct Totals {
    added: u64,
    removed: u64,
    changed: u64,
    unchanged: u64,
}

pub fn run(args: DiffArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.model.name)?;
    check_version_ref(&args.from)?;
    check_version_ref(&args.to)?;
    let center = ctx.open_center()?;
    let model_row = center.model(model)?;
    let from = center.version_name(&model_row, &args.from)?;
    let to = center.version_name(&model_row, &args.to)?;
    let found = diff(&center, model, &from, &to)?;
    let mut totals = Totals {
        unchanged: found.unchanged,
        ..Totals::default()
    };
    for change in &found.changes {
        *match change.change {
            Change::Added => &mut totals.added,
            Change::Removed => &mut totals.removed,
            Change::Changed => &mut totals.changed,
        } += 1;
    }
    if ctx.out.json {
        return output::json(&DiffDoc {
            model,
            from: &from,
            to: &to,
            files: &found.changes,
            totals,
        });
    }
    let palette = ctx.out.palette;
    for change in &found.changes {
        let word = format!("{:<8}", change.change.word());
        let status = match change.change {
            Change::Added => palette.good(&word),
            Change::Removed => palette.bad(&word),
            Change::Changed => palette.warn(&word),
        };
        let size = |s: Option<u64>| s.map(human_size).unwrap_or_default();
        let sizes = match (change.size_before, change.size_after) {
            (Some(_), Some(_)) => {
                format!(
                    "{} -> {}",
                    size(change.size_before),
                    size(change.size_after)
                )
            }
            _ => size(change.size_before.or(change.size_after)),
        };
        let line = format!("{}  ({sizes})", change.path);
        output::cells_line(&[status, line.as_str().into()])?;
    }
    ctx.out.note(&format!(
        "{model} {from} -> {to}: {} added, {} removed, {} changed, {} unchanged",
        totals.added,
        totals.removed,
        totals.changed,
        count(totals.unchanged, "file")
    ));
    Ok(())
}
