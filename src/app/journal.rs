//! The audit journal as the console shows it: plain data, loaded by the runtime through a
//! [`JournalSource`] (the binary reads `journal.db`; tests hand in rows), so `app` needs no
//! database. Stored text is hostile: it is sanitized once, as it enters the console.

use crate::core::journal::{Head, JournalId};
use crate::core::sanitize::sanitize_line;

/// How many of the newest entries the journal view holds.
pub const RECENT_ENTRIES: usize = 500;

/// Longest text kept from a stored field; the table cuts it further to its column.
const MAX_FIELD: usize = 200;

/// One entry as the journal view lists it. Its fields are private so that every row is built
/// by [`JournalRow::from_stored`], and its text is safe to draw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRow {
    seq: u64,
    ts: String,
    operator: String,
    kind: String,
    subject: String,
}

impl JournalRow {
    /// An entry as the journal stores it, its text sanitized (control characters, escape
    /// sequences and bidi controls become visible placeholders; long text is cut).
    pub fn from_stored(
        seq: u64,
        ts: &str,
        operator: &str,
        kind: &str,
        subject: &str,
    ) -> JournalRow {
        let clean = |text: &str| sanitize_line(text, MAX_FIELD);
        JournalRow {
            seq,
            ts: clean(ts),
            operator: clean(operator),
            kind: clean(kind),
            subject: clean(subject),
        }
    }

    pub fn seq(&self) -> u64 {
        self.seq
    }

    /// The time as stored: canonical RFC 3339 in UTC unless the journal was tampered with.
    pub fn ts(&self) -> &str {
        &self.ts
    }

    pub fn operator(&self) -> &str {
        &self.operator
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    pub fn subject(&self) -> &str {
        &self.subject
    }
}

/// The journal's identity and head, and its newest entries, newest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalSnapshot {
    pub id: JournalId,
    pub head: Head,
    pub recent: Vec<JournalRow>,
}

/// What the console knows of the journal.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum JournalView {
    /// Not read (yet), or nothing to read from.
    #[default]
    Unknown,
    /// The site has no journal yet.
    Empty,
    Loaded(JournalSnapshot),
    /// Reading it failed; the message (sanitized) says why.
    Failed(String),
}

impl JournalView {
    /// The view of a load's outcome.
    pub fn from_load(loaded: Result<Option<JournalSnapshot>, String>) -> JournalView {
        match loaded {
            Ok(Some(snapshot)) => JournalView::Loaded(snapshot),
            Ok(None) => JournalView::Empty,
            Err(message) => JournalView::Failed(sanitize_line(message, MAX_FIELD)),
        }
    }

    /// The entries shown, newest first.
    pub fn rows(&self) -> &[JournalRow] {
        match self {
            JournalView::Loaded(snapshot) => &snapshot.recent,
            _ => &[],
        }
    }

    /// `journal <id8> size <n> head <hex12>`, for the status bar.
    pub fn status_line(&self) -> Option<String> {
        match self {
            JournalView::Loaded(snapshot) => Some(snapshot.head.status_line(snapshot.id)),
            _ => None,
        }
    }
}

/// Where the console reads the journal from.
pub trait JournalSource {
    /// The journal with its newest `limit` entries; `Ok(None)` when the site has no journal.
    fn load(&self, limit: usize) -> Result<Option<JournalSnapshot>, String>;
}
