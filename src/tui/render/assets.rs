//! The assets pane: hosts ranked by their worst pending patch.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Line;
use ratatui::widgets::{Cell, Row};

use super::queue::{WIDE, draw_empty, draw_table, table, visible_rows};
use crate::app::Model;
use crate::app::fleet::{AssetRow, due_cell, environment_word};
use crate::tui::style::Look;

pub fn header(look: &Look, wide: bool) -> Row<'static> {
    let mut cells = vec![
        "RNK",
        "ASSET",
        "ENV",
        "CRIT",
        "EXPOSURE",
        "OS",
        "PEND",
        "LAST SCAN",
    ];
    if wide {
        cells.extend(["WORST", "DUE", "ADDRESS"]);
    }
    Row::new(cells).style(look.styles.header)
}

pub fn widths(wide: bool) -> Vec<Constraint> {
    let mut widths = vec![
        Constraint::Length(3),
        Constraint::Fill(1),
        Constraint::Length(7),
        Constraint::Length(7),
        Constraint::Length(8),
        Constraint::Length(12),
        Constraint::Length(4),
        Constraint::Length(10),
    ];
    if wide {
        widths.extend([
            Constraint::Length(5),
            Constraint::Length(12),
            Constraint::Length(15),
        ]);
    }
    widths
}

/// One asset as a table row; a selected row has its rank and name highlighted.
pub fn row<'a>(model: &Model, a: &'a AssetRow, look: &Look, wide: bool, selected: bool) -> Row<'a> {
    let s = &look.styles;
    let name_style = if selected { s.selected } else { s.text };
    let mut cells = vec![
        Cell::from(a.rank.to_string()).style(name_style),
        Cell::from(look.text(&a.name).into_owned()).style(name_style),
        Cell::from(environment_word(a.environment)),
        Cell::from(a.criticality.as_str()),
        Cell::from(a.exposure.as_str()),
        Cell::from(a.os.as_str()),
        Cell::from(format!("{:>4}", a.patches.len())),
        Cell::from(a.last_scan.map_or("never".to_string(), |d| d.to_string())),
    ];
    if wide {
        match a.worst {
            Some((class, due)) => {
                cells.push(Cell::from(class.label()).style(s.class(class)));
                cells.push(
                    Cell::from(due_cell(due, a.overdue, model.fleet.today)).style(if a.overdue {
                        s.overdue
                    } else {
                        s.text
                    }),
                );
            }
            None => cells.extend([Cell::from("-"), Cell::from("-")]),
        }
        cells.push(Cell::from(look.text(&a.address).into_owned()));
    }
    Row::new(cells)
}

pub fn list(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let wide = area.width >= WIDE;
    let cursor = model.assets.cursor;
    let rows = visible_rows(
        &model.assets.rows,
        &model.fleet.assets,
        cursor,
        model.page(),
        |a, selected| row(model, a, look, wide, selected),
    );
    let title = Line::from(" Assets, riskiest first ");
    if model.assets.rows.is_empty() {
        let text = if model.fleet.assets.is_empty() {
            "No assets: describe your hosts in inventory.toml."
        } else {
            "No asset matches the filter. Esc clears it."
        };
        draw_empty(frame, area, title, text, look);
        return;
    }
    let table = table(rows, header(look, wide), widths(wide), title, look);
    draw_table(frame, area, table, cursor, false);
}
