//! `mfile versions`: the versions of a model, in natural order (`1.2` before `1.10`), those
//! with every `--tag` given.

use anyhow::Result;

use super::Ctx;
use super::tag::show_tags;
use crate::cli::VersionsArgs;
use crate::output::views::{VersionView, VersionsDoc};
use crate::output::{self, TableOut, human_size};
use crate::values::names::{check_name, natural_cmp};
use crate::values::tags::parse_tags;
use crate::values::words::count;

pub fn run(args: VersionsArgs, ctx: &Ctx) -> Result<()> {
    check_name("model", &args.model.name)?;
    let wanted = parse_tags("--tag", &args.tags)?;
    let center = ctx.open_center()?;
    let model = center.model(&args.model.name)?;
    let mut versions = center.catalog.version_summaries(&model)?;
    versions.retain(|v| wanted.iter().all(|(k, value)| v.tags.get(k) == Some(value)));
    versions.sort_by(|a, b| natural_cmp(&a.version, &b.version));
    if ctx.out.json {
        let versions = versions
            .iter()
            .map(|v| VersionView {
                model: &v.model,
                version: &v.version,
                files: v.files,
                bytes: v.bytes,
                created_at: v.created_at,
                updated_at: v.updated_at,
                description: v.description.as_deref(),
                tags: &v.tags,
                aliases: &v.aliases,
                runs: &v.runs,
            })
            .collect();
        return output::json(&VersionsDoc {
            model: &model.name,
            versions,
        });
    }
    let tagged = versions.iter().any(|v| !v.tags.is_empty());
    let mut headers = vec![
        "version",
        "files",
        "size",
        "created",
        "updated",
        "aliases",
        "runs",
        "description",
    ];
    if tagged {
        headers.push("tags");
    }
    let mut table = TableOut::new(&headers, &[1, 2]);
    for v in &versions {
        let aliases: Vec<String> = v.aliases.iter().map(|a| format!("@{a}")).collect();
        let mut cells = vec![
            v.version.clone(),
            v.files.to_string(),
            human_size(v.bytes),
            v.created_at.human(),
            v.updated_at.human(),
            aliases.join(" "),
            v.runs.join(" "),
            v.description.clone().unwrap_or_default(),
        ];
        if tagged {
            cells.push(show_tags(&v.tags));
        }
        table.row(cells);
    }
    if !table.is_empty() {
        table.print()?;
    }
    ctx.out.note(&format!(
        "{} of {}",
        count(versions.len() as u64, "version"),
        model.name
    ));
    Ok(())
}
