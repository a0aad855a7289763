//! The approval port: before the first wave that needs a signed approval of the plan, the
//! engine asks it, and refuses to go on without one. The CLI and the console use the same
//! implementation (the journal's `approve` entries, `adapters::approvals`).

use super::run::{EngineError, RunContext};
use crate::core::rollout::Plan;

/// Whether the plan is approved for this deployer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApprovalVerdict {
    Approved,
    NotApproved { reason: String },
}

pub trait ApprovalCheck: Send + Sync {
    /// Looks for the approvals `plan` (hashing to `plan_hash`) needs, when `deployer` runs it.
    fn check(&self, plan: &Plan, plan_hash: &str, deployer: &str) -> ApprovalVerdict;
}

/// Refuses to start `wave` unless the plan is approved; without a check, nothing counts as
/// approved.
pub(crate) fn require_approval<E>(ctx: &RunContext<E>, wave: u32) -> Result<(), EngineError> {
    let verdict = match &ctx.approvals {
        Some(check) => check.check(&ctx.plan, &ctx.plan_hash, &ctx.settings.operator),
        None => ApprovalVerdict::NotApproved {
            reason: "no approval check was given to the engine".to_string(),
        },
    };
    match verdict {
        ApprovalVerdict::Approved => Ok(()),
        ApprovalVerdict::NotApproved { reason } => Err(EngineError::NotApproved { wave, reason }),
    }
}
