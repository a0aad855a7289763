//! `update` for the list panes' filter and sort order.

use tui_input::InputRequest;

use super::action::Effect;
use super::keymap::Command;
use super::model::{Model, Pane};

/// The filter key, and the sort key on a list pane.
pub fn command(model: &mut Model, command: Command) -> Vec<Effect> {
    match command {
        Command::Filter => {
            model.stack.clear();
            model.editing_filter = true;
            vec![Effect::Redraw]
        }
        Command::Sort if model.stack.is_empty() => {
            match model.pane {
                Pane::Queue => {
                    model.queue.sort = model.queue.sort.next();
                    model.refresh_queue();
                }
                Pane::Assets => {
                    model.assets.sort = model.assets.sort.next();
                    model.refresh_assets();
                }
            }
            vec![Effect::Redraw]
        }
        _ => vec![],
    }
}

pub fn clear_filter(model: &mut Model) {
    match model.pane {
        Pane::Queue => {
            model.queue.filter.reset();
            model.refresh_queue();
        }
        Pane::Assets => {
            model.assets.filter.reset();
            model.refresh_assets();
        }
    }
}

pub fn edit_filter(model: &mut Model, request: InputRequest) -> Vec<Effect> {
    if !model.editing_filter {
        return vec![];
    }
    let changed = match model.pane {
        Pane::Queue => model.queue.filter.handle(request),
        Pane::Assets => model.assets.filter.handle(request),
    };
    match changed {
        Some(state) if state.value => {
            match model.pane {
                Pane::Queue => model.refresh_queue(),
                Pane::Assets => model.refresh_assets(),
            }
            vec![Effect::Redraw]
        }
        Some(state) if state.cursor => vec![Effect::Redraw],
        _ => vec![],
    }
}
