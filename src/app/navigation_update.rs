//! `update` for moving around: the selection and paging of lists and screens, drilling down
//! and back, the checklist and journal screens, and scrolling the help.

use super::action::Effect;
use super::checklist::STEP_COUNT;
use super::keymap::Command;
use super::listing_update::clear_filter;
use super::model::{Message, Model, Pane, ScreenKind, screen_page};

/// The movement keys, drilling down and back, and opening the checklist or the journal.
pub fn command(model: &mut Model, command: Command) -> Vec<Effect> {
    match command {
        Command::Up => moved(move_by(model, -1)),
        Command::Down => moved(move_by(model, 1)),
        Command::PageUp => moved(page(model, -1)),
        Command::PageDown => moved(page(model, 1)),
        Command::Top => moved(move_by(model, isize::MIN)),
        Command::Bottom => moved(move_by(model, isize::MAX)),
        Command::NextPane => {
            model.stack.clear();
            model.pane = match model.pane {
                Pane::Queue => Pane::Assets,
                Pane::Assets => Pane::Queue,
            };
            vec![Effect::Redraw]
        }
        Command::Open => open(model),
        Command::Back => back(model),
        Command::Checklist => checklist(model),
        Command::Journal => {
            if model.top().is_some_and(|s| s.kind == ScreenKind::Journal) {
                vec![]
            } else {
                model.stack.clear();
                model.push(ScreenKind::Journal);
                vec![Effect::Redraw]
            }
        }
        _ => vec![],
    }
}

/// While help is shown, the movement keys scroll it and Back closes it.
pub fn help_command(model: &mut Model, command: Command) -> Vec<Effect> {
    let before = model.help_scroll;
    model.help_scroll = match command {
        Command::Back => {
            model.help = false;
            return vec![Effect::Redraw];
        }
        Command::Down => before.saturating_add(1),
        Command::PageDown => before.saturating_add(10),
        Command::Up => before.saturating_sub(1),
        Command::PageUp => before.saturating_sub(10),
        Command::Top => 0,
        _ => before,
    }
    .min(u16::try_from(Command::ALL.len()).unwrap_or(u16::MAX));
    moved(model.help_scroll != before)
}

fn moved(changed: bool) -> Vec<Effect> {
    if changed {
        vec![Effect::Redraw]
    } else {
        vec![]
    }
}

/// How many rows the selectable list of a screen has.
pub fn related_len(model: &Model, kind: ScreenKind) -> usize {
    match kind {
        ScreenKind::PatchDetail { patch } => model.fleet.patches[patch].assets.len(),
        ScreenKind::AssetDetail { asset } => model.fleet.assets[asset].patches.len(),
        ScreenKind::Checklist { .. } => STEP_COUNT,
        ScreenKind::Journal => model.journal.rows().len(),
        ScreenKind::Rollout => model.rollout.as_ref().map_or(0, |r| r.hosts.len()),
    }
}

fn move_by(model: &mut Model, delta: isize) -> bool {
    let page = model.page();
    let height = model.height;
    if let Some(top) = model.stack.len().checked_sub(1) {
        let len = related_len(model, model.stack[top].kind);
        let screen = &mut model.stack[top];
        let moved = screen
            .cursor
            .move_by(delta, len, screen_page(screen.kind, height));
        if moved && matches!(screen.kind, ScreenKind::Checklist { .. }) {
            // Each step's details start at their top.
            screen.scroll = 0;
        }
        return moved;
    }
    match model.pane {
        Pane::Queue => model
            .queue
            .cursor
            .move_by(delta, model.queue.rows.len(), page),
        Pane::Assets => model
            .assets
            .cursor
            .move_by(delta, model.assets.rows.len(), page),
    }
}

/// Lines of text a drill-down screen shows above (or, for the checklist, below) its list,
/// before wrapping: the renderer draws the same lines.
fn text_lines(model: &Model, kind: ScreenKind, selected: usize) -> usize {
    match kind {
        ScreenKind::PatchDetail { patch } => {
            let p = &model.fleet.patches[patch];
            5 + p.reasons.len() + p.cves.len() + p.packages.len()
        }
        ScreenKind::AssetDetail { asset } => {
            let a = &model.fleet.assets[asset];
            4 + a.reasons.len()
        }
        ScreenKind::Checklist { patch } => model
            .checklist_of(patch)
            .and_then(|steps| steps.get(selected))
            .map_or(0, |step| step.details.len()),
        ScreenKind::Journal | ScreenKind::Rollout => 0,
    }
}

/// A page down the list; on a drill-down screen, a few lines of its text.
fn page(model: &mut Model, direction: isize) -> bool {
    if let Some(screen) = model.stack.last().copied()
        && !matches!(screen.kind, ScreenKind::Journal | ScreenKind::Rollout)
    {
        const STEP: u16 = 5;
        let lines = text_lines(model, screen.kind, screen.cursor.selected);
        // Wrapping can add lines, so the whole count (not count - 1) stays reachable.
        let last = u16::try_from(lines).unwrap_or(u16::MAX);
        let scroll = if direction < 0 {
            screen.scroll.saturating_sub(STEP)
        } else {
            screen
                .scroll
                .saturating_add(STEP)
                .min(last.saturating_sub(1))
        };
        if let Some(top) = model.stack.last_mut() {
            top.scroll = scroll;
        }
        return scroll != screen.scroll;
    }
    let rows = match model.top() {
        Some(screen) => screen_page(screen.kind, model.height),
        None => model.page(),
    };
    let page = isize::try_from(rows).unwrap_or(isize::MAX);
    move_by(model, direction.saturating_mul(page))
}

fn open(model: &mut Model) -> Vec<Effect> {
    let next = match model.top().map(|s| (s.kind, s.cursor.selected)) {
        None => match model.pane {
            Pane::Queue => model
                .queue
                .selected()
                .map(|patch| ScreenKind::PatchDetail { patch }),
            Pane::Assets => model
                .assets
                .selected()
                .map(|asset| ScreenKind::AssetDetail { asset }),
        },
        Some((ScreenKind::PatchDetail { patch }, at)) => model.fleet.patches[patch]
            .assets
            .get(at)
            .map(|&asset| ScreenKind::AssetDetail { asset }),
        Some((ScreenKind::AssetDetail { asset }, at)) => model.fleet.assets[asset]
            .patches
            .get(at)
            .map(|&patch| ScreenKind::PatchDetail { patch }),
        Some((ScreenKind::Checklist { patch }, step)) => {
            if step >= 2 && model.rollout.as_ref().is_some_and(|r| r.patch == patch) {
                Some(ScreenKind::Rollout)
            } else {
                let text = if step < 2 {
                    format!(
                        "Step {} is worked out from the site's data: review it below.",
                        step + 1
                    )
                } else {
                    format!(
                        "Step {} runs with the rollout: start it with the run key.",
                        step + 1
                    )
                };
                model.message = Some(Message::info(&text));
                return vec![Effect::Redraw];
            }
        }
        Some((ScreenKind::Journal | ScreenKind::Rollout, _)) => None,
    };
    match next {
        Some(kind) => {
            model.push(kind);
            vec![Effect::Redraw]
        }
        None => vec![],
    }
}

fn checklist(model: &mut Model) -> Vec<Effect> {
    let patch = match model.top().map(|s| (s.kind, s.cursor.selected)) {
        None if model.pane == Pane::Queue => model.queue.selected(),
        None => None,
        Some((ScreenKind::PatchDetail { patch }, _)) => Some(patch),
        Some((ScreenKind::AssetDetail { asset }, at)) => {
            model.fleet.assets[asset].patches.get(at).copied()
        }
        Some((ScreenKind::Checklist { .. } | ScreenKind::Journal | ScreenKind::Rollout, _)) => {
            return vec![];
        }
    };
    match patch {
        Some(patch) => {
            model.push(ScreenKind::Checklist { patch });
            vec![Effect::Redraw]
        }
        None => {
            model.message = Some(Message::info(
                "Select a patch first: the checklist belongs to a patch.",
            ));
            vec![Effect::Redraw]
        }
    }
}

fn back(model: &mut Model) -> Vec<Effect> {
    if model.stack.pop().is_some() {
        return vec![Effect::Redraw];
    }
    if !model.filter().value().is_empty() {
        clear_filter(model);
        return vec![Effect::Redraw];
    }
    vec![]
}
