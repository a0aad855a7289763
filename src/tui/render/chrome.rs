//! The frame around every view: the tab line, the status bar and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::app::Model;
use crate::app::keymap::{Command, KeyCode};
use crate::app::maintenance::{WindowStatus, short_duration, window_status};
use crate::app::model::{Pane, ScreenKind};
use crate::tui::style::Look;

use super::feed_status::{feed_spans, override_banner};

/// `SecureUPDATE  [Queue 15]  Assets 49   sort: risk   filter: glibc`.
pub fn tabs(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let s = &look.styles;
    let tab = |pane: Pane, label: String| {
        if model.pane == pane {
            Span::styled(format!("[{label}]"), s.tab_active)
        } else {
            Span::styled(format!(" {label} "), s.tab)
        }
    };
    let queue = format!(
        "Queue {}",
        count(model.queue.rows.len(), model.fleet.patches.len())
    );
    let assets = format!(
        "Assets {}",
        count(model.assets.rows.len(), model.fleet.assets.len())
    );
    let sort = match model.pane {
        Pane::Queue => model.queue.sort.label(),
        Pane::Assets => model.assets.sort.label(),
    };
    let mut spans = vec![
        Span::styled("SecureUPDATE ", s.title),
        tab(Pane::Queue, queue),
        Span::raw(" "),
        tab(Pane::Assets, assets),
        Span::styled(format!("  sort: {sort}"), s.dim),
    ];
    let filter = model.filter().value();
    if model.editing_filter || !filter.is_empty() {
        spans.push(Span::styled("  filter: ", s.dim));
        spans.push(Span::styled(look.text(filter).into_owned(), s.text));
    }
    spans.extend(override_banner(&model.fleet.site, look));
    let line = Line::from(spans);
    let used = line.width();
    frame.render_widget(Paragraph::new(line), area);
    if model.editing_filter {
        let cursor = used.saturating_sub(filter.chars().count()) + model.filter().visual_cursor();
        let x = area
            .x
            .saturating_add(u16::try_from(cursor).unwrap_or(u16::MAX));
        frame.set_cursor_position((x.min(area.right().saturating_sub(1)), area.y));
    }
}

fn count(shown: usize, total: usize) -> String {
    if shown == total {
        total.to_string()
    } else {
        format!("{shown}/{total}")
    }
}

/// Site, operator, feed age, maintenance window; the site name gives way when space is short.
pub fn status(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let s = &look.styles;
    let site = &model.fleet.site;
    let sep = look.separator();
    let window = match window_status(&site.windows, model.now) {
        WindowStatus::Open { name, left } => Span::styled(
            format!("window OPEN: {name}, {} left", short_duration(left)),
            s.status.patch(s.ok),
        ),
        WindowStatus::Closed { next, opens_in } => Span::raw(format!(
            "window closed; {next} in {}",
            short_duration(opens_in)
        )),
        WindowStatus::NoWindows => Span::raw("no windows"),
    };
    let mut right = vec![
        Span::raw(sep),
        Span::raw(format!(
            "op: {}",
            look.text(site.operator.as_deref().unwrap_or("none"))
        )),
        Span::raw(sep),
    ];
    right.extend(feed_spans(site, model.now, look));
    right.extend([Span::raw(sep), window]);
    let right_width: usize = right.iter().map(Span::width).sum();
    let room = usize::from(area.width).saturating_sub(right_width + 1);
    let mut spans = vec![
        Span::raw(" "),
        Span::raw(fit(&look.text(&site.name), room, look)),
    ];
    spans.extend(right);
    frame.render_widget(Paragraph::new(Line::from(spans)).style(s.status), area);
}

/// `text` cut to `width` characters, with a marker when cut.
pub fn fit(text: &str, width: usize, look: &Look) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let marker = if look.ascii { "~" } else { "…" };
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}{marker}")
}

/// The keys that matter on this screen, from the keymap; or the message, if there is one.
pub fn hints(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let s = &look.styles;
    if let Some(message) = &model.message {
        let (prefix, style) = if message.error {
            ("error: ", s.error)
        } else {
            ("", s.warn)
        };
        let text = format!(" {prefix}{}", look.text(&message.text));
        frame.render_widget(Paragraph::new(text).style(style), area);
        return;
    }
    if model.editing_filter {
        let text = " type to filter; Enter keeps the filter, Esc clears it";
        frame.render_widget(Paragraph::new(text).style(s.hint), area);
        return;
    }
    let commands: &[(Command, &str)] = match model.top().map(|screen| screen.kind) {
        None => &[
            (Command::Help, "help"),
            (Command::Open, "open"),
            (Command::Checklist, "checklist"),
            (Command::NextPane, "pane"),
            (Command::Filter, "filter"),
            (Command::Sort, "sort"),
            (Command::Quit, "quit"),
        ],
        Some(ScreenKind::Checklist { .. }) => &[
            (Command::Help, "help"),
            (Command::Down, "next step"),
            (Command::PageDown, "scroll"),
            (Command::Back, "back"),
            (Command::Quit, "quit"),
        ],
        Some(_) => &[
            (Command::Help, "help"),
            (Command::Open, "open"),
            (Command::Checklist, "checklist"),
            (Command::PageDown, "scroll"),
            (Command::Back, "back"),
            (Command::Quit, "quit"),
        ],
    };
    let mut spans = vec![Span::raw(" ")];
    for (command, label) in commands {
        // The first key, and the plain key that works on serial lines when it differs.
        let keys = model.keymap.keys_for(*command);
        let Some(first) = keys.first() else {
            continue;
        };
        let plain = keys
            .iter()
            .find(|k| matches!(k.code, KeyCode::Char(_)) && !k.ctrl);
        let shown = match plain {
            Some(p) if p != first => format!("{first}/{p}"),
            _ => first.to_string(),
        };
        spans.push(Span::styled(shown, s.title));
        spans.push(Span::styled(format!(" {label}  "), s.hint));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
