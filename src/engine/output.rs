//! Collecting one host×step's output: every line goes on as an event, and into the digest the
//! journal keeps (so the log can be checked later against the journal).

use std::sync::Mutex;

use sha2::{Digest, Sha256};

use super::event_channel::EventSender;
use super::events::EngineEvent;
use super::executor::{OutputSink, OutputStream};
use crate::core::rollout::StepKind;

pub(crate) struct StepOutput {
    host: String,
    step: StepKind,
    events: EventSender,
    /// SHA-256 so far, lines seen, lines dropped on the way to the consumer.
    digest: Mutex<(Sha256, u64, u64)>,
}

impl StepOutput {
    pub fn new(host: &str, step: StepKind, events: EventSender) -> Self {
        StepOutput {
            host: host.to_string(),
            step,
            events,
            digest: Mutex::new((Sha256::new(), 0, 0)),
        }
    }

    /// The SHA-256 (hex) of the lines seen, each followed by `\n`, and their count; reports
    /// the lines the consumer did not get.
    pub fn finish(self) -> (String, u64) {
        let (hasher, lines, dropped) = self
            .digest
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if dropped > 0 {
            self.events.send(EngineEvent::OutputDropped {
                host: self.host,
                step: self.step,
                lines: dropped,
            });
        }
        (hex::encode(hasher.finalize()), lines)
    }
}

impl OutputSink for StepOutput {
    fn line(&self, host: &str, stream: OutputStream, line: String) {
        {
            let mut digest = self
                .digest
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            digest.0.update(line.as_bytes());
            digest.0.update(b"\n");
            digest.1 += 1;
        }
        let sent = self.events.output(EngineEvent::Output {
            host: host.to_string(),
            step: self.step,
            stream,
            line,
        });
        if !sent {
            let mut digest = self
                .digest
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            digest.2 += 1;
        }
    }
}
