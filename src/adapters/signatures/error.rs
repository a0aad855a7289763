//! Why a signed file was refused. Each failure of the check has its own variant and message;
//! [`SignatureError::is_check_failure`] separates them from unreadable or malformed input.

use std::path::PathBuf;

use thiserror::Error;

#[derive(Debug, Error)]
pub enum SignatureError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: cannot pass on what was read (writing its copy failed): {source}")]
    Sink {
        file: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: is larger than {cap} bytes; a minisign signature file is a few hundred")]
    SignatureTooLarge { file: PathBuf, cap: u64 },
    #[error("{file}: line {line}: malformed minisign signature file: {detail}")]
    Malformed {
        file: String,
        line: usize,
        detail: String,
    },
    #[error(
        "no {role} keys are pinned in site.toml [trust]; add one with `secureupdate trust add --role {role} KEY.pub`"
    )]
    NoPinnedKeys { role: &'static str },
    #[error(
        "{signature}: legacy (non-prehashed) minisign signature refused; re-sign with a current minisign (prehashed is its default)"
    )]
    Legacy { signature: String },
    #[error(
        "{signature}: unknown key {key_id}: it is not among the pinned {role} keys ({pinned}); refusing"
    )]
    UnknownKey {
        signature: String,
        key_id: String,
        role: &'static str,
        pinned: String,
    },
    #[error(
        "{file}: bad signature: the content does not match {signature} (key {key_id}); the file was altered, truncated or extended, or the signature belongs to another file"
    )]
    BadSignature {
        file: String,
        signature: String,
        key_id: String,
    },
    #[error("{signature}: the trusted comment was edited after signing (key {key_id}); refusing")]
    CommentEdited { signature: String, key_id: String },
    #[error("{file}: SHA-256 mismatch: expected {expected}, got {actual}")]
    HashMismatch {
        file: String,
        expected: String,
        actual: String,
    },
}

impl SignatureError {
    /// The failure in a few words, for a narrow screen that cannot show the whole message.
    pub fn in_short(&self) -> &'static str {
        match self {
            SignatureError::Read { .. } => "unreadable",
            SignatureError::Sink { .. } => "copy failed",
            SignatureError::SignatureTooLarge { .. } | SignatureError::Malformed { .. } => {
                "malformed signature"
            }
            SignatureError::NoPinnedKeys { .. } => "no pinned keys",
            SignatureError::Legacy { .. } => "legacy signature",
            SignatureError::UnknownKey { .. } => "unknown key",
            SignatureError::BadSignature { .. } => "bad signature",
            SignatureError::CommentEdited { .. } => "trusted comment edited",
            SignatureError::HashMismatch { .. } => "SHA-256 mismatch",
        }
    }

    /// True when the input was read and judged and it failed (exit code 1); false when the input
    /// could not be read or parsed, or the site has no keys to judge it with (exit code 2).
    pub fn is_check_failure(&self) -> bool {
        matches!(
            self,
            SignatureError::Legacy { .. }
                | SignatureError::UnknownKey { .. }
                | SignatureError::BadSignature { .. }
                | SignatureError::CommentEdited { .. }
                | SignatureError::HashMismatch { .. }
        )
    }
}
