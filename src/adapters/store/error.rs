//! Errors of the state store and the site lock; each names the file it concerns.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("site {site} is in use by {holder}; close it or wait")]
    SiteBusy { site: PathBuf, holder: String },

    #[error("cannot lock {path}: {source}")]
    Lock {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error(
        "{path} is not a SQLite database or is damaged ({source}); restore it from a backup or move it away to rebuild the state"
    )]
    Damaged {
        path: PathBuf,
        #[source]
        source: Box<rusqlite::Error>,
    },

    #[error(
        "{path}: journal_mode is {mode:?} after asking for WAL; the file system may not support WAL"
    )]
    NoWal { path: PathBuf, mode: String },

    #[error(
        "{path} has schema version {found}, newer than this secureupdate knows ({known}); use a newer secureupdate"
    )]
    TooNew {
        path: PathBuf,
        found: i64,
        known: usize,
    },

    #[error("{path}: migration {number} ({name}) failed: {source}")]
    Migration {
        path: PathBuf,
        number: usize,
        name: &'static str,
        #[source]
        source: Box<rusqlite::Error>,
    },

    #[error("{path}: cannot store {kind} record {key}: {source}")]
    Record {
        path: PathBuf,
        kind: &'static str,
        key: String,
        #[source]
        source: Box<rusqlite::Error>,
    },

    #[error("{path}: cannot encode {kind} record {key}: {source}")]
    Encode {
        path: PathBuf,
        kind: &'static str,
        key: String,
        #[source]
        source: serde_json::Error,
    },

    #[error("{path}: nothing was written: {reason}")]
    Aborted { path: PathBuf, reason: String },

    #[error("{path}: bad stored {what}: {detail}")]
    BadRow {
        path: PathBuf,
        what: &'static str,
        detail: String,
    },

    #[error("{path}: cannot {action}: {source}")]
    Sqlite {
        path: PathBuf,
        action: &'static str,
        #[source]
        source: Box<rusqlite::Error>,
    },
}

/// Wraps a SQLite error; damage to the file gets its own, clearer message. A stored
/// value of the wrong type or encoding is damage too: the schema does not allow it.
pub(crate) fn sqlite_error(
    path: &std::path::Path,
    action: &'static str,
    source: rusqlite::Error,
) -> StoreError {
    use rusqlite::ffi::ErrorCode;
    let damaged = matches!(
        source.sqlite_error_code(),
        Some(ErrorCode::NotADatabase | ErrorCode::DatabaseCorrupt)
    ) || matches!(
        source,
        rusqlite::Error::Utf8Error(..)
            | rusqlite::Error::FromSqlConversionFailure(..)
            | rusqlite::Error::InvalidColumnType(..)
            | rusqlite::Error::IntegralValueOutOfRange(..)
    );
    if damaged {
        StoreError::Damaged {
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    } else {
        StoreError::Sqlite {
            path: path.to_path_buf(),
            action,
            source: Box::new(source),
        }
    }
}

/// A record's id in an error message is cut to this length.
pub(crate) const MAX_KEY_CHARS: usize = 120;

/// One line of printable ASCII, at most `max_chars` long: values from feeds or files
/// go into messages only this way, so nothing in them can drive the terminal.
pub(crate) fn printable(value: &str, max_chars: usize) -> String {
    value
        .trim()
        .chars()
        .take(max_chars)
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '?'
            }
        })
        .collect()
}
