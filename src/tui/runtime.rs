//! The console loop (DESIGN.md §4): terminal events become actions, `update` applies them a
//! batch at a time, and the screen is redrawn once per batch, only when something changed.
//! The clock ticks once a second; `update` decides whether that changes the screen.

use std::io;
use std::time::{Duration, Instant};

use chrono::Utc;
use crossterm::event;

use super::input;
use super::render::draw;
use super::style::Look;
use super::terminal::Console;
use crate::app::journal::{JournalSource, RECENT_ENTRIES};
use crate::app::{Action, Effect, Model, update};

const TICK: Duration = Duration::from_secs(1);

/// Runs the console until the operator quits; the journal view reads `journal`.
pub fn run(mut model: Model, look: &Look, journal: &dyn JournalSource) -> io::Result<()> {
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
        let timeout = next_tick.saturating_duration_since(Instant::now());
        if event::poll(timeout)? {
            // Drain everything already typed: one redraw for a burst of keys.
            loop {
                let event = event::read()?;
                for action in input::actions(&event, &model.keymap, model.editing_filter) {
                    tracing::debug!(?action, "action");
                    effects.extend(update(&mut model, action));
                }
                if effects.contains(&Effect::Quit) || !event::poll(Duration::ZERO)? {
                    break;
                }
            }
        }
        if Instant::now() >= next_tick {
            next_tick = Instant::now() + TICK;
            effects.extend(update(&mut model, Action::Tick(Utc::now())));
        }
        if effects.contains(&Effect::Quit) {
            return Ok(());
        }
        if effects.contains(&Effect::ReloadJournal) {
            effects.extend(update(
                &mut model,
                Action::JournalLoaded(journal.load(RECENT_ENTRIES)),
            ));
        }
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
