//! The few failures that choose an exit code other than 1 (see docs/exit-codes.md).

use std::io;

use thiserror::Error;

pub const SUCCESS: i32 = 0;
pub const FAILURE: i32 = 1;
pub const USAGE: i32 = 2;
pub const INTERRUPTED: i32 = 130;

#[derive(Debug, Error)]
pub enum Exit {
    /// Bad usage or invalid input (a name, a path, a glob, a flag combination): exit 2.
    #[error("{0}")]
    Usage(String),
    /// Stopped by Ctrl-C: exit 130.
    #[error("interrupted")]
    Interrupted,
    /// `mfile track`: the tracked command failed; mfile exits with its code.
    #[error("{message}")]
    Child { code: i32, message: String },
}

/// An error that exits with code 2.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    Exit::Usage(message.into()).into()
}

/// The exit code an error maps to: the first [`Exit`] in its chain decides, anything else is 1.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        match cause.downcast_ref::<Exit>() {
            Some(Exit::Usage(_)) => return USAGE,
            Some(Exit::Interrupted) => return INTERRUPTED,
            Some(Exit::Child { code, .. }) => return *code,
            None => {}
        }
    }
    FAILURE
}

/// True when the error is stdout closing under us (`mfile scan | head`): exit quietly then.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        let kind = match cause.downcast_ref::<io::Error>() {
            Some(e) => Some(e.kind()),
            None => cause
                .downcast_ref::<serde_json::Error>()
                .and_then(serde_json::Error::io_error_kind),
        };
        kind == Some(io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn usage_errors_exit_2_even_when_wrapped() {
        let err = Err::<(), _>(usage("bad name"))
            .context("could not import")
            .unwrap_err();
        assert_eq!(exit_code(&err), USAGE);
        assert_eq!(format!("{err:#}"), "could not import: bad name");
    }

    #[test]
    fn other_errors_exit_1_and_interrupts_130() {
        assert_eq!(exit_code(&anyhow::anyhow!("disk on fire")), FAILURE);
        assert_eq!(exit_code(&Exit::Interrupted.into()), INTERRUPTED);
    }

    #[test]
    fn broken_pipe_is_recognised_through_context() {
        let err = anyhow::Error::from(io::Error::from(io::ErrorKind::BrokenPipe)).context("write");
        assert!(is_broken_pipe(&err));
        assert!(!is_broken_pipe(&anyhow::anyhow!("other")));
        let json = serde_json::Error::io(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::from(json)));
    }
}
