//! The frame around every view: the tab line, the status bar and the key hints.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::status_fit::{StatusPart, fit_status};
use crate::app::Model;
use crate::app::journal::JournalView;
use crate::app::keymap::{Command, KeyCode};
use crate::app::maintenance::{WindowStatus, short_duration, window_status};
use crate::app::model::{Pane, RolloutAccess, ScreenKind};
use crate::engine::Question;
use crate::tui::style::Look;

use super::feed_status::{feed_parts, override_banner};

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
    if model.access == (RolloutAccess::Ready { training: true }) {
        spans.push(Span::styled("  TRAINING: simulated fleet", s.warn));
    }
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

/// Site, operator, feed age, maintenance window and journal head; when space is short the
/// site name gives way first, then the feed age and the window are shortened and dropped.
pub fn status(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let s = &look.styles;
    let site = &model.fleet.site;
    let window = match window_status(&site.windows, model.now) {
        WindowStatus::Open { name, left } => StatusPart {
            text: format!("window OPEN: {name}, {} left", short_duration(left)),
            short: Some(format!("OPEN, {} left", short_duration(left))),
            style: s.status.patch(s.ok),
            give_way: Some(1),
        },
        WindowStatus::Closed { next, opens_in } => StatusPart {
            text: format!("window closed; {next} in {}", short_duration(opens_in)),
            short: Some(format!("window in {}", short_duration(opens_in))),
            style: Style::default(),
            give_way: Some(1),
        },
        WindowStatus::NoWindows => StatusPart {
            text: "no windows".to_string(),
            short: None,
            style: Style::default(),
            give_way: Some(1),
        },
    };
    let mut parts = vec![StatusPart {
        text: format!(
            "op: {}",
            look.text(site.operator.as_deref().unwrap_or("none"))
        ),
        short: None,
        style: Style::default(),
        give_way: Some(2),
    }];
    parts.extend(feed_parts(site, model.now, look));
    parts.push(window);
    parts.extend(journal_part(&model.journal, look));
    let name = look.text(&site.name);
    let spans = fit_status(
        &name,
        |text, room| fit(text, room, look),
        parts,
        look.separator(),
        usize::from(area.width),
    );
    frame.render_widget(Paragraph::new(Line::from(spans)).style(s.status), area);
}

/// The journal's head, or why it is missing when reading it failed.
fn journal_part(journal: &JournalView, look: &Look) -> Option<StatusPart> {
    let (text, style) = match journal {
        JournalView::Failed(_) => ("journal UNREADABLE".to_string(), look.styles.error),
        view => (view.status_line()?, Style::default()),
    };
    Some(StatusPart {
        text,
        short: None,
        style,
        give_way: None,
    })
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

/// The keys that matter on this screen (the answers, while the engine waits on a question),
/// from the keymap; or the message, if there is one.
pub fn hints(frame: &mut Frame, area: Rect, model: &Model, look: &Look) {
    let s = &look.styles;
    if let Some(message) = &model.message {
        let (prefix, style) = if message.error {
            ("error: ", s.error)
        } else {
            ("", s.warn)
        };
        let text = format!(" {prefix}{}", look.text(message.text()));
        frame.render_widget(Paragraph::new(text).style(style), area);
        return;
    }
    if model.editing_filter {
        let text = " type to filter; Enter keeps the filter, Esc clears it";
        frame.render_widget(Paragraph::new(text).style(s.hint), area);
        return;
    }
    let question = model.rollout.as_ref().and_then(|r| r.question.as_ref());
    let busy = model.rollout.as_ref().is_some_and(|r| r.active);
    let commands: &[(Command, &str)] = match (model.top().map(|screen| screen.kind), question) {
        // The engine waits: the answers come first, with the keys this keymap gives them.
        (Some(ScreenKind::Rollout), Some(Question::ProceedAfterWave { .. })) => &[
            (Command::Proceed, "proceed"),
            (Command::Pause, "pause"),
            (Command::Skip, "skip"),
            (Command::Abort, "abort"),
            (Command::RollBack, "roll back"),
            (Command::Help, "help"),
            (Command::Back, "back"),
        ],
        (Some(ScreenKind::Rollout), Some(Question::RollBack { .. })) => &[
            (Command::RollBack, "roll back"),
            (Command::Skip, "leave it"),
            (Command::Pause, "pause"),
            (Command::Abort, "abort"),
            (Command::Help, "help"),
            (Command::Back, "back"),
        ],
        (None, _) => &[
            (Command::Help, "help"),
            (Command::Open, "open"),
            (Command::Checklist, "checklist"),
            (Command::NextPane, "pane"),
            (Command::Filter, "filter"),
            (Command::Sort, "sort"),
            (Command::Quit, "quit"),
        ],
        (Some(ScreenKind::Journal), _) => &[
            (Command::Help, "help"),
            (Command::Down, "older"),
            (Command::Up, "newer"),
            (Command::PageDown, "page"),
            (Command::Back, "back"),
            (Command::Quit, "quit"),
        ],
        // Rollbacks are refused while the run or a rollback goes on: not offered.
        (Some(ScreenKind::Rollout), None) if busy => &[
            (Command::Help, "help"),
            (Command::Follow, "follow"),
            (Command::Down, "next host"),
            (Command::Back, "back"),
            (Command::Quit, "quit"),
        ],
        (Some(ScreenKind::Rollout), _) => &[
            (Command::Help, "help"),
            (Command::Follow, "follow"),
            (Command::RollBack, "roll back host"),
            (Command::RollBackWave, "wave"),
            (Command::RollBackRun, "run"),
            (Command::Back, "back"),
            (Command::Quit, "quit"),
        ],
        (Some(ScreenKind::Checklist { .. }), _) => &[
            (Command::Help, "help"),
            (Command::Run, "run"),
            (Command::Down, "next step"),
            (Command::PageDown, "scroll"),
            (Command::Back, "back"),
            (Command::Quit, "quit"),
        ],
        (Some(_), _) => &[
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
