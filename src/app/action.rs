//! What can happen to the console (`Action`) and what the runtime must do about it (`Effect`).

use chrono::{DateTime, Utc};
pub use tui_input::InputRequest;

use super::journal::JournalSnapshot;
use super::keymap::Command;
use crate::core::rollout::Plan;
use crate::engine::{Decision, EngineEvent, Question, RollbackScope};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A key the keymap turned into a command.
    Command(Command),
    /// A key typed while the filter line is being edited.
    FilterEdit(InputRequest),
    /// Enter while editing the filter: keep it and go back to the list.
    FilterKeep,
    /// Esc while editing the filter: clear it.
    FilterClear,
    /// The terminal's size, at start and on every resize.
    Resize { width: u16, height: u16 },
    /// The clock, at most once a second.
    Tick(DateTime<Utc>),
    /// Something went wrong outside `update`; shown inside the console.
    Error(String),
    /// The journal as just read (at start, and after the console appended to it).
    JournalLoaded(Result<Option<JournalSnapshot>, String>),
    /// The console appended to the journal: it must be read again.
    JournalAppended,
    /// A key typed into the prompt line.
    PromptEdit(InputRequest),
    /// Enter on the prompt line.
    PromptSubmit,
    /// Esc on the prompt line.
    PromptCancel,
    /// The rollout of queue row `patch` was planned and checked, and now runs in the background.
    RolloutStarted {
        patch: usize,
        plan: Box<Plan>,
        plan_hash: String,
    },
    /// A batch of the engine's events, in order; `dropped` output lines did not fit while the
    /// console was behind.
    Engine {
        events: Vec<EngineEvent>,
        dropped: usize,
    },
    /// The engine waits for the operator's answer.
    Asked(Question),
    /// The background work ended: a summary, or why it failed.
    WorkEnded(Result<String, String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// The screen no longer shows the model.
    Redraw,
    /// Hand the terminal back to the shell until resumed.
    Suspend,
    Quit,
    /// Read the journal again and report it with `Action::JournalLoaded`.
    ReloadJournal,
    /// Plan, check and start the rollout of queue row `patch` (report with `RolloutStarted`).
    StartRollout {
        patch: usize,
        definition: String,
    },
    /// Hand the operator's answer to the waiting engine.
    Answer(Decision),
    /// Roll back part of the ended run in the background.
    RollBack(RollbackScope),
}
