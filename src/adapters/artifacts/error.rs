//! Why an artifact was not admitted into the store.

use std::path::PathBuf;

use thiserror::Error;

use crate::adapters::signatures::SignatureError;

#[derive(Debug, Error)]
pub enum ArtifactError {
    #[error(
        "site.toml [trust] artifact_sources is empty: no directory is vetted for artifacts; add the directory patches are delivered to"
    )]
    NoSources,
    #[error("artifact source {path}: {detail}")]
    BadSource { path: PathBuf, detail: String },
    #[error(
        "{path}: not under a vetted artifact source (after resolving links it is {resolved}); allowed: {allowed}"
    )]
    NotInSources {
        path: PathBuf,
        resolved: PathBuf,
        allowed: String,
    },
    #[error("{path}: is not a regular file; artifacts must be plain files")]
    NotRegular { path: PathBuf },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Signature(#[from] SignatureError),
    #[error(
        "{path}: the stored copy has SHA-256 {actual}, not the verified {expected}; the copy was removed (failing disk?)"
    )]
    CopyMismatch {
        path: PathBuf,
        expected: String,
        actual: String,
    },
}

impl ArtifactError {
    /// The failure in a few words, for a narrow screen that cannot show the whole message.
    pub fn in_short(&self) -> &'static str {
        match self {
            ArtifactError::Signature(e) => e.in_short(),
            ArtifactError::NoSources => "no artifact sources",
            ArtifactError::BadSource { .. } => "bad artifact source",
            ArtifactError::NotInSources { .. } => "not in a vetted source",
            ArtifactError::NotRegular { .. } => "not a regular file",
            ArtifactError::Io { .. } => "unreadable",
            ArtifactError::CopyMismatch { .. } => "stored copy mismatch",
        }
    }

    /// True when the artifact was judged and refused (exit code 1); false for unreadable input
    /// or a site that cannot judge it (exit code 2).
    pub fn is_check_failure(&self) -> bool {
        match self {
            ArtifactError::Signature(e) => e.is_check_failure(),
            ArtifactError::NotInSources { .. }
            | ArtifactError::NotRegular { .. }
            | ArtifactError::CopyMismatch { .. } => true,
            ArtifactError::NoSources
            | ArtifactError::BadSource { .. }
            | ArtifactError::Io { .. } => false,
        }
    }
}
