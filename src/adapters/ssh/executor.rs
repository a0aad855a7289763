//! `SshExecutor`: the engine's executor port over OpenSSH (the `openssh` crate). One master
//! connection per host; each command is a new session opened through the master's control
//! socket (native mux), so no ssh process is started per command.

use std::path::Path;

use super::control_dir::ControlDir;
use super::error::SshError;
use super::options::SshOptions;
use super::sessions::SessionPool;
use super::{guarded, probe, upload};
use crate::config::SshSettings;
use crate::engine::executor::{
    Executor, GuardedStep, HostTarget, MarkerState, OutputSink, StepOutcome,
};

/// Runs guarded steps on real hosts. Make one per run, share it between the host tasks, and
/// [`close`](SshExecutor::close) it at the end; dropping it also closes the masters (blocking)
/// and removes the control directory.
#[derive(Debug)]
pub struct SshExecutor {
    options: SshOptions,
    // Declared before `control` so the masters are closed before their directory goes.
    pool: SessionPool,
    control: ControlDir,
}

impl SshExecutor {
    /// An executor for the site's `[ssh]` settings, paths resolved against `site_dir`.
    pub fn from_site(settings: &SshSettings, site_dir: &Path) -> Result<SshExecutor, SshError> {
        SshExecutor::new(SshOptions::from_site(settings, site_dir))
    }

    /// An executor with explicit options (e.g. the site's with timeouts overridden).
    pub fn new(options: SshOptions) -> Result<SshExecutor, SshError> {
        options.check_files()?;
        let control = ControlDir::create(&options)?;
        let pool = SessionPool::new(&options, &control);
        Ok(SshExecutor {
            options,
            pool,
            control,
        })
    }

    pub fn options(&self) -> &SshOptions {
        &self.options
    }

    /// The private directory holding the control sockets and the generated ssh config.
    pub fn control_dir(&self) -> &Path {
        self.control.path()
    }

    /// Closes every master connection; later calls connect again.
    pub async fn close(&self) {
        self.pool.close_all().await;
    }
}

impl Executor for SshExecutor {
    async fn run_guarded(
        &self,
        host: &HostTarget,
        step: &GuardedStep,
        output: &dyn OutputSink,
    ) -> StepOutcome {
        guarded::run(&self.pool, host, step, output).await
    }

    async fn probe(&self, host: &HostTarget, guard_key: &str) -> MarkerState {
        probe::run(&self.pool, host, guard_key, self.options.command_timeout).await
    }

    async fn upload(
        &self,
        host: &HostTarget,
        local: &Path,
        sha256_hex: &str,
        remote_path: &str,
    ) -> StepOutcome {
        let limit = self.options.command_timeout;
        upload::run(&self.pool, host, local, sha256_hex, remote_path, limit).await
    }
}
