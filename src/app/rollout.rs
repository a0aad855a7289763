//! A rollout as the console shows it: waves with their progress, each host's state, the
//! question waiting for the operator, and the hosts' output in capped buffers. Built from the
//! plan, then changed only by the engine's events (already sanitized at ingest by the
//! executor: lines are stored and drawn as they came, never interpreted).

use std::collections::VecDeque;
use std::sync::Arc;

use crate::core::rollout::{Plan, StepKind, WaveKind};
use crate::engine::{EngineEvent, HostResult, Question, RunOutcome, StepStatus};

/// Lines kept per host; older lines are dropped (the journal keeps every step's digest).
pub const HOST_LOG_LINES: usize = 200;
/// Lines kept in the interleaved log of all hosts.
pub const ALL_LOG_LINES: usize = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostState {
    Pending,
    Running(StepKind),
    Done,
    Failed(StepKind),
    Unreachable(StepKind),
    /// Whether the step ran is not known (it may still be running): check the host.
    Unknown(StepKind),
    RolledBack,
    /// The operator skipped its wave.
    Skipped,
}

impl HostState {
    /// A word that reads without colour.
    pub fn label(self) -> String {
        match self {
            HostState::Pending => "pending".to_string(),
            HostState::Running(step) => format!("running {step}"),
            HostState::Done => "done".to_string(),
            HostState::Failed(step) => format!("FAILED at {step}"),
            HostState::Unreachable(step) => format!("UNREACHABLE at {step}"),
            HostState::Unknown(step) => format!("UNKNOWN at {step}"),
            HostState::RolledBack => "rolled back".to_string(),
            HostState::Skipped => "skipped".to_string(),
        }
    }

    pub fn is_failure(self) -> bool {
        matches!(
            self,
            HostState::Failed(_) | HostState::Unreachable(_) | HostState::Unknown(_)
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostLine {
    pub name: String,
    pub wave: u32,
    pub state: HostState,
    /// A rollback ran on this host and failed.
    pub rollback_failed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveState {
    Waiting,
    Running,
    Done,
    Halted,
    Skipped,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaveLine {
    pub number: u32,
    pub kind: WaveKind,
    pub label: String,
    pub state: WaveState,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RolloutView {
    /// The queue row (index into the fleet's patches) the rollout belongs to.
    pub patch: usize,
    /// The patch definition's id: what the operator types to confirm.
    pub definition: String,
    pub plan_hash: String,
    pub has_artifact: bool,
    pub waves: Vec<WaveLine>,
    pub hosts: Vec<HostLine>,
    logs: Vec<VecDeque<Arc<str>>>,
    all: VecDeque<(usize, Arc<str>)>,
    /// Lines the background feed dropped because the console fell behind.
    pub dropped_lines: usize,
    /// The host whose output the log pane follows; `None` follows all hosts.
    pub follow: Option<usize>,
    /// The question the engine is waiting on.
    pub question: Option<Question>,
    pub outcome: Option<RunOutcome>,
    /// Background work (the run, or a rollback) is going on.
    pub active: bool,
    /// Why the background work stopped early, or what a rollback did.
    pub note: Option<String>,
}

impl RolloutView {
    pub fn new(patch: usize, plan: &Plan, plan_hash: String) -> RolloutView {
        let hosts: Vec<HostLine> = plan
            .waves
            .iter()
            .flat_map(|wave| {
                wave.hosts.iter().map(|host| HostLine {
                    name: host.name.clone(),
                    wave: wave.number,
                    state: HostState::Pending,
                    rollback_failed: false,
                })
            })
            .collect();
        RolloutView {
            patch,
            definition: plan.patch.id.clone(),
            plan_hash,
            has_artifact: plan.patch.artifact.is_some(),
            waves: plan
                .waves
                .iter()
                .map(|wave| WaveLine {
                    number: wave.number,
                    kind: wave.kind,
                    label: wave.label(),
                    state: WaveState::Waiting,
                })
                .collect(),
            logs: vec![VecDeque::new(); hosts.len()],
            hosts,
            all: VecDeque::new(),
            dropped_lines: 0,
            follow: None,
            question: None,
            outcome: None,
            active: true,
            note: None,
        }
    }

    fn host_index(&self, name: &str) -> Option<usize> {
        self.hosts.iter().position(|h| h.name == name)
    }

    fn set_host(&mut self, name: &str, state: HostState) {
        if let Some(i) = self.host_index(name) {
            self.hosts[i].state = state;
        }
    }

    fn set_wave(&mut self, number: u32, state: WaveState) {
        if let Some(wave) = self.waves.iter_mut().find(|w| w.number == number) {
            wave.state = state;
        }
    }

    /// A host's line into its buffer and the interleaved one, both capped.
    fn push_line(&mut self, host: usize, line: Arc<str>) {
        let buffer = &mut self.logs[host];
        if buffer.len() == HOST_LOG_LINES {
            buffer.pop_front();
        }
        buffer.push_back(Arc::clone(&line));
        if self.all.len() == ALL_LOG_LINES {
            self.all.pop_front();
        }
        self.all.push_back((host, line));
    }

    /// Applies one engine event; returns whether it was a decision (the journal grew).
    pub fn apply(&mut self, event: &EngineEvent) -> bool {
        match event {
            EngineEvent::WaveStarted { wave, .. } => self.set_wave(*wave, WaveState::Running),
            EngineEvent::StepStarted { host, step, .. } => {
                self.set_host(host, HostState::Running(*step));
            }
            EngineEvent::Output { host, line, .. } => {
                if let Some(i) = self.host_index(host) {
                    self.push_line(i, Arc::from(line.as_str()));
                }
            }
            EngineEvent::OutputDropped { host, step, lines } => {
                if let Some(i) = self.host_index(host) {
                    self.push_line(
                        i,
                        Arc::from(format!(
                            "-- {step}: {lines} more lines not shown (too much output)"
                        )),
                    );
                }
            }
            EngineEvent::StepFinished {
                host, step, status, ..
            } => {
                let word = match status {
                    StepStatus::Succeeded => "ok".to_string(),
                    StepStatus::Failed { exit_code } => format!("FAILED (exit code {exit_code})"),
                    StepStatus::Lost { reason, .. } => format!("FAILED ({reason})"),
                    StepStatus::Unknown { reason } => format!("UNKNOWN ({reason})"),
                };
                if let Some(i) = self.host_index(host) {
                    self.push_line(i, Arc::from(format!("-- {step}: {word}")));
                    match status {
                        _ if *step == StepKind::Rollback => {}
                        StepStatus::Succeeded => {}
                        StepStatus::Lost {
                            unreachable: true, ..
                        } => self.hosts[i].state = HostState::Unreachable(*step),
                        StepStatus::Unknown { .. } => {
                            self.hosts[i].state = HostState::Unknown(*step)
                        }
                        _ => self.hosts[i].state = HostState::Failed(*step),
                    }
                    if *step == StepKind::Rollback {
                        let ok = *status == StepStatus::Succeeded;
                        self.hosts[i].rollback_failed = !ok;
                        if ok {
                            self.hosts[i].state = HostState::RolledBack;
                        }
                    }
                }
            }
            EngineEvent::HostFinished { host, result, .. } => {
                let state = match result {
                    HostResult::Succeeded => HostState::Done,
                    HostResult::Failed {
                        rolled_back: true, ..
                    } => HostState::RolledBack,
                    HostResult::Failed { step, .. } => HostState::Failed(*step),
                    HostResult::Unreachable { step } => HostState::Unreachable(*step),
                    HostResult::Unknown { step } => HostState::Unknown(*step),
                    HostResult::Untouched => HostState::Pending,
                };
                self.set_host(host, state);
            }
            EngineEvent::WaveFinished { wave, halted, .. } => {
                let state = if *halted {
                    WaveState::Halted
                } else {
                    WaveState::Done
                };
                self.set_wave(*wave, state);
            }
            EngineEvent::WaveSkipped { wave, .. } => {
                self.set_wave(*wave, WaveState::Skipped);
                for host in self.hosts.iter_mut().filter(|h| h.wave == *wave) {
                    host.state = HostState::Skipped;
                }
            }
            EngineEvent::HostRolledBack { host, ok, .. } => {
                if let Some(i) = self.host_index(host) {
                    self.hosts[i].rollback_failed = !ok;
                    if *ok {
                        self.hosts[i].state = HostState::RolledBack;
                    }
                }
            }
            EngineEvent::RunFinished { outcome } => self.outcome = Some(*outcome),
            EngineEvent::Decided { .. } => {
                self.question = None;
                return true;
            }
            EngineEvent::RunStarted { .. } | EngineEvent::GateReached { .. } => {}
        }
        false
    }

    /// The newest `count` lines the log pane shows, oldest first, each with its host.
    pub fn log_tail(&self, count: usize) -> Vec<(&str, &str)> {
        match self.follow {
            Some(host) => {
                let buffer = &self.logs[host];
                let name = self.hosts[host].name.as_str();
                buffer
                    .iter()
                    .skip(buffer.len().saturating_sub(count))
                    .map(|line| (name, &**line))
                    .collect()
            }
            None => self
                .all
                .iter()
                .skip(self.all.len().saturating_sub(count))
                .map(|(host, line)| (self.hosts[*host].name.as_str(), &**line))
                .collect(),
        }
    }

    /// Lines held for one host (for tests of the cap).
    pub fn host_lines(&self, host: usize) -> usize {
        self.logs.get(host).map_or(0, VecDeque::len)
    }

    /// (finished, failed, total) hosts of a wave.
    pub fn wave_progress(&self, number: u32) -> (usize, usize, usize) {
        let hosts = self.hosts.iter().filter(|h| h.wave == number);
        let (mut finished, mut failed, mut total) = (0, 0, 0);
        for host in hosts {
            total += 1;
            match host.state {
                HostState::Pending | HostState::Running(_) => {}
                state => {
                    finished += 1;
                    if state.is_failure() || state == HostState::RolledBack {
                        failed += 1;
                    }
                }
            }
        }
        (finished, failed, total)
    }

    /// Whether the run still waits for hosts or answers (not a rollback after it).
    pub fn running(&self) -> bool {
        self.active && self.outcome.is_none()
    }
}
