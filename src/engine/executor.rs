//! The port the engine runs remote steps through: `ssh` for real hosts, `sim` for the training
//! fleet. Both keep the same guard protocol, so a crashed run is reconciled the same way on both.
//!
//! Guard protocol (on the host): every step runs under a lock `MARKER_DIR/KEY.lock` and, when the
//! script has finished, leaves `MARKER_DIR/KEY.done` holding its exit code. A step whose marker
//! exists is not run again; its recorded exit code is the outcome. A step that started and never
//! recorded an end is not run again either: it is `Unknown` until someone looks. KEY is the
//! step's guard key, a digest of (run, host, step, attempt, artifact), so a new attempt or
//! another run never collides.

use std::future::Future;
use std::path::Path;
use std::time::Duration;

/// Longest line an executor hands on; longer lines are cut with a visible ellipsis.
pub const MAX_OUTPUT_LINE_CHARS: usize = 1_000;

/// Where a step runs. Names, users and addresses are validated before an executor sees them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostTarget {
    /// The inventory name, used in output and markers.
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    /// Absolute directory on the host for locks and completion markers.
    pub marker_dir: String,
}

/// One guarded step on one host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuardedStep {
    /// 64 lowercase hex digits; names the lock and the completion marker.
    pub guard_key: String,
    /// Shell text the host runs with `sh -c`.
    pub script: String,
    pub timeout: Duration,
}

/// What became of a guarded step.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StepOutcome {
    /// The script ran to its end with this exit code; `already_done` when the marker was found
    /// and the script was not run again.
    Finished { exit_code: i32, already_done: bool },
    /// The step did not start: the host could not be reached.
    Unreachable { reason: String },
    /// The host's key is unknown or has changed; nothing was run.
    HostKeyRejected { reason: String },
    /// Another process holds the step's lock on the host.
    Locked,
    /// The step outlived its timeout; it may still be running on the host.
    TimedOut,
    /// Whether the step ran is not known (connection dropped, remote exit 255): reconcile with
    /// [`Executor::probe`], never assume.
    Unknown { reason: String },
}

/// A step's trace on the host, as found when reconciling.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarkerState {
    /// No completion marker: the step has not finished (it may never have started).
    Absent,
    /// The lock is held: the step is running now.
    Running,
    /// The step finished with this exit code.
    Done { exit_code: i32 },
    /// The host answered, but its traces cannot tell what became of the step (it started and
    /// never recorded an end, or its marker holds no exit code): never taken as absent.
    Unknown { reason: String },
    /// The host could not be asked.
    Unreachable { reason: String },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputStream {
    Stdout,
    Stderr,
}

/// Receives host output line by line, already sanitized at ingest by the executor.
pub trait OutputSink: Send + Sync {
    fn line(&self, host: &str, stream: OutputStream, line: String);
}

/// Runs guarded steps on hosts. Implementations are shared between concurrent host tasks.
pub trait Executor: Send + Sync {
    /// Runs `step` on `host` under the guard protocol, streaming its output to `output`.
    fn run_guarded(
        &self,
        host: &HostTarget,
        step: &GuardedStep,
        output: &dyn OutputSink,
    ) -> impl Future<Output = StepOutcome> + Send;

    /// Looks for the step's lock and completion marker without running anything.
    fn probe(&self, host: &HostTarget, guard_key: &str)
    -> impl Future<Output = MarkerState> + Send;

    /// Copies a local file to `remote_path` on the host and checks its SHA-256 there before
    /// moving it into place; a mismatch is `Finished` with a non-zero exit code.
    fn upload(
        &self,
        host: &HostTarget,
        local: &Path,
        sha256_hex: &str,
        remote_path: &str,
    ) -> impl Future<Output = StepOutcome> + Send;
}
