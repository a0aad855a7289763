//! Approvals as the journal holds them: `approve` entries signed by approvers, read only from
//! a journal whose chain and signatures verify against site.toml's keys. The engine's
//! [`ApprovalCheck`] port, and what `apply` checks before it unlocks any key.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::Mutex;

use thiserror::Error;

use crate::adapters::journal::{
    Journal, JournalError, VerifiedHead, journal_path, verify_site_journal,
};
use crate::config::{Role, Site, SiteConfig};
use crate::core::rollout::{Plan, WaveKind};
use crate::engine::approval::{ApprovalCheck, ApprovalVerdict};

#[derive(Debug, Error)]
pub enum ApprovalError {
    #[error(
        "plan drifted since approval: plan {approved} was approved, but the site now gives plan {current}; review it with `secureupdate plan {patch}` and have it approved"
    )]
    DriftFromApproval {
        patch: String,
        approved: String,
        current: String,
    },
    #[error(
        "plan {hash} needs {needed} approval(s) by an approver{other}; found {found}: run `secureupdate plan {patch}`, then `secureupdate approve {hash} --operator APPROVER`"
    )]
    NotApproved {
        patch: String,
        hash: String,
        needed: u32,
        found: usize,
        other: &'static str,
    },
    #[error(
        "the journal does not verify ({0}); approvals in it cannot be trusted: run `secureupdate journal verify`"
    )]
    JournalBad(String),
    #[error(transparent)]
    Journal(#[from] JournalError),
}

/// An `approve` entry as found in the journal.
#[derive(Clone)]
struct Approval {
    operator: String,
    plan_hash: String,
    patch: String,
}

/// The site's journal as the judge of approvals.
pub struct JournalApprovals {
    site_dir: PathBuf,
    config: SiteConfig,
    /// The journal as last verified here and the approvals read from its verified entries.
    /// While the journal still ends at the same size and head it is not verified again, and
    /// these approvals stand (rows are never read again unverified): `apply` checks approvals
    /// before it unlocks a key, and the same check then vouches for the journal it appends to.
    verified: Mutex<Option<(VerifiedHead, Vec<Approval>)>>,
}

impl JournalApprovals {
    pub fn new(site: &Site) -> Self {
        JournalApprovals {
            site_dir: site.dir.clone(),
            config: site.config.clone(),
            verified: Mutex::new(None),
        }
    }

    /// Ok when the plan needs no approval or has enough by approvers (other than the deployer
    /// when policy says two persons).
    pub fn verify(&self, plan: &Plan, hash: &str, deployer: &str) -> Result<(), ApprovalError> {
        if !plan.approval.required || !plan.waves.iter().any(|w| w.kind != WaveKind::Staging) {
            return Ok(());
        }
        let approvals = self.read_approvals()?;
        let approvers: BTreeSet<&str> = approvals
            .iter()
            .filter(|a| a.plan_hash == hash)
            .filter(|a| {
                self.config
                    .operator_with_role(&a.operator, Role::Approver)
                    .is_some()
            })
            .filter(|a| !plan.approval.two_person || a.operator != deployer)
            .map(|a| a.operator.as_str())
            .collect();
        if approvers.len() >= plan.approval.approvers as usize {
            return Ok(());
        }
        if let Some(other) = approvals
            .iter()
            .rev()
            .find(|a| a.patch == plan.patch.id && a.plan_hash != hash)
        {
            return Err(ApprovalError::DriftFromApproval {
                patch: plan.patch.id.clone(),
                approved: other.plan_hash.clone(),
                current: hash.to_string(),
            });
        }
        Err(ApprovalError::NotApproved {
            patch: plan.patch.id.clone(),
            hash: hash.to_string(),
            needed: plan.approval.approvers,
            found: approvers.len(),
            other: if plan.approval.two_person {
                " other than the deployer"
            } else {
                ""
            },
        })
    }

    /// Where the journal ended when this check last verified it, if it did.
    pub fn verified_head(&self) -> Option<VerifiedHead> {
        self.cached().map(|(head, _)| head)
    }

    fn cached(&self) -> Option<(VerifiedHead, Vec<Approval>)> {
        self.verified
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Approvals from a journal whose chain and signatures verify against site.toml's keys,
    /// read only from the entries that verified.
    fn read_approvals(&self) -> Result<Vec<Approval>, ApprovalError> {
        let db = journal_path(&self.site_dir);
        if !db.exists() {
            return Ok(Vec::new());
        }
        let journal = Journal::open_read_only(&db)?;
        let now = VerifiedHead::of(&journal.head()?);
        if let Some((head, approvals)) = self.cached()
            && head == now
        {
            return Ok(approvals);
        }
        let verified = verify_site_journal(&self.site_dir, &self.config).map_err(|e| match e {
            JournalError::NotIntact { seq, message, .. } => {
                ApprovalError::JournalBad(format!("entry {seq}: {message}"))
            }
            other => ApprovalError::Journal(other),
        })?;
        let Some(head) = verified else {
            return Ok(Vec::new());
        };
        let mut approvals = Vec::new();
        journal.for_each_row(1, |row| {
            // Entries appended after the verification are not vouched for.
            if row.kind != "approve" || u64::try_from(row.seq).map_or(true, |seq| seq > head.size) {
                return;
            }
            let Ok(payload) = serde_json::from_str::<serde_json::Value>(&row.payload) else {
                return;
            };
            let text = |key: &str| payload.get(key).and_then(|v| v.as_str()).map(String::from);
            if let (Some(plan_hash), Some(patch)) = (text("plan_hash"), text("patch")) {
                approvals.push(Approval {
                    operator: row.operator.clone(),
                    plan_hash,
                    patch,
                });
            }
        })?;
        *self.verified.lock().unwrap_or_else(|e| e.into_inner()) = Some((head, approvals.clone()));
        Ok(approvals)
    }
}

impl ApprovalCheck for JournalApprovals {
    fn check(&self, plan: &Plan, plan_hash: &str, deployer: &str) -> ApprovalVerdict {
        match self.verify(plan, plan_hash, deployer) {
            Ok(()) => ApprovalVerdict::Approved,
            Err(refusal) => ApprovalVerdict::NotApproved {
                reason: refusal.to_string(),
            },
        }
    }
}
