//! Errors of the journal adapter. Each names the file it concerns.

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::core::journal::entry::EntryError;

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("{path}: {source}")]
    Sqlite {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error(
        "{path}: the database is damaged ({detail}); restore it from a backup and verify it against your last anchor"
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("{path}: journal_mode is `{mode}`, expected `wal`")]
    NotWal { path: PathBuf, mode: String },
    #[error("{path}: schema version {found} is newer than this program knows ({known})")]
    TooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error("{path} already exists; a journal is never created over an existing file")]
    Exists { path: PathBuf },
    #[error("{path} does not exist")]
    NotFound { path: PathBuf },
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("cannot draw a random journal id: {0}")]
    Random(String),
    #[error(transparent)]
    Entry(#[from] EntryError),
    #[error("`{kind}` is an operator decision: append it signed with append_decision")]
    DecisionNeedsSignature { kind: &'static str },
    #[error(
        "`{kind}` is not a machine event: machine events are step_started, step_finished, output_digest, rollout_started, rollout_finished"
    )]
    NotMachineEvent { kind: &'static str },
    #[error(
        "{path}: the journal does not verify (entry {seq}: {message}); see `secureupdate journal verify`"
    )]
    NotIntact {
        path: PathBuf,
        seq: u64,
        message: String,
    },
    #[error("entry is by `{entry}` but the key loaded is `{signer}`'s")]
    SignerMismatch { entry: String, signer: String },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("{path}: line {line}: {message}")]
    Export {
        path: String,
        line: usize,
        message: String,
    },
}

#[derive(Debug, Error)]
pub enum KeyError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{path} already exists; refusing to overwrite a key")]
    Exists { path: PathBuf },
    #[error("{origin}: not a minisign {what}: {detail}")]
    Format {
        origin: String,
        what: &'static str,
        detail: String,
    },
    #[error("{path}: cannot unlock the secret key: {detail}")]
    Unlock { path: PathBuf, detail: String },
    #[error("a password must not be empty; use an unencrypted key for training and tests")]
    EmptyPassword,
    #[error("{path} is password-protected and {detail}")]
    NoPassword { path: PathBuf, detail: String },
    #[error("key generation failed: {0}")]
    Generate(String),
    #[error("signing failed: {0}")]
    Sign(String),
    #[error(transparent)]
    Comment(#[from] crate::core::journal::checkpoint::TrustedCommentError),
}

pub type Result<T, E = JournalError> = std::result::Result<T, E>;
