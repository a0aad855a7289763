//! Step results reach the journal crash-consistently: each is committed to the store first,
//! journaled, then marked journaled; a run that starts journals whatever an earlier process
//! stored but never journaled, with the same exit code and output digest.

use serde_json::{Value, json};

use super::ports::{PortError, RunJournal, RunStore, StepRecord, StepResult};
use crate::core::journal::EntryKind;
use crate::core::rollout::StepKind;

/// The `step_finished` entry for a stored result.
pub(crate) fn step_finished(
    plan_hash: &str,
    host: &str,
    step: StepKind,
    attempt: u32,
    result: &StepResult,
) -> (EntryKind, String, Value) {
    let (exit_code, reason) = match &result.record {
        StepRecord::Finished { exit_code } => (Some(*exit_code), None),
        StepRecord::Failed { reason, .. } => (None, Some(reason.as_str())),
        StepRecord::Intent { .. } => (None, None),
    };
    (
        EntryKind::StepFinished,
        format!("plan {plan_hash} host {host} step {step}"),
        json!({
            "plan_hash": plan_hash,
            "host": host,
            "step": step.as_str(),
            "attempt": attempt,
            "exit_code": exit_code,
            "reason": reason,
            "output_sha256": result.output_sha256,
            "output_lines": result.output_lines,
            "from_marker": result.from_marker,
        }),
    )
}

/// Journals a result already committed to the store, then marks it journaled.
pub(crate) fn journal_result(
    store: &mut dyn RunStore,
    journal: &mut dyn RunJournal,
    plan_hash: &str,
    (host, step, attempt): (&str, StepKind, u32),
    result: &StepResult,
) -> Result<(), PortError> {
    journal.events(&[step_finished(plan_hash, host, step, attempt, result)])?;
    store.mark_journaled(plan_hash, host, step, attempt)
}

/// Journals every result of the run that was stored but never journaled. The entries say they
/// were recovered; a crash between the journal write and the mark repeats one entry, never
/// loses one.
pub(crate) fn catch_up(
    store: &mut dyn RunStore,
    journal: &mut dyn RunJournal,
    plan_hash: &str,
) -> Result<usize, PortError> {
    let pending = store.unjournaled_results(plan_hash)?;
    for missing in &pending {
        let (kind, subject, mut payload) = step_finished(
            plan_hash,
            &missing.host,
            missing.step,
            missing.attempt,
            &missing.result,
        );
        payload["recovered"] = json!(true);
        journal.events(&[(kind, subject, payload)])?;
        store.mark_journaled(plan_hash, &missing.host, missing.step, missing.attempt)?;
    }
    Ok(pending.len())
}
