//! The queue: pending patches, most urgent first.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, HighlightSpacing, Paragraph, Row, Table, TableState};

use super::block;
use crate::app::Model;
use crate::app::cursor::Cursor;
use crate::app::fleet::{PatchRow, due_cell, kev_mark};
use crate::tui::style::Look;

/// Width from which the queue shows the patch id and its title in separate columns.
/// From this width on, tables show their extra columns.
pub const WIDE: u16 = 120;

pub fn header(look: &Look, wide: bool) -> Row<'static> {
    let mut cells = vec![
        "RNK", "CLSS", "DUE", "KEV", "EPSS", "CVSS", "HOSTS", "PATCH",
    ];
    if wide {
        cells.push("TITLE");
    }
    Row::new(cells).style(look.styles.header)
}

pub fn widths(wide: bool) -> Vec<Constraint> {
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Length(4),
        Constraint::Length(12),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(4),
        Constraint::Length(5),
    ];
    if wide {
        widths.push(Constraint::Length(32));
    }
    widths.push(Constraint::Fill(1));
    widths
}

/// One patch as a table row; every mark is text, so colour only repeats it. A selected
/// row has the pointer and its rank and name highlighted: not the whole row, so moving the
/// selection rewrites few cells (bytes count on a serial line).
pub fn row<'a>(model: &Model, p: &'a PatchRow, look: &Look, wide: bool, selected: bool) -> Row<'a> {
    let s = &look.styles;
    let name_style = if selected { s.selected } else { s.text };
    let due = Cell::from(due_cell(p.due, p.overdue, model.fleet.today)).style(if p.overdue {
        s.overdue
    } else {
        s.text
    });
    let mut cells = vec![
        Cell::from(p.rank.to_string()).style(name_style),
        Cell::from(p.class.label()).style(s.class(p.class)),
        due,
        Cell::from(kev_mark(p.kev, p.ransomware)).style(if p.kev { s.kev } else { s.dim }),
        Cell::from(p.epss.map_or("-".into(), |e| format!("{e:.2}"))),
        Cell::from(p.cvss.map_or("-".into(), |c| format!("{c:.1}"))),
        Cell::from(format!("{:>5}", p.assets.len())),
    ];
    if wide {
        cells.push(Cell::from(look.text(&p.id).into_owned()).style(name_style));
        cells.push(Cell::from(look.text(&p.title).into_owned()));
    } else {
        let text = look.text(&format!("{} {}", p.id, p.title)).into_owned();
        cells.push(Cell::from(text).style(name_style));
    }
    Row::new(cells)
}

/// A table of `rows` showing only the rows the cursor's page covers (fast on 20,000 rows).
pub fn table<'a>(
    visible: Vec<Row<'a>>,
    header: Row<'a>,
    widths: Vec<Constraint>,
    title: Line<'a>,
    look: &Look,
) -> Table<'a> {
    Table::new(visible, widths)
        .header(header)
        .block(block(title, look))
        .column_spacing(1)
        .highlight_symbol(look.pointer())
        .highlight_spacing(HighlightSpacing::Always)
}

/// Draws `table` with the selection at `cursor.selected - cursor.offset`.
pub fn draw_table(frame: &mut Frame, area: Rect, table: Table, cursor: Cursor, empty: bool) {
    let mut state = TableState::new().with_selected(if empty {
        None
    } else {
        Some(cursor.selected.saturating_sub(cursor.offset))
    });
    frame.render_stateful_widget(table, area, &mut state);
}

/// The rows of `items[indices]` that fit in `height` lines from the cursor's offset, the
/// selected one marked.
pub fn visible_rows<'a, T>(
    indices: &[usize],
    items: &'a [T],
    cursor: Cursor,
    height: usize,
    row: impl Fn(&'a T, bool) -> Row<'a>,
) -> Vec<Row<'a>> {
    indices
        .iter()
        .enumerate()
        .skip(cursor.offset)
        .take(height)
        .filter_map(|(at, &i)| Some(row(items.get(i)?, at == cursor.selected)))
        .collect()
}

/// A list's frame with `text` instead of rows: nothing to show, or nothing matches the filter.
pub fn draw_empty(frame: &mut Frame, area: Rect, title: Line, text: &str, look: &Look) {
    frame.render_widget(
        Paragraph::new(text.to_string())
            .style(look.styles.dim)
            .block(block(title, look)),
        area,
    );
}

pub fn list(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let wide = area.width >= WIDE;
    let cursor = model.queue.cursor;
    let rows = visible_rows(
        &model.queue.rows,
        &model.fleet.patches,
        cursor,
        model.page(),
        |p, selected| row(model, p, look, wide, selected),
    );
    let title = Line::from(vec![Span::raw(format!(
        " Pending patches, most urgent first, as of {} ",
        model.fleet.today
    ))]);
    if model.queue.rows.is_empty() {
        let text = if model.fleet.patches.is_empty() {
            "No pending patches: every asset is up to date with the loaded advisories."
        } else {
            "No patch matches the filter. Esc clears it."
        };
        draw_empty(frame, area, title, text, look);
        return;
    }
    let table = table(rows, header(look, wide), widths(wide), title, look);
    draw_table(frame, area, table, cursor, false);
}
