//! The simulated fleet as an [`Executor`]: steps take the scenario's time (scaled down for
//! tests), faults come from the scenario, and the guard protocol is kept exactly as a real host
//! keeps it — a lock while the step runs, a completion marker after. A step whose process was
//! killed keeps running "on the host": its lock expires when it would have finished, and the
//! next probe finds its marker, as with a remote command that outlives ssh.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use sha2::{Digest, Sha256};

use super::state::{SimError, SimHost, SimLock, load_host, save_host};
use crate::config::{FaultKind, Scenario};
use crate::core::rollout::StepKind;
use crate::core::sanitize::sanitize_line;
use crate::engine::executor::{
    Executor, GuardedStep, HostTarget, MAX_OUTPUT_LINE_CHARS, MarkerState, OutputSink,
    OutputStream, StepOutcome,
};
use crate::engine::script::step_of;

/// Largest artifact the simulation hashes.
const MAX_ARTIFACT_BYTES: u64 = 256 * 1024 * 1024;

pub struct SimExecutor {
    scenario: Scenario,
    hosts: Mutex<BTreeMap<String, SimHost>>,
    state_dir: Option<PathBuf>,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl SimExecutor {
    /// A fleet of `hosts` behaving as `scenario` says. With a state directory, each host's
    /// state is read from it (if saved before) and saved to it after every change.
    pub fn new(
        scenario: Scenario,
        hosts: &[String],
        state_dir: Option<PathBuf>,
    ) -> Result<SimExecutor, SimError> {
        let mut states = BTreeMap::new();
        for host in hosts {
            let state = match &state_dir {
                Some(dir) => load_host(dir, host)?,
                None => SimHost::default(),
            };
            states.insert(host.clone(), state);
        }
        Ok(SimExecutor {
            scenario,
            hosts: Mutex::new(states),
            state_dir,
        })
    }

    /// A copy of a host's state, for tests and the training walkthrough.
    pub fn host(&self, name: &str) -> Option<SimHost> {
        self.lock().get(name).cloned()
    }

    fn lock(&self) -> MutexGuard<'_, BTreeMap<String, SimHost>> {
        self.hosts
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Changes a host's state and saves it; `None` when the host is not in the fleet.
    fn change<T>(
        &self,
        host: &str,
        change: impl FnOnce(&mut SimHost) -> T,
    ) -> Option<Result<T, SimError>> {
        let mut hosts = self.lock();
        let state = hosts.get_mut(host)?;
        let result = change(state);
        let saved = match &self.state_dir {
            Some(dir) => save_host(dir, host, state),
            None => Ok(()),
        };
        Some(saved.map(|()| result))
    }

    fn fault(&self, host: &str, matches: impl Fn(&FaultKind) -> bool) -> Option<&FaultKind> {
        self.scenario
            .faults
            .iter()
            .find(|f| f.host == host && matches(&f.kind))
            .map(|f| &f.kind)
    }

    fn drops_at(&self, host: &str, step: Option<StepKind>) -> bool {
        self.fault(host, |kind| match (kind, step) {
            (FaultKind::Drop { step: at }, Some(step)) => step >= *at,
            _ => false,
        })
        .is_some()
    }

    fn duration(&self, host: &str, step: Option<StepKind>) -> Duration {
        let slow = self.fault(
            host,
            |kind| matches!(kind, FaultKind::Slow { step: at, .. } if Some(*at) == step),
        );
        match slow {
            Some(FaultKind::Slow { ms, .. }) => Duration::from_millis(*ms),
            _ => Duration::from_millis(self.scenario.step_ms),
        }
    }

    fn exit_code(&self, host: &str, step: Option<StepKind>) -> i32 {
        let fail = self.fault(
            host,
            |kind| matches!(kind, FaultKind::Fail { step: at, .. } if Some(*at) == step),
        );
        match fail {
            Some(FaultKind::Fail { exit_code, .. }) => *exit_code,
            _ => 0,
        }
    }
}

const DROPPED: &str = "simulated: the host stopped answering";

fn unknown_host(host: &str) -> StepOutcome {
    StepOutcome::Unreachable {
        reason: format!("simulated fleet has no host {host}"),
    }
}

fn say(output: &dyn OutputSink, host: &str, text: &str) {
    output.line(
        host,
        OutputStream::Stdout,
        sanitize_line(text, MAX_OUTPUT_LINE_CHARS),
    );
}

enum Start {
    Run { exit_code: i32, duration: Duration },
    Done(i32),
    Locked,
    Dropped,
}

impl Executor for SimExecutor {
    async fn run_guarded(
        &self,
        host: &HostTarget,
        step: &GuardedStep,
        output: &dyn OutputSink,
    ) -> StepOutcome {
        let name = host.name.as_str();
        let kind = step_of(&step.script);
        let key = step.guard_key.as_str();
        let drops = self.drops_at(name, kind);
        let (exit_code, duration) = (self.exit_code(name, kind), self.duration(name, kind));
        let started = self.change(name, |state| {
            if state.dropped || drops {
                state.dropped = true;
                return Start::Dropped;
            }
            if let Some(code) = state.markers.get(key) {
                return Start::Done(*code);
            }
            if let Some(lock) = state.locks.get(key) {
                if lock.finishes_at_ms > now_ms() {
                    return Start::Locked;
                }
                return state.complete(key).map_or(Start::Locked, Start::Done);
            }
            state.locks.insert(
                key.to_string(),
                SimLock {
                    step: kind,
                    finishes_at_ms: now_ms()
                        + u64::try_from(duration.as_millis()).unwrap_or(u64::MAX),
                    exit_code,
                },
            );
            *state.runs.entry(key.to_string()).or_default() += 1;
            state
                .history
                .push(kind.map_or("script", StepKind::as_str).to_string());
            Start::Run {
                exit_code,
                duration,
            }
        });
        let (exit_code, duration) = match started {
            None => return unknown_host(name),
            Some(Err(e)) => {
                return StepOutcome::Unknown {
                    reason: e.to_string(),
                };
            }
            Some(Ok(Start::Dropped)) => {
                return StepOutcome::Unreachable {
                    reason: DROPPED.to_string(),
                };
            }
            Some(Ok(Start::Locked)) => return StepOutcome::Locked,
            Some(Ok(Start::Done(exit_code))) => {
                return StepOutcome::Finished {
                    exit_code,
                    already_done: true,
                };
            }
            Some(Ok(Start::Run {
                exit_code,
                duration,
            })) => (exit_code, duration),
        };
        for line in step.script.lines().skip(1).filter(|l| !l.trim().is_empty()) {
            say(output, name, &format!("+ {}", line.trim()));
        }
        tokio::time::sleep(duration).await;
        if exit_code != 0 {
            say(
                output,
                name,
                &format!("simulated fault: exit code {exit_code}"),
            );
        }
        match self.change(name, |state| state.complete(key)) {
            Some(Ok(Some(exit_code))) => StepOutcome::Finished {
                exit_code,
                already_done: false,
            },
            Some(Ok(None)) | None => StepOutcome::Unknown {
                reason: "simulated: the step's lock vanished".to_string(),
            },
            Some(Err(e)) => StepOutcome::Unknown {
                reason: e.to_string(),
            },
        }
    }

    async fn probe(&self, host: &HostTarget, guard_key: &str) -> MarkerState {
        let found = self.change(&host.name, |state| {
            if state.dropped {
                return MarkerState::Unreachable {
                    reason: DROPPED.to_string(),
                };
            }
            if let Some(exit_code) = state.markers.get(guard_key) {
                return MarkerState::Done {
                    exit_code: *exit_code,
                };
            }
            match state.locks.get(guard_key) {
                Some(lock) if lock.finishes_at_ms > now_ms() => MarkerState::Running,
                Some(_) => state
                    .complete(guard_key)
                    .map_or(MarkerState::Absent, |exit_code| MarkerState::Done {
                        exit_code,
                    }),
                None => MarkerState::Absent,
            }
        });
        match found {
            Some(Ok(state)) => state,
            Some(Err(e)) => MarkerState::Unreachable {
                reason: e.to_string(),
            },
            None => MarkerState::Unreachable {
                reason: format!("simulated fleet has no host {}", host.name),
            },
        }
    }

    async fn upload(
        &self,
        host: &HostTarget,
        local: &Path,
        sha256_hex: &str,
        remote_path: &str,
    ) -> StepOutcome {
        let name = host.name.as_str();
        let mismatch = self
            .fault(name, |kind| *kind == FaultKind::HashMismatch)
            .is_some();
        let arrived = if mismatch {
            Ok("0".repeat(64))
        } else {
            local_sha256(local)
        };
        let drops = self.drops_at(name, Some(StepKind::Upload));
        let duration = self.duration(name, Some(StepKind::Upload));
        tokio::time::sleep(duration).await;
        let outcome = self.change(name, |state| {
            if state.dropped || drops {
                state.dropped = true;
                return StepOutcome::Unreachable {
                    reason: DROPPED.to_string(),
                };
            }
            state.history.push(StepKind::Upload.as_str().to_string());
            match &arrived {
                Ok(sha) if sha == sha256_hex => {
                    state.files.insert(remote_path.to_string(), sha.clone());
                    StepOutcome::Finished {
                        exit_code: 0,
                        already_done: false,
                    }
                }
                Ok(_) => StepOutcome::Finished {
                    exit_code: 1,
                    already_done: false,
                },
                Err(reason) => StepOutcome::Unknown {
                    reason: reason.clone(),
                },
            }
        });
        match outcome {
            Some(Ok(outcome)) => outcome,
            Some(Err(e)) => StepOutcome::Unknown {
                reason: e.to_string(),
            },
            None => unknown_host(name),
        }
    }
}

fn local_sha256(path: &Path) -> Result<String, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{}: {e}", path.display()))?
        .len();
    if size > MAX_ARTIFACT_BYTES {
        return Err(format!(
            "{}: {size} bytes, more than the simulation hashes",
            path.display()
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(hex::encode(Sha256::digest(&bytes)))
}
