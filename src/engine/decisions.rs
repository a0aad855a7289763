//! Gates are decided once per run. A decision is stored in state.db before it is journaled,
//! then marked journaled: a resumed run finds it and does not ask again (nor journal a second
//! signed answer), and journals any decision a crash kept from the journal.

use serde_json::{Value, json};

use super::ports::{PortError, Question, RunJournal, RunStore, StoredDecision};
use super::run::{EngineError, RunContext, locked};
use crate::core::journal::EntryKind;
use crate::core::rollout::StepKind;

/// The health gate between `after_wave` and the next one.
pub(crate) fn health_gate(after_wave: u32) -> String {
    format!("health after wave {after_wave}")
}

/// The question whether to roll `host` back after `failed` failed in `attempt`.
pub(crate) fn rollback_gate(host: &str, failed: StepKind, attempt: u32) -> String {
    format!("rollback {host} after {failed} attempt {attempt}")
}

/// What to ask at a gate, and how each answer is journaled.
pub(crate) struct Gate {
    pub name: String,
    pub question: Question,
    pub yes: EntryKind,
    pub no: EntryKind,
    pub subject: String,
    pub payload: Value,
}

/// The gate's stored answer, or the operator's: stored, journaled (signed), marked journaled.
pub(crate) async fn decide_once<E>(ctx: &RunContext<E>, gate: Gate) -> Result<bool, EngineError> {
    if let Some(stored) = locked(&ctx.store).decision(&ctx.plan_hash, &gate.name)? {
        return Ok(stored.kind == gate.yes);
    }
    let answer = ctx.decider.ask(gate.question).await;
    let mut payload = gate.payload;
    payload["answer"] = json!(if answer { "yes" } else { "no" });
    let decision = StoredDecision {
        gate: gate.name,
        kind: if answer { gate.yes } else { gate.no },
        subject: gate.subject,
        payload,
        journaled: false,
    };
    locked(&ctx.store).record_decision(&ctx.plan_hash, &decision)?;
    journal_decision(
        &mut **locked(&ctx.store),
        &mut **locked(&ctx.journal),
        &ctx.plan_hash,
        &decision,
    )?;
    Ok(answer)
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
