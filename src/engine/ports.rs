//! What the engine needs from the outside, as small traits: the run's durable state
//! (`state.db`), the audit journal, and the operator's answers at gates. Adapters implement
//! them; tests can too.

use std::future::Future;
use std::pin::Pin;

use serde_json::Value;
use thiserror::Error;

use crate::core::journal::EntryKind;
use crate::core::rollout::StepKind;

/// A storage or journal failure, already described by the adapter.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{0}")]
pub struct PortError(pub String);

/// Where a run stands, as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunState {
    Running,
    Done,
    Halted,
    Aborted,
}

impl RunState {
    pub fn as_str(self) -> &'static str {
        match self {
            RunState::Running => "running",
            RunState::Done => "done",
            RunState::Halted => "halted",
            RunState::Aborted => "aborted",
        }
    }

    pub fn parse(text: &str) -> Option<RunState> {
        [
            RunState::Running,
            RunState::Done,
            RunState::Halted,
            RunState::Aborted,
        ]
        .into_iter()
        .find(|s| s.as_str() == text)
    }
}

/// A stored run: its state and, once halted or aborted, the wave it stopped after.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StoredRun {
    pub state: RunState,
    pub wave: Option<u32>,
}

/// What is stored of one host×step: an intent before it runs, its result after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepRecord {
    /// Recorded before the step was started; no result yet (a crash may have come between).
    Intent { guard_key: String },
    /// The step ran to its end with this exit code.
    Finished { exit_code: i32 },
    /// The step has no exit code: the host was unreachable, refused, or the outcome stayed
    /// unknown after reconciling.
    Failed { reason: String, unreachable: bool },
}

/// A host×step's stored record, with its place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredStep {
    pub host: String,
    pub step: StepKind,
    pub attempt: u32,
    pub record: StepRecord,
}

/// A step's result as the store and journal keep it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StepResult {
    pub record: StepRecord,
    /// SHA-256 of the output lines the step printed in this process (each line + `\n`).
    pub output_sha256: String,
    pub output_lines: u64,
    /// The result came from a completion marker found on the host, not from running.
    pub from_marker: bool,
}

/// A stored step result whose journal entry was never written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnjournaledResult {
    pub host: String,
    pub step: StepKind,
    pub attempt: u32,
    pub result: StepResult,
}

/// A decision taken at a gate of a run, with the journal entry it makes.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredDecision {
    /// Names the gate within the run, e.g. `health after wave 2`.
    pub gate: String,
    pub kind: EntryKind,
    pub subject: String,
    pub payload: Value,
    pub journaled: bool,
}

/// The run's durable state, one row per host×step. Every method commits before it returns.
pub trait RunStore: Send {
    /// The stored state of the run of this plan, if it was ever started.
    fn run_state(&mut self, plan_hash: &str) -> Result<Option<StoredRun>, PortError>;
    /// Records the run as started (or resumed) by `operator`.
    fn start_run(&mut self, plan_hash: &str, patch: &str, operator: &str) -> Result<(), PortError>;
    fn steps(&mut self, plan_hash: &str) -> Result<Vec<StoredStep>, PortError>;
    fn record_intent(
        &mut self,
        plan_hash: &str,
        host: &str,
        step: StepKind,
        attempt: u32,
        guard_key: &str,
    ) -> Result<(), PortError>;
    fn record_result(
        &mut self,
        plan_hash: &str,
        host: &str,
        step: StepKind,
        attempt: u32,
        result: &StepResult,
    ) -> Result<(), PortError>;
    fn finish_run(
        &mut self,
        plan_hash: &str,
        state: RunState,
        wave: Option<u32>,
    ) -> Result<(), PortError>;
    /// Results stored but not yet marked journaled, in a stable order.
    fn unjournaled_results(&mut self, plan_hash: &str)
    -> Result<Vec<UnjournaledResult>, PortError>;
    /// The run's attempt: 1, plus one for each retry.
    fn run_attempt(&mut self, plan_hash: &str) -> Result<u32, PortError>;
    /// Marks a halted run running again under `attempt`.
    fn reopen_run(&mut self, plan_hash: &str, attempt: u32) -> Result<(), PortError>;
    /// The decision stored for `gate` of the run, if one was taken.
    fn decision(
        &mut self,
        plan_hash: &str,
        gate: &str,
    ) -> Result<Option<StoredDecision>, PortError>;
    /// Stores a decision; a gate already decided keeps its first decision.
    fn record_decision(
        &mut self,
        plan_hash: &str,
        decision: &StoredDecision,
    ) -> Result<(), PortError>;
    /// Decisions stored but not yet marked journaled.
    fn unjournaled_decisions(&mut self, plan_hash: &str) -> Result<Vec<StoredDecision>, PortError>;
    fn mark_decision_journaled(&mut self, plan_hash: &str, gate: &str) -> Result<(), PortError>;
    /// Marks a stored result as written to the journal.
    fn mark_journaled(
        &mut self,
        plan_hash: &str,
        host: &str,
        step: StepKind,
        attempt: u32,
    ) -> Result<(), PortError>;
}

/// The audit journal as the engine writes to it.
pub trait RunJournal: Send {
    /// An operator decision, signed by the operator the journal was opened for.
    fn decision(&mut self, kind: EntryKind, subject: &str, payload: Value)
    -> Result<(), PortError>;
    /// Machine events, chained but unsigned.
    fn events(&mut self, events: &[(EntryKind, String, Value)]) -> Result<(), PortError>;
}

/// What the engine asks the operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Question {
    /// The health gate after a wave: go on with the next one?
    ProceedAfterWave {
        wave: u32,
        next_wave: u32,
        succeeded: usize,
        failed: usize,
    },
    /// A step failed after the host changed: run the patch's rollback?
    RollBack { host: String, failed_step: StepKind },
}

/// The operator's answer to a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// At a health gate: start the next wave. At a rollback question: run the rollback.
    Proceed,
    /// Not now: journaled, and the same question is asked again.
    Pause,
    /// At a health gate: leave the next wave's hosts untouched and go on after it. At a
    /// rollback question: leave the host as it is. The reason is journaled.
    Skip { reason: String },
    /// Stop the run: no further host starts.
    Abort,
    /// At a health gate: roll back every host the run changed, then stop. At a rollback
    /// question: run the rollback.
    RollBack,
}

impl Decision {
    /// The word the journal and the console use for it.
    pub fn word(&self) -> &'static str {
        match self {
            Decision::Proceed => "proceed",
            Decision::Pause => "pause",
            Decision::Skip { .. } => "skip",
            Decision::Abort => "abort",
            Decision::RollBack => "roll back",
        }
    }
}

pub type AnswerFuture = Pin<Box<dyn Future<Output = Decision> + Send>>;

/// Answers gates: the console asks the operator, headless `--yes` always goes on.
pub trait Decider: Send + Sync {
    fn ask(&self, question: Question) -> AnswerFuture;
}

/// Goes on at every gate and rolls back every failure (`apply --yes`).
pub struct AlwaysYes;

impl Decider for AlwaysYes {
    fn ask(&self, question: Question) -> AnswerFuture {
        let answer = match question {
            Question::ProceedAfterWave { .. } => Decision::Proceed,
            Question::RollBack { .. } => Decision::RollBack,
        };
        Box::pin(std::future::ready(answer))
    }
}
