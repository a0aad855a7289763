//! What `apply` checks before anything runs: the plan has not drifted from an unfinished run,
//! the approvals policy asks for are in a journal that verifies, and a maintenance window is
//! open for every environment the plan touches (unless the operator declares an emergency).

use std::collections::BTreeSet;

use anyhow::Result;
use chrono::{DateTime, Utc};
use secureupdate::adapters::journal::{
    Journal, checkpoints_dir, journal_path, site_trusted_keys, verify_journal,
};
use secureupdate::adapters::store::StateStore;
use secureupdate::app::maintenance::{WindowStatus, short_duration, window_status};
use secureupdate::config::{Role, Site};
use secureupdate::core::asset::Environment;
use secureupdate::core::rollout::{Plan, WaveKind};

/// Refusals: the command exits 1 and nothing runs.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error(
        "plan drifted: the unfinished run of {patch} is plan {stored}, but the site now gives plan {current}; restore the site as it was to finish that run"
    )]
    DriftFromRun {
        patch: String,
        stored: String,
        current: String,
    },
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
    #[error(
        "outside the maintenance window for {environment} ({detail}); wait, or pass --emergency REASON"
    )]
    OutsideWindow {
        environment: &'static str,
        detail: String,
    },
}

pub fn check_drift(store: &StateStore, plan: &Plan, hash: &str) -> Result<()> {
    for stored in store.unfinished_runs(&plan.patch.id)? {
        if stored != hash {
            return Err(Refused::DriftFromRun {
                patch: plan.patch.id.clone(),
                stored,
                current: hash.to_string(),
            }
            .into());
        }
    }
    Ok(())
}

/// An `approve` entry as found in the journal.
struct Approval {
    operator: String,
    plan_hash: String,
    patch: String,
}

pub fn check_approvals(site: &Site, plan: &Plan, hash: &str, deployer: &str) -> Result<()> {
    if !plan.approval.required || !plan.waves.iter().any(|w| w.kind != WaveKind::Staging) {
        return Ok(());
    }
    let approvals = read_approvals(site)?;
    let approvers: BTreeSet<&str> = approvals
        .iter()
        .filter(|a| a.plan_hash == hash)
        .filter(|a| {
            site.config
                .operator(&a.operator)
                .is_some_and(|op| op.has_role(Role::Approver))
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
        return Err(Refused::DriftFromApproval {
            patch: plan.patch.id.clone(),
            approved: other.plan_hash.clone(),
            current: hash.to_string(),
        }
        .into());
    }
    Err(Refused::NotApproved {
        patch: plan.patch.id.clone(),
        hash: hash.to_string(),
        needed: plan.approval.approvers,
        found: approvers.len(),
        other: if plan.approval.two_person {
            " other than the deployer"
        } else {
            ""
        },
    }
    .into())
}

/// Approvals from a journal whose chain and signatures verify against site.toml's keys.
fn read_approvals(site: &Site) -> Result<Vec<Approval>> {
    let db = journal_path(&site.dir);
    if !db.exists() {
        return Ok(Vec::new());
    }
    let trusted = site_trusted_keys(&site.dir, &site.config)?;
    let report = verify_journal(&db, &checkpoints_dir(&site.dir), &trusted, None)?;
    if let Some(problem) = report.first_problem() {
        return Err(
            Refused::JournalBad(format!("entry {}: {}", problem.seq, problem.message)).into(),
        );
    }
    let mut approvals = Vec::new();
    Journal::open_read_only(&db)?.for_each_row(1, |row| {
        if row.kind != "approve" {
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
    Ok(approvals)
}

/// Every environment the plan touches needs an open window, when the policy has windows for it.
pub fn check_window(site: &Site, plan: &Plan, now: DateTime<Utc>) -> Result<()> {
    let mut environments = BTreeSet::new();
    for wave in &plan.waves {
        environments.insert(match wave.kind {
            WaveKind::Staging => Environment::Staging,
            WaveKind::Canary | WaveKind::Production => Environment::Production,
        });
    }
    for environment in environments {
        let windows: Vec<_> = site
            .policy
            .windows
            .iter()
            .filter(|w| w.environments.contains(&environment))
            .cloned()
            .collect();
        let name = match environment {
            Environment::Staging => "staging",
            Environment::Production => "production",
        };
        match window_status(&windows, now) {
            WindowStatus::NoWindows | WindowStatus::Open { .. } => {}
            WindowStatus::Closed { next, opens_in } => {
                return Err(Refused::OutsideWindow {
                    environment: name,
                    detail: format!("{next} opens in {}", short_duration(opens_in)),
                }
                .into());
            }
        }
    }
    Ok(())
}
