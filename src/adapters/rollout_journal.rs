//! The engine's journal port on the audit journal: decisions signed with the deploying
//! operator's key, machine events chained, and the journal sealed with a signed checkpoint
//! every so many entries and when the rollout finishes. Timestamps are taken here, at the edge.

use std::path::PathBuf;

use chrono::Utc;
use serde_json::Value;

use crate::adapters::journal::{Journal, OperatorSigner, write_checkpoint};
use crate::core::journal::{EntryKind, NewEntry};
use crate::engine::{PortError, RunJournal};

pub struct RolloutJournal {
    journal: Journal,
    signer: OperatorSigner,
    checkpoints: Option<Checkpoints>,
}

/// Where checkpoints go, how often, and the size of the last one this rollout wrote.
struct Checkpoints {
    dir: PathBuf,
    every: u64,
    last_size: u64,
}

impl RolloutJournal {
    /// Entries are written as `signer`'s operator.
    pub fn new(journal: Journal, signer: OperatorSigner) -> Self {
        RolloutJournal {
            journal,
            signer,
            checkpoints: None,
        }
    }

    /// Seals the journal into `dir` after every `every` new entries and at the end of the
    /// rollout. The caller has verified the journal before the rollout began (a checkpoint
    /// vouches for every entry before it) and holds the site lock, so every entry since was
    /// written by this rollout.
    pub fn with_checkpoints(mut self, dir: PathBuf, every: u64) -> Result<Self, PortError> {
        let last_size = self
            .journal
            .head()
            .map_err(|e| PortError(e.to_string()))?
            .size;
        self.checkpoints = Some(Checkpoints {
            dir,
            every: every.max(1),
            last_size,
        });
        Ok(self)
    }

    fn seal_if_due(&mut self, rollout_finished: bool) -> Result<(), PortError> {
        let Some(checkpoints) = &mut self.checkpoints else {
            return Ok(());
        };
        let size = self
            .journal
            .head()
            .map_err(|e| PortError(e.to_string()))?
            .size;
        let grown = size.saturating_sub(checkpoints.last_size);
        if grown == 0 || (grown < checkpoints.every && !rollout_finished) {
            return Ok(());
        }
        write_checkpoint(&checkpoints.dir, &self.journal, &self.signer)
            .map_err(|e| PortError(format!("journal checkpoint: {e}")))?;
        checkpoints.last_size = size;
        Ok(())
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
            .map_err(|e| PortError(e.to_string()))?;
        self.seal_if_due(false)
    }

    fn events(&mut self, events: &[(EntryKind, String, Value)]) -> Result<(), PortError> {
        let entries = events
            .iter()
            .map(|(kind, subject, payload)| self.entry(*kind, subject, payload))
            .collect::<Result<Vec<_>, _>>()?;
        self.journal
            .append_events(&entries)
            .map_err(|e| PortError(e.to_string()))?;
        let finished = events
            .iter()
            .any(|(kind, _, _)| *kind == EntryKind::RolloutFinished);
        self.seal_if_due(finished)
    }
}
