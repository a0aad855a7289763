//! Reading one TOML file: UTF-8 check, deserialization with the field path of any error,
//! and turning a field path back into a line and column for validation errors.

use std::ops::Range;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_path_to_error::Segment;
use toml::de::{DeTable, DeValue};

use super::error::{ConfigError, FieldPath, Location, PathSegment, Position};

/// A rule the parsed values break, before its place in the file is looked up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Issue {
    pub field: FieldPath,
    pub message: String,
}

impl Issue {
    pub fn new(field: FieldPath, message: impl Into<String>) -> Issue {
        Issue {
            field,
            message: message.into(),
        }
    }
}

/// The text of one site file and the name it is reported under.
pub(crate) struct Document {
    file: String,
    text: String,
}

impl Document {
    /// Reads `path`; errors name it as given.
    pub fn read(path: &Path) -> Result<Document, ConfigError> {
        let file = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| ConfigError::io(&file, "read file", e))?;
        Document::from_bytes(file, bytes)
    }

    pub fn from_bytes(file: String, bytes: Vec<u8>) -> Result<Document, ConfigError> {
        match String::from_utf8(bytes) {
            Ok(text) => Ok(Document { file, text }),
            Err(e) => {
                let valid = e.utf8_error().valid_up_to();
                let bytes = e.as_bytes();
                let byte = bytes.get(valid).copied().unwrap_or_default();
                // The prefix before `valid` is UTF-8, so positions in it are well defined.
                let prefix = String::from_utf8_lossy(&bytes[..valid]);
                Err(ConfigError::Syntax {
                    at: Location {
                        position: Some(position_in(&prefix, valid)),
                        file,
                    },
                    message: format!(
                        "byte 0x{byte:02x} is not valid UTF-8; expected a UTF-8 text file"
                    ),
                })
            }
        }
    }

    /// True when the file holds nothing but whitespace and comments.
    pub fn is_blank(&self) -> bool {
        self.text
            .lines()
            .map(str::trim)
            .all(|line| line.is_empty() || line.starts_with('#'))
    }

    pub fn deserialize<T: DeserializeOwned>(&self) -> Result<T, ConfigError> {
        let deserializer =
            toml::de::Deserializer::parse(&self.text).map_err(|e| ConfigError::Syntax {
                at: self.at(e.span().map(|s| s.start)),
                message: format!("invalid TOML: {}", e.message().trim_end()),
            })?;
        serde_path_to_error::deserialize(deserializer).map_err(|e| {
            let field = field_path(e.path());
            let inner = e.inner();
            let span = narrower(inner.span(), self.span_of(&field));
            ConfigError::Field {
                at: self.at(span.map(|s| s.start)),
                message: inner.message().trim_end().to_string(),
                field,
            }
        })
    }

    /// Like [`Document::deserialize`], and when a key that belongs at the top (`top_level`)
    /// turns up as unknown inside a table, says why: TOML puts every key after a `[table]`
    /// header into that table.
    pub fn deserialize_top_level<T: DeserializeOwned>(
        &self,
        top_level: &[&str],
    ) -> Result<T, ConfigError> {
        self.deserialize().map_err(|error| match error {
            ConfigError::Field {
                at,
                field,
                mut message,
            } => {
                if field.segments().len() > 1
                    && let Some(PathSegment::Key(key)) = field.segments().last()
                    && top_level.contains(&key.as_str())
                    && message.starts_with("unknown field")
                {
                    message.push_str(&format!(
                        "; `{key}` is a top-level key: move it above the first [table] header"
                    ));
                }
                ConfigError::Field { at, field, message }
            }
            other => other,
        })
    }

    /// The error for a broken rule, pointing at the value the issue names (or the nearest
    /// enclosing value that exists in the file).
    pub fn invalid(&self, issue: Issue) -> ConfigError {
        let span = self.span_of(&issue.field);
        ConfigError::Invalid {
            at: self.at(span.map(|s| s.start)),
            field: issue.field,
            message: issue.message,
        }
    }

    fn at(&self, offset: Option<usize>) -> Location {
        Location {
            file: self.file.clone(),
            position: offset.map(|offset| position_in(&self.text, offset)),
        }
    }

    /// The span of the deepest value along `field` that the file spells out.
    fn span_of(&self, field: &FieldPath) -> Option<Range<usize>> {
        let root = DeTable::parse(&self.text).ok()?;
        let mut found: Option<Range<usize>> = None;
        let mut table = root.into_inner();
        let mut current: Option<DeValue<'_>> = None;
        for segment in field.segments() {
            let next = match (segment, &current) {
                (PathSegment::Key(key), None) => table.remove(key.as_str()),
                (PathSegment::Key(key), Some(DeValue::Table(t))) => t.get(key.as_str()).cloned(),
                (PathSegment::Index(i), Some(DeValue::Array(a))) => a.get(*i).cloned(),
                _ => None,
            };
            let Some(next) = next else { break };
            found = Some(next.span());
            current = Some(next.into_inner());
        }
        found
    }
}

/// toml sometimes reports the enclosing array for an element's error, while the path names
/// the element; for an unknown field toml's span is the key, which reads best.
fn narrower(reported: Option<Range<usize>>, by_path: Option<Range<usize>>) -> Option<Range<usize>> {
    match (reported, by_path) {
        (Some(reported), Some(by_path))
            if reported.start <= by_path.start && by_path.end <= reported.end =>
        {
            Some(by_path)
        }
        (reported, by_path) => reported.or(by_path),
    }
}

fn field_path(path: &serde_path_to_error::Path) -> FieldPath {
    path.iter()
        .fold(FieldPath::root(), |field, segment| match segment {
            Segment::Seq { index } => field.index(*index),
            Segment::Map { key } => field.key(key.clone()),
            Segment::Enum { variant } => field.key(variant.clone()),
            Segment::Unknown => field,
        })
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
fn position_in(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() + 1,
        column: before[line_start..].chars().count() + 1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_one_based_and_count_characters() {
        let text = "a = 1\nbé = \"x\"\n";
        assert_eq!(position_in(text, 0), Position { line: 1, column: 1 });
        let quote = text.find('"').unwrap();
        assert_eq!(position_in(text, quote), Position { line: 2, column: 6 });
    }
}
