//! `mfile config`: where a model or version lives (the old `config`, `dir`, `filerepo`).

use anyhow::Result;

use super::ConfigView;
use super::Ctx;
use crate::cli::ConfigArgs;
use crate::values::names::{check_name, check_version_ref};

pub fn run(args: ConfigArgs, ctx: &Ctx) -> Result<()> {
    check_name("model", &args.model.name)?;
    if let Some(version) = &args.version.name {
        check_version_ref(version)?;
    }
    let center = ctx.open_center()?;
    let model = center.model(&args.model.name)?;
    let version = match &args.version.name {
        Some(given) => Some(center.version(&model, &center.version_name(&model, given)?)?),
        None => None,
    };
    ConfigView::new(&center, &model, version.as_ref()).print(ctx.out.json)
}
