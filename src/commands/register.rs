//! `mfile register`: create a model and version if missing (idempotent) and print its config.

use anyhow::Result;

use super::ConfigView;
use super::Ctx;
use crate::cli::RegisterArgs;
use crate::error::usage;
use crate::time::Timestamp;
use crate::values::names::{check_name, quote};

pub fn run(args: RegisterArgs, ctx: &Ctx) -> Result<()> {
    let model = check_name("model", &args.target.model.name)?;
    let version = check_name("version", &args.target.version.name)?;
    let tags = args
        .tags
        .iter()
        .map(|t| parse_tag(t))
        .collect::<Result<Vec<_>>>()?;
    let mut center = ctx.create_center()?;
    let now = Timestamp::now();
    let (model_row, version_row) = center.catalog.write(|tx| {
        let m = tx.ensure_model(model, now)?;
        let v = tx.ensure_version(m.id, version, now)?;
        tx.describe_version(&v, args.description.as_deref(), &tags, now)?;
        let v = tx.version(m.id, version)?.unwrap_or(v);
        Ok((m, v))
    })?;
    ConfigView::new(&center, &model_row, Some(&version_row)).print(ctx.out.json)
}

fn parse_tag(text: &str) -> Result<(String, String)> {
    match text.split_once('=') {
        Some((key, value)) if !key.is_empty() && !key.chars().any(char::is_control) => {
            Ok((key.to_string(), value.to_string()))
        }
        _ => Err(usage(format!(
            "invalid --tag {}: use KEY=VALUE",
            quote(text)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_at_the_first_equals() {
        assert_eq!(parse_tag("a=b=c").unwrap(), ("a".into(), "b=c".into()));
        assert_eq!(parse_tag("empty=").unwrap(), ("empty".into(), "".into()));
        assert!(parse_tag("novalue").is_err());
        assert!(parse_tag("=x").is_err());
    }
}
