//! Where a headless rollout command's steps run: the site's real hosts over ssh, or its
//! simulated training fleet; and the engine settings both share.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;
use clap::ValueEnum;
use secureupdate::adapters::journal::{
    Journal, OperatorSigner, VerifiedHead, checkpoints_dir, journal_path, verify_site_journal,
};
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::sim::SimExecutor;
use secureupdate::adapters::ssh::SshExecutor;
use secureupdate::config::{SCENARIOS_DIR, Scenario, Site, load_scenario};
use secureupdate::engine::EngineSettings;
use secureupdate::engine::executor::{
    Executor, GuardedStep, HostTarget, MarkerState, OutputSink, StepOutcome,
};

use super::rollout_plan::printable;
use crate::exit::bad_input;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExecutorKind {
    /// Real hosts over SSH (strict host keys from the site's known_hosts).
    Ssh,
    /// The simulated training fleet (state kept in the site's sim/ directory).
    Sim,
}

/// An opened executor of either kind; the engine runs on it as on either.
pub enum Fleet {
    Sim(SimExecutor),
    Ssh(Box<SshExecutor>),
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
            (ExecutorKind::Ssh, None) => Ok(Fleet::Ssh(Box::new(
                SshExecutor::from_site(&site.config.ssh, &site.dir).map_err(bad_input)?,
            ))),
            (ExecutorKind::Sim, scenario) => {
                let hosts: Vec<String> = site.assets.iter().map(|a| a.name.clone()).collect();
                let scenario = scenario.unwrap_or_else(|| Scenario::all_good(SIM_STEP_MS));
                Ok(Fleet::Sim(SimExecutor::new(
                    scenario,
                    &hosts,
                    Some(site.dir.join("sim")),
                )?))
            }
        }
    }

    /// Ends the run's connections: no ssh master is left behind.
    pub async fn close(&self) {
        if let Fleet::Ssh(executor) = self {
            executor.close().await;
        }
    }
}

impl Executor for Fleet {
    async fn run_guarded(
        &self,
        host: &HostTarget,
        step: &GuardedStep,
        output: &dyn OutputSink,
    ) -> StepOutcome {
        match self {
            Fleet::Sim(executor) => executor.run_guarded(host, step, output).await,
            Fleet::Ssh(executor) => executor.run_guarded(host, step, output).await,
        }
    }

    async fn probe(&self, host: &HostTarget, guard_key: &str) -> MarkerState {
        match self {
            Fleet::Sim(executor) => executor.probe(host, guard_key).await,
            Fleet::Ssh(executor) => executor.probe(host, guard_key).await,
        }
    }

    async fn upload(
        &self,
        host: &HostTarget,
        local: &Path,
        sha256_hex: &str,
        remote_path: &str,
    ) -> StepOutcome {
        match self {
            Fleet::Sim(executor) => executor.upload(host, local, sha256_hex, remote_path).await,
            Fleet::Ssh(executor) => executor.upload(host, local, sha256_hex, remote_path).await,
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("no scenario `{name}`: expected the name of a file in {dir}")]
struct NoScenario {
    name: String,
    dir: String,
}

/// The scenario `name` from the site's scenarios/ directory, checked against its assets.
pub fn site_scenario(site: &Site, name: &str) -> Result<Scenario> {
    let plain = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'));
    let dir = site.dir.join(SCENARIOS_DIR);
    let path = dir.join(format!("{name}.toml"));
    if !plain || !path.is_file() {
        return Err(bad_input(NoScenario {
            name: printable(name),
            dir: dir.display().to_string(),
        }));
    }
    let hosts: Vec<&str> = site.assets.iter().map(|a| a.name.as_str()).collect();
    load_scenario(&path, &hosts).map_err(bad_input)
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

/// The journal a rollout by `signer`'s operator writes: verified first (unless it still ends
/// at `verified_head`, which the caller has just verified), then sealed with a checkpoint every
/// `[journal] checkpoint_every` entries and at the end, as each checkpoint vouches for
/// everything before it.
pub fn rollout_journal(
    site: &Site,
    signer: OperatorSigner,
    verified_head: Option<&VerifiedHead>,
) -> Result<RolloutJournal> {
    let journal = Journal::open_or_create(&journal_path(&site.dir))?;
    if verified_head != Some(&VerifiedHead::of(&journal.head()?)) {
        verify_site_journal(&site.dir, &site.config)?;
    }
    RolloutJournal::new(journal, signer)
        .with_checkpoints(
            checkpoints_dir(&site.dir),
            site.policy.journal.checkpoint_every,
        )
        .map_err(|e| anyhow::anyhow!(e.0))
}
