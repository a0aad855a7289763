//! Asking the operator: every answer is journaled (signed by the deploying operator) before it
//! takes effect, and announced; a pause is journaled too, and the same question asked again.

use serde_json::{Value, json};

use super::events::EngineEvent;
use super::ports::{Decision, Question};
use super::run::{EngineError, RunContext, locked};
use crate::core::journal::EntryKind;

/// Longest skip reason kept; the console and the headless prompt cap it before this.
pub const MAX_REASON_CHARS: usize = 500;

/// Asks `question` until the answer is not a pause; journals every answer under `subject`
/// with `payload` plus the decision (and the reason of a skip).
pub(crate) async fn decide<E>(
    ctx: &RunContext<E>,
    question: Question,
    subject: &str,
    payload: Value,
) -> Result<Decision, EngineError> {
    loop {
        let decision = match ctx.decider.ask(question.clone()).await {
            Decision::Skip { reason } => Decision::Skip {
                reason: clean_reason(&reason),
            },
            other => other,
        };
        record(ctx, &question, &decision, subject, payload.clone())?;
        if decision != Decision::Pause {
            return Ok(decision);
        }
    }
}

/// Journals a decision taken for the operator (the policy's automatic rollback) or by them.
pub(crate) fn record<E>(
    ctx: &RunContext<E>,
    question: &Question,
    decision: &Decision,
    subject: &str,
    mut payload: Value,
) -> Result<(), EngineError> {
    let kind = match decision {
        Decision::Proceed => EntryKind::Proceed,
        // The journal has no pause kind: a pause is the operator's signed note.
        Decision::Pause => EntryKind::Note,
        Decision::Skip { .. } => EntryKind::Skip,
        Decision::Abort => EntryKind::Abort,
        Decision::RollBack => EntryKind::Rollback,
    };
    payload["decision"] = json!(decision.word());
    if let Decision::Skip { reason } = decision {
        payload["reason"] = json!(reason);
    }
    locked(&ctx.journal).decision(kind, subject, payload)?;
    ctx.emit(EngineEvent::Decided {
        question: question.clone(),
        decision: decision.clone(),
    });
    Ok(())
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
