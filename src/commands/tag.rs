//! `mfile tag`: set and remove tags of a run (`--run`) or a version (`--version`).

use std::collections::BTreeMap;

use anyhow::Result;
use serde::Serialize;

use super::{Ctx, run_ref};
use crate::cli::TagArgs;
use crate::error::usage;
use crate::output;
use crate::time::Timestamp;
use crate::values::names::check_name;
use crate::values::tags::{check_key, parse_tags};

#[derive(Serialize)]
struct Tagged<'a> {
    model: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    run: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<&'a str>,
    /// All of its tags after the change.
    tags: BTreeMap<String, String>,
    /// Whether anything changed.
    changed: bool,
}

pub fn run(args: TagArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.model.name)?;
    let set = parse_tags("tag", &args.tags)?;
    for key in &args.remove {
        check_key("--rm", key)?;
    }
    match (&args.run.name, &args.version.name) {
        (Some(run), _) => tag_run(ctx, &args, model, run, &set),
        (None, Some(version)) => tag_version(ctx, &args, model, version, &set),
        (None, None) => Err(usage("name the --run or the --version to tag")),
    }
}

fn tag_run(
    ctx: &Ctx,
    args: &TagArgs,
    model: &str,
    name: &str,
    set: &[(String, String)],
) -> Result<()> {
    let name = check_name("run", name)?;
    let owner = run_ref::owner(ctx, &args.user)?;
    let mut center = ctx.create_runs_center(model)?;
    let model_row = center.model(model)?;
    let run = run_ref::find(&center, &model_row, &owner, name)?;
    let changed = center
        .catalog
        .write(|tx| tx.tag_run(run.id, set, &args.remove))?;
    ctx.upload_runs(&mut center); // a bucket center's colleagues see the tags
    let tags = center
        .catalog
        .tags_of_runs(&[run.id])?
        .remove(&run.id)
        .unwrap_or_default();
    report(
        ctx,
        &format!("run {name} of {model}"),
        Tagged {
            model,
            run: Some(name),
            owner: Some(&owner),
            version: None,
            tags,
            changed,
        },
    )
}

fn tag_version(
    ctx: &Ctx,
    args: &TagArgs,
    model: &str,
    name: &str,
    set: &[(String, String)],
) -> Result<()> {
    let name = check_name("version", name)?;
    let mut center = ctx.create_center()?;
    let model_row = center.model(model)?;
    let version = center.version(&model_row, name)?;
    let now = Timestamp::now();
    let changed = center
        .catalog
        .write(|tx| tx.describe_version(&version, None, set, &args.remove, now))?;
    let tags = center.version(&model_row, name)?.tags;
    report(
        ctx,
        &format!("version {name} of {model}"),
        Tagged {
            model,
            run: None,
            owner: None,
            version: Some(name),
            tags,
            changed,
        },
    )
}

fn report(ctx: &Ctx, what: &str, tagged: Tagged) -> Result<()> {
    if ctx.out.json {
        return output::json(&tagged);
    }
    // One line: a newline in a value must not fake a line of output.
    let tags = match show_tags(&tagged.tags) {
        tags if tags.is_empty() => "no tags".to_string(),
        tags => output::escape(&tags).into_owned(),
    };
    let how = if tagged.changed {
        "now has"
    } else {
        "already had"
    };
    ctx.out.note(&format!("{what} {how} {tags}"));
    Ok(())
}

/// `k=v, k2=v2`, for a table cell or a message.
pub fn show_tags(tags: &BTreeMap<String, String>) -> String {
    tags.iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}
