//! The engine's journal port on the audit journal: decisions signed with the deploying
//! operator's key, machine events chained. Timestamps are taken here, at the edge.

use chrono::Utc;
use serde_json::Value;

use crate::adapters::journal::{Journal, OperatorSigner};
use crate::core::journal::{EntryKind, NewEntry};
use crate::engine::{PortError, RunJournal};

pub struct RolloutJournal {
    journal: Journal,
    signer: OperatorSigner,
}

impl RolloutJournal {
    /// Entries are written as `signer`'s operator.
    pub fn new(journal: Journal, signer: OperatorSigner) -> Self {
        RolloutJournal { journal, signer }
    }

    fn entry(
        &self,
        kind: EntryKind,
        subject: &str,
        payload: &Value,
    ) -> Result<NewEntry, PortError> {
        NewEntry::new(Utc::now(), self.signer.operator(), kind, subject, payload)
            .map_err(|e| PortError(format!("journal entry {kind}: {e}")))
    }
}

impl RunJournal for RolloutJournal {
    fn decision(
        &mut self,
        kind: EntryKind,
        subject: &str,
        payload: Value,
    ) -> Result<(), PortError> {
        let entry = self.entry(kind, subject, &payload)?;
        self.journal
            .append_decision(&entry, &self.signer)
            .map(|_| ())
            .map_err(|e| PortError(e.to_string()))
    }

    fn events(&mut self, events: &[(EntryKind, String, Value)]) -> Result<(), PortError> {
        let entries = events
            .iter()
            .map(|(kind, subject, payload)| self.entry(*kind, subject, payload))
            .collect::<Result<Vec<_>, _>>()?;
        self.journal
            .append_events(&entries)
            .map(|_| ())
            .map_err(|e| PortError(e.to_string()))
    }
}
