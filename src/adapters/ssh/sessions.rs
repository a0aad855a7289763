//! One master connection per (address, port, user), opened on first use, reused for every step
//! of the run, checked again after it sat idle, dropped when it failed, closed at the end.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openssh::{Child, OwningCommand, Session};

use super::connect_error::{ConnectFailure, classify};
use super::control_dir::ControlDir;
use super::master::{LaunchFailure, MasterLauncher};
use super::options::SshOptions;
use super::stop_master::stop_master;
use crate::engine::executor::HostTarget;

/// ssh's `ConnectTimeout` covers the TCP connect and the handshake; this margin bounds the rest
/// (authentication, forking the master) so a stalled server cannot hold a step forever.
const CONNECT_MARGIN: Duration = Duration::from_secs(10);

/// Why a command could not be started on a host.
#[derive(Debug)]
pub enum SpawnFailure {
    /// No session: nothing was run.
    Connect(ConnectFailure),
    /// The session was there but a new channel on it could not be opened, twice.
    Start(openssh::Error),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SessionKey {
    address: String,
    port: u16,
    user: String,
}

impl SessionKey {
    fn of(host: &HostTarget) -> SessionKey {
        SessionKey {
            address: host.address.clone(),
            port: host.port,
            user: host.user.clone(),
        }
    }
}

#[derive(Debug, Default)]
struct Slot {
    session: Option<Arc<Session>>,
    last_used: Option<Instant>,
}

type SharedSlot = Arc<tokio::sync::Mutex<Slot>>;

#[derive(Debug)]
pub struct SessionPool {
    launcher: MasterLauncher,
    known_hosts_shown: String,
    connect_limit: Duration,
    /// A session unused for longer than this is checked before reuse: its master may have
    /// reached the idle limit and gone.
    recheck_after: Duration,
    slots: Mutex<HashMap<SessionKey, SharedSlot>>,
}

impl SessionPool {
    pub fn new(options: &SshOptions, control: &ControlDir) -> SessionPool {
        SessionPool {
            launcher: MasterLauncher::new(options, control),
            known_hosts_shown: options.known_hosts.display().to_string(),
            connect_limit: options.connect_timeout.saturating_mul(2) + CONNECT_MARGIN,
            recheck_after: options.idle_limit / 2,
            slots: Mutex::new(HashMap::new()),
        }
    }

    fn slot(&self, host: &HostTarget) -> SharedSlot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(SessionKey::of(host)).or_default().clone()
    }

    /// The host's session, connecting when there is none or the old one has died. The target
    /// must have been validated.
    pub async fn session(&self, host: &HostTarget) -> Result<Arc<Session>, ConnectFailure> {
        let slot = self.slot(host);
        let mut slot = slot.lock().await;
        if let Some(session) = slot.session.clone() {
            let idle = slot
                .last_used
                .is_some_and(|t| t.elapsed() > self.recheck_after);
            if !idle || session.check().await.is_ok() {
                slot.last_used = Some(Instant::now());
                return Ok(session);
            }
            slot.session = None;
            close(session).await;
        }
        let session = Arc::new(self.connect(host).await?);
        slot.session = Some(session.clone());
        slot.last_used = Some(Instant::now());
        Ok(session)
    }

    async fn connect(&self, host: &HostTarget) -> Result<Session, ConnectFailure> {
        let destination = format!("[{}]:{}", host.address, host.port);
        match tokio::time::timeout(self.connect_limit, self.launcher.launch(host)).await {
            Ok(Ok(session)) => Ok(session),
            Ok(Err(LaunchFailure::Ssh(said))) => {
                Err(classify(&said, &destination, &self.known_hosts_shown))
            }
            Ok(Err(LaunchFailure::Spawn(error))) => Err(ConnectFailure::Unreachable(format!(
                "{destination}: cannot run ssh: {error}"
            ))),
            Err(_) => Err(ConnectFailure::Unreachable(format!(
                "{destination}: no session within {} s",
                self.connect_limit.as_secs()
            ))),
        }
    }

    /// Starts `command(session)` on the host. When the session cannot be opened (its master went
    /// away between the check and the request), connects afresh and tries once more: safe for
    /// the guard, which never runs a script twice, and for the probe, which only reads.
    pub async fn spawn(
        &self,
        host: &HostTarget,
        command: impl Fn(Arc<Session>) -> OwningCommand<Arc<Session>>,
    ) -> Result<Child<Arc<Session>>, SpawnFailure> {
        let mut retried = false;
        loop {
            let session = self.session(host).await.map_err(SpawnFailure::Connect)?;
            match command(session).spawn().await {
                Ok(child) => return Ok(child),
                Err(error) if retried => return Err(SpawnFailure::Start(error)),
                Err(_) => {
                    retried = true;
                    self.forget_if_dead(host).await;
                }
            }
        }
    }

    /// Drops the host's session when its master no longer answers, so the next step or probe
    /// connects afresh instead of failing the same way.
    pub async fn forget_if_dead(&self, host: &HostTarget) {
        let slot = self.slot(host);
        let mut slot = slot.lock().await;
        let Some(session) = slot.session.clone() else {
            return;
        };
        if session.check().await.is_err() {
            slot.session = None;
            close(session).await;
        }
    }

    /// Closes every master (`ssh -O exit`) and forgets the sessions.
    pub async fn close_all(&self) {
        let slots: Vec<SharedSlot> = {
            let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
            slots.drain().map(|(_, slot)| slot).collect()
        };
        for slot in slots {
            if let Some(session) = slot.lock().await.session.take() {
                close(session).await;
            }
        }
    }
}

impl Drop for SessionPool {
    /// Masters still open when the executor is dropped without [`close_all`]: asked to stop
    /// here, blocking briefly, instead of idling on until `ControlPersist` ends them.
    ///
    /// [`close_all`]: SessionPool::close_all
    fn drop(&mut self) {
        let slots = self.slots.get_mut().unwrap_or_else(|e| e.into_inner());
        for (_, slot) in slots.drain() {
            let Ok(slot) = slot.try_lock() else {
                continue;
            };
            if let Some(session) = &slot.session
                && let Err(error) = stop_master(session.control_socket())
            {
                tracing::debug!("closing an ssh master: {error}");
            }
        }
    }
}

/// How long a master gets to acknowledge a stop request.
const STOP_WITHIN: Duration = Duration::from_secs(2);

/// Asks the session's master to stop (`ssh -O stop`): it takes no new sessions and exits once
/// those still running end, whoever still holds the session.
async fn close(session: Arc<Session>) {
    let stopped = async {
        openssh_mux_client::Connection::connect(session.control_socket())
            .await?
            .request_stop_listening()
            .await
    };
    match tokio::time::timeout(STOP_WITHIN, stopped).await {
        Ok(Ok(())) => {}
        Ok(Err(error)) => tracing::debug!("closing an ssh master: {error}"),
        Err(_) => tracing::warn!(
            "the ssh master on {} did not answer the stop request within {} s",
            session.control_socket().display(),
            STOP_WITHIN.as_secs()
        ),
    }
}

/// The error with its sources: openssh keeps ssh's own words in the source.
pub fn error_text(error: &openssh::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
