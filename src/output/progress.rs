//! The one factory for progress bars: hidden under --quiet, --json, or when stderr is not a
//! terminal, so nothing but data ever reaches a pipe.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{Out, stderr_line};

/// Shows waits for the catalog's write lock: one line on stderr once a wait passes a second
/// (unless --quiet; it is not data, so shown under --json like a warning), then a spinner with
/// the time waited, hidden like the bars.
pub struct LockWaits {
    out: Out,
    spinner: Mutex<Option<ProgressBar>>,
}

impl LockWaits {
    pub fn new(out: Out) -> Self {
        LockWaits {
            out,
            spinner: Mutex::new(None),
        }
    }

    /// The wait goes on: `holder` (who holds the lock) may have changed.
    pub fn waiting(&self, catalog: &Path, holder: &str) {
        let Ok(mut spinner) = self.spinner.lock() else {
            return;
        };
        if let Some(bar) = &*spinner {
            bar.set_message(holder.to_string());
            return;
        }
        if !self.out.quiet {
            stderr_line(&format!(
                "mfile: waiting for the catalog {}: {holder} holds its write lock",
                catalog.display(),
            ));
        }
        *spinner = Some(match self.out.bars {
            true => spin(holder),
            false => ProgressBar::hidden(),
        });
    }

    /// The lock was taken, or the wait gave up.
    pub fn done(&self) {
        let bar = self.spinner.lock().ok().and_then(|mut s| s.take());
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
    }
}

fn spin(holder: &str) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{spinner} waiting {elapsed} for {msg}") {
        bar.set_style(style);
    }
    bar.set_message(holder.to_string());
    bar.enable_steady_tick(Duration::from_millis(250));
    bar
}

impl Out {
    /// A bar counting bytes on stderr.
    pub fn bytes_bar(&self, total: u64, message: &str) -> ProgressBar {
        if !self.bars {
            return ProgressBar::hidden();
        }
        let bar =
            ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr_with_hz(10));
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
}
