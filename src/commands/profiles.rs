//! `mfile profiles`: every model in the center with its counts and folder.

use anyhow::Result;

use super::Ctx;
use crate::output::views::{ModelView, ProfilesDoc};
use crate::output::{self, TableOut, human_size};
use crate::values::words::count;

pub fn run(ctx: &Ctx) -> Result<()> {
    let center = ctx.open_center()?;
    let models = center.catalog.model_summaries()?;
    let profiles: Vec<ModelView> = models
        .iter()
        .map(|s| ModelView {
            model: &s.model,
            key: &s.key,
            versions: s.versions,
            files: s.files,
            bytes: s.bytes,
            created_at: s.created_at,
            updated_at: s.updated_at,
            description: s.description.as_deref(),
            filerepo: center.store.locate(&s.model),
        })
        .collect();
    if ctx.out.json {
        return output::json(&ProfilesDoc {
            center: center.name.clone(),
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
        table.row(vec![
            p.model.to_string(),
            p.versions.to_string(),
            p.files.to_string(),
            human_size(p.bytes),
            p.updated_at.human(),
            p.key.to_string(),
            p.filerepo.clone(),
        ]);
    }
    if !table.is_empty() {
        table.print()?;
    }
    ctx.out.note(&format!(
        "{} in {}",
        count(profiles.len() as u64, "model"),
        center.name
    ));
    Ok(())
}
