//! `mfile ui`: serve the read-only web page (src/web/) until Ctrl-C.

use std::net::{Ipv4Addr, SocketAddr, TcpListener};

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::UiArgs;
use crate::web::routes::Site;
use crate::web::server;
use crate::{interrupt, output};

/// The default port, and how many after it are tried when it is taken.
const DEFAULT_PORT: u16 = 8421;
const PORTS_TRIED: u16 = 10;

pub fn run(args: UiArgs, ctx: &Ctx) -> Result<()> {
    // Say now, not at the first request, that there is no center.
    drop(ctx.open_center()?);
    let listener = bind(args.bind)?;
    let addr = listener.local_addr()?;
    if !addr.ip().is_loopback() {
        ctx.out.warn(&format!(
            "listening on {addr}: the page has no login; anyone who can reach this address \
                 can read and download every model file and run in the center"
        ));
    }
    let url = format!("http://{addr}/");
    output::line(&url)?; // stdout carries the URL, for scripts
    ctx.out.note(&format!(
        "serving {} read-only at {url} (Ctrl-C stops)",
        ctx.center_name()
    ));
    if args.open {
        open_in_browser(&url, ctx);
    }
    let opener = ctx.opener();
    let site = Site::new(ctx.user.clone(), Box::new(move || opener.open()), addr);
    server::serve(
        listener,
        site,
        server::Limits::for_this_process(),
        interrupt::requested,
    )?;
    ctx.out.note("stopped");
    Ok(())
}

/// `--bind` exactly, or the first free default port on 127.0.0.1.
fn bind(requested: Option<SocketAddr>) -> Result<TcpListener> {
    if let Some(addr) = requested {
        return TcpListener::bind(addr).with_context(|| format!("could not listen on {addr}"));
    }
    let last = DEFAULT_PORT + PORTS_TRIED - 1;
    for port in DEFAULT_PORT..=last {
        match TcpListener::bind((Ipv4Addr::LOCALHOST, port)) {
            Ok(listener) => return Ok(listener),
            Err(e) if e.kind() == std::io::ErrorKind::AddrInUse => continue,
            Err(e) => return Err(e).with_context(|| format!("could not listen on port {port}")),
        }
    }
    anyhow::bail!(
        "ports {DEFAULT_PORT}-{last} on 127.0.0.1 are all in use; pick one with --bind 127.0.0.1:PORT \
         (port 0 takes any free one)"
    )
}

fn open_in_browser(url: &str, ctx: &Ctx) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else {
        "xdg-open"
    };
    let started = std::process::Command::new(opener)
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    if let Err(e) = started {
        ctx.out.warn(&format!(
            "could not open a browser ({opener}: {e}); open {url} yourself"
        ));
    }
}
