//! Why a feed bundle could not be built or was refused.

use std::path::PathBuf;

use thiserror::Error;

use crate::adapters::feeds::FeedError;
use crate::adapters::signatures::SignatureError;
use crate::core::feed_bundle::BundleRefusal;

#[derive(Debug, Error)]
pub enum BundleError {
    #[error("{file}: {source}")]
    Io {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{dir}: {detail}")]
    BadDirectory { dir: PathBuf, detail: String },
    #[error("{file}: bad manifest: {detail}")]
    Manifest { file: String, detail: String },
    #[error("{file}: {detail}")]
    BadRequest { file: String, detail: String },
    #[error("{file}: unsafe name in the bundle; expected ^[A-Za-z0-9][A-Za-z0-9._-]{{0,127}}$")]
    UnsafeName { file: String },
    #[error("{file}: is a symbolic link; a bundle holds regular files only")]
    Symlink { file: String },
    #[error("{file}: is not a regular file (a device, FIFO, socket or folder); refused")]
    NotRegular { file: String },
    #[error("{file}: is not listed in the manifest; a bundle holds nothing unlisted")]
    Unlisted { file: String },
    #[error("{file}: listed in the manifest but missing from the bundle")]
    Missing { file: String },
    #[error(
        "{file}: longer than the {declared} bytes the manifest declares (endless data); refused"
    )]
    TooLong { file: String, declared: u64 },
    #[error("{file}: {actual} bytes, but the manifest declares {declared}")]
    TooShort {
        file: String,
        declared: u64,
        actual: u64,
    },
    #[error(
        "{file}: SHA-256 {actual} differs from the manifest's {expected} (a file from another bundle, or altered)"
    )]
    HashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
    #[error(
        "{file}: the signed trusted comment `{found}` does not match the manifest (`{expected}`)"
    )]
    CommentMismatch {
        file: String,
        expected: String,
        found: String,
    },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(transparent)]
    Feed(#[from] FeedError),
    #[error(transparent)]
    Refused(#[from] BundleRefusal),
}

impl BundleError {
    /// True when the bundle was judged and refused (exit code 1); false when the input could
    /// not be read or the request is wrong (exit code 2).
    pub fn is_check_failure(&self) -> bool {
        match self {
            BundleError::Io { .. }
            | BundleError::BadDirectory { .. }
            | BundleError::BadRequest { .. } => false,
            BundleError::Signature(e) => e.is_check_failure(),
            _ => true,
        }
    }
}
