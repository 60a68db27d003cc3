//! The one factory for progress bars: hidden under --quiet, --json, or when stderr is not a
//! terminal, so nothing but data ever reaches a pipe.

use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::catalog::lock;
use crate::config::Ctx;
use crate::output;

/// Shows waits for the catalog's write lock: one line on stderr once a wait passes a second
/// (unless --quiet; it is not data, so shown under --json like a warning), then a spinner with
/// the time waited, hidden like the bars.
pub fn lock_waits(ctx: &Ctx) {
    let quiet = ctx.quiet;
    let spinner = !ctx.quiet && !ctx.json && ctx.stderr_is_terminal;
    let bar: Mutex<Option<ProgressBar>> = Mutex::new(None);
    lock::on_wait(move |wait| {
        let Ok(mut bar) = bar.lock() else {
            return;
        };
        if wait.done {
            if let Some(bar) = bar.take() {
                bar.finish_and_clear();
            }
            return;
        }
        match &*bar {
            Some(bar) => bar.set_message(wait.holder.describe()),
            None => {
                if !quiet {
                    output::stderr_line(&format!(
                        "mfile: waiting for the catalog {}: {} holds its write lock",
                        wait.catalog.display(),
                        wait.holder.describe()
                    ));
                }
                let new = if spinner {
                    let new = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
                    if let Ok(style) =
                        ProgressStyle::with_template("{spinner} waiting {elapsed} for {msg}")
                    {
                        new.set_style(style);
                    }
                    new.set_message(wait.holder.describe());
                    new.enable_steady_tick(Duration::from_millis(250));
                    new
                } else {
                    ProgressBar::hidden()
                };
                *bar = Some(new);
            }
        }
    });
}

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
