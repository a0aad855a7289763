//! Gate decisions of runs (`run_decisions`): stored before they are journaled, so a resumed
//! run neither asks a decided gate again nor loses the journal entry.

use chrono::{SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};

use super::database::StateStore;
use super::error::{StoreError, printable};
use super::rows::bad_row;
use crate::core::journal::EntryKind;
use crate::engine::StoredDecision;

/// gate, kind, subject, payload, journaled
type DecisionRow = (String, String, String, String, i64);

const COLUMNS: &str = "gate, kind, subject, payload, journaled";

fn row(row: &rusqlite::Row<'_>) -> rusqlite::Result<DecisionRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
    ))
}

impl StateStore {
    fn decode_decision(&self, row: DecisionRow) -> Result<StoredDecision, StoreError> {
        let (gate, kind, subject, payload, journaled) = row;
        let bad = |detail: String| bad_row(&self.path, "run decision", detail);
        let kind: EntryKind = kind
            .parse()
            .map_err(|_| bad(format!("kind {:?}", printable(&kind, 40))))?;
        let payload = serde_json::from_str(&payload).map_err(|e| bad(format!("{gate}: {e}")))?;
        Ok(StoredDecision {
            gate,
            kind,
            subject,
            payload,
            journaled: journaled == 1,
        })
    }

    pub(super) fn read_decision(
        &self,
        plan_hash: &str,
        gate: &str,
    ) -> Result<Option<StoredDecision>, StoreError> {
        let found = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM run_decisions WHERE plan_hash = ?1 AND gate = ?2"),
                params![plan_hash, gate],
                row,
            )
            .optional()
            .map_err(|e| self.error("read a decision", e))?;
        found.map(|r| self.decode_decision(r)).transpose()
    }

    pub(super) fn read_unjournaled_decisions(
        &self,
        plan_hash: &str,
    ) -> Result<Vec<StoredDecision>, StoreError> {
        let mut statement = self
            .conn
            .prepare(&format!(
                "SELECT {COLUMNS} FROM run_decisions WHERE plan_hash = ?1 AND journaled = 0
                 ORDER BY decided_at, gate"
            ))
            .map_err(|e| self.error("read decisions", e))?;
        let rows: Vec<DecisionRow> = statement
            .query_map([plan_hash], row)
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error("read decisions", e))?;
        rows.into_iter().map(|r| self.decode_decision(r)).collect()
    }

    pub(super) fn insert_decision(
        &mut self,
        plan_hash: &str,
        decision: &StoredDecision,
    ) -> Result<(), StoreError> {
        let at = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO run_decisions (plan_hash, gate, kind, subject, payload, journaled, decided_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (plan_hash, gate) DO NOTHING",
            params![
                plan_hash,
                decision.gate,
                decision.kind.as_str(),
                decision.subject,
                decision.payload.to_string(),
                decision.journaled,
                at
            ],
        )
        .map_err(|e| self.error("store a decision", e))?;
        tx.commit().map_err(|e| self.error("store a decision", e))
    }

    pub(super) fn set_decision_journaled(
        &mut self,
        plan_hash: &str,
        gate: &str,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE run_decisions SET journaled = 1 WHERE plan_hash = ?1 AND gate = ?2",
            params![plan_hash, gate],
        )
        .map_err(|e| self.error("mark a decision journaled", e))?;
        tx.commit()
            .map_err(|e| self.error("mark a decision journaled", e))
    }
}
