//! Exit codes (DESIGN.md §3): 0 success, 1 a check failed, 2 bad input or usage.

use std::fmt;

/// Marks an error as the operator's input being wrong: the command exits with code 2.
#[derive(Debug)]
pub struct BadInput(pub Box<dyn std::error::Error + Send + Sync + 'static>);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for BadInput {}

/// Wraps `error` so that it exits with code 2.
pub fn bad_input<E: std::error::Error + Send + Sync + 'static>(error: E) -> anyhow::Error {
    anyhow::Error::new(BadInput(Box::new(error)))
}

/// A command-line value that is not what it should be.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Usage(pub String);

/// A usage error (exit code 2) with `message`.
pub fn usage(message: impl Into<String>) -> anyhow::Error {
    bad_input(Usage(message.into()))
}

pub const SUCCESS: u8 = 0;
pub const BAD_INPUT: u8 = 2;
/// Anything else that went wrong (I/O, a corrupt store): also reported, never a panic.
pub const FAILURE: u8 = 1;

/// The exit code for an error that reached `main`.
pub fn code_for(error: &anyhow::Error) -> u8 {
    if error.chain().any(|cause| cause.is::<BadInput>()) {
        BAD_INPUT
    } else {
        FAILURE
    }
}
