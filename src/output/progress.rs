//! The one factory for progress bars: hidden under --quiet, --json, or when stderr is not a
//! terminal, so nothing but data ever reaches a pipe.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::config::Ctx;

/// A bar counting bytes on stderr.
pub fn bytes(ctx: &Ctx, total: u64, message: &str) -> ProgressBar {
    if ctx.quiet || ctx.json || !ctx.stderr_is_terminal {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(10));
    let style = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
    )
    .map(|s| s.progress_chars("=> "));
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}
