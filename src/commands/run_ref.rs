//! Finding and creating runs: who the user is, `USER/RUN` references, and opening a run for
//! writing. Shared by the run commands.

use anyhow::{Context, Result};

use super::Ctx;
use crate::catalog::ModelRow;
use crate::catalog::runs::RunRow;
use crate::cli::{RunTarget, UserArg};
use crate::engine::{Center, ingest};
use crate::error::usage;
use crate::values::names::{check_name, quote, shell_word};

/// The user to act as: --user, else $MFILE_USER or the OS user.
pub fn owner(ctx: &Ctx, user: &UserArg) -> Result<String> {
    let name = user.user.as_deref().unwrap_or(&ctx.user);
    check_name("user", name).map_err(|e| usage(format!("{e:#}; pass --user or set MFILE_USER")))?;
    Ok(name.to_string())
}

/// `RUN` (the default owner's) or `USER/RUN`.
pub fn parse_ref(reference: &str, default_owner: &str) -> Result<(String, String)> {
    let (owner, run) = reference
        .split_once('/')
        .unwrap_or((default_owner, reference));
    check_name("user", owner)?;
    check_name("run", run)?;
    Ok((owner.to_string(), run.to_string()))
}

/// Opens the center for writing and the run, creating the model and run (as `running`) when
/// they don't exist yet; with `new` (`--new`), always a new run: `--run NAME` when free, else
/// the first free of NAME-2, NAME-3, ...
pub fn open_for_write(ctx: &Ctx, target: &RunTarget, new: bool) -> Result<(Center, RunRow)> {
    let model = check_name("model", &target.model.name)?;
    let run = check_name("run", &target.run.name)?;
    let owner = owner(ctx, &target.user)?;
    let mut center = ctx.create_runs_center(model)?;
    let row = ingest::open_run(&mut center, model, &owner, run, new)?;
    Ok((center, row))
}

/// An existing run, or an error (exit 1) that says how to list runs.
pub fn find(center: &Center, model: &ModelRow, owner: &str, name: &str) -> Result<RunRow> {
    center.catalog.run(model.id, owner, name)?.with_context(|| {
        format!(
            "model {} has no run {} of user {owner}; see `mfile runs -m {} --all-users`",
            model.name,
            quote(name),
            shell_word(&model.name)
        )
    })
}

/// Resolves `RUN` or `USER/RUN` references of one model in a read-only center.
pub fn find_all(
    ctx: &Ctx,
    model: &str,
    references: &[String],
    user: &UserArg,
) -> Result<(Center, Vec<RunRow>)> {
    check_name("model", model)?;
    let me = owner(ctx, user)?;
    let refs = references
        .iter()
        .map(|r| parse_ref(r, &me))
        .collect::<Result<Vec<_>>>()?;
    let center = ctx.open_runs(Some(model))?;
    let model_row = center.model(model)?;
    let rows = refs
        .iter()
        .map(|(owner, name)| find(&center, &model_row, owner, name))
        .collect::<Result<Vec<_>>>()?;
    Ok((center, rows))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_name_the_owner_or_default_to_me() {
        assert_eq!(parse_ref("r1", "me").unwrap(), ("me".into(), "r1".into()));
        assert_eq!(
            parse_ref("alice/r1", "me").unwrap(),
            ("alice".into(), "r1".into())
        );
        assert!(parse_ref("a/b/c", "me").is_err());
        assert!(parse_ref("../r", "me").is_err());
    }
}
