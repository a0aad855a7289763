//! The console loop (DESIGN.md §4): terminal events become actions, background work reports
//! actions on a bounded channel, `update` applies them a batch at a time, and the screen is
//! redrawn once per batch, only when something changed. The clock ticks once a second; while
//! work runs, the loop also wakes every 50 ms to take the background's batch.

use std::io;
use std::sync::mpsc::{Receiver, SyncSender, TryRecvError, sync_channel};
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event;

use super::input::{self, TextEntry};
use super::render::draw;
use super::style::Look;
use super::terminal::Console;
use crate::app::journal::{JournalSource, RECENT_ENTRIES};
use crate::app::work::{BACKGROUND_ACTIONS, Work};
use crate::app::{Action, Effect, Model, update};

const TICK: Duration = Duration::from_secs(1);
/// How often the background's batches are taken while work runs.
const BATCH: Duration = Duration::from_millis(50);

/// Runs the console until the operator quits; the journal view reads `journal`, rollouts
/// go to `work`.
pub fn run(
    mut model: Model,
    look: &Look,
    journal: &dyn JournalSource,
    work: &mut dyn Work,
) -> io::Result<()> {
    let (sender, background) = sync_channel(BACKGROUND_ACTIONS);
    update(
        &mut model,
        Action::JournalLoaded(journal.load(RECENT_ENTRIES)),
    );
    let mut console = Console::start()?;
    let size = console.terminal.size()?;
    update(
        &mut model,
        Action::Resize {
            width: size.width,
            height: size.height,
        },
    );
    console.terminal.draw(|frame| draw(frame, &model, look))?;
    let mut next_tick = Instant::now() + TICK;
    loop {
        let mut effects = Vec::new();
        let mut timeout = next_tick.saturating_duration_since(Instant::now());
        if model.work_running {
            timeout = timeout.min(BATCH);
        }
        if event::poll(timeout)? {
            // Drain everything already typed: one redraw for a burst of keys.
            loop {
                let event = event::read()?;
                for action in input::actions(&event, &model.keymap, TextEntry::of(&model)) {
                    tracing::debug!(?action, "action");
                    effects.extend(update(&mut model, action));
                }
                if effects.contains(&Effect::Quit) || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        effects.extend(drain(&mut model, &background));
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + TICK;
            effects.extend(update(&mut model, Action::Tick(Utc::now())));
        }
        if effects.contains(&Effect::Quit) {
            return Ok(());
        }
        let more = carry_out(&mut model, &effects, work, &sender, journal);
        effects.extend(more);
        if effects.contains(&Effect::Suspend) {
            if let Err(error) = console.suspend() {
                tracing::warn!(%error, "suspend failed");
                update(
                    &mut model,
                    Action::Error(format!("could not suspend: {error}")),
                );
            }
            let size = console.terminal.size()?;
            update(
                &mut model,
                Action::Resize {
                    width: size.width,
                    height: size.height,
                },
            );
        }
        if effects.contains(&Effect::Redraw) || effects.contains(&Effect::Suspend) {
            console.terminal.draw(|frame| draw(frame, &model, look))?;
        }
    }
}

/// Applies what the background has queued (a bounded number of batches per redraw).
fn drain(model: &mut Model, background: &Receiver<Action>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for _ in 0..BACKGROUND_ACTIONS {
        match background.try_recv() {
            Ok(action) => effects.extend(update(model, action)),
            Err(TryRecvError::Empty | TryRecvError::Disconnected) => break,
        }
    }
    effects
}

/// The effects that reach outside the model; returns what their outcome changed.
fn carry_out(
    model: &mut Model,
    effects: &[Effect],
    work: &mut dyn Work,
    sender: &SyncSender<Action>,
    journal: &dyn JournalSource,
) -> Vec<Effect> {
    let mut more = Vec::new();
    for effect in effects {
        let refused = match effect {
            Effect::StartRollout { patch, definition } => work
                .start_rollout(*patch, definition, sender.clone())
                .err()
                .map(Action::Error),
            Effect::Answer(decision) => {
                work.answer(decision.clone());
                None
            }
            Effect::RollBack(scope) => work
                .roll_back(scope.clone(), sender.clone())
                .err()
                .map(|why| Action::WorkEnded(Err(why))),
            _ => None,
        };
        if let Some(action) = refused {
            more.extend(update(model, action));
        }
    }
    if effects.contains(&Effect::ReloadJournal) || more.contains(&Effect::ReloadJournal) {
        more.extend(update(
            model,
            Action::JournalLoaded(journal.load(RECENT_ENTRIES)),
        ));
    }
    more
}
