//! Snapshots of every console view, drawn from the demo site as of a fixed date, at 80x24
//! and 120x40, in the default theme and in `mono --ascii`. They live in the binary because
//! the console's data is built here (`console::fleet`).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use secureupdate::app::keymap::{Command, Keymap};
use secureupdate::app::{Action, Model, update};
use secureupdate::config::load_theme;
use secureupdate::tui::render::draw;
use secureupdate::tui::style::Look;

use crate::assessment::Assessment;
use crate::demo_site;

pub(super) fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

fn demo_model(width: u16, height: u16) -> Model {
    let dir = tempfile::tempdir().unwrap();
    secureupdate::config::write_files(dir.path(), &demo_site::files()).unwrap();
    let as_of = NaiveDate::from_ymd_opt(2026, 11, 20);
    let assessment = Assessment::run(dir.path(), "test", as_of).unwrap();
    let mut fleet = super::console::fleet(&assessment, Some("alice".to_string()));
    // Feeds are loaded when the test runs; pin the load time so the status bar is stable.
    fleet.site.feeds_loaded_at = Some(now() - chrono::Duration::hours(3));
    let mut model = Model::new(fleet, Keymap::default(), now(), width, height);
    update(&mut model, Action::Resize { width, height });
    model
}

pub(super) fn looks() -> [(&'static str, Look); 2] {
    [
        (
            "default",
            Look::new(&load_theme("default", None).unwrap(), false),
        ),
        (
            "mono-ascii",
            Look::new(&load_theme("mono", None).unwrap(), true),
        ),
    ]
}

pub(super) fn screen(model: &Model, look: &Look) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(model.width, model.height)).unwrap();
    terminal.draw(|frame| draw(frame, model, look)).unwrap();
    terminal
}

/// Snapshots `view` after `commands`, at both sizes and in both looks.
fn snapshot_view(view: &str, commands: &[Command]) {
    snapshot_view_with(view, commands, |_| {});
}

/// As [`snapshot_view`], on a model that `prepare` changed first.
fn snapshot_view_with(view: &str, commands: &[Command], prepare: impl Fn(&mut Model)) {
    for (width, height) in [(80, 24), (120, 40)] {
        let mut model = demo_model(width, height);
        prepare(&mut model);
        for command in commands {
            update(&mut model, Action::Command(*command));
        }
        for (look_name, look) in looks() {
            let name = format!("{view}_{width}x{height}_{look_name}");
            check(&name, &model, &look);
        }
    }
}

/// Snapshots the screen of `model` under `name`; in ASCII looks, checks that only ASCII and
/// no colour reached the screen.
pub(super) fn check(name: &str, model: &Model, look: &Look) {
    let terminal = screen(model, look);
    insta::with_settings!({
        snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/console"),
        prepend_module_to_snapshot => false,
        omit_expression => true,
    }, {
        insta::assert_snapshot!(name.to_string(), terminal.backend().to_string());
    });
    if look.ascii {
        for cell in terminal.backend().buffer().content() {
            assert!(cell.symbol().is_ascii(), "{name}: {:?}", cell.symbol());
            assert_eq!(
                (cell.fg, cell.bg),
                (Color::Reset, Color::Reset),
                "{name}: mono has no colour"
            );
        }
    }
}

#[test]
fn queue() {
    snapshot_view("queue", &[Command::Down]);
}

#[test]
fn assets() {
    snapshot_view("assets", &[Command::NextPane]);
}

#[test]
fn patch_detail() {
    snapshot_view("patch_detail", &[Command::Open]);
}

#[test]
fn asset_detail() {
    snapshot_view("asset_detail", &[Command::NextPane, Command::Open]);
}

#[test]
fn checklist_inventory() {
    snapshot_view("checklist_inventory", &[Command::Checklist]);
}

#[test]
fn checklist_risk() {
    snapshot_view("checklist_risk", &[Command::Checklist, Command::Down]);
}

#[test]
fn checklist_rollout() {
    snapshot_view(
        "checklist_rollout",
        &[
            Command::Checklist,
            Command::Bottom,
            Command::Up,
            Command::Up,
        ],
    );
}

#[test]
fn help() {
    snapshot_view("help", &[Command::Help]);
}

#[test]
fn sorted_by_due_date() {
    snapshot_view("queue_by_due", &[Command::Sort]);
}

#[test]
fn filtered() {
    let mut model = demo_model(80, 24);
    update(&mut model, Action::Command(Command::Filter));
    for c in "glibc".chars() {
        update(
            &mut model,
            Action::FilterEdit(secureupdate::app::action::InputRequest::InsertChar(c)),
        );
    }
    for (look_name, look) in looks() {
        let terminal = screen(&model, &look);
        insta::with_settings!({
            snapshot_path => concat!(env!("CARGO_MANIFEST_DIR"), "/tests/snapshots/console"),
            prepend_module_to_snapshot => false,
            omit_expression => true,
        }, {
            insta::assert_snapshot!(format!("filter_80x24_{look_name}"), terminal.backend().to_string());
        });
    }
}

#[test]
fn too_small_a_terminal_gets_a_message() {
    let model = demo_model(60, 20);
    let terminal = screen(&model, &looks()[0].1);
    let text = terminal.backend().to_string();
    assert!(text.contains("at least 80x24"), "{text}");
    assert!(text.contains("60x20"), "{text}");
}

#[test]
fn the_selected_row_is_marked_and_highlighted_not_only_coloured() {
    let mut model = demo_model(80, 24);
    update(&mut model, Action::Command(Command::Down));
    let (_, look) = looks().into_iter().next().unwrap();
    let terminal = screen(&model, &look);
    let buffer = terminal.backend().buffer();
    // Row 4 of the screen is the second patch: tab line, border, header, first patch.
    let row: String = (0..80).map(|x| buffer[(x, 4)].symbol()).collect();
    assert!(row.starts_with("│▶ 2 "), "{row}");
    let name_x = u16::try_from(row.chars().position(|c| c == 'a').unwrap()).unwrap();
    let styled = |x: u16| buffer[(x, 4)].modifier;
    assert!(styled(name_x).contains(ratatui::style::Modifier::REVERSED));
    assert!(
        styled(3).contains(ratatui::style::Modifier::REVERSED),
        "rank"
    );
    assert!(
        !buffer[(name_x, 3)]
            .modifier
            .contains(ratatui::style::Modifier::REVERSED)
    );
}

/// A journal of 30 entries, as the console would read it: newest first, one subject hostile.
fn journal_loaded(model: &mut Model) {
    use secureupdate::app::journal::{JournalRow, JournalSnapshot};
    use secureupdate::core::journal::{ChainHash, Head, JournalId};
    let kinds = [
        "note",
        "approve",
        "step_started",
        "output_digest",
        "step_finished",
    ];
    let recent = (1..=30u64)
        .rev()
        .map(|seq| {
            let subject = if seq == 29 {
                "web-01 \u{1b}[2J cleared?".to_string()
            } else {
                format!("plan 9f86d081 host web-{:02}", seq % 4)
            };
            JournalRow::from_stored(
                seq,
                &format!("2026-11-20T{:02}:{:02}:00.000Z", 2 + seq / 60, seq % 60),
                if seq % 7 == 0 { "bob" } else { "alice" },
                kinds[(seq % 5) as usize],
                &subject,
            )
        })
        .collect();
    update(
        model,
        Action::JournalLoaded(Ok(Some(JournalSnapshot {
            id: JournalId([0x8d; 16]),
            head: Head {
                size: 30,
                hash: ChainHash([0xb2; 32]),
            },
            recent,
        }))),
    );
}

#[test]
fn journal() {
    snapshot_view_with(
        "journal",
        &[Command::Journal, Command::Down],
        journal_loaded,
    );
}

#[test]
fn queue_with_the_journal_head_in_the_status_bar() {
    snapshot_view_with("queue_with_journal", &[], journal_loaded);
}

#[test]
fn journal_not_started() {
    snapshot_view_with("journal_empty", &[Command::Journal], |model| {
        update(model, Action::JournalLoaded(Ok(None)));
    });
}

#[test]
fn escape_sequences_and_bidi_in_a_journal_note_show_inert() {
    use secureupdate::app::journal::{JournalRow, JournalSnapshot};
    use secureupdate::core::journal::{ChainHash, Head, JournalId};
    use secureupdate::core::sanitize::is_bidi_or_separator;
    let note = "web-01 \u{1b}[2J\u{9b}31m \u{202e}exe.txt\u{202c} ok";
    let mut model = demo_model(120, 40);
    update(
        &mut model,
        Action::JournalLoaded(Ok(Some(JournalSnapshot {
            id: JournalId([0x8d; 16]),
            head: Head {
                size: 1,
                hash: ChainHash([0xb2; 32]),
            },
            recent: vec![JournalRow::from_stored(
                1,
                "2026-11-20T02:00:00.000Z",
                "mallory\u{7}",
                "note",
                note,
            )],
        }))),
    );
    update(&mut model, Action::Command(Command::Journal));
    let terminal = screen(&model, &looks()[0].1);
    let drawn: String = terminal
        .backend()
        .buffer()
        .content()
        .iter()
        .map(|cell| cell.symbol())
        .collect();
    assert!(
        !drawn
            .chars()
            .any(|c| c.is_control() || is_bidi_or_separator(c)),
        "{drawn}"
    );
    assert!(
        drawn.contains("web-01 ␛[2J<U+009B>31m <U+202E>exe.txt<U+202C> ok"),
        "{drawn}"
    );
    assert!(drawn.contains("mallory␇"), "{drawn}");
}
