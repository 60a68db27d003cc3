//! `mfile config`: where a model or version lives (the old `config`, `dir`, `filerepo`).

use anyhow::Result;

use super::ConfigView;
use super::Ctx;
use crate::cli::ConfigArgs;
use crate::values::names::check_name;

pub fn run(args: ConfigArgs, ctx: &Ctx) -> Result<()> {
    check_name("model", &args.model.name)?;
    if let Some(version) = &args.version.name {
        check_name("version", version)?;
    }
    let center = ctx.open_center()?;
    let model = center.model(&args.model.name)?;
    let version = match &args.version.name {
        Some(name) => Some(center.version(&model, name)?),
        None => None,
    };
    ConfigView::new(&center, &model, version.as_ref()).print(ctx.out.json)
}
