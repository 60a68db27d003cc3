//! `mfile scan`: list stored files from the catalog (no rehash unless --verify).

use anyhow::{Result, bail};

use super::Bars;
use super::Ctx;
use super::{open_scope, warn_unmatched};
use crate::catalog::{FileRow, Scope};
use crate::cli::{ScanArgs, SortKey};
use crate::engine::verify::{FileState, check_rows};
use crate::filter::PathFilter;
use crate::output::views::{FileView, ScanDoc, ScanTotals};
use crate::output::{self, Cell, TableOut, human_size};
use crate::values::words::count;

pub fn run(args: ScanArgs, ctx: &Ctx) -> Result<()> {
    let filter = PathFilter::new(&args.filters.include, &args.filters.exclude)?;
    let (center, version) = open_scope(
        ctx,
        args.model.name.as_deref(),
        args.version.name.as_deref(),
    )?;
    let scope = Scope {
        model: args.model.name.as_deref(),
        version: version.as_deref(),
    };
    let mut rows: Vec<FileRow> = center
        .catalog
        .files(scope)?
        .into_iter()
        .filter(|row| filter.matches(&row.path))
        .collect();
    warn_unmatched(ctx, &filter);
    sort(&mut rows, args.sort, args.reverse);

    let states = match args.verify {
        true => Some(check_rows(&center, scope, &mut rows, &Bars::new(ctx))?),
        false => None,
    };
    let state = |i: usize| states.as_ref().map(|s| s[i]);
    let total_bytes: u64 = rows.iter().map(|r| r.size).sum();

    if ctx.out.json {
        let files = rows
            .iter()
            .enumerate()
            .map(|(i, row)| FileView {
                size: Some(row.size),
                md5: Some(&row.md5),
                blake3: Some(&row.blake3),
                modified_at: Some(row.modified_at),
                imported_at: Some(row.imported_at),
                state: state(i).map(FileState::word),
                ..FileView::new(&row.model, &row.version, &row.path)
            })
            .collect();
        let totals = ScanTotals {
            files: rows.len() as u64,
            bytes: total_bytes,
        };
        output::json(&ScanDoc { files, totals })?;
    } else {
        print_table(ctx, &rows, &args, scope, &state)?;
        ctx.out.note(&format!(
            "{}, {}",
            count(rows.len() as u64, "file"),
            human_size(total_bytes)
        ));
    }
    let bad = states
        .iter()
        .flatten()
        .filter(|s| **s != FileState::Ok)
        .count();
    if bad > 0 {
        bail!("{bad} of the listed files are missing or corrupted; run `mfile verify` for details");
    }
    Ok(())
}

fn print_table(
    ctx: &Ctx,
    rows: &[FileRow],
    args: &ScanArgs,
    scope: Scope,
    state: &dyn Fn(usize) -> Option<FileState>,
) -> Result<()> {
    let show_model = scope.model.is_none();
    let show_version = scope.version.is_none();
    let mut headers = Vec::new();
    if show_model {
        headers.push("model");
    }
    if show_version {
        headers.push("version");
    }
    headers.push("path");
    if args.attributes {
        headers.extend(["modified", "size", "md5"]);
    }
    if args.verify {
        headers.push("state");
    }
    let size_column = headers.iter().position(|h| *h == "size");
    let mut table = TableOut::new(&headers, &size_column.into_iter().collect::<Vec<_>>());
    for (i, row) in rows.iter().enumerate() {
        let mut cells: Vec<Cell> = Vec::new();
        if show_model {
            cells.push(row.model.as_str().into());
        }
        if show_version {
            cells.push(row.version.as_str().into());
        }
        cells.push(row.path.as_str().into());
        if args.attributes {
            cells.extend([
                row.modified_at.human().into(),
                human_size(row.size).into(),
                row.md5.as_str().into(),
            ]);
        }
        if let Some(s) = state(i) {
            let word = s.word();
            cells.push(if s == FileState::Ok {
                ctx.out.palette.good(word)
            } else {
                ctx.out.palette.bad(word)
            });
        }
        table.row(cells);
    }
    if !table.is_empty() {
        table.print()?;
    }
    Ok(())
}

/// name: model, version, path ascending; size and mod: largest/newest first (like `ls -S`/`-t`).
fn sort(rows: &mut [FileRow], key: SortKey, reverse: bool) {
    match key {
        SortKey::Name => rows
            .sort_by(|a, b| (&a.model, &a.version, &a.path).cmp(&(&b.model, &b.version, &b.path))),
        SortKey::Size => rows.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| a.path.cmp(&b.path))),
        SortKey::Mod => rows.sort_by(|a, b| {
            b.modified_at
                .cmp(&a.modified_at)
                .then_with(|| a.path.cmp(&b.path))
        }),
    }
    if reverse {
        rows.reverse();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Timestamp;

    fn row(path: &str, size: u64, modified: i64) -> FileRow {
        FileRow {
            model: "m".into(),
            version: "v".into(),
            path: path.into(),
            size,
            md5: String::new(),
            blake3: String::new(),
            modified_at: Timestamp(modified),
            imported_at: Timestamp(0),
            location: None,
        }
    }

    fn paths(rows: &[FileRow]) -> Vec<&str> {
        rows.iter().map(|r| r.path.as_str()).collect()
    }

    #[test]
    fn sorting_follows_ls() {
        let mut rows = vec![row("b", 1, 30), row("a", 3, 10), row("c", 2, 20)];
        sort(&mut rows, SortKey::Name, false);
        assert_eq!(paths(&rows), ["a", "b", "c"]);
        sort(&mut rows, SortKey::Size, false);
        assert_eq!(paths(&rows), ["a", "c", "b"]);
        sort(&mut rows, SortKey::Mod, false);
        assert_eq!(paths(&rows), ["b", "c", "a"]);
        sort(&mut rows, SortKey::Mod, true);
        assert_eq!(paths(&rows), ["a", "c", "b"]);
    }
}
