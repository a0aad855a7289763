//! Starts one ssh master (`ssh -M -f -N`) for a host, its socket and log in the run's control
//! directory, and hands back an openssh session attached to it (native mux).
//!
//! We start the master ourselves rather than through `SessionBuilder::connect_mux` so that it
//! begins in a session of its own (`setsid`): the connecting ssh is out of the operator's
//! terminal from the start (a Ctrl-C meant for us does not reach a half-made connection; it
//! has no terminal to prompt on), as it is anyway once `-f` detaches it after authentication.
//! On Linux with scheduler autogroups, a process in its own session is also scheduled as its own
//! group, so on a busy machine the fleet's handshakes are not squeezed into one group's share.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};

use openssh::Session;

use super::control_dir::ControlDir;
use super::options::SshOptions;
use crate::engine::executor::HostTarget;

/// Most of the master's log read back to explain a failed connection (a server banner could be
/// large).
const MAX_LOG_BYTES: u64 = 64 * 1024;

/// Why a master could not be started: ssh's own words, or why ssh did not run.
#[derive(Debug)]
pub enum LaunchFailure {
    /// ssh ran and failed; the text is its log.
    Ssh(String),
    /// ssh could not be started or waited for.
    Spawn(std::io::Error),
}

#[derive(Debug)]
pub struct MasterLauncher {
    dir: PathBuf,
    config: PathBuf,
    identity: Option<PathBuf>,
    connect_timeout_s: u64,
    idle_limit_s: u64,
    /// Names each master's socket and log uniquely within the run (a reconnect gets new ones).
    next: AtomicUsize,
}

impl MasterLauncher {
    pub fn new(options: &SshOptions, control: &ControlDir) -> MasterLauncher {
        MasterLauncher {
            dir: control.path().to_path_buf(),
            config: control.config().to_path_buf(),
            identity: options.identity.clone(),
            connect_timeout_s: options.connect_timeout.as_secs().max(1),
            idle_limit_s: options.idle_limit.as_secs().max(1),
            next: AtomicUsize::new(0),
        }
    }

    /// Connects to the (validated) host and waits until ssh has authenticated and detached.
    /// Dropping the future kills a connecting ssh that has not detached yet.
    pub async fn launch(&self, host: &HostTarget) -> Result<Session, LaunchFailure> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let socket = self.dir.join(format!("m{n}"));
        let log = self.dir.join(format!("m{n}.log"));
        let mut command = tokio::process::Command::new("ssh");
        command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .arg("-E")
            .arg(&log)
            .arg("-S")
            .arg(&socket)
            .args(["-M", "-f", "-N", "-F"])
            .arg(&self.config)
            // Also in the generated config; on the command line they cannot be overridden.
            .args(["-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes"])
            .arg("-o")
            .arg(format!("ControlPersist={}s", self.idle_limit_s))
            .arg("-o")
            .arg(format!("ConnectTimeout={}", self.connect_timeout_s))
            .arg("-p")
            .arg(host.port.to_string())
            .arg("-l")
            .arg(&host.user);
        if let Some(identity) = &self.identity {
            command
                .args(["-o", "IdentitiesOnly=yes", "-i"])
                .arg(identity);
        }
        command.arg("--").arg(&host.address);
        // SAFETY: the closure runs in the forked child before exec and only calls setsid(2),
        // which is async-signal-safe; it allocates nothing and takes no lock. Its failure
        // (already a session leader, which a fresh child is not) changes nothing we rely on.
        unsafe {
            command.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
        let status = command.status().await.map_err(LaunchFailure::Spawn)?;
        if status.success() {
            Ok(Session::resume_mux(
                socket.into_boxed_path(),
                Some(log.into_boxed_path()),
            ))
        } else {
            Err(LaunchFailure::Ssh(read_log(&log).unwrap_or_else(|| {
                format!("ssh ended with {status} and left no log")
            })))
        }
    }
}

fn read_log(log: &Path) -> Option<String> {
    let mut text = Vec::new();
    std::fs::File::open(log)
        .ok()?
        .take(MAX_LOG_BYTES)
        .read_to_end(&mut text)
        .ok()?;
    Some(String::from_utf8_lossy(&text).into_owned())
}
