//! `mfile gc`: removes what no version names any more (the work is `engine::gc`): a bucket
//! center's unused blobs and packs, unfinished uploads and probes, and leftover temp files.

use anyhow::{Result, anyhow, bail};

use super::Ctx;
use crate::cli::GcArgs;
use crate::engine::gc::{self, Collected, Count, GcOptions};
use crate::output::views::{CountView, GarbageView, GcDoc};
use crate::output::{self, Palette, TableOut, human_duration, human_size};
use crate::time::Timestamp;
use crate::values::duration::show_duration;
use crate::values::words::count;

pub fn run(args: GcArgs, ctx: &Ctx) -> Result<()> {
    let mut center = ctx.open_center()?;
    let options = GcOptions {
        grace: args.grace,
        dry_run: args.dry_run,
    };
    let collected = gc::collect(&mut center, &options)?;
    let removed = collected.removed();
    if ctx.out.json {
        output::json(&document(&center.name, &options, &collected))?;
    } else if ctx.out.chatty() && !collected.garbage.is_empty() {
        print_table(&collected, ctx.out.palette)?;
    }
    ctx.out.note(&summary(&options, removed, collected.young));
    let failed: Vec<(&str, &str)> = collected
        .garbage
        .iter()
        .filter_map(|g| Some((g.key.as_str(), g.error.as_deref()?)))
        .collect();
    if failed.is_empty() {
        return Ok(());
    }
    for (key, error) in &failed {
        output::error(Palette::new(false), &anyhow!("{key}: {error}"));
    }
    bail!(
        "gc could not remove {} of {}; run it again",
        failed.len(),
        count(collected.garbage.len() as u64, "object")
    )
}

fn document<'a>(center: &'a str, options: &GcOptions, collected: &'a Collected) -> GcDoc<'a> {
    let count = |c: Count| CountView {
        objects: c.objects,
        bytes: c.bytes,
    };
    GcDoc {
        center,
        dry_run: options.dry_run,
        grace_seconds: options.grace.as_secs(),
        removed: collected
            .garbage
            .iter()
            .map(|g| GarbageView {
                kind: g.kind.word(),
                key: &g.key,
                bytes: g.bytes,
                modified_at: g.modified_at,
                error: g.error.as_deref(),
            })
            .collect(),
        totals: count(collected.removed()),
        young: count(collected.young),
    }
}

fn print_table(collected: &Collected, palette: Palette) -> Result<()> {
    let now = Timestamp::now();
    let mut table = TableOut::new(&["kind", "size", "age", "key"], &[1, 2]);
    for g in &collected.garbage {
        let kind = match g.error {
            Some(_) => palette.bad(g.kind.word()),
            None => g.kind.word().into(),
        };
        let size = g.bytes.map_or("?".to_string(), human_size);
        let age = (now.0 - g.modified_at.0) as f64 / 1e9;
        table.row(vec![
            kind,
            size.into(),
            human_duration(age).into(),
            g.key.as_str().into(),
        ]);
    }
    table.print()
}

/// `removed 3 objects (12.0 MiB)`, and what younger garbage stays.
fn summary(options: &GcOptions, removed: Count, young: Count) -> String {
    let verb = match options.dry_run {
        true => "would remove",
        false => "removed",
    };
    let mut text = match removed.objects {
        0 => "nothing to remove".to_string(),
        n => format!("{verb} {} ({})", objects(n), human_size(removed.bytes)),
    };
    if young.objects > 0 {
        text.push_str(&format!(
            "; {} ({}) unused but younger than {} kept (--grace)",
            objects(young.objects),
            human_size(young.bytes),
            show_duration(options.grace)
        ));
    }
    text
}

fn objects(n: u64) -> String {
    count(n, "object")
}
