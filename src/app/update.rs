//! `update`: the only place the console's state changes. Pure: no terminal, no clock.
//! Moving around, the list panes and rollouts each have their own file; this dispatches.

use super::action::{Action, Effect};
use super::journal::JournalView;
use super::keymap::Command;
use super::listing_update;
use super::model::{Message, Model, ScreenKind, screen_page};
use super::navigation_update;
use super::rollout_update::{self, unresolved_failures};

/// Applies `action` to `model` and says what the runtime must do.
pub fn update(model: &mut Model, action: Action) -> Vec<Effect> {
    match action {
        Action::Command(command) => command_effects(model, command),
        Action::FilterEdit(request) => listing_update::edit_filter(model, request),
        Action::FilterKeep => {
            model.editing_filter = false;
            vec![Effect::Redraw]
        }
        Action::FilterClear => {
            model.editing_filter = false;
            listing_update::clear_filter(model);
            vec![Effect::Redraw]
        }
        Action::Resize { width, height } => {
            model.width = width;
            model.height = height;
            let page = model.page();
            let (queue_len, asset_len) = (model.queue.rows.len(), model.assets.rows.len());
            model.queue.cursor.fit(queue_len, page);
            model.assets.cursor.fit(asset_len, page);
            for i in 0..model.stack.len() {
                let len = navigation_update::related_len(model, model.stack[i].kind);
                let page = screen_page(model.stack[i].kind, height);
                model.stack[i].cursor.fit(len, page);
            }
            vec![Effect::Redraw]
        }
        Action::Tick(now) => {
            // The status bar shows whole minutes: redraw only when the minute changes.
            let changed = now.timestamp().div_euclid(60) != model.now.timestamp().div_euclid(60);
            model.now = now;
            if changed {
                vec![Effect::Redraw]
            } else {
                vec![]
            }
        }
        Action::Error(text) => {
            model.message = Some(Message::error(&text));
            vec![Effect::Redraw]
        }
        Action::JournalLoaded(loaded) => {
            model.journal = JournalView::from_load(loaded);
            let (len, page) = (
                model.journal.rows().len(),
                screen_page(ScreenKind::Journal, model.height),
            );
            for screen in model
                .stack
                .iter_mut()
                .filter(|s| s.kind == ScreenKind::Journal)
            {
                screen.cursor.fit(len, page);
            }
            vec![Effect::Redraw]
        }
        Action::JournalAppended => vec![Effect::ReloadJournal],
        Action::PromptEdit(_) | Action::PromptSubmit | Action::PromptCancel => {
            rollout_update::prompt(model, action)
        }
        Action::RolloutStarted { .. }
        | Action::Engine { .. }
        | Action::Asked(_)
        | Action::WorkEnded(_) => rollout_update::background(model, action),
    }
}

fn command_effects(model: &mut Model, command: Command) -> Vec<Effect> {
    let had_message = model.message.take().is_some();
    let confirming_quit = std::mem::take(&mut model.confirm_quit);
    let mut effects = match command {
        Command::Quit => return quit(model, confirming_quit),
        Command::Suspend => return vec![Effect::Suspend, Effect::Redraw],
        Command::Help => {
            model.help = !model.help;
            model.help_scroll = 0;
            vec![Effect::Redraw]
        }
        _ if model.help => navigation_update::help_command(model, command),
        Command::Up
        | Command::Down
        | Command::PageUp
        | Command::PageDown
        | Command::Top
        | Command::Bottom
        | Command::NextPane
        | Command::Open
        | Command::Back
        | Command::Checklist
        | Command::Journal => navigation_update::command(model, command),
        Command::Run
        | Command::Follow
        | Command::Proceed
        | Command::Pause
        | Command::Skip
        | Command::Abort
        | Command::RollBack
        | Command::RollBackWave
        | Command::RollBackRun => rollout_update::command(model, command),
        Command::Filter | Command::Sort => listing_update::command(model, command),
    };
    if (had_message || confirming_quit) && effects.is_empty() {
        effects.push(Effect::Redraw);
    }
    effects
}

/// Quits, unless work is running or a run left failed hosts as they are: then the first `q`
/// asks and only a second one quits.
fn quit(model: &mut Model, confirming: bool) -> Vec<Effect> {
    let unresolved = unresolved_failures(model);
    if confirming || (!model.work_running && unresolved == 0) {
        return vec![Effect::Quit];
    }
    model.confirm_quit = true;
    let text = if model.work_running {
        "Work is running and would be interrupted: press q again to quit, any other key to stay."
            .to_string()
    } else {
        format!(
            "The run left {unresolved} failed host(s) not rolled back: press q again to quit, any other key to stay."
        )
    };
    model.message = Some(Message::error(&text));
    vec![Effect::Redraw]
}
