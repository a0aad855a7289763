//! The console's journal view and quitting while work runs, through `update` alone.

mod console_support;

use secureupdate::app::journal::{JournalRow, JournalSnapshot, JournalView};
use secureupdate::app::keymap::Command;
use secureupdate::app::model::ScreenKind;
use secureupdate::app::{Action, Effect, Model, update};
use secureupdate::core::journal::{ChainHash, Head, JournalId};

use console_support::run;

fn model() -> Model {
    console_support::model(10, 5)
}

/// A journal of `size` entries, newest first.
fn snapshot(size: u64) -> JournalSnapshot {
    JournalSnapshot {
        id: JournalId([0x12; 16]),
        head: Head {
            size,
            hash: ChainHash([0xab; 32]),
        },
        recent: (1..=size)
            .rev()
            .map(|seq| {
                JournalRow::from_stored(
                    seq,
                    "2026-11-20T02:00:00.000Z",
                    "alice",
                    "note",
                    &format!("entry {seq}"),
                )
            })
            .collect(),
    }
}

fn load(model: &mut Model, size: u64) -> Vec<Effect> {
    update(model, Action::JournalLoaded(Ok(Some(snapshot(size)))))
}

#[test]
fn j_opens_the_journal_over_any_screen_and_esc_goes_back() {
    let mut m = model();
    load(&mut m, 50);
    run(&mut m, Command::Open);
    assert_eq!(run(&mut m, Command::Journal), vec![Effect::Redraw]);
    assert_eq!(m.stack.len(), 1, "the journal replaces the drill-down");
    assert_eq!(m.top().unwrap().kind, ScreenKind::Journal);
    assert_eq!(run(&mut m, Command::Journal), vec![], "already open");
    run(&mut m, Command::Back);
    assert!(m.stack.is_empty());
}

#[test]
fn the_journal_list_moves_and_pages_like_a_list_pane() {
    let mut m = model();
    load(&mut m, 50);
    run(&mut m, Command::Journal);
    run(&mut m, Command::Down);
    assert_eq!(m.top().unwrap().cursor.selected, 1);
    run(&mut m, Command::PageDown);
    assert_eq!(m.top().unwrap().cursor.selected, 1 + m.page());
    run(&mut m, Command::Bottom);
    assert_eq!(m.top().unwrap().cursor.selected, 49);
    assert_eq!(m.journal.rows()[49].seq(), 1, "the oldest entry is last");
    // A reload with fewer entries keeps the selection inside the list.
    load(&mut m, 5);
    assert_eq!(m.top().unwrap().cursor.selected, 4);
}

#[test]
fn an_append_asks_for_a_reload_and_the_load_replaces_the_view() {
    let mut m = model();
    assert_eq!(m.journal, JournalView::Unknown);
    assert_eq!(
        update(&mut m, Action::JournalAppended),
        vec![Effect::ReloadJournal]
    );
    assert_eq!(load(&mut m, 3), vec![Effect::Redraw]);
    assert_eq!(
        m.journal.status_line().as_deref(),
        Some("journal 12121212 size 3 head abababababab")
    );
    update(
        &mut m,
        Action::JournalLoaded(Err("disk \u{1b}[31m on fire".to_string())),
    );
    assert_eq!(
        m.journal,
        JournalView::Failed("disk ␛[31m on fire".to_string()),
        "the reason is sanitized as it is loaded"
    );
    assert_eq!(m.journal.status_line(), None);
    update(&mut m, Action::JournalLoaded(Ok(None)));
    assert_eq!(m.journal, JournalView::Empty);
}

#[test]
fn q_quits_at_once_when_nothing_runs() {
    let mut m = model();
    assert_eq!(run(&mut m, Command::Quit), vec![Effect::Quit]);
}

#[test]
fn q_asks_first_while_work_is_running() {
    let mut m = model();
    m.work_running = true;
    assert_eq!(run(&mut m, Command::Quit), vec![Effect::Redraw]);
    assert!(m.message.as_ref().unwrap().text().contains("press q again"));
    assert_eq!(run(&mut m, Command::Quit), vec![Effect::Quit]);

    // Any other key cancels the question.
    let mut m = model();
    m.work_running = true;
    run(&mut m, Command::Quit);
    assert_eq!(
        run(&mut m, Command::Up),
        vec![Effect::Redraw],
        "the question goes away"
    );
    assert!(m.message.is_none());
    assert!(!m.confirm_quit);
    assert_eq!(
        run(&mut m, Command::Quit),
        vec![Effect::Redraw],
        "asks again"
    );
}
