//! `mfile profiles`: every model in the center with its counts and folder.

use anyhow::Result;
use serde::Serialize;

use crate::catalog::ModelSummary;
use crate::config::Ctx;
use crate::engine::Center;
use crate::output::{self, TableOut, human_size};

#[derive(Serialize)]
struct Profile<'a> {
    #[serde(flatten)]
    summary: &'a ModelSummary,
    filerepo: String,
}

#[derive(Serialize)]
struct Report<'a> {
    center: String,
    catalog: String,
    models: Vec<Profile<'a>>,
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let center = Center::open(&ctx.center)?;
    let models = center.catalog.model_summaries()?;
    let profiles: Vec<Profile> = models
        .iter()
        .map(|summary| Profile {
            summary,
            filerepo: center.store.locate(&summary.model),
        })
        .collect();
    if ctx.json {
        return output::json(&Report {
            center: center.root.display().to_string(),
            catalog: center.catalog_path().display().to_string(),
            models: profiles,
        });
    }
    let mut table = TableOut::new(
        &[
            "model", "versions", "files", "size", "updated", "key", "filerepo",
        ],
        &[1, 2, 3],
    );
    for p in &profiles {
        let s = p.summary;
        table.row(vec![
            s.model.clone(),
            s.versions.to_string(),
            s.files.to_string(),
            human_size(s.bytes),
            s.updated_at.human(),
            s.key.clone(),
            p.filerepo.clone(),
        ]);
    }
    if !table.is_empty() {
        table.print()?;
    }
    output::note(
        ctx,
        &format!("{} models in {}", profiles.len(), center.root.display()),
    );
    Ok(())
}
