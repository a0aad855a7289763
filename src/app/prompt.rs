//! The one-line prompt for decisions that must be typed: the patch id before anything that
//! touches production or undoes work, and the reason for a skip.

use tui_input::Input;

use crate::engine::{Decision, MAX_REASON_CHARS, RollbackScope};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptKind {
    /// Start the rollout of queue row `patch` with this patch definition.
    Start { patch: usize, definition: String },
    /// Answer the waiting question with this decision.
    Decide(Decision),
    /// Answer the waiting question with a skip, for the reason typed.
    SkipReason,
    /// Roll back part of the run, after it ended.
    RollBack(RollbackScope),
}

#[derive(Debug, Clone)]
pub struct Prompt {
    pub kind: PromptKind,
    pub input: Input,
    /// What must be typed exactly (the patch id); `None` takes any one-line text.
    pub expected: Option<String>,
}

impl Prompt {
    pub fn new(kind: PromptKind, expected: Option<String>) -> Prompt {
        Prompt {
            kind,
            input: Input::default(),
            expected,
        }
    }

    /// What the prompt asks, in front of the typed text.
    pub fn label(&self) -> String {
        let what = match &self.kind {
            PromptKind::Start { definition, .. } => format!("Start the rollout of {definition}"),
            PromptKind::Decide(decision) => format!("Confirm: {}", decision.word()),
            PromptKind::SkipReason => "Reason for the skip (journaled)".to_string(),
            PromptKind::RollBack(scope) => format!("Roll back {}", scope.describe()),
        };
        match &self.expected {
            Some(id) => format!("{what}? Type {id} to confirm: "),
            None => format!("{what}: "),
        }
    }

    /// The typed text if it is acceptable, else why not.
    pub fn accepted(&self) -> Result<String, String> {
        let typed = self.input.value().trim();
        match &self.expected {
            Some(id) if typed == id => Ok(typed.to_string()),
            Some(id) => Err(format!(
                "Not confirmed: type the patch id `{id}` exactly, or Esc to cancel."
            )),
            None if typed.is_empty() => Err("Type a reason, or Esc to cancel.".to_string()),
            None if typed.chars().count() > MAX_REASON_CHARS => {
                Err(format!("At most {MAX_REASON_CHARS} characters, please."))
            }
            None => Ok(typed.to_string()),
        }
    }
}
