//! `mfile claim-writer`: the opt-in for a center on a network filesystem that one host alone
//! writes. The catalog records the host; a write from any other host is refused (see
//! `catalog::network`). Creates the center when it does not exist yet.

use anyhow::{Result, bail};
use serde::Serialize;

use super::Ctx;
use crate::catalog::network::network_filesystem;
use crate::cli::ClaimWriterArgs;
use crate::engine::Center;
use crate::output;
use crate::values;

pub fn run(args: ClaimWriterArgs, ctx: &Ctx) -> Result<()> {
    let mut center = Center::create_claimed(&ctx.center)?;
    let host = values::host();
    let current = center.catalog.writer_host()?;
    if let Some(other) = current.as_deref().filter(|h| *h != host && !args.force) {
        bail!(
            "host {other} is the only writer of the center {}; pass --force only if {other} \
             no longer writes it",
            ctx.center.display()
        );
    }
    let claim = (!args.release).then_some(host.as_str());
    center.catalog.claim_writer(claim)?;
    let place = match network_filesystem(center.catalog.folder()) {
        Some(filesystem) => format!("on a network filesystem ({filesystem})"),
        None => "on a local filesystem, where any host may write anyway".to_string(),
    };
    let said = match claim {
        Some(host) => format!("{host} is now the only host that writes the center"),
        None => "no host may write the center while it is on a network filesystem".to_string(),
    };
    if ctx.out.json {
        output::json(&Claim {
            center: ctx.center.display().to_string(),
            writer_host: claim,
            network_filesystem: network_filesystem(center.catalog.folder()),
        })?;
    }
    ctx.out
        .note(&format!("{said} {} ({place})", ctx.center.display()));
    Ok(())
}

#[derive(Serialize)]
struct Claim<'a> {
    center: String,
    /// The only host that may write the center; null: none claimed.
    writer_host: Option<&'a str>,
    /// The filesystem's kind when it is a network one; null on a local disk.
    network_filesystem: Option<&'static str>,
}
