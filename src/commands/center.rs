//! `mfile center`: which center is in use and where that choice came from (the flag, the
//! environment, the user's or the system's config file, or the default). It neither opens nor
//! creates the center.

use anyhow::Result;
use serde::Serialize;

use super::Ctx;
use crate::config::Source;
use crate::output;
use crate::values::location::Location;

#[derive(Serialize)]
struct Doc {
    /// The folder, or the bucket's URL.
    center: String,
    kind: &'static str,
    source: &'static str,
    /// The config file that named the center; null for the other sources.
    file: Option<String>,
}

pub fn run(ctx: &Ctx) -> Result<()> {
    let doc = Doc {
        center: ctx.center_name(),
        kind: match ctx.location {
            Location::Local(_) => "folder",
            Location::Bucket(_) => "bucket",
        },
        source: ctx.chosen_by.source.as_str(),
        file: ctx.chosen_by.file.as_ref().map(|f| f.display().to_string()),
    };
    if ctx.out.json {
        return output::json(&doc);
    }
    let from = match (ctx.chosen_by.source, &doc.file) {
        (Source::Flag, _) => "from --center".to_string(),
        (Source::Env, _) => format!("from ${}", crate::config::CENTER_ENV),
        (Source::UserConfig, Some(file)) => format!("from the user config file {file}"),
        (Source::SystemConfig, Some(file)) => format!("from the system config file {file}"),
        (Source::UserConfig | Source::SystemConfig, None) => "from a config file".to_string(),
        (Source::Default, _) => "the default".to_string(),
    };
    let line = format!("{} ({}, {from})", doc.center, doc.kind);
    output::line(&line)
}
