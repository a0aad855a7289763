//! One guarded step over an established session: the wrapper's status line decides what
//! happened, the exit status says how the script ended, and anything ssh cannot vouch for is
//! `Unknown`.

use std::sync::Arc;

use openssh::{Error, OwningCommand, Session, Stdio};

use super::guard_script::{GUARD_NAME, GUARD_SCRIPT, GuardStatus, parse_guard_status};
use super::output::{clean, pump_lines};
use super::sessions::{SessionPool, SpawnFailure, error_text};
use super::validate::{check_step, check_target};
use crate::engine::executor::{GuardedStep, HostTarget, OutputSink, OutputStream, StepOutcome};

pub async fn run(
    pool: &SessionPool,
    host: &HostTarget,
    step: &GuardedStep,
    output: &dyn OutputSink,
) -> StepOutcome {
    if let Err(refused) = check_target(host).and_then(|()| check_step(step)) {
        return StepOutcome::Unreachable {
            reason: refused.to_string(),
        };
    }
    let mut child = match pool
        .spawn(host, |session| guard_command(session, host, step))
        .await
    {
        Ok(child) => child,
        Err(SpawnFailure::Connect(failure)) => return failure.into_outcome(),
        // The master was asked to open a session: whether it did is not known.
        Err(SpawnFailure::Start(error)) => {
            return StepOutcome::Unknown {
                reason: format!(
                    "the step could not be started over the connection: {}",
                    clean(error_text(&error).as_bytes())
                ),
            };
        }
    };
    // Dropping the future at the timeout closes the session's channel; the script may go on.
    let running = async {
        let mut status = None;
        let stdout = pump_lines(child.stdout().take(), |line| {
            if status.is_none()
                && let Some(found) = parse_guard_status(line)
            {
                status = Some(found);
                return;
            }
            output.line(&host.name, OutputStream::Stdout, clean(line));
        });
        let stderr = pump_lines(child.stderr().take(), |line| {
            output.line(&host.name, OutputStream::Stderr, clean(line));
        });
        tokio::join!(stdout, stderr);
        outcome(host, &step.guard_key, status, child.wait().await)
    };
    let outcome = match tokio::time::timeout(step.timeout, running).await {
        Ok(outcome) => outcome,
        Err(_) => StepOutcome::TimedOut,
    };
    if matches!(outcome, StepOutcome::Unknown { .. } | StepOutcome::TimedOut) {
        pool.forget_if_dead(host).await;
    }
    outcome
}

fn guard_command(
    session: Arc<Session>,
    host: &HostTarget,
    step: &GuardedStep,
) -> OwningCommand<Arc<Session>> {
    let mut command = Session::to_command(session, "sh");
    command
        .arg("-c")
        .arg(GUARD_SCRIPT)
        .arg(GUARD_NAME)
        .arg(&host.marker_dir)
        .arg(&step.guard_key)
        .arg(&step.script)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn outcome(
    host: &HostTarget,
    guard_key: &str,
    status: Option<GuardStatus>,
    exit: Result<std::process::ExitStatus, Error>,
) -> StepOutcome {
    match status {
        Some(GuardStatus::AlreadyDone(exit_code)) => StepOutcome::Finished {
            exit_code,
            already_done: true,
        },
        Some(GuardStatus::Locked) => StepOutcome::Locked,
        Some(GuardStatus::Interrupted) => StepOutcome::Unknown {
            reason: interrupted(host, guard_key),
        },
        Some(GuardStatus::Error) => StepOutcome::Unreachable {
            reason: format!(
                "the step guard cannot use the marker directory {} on the host (its reason is \
                 in the host's output); nothing was run",
                clean(host.marker_dir.as_bytes())
            ),
        },
        Some(GuardStatus::BadMarker(text)) => StepOutcome::Unknown {
            reason: bad_marker(&text),
        },
        Some(GuardStatus::Run) => match exit {
            // The guard itself exits 255 when it could not write its marker files.
            Ok(exit) if exit.code() == Some(255) => unknown_255(),
            Ok(exit) => match exit.code() {
                Some(exit_code) => StepOutcome::Finished {
                    exit_code,
                    already_done: false,
                },
                None => StepOutcome::Unknown {
                    reason: format!("the session ended with {exit}"),
                },
            },
            // openssh reports a remote 127 as "command not found"; the guard was found (it
            // spoke), so 127 is the script's own exit code.
            Err(Error::Remote(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                StepOutcome::Finished {
                    exit_code: 127,
                    already_done: false,
                }
            }
            Err(Error::RemoteProcessTerminated) => StepOutcome::Unknown {
                reason: "the connection dropped or the step was killed while it ran; probe the \
                         completion marker"
                    .to_string(),
            },
            Err(error) => StepOutcome::Unknown {
                reason: clean(error_text(&error).as_bytes()),
            },
        },
        None => StepOutcome::Unknown {
            reason: match exit {
                Err(error) => format!(
                    "no word from the step guard ({}); whether it started is not known",
                    clean(error_text(&error).as_bytes())
                ),
                Ok(exit) => format!(
                    "no word from the step guard (ssh ended with {exit}); whether it started \
                     is not known"
                ),
            },
        },
    }
}

/// Why a step that started earlier is neither run again nor taken as done, and what the
/// operator can do about it on the host.
pub fn interrupted(host: &HostTarget, guard_key: &str) -> String {
    let marker = format!("{}/{guard_key}", clean(host.marker_dir.as_bytes()));
    format!(
        "the step was started on the host earlier and its guard ended before the script did \
         (killed, or the host went down): whether the script finished is not known, so it was \
         not run again. Check the host, then either remove {marker}.started so that the next \
         `apply` runs the step, or write its exit code and a newline to {marker}.done"
    )
}

/// Why a marker that holds no exit code decides nothing.
pub fn bad_marker(text: &str) -> String {
    format!(
        "the completion marker holds `{}`, not an exit code (a crash while it was written leaves \
         it empty or cut short)",
        clean(text.as_bytes())
    )
}

fn unknown_255() -> StepOutcome {
    StepOutcome::Unknown {
        reason: "exit status 255: the script's own, or the step guard could not write its \
                 marker files on the host; probe the completion marker"
            .to_string(),
    }
}
