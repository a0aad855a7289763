//! Retrying a halted run: a signed decision in the journal, then the run is marked running
//! again under its next attempt number, so the hosts that failed run again under new guard keys
//! (see `attempts`) while every step that succeeded stays done.

use serde_json::json;

use super::ports::{RunJournal, RunState, RunStore};
use super::run::EngineError;
use crate::core::journal::EntryKind;

/// Journals the retry (before the store changes, so a crash between never retries unjournaled)
/// and reopens the halted run; returns its new attempt number.
pub(crate) fn reopen(
    store: &mut dyn RunStore,
    journal: &mut dyn RunJournal,
    plan_hash: &str,
) -> Result<u32, EngineError> {
    let Some(run) = store.run_state(plan_hash)? else {
        return Err(EngineError::NothingToRetry(format!(
            "plan {plan_hash} was never run"
        )));
    };
    if run.state != RunState::Halted {
        return Err(EngineError::NothingToRetry(format!(
            "the run of plan {plan_hash} is {}, not halted",
            run.state.as_str()
        )));
    }
    let attempt = store.run_attempt(plan_hash)? + 1;
    journal.decision(
        EntryKind::Proceed,
        &format!("plan {plan_hash} retry"),
        json!({
            "plan_hash": plan_hash,
            "decision": "retry",
            "halted_wave": run.wave,
            "attempt": attempt,
        }),
    )?;
    store.reopen_run(plan_hash, attempt)?;
    Ok(attempt)
}
