//! Where a headless rollout command's steps run: the site's real hosts over ssh, or its
//! simulated training fleet; and the engine settings both share.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Result;
use clap::ValueEnum;
use secureupdate::adapters::sim::SimExecutor;
use secureupdate::adapters::ssh::SshExecutor;
use secureupdate::config::{Scenario, Site};
use secureupdate::engine::EngineSettings;

use crate::exit::bad_input;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecutorKind {
    /// Real hosts over SSH (strict host keys from the site's known_hosts).
    Ssh,
    /// The simulated training fleet (state kept in the site's sim/ directory).
    Sim,
}

/// An opened executor of either kind.
pub enum Fleet {
    Sim(Arc<SimExecutor>),
    Ssh(Arc<SshExecutor>),
}

#[derive(Debug, thiserror::Error)]
#[error("--scenario NAME belongs to the simulated fleet: add --executor sim, or leave it out")]
struct ScenarioNeedsSim;

impl Fleet {
    /// Opens the `kind` of fleet for `site`; `scenario` is how the simulated hosts behave and
    /// must be absent for real hosts.
    pub fn open(site: &Site, kind: ExecutorKind, scenario: Option<Scenario>) -> Result<Fleet> {
        match (kind, scenario) {
            (ExecutorKind::Ssh, Some(_)) => Err(bad_input(ScenarioNeedsSim)),
            (ExecutorKind::Ssh, None) => Ok(Fleet::Ssh(Arc::new(
                SshExecutor::from_site(&site.config.ssh, &site.dir).map_err(bad_input)?,
            ))),
            (ExecutorKind::Sim, scenario) => {
                let hosts: Vec<String> = site.assets.iter().map(|a| a.name.clone()).collect();
                let scenario = scenario.unwrap_or_else(|| Scenario::all_good(SIM_STEP_MS));
                Ok(Fleet::Sim(Arc::new(SimExecutor::new(
                    scenario,
                    &hosts,
                    Some(site.dir.join("sim")),
                )?)))
            }
        }
    }
}

/// How long a simulated step takes when no scenario says otherwise.
pub const SIM_STEP_MS: u64 = 50;

/// The engine settings of a rollout by `operator` on `site`.
pub fn engine_settings(
    site: &Site,
    operator: &str,
    artifact_local: Option<PathBuf>,
) -> EngineSettings {
    EngineSettings {
        operator: operator.to_string(),
        artifact_local,
        poll_interval: Duration::from_millis(200),
        max_polls: 3000,
        on_failed_verify: site.policy.rollback.on_failed_verify,
    }
}
