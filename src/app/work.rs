//! What the console asks of background work, and how it hears back: the runtime calls a
//! [`Work`] for the effects that start or steer a rollout, and the work reports through a
//! bounded channel of actions that the runtime drains, a batch per redraw.

use std::sync::mpsc::SyncSender;

use super::action::Action;
use crate::engine::{Decision, RollbackScope};

/// Batches of actions the background may have queued before it must wait or coalesce.
pub const BACKGROUND_ACTIONS: usize = 64;

/// Starts and steers rollouts for the console (the binary wires the site, the operator's key
/// and the executor).
pub trait Work {
    /// Plans and checks the rollout of `definition` for queue row `patch`; when it may run,
    /// reports `Action::RolloutStarted` and runs it in the background. An `Err` is shown.
    fn start_rollout(
        &mut self,
        patch: usize,
        definition: &str,
        actions: SyncSender<Action>,
    ) -> Result<(), String>;

    /// Hands the operator's answer to the engine waiting on a question.
    fn answer(&mut self, decision: Decision);

    /// Rolls back part of the last run in the background.
    fn roll_back(
        &mut self,
        scope: RollbackScope,
        actions: SyncSender<Action>,
    ) -> Result<(), String>;
}

/// For a console that only shows: every request is refused with `reason`.
pub struct ShowOnly(pub String);

impl Work for ShowOnly {
    fn start_rollout(&mut self, _: usize, _: &str, _: SyncSender<Action>) -> Result<(), String> {
        Err(self.0.clone())
    }

    fn answer(&mut self, _: Decision) {}

    fn roll_back(&mut self, _: RollbackScope, _: SyncSender<Action>) -> Result<(), String> {
        Err(self.0.clone())
    }
}
