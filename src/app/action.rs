//! What can happen to the console (`Action`) and what the runtime must do about it (`Effect`).

use chrono::{DateTime, Utc};
pub use tui_input::InputRequest;

use super::journal::JournalSnapshot;
use super::keymap::Command;

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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// The screen no longer shows the model.
    Redraw,
    /// Hand the terminal back to the shell until resumed.
    Suspend,
    Quit,
    /// Read the journal again and report it with `Action::JournalLoaded`.
    ReloadJournal,
}
