//! Detail of a patch or an asset: why it ranks where it does, then what it links to.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Wrap};

use super::queue::{WIDE, draw_table, table, visible_rows};
use super::{assets, block, queue};
use crate::app::Model;
use crate::app::fleet::{due_cell, environment_word, kev_mark};
use crate::app::keymap::Command;
use crate::app::model::{Screen, detail_split};
use crate::core::reasons::due_phrase;
use crate::tui::style::Look;

/// The text on top, the related list below: no taller than its rows need, so the text
/// gets the room a short list leaves.
fn split(area: Rect, related: usize) -> (Rect, Rect) {
    let (_, most) = detail_split(area.height);
    let needed = u16::try_from(related.max(1))
        .unwrap_or(u16::MAX)
        .saturating_add(3);
    let list = needed.min(most);
    let [top, bottom] = Layout::vertical([
        Constraint::Length(area.height - list),
        Constraint::Length(list),
    ])
    .areas(area);
    (top, bottom)
}

/// The text part of a detail screen; when lines are hidden below, the bottom border says
/// which key shows them.
fn text_block(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    title: String,
    lines: Vec<Line>,
    scroll: u16,
    look: &Look,
) {
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let inner_width = area.width.saturating_sub(2);
    let total = paragraph.line_count(inner_width);
    let shown = usize::from(area.height.saturating_sub(2)) + usize::from(scroll);
    let mut block = block(title, look);
    if total > shown {
        let keys: Vec<String> = model
            .keymap
            .keys_for(Command::PageDown)
            .iter()
            .map(|k| k.to_string())
            .collect();
        block = block.title_bottom(
            Line::from(format!(
                " {} more lines: {} ",
                total - shown,
                keys.join("/")
            ))
            .style(look.styles.hint),
        );
    }
    frame.render_widget(paragraph.block(block).scroll((scroll, 0)), area);
}

pub fn patch(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    index: usize,
    screen: &Screen,
    look: &Look,
) {
    let s = &look.styles;
    let p = &model.fleet.patches[index];
    let (top, bottom) = split(area, p.assets.len());
    let today = model.fleet.today;
    let mut lines = vec![
        Line::from(vec![
            Span::styled(p.class.label(), s.class(p.class)),
            Span::raw(format!(
                " ({}, SLA {} days from {}), ",
                p.class.as_str(),
                p.sla_days,
                p.first_seen
            )),
            Span::styled(
                due_phrase(p.due, today),
                if p.overdue { s.overdue } else { s.text },
            ),
        ]),
        Line::from(
            look.text(&format!("{} on {}: {}", p.id, p.os, p.title))
                .into_owned(),
        ),
        Line::styled(format!("Why it ranks #{}:", p.rank), s.header),
    ];
    lines.extend(
        p.reasons
            .iter()
            .map(|r| Line::from(format!("- {}", look.text(r)))),
    );
    lines.push(Line::styled("CVEs:", s.header));
    for cve in &p.cves {
        lines.push(Line::from(vec![
            Span::raw(format!("{:<16} ", look.text(&cve.id))),
            Span::styled(
                format!("{:<4}", kev_mark(cve.kev, cve.ransomware)),
                if cve.kev { s.kev } else { s.dim },
            ),
            Span::raw(format!(
                " EPSS {:<5} CVSS {}",
                cve.epss.map_or("-".to_string(), |e| format!("{e:.2}")),
                cve.cvss.map_or("-".to_string(), |c| format!("{c:.1}"))
            )),
        ]));
    }
    lines.push(Line::styled("Packages:", s.header));
    for (name, version) in &p.packages {
        lines.push(Line::from(
            look.text(&format!("{name} {version}")).into_owned(),
        ));
    }
    text_block(
        frame,
        top,
        model,
        look.text(&format!(" Patch #{} {} ", p.rank, p.id))
            .into_owned(),
        lines,
        screen.scroll,
        look,
    );

    let wide = area.width >= WIDE;
    related_list(
        frame,
        bottom,
        screen,
        Related {
            indices: &p.assets,
            items: &model.fleet.assets,
            title: format!(" Affected assets ({}) ", p.assets.len()),
            header: assets::header(look, wide),
            widths: assets::widths(wide),
        },
        |a, selected| assets::row(model, a, look, wide, selected),
        look,
    );
}

pub fn asset(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    index: usize,
    screen: &Screen,
    look: &Look,
) {
    let s = &look.styles;
    let a = &model.fleet.assets[index];
    let (top, bottom) = split(area, a.patches.len());
    let mut lines = vec![
        Line::from(
            look.text(&format!(
                "{} ({}), {}, {} criticality, {} exposure",
                a.address,
                a.os,
                environment_word(a.environment),
                a.criticality.as_str(),
                a.exposure.as_str()
            ))
            .into_owned(),
        ),
        Line::from(
            look.text(&format!(
                "owner: {}; groups: {}; last scan: {}",
                a.owner.as_deref().unwrap_or("-"),
                if a.groups.is_empty() {
                    "-".to_string()
                } else {
                    a.groups.join(", ")
                },
                a.last_scan.map_or("never".to_string(), |d| d.to_string())
            ))
            .into_owned(),
        ),
    ];
    if let Some((class, due)) = a.worst {
        lines.push(Line::from(vec![
            Span::raw("worst: "),
            Span::styled(class.label(), s.class(class)),
            Span::raw(" "),
            Span::styled(
                due_cell(due, a.overdue, model.fleet.today),
                if a.overdue { s.overdue } else { s.text },
            ),
        ]));
    }
    lines.push(Line::styled(format!("Why it ranks #{}:", a.rank), s.header));
    lines.extend(
        a.reasons
            .iter()
            .map(|r| Line::from(format!("- {}", look.text(r)))),
    );
    text_block(
        frame,
        top,
        model,
        format!(" Asset #{} {} ", a.rank, look.text(&a.name)),
        lines,
        screen.scroll,
        look,
    );

    let wide = area.width >= WIDE;
    related_list(
        frame,
        bottom,
        screen,
        Related {
            indices: &a.patches,
            items: &model.fleet.patches,
            title: format!(" Pending patches ({}) ", a.patches.len()),
            header: queue::header(look, wide),
            widths: queue::widths(wide),
        },
        |p, selected| queue::row(model, p, look, wide, selected),
        look,
    );
}

/// The list under a detail's text: the related patches or assets.
struct Related<'a, T> {
    indices: &'a [usize],
    items: &'a [T],
    title: String,
    header: Row<'a>,
    widths: Vec<Constraint>,
}

/// Draws `list` in `area`, scrolled to the screen's cursor.
fn related_list<'a, T>(
    frame: &mut Frame,
    area: Rect,
    screen: &Screen,
    list: Related<'a, T>,
    row: impl Fn(&'a T, bool) -> Row<'a>,
    look: &Look,
) {
    let cursor = screen.cursor;
    let rows = visible_rows(
        list.indices,
        list.items,
        cursor,
        usize::from(area.height.saturating_sub(3)),
        row,
    );
    let table = table(rows, list.header, list.widths, Line::from(list.title), look);
    draw_table(frame, area, table, cursor, list.indices.is_empty());
}
