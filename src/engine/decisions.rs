//! Decisions at gates (health gates, rollback questions): the operator's answer, or the
//! policy's, is stored in state.db, journaled signed by the deploying operator, then marked
//! journaled, once per gate and run. A resumed run finds it and neither asks again nor journals
//! a second answer; a decision a crash kept from the journal is journaled on the next run. A
//! pause is journaled as the operator's note and the same question is asked again.

use serde_json::{Value, json};

use super::events::EngineEvent;
use super::ports::{Decision, PortError, Question, RunJournal, RunStore, StoredDecision};
use super::run::{EngineError, RunContext, locked};
use crate::core::journal::EntryKind;
use crate::core::rollout::StepKind;

/// Longest skip reason kept; the console and the headless prompt cap it before this.
pub const MAX_REASON_CHARS: usize = 500;

/// The health gate between `after_wave` and the next one.
pub(crate) fn health_gate(after_wave: u32) -> String {
    format!("health after wave {after_wave}")
}

/// The question whether to roll `host` back after `failed` failed in `attempt`.
pub(crate) fn rollback_gate(host: &str, failed: StepKind, attempt: u32) -> String {
    format!("rollback {host} after {failed} attempt {attempt}")
}

/// What is asked at a gate, and what its journal entry says besides the decision.
pub(crate) struct Gate {
    pub name: String,
    pub question: Question,
    pub subject: String,
    pub payload: Value,
}

/// The gate's stored decision, else the operator's answer (asked again after a pause).
pub(crate) async fn decide_once<E>(
    ctx: &RunContext<E>,
    gate: Gate,
) -> Result<Decision, EngineError> {
    if let Some(stored) = locked(&ctx.store).decision(&ctx.plan_hash, &gate.name)? {
        return Ok(stored_decision(&stored));
    }
    loop {
        let decision = match ctx.decider.ask(gate.question.clone()).await {
            Decision::Skip { reason } => Decision::Skip {
                reason: clean_reason(&reason),
            },
            other => other,
        };
        if decision == Decision::Pause {
            // The gate stays open: the pause is journaled but not stored as its decision.
            let mut payload = gate.payload.clone();
            payload["decision"] = json!(decision.word());
            locked(&ctx.journal).decision(EntryKind::Note, &gate.subject, payload)?;
            announce(ctx, &gate, &decision);
            continue;
        }
        settle(ctx, &gate, &decision)?;
        return Ok(decision);
    }
}

/// The gate's stored decision, else `decision` taken for the operator by the policy (`by`
/// says which rule), stored and journaled like an answer.
pub(crate) fn decide_by_policy<E>(
    ctx: &RunContext<E>,
    mut gate: Gate,
    decision: Decision,
    by: &str,
) -> Result<Decision, EngineError> {
    if let Some(stored) = locked(&ctx.store).decision(&ctx.plan_hash, &gate.name)? {
        return Ok(stored_decision(&stored));
    }
    gate.payload["by"] = json!(by);
    settle(ctx, &gate, &decision)?;
    Ok(decision)
}

/// Stores, journals and marks the decision, then announces it.
fn settle<E>(ctx: &RunContext<E>, gate: &Gate, decision: &Decision) -> Result<(), EngineError> {
    let mut payload = gate.payload.clone();
    payload["decision"] = json!(decision.word());
    if let Decision::Skip { reason } = decision {
        payload["reason"] = json!(reason);
    }
    let stored = StoredDecision {
        gate: gate.name.clone(),
        kind: entry_kind(decision),
        subject: gate.subject.clone(),
        payload,
        journaled: false,
    };
    locked(&ctx.store).record_decision(&ctx.plan_hash, &stored)?;
    journal_decision(
        &mut **locked(&ctx.store),
        &mut **locked(&ctx.journal),
        &ctx.plan_hash,
        &stored,
    )?;
    announce(ctx, gate, decision);
    Ok(())
}

fn announce<E>(ctx: &RunContext<E>, gate: &Gate, decision: &Decision) {
    ctx.emit(EngineEvent::Decided {
        question: gate.question.clone(),
        decision: decision.clone(),
    });
}

fn entry_kind(decision: &Decision) -> EntryKind {
    match decision {
        Decision::Proceed => EntryKind::Proceed,
        // The journal has no pause kind: a pause is the operator's signed note.
        Decision::Pause => EntryKind::Note,
        Decision::Skip { .. } => EntryKind::Skip,
        Decision::Abort => EntryKind::Abort,
        Decision::RollBack => EntryKind::Rollback,
    }
}

/// The decision a stored entry records. A kind no gate stores (a damaged row) stops the run:
/// going on would act on an answer nobody gave.
fn stored_decision(stored: &StoredDecision) -> Decision {
    match stored.kind {
        EntryKind::Proceed => Decision::Proceed,
        EntryKind::Skip => Decision::Skip {
            reason: stored
                .payload
                .get("reason")
                .and_then(Value::as_str)
                .unwrap_or("no reason given")
                .to_string(),
        },
        EntryKind::Rollback => Decision::RollBack,
        _ => Decision::Abort,
    }
}

fn journal_decision(
    store: &mut dyn RunStore,
    journal: &mut dyn RunJournal,
    plan_hash: &str,
    decision: &StoredDecision,
) -> Result<(), PortError> {
    journal.decision(decision.kind, &decision.subject, decision.payload.clone())?;
    store.mark_decision_journaled(plan_hash, &decision.gate)
}

/// Journals the run's decisions that were stored but never journaled, marked recovered.
pub(crate) fn catch_up_decisions(
    store: &mut dyn RunStore,
    journal: &mut dyn RunJournal,
    plan_hash: &str,
) -> Result<usize, PortError> {
    let pending = store.unjournaled_decisions(plan_hash)?;
    for decision in &pending {
        let mut recovered = decision.clone();
        recovered.payload["recovered"] = json!(true);
        journal_decision(store, journal, plan_hash, &recovered)?;
    }
    Ok(pending.len())
}

/// One line of printable text, capped: a reason goes into the journal and onto screens.
fn clean_reason(reason: &str) -> String {
    let text: String = reason
        .trim()
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(MAX_REASON_CHARS)
        .collect();
    if text.is_empty() {
        "no reason given".to_string()
    } else {
        text
    }
}
