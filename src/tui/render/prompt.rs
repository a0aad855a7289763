//! The prompt line, drawn over the key hints while a decision is typed.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::prompt::Prompt;
use crate::tui::style::Look;

pub fn line(frame: &mut Frame, area: Rect, prompt: &Prompt, look: &Look) {
    let s = &look.styles;
    let label = format!(" {}", look.text(&prompt.label()));
    let typed = look.text(prompt.input.value()).into_owned();
    let cursor = label.chars().count() + prompt.input.visual_cursor();
    frame.render_widget(
        Paragraph::new(Line::from(vec![
            Span::styled(label, s.warn),
            Span::styled(typed, s.text),
        ])),
        area,
    );
    let x = area
        .x
        .saturating_add(u16::try_from(cursor).unwrap_or(u16::MAX));
    frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
}
