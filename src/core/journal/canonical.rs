//! Canonical JSON: the exact bytes an entry is hashed over.
//!
//! The form is RFC 8785 (JSON Canonicalization Scheme) restricted so that every JCS
//! implementation agrees byte for byte:
//! - no insignificant whitespace;
//! - object members sorted by the UTF-16 code units of their names (RFC 8785 §3.2.3);
//! - strings escaped as ECMAScript `JSON.stringify` does: `\"`, `\\`, `\b`, `\f`, `\n`, `\r`,
//!   `\t`, other characters below U+0020 as `\u00xx` (lowercase hex), everything else literal;
//! - numbers must be integers within ±(2^53 − 1), written in plain decimal (fractions and
//!   larger magnitudes are refused rather than rounded, so no float formatting is involved).

use serde_json::Value;
use thiserror::Error;

/// Largest integer magnitude a payload may hold (2^53 − 1, exact in every JSON implementation).
pub const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;
/// Deepest nesting of arrays and objects accepted in a payload.
pub const MAX_DEPTH: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CanonicalError {
    #[error("payload field `{path}`: number {number} is not an integer within ±(2^53 − 1)")]
    Number { path: String, number: String },
    #[error("payload field `{path}`: nested deeper than {MAX_DEPTH} levels")]
    TooDeep { path: String },
}

/// Appends the canonical form of `value` to `out`.
pub fn write_canonical(value: &Value, out: &mut String) -> Result<(), CanonicalError> {
    write_value(value, out, "$", 0)
}

/// The canonical form of `value` as a string.
pub fn to_canonical_string(value: &Value) -> Result<String, CanonicalError> {
    let mut out = String::new();
    write_canonical(value, &mut out)?;
    Ok(out)
}

fn write_value(
    value: &Value,
    out: &mut String,
    path: &str,
    depth: usize,
) -> Result<(), CanonicalError> {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(true) => out.push_str("true"),
        Value::Bool(false) => out.push_str("false"),
        Value::Number(number) => write_number(number, out, path)?,
        Value::String(text) => write_string(text, out),
        Value::Array(items) => {
            check_depth(depth, path)?;
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_value(item, out, &format!("{path}[{index}]"), depth + 1)?;
            }
            out.push(']');
        }
        Value::Object(members) => {
            check_depth(depth, path)?;
            let mut names: Vec<&String> = members.keys().collect();
            names.sort_by(|a, b| a.encode_utf16().cmp(b.encode_utf16()));
            out.push('{');
            for (index, name) in names.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_string(name, out);
                out.push(':');
                write_value(
                    &members[name.as_str()],
                    out,
                    &format!("{path}.{name}"),
                    depth + 1,
                )?;
            }
            out.push('}');
        }
    }
    Ok(())
}

fn check_depth(depth: usize, path: &str) -> Result<(), CanonicalError> {
    if depth >= MAX_DEPTH {
        return Err(CanonicalError::TooDeep {
            path: path.to_string(),
        });
    }
    Ok(())
}

fn write_number(
    number: &serde_json::Number,
    out: &mut String,
    path: &str,
) -> Result<(), CanonicalError> {
    let within = |magnitude: u64| magnitude <= MAX_SAFE_INTEGER;
    if let Some(unsigned) = number.as_u64().filter(|n| within(*n)) {
        out.push_str(&unsigned.to_string());
        return Ok(());
    }
    if let Some(signed) = number.as_i64().filter(|n| within(n.unsigned_abs())) {
        out.push_str(&signed.to_string());
        return Ok(());
    }
    Err(CanonicalError::Number {
        path: path.to_string(),
        number: number.to_string(),
    })
}

/// Appends `text` as a JSON string literal with RFC 8785 escaping.
pub fn write_string(text: &str, out: &mut String) {
    out.push('"');
    for ch in text.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sorts_members_and_drops_whitespace() {
        let value = json!({"b": [1, {"z": null, "a": true}], "a": "x"});
        assert_eq!(
            to_canonical_string(&value).unwrap(),
            r#"{"a":"x","b":[1,{"a":true,"z":null}]}"#
        );
    }

    #[test]
    fn sorts_by_utf16_code_units_as_rfc8785_does() {
        // U+1F600 is D83D DE00 in UTF-16, which sorts before U+FB01 (FB01) although its
        // code point is larger.
        let value = json!({"\u{fb01}": 1, "\u{1f600}": 2});
        assert_eq!(
            to_canonical_string(&value).unwrap(),
            "{\"\u{1f600}\":2,\"\u{fb01}\":1}"
        );
    }

    #[test]
    fn escapes_like_json_stringify() {
        let value = json!("q\"b\\\u{8}\u{c}\n\r\t\u{1}\u{7f}é/");
        assert_eq!(
            to_canonical_string(&value).unwrap(),
            "\"q\\\"b\\\\\\b\\f\\n\\r\\t\\u0001\u{7f}é/\""
        );
    }

    #[test]
    fn refuses_fractions_and_unsafe_integers() {
        assert!(
            matches!(to_canonical_string(&json!({"x": 1.5})), Err(CanonicalError::Number { path, .. }) if path == "$.x")
        );
        assert!(to_canonical_string(&json!(MAX_SAFE_INTEGER + 1)).is_err());
        assert_eq!(
            to_canonical_string(&json!(-(MAX_SAFE_INTEGER as i64))).unwrap(),
            "-9007199254740991"
        );
    }

    #[test]
    fn refuses_deep_nesting() {
        let mut value = json!(0);
        for _ in 0..=MAX_DEPTH {
            value = json!([value]);
        }
        assert!(matches!(
            to_canonical_string(&value),
            Err(CanonicalError::TooDeep { .. })
        ));
    }
}
