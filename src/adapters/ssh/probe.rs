//! Reconciliation: asks the host for a step's lock and completion marker without running it.

use std::time::Duration;

use std::sync::Arc;

use openssh::{Error, OwningCommand, Session, Stdio};

use super::connect_error::ConnectFailure;
use super::guard_script::{PROBE_NAME, PROBE_SCRIPT, ProbeStatus, parse_probe_status};
use super::guarded::{bad_marker, interrupted};
use super::output::{clean, pump_lines};
use super::sessions::{SessionPool, SpawnFailure, error_text};
use super::validate::{check_hex64, check_target};
use crate::engine::executor::{HostTarget, MarkerState};

pub async fn run(
    pool: &SessionPool,
    host: &HostTarget,
    guard_key: &str,
    limit: Duration,
) -> MarkerState {
    if let Err(refused) = check_target(host).and_then(|()| check_hex64("guard_key", guard_key)) {
        return MarkerState::Unreachable {
            reason: refused.to_string(),
        };
    }
    let mut child = match pool
        .spawn(host, |session| probe_command(session, host, guard_key))
        .await
    {
        Ok(child) => child,
        Err(SpawnFailure::Connect(
            ConnectFailure::HostKey(reason) | ConnectFailure::Unreachable(reason),
        )) => return MarkerState::Unreachable { reason },
        Err(SpawnFailure::Start(error)) => {
            return MarkerState::Unreachable {
                reason: format!(
                    "marker probe failed: {}",
                    clean(error_text(&error).as_bytes())
                ),
            };
        }
    };
    let asking = async {
        let mut status = None;
        pump_lines(child.stdout().take(), |line| {
            if status.is_none() {
                status = parse_probe_status(line);
            }
        })
        .await;
        child.wait().await?;
        Ok::<_, Error>(status)
    };
    let state = match tokio::time::timeout(limit, asking).await {
        Ok(Ok(Some(status))) => state_of(host, guard_key, status),
        Ok(Ok(None)) => MarkerState::Unreachable {
            reason: "the host gave no answer to the marker probe".to_string(),
        },
        Ok(Err(error)) => MarkerState::Unreachable {
            reason: format!(
                "marker probe failed: {}",
                clean(error_text(&error).as_bytes())
            ),
        },
        Err(_) => MarkerState::Unreachable {
            reason: format!("no answer to the marker probe within {} s", limit.as_secs()),
        },
    };
    if matches!(state, MarkerState::Unreachable { .. }) {
        pool.forget_if_dead(host).await;
    }
    state
}

fn probe_command(
    session: Arc<Session>,
    host: &HostTarget,
    guard_key: &str,
) -> OwningCommand<Arc<Session>> {
    let mut command = Session::to_command(session, "sh");
    command
        .arg("-c")
        .arg(PROBE_SCRIPT)
        .arg(PROBE_NAME)
        .arg(&host.marker_dir)
        .arg(guard_key)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    command
}

fn state_of(host: &HostTarget, guard_key: &str, status: ProbeStatus) -> MarkerState {
    match status {
        ProbeStatus::Absent => MarkerState::Absent,
        ProbeStatus::Running => MarkerState::Running,
        ProbeStatus::Done(exit_code) => MarkerState::Done { exit_code },
        ProbeStatus::Interrupted => MarkerState::Unknown {
            reason: interrupted(host, guard_key),
        },
        ProbeStatus::BadMarker(text) => MarkerState::Unknown {
            reason: bad_marker(&text),
        },
    }
}
