//! The audit journal as the console shows it: plain data, loaded by the runtime through a
//! [`JournalSource`] (the binary reads `journal.db`; tests hand in rows), so `app` needs no
//! database.

use crate::core::journal::{Head, JournalId};

/// How many of the newest entries the journal view holds.
pub const RECENT_ENTRIES: usize = 500;

/// One entry as the journal view lists it (text as stored; the renderer cleans it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalRow {
    pub seq: u64,
    pub ts: String,
    pub operator: String,
    pub kind: String,
    pub subject: String,
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
    /// Reading it failed; the message says why.
    Failed(String),
}

impl JournalView {
    /// The view of a load's outcome.
    pub fn from_load(loaded: Result<Option<JournalSnapshot>, String>) -> JournalView {
        match loaded {
            Ok(Some(snapshot)) => JournalView::Loaded(snapshot),
            Ok(None) => JournalView::Empty,
            Err(message) => JournalView::Failed(message),
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
