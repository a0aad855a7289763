//! Which stored step results still have to reach the journal (the `journaled` flag of
//! `host_steps`): the engine journals a result only after committing it, and marks it after.

use rusqlite::params;

use super::database::StateStore;
use super::error::StoreError;
use super::rows::bad_row;
use crate::core::rollout::StepKind;
use crate::engine::{StepRecord, StepResult, UnjournaledResult};

/// host, step, attempt, state, exit_code, reason, unreachable, output_sha256, output_lines,
/// from_marker
type ResultRow = (
    String,
    String,
    i64,
    String,
    Option<i64>,
    Option<String>,
    i64,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

impl StateStore {
    pub(super) fn read_unjournaled(
        &self,
        plan_hash: &str,
    ) -> Result<Vec<UnjournaledResult>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT host, step, attempt, state, exit_code, reason, unreachable, output_sha256,
                        output_lines, from_marker
                 FROM host_steps WHERE plan_hash = ?1 AND state <> 'intent' AND journaled = 0
                 ORDER BY result_at, host, step, attempt",
            )
            .map_err(|e| self.error("read unjournaled results", e))?;
        let rows: Vec<ResultRow> = statement
            .query_map([plan_hash], |row| row.try_into())
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error("read unjournaled results", e))?;
        rows.into_iter()
            .map(|row| self.decode_result(row))
            .collect()
    }

    fn decode_result(&self, row: ResultRow) -> Result<UnjournaledResult, StoreError> {
        let (host, step, attempt, state, exit, reason, unreachable, sha, lines, from_marker) = row;
        let bad = |detail: String| bad_row(&self.path, "host step", detail);
        let step = StepKind::parse(&step).ok_or_else(|| bad(format!("step {step:?}")))?;
        let attempt = u32::try_from(attempt).map_err(|_| bad(format!("attempt {attempt}")))?;
        let record = match (state.as_str(), exit) {
            ("finished", Some(code)) => StepRecord::Finished {
                exit_code: i32::try_from(code).map_err(|_| bad(format!("exit code {code}")))?,
            },
            ("failed", _) => StepRecord::Failed {
                reason: reason.unwrap_or_default(),
                unreachable: unreachable == 1,
            },
            (other, _) => return Err(bad(format!("result state {other:?}"))),
        };
        Ok(UnjournaledResult {
            host,
            step,
            attempt,
            result: StepResult {
                record,
                output_sha256: sha.unwrap_or_default(),
                output_lines: lines.and_then(|n| u64::try_from(n).ok()).unwrap_or(0),
                from_marker: from_marker == Some(1),
            },
        })
    }

    pub(super) fn set_journaled(
        &mut self,
        plan_hash: &str,
        host: &str,
        step: StepKind,
        attempt: u32,
    ) -> Result<(), StoreError> {
        let tx = self.write()?;
        tx.execute(
            "UPDATE host_steps SET journaled = 1
             WHERE plan_hash = ?1 AND host = ?2 AND step = ?3 AND attempt = ?4",
            params![plan_hash, host, step.as_str(), attempt],
        )
        .map_err(|e| self.error("mark a result journaled", e))?;
        tx.commit()
            .map_err(|e| self.error("mark a result journaled", e))
    }
}
