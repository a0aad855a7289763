//! Shared by the ssh tests and the fleet bench: the sshd fleet and small helpers around the
//! executor port. Each test binary uses a different part of it.
#![allow(dead_code)]

pub mod sshd_fleet;

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use secureupdate::adapters::ssh::SshExecutor;
use secureupdate::engine::executor::{
    Executor, GuardedStep, HostTarget, OutputSink, OutputStream, StepOutcome,
};
use sha2::{Digest, Sha256};

pub use sshd_fleet::SshdFleet;

/// Collects every line it is handed, with its host and stream.
#[derive(Default)]
pub struct CollectingSink {
    lines: Mutex<Vec<(String, OutputStream, String)>>,
}

impl OutputSink for CollectingSink {
    fn line(&self, host: &str, stream: OutputStream, line: String) {
        self.lines
            .lock()
            .unwrap()
            .push((host.to_string(), stream, line));
    }
}

impl CollectingSink {
    pub fn lines(&self) -> Vec<(String, OutputStream, String)> {
        self.lines.lock().unwrap().clone()
    }

    /// The lines of one host and stream, in order.
    pub fn of(&self, host: &str, stream: OutputStream) -> Vec<String> {
        self.lines()
            .into_iter()
            .filter(|(h, s, _)| h == host && *s == stream)
            .map(|(_, _, line)| line)
            .collect()
    }
}

/// A guard key derived from a label, as the engine derives one from (run, host, step, …).
pub fn guard_key(label: &str) -> String {
    hex::encode(Sha256::digest(label.as_bytes()))
}

pub fn step(label: &str, script: &str) -> GuardedStep {
    GuardedStep {
        guard_key: guard_key(label),
        script: script.to_string(),
        timeout: Duration::from_secs(60),
    }
}

/// Runs `steps[i]` on `targets[i]`, all at once, each on its own task as the engine's wave
/// does; outcomes in host order.
pub async fn run_all(
    ssh: &Arc<SshExecutor>,
    targets: &[HostTarget],
    steps: &[GuardedStep],
    sink: &Arc<CollectingSink>,
) -> Vec<StepOutcome> {
    let tasks: Vec<_> = targets
        .iter()
        .zip(steps)
        .map(|(host, step)| {
            let (ssh, sink) = (ssh.clone(), sink.clone());
            let (host, step) = (host.clone(), step.clone());
            tokio::spawn(async move { ssh.run_guarded(&host, &step, sink.as_ref()).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for task in tasks {
        outcomes.push(task.await.unwrap());
    }
    outcomes
}

/// The executor a site for this fleet would make.
pub fn executor(fleet: &SshdFleet) -> SshExecutor {
    executor_in(fleet.site_dir())
}

/// The executor for the fleet whose site directory is `fleet_dir`.
pub fn executor_in(fleet_dir: &Path) -> SshExecutor {
    SshExecutor::from_site(&sshd_fleet::fleet_ssh_settings(), fleet_dir).unwrap()
}

/// Shell text that appends one line to `file`: counts how often a step really ran.
pub fn count_into(file: &Path) -> String {
    format!("echo ran >> '{}'", file.display())
}

/// How many times a step appended to its counter file.
pub fn runs_counted(file: &Path) -> usize {
    std::fs::read_to_string(file)
        .map(|text| text.lines().count())
        .unwrap_or(0)
}

/// A deadline for things that happen on their own (a released step finishing, a master
/// exiting), never a measure of speed.
pub const DEADLINE: Duration = Duration::from_secs(120);

/// Polls `done` until it holds; panics naming `what` after [`DEADLINE`].
pub async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < DEADLINE, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Processes whose command line mentions `needle` (read from /proc; nothing is signalled).
pub fn processes_mentioning(needle: &str) -> Vec<String> {
    pids_mentioning(needle)
        .into_iter()
        .filter_map(command_line)
        .collect()
}

/// The pids of the processes whose command line mentions `needle`.
pub fn pids_mentioning(needle: &str) -> Vec<u32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|&pid| command_line(pid).is_some_and(|cmdline| cmdline.contains(needle)))
        .collect()
}

/// A process's command line, arguments joined by spaces; `None` once it is gone.
pub fn command_line(pid: u32) -> Option<String> {
    let raw = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    Some(String::from_utf8_lossy(&raw).replace('\0', " "))
}

/// A child process of a test, killed even when the test fails half-way.
pub struct KilledOnDrop(pub std::process::Child);

impl Drop for KilledOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
