//! The help overlay, generated from the keymap and its descriptions.

use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph};

use super::block;
use crate::app::Model;
use crate::tui::style::Look;

const LEGEND: [&str; 3] = [
    "CRIT HIGH MED LOW UPG: policy class.  OVERDUE Nd: N days past the deadline.",
    "KEV: in CISA's Known Exploited list.  KEV!: known ransomware use.",
    "Keys typed while filtering go to the filter; Enter keeps it, Esc clears it.",
];

pub fn overlay(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let s = &look.styles;
    let help = model.keymap.help();
    let key_width = help
        .iter()
        .map(|(k, _)| k.chars().count())
        .max()
        .unwrap_or(0);
    let mut lines: Vec<Line> = help
        .iter()
        .map(|(keys, description)| {
            Line::from(vec![
                Span::styled(format!("{keys:<key_width$}  "), s.title),
                Span::raw(*description),
            ])
        })
        .collect();
    lines.push(Line::raw(""));
    lines.extend(LEGEND.iter().map(|l| Line::styled(*l, s.dim)));
    let height = u16::try_from(lines.len() + 2)
        .unwrap_or(u16::MAX)
        .min(area.height);
    let width = area.width.min(82);
    let [row] = Layout::vertical([Constraint::Length(height)])
        .flex(Flex::Center)
        .areas(area);
    let [rect] = Layout::horizontal([Constraint::Length(width)])
        .flex(Flex::Center)
        .areas(row);
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(block(" Keys (? or Esc closes; j/k scroll) ", look))
            .scroll((model.help_scroll, 0)),
        rect,
    );
}
