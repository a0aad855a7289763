//! Walking a parsed JSON document while keeping the path to each value, so that an error
//! can say `vulnerabilities[12].dateAdded` instead of just "invalid".

use serde_json::{Map, Value};

use super::error::FeedError;
use super::ids::shown;
use crate::core::sanitize::sanitize_line;

/// Parses `bytes` as JSON; a syntax error (including a truncated file) names line and column.
pub(crate) fn parse(bytes: &[u8], file: &str) -> Result<Value, FeedError> {
    serde_json::from_slice(bytes).map_err(|e| {
        let full = e.to_string();
        let suffix = format!(" at line {} column {}", e.line(), e.column());
        let mut message = full.strip_suffix(&suffix).unwrap_or(&full).to_string();
        if e.is_eof() {
            message.push_str(" (the file ends early: truncated?)");
        }
        FeedError::Syntax {
            file: file.to_string(),
            line: e.line(),
            column: e.column(),
            message,
        }
    })
}

/// Where a value sits: the file and the JSON path inside it.
#[derive(Debug, Clone)]
pub(crate) struct At<'f> {
    file: &'f str,
    path: String,
}

impl<'f> At<'f> {
    pub(crate) fn root(file: &'f str) -> Self {
        At {
            file,
            path: String::new(),
        }
    }

    pub(crate) fn key(&self, key: &str) -> At<'f> {
        let path = if self.path.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.path)
        };
        At {
            file: self.file,
            path,
        }
    }

    pub(crate) fn index(&self, i: usize) -> At<'f> {
        At {
            file: self.file,
            path: format!("{}[{i}]", self.path),
        }
    }

    pub(crate) fn error(&self, message: impl Into<String>) -> FeedError {
        FeedError::Field {
            file: self.file.to_string(),
            path: if self.path.is_empty() {
                "(top level)".to_string()
            } else {
                self.path.clone()
            },
            // Messages quote feed values; make sure none reaches a terminal raw.
            message: sanitize_line(message.into(), 1000),
        }
    }

    /// "expected X, got Y" for a value of the wrong kind or form.
    pub(crate) fn expected(&self, what: &str, got: &Value) -> FeedError {
        self.error(format!("expected {what}, got {}", describe(got)))
    }

    pub(crate) fn object<'v>(&self, v: &'v Value) -> Result<&'v Map<String, Value>, FeedError> {
        v.as_object().ok_or_else(|| self.expected("an object", v))
    }

    pub(crate) fn array<'v>(&self, v: &'v Value) -> Result<&'v Vec<Value>, FeedError> {
        v.as_array().ok_or_else(|| self.expected("an array", v))
    }

    pub(crate) fn string<'v>(&self, v: &'v Value) -> Result<&'v str, FeedError> {
        v.as_str().ok_or_else(|| self.expected("a string", v))
    }

    /// The member `key` of `obj`, which must be present and not null.
    pub(crate) fn required<'v>(
        &self,
        obj: &'v Map<String, Value>,
        key: &str,
    ) -> Result<(&'v Value, At<'f>), FeedError> {
        let at = self.key(key);
        match obj.get(key) {
            None | Some(Value::Null) => Err(at.error("missing; it is required")),
            Some(v) => Ok((v, at)),
        }
    }

    pub(crate) fn required_str<'v>(
        &self,
        obj: &'v Map<String, Value>,
        key: &str,
    ) -> Result<(&'v str, At<'f>), FeedError> {
        let (v, at) = self.required(obj, key)?;
        Ok((at.string(v)?, at))
    }

    /// The member `key` of `obj` when present and not null.
    pub(crate) fn optional<'v>(
        &self,
        obj: &'v Map<String, Value>,
        key: &str,
    ) -> Option<(&'v Value, At<'f>)> {
        match obj.get(key) {
            None | Some(Value::Null) => None,
            Some(v) => Some((v, self.key(key))),
        }
    }

    /// The elements of an optional array member; absent or null is empty.
    pub(crate) fn optional_array<'v>(
        &self,
        obj: &'v Map<String, Value>,
        key: &str,
    ) -> Result<Vec<(&'v Value, At<'f>)>, FeedError> {
        match self.optional(obj, key) {
            None => Ok(Vec::new()),
            Some((v, at)) => Ok(at
                .array(v)?
                .iter()
                .enumerate()
                .map(|(i, item)| (item, at.index(i)))
                .collect()),
        }
    }
}

/// A short, safe description of a JSON value for an error message.
pub(crate) fn describe(v: &Value) -> String {
    match v {
        Value::Null => "null".to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => shown(&n.to_string()),
        Value::String(s) => format!("\"{}\"", shown(s)),
        Value::Array(_) => "an array".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}
