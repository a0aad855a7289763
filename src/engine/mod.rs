//! Drives rollouts: takes a stored plan, asks an executor to run steps, writes state and journal
//! through ports and emits events. No terminal code.

pub mod approval;
mod attempts;
mod decisions;
pub mod event_channel;
pub mod events;
pub mod executor;
mod host;
mod journaling;
mod output;
pub mod ports;
mod retry;
pub mod rollback;
mod run;
pub mod script;

pub use approval::{ApprovalCheck, ApprovalVerdict};
pub use decisions::MAX_REASON_CHARS;
pub use event_channel::{EventReceiver, EventSender, OutputLimits, event_channel};
pub use events::{EngineEvent, GateKind, HostResult, RunOutcome, StepStatus};
pub use ports::{
    AlwaysYes, AnswerFuture, Decider, Decision, PortError, Question, RunJournal, RunState,
    RunStore, StepRecord, StepResult, StoredDecision, StoredRun, StoredStep, UnjournaledResult,
};
pub use rollback::{RollbackReport, RollbackScope};
pub use run::{Engine, EngineError, EngineSettings};
