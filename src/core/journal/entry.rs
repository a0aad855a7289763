//! What a journal entry says: when, who, what kind of event, about what, and the details.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use thiserror::Error;

use super::canonical::{CanonicalError, to_canonical_string, write_string};

/// Largest canonical payload accepted, in bytes.
pub const MAX_PAYLOAD_BYTES: usize = 64 * 1024;
/// Longest subject accepted, in bytes.
pub const MAX_SUBJECT_BYTES: usize = 512;

/// What happened. Operator decisions are signed by the operator; machine events are only
/// chained and covered by checkpoints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    Approve,
    Proceed,
    Skip,
    Abort,
    Rollback,
    FeedImport,
    FeedOverride,
    Note,
    KeyRotation,
    TrustChange,
    RolloutStarted,
    RolloutFinished,
    StepStarted,
    StepFinished,
    OutputDigest,
}

impl EntryKind {
    pub const ALL: [EntryKind; 15] = [
        EntryKind::Approve,
        EntryKind::Proceed,
        EntryKind::Skip,
        EntryKind::Abort,
        EntryKind::Rollback,
        EntryKind::FeedImport,
        EntryKind::FeedOverride,
        EntryKind::Note,
        EntryKind::KeyRotation,
        EntryKind::TrustChange,
        EntryKind::RolloutStarted,
        EntryKind::RolloutFinished,
        EntryKind::StepStarted,
        EntryKind::StepFinished,
        EntryKind::OutputDigest,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::Approve => "approve",
            EntryKind::Proceed => "proceed",
            EntryKind::Skip => "skip",
            EntryKind::Abort => "abort",
            EntryKind::Rollback => "rollback",
            EntryKind::FeedImport => "feed_import",
            EntryKind::FeedOverride => "feed_override",
            EntryKind::Note => "note",
            EntryKind::KeyRotation => "key_rotation",
            EntryKind::TrustChange => "trust_change",
            EntryKind::RolloutStarted => "rollout_started",
            EntryKind::RolloutFinished => "rollout_finished",
            EntryKind::StepStarted => "step_started",
            EntryKind::StepFinished => "step_finished",
            EntryKind::OutputDigest => "output_digest",
        }
    }

    /// Operator decisions must carry the deciding operator's signature.
    pub fn is_decision(self) -> bool {
        !matches!(
            self,
            EntryKind::RolloutStarted
                | EntryKind::RolloutFinished
                | EntryKind::StepStarted
                | EntryKind::StepFinished
                | EntryKind::OutputDigest
        )
    }
}

impl fmt::Display for EntryKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EntryKind {
    type Err = EntryError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        EntryKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == text)
            .ok_or_else(|| EntryError::Kind(text.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EntryError {
    #[error(
        "operator `{0}`: expected 1-64 characters from A-Z a-z 0-9 . _ - starting with a letter or digit"
    )]
    Operator(String),
    #[error("subject: expected at most {MAX_SUBJECT_BYTES} bytes without control characters")]
    Subject,
    #[error("timestamp {0}: expected a year from 0000 to 9999")]
    Timestamp(String),
    #[error("unknown entry kind `{0}`")]
    Kind(String),
    #[error(transparent)]
    Payload(#[from] CanonicalError),
    #[error("payload: canonical form is {0} bytes, more than the {MAX_PAYLOAD_BYTES} allowed")]
    PayloadTooLarge(usize),
}

/// A validated entry before it is placed in the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    ts: String,
    operator: String,
    kind: EntryKind,
    subject: String,
    payload: String,
}

impl NewEntry {
    /// Validates the fields; the timestamp is kept to the millisecond.
    pub fn new(
        ts: DateTime<Utc>,
        operator: &str,
        kind: EntryKind,
        subject: &str,
        payload: &Value,
    ) -> Result<Self, EntryError> {
        validate_operator(operator)?;
        if subject.len() > MAX_SUBJECT_BYTES || subject.chars().any(char::is_control) {
            return Err(EntryError::Subject);
        }
        let payload = to_canonical_string(payload)?;
        if payload.len() > MAX_PAYLOAD_BYTES {
            return Err(EntryError::PayloadTooLarge(payload.len()));
        }
        let ts = format_timestamp(ts);
        if !is_canonical_timestamp(&ts) {
            return Err(EntryError::Timestamp(ts));
        }
        Ok(NewEntry {
            ts,
            operator: operator.to_string(),
            kind,
            subject: subject.to_string(),
            payload,
        })
    }

    pub fn ts(&self) -> &str {
        &self.ts
    }
    pub fn operator(&self) -> &str {
        &self.operator
    }
    pub fn kind(&self) -> EntryKind {
        self.kind
    }
    pub fn subject(&self) -> &str {
        &self.subject
    }
    /// The payload in canonical JSON.
    pub fn payload(&self) -> &str {
        &self.payload
    }

    pub fn canonical_bytes(&self) -> Vec<u8> {
        canonical_entry_bytes(
            &self.ts,
            &self.operator,
            self.kind.as_str(),
            &self.subject,
            &self.payload,
        )
    }
}

/// `[A-Za-z0-9][A-Za-z0-9._-]{0,63}`, the operator name rule of site.toml.
pub fn validate_operator(name: &str) -> Result<(), EntryError> {
    let bytes = name.as_bytes();
    let allowed = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    let ok = !bytes.is_empty()
        && bytes.len() <= 64
        && bytes[0].is_ascii_alphanumeric()
        && bytes.iter().all(allowed);
    if ok {
        Ok(())
    } else {
        Err(EntryError::Operator(name.to_string()))
    }
}

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-20T02:00:00.000Z`: fixed width, so text
/// order is time order.
pub fn format_timestamp(ts: DateTime<Utc>) -> String {
    ts.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Whether `text` is exactly what [`format_timestamp`] writes: `YYYY-MM-DDTHH:MM:SS.mmmZ`
/// naming a real date and time. (Checked without allocating: it runs for every entry.)
pub fn is_canonical_timestamp(text: &str) -> bool {
    const PATTERN: &[u8; 24] = b"dddd-dd-ddTdd:dd:dd.dddZ";
    let bytes = text.as_bytes();
    if bytes.len() != PATTERN.len() {
        return false;
    }
    let shaped = bytes.iter().zip(PATTERN).all(|(b, p)| {
        if *p == b'd' {
            b.is_ascii_digit()
        } else {
            b == p
        }
    });
    let number = |range: std::ops::Range<usize>| {
        bytes[range]
            .iter()
            .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'))
    };
    shaped
        && NaiveDate::from_ymd_opt(number(0..4) as i32, number(5..7), number(8..10)).is_some()
        && number(11..13) < 24
        && number(14..16) < 60
        && number(17..19) < 60
}

/// The canonical JSON of an entry: the RFC 8785 form of
/// `{"kind":…,"operator":…,"payload":…,"subject":…,"ts":…}` (members already in sorted
/// order), where `payload` is already canonical JSON text and is copied as is.
pub fn canonical_entry_bytes(
    ts: &str,
    operator: &str,
    kind: &str,
    subject: &str,
    payload: &str,
) -> Vec<u8> {
    let mut out =
        String::with_capacity(64 + ts.len() + operator.len() + subject.len() + payload.len());
    write_canonical_entry(&mut out, ts, operator, kind, subject, payload);
    out.into_bytes()
}

/// As [`canonical_entry_bytes`], into `out` (cleared first), so a loop can reuse one buffer.
pub fn write_canonical_entry(
    out: &mut String,
    ts: &str,
    operator: &str,
    kind: &str,
    subject: &str,
    payload: &str,
) {
    out.clear();
    out.push_str("{\"kind\":");
    write_string(kind, out);
    out.push_str(",\"operator\":");
    write_string(operator, out);
    out.push_str(",\"payload\":");
    out.push_str(payload);
    out.push_str(",\"subject\":");
    write_string(subject, out);
    out.push_str(",\"ts\":");
    write_string(ts, out);
    out.push('}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 123_456_789).unwrap()
    }

    #[test]
    fn canonical_bytes_match_rfc8785_of_the_whole_entry() {
        let entry = NewEntry::new(
            at(0),
            "alice",
            EntryKind::Approve,
            "plan 9f",
            &json!({"z": 1, "a": [true]}),
        )
        .unwrap();
        let whole = json!({"ts": entry.ts(), "operator": "alice", "kind": "approve", "subject": "plan 9f", "payload": {"a": [true], "z": 1}});
        assert_eq!(
            entry.canonical_bytes(),
            to_canonical_string(&whole).unwrap().into_bytes()
        );
        assert_eq!(entry.ts(), "1970-01-01T00:00:00.123Z");
    }

    #[test]
    fn refuses_bad_operators_and_subjects() {
        for bad in ["", "-x", "a b", "é", &"a".repeat(65)] {
            assert!(
                NewEntry::new(at(0), bad, EntryKind::Note, "", &json!({})).is_err(),
                "{bad:?}"
            );
        }
        assert_eq!(
            NewEntry::new(at(0), "a", EntryKind::Note, "x\u{1b}[2J", &json!({})),
            Err(EntryError::Subject)
        );
    }

    #[test]
    fn refuses_oversized_payloads() {
        let big = json!({"text": "x".repeat(MAX_PAYLOAD_BYTES)});
        assert!(matches!(
            NewEntry::new(at(0), "a", EntryKind::Note, "", &big),
            Err(EntryError::PayloadTooLarge(_))
        ));
    }

    #[test]
    fn kinds_round_trip_and_split_into_decisions_and_machine_events() {
        for kind in EntryKind::ALL {
            assert_eq!(kind.as_str().parse::<EntryKind>().unwrap(), kind);
            assert_eq!(serde_json::to_value(kind).unwrap(), json!(kind.as_str()));
        }
        assert!(EntryKind::Skip.is_decision());
        assert!(!EntryKind::OutputDigest.is_decision());
    }

    #[test]
    fn timestamps_are_canonical_only_in_the_written_form() {
        assert!(is_canonical_timestamp("2026-11-20T02:00:00.000Z"));
        assert!(!is_canonical_timestamp("2026-11-20T02:00:00Z"));
        assert!(!is_canonical_timestamp("2026-11-20T03:00:00.000+01:00"));
    }
}
