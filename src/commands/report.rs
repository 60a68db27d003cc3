//! `mfile report`: one self-contained HTML file with a model's runs table and charts (the web
//! page's runs view, with ECharts and the data inlined), for CI artifacts and offline reading.

use std::collections::BTreeMap;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};

use super::Ctx;
use super::run_ref;
use crate::center::partial;
use crate::cli::ReportArgs;
use crate::output::{self, human_size};
use crate::time::Timestamp;
use crate::values::names::check_name;
use crate::values::words::count;
use crate::web::api;
use crate::web::columns::columns;
use crate::web::report::{ReportData, render};

pub fn run(args: ReportArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.model.name)?;
    let me = run_ref::owner(ctx, &args.user)?;
    let (mut center, rows) = if args.runs.names.is_empty() {
        let center = ctx.open_runs(Some(model))?;
        center.model(model)?;
        let owner = (!args.all_users).then_some(me.as_str());
        let rows = center.catalog.runs(Some(model), owner, None)?;
        if rows.is_empty() {
            let whose = if args.all_users {
                "no runs".to_string()
            } else {
                format!("no runs of {me} (--all-users for everyone's)")
            };
            bail!("model {model} has {whose}; nothing to report");
        }
        (center, rows)
    } else {
        run_ref::find_all(ctx, model, &args.runs.names, &args.user)?
    };
    for run in &rows {
        center.ensure_points(run)?;
    }
    let catalog = &center.catalog;
    let model_row = center.model(model)?;
    let mut series = BTreeMap::new();
    for run in &rows {
        let doc = api::series_of(catalog, run, args.max_points as usize)?;
        series.insert(format!("{}/{}", run.owner, run.name), doc);
    }
    let runs_count = rows.len() as u64;
    let owner = (args.runs.names.is_empty() && !args.all_users).then_some(me.as_str());
    let data = ReportData {
        generated_at: Timestamp::now(),
        mfile_version: env!("CARGO_PKG_VERSION"),
        runs: columns(
            api::runs_doc(catalog, &model_row, owner, rows, &Default::default())?,
            &Default::default(),
        ),
        series,
    };
    let html = render(&data).context("could not encode the report")?;

    let out = args
        .out
        .unwrap_or_else(|| PathBuf::from(format!("{model}-report.html")));
    if out.as_os_str() == "-" {
        let mut stdout = std::io::stdout().lock();
        stdout.write_all(html.as_bytes())?;
        stdout.flush()?;
    } else {
        write_atomically(&out, html.as_bytes())?;
    }
    if ctx.out.json {
        output::json(&serde_json::json!({
            "model": model,
            "file": out.display().to_string(),
            "runs": runs_count,
            "bytes": html.len(),
        }))?;
    }
    ctx.out.note(&format!(
        "wrote {} ({}, {})",
        out.display(),
        count(runs_count, "run"),
        human_size(html.len() as u64)
    ));
    Ok(())
}

/// Writes `bytes` to a temp file beside `path` and renames it over `path`, so a reader never
/// sees half a report.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    let describe = || format!("could not write {}", path.display());
    let name = path
        .file_name()
        .map_or("report".into(), |n| n.to_string_lossy());
    // Named like every partial mfile writes; mode 0666 less the umask, as `>` would make it.
    let mut temp = tempfile::Builder::new()
        .prefix(&partial::name(&format!(".{name}")))
        .rand_bytes(0)
        .permissions(std::fs::Permissions::from_mode(0o666))
        .tempfile_in(dir)
        .with_context(describe)?;
    temp.write_all(bytes).with_context(describe)?;
    temp.as_file().sync_all().with_context(describe)?;
    temp.persist(path)
        .map_err(|e| e.error)
        .with_context(describe)?;
    Ok(())
}
