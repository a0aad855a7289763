//! Drawing the model: pure functions of the model and the look; they change nothing.

mod assets;
mod checklist;
mod chrome;
mod detail;
mod feed_status;
mod help;
mod journal;
mod prompt;
mod queue;
mod rollout;
mod status_fit;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::style::Look;
use crate::app::Model;
use crate::app::model::{MIN_HEIGHT, MIN_WIDTH, Pane, ScreenKind, body_rows};

/// Draws the whole console for `model`.
pub fn draw(frame: &mut Frame, model: &Model, look: &Look) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(frame, area, look);
        return;
    }
    let [tabs, body, status, hints] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(body_rows(area.height)),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::tabs(frame, tabs, model, look);
    match model.top() {
        None => match model.pane {
            Pane::Queue => queue::list(frame, body, model, look),
            Pane::Assets => assets::list(frame, body, model, look),
        },
        Some(screen) => match screen.kind {
            ScreenKind::PatchDetail { patch } => {
                detail::patch(frame, body, model, patch, screen, look)
            }
            ScreenKind::AssetDetail { asset } => {
                detail::asset(frame, body, model, asset, screen, look)
            }
            ScreenKind::Checklist { patch } => {
                checklist::steps(frame, body, model, patch, screen, look)
            }
            ScreenKind::Journal => journal::view(frame, body, model, screen, look),
            ScreenKind::Rollout => rollout::view(frame, body, model, screen, look),
        },
    }
    match &model.prompt {
        // The prompt takes the hint line; a message (why the typing was refused) the status.
        Some(typing) => {
            if model.message.is_some() {
                chrome::hints(frame, status, model, look);
            } else {
                chrome::status(frame, status, model, look);
            }
            prompt::line(frame, hints, typing, look);
        }
        None => {
            chrome::status(frame, status, model, look);
            chrome::hints(frame, hints, model, look);
        }
    }
    if model.help {
        help::overlay(frame, area, model, look);
    }
}

fn too_small(frame: &mut Frame, area: Rect, look: &Look) {
    let text = format!(
        "The console needs a terminal of at least 80x24; this one is {}x{}. \
         Enlarge it, or press q to quit.",
        area.width, area.height
    );
    frame.render_widget(
        Paragraph::new(text)
            .style(look.styles.warn)
            .wrap(Wrap { trim: true }),
        area,
    );
}

/// A bordered block with a title, in the look's border set.
fn block<'a>(title: impl Into<Line<'a>>, look: &Look) -> Block<'a> {
    Block::new()
        .borders(Borders::ALL)
        .border_set(look.border())
        .border_style(look.styles.border)
        .title(title.into().style(look.styles.title))
}
