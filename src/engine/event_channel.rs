//! The engine's events channel, bounded where hosts decide the volume. Host output lines are
//! hostile in amount as well as content: at most `per_host` lines of one host and `total` lines
//! overall wait for the consumer; a line beyond that is dropped, never waited for (a slow
//! screen must not stall a rollout), and each step's dropped lines are counted and reported
//! (`EngineEvent::OutputDropped`). Lifecycle events (steps, hosts, waves, gates) are never
//! dropped; there are a few per host×step, so the plan bounds them. One channel carries both,
//! so events arrive in the order they happened.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use tokio::sync::mpsc::error::TryRecvError;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};

use super::events::EngineEvent;

/// How many output lines may wait for the consumer. Lines are at most
/// `executor::MAX_OUTPUT_LINE_CHARS` characters, so the defaults keep at most about 16 MB of
/// output queued, and 2 MB for one host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    pub per_host: usize,
    pub total: usize,
}

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits {
            per_host: 512,
            total: 4_096,
        }
    }
}

/// Lines waiting, by host and in all.
struct Queued {
    limits: OutputLimits,
    total: usize,
    by_host: HashMap<String, usize>,
}

type Shared = Arc<Mutex<Queued>>;

fn queued(shared: &Shared) -> MutexGuard<'_, Queued> {
    shared
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The engine's end.
#[derive(Clone)]
pub struct EventSender {
    events: UnboundedSender<EngineEvent>,
    queued: Shared,
}

/// The consumer's end: the console or the headless printer.
pub struct EventReceiver {
    events: UnboundedReceiver<EngineEvent>,
    queued: Shared,
}

pub fn event_channel(limits: OutputLimits) -> (EventSender, EventReceiver) {
    let (sender, receiver) = unbounded_channel();
    let queued = Arc::new(Mutex::new(Queued {
        limits,
        total: 0,
        by_host: HashMap::new(),
    }));
    (
        EventSender {
            events: sender,
            queued: Arc::clone(&queued),
        },
        EventReceiver {
            events: receiver,
            queued,
        },
    )
}

impl EventSender {
    /// A lifecycle event: always sent. Nobody listening is not an error (a headless run may
    /// ignore events).
    pub fn send(&self, event: EngineEvent) {
        let _ = self.events.send(event);
    }

    /// An output line (`EngineEvent::Output`): sent when the host and the channel have room,
    /// else dropped. Returns whether it was sent.
    pub fn output(&self, line: EngineEvent) -> bool {
        let EngineEvent::Output { host, .. } = &line else {
            self.send(line);
            return true;
        };
        {
            let mut queued = queued(&self.queued);
            let limits = queued.limits;
            let for_host = queued.by_host.get(host).copied().unwrap_or(0);
            if queued.total >= limits.total || for_host >= limits.per_host {
                return false;
            }
            queued.total += 1;
            *queued.by_host.entry(host.clone()).or_default() += 1;
        }
        self.events.send(line).is_ok()
    }
}

impl EventReceiver {
    pub async fn recv(&mut self) -> Option<EngineEvent> {
        let event = self.events.recv().await?;
        self.release(&event);
        Some(event)
    }

    pub fn try_recv(&mut self) -> Result<EngineEvent, TryRecvError> {
        let event = self.events.try_recv()?;
        self.release(&event);
        Ok(event)
    }

    fn release(&self, event: &EngineEvent) {
        if let EngineEvent::Output { host, .. } = event {
            let mut queued = queued(&self.queued);
            queued.total = queued.total.saturating_sub(1);
            if let Some(count) = queued.by_host.get_mut(host) {
                *count = count.saturating_sub(1);
                if *count == 0 {
                    queued.by_host.remove(host);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::rollout::StepKind;
    use crate::engine::executor::OutputStream;

    fn line(host: &str, n: usize) -> EngineEvent {
        EngineEvent::Output {
            host: host.to_string(),
            step: StepKind::Apply,
            stream: OutputStream::Stdout,
            line: format!("line {n}"),
        }
    }

    #[test]
    fn a_flooding_host_fills_only_its_share_and_lifecycle_events_all_arrive() {
        let (sender, mut receiver) = event_channel(OutputLimits {
            per_host: 10,
            total: 15,
        });
        let mut sent = 0;
        for n in 0..5_000 {
            sent += usize::from(sender.output(line("noisy", n)));
            if n % 1_000 == 0 {
                sender.send(EngineEvent::WaveStarted {
                    wave: 1,
                    label: "wave 1".to_string(),
                    hosts: 2,
                });
            }
        }
        assert_eq!(sent, 10, "one host's share");
        for n in 0..10 {
            sender.output(line("quiet", n));
        }
        let mut lines = HashMap::<String, usize>::new();
        let mut waves = 0;
        while let Ok(event) = receiver.try_recv() {
            match event {
                EngineEvent::Output { host, .. } => *lines.entry(host).or_default() += 1,
                EngineEvent::WaveStarted { .. } => waves += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!(waves, 5, "no lifecycle event dropped");
        assert_eq!(lines["noisy"], 10);
        assert_eq!(lines["quiet"], 5, "the total cap is shared");
        assert!(sender.output(line("noisy", 0)), "room again once read");
    }
}
