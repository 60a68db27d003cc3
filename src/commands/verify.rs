//! `mfile verify`: the fsck. Checks the catalog file itself (SQLite's quick_check, or
//! integrity_check with --deep), then rehashes stored files against the catalog and lists
//! missing, corrupted and untracked files; exits 1 when it finds any.

use anyhow::{Result, bail};
use serde::Serialize;

use super::Ctx;
use super::{Bars, open_scope};
use crate::catalog::{self, Scope};
use crate::center;
use crate::cli::VerifyArgs;
use crate::engine::verify::{Depth, FileState, Problem, Verified, verify_files};
use crate::output::{self, TableOut, human_size};
use crate::values::location::Location;
use crate::values::names::{RelPath, shell_word};
use crate::values::words::count;

#[derive(Serialize)]
struct Report<'a> {
    checked: u64,
    bytes: u64,
    problems: &'a [Problem],
    catalog: CatalogReport,
}

/// What SQLite's own check found wrong in catalog.db.
#[derive(Serialize)]
struct CatalogReport {
    check: &'static str,
    problems: Vec<String>,
}

pub fn run(args: VerifyArgs, ctx: &Ctx) -> Result<()> {
    // Bad names are bad usage (exit 2) whatever the state of the center.
    if let Some(model) = &args.model.name {
        crate::values::names::check_name("model", model)?;
    }
    if let Some(version) = &args.version.name {
        crate::values::names::check_version_ref(version)?;
    }
    let catalog = check_catalog(ctx, args.deep)?;
    let (center, version) = open_scope(
        ctx,
        args.model.name.as_deref(),
        args.version.name.as_deref(),
    )?;
    let scope = Scope {
        model: args.model.name.as_deref(),
        version: version.as_deref(),
    };
    let Verified {
        checked,
        bytes,
        problems,
    } = verify_files(&center, scope, depth(ctx, args.deep), &Bars::new(ctx))?;

    if ctx.out.json {
        output::json(&Report {
            checked,
            bytes,
            problems: &problems,
            catalog,
        })?;
    } else if !problems.is_empty() {
        let mut table = TableOut::new(&["state", "model", "version", "path"], &[]);
        for p in &problems {
            table.row(vec![
                ctx.out.palette.bad(p.state.word()),
                p.model.as_str().into(),
                p.version.as_str().into(),
                p.path.as_str().into(),
            ]);
        }
        table.print()?;
    }
    ctx.out.note(&format!(
        "checked {} ({}): {}",
        count(checked, "file"),
        human_size(bytes),
        count(problems.len() as u64, "problem")
    ));
    // Files written straight into a version's folder have a way in: say which.
    let mut untracked: Vec<(&str, &str)> = problems
        .iter()
        .filter(|p| p.state == FileState::Untracked)
        .filter(|p| RelPath::parse("path", &p.path).is_ok()) // a name it can't store stays
        .map(|p| (p.model.as_str(), p.version.as_str()))
        .collect();
    untracked.sort();
    untracked.dedup();
    for (model, version) in untracked {
        ctx.out.note(&format!(
            "`mfile import --untracked -m {} --version {}` adopts the untracked files of \
             {model} {version}",
            shell_word(model),
            shell_word(version)
        ));
    }
    if !problems.is_empty() {
        bail!(
            "verify found {} (missing, corrupted or untracked files, or damaged logs)",
            count(problems.len() as u64, "problem")
        );
    }
    Ok(())
}

/// A local center's files are always rehashed; a bucket's are checked by their objects'
/// sizes, and downloaded and rehashed with --deep.
fn depth(ctx: &Ctx, deep: bool) -> Depth {
    match (&ctx.location, deep) {
        (Location::Local(_), _) => Depth::Hashes,
        (Location::Bucket(_), false) => Depth::Sizes,
        (Location::Bucket(_), true) => Depth::Both,
    }
}

/// Runs SQLite's check of catalog.db and reports what it found. A damaged catalog fails the
/// command (exit 1) before any file is checked against it; the returned report is then empty.
fn check_catalog(ctx: &Ctx, deep: bool) -> Result<CatalogReport> {
    let check = if deep {
        "integrity_check"
    } else {
        "quick_check"
    };
    let problems = match ctx.open_center() {
        Ok(center) => center.catalog.check(deep),
        // Too damaged to open is damaged.
        Err(e) if catalog::damaged(&e) => vec![catalog::sqlite_message(&e)],
        Err(e) => return Err(e),
    };
    if problems.is_empty() {
        return Ok(CatalogReport { check, problems });
    }
    let path = ctx.center.join(center::CATALOG_FILE);
    let found = count(problems.len() as u64, "problem");
    if ctx.out.json {
        output::json(&Report {
            checked: 0,
            bytes: 0,
            problems: &[],
            catalog: CatalogReport { check, problems },
        })?;
    } else {
        let mut table = TableOut::new(&["state", "file", "problem"], &[]);
        for problem in &problems {
            table.row(vec![
                ctx.out.palette.bad("damaged"),
                center::CATALOG_FILE.into(),
                problem.as_str().into(),
            ]);
        }
        table.print()?;
    }
    bail!(
        "the catalog {} is damaged: SQLite's {check} found {}, so its files \
         were not checked against it; restore catalog.db from a backup, or recover what can be \
         read with `sqlite3 catalog.db .recover`; until then mfile refuses to write where it \
         meets the damage",
        path.display(),
        found
    )
}
