//! Drives rollouts: takes a stored plan, asks an executor to run steps, writes state and journal
//! through ports and emits events. No terminal code.

mod decide;
pub mod events;
pub mod executor;
mod host;
mod output;
pub mod ports;
pub mod rollback;
mod run;
pub mod script;

pub use decide::MAX_REASON_CHARS;
pub use events::{EngineEvent, GateKind, HostResult, RunOutcome, StepStatus};
pub use ports::{
    AlwaysYes, AnswerFuture, Decider, Decision, PortError, Question, RunJournal, RunState,
    RunStore, StepRecord, StepResult, StoredRun, StoredStep,
};
pub use rollback::{RollbackReport, RollbackScope};
pub use run::{Engine, EngineError, EngineSettings};
