//! Ctrl-C: the first press asks long loops to stop at the next file boundary (so temp files are
//! removed and the catalog stays consistent); a press during a prompt, or a second press, exits.

use std::sync::atomic::{AtomicBool, Ordering};

use crate::error::{Exit, INTERRUPTED};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static PROMPTING: AtomicBool = AtomicBool::new(false);

pub fn install() {
    // Failing to install only means Ctrl-C kills us the default way; nothing to report.
    let _ = ctrlc::set_handler(|| {
        if REQUESTED.swap(true, Ordering::SeqCst) || PROMPTING.load(Ordering::SeqCst) {
            std::process::exit(INTERRUPTED);
        }
    });
}

/// Returns `Err(Interrupted)` once Ctrl-C was pressed.
pub fn check() -> anyhow::Result<()> {
    if REQUESTED.load(Ordering::Relaxed) {
        return Err(Exit::Interrupted.into());
    }
    Ok(())
}

/// True once Ctrl-C was pressed (for loops that stop cleanly rather than fail, like a server).
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// Marks the span of a blocking prompt, where Ctrl-C should exit at once.
pub fn while_prompting<T>(f: impl FnOnce() -> T) -> T {
    PROMPTING.store(true, Ordering::SeqCst);
    let result = f();
    PROMPTING.store(false, Ordering::SeqCst);
    result
}
