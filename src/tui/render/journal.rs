//! The journal view: the newest entries first (seq, time, operator, kind, subject), with the
//! head to copy into a change ticket in the title. Entry text was sanitized as it was loaded;
//! it is drawn as it is.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Paragraph, Row, Wrap};

use super::block;
use super::queue::{draw_table, table};
use crate::app::Model;
use crate::app::journal::{JournalRow, JournalView};
use crate::app::model::{Screen, screen_page};
use crate::core::journal::entry::is_canonical_timestamp;
use crate::tui::style::Look;

pub fn view(frame: &mut Frame, area: Rect, model: &Model, screen: &Screen, look: &Look) {
    let s = &look.styles;
    let (title, empty_text) = match &model.journal {
        JournalView::Loaded(snapshot) => (
            format!(
                " Journal, newest first: {} ",
                snapshot.head.status_line(snapshot.id)
            ),
            "The journal has no entries yet.".to_string(),
        ),
        JournalView::Empty => (
            " Journal ".to_string(),
            "No journal yet: `secureupdate journal note` or a rollout starts one.".to_string(),
        ),
        JournalView::Unknown => (
            " Journal ".to_string(),
            "The journal was not read.".to_string(),
        ),
        JournalView::Failed(message) => (
            " Journal ".to_string(),
            format!("The journal could not be read: {message}"),
        ),
    };
    let title = Line::from(title);
    let rows = model.journal.rows();
    if rows.is_empty() {
        frame.render_widget(
            Paragraph::new(look.text(&empty_text).into_owned())
                .style(s.dim)
                .wrap(Wrap { trim: true })
                .block(block(title, look)),
            area,
        );
        return;
    }
    let cursor = screen.cursor;
    let visible: Vec<Row> = rows
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(screen_page(screen.kind, model.height))
        .map(|(at, entry)| row(entry, look, at == cursor.selected))
        .collect();
    let header = Row::new(["SEQ", "TIME (UTC)", "OPERATOR", "KIND", "SUBJECT"]).style(s.header);
    let widths = vec![
        Constraint::Length(6),
        Constraint::Length(16),
        Constraint::Length(12),
        Constraint::Length(15),
        Constraint::Fill(1),
    ];
    draw_table(
        frame,
        area,
        table(visible, header, widths, title, look),
        cursor,
        false,
    );
}

fn row<'a>(entry: &JournalRow, look: &Look, selected: bool) -> Row<'a> {
    let s = &look.styles;
    let text = |text: &str| look.text(text).into_owned();
    let ts = entry.ts();
    let time = if is_canonical_timestamp(ts) {
        format!("{} {}", &ts[..10], &ts[11..16])
    } else {
        text(ts)
    };
    Row::new([
        Cell::from(entry.seq().to_string()).style(if selected { s.selected } else { s.text }),
        Cell::from(time),
        Cell::from(text(entry.operator())),
        Cell::from(text(entry.kind())),
        Cell::from(text(entry.subject())).style(if selected { s.selected } else { s.text }),
    ])
}
