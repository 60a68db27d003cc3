//! `mfile versions`: the versions of a model, in natural order (`1.2` before `1.10`).

use anyhow::Result;
use serde::Serialize;

use crate::catalog::VersionSummary;
use crate::cli::VersionsArgs;
use crate::config::Ctx;
use crate::engine::Center;
use crate::output::{self, TableOut, human_size};
use crate::values::names::{check_name, natural_cmp};

#[derive(Serialize)]
struct Report<'a> {
    model: &'a str,
    versions: &'a [VersionSummary],
}

pub fn run(args: VersionsArgs, ctx: &Ctx) -> Result<()> {
    check_name("model", &args.model.name)?;
    let center = Center::open(&ctx.center)?;
    let model = center.model(&args.model.name)?;
    let mut versions = center.catalog.version_summaries(&model)?;
    versions.sort_by(|a, b| natural_cmp(&a.version, &b.version));
    if ctx.json {
        return output::json(&Report {
            model: &model.name,
            versions: &versions,
        });
    }
    let mut table = TableOut::new(
        &[
            "version",
            "files",
            "size",
            "created",
            "updated",
            "description",
        ],
        &[1, 2],
    );
    for v in &versions {
        table.row(vec![
            v.version.clone(),
            v.files.to_string(),
            human_size(v.bytes),
            v.created_at.human(),
            v.updated_at.human(),
            v.description.clone().unwrap_or_default(),
        ]);
    }
    if !table.is_empty() {
        table.print()?;
    }
    output::note(
        ctx,
        &format!("{} versions of {}", versions.len(), model.name),
    );
    Ok(())
}
