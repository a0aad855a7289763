//! What the engine reports while it runs, for the console and the headless printer.

use crate::core::rollout::StepKind;
use crate::engine::executor::OutputStream;
use crate::engine::ports::{Decision, Question};

/// How a host×step ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepStatus {
    Succeeded,
    /// Ran to its end with a non-zero exit code.
    Failed {
        exit_code: i32,
    },
    /// No exit code: the host was unreachable or refused, so the step did not start.
    Lost {
        reason: String,
        unreachable: bool,
    },
    /// Whether the step ran, or how it ended, is not known (still running after the allowed
    /// checks, the connection dropped mid-step, the host stopped answering): it stays open
    /// in the store and is reconciled with the host on the next run, never assumed.
    Unknown {
        reason: String,
    },
}

/// How a host ended within its wave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostResult {
    Succeeded,
    /// A step failed; `rolled_back` when the rollback ran and succeeded.
    Failed {
        step: StepKind,
        rolled_back: bool,
    },
    Unreachable {
        step: StepKind,
    },
    /// A step's outcome is unknown: the wave halts, nothing is rolled back (the step may still
    /// be running on the host), and the next run reconciles it.
    Unknown {
        step: StepKind,
    },
    /// Never started: the wave halted first.
    Untouched,
}

impl HostResult {
    /// Counts against the wave's threshold: anything but success (an unknown outcome is not
    /// a success).
    pub fn is_failure(&self) -> bool {
        matches!(
            self,
            HostResult::Failed { .. } | HostResult::Unreachable { .. } | HostResult::Unknown { .. }
        )
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GateKind {
    /// A signed approval of the plan was required (and checked) before this wave.
    Approval,
    /// The wave finished: its results decide whether the next one starts.
    Health,
}

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    Done,
    /// A wave's failures exceeded its threshold (or a canary failed).
    Halted {
        wave: u32,
    },
    /// The operator said no at a gate.
    Aborted {
        wave: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineEvent {
    RunStarted {
        plan_hash: String,
        patch: String,
        waves: usize,
        hosts: usize,
        resumed: bool,
    },
    WaveStarted {
        wave: u32,
        label: String,
        hosts: usize,
    },
    StepStarted {
        wave: u32,
        host: String,
        step: StepKind,
    },
    Output {
        host: String,
        step: StepKind,
        stream: OutputStream,
        line: String,
    },
    /// Output lines of a step that were not passed on because the consumer was behind (see
    /// `event_channel`); they are still in the step's journaled digest.
    OutputDropped {
        host: String,
        step: StepKind,
        lines: u64,
    },
    StepFinished {
        wave: u32,
        host: String,
        step: StepKind,
        status: StepStatus,
        /// Taken from the store or a marker on the host: the step did not run again.
        already_done: bool,
    },
    HostFinished {
        wave: u32,
        host: String,
        result: HostResult,
    },
    GateReached {
        wave: u32,
        kind: GateKind,
    },
    WaveFinished {
        wave: u32,
        succeeded: usize,
        failed: usize,
        untouched: usize,
        halted: bool,
    },
    RunFinished {
        outcome: RunOutcome,
    },
    /// The operator (or the policy) answered a question; the answer is in the journal.
    Decided {
        question: Question,
        decision: Decision,
    },
    /// The operator chose at a gate to leave this wave's hosts untouched.
    WaveSkipped {
        wave: u32,
        reason: String,
    },
    /// A rollback the operator asked for (of a host, a wave or the run) ended on this host.
    HostRolledBack {
        wave: u32,
        host: String,
        ok: bool,
    },
}
