//! `mfile register`: create a model and version if missing (idempotent) and print its config.

use anyhow::Result;

use super::ConfigView;
use super::Ctx;
use crate::cli::RegisterArgs;
use crate::time::Timestamp;
use crate::values::names::check_name;
use crate::values::tags::parse_tags;

pub fn run(args: RegisterArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.target.model.name)?;
    let version = check_name("version", &args.target.version.name)?;
    let tags = parse_tags("--tag", &args.tags)?;
    let mut center = ctx.create_center()?;
    let now = Timestamp::now();
    let (model_row, version_row) = center.catalog.write(|tx| {
        let m = tx.ensure_model(model, now)?;
        let v = tx.ensure_version(m.id, version, now)?;
        tx.describe_version(&v, args.description.as_deref(), &tags, &[], now)?;
        let v = tx.version(m.id, version)?.unwrap_or(v);
        Ok((m, v))
    })?;
    ConfigView::new(&center, &model_row, Some(&version_row)).print(ctx.out.json)
}
