//! Collecting one host×step's output: every line goes on as an event, and into the digest the
//! journal keeps (so the log can be checked later against the journal).

use std::sync::Mutex;

use sha2::{Digest, Sha256};
use tokio::sync::mpsc::UnboundedSender;

use super::events::EngineEvent;
use super::executor::{OutputSink, OutputStream};
use crate::core::rollout::StepKind;

pub(crate) struct StepOutput {
    step: StepKind,
    events: UnboundedSender<EngineEvent>,
    digest: Mutex<(Sha256, u64)>,
}

impl StepOutput {
    pub fn new(step: StepKind, events: UnboundedSender<EngineEvent>) -> Self {
        StepOutput {
            step,
            events,
            digest: Mutex::new((Sha256::new(), 0)),
        }
    }

    /// The SHA-256 (hex) of the lines seen, each followed by `\n`, and their count.
    pub fn finish(self) -> (String, u64) {
        let (hasher, lines) = self
            .digest
            .into_inner()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
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
        // Nobody listening is not an error: a headless run may ignore events.
        let _ = self.events.send(EngineEvent::Output {
            host: host.to_string(),
            step: self.step,
            stream,
            line,
        });
    }
}
