//! What `apply` checks before anything runs: the plan has not drifted from an unfinished run,
//! the approvals policy asks for are in a journal that verifies, and a maintenance window is
//! open for every environment the plan touches (unless the operator declares an emergency).

use std::collections::BTreeSet;

use anyhow::Result;
use chrono::{DateTime, Utc};
use secureupdate::adapters::approvals::JournalApprovals;
use secureupdate::adapters::store::StateStore;
use secureupdate::app::maintenance::{WindowStatus, short_duration, window_status};
use secureupdate::config::Site;
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

/// The approvals the plan needs are in a journal that verifies (the same check the engine makes
/// before its first wave that needs them).
pub fn check_approvals(
    approvals: &JournalApprovals,
    plan: &Plan,
    hash: &str,
    deployer: &str,
) -> Result<()> {
    Ok(approvals.verify(plan, hash, deployer)?)
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
        match window_status(&windows, now) {
            WindowStatus::NoWindows | WindowStatus::Open { .. } => {}
            WindowStatus::Closed { next, opens_in } => {
                return Err(Refused::OutsideWindow {
                    environment: environment.as_str(),
                    detail: format!("{next} opens in {}", short_duration(opens_in)),
                }
                .into());
            }
        }
    }
    Ok(())
}
