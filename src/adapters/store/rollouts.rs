//! Plans, runs and host×step records in state.db: the engine's `RunStore` port, and what the
//! `plan`, `approve` and `apply` commands look up.

use chrono::{SecondsFormat, Utc};
use rusqlite::{OptionalExtension, params};

use super::database::StateStore;
use super::error::{StoreError, printable};
use super::rows::bad_row;
use crate::core::rollout::{Plan, StepKind};
use crate::engine::{
    PortError, RunState, RunStore, StepRecord, StepResult, StoredDecision, StoredRun, StoredStep,
    UnjournaledResult,
};

/// A plan as stored: its hash, its patch and its canonical JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPlan {
    pub hash: String,
    pub patch: String,
    pub plan: Plan,
}

/// host, step, attempt, guard_key, state, exit_code, reason, unreachable
type StepRow = (
    String,
    String,
    i64,
    String,
    String,
    Option<i64>,
    Option<String>,
    i64,
);

fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl StateStore {
    /// Stores `plan` under its hash (once: the same plan stored again changes nothing) and
    /// returns the hash.
    pub fn save_plan(&mut self, plan: &Plan) -> Result<String, StoreError> {
        let encode = |detail: String| bad_row(&self.path, "plan", detail);
        let body = plan.canonical_json().map_err(|e| encode(e.to_string()))?;
        let hash = plan.hash().map_err(|e| encode(e.to_string()))?;
        let tx = self.write()?;
        tx.execute(
            "INSERT INTO plans (hash, patch, body, created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (hash) DO NOTHING",
            params![hash, plan.patch.id, body, now()],
        )
        .map_err(|e| self.error("store a plan", e))?;
        tx.commit().map_err(|e| self.error("store a plan", e))?;
        Ok(hash)
    }

    /// The stored plan with this hash; its body must still hash to it.
    pub fn plan(&self, hash: &str) -> Result<Option<StoredPlan>, StoreError> {
        let row: Option<(String, String)> = self
            .conn
            .query_row(
                "SELECT patch, body FROM plans WHERE hash = ?1",
                [hash],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| self.error("read a plan", e))?;
        let Some((patch, body)) = row else {
            return Ok(None);
        };
        let plan: Plan = serde_json::from_str(&body)
            .map_err(|e| bad_row(&self.path, "plan", format!("{}: {e}", printable(hash, 64))))?;
        if plan.hash().ok().as_deref() != Some(hash) {
            return Err(bad_row(
                &self.path,
                "plan",
                format!("{} no longer hashes to its key", printable(hash, 64)),
            ));
        }
        Ok(Some(StoredPlan {
            hash: hash.to_string(),
            patch,
            plan,
        }))
    }

    /// Runs of `patch` that started and have not ended (normally at most one).
    pub fn unfinished_runs(&self, patch: &str) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .conn
            .prepare("SELECT plan_hash FROM runs WHERE patch = ?1 AND state = 'running' ORDER BY started_at")
            .map_err(|e| self.error("read runs", e))?;
        statement
            .query_map([patch], |row| row.get(0))
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error("read runs", e))
    }

    /// The plan hash of the most recently started run of `patch`, ended or not.
    pub fn latest_run(&self, patch: &str) -> Result<Option<String>, StoreError> {
        self.conn
            .query_row(
                "SELECT plan_hash FROM runs WHERE patch = ?1 ORDER BY started_at DESC, updated_at DESC LIMIT 1",
                [patch],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| self.error("read runs", e))
    }

    /// Every stored host×step of a run.
    fn read_steps(&self, plan_hash: &str) -> Result<Vec<StoredStep>, StoreError> {
        let mut statement = self
            .conn
            .prepare(
                "SELECT host, step, attempt, guard_key, state, exit_code, reason, unreachable
                 FROM host_steps WHERE plan_hash = ?1 ORDER BY host, step, attempt",
            )
            .map_err(|e| self.error("read host steps", e))?;
        let rows: Vec<StepRow> = statement
            .query_map([plan_hash], |row| row.try_into())
            .and_then(|rows| rows.collect())
            .map_err(|e| self.error("read host steps", e))?;
        rows.into_iter()
            .map(
                |(host, step, attempt, guard_key, state, exit, reason, unreachable)| {
                    let bad = |detail: String| bad_row(&self.path, "host step", detail);
                    let step =
                        StepKind::parse(&step).ok_or_else(|| bad(format!("step {step:?}")))?;
                    let attempt =
                        u32::try_from(attempt).map_err(|_| bad(format!("attempt {attempt}")))?;
                    let record = match (state.as_str(), exit) {
                        ("intent", _) => StepRecord::Intent { guard_key },
                        ("finished", Some(code)) => StepRecord::Finished {
                            exit_code: i32::try_from(code)
                                .map_err(|_| bad(format!("exit code {code}")))?,
                        },
                        ("failed", _) => StepRecord::Failed {
                            reason: reason.unwrap_or_default(),
                            unreachable: unreachable == 1,
                        },
                        (other, _) => {
                            return Err(bad(format!("state {other:?} without exit code")));
                        }
                    };
                    Ok(StoredStep {
                        host,
                        step,
                        attempt,
                        record,
                    })
                },
            )
            .collect()
    }
}

fn port(error: StoreError) -> PortError {
    PortError(error.to_string())
}

impl RunStore for StateStore {
    fn run_state(&mut self, plan_hash: &str) -> Result<Option<StoredRun>, PortError> {
        let row: Option<(String, Option<i64>)> = self
            .conn
            .query_row(
                "SELECT state, wave FROM runs WHERE plan_hash = ?1",
                [plan_hash],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()
            .map_err(|e| port(self.error("read a run", e)))?;
        row.map(|(state, wave)| {
            let state = RunState::parse(&state)
                .ok_or_else(|| port(bad_row(&self.path, "run", format!("state {state:?}"))))?;
            Ok(StoredRun {
                state,
                wave: wave.and_then(|w| u32::try_from(w).ok()),
            })
        })
        .transpose()
    }

    fn start_run(&mut self, plan_hash: &str, patch: &str, operator: &str) -> Result<(), PortError> {
        let tx = self.write().map_err(port)?;
        let at = now();
        tx.execute(
            "INSERT INTO runs (plan_hash, patch, state, operator, started_at, updated_at)
             VALUES (?1, ?2, 'running', ?3, ?4, ?4)
             ON CONFLICT (plan_hash) DO UPDATE SET operator = excluded.operator, updated_at = excluded.updated_at",
            params![plan_hash, patch, operator, at],
        )
        .map_err(|e| port(self.error("start a run", e)))?;
        tx.commit().map_err(|e| port(self.error("start a run", e)))
    }

    fn steps(&mut self, plan_hash: &str) -> Result<Vec<StoredStep>, PortError> {
        self.read_steps(plan_hash).map_err(port)
    }

    fn record_intent(
        &mut self,
        plan_hash: &str,
        host: &str,
        step: StepKind,
        attempt: u32,
        guard_key: &str,
    ) -> Result<(), PortError> {
        let tx = self.write().map_err(port)?;
        tx.execute(
            "INSERT INTO host_steps (plan_hash, host, step, attempt, guard_key, state, intent_at)
             VALUES (?1, ?2, ?3, ?4, ?5, 'intent', ?6)",
            params![plan_hash, host, step.as_str(), attempt, guard_key, now()],
        )
        .map_err(|e| port(self.error("record a step's intent", e)))?;
        tx.commit()
            .map_err(|e| port(self.error("record a step's intent", e)))
    }

    fn record_result(
        &mut self,
        plan_hash: &str,
        host: &str,
        step: StepKind,
        attempt: u32,
        result: &StepResult,
    ) -> Result<(), PortError> {
        let (state, exit_code, reason, unreachable) = match &result.record {
            StepRecord::Finished { exit_code } => ("finished", Some(*exit_code), None, false),
            StepRecord::Failed {
                reason,
                unreachable,
            } => ("failed", None, Some(reason.as_str()), *unreachable),
            StepRecord::Intent { .. } => {
                return Err(PortError("a result cannot be an intent".to_string()));
            }
        };
        let tx = self.write().map_err(port)?;
        let changed = tx
            .execute(
                "UPDATE host_steps SET state = ?5, exit_code = ?6, reason = ?7, unreachable = ?8,
                     output_sha256 = ?9, output_lines = ?10, from_marker = ?11, result_at = ?12
                 WHERE plan_hash = ?1 AND host = ?2 AND step = ?3 AND attempt = ?4 AND state = 'intent'",
                params![
                    plan_hash,
                    host,
                    step.as_str(),
                    attempt,
                    state,
                    exit_code,
                    reason,
                    unreachable,
                    result.output_sha256,
                    i64::try_from(result.output_lines).unwrap_or(i64::MAX),
                    result.from_marker,
                    now()
                ],
            )
            .map_err(|e| port(self.error("record a step's result", e)))?;
        if changed != 1 {
            return Err(PortError(format!(
                "{}: no open intent for {host} {step} (attempt {attempt}) of plan {plan_hash}",
                self.path.display()
            )));
        }
        tx.commit()
            .map_err(|e| port(self.error("record a step's result", e)))
    }

    fn finish_run(
        &mut self,
        plan_hash: &str,
        state: RunState,
        wave: Option<u32>,
    ) -> Result<(), PortError> {
        let tx = self.write().map_err(port)?;
        tx.execute(
            "UPDATE runs SET state = ?2, wave = ?3, updated_at = ?4 WHERE plan_hash = ?1",
            params![plan_hash, state.as_str(), wave, now()],
        )
        .map_err(|e| port(self.error("finish a run", e)))?;
        tx.commit().map_err(|e| port(self.error("finish a run", e)))
    }

    fn unjournaled_results(
        &mut self,
        plan_hash: &str,
    ) -> Result<Vec<UnjournaledResult>, PortError> {
        self.read_unjournaled(plan_hash).map_err(port)
    }

    fn run_attempt(&mut self, plan_hash: &str) -> Result<u32, PortError> {
        let attempt: Option<i64> = self
            .conn
            .query_row(
                "SELECT attempt FROM runs WHERE plan_hash = ?1",
                [plan_hash],
                |row| row.get(0),
            )
            .optional()
            .map_err(|e| port(self.error("read a run", e)))?;
        let attempt = attempt.unwrap_or(1);
        u32::try_from(attempt)
            .map_err(|_| port(bad_row(&self.path, "run", format!("attempt {attempt}"))))
    }

    fn reopen_run(&mut self, plan_hash: &str, attempt: u32) -> Result<(), PortError> {
        let tx = self.write().map_err(port)?;
        tx.execute(
            "UPDATE runs SET state = 'running', wave = NULL, attempt = ?2, updated_at = ?3
             WHERE plan_hash = ?1",
            params![plan_hash, attempt, now()],
        )
        .map_err(|e| port(self.error("reopen a run", e)))?;
        tx.commit().map_err(|e| port(self.error("reopen a run", e)))
    }

    fn decision(
        &mut self,
        plan_hash: &str,
        gate: &str,
    ) -> Result<Option<StoredDecision>, PortError> {
        self.read_decision(plan_hash, gate).map_err(port)
    }

    fn record_decision(
        &mut self,
        plan_hash: &str,
        decision: &StoredDecision,
    ) -> Result<(), PortError> {
        self.insert_decision(plan_hash, decision).map_err(port)
    }

    fn unjournaled_decisions(&mut self, plan_hash: &str) -> Result<Vec<StoredDecision>, PortError> {
        self.read_unjournaled_decisions(plan_hash).map_err(port)
    }

    fn mark_decision_journaled(&mut self, plan_hash: &str, gate: &str) -> Result<(), PortError> {
        self.set_decision_journaled(plan_hash, gate).map_err(port)
    }

    fn mark_journaled(
        &mut self,
        plan_hash: &str,
        host: &str,
        step: StepKind,
        attempt: u32,
    ) -> Result<(), PortError> {
        self.set_journaled(plan_hash, host, step, attempt)
            .map_err(port)
    }
}
