//! `mfile alias set|list|rm|log`: names for versions (`@prod`), each move kept with who and
//! when. `@latest` is built in: the newest version. On a bucket center each move is a segment
//! of the version's log, so every machine sees it.

use anyhow::{Result, bail};
use serde::Serialize;

use super::Ctx;
use crate::catalog::ModelRow;
use crate::catalog::aliases::{AliasMove, AliasRow};
use crate::cli::{AliasCommand, AliasLogArgs, AliasSetArgs};
use crate::engine::Center;
use crate::error::usage;
use crate::output::{self, TableOut};
use crate::time::Timestamp;
use crate::values::names::{LATEST, check_name, check_version_ref, quote, shell_word};
use crate::values::words::count;

pub fn run(command: AliasCommand, ctx: &Ctx) -> Result<()> {
    match command {
        AliasCommand::Set(args) => set(args, ctx),
        AliasCommand::List(args) => list(ctx, &args.model.name),
        AliasCommand::Rm(args) => remove(ctx, &args.model.name, &args.alias),
        AliasCommand::Log(args) => log(args, ctx),
    }
}

/// A name an alias may take: a valid name, not `latest`; `@prod` is taken as `prod`.
fn check_alias(alias: &str) -> Result<&str> {
    let alias = alias.strip_prefix('@').unwrap_or(alias);
    if alias == LATEST {
        return Err(usage(
            "@latest is built in (the newest version) and can't be set or removed",
        ));
    }
    check_name("alias", alias)
}

/// The center and model, to change an alias of.
fn open_to_write(ctx: &Ctx, model: &str) -> Result<(Center, ModelRow)> {
    check_name("model", model)?;
    let center = ctx.open_center()?;
    let row = center.model(model)?;
    Ok((center, row))
}

#[derive(Serialize)]
struct Moved<'a> {
    model: &'a str,
    alias: &'a str,
    version: Option<&'a str>,
    before: Option<&'a str>,
}

fn set(args: AliasSetArgs, ctx: &Ctx) -> Result<()> {
    let alias = check_alias(&args.alias)?;
    check_version_ref(&args.version)?;
    let (mut center, model) = open_to_write(ctx, &args.model.name)?;
    let version = center.version(&model, &center.version_name(&model, &args.version)?)?;
    let by = ctx.by();
    let before = center
        .catalog
        .write(|tx| tx.set_alias(model.id, alias, &version, Timestamp::now(), &by))?;
    if ctx.out.json {
        return output::json(&Moved {
            model: &model.name,
            alias,
            version: Some(&version.name),
            before: before.as_deref(),
        });
    }
    ctx.out.note(&match before.as_deref() {
        Some(old) if old == version.name => {
            format!("@{alias} of {} names {old} already", model.name)
        }
        Some(old) => format!("@{alias} of {}: {old} -> {}", model.name, version.name),
        None => format!("@{alias} of {} -> {}", model.name, version.name),
    });
    Ok(())
}

fn remove(ctx: &Ctx, model: &str, alias: &str) -> Result<()> {
    let alias = check_alias(alias)?;
    let (mut center, model) = open_to_write(ctx, model)?;
    let by = ctx.by();
    let before = center
        .catalog
        .write(|tx| tx.remove_alias(model.id, alias, Timestamp::now(), &by))?;
    let Some(version) = before else {
        bail!(
            "model {} has no alias {}; see `mfile alias list -m {}`",
            model.name,
            quote(alias),
            shell_word(&model.name)
        );
    };
    if ctx.out.json {
        return output::json(&Moved {
            model: &model.name,
            alias,
            version: None,
            before: Some(&version),
        });
    }
    ctx.out.note(&format!(
        "@{alias} of {} removed (it named {version})",
        model.name
    ));
    Ok(())
}

#[derive(Serialize)]
struct AliasesDoc<'a> {
    model: &'a str,
    /// `@latest`'s version, or null when the model has none.
    latest: Option<String>,
    aliases: Vec<AliasRow>,
}

fn list(ctx: &Ctx, model: &str) -> Result<()> {
    check_name("model", model)?;
    let center = ctx.open_center()?;
    let model = center.model(model)?;
    let doc = AliasesDoc {
        model: &model.name,
        latest: center.catalog.latest_version(model.id)?,
        aliases: center.catalog.aliases(model.id)?,
    };
    if ctx.out.json {
        return output::json(&doc);
    }
    let mut table = TableOut::new(&["alias", "version", "set", "by"], &[]);
    if let Some(latest) = &doc.latest {
        table.row(vec![
            "@latest".to_string(),
            latest.clone(),
            "(built in)".into(),
            String::new(),
        ]);
    }
    for row in &doc.aliases {
        table.row(vec![
            format!("@{}", row.alias),
            row.version.clone(),
            row.set_at.human(),
            row.set_by.clone(),
        ]);
    }
    if !table.is_empty() {
        table.print()?;
    }
    ctx.out.note(&format!(
        "{} of {}, besides the built-in @latest",
        count(doc.aliases.len() as u64, "alias"),
        model.name
    ));
    Ok(())
}

#[derive(Serialize)]
struct LogDoc<'a> {
    model: &'a str,
    moves: Vec<AliasMove>,
}

fn log(args: AliasLogArgs, ctx: &Ctx) -> Result<()> {
    check_name("model", &args.model.name)?;
    let alias = args
        .alias
        .as_deref()
        .map(|a| a.strip_prefix('@').unwrap_or(a));
    if let Some(alias) = alias {
        check_name("alias", alias)?;
    }
    let center = ctx.open_center()?;
    let model = center.model(&args.model.name)?;
    let moves = center.catalog.alias_moves(model.id, alias)?;
    if ctx.out.json {
        return output::json(&LogDoc {
            model: &model.name,
            moves,
        });
    }
    let mut table = TableOut::new(&["when", "alias", "version", "by"], &[]);
    for step in &moves {
        table.row(vec![
            step.at.human(),
            format!("@{}", step.alias),
            step.version.clone().unwrap_or_else(|| "(removed)".into()),
            step.by.clone(),
        ]);
    }
    if !table.is_empty() {
        table.print()?;
    }
    ctx.out.note(&format!(
        "{} of {}",
        count(moves.len() as u64, "move"),
        model.name
    ));
    Ok(())
}
