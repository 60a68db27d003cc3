//! `mfile diff -m M FROM TO`: the files added, removed and changed between two versions.

use anyhow::Result;

use super::Ctx;
use crate::cli::DiffArgs;
use crate::engine::diff::{Change, DiffDoc, diff};
use crate::output::{self, human_size};
use crate::values::names::{check_name, check_version_ref};
use crate::values::words::count;

pub fn run(args: DiffArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.model.name)?;
    check_version_ref(&args.from)?;
    check_version_ref(&args.to)?;
    let center = ctx.open_center()?;
    let model_row = center.model(model)?;
    let from = center.version_name(&model_row, &args.from)?;
    let to = center.version_name(&model_row, &args.to)?;
    let doc = DiffDoc::new(model, &from, &to, diff(&center, model, &from, &to)?);
    if ctx.out.json {
        return output::json(&doc);
    }
    let palette = ctx.out.palette;
    for change in &doc.files {
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
        doc.totals.added,
        doc.totals.removed,
        doc.totals.changed,
        count(doc.totals.unchanged, "file")
    ));
    Ok(())
}
