//! Errors from reading and parsing threat feeds. Every variant names the file (as the
//! operator sees it, e.g. `feeds/kev/known_exploited_vulnerabilities.json`) and, where the
//! format allows, the line or the JSON path of the offending value.

use thiserror::Error;

#[derive(Debug, Error)]
pub enum FeedError {
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{file}: {size} bytes is more than the {cap}-byte limit for one {what} file")]
    TooLarge {
        file: String,
        size: u64,
        cap: u64,
        what: &'static str,
    },
    #[error("{file}: is a symbolic link; feeds/ may hold only regular files and folders")]
    Symlink { file: String },
    #[error("{file}: is not a regular file or folder; feeds/ may hold only those")]
    NotRegular { file: String },
    #[error(
        "{file}: the feed holds more than {cap} entries or nests folders deeper than {depth}; refusing to read on"
    )]
    TooMany {
        file: String,
        cap: usize,
        depth: usize,
    },
    #[error("{file}:{line}:{column}: not valid JSON: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    #[error("{file}: {path}: {message}")]
    Field {
        file: String,
        path: String,
        message: String,
    },
    #[error("{file}:{line}: {message}")]
    Line {
        file: String,
        line: usize,
        message: String,
    },
}

impl FeedError {
    /// The file the error is about.
    pub fn file(&self) -> &str {
        match self {
            FeedError::Read { file, .. }
            | FeedError::TooLarge { file, .. }
            | FeedError::Symlink { file }
            | FeedError::NotRegular { file }
            | FeedError::TooMany { file, .. }
            | FeedError::Syntax { file, .. }
            | FeedError::Field { file, .. }
            | FeedError::Line { file, .. } => file,
        }
    }
}
