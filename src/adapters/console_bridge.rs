//! Between the engine and the console: a [`Decider`] that puts the engine's question to the
//! console and waits for the operator's answer, and the feed that carries the engine's events
//! to the console in batches (one per ~50 ms, or sooner when large) on the console's bounded
//! channel. The engine never waits for the screen: when the console falls behind, the feed
//! keeps collecting and drops the oldest output lines beyond a cap, counting them.

use std::sync::mpsc::{SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::app::Action;
use crate::engine::{AnswerFuture, Decider, Decision, EngineEvent, EventReceiver, Question};

/// How long events gather before they are sent on.
pub const BATCH_WINDOW: Duration = Duration::from_millis(50);
/// A batch this large is sent at once.
pub const BATCH_EVENTS: usize = 256;
/// Output lines held while the console cannot take them; older ones are dropped.
pub const MAX_PENDING_LINES: usize = 5_000;

/// Where the operator's answer goes: the question waiting, if any.
#[derive(Clone, Default)]
pub struct Answers(Arc<Mutex<Option<oneshot::Sender<Decision>>>>);

impl Answers {
    /// Answers the waiting question; false when none waits.
    pub fn answer(&self, decision: Decision) -> bool {
        let waiting = self
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        waiting.is_some_and(|sender| sender.send(decision).is_ok())
    }
}

/// Asks through the console: the question goes to the feed (after the events before it), the
/// answer comes from [`Answers`].
pub struct ConsoleDecider {
    questions: UnboundedSender<Question>,
    answers: Answers,
}

impl ConsoleDecider {
    pub fn new(questions: UnboundedSender<Question>, answers: Answers) -> ConsoleDecider {
        ConsoleDecider { questions, answers }
    }
}

impl Decider for ConsoleDecider {
    fn ask(&self, question: Question) -> AnswerFuture {
        let (sender, receiver) = oneshot::channel();
        *self
            .answers
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(sender);
        let sent = self.questions.send(question).is_ok();
        Box::pin(async move {
            // The console gone (it quit) is an abort: nothing more starts.
            if !sent {
                return Decision::Abort;
            }
            receiver.await.unwrap_or(Decision::Abort)
        })
    }
}

/// Events waiting to be sent, with the output lines dropped since the last send.
#[derive(Default)]
struct Pending {
    events: Vec<EngineEvent>,
    /// Output lines among `events`.
    lines: usize,
    dropped: usize,
}

impl Pending {
    fn push(&mut self, event: EngineEvent) {
        let output = |e: &EngineEvent| matches!(e, EngineEvent::Output { .. });
        self.lines += usize::from(output(&event));
        self.events.push(event);
        if self.lines > MAX_PENDING_LINES
            && let Some(oldest) = self.events.iter().position(output)
        {
            self.events.remove(oldest);
            self.lines -= 1;
            self.dropped += 1;
        }
    }

    /// Sends what is pending unless the console's channel is full; true when it was sent.
    fn flush(&mut self, actions: &SyncSender<Action>) -> bool {
        if self.events.is_empty() && self.dropped == 0 {
            return true;
        }
        let batch = Action::Engine {
            events: std::mem::take(&mut self.events),
            dropped: std::mem::take(&mut self.dropped),
        };
        let lines = std::mem::take(&mut self.lines);
        match actions.try_send(batch) {
            Err(TrySendError::Full(Action::Engine { events, dropped })) => {
                self.events = events;
                self.dropped = dropped;
                self.lines = lines;
                false
            }
            // Sent, or the console is gone: either way nothing waits any more.
            _ => true,
        }
    }
}

/// Carries events and questions to the console until the engine is done, in order: a
/// question goes only after every event sent before it.
pub async fn feed(
    mut events: EventReceiver,
    mut questions: UnboundedReceiver<Question>,
    actions: SyncSender<Action>,
) {
    let mut pending = Pending::default();
    let mut deadline: Option<Instant> = None;
    let mut asking = true;
    loop {
        tokio::select! {
            biased;
            event = events.recv() => match event {
                Some(event) => {
                    pending.push(event);
                    deadline.get_or_insert_with(|| Instant::now() + BATCH_WINDOW);
                    if pending.events.len() >= BATCH_EVENTS && pending.flush(&actions) {
                        deadline = None;
                    }
                }
                None => break,
            },
            question = questions.recv(), if asking => match question {
                Some(question) => {
                    while !pending.flush(&actions) {
                        tokio::time::sleep(BATCH_WINDOW).await;
                    }
                    deadline = None;
                    let _ = actions.send(Action::Asked(question));
                }
                None => asking = false,
            },
            () = sleep_until(deadline), if deadline.is_some() => {
                deadline = if pending.flush(&actions) {
                    None
                } else {
                    Some(Instant::now() + BATCH_WINDOW)
                };
            }
        }
    }
    while !pending.flush(&actions) {
        tokio::time::sleep(BATCH_WINDOW).await;
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    if let Some(at) = deadline {
        tokio::time::sleep_until(at).await;
    }
}
