//! Errors from reading a site: each names the file, the line and column when the problem sits
//! in the file, the field, and what is expected.

use std::fmt;
use std::io;

use thiserror::Error;

/// A 1-based line and column in a file (columns count characters, not bytes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

/// A file as the operator named it, and where in it the problem is, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub file: String,
    pub position: Option<Position>,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(Position { line, column }) => write!(f, "{}:{line}:{column}", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// One step into a TOML document: a table key or an array index (0-based).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathSegment {
    Key(String),
    Index(usize),
}

/// Where a value lives in a document, shown like `asset[3].environment`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldPath(Vec<PathSegment>);

impl FieldPath {
    /// The document itself.
    pub fn root() -> FieldPath {
        FieldPath(Vec::new())
    }

    pub fn key(mut self, key: impl Into<String>) -> FieldPath {
        self.0.push(PathSegment::Key(key.into()));
        self
    }

    pub fn index(mut self, index: usize) -> FieldPath {
        self.0.push(PathSegment::Index(index));
        self
    }

    pub fn segments(&self) -> &[PathSegment] {
        &self.0
    }

    pub fn is_root(&self) -> bool {
        self.0.is_empty()
    }

    /// `"asset[3].name: "`, or nothing for the document itself, so messages read naturally.
    fn as_prefix(&self) -> String {
        if self.is_root() {
            String::new()
        } else {
            format!("{self}: ")
        }
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, segment) in self.0.iter().enumerate() {
            match segment {
                PathSegment::Index(index) => write!(f, "[{index}]")?,
                PathSegment::Key(key) => {
                    if i > 0 {
                        f.write_str(".")?;
                    }
                    let bare = !key.is_empty()
                        && key
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                    if bare {
                        f.write_str(key)?;
                    } else {
                        write!(f, "\"{}\"", key.escape_debug())?;
                    }
                }
            }
        }
        Ok(())
    }
}

#[derive(Debug, Error)]
pub enum ConfigError {
    /// A file or directory could not be read or written.
    #[error("{path}: cannot {action}: {error}")]
    Io {
        path: String,
        action: &'static str,
        error: io::Error,
    },
    /// The file is not valid UTF-8 or not valid TOML.
    #[error("{at}: {message}")]
    Syntax { at: Location, message: String },
    /// A value has the wrong type or shape: unknown field, wrong enum value, missing field.
    #[error("{at}: {}{message}", field.as_prefix())]
    Field {
        at: Location,
        field: FieldPath,
        message: String,
    },
    /// The file parses but breaks a rule: duplicate names, missing key files, gaps in the
    /// decision table.
    #[error("{at}: {}{message}", field.as_prefix())]
    Invalid {
        at: Location,
        field: FieldPath,
        message: String,
    },
    #[error(
        "{dir}: not a SecureUPDATE site: {missing} is missing; create a site with `secureupdate init DIR` or pass --site"
    )]
    NotASite { dir: String, missing: String },
    #[error(
        "{dir}: refusing to write into a directory that is not empty; choose a new or empty directory"
    )]
    DirectoryNotEmpty { dir: String },
    #[error("{dir}: refusing to write `{entry}`: expected a relative path without `..`")]
    UnsafeEntry { dir: String, entry: String },
    #[error(
        "no site directory: pass --site DIR or set SECUREUPDATE_SITE (there is no home directory to derive a default from)"
    )]
    NoSiteDir,
}

impl ConfigError {
    pub(crate) fn io(path: impl fmt::Display, action: &'static str, error: io::Error) -> Self {
        ConfigError::Io {
            path: path.to_string(),
            action,
            error,
        }
    }

    /// Where in which file the problem is, for errors that come from a file's content.
    pub fn location(&self) -> Option<&Location> {
        match self {
            ConfigError::Syntax { at, .. }
            | ConfigError::Field { at, .. }
            | ConfigError::Invalid { at, .. } => Some(at),
            _ => None,
        }
    }

    /// The field the problem is in, when there is one.
    pub fn field(&self) -> Option<&FieldPath> {
        match self {
            ConfigError::Field { field, .. } | ConfigError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}
