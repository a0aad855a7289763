//! The console's rules, through `update` alone: navigation, drill-down, filtering, sorting,
//! help and the clock.

mod console_support;

use chrono::Duration;
use secureupdate::app::action::InputRequest;
use secureupdate::app::keymap::Command;
use secureupdate::app::model::{Pane, ScreenKind};
use secureupdate::app::{Action, Effect, Model, update};

use console_support::{model, run};

fn type_filter(model: &mut Model, text: &str) {
    run(model, Command::Filter);
    for c in text.chars() {
        update(model, Action::FilterEdit(InputRequest::InsertChar(c)));
    }
}

#[test]
fn moving_down_past_the_page_scrolls_one_row_at_a_time() {
    let mut m = model(100, 10);
    let page = m.page();
    assert_eq!(page, 18, "80x24 leaves 18 table rows");
    for _ in 0..page {
        assert_eq!(run(&mut m, Command::Down), vec![Effect::Redraw]);
    }
    assert_eq!(m.queue.cursor.selected, 18);
    assert_eq!(m.queue.cursor.offset, 1);
    assert_eq!(m.queue.selected(), Some(18));
}

#[test]
fn moving_past_either_end_changes_nothing_and_asks_for_no_redraw() {
    let mut m = model(5, 3);
    assert_eq!(run(&mut m, Command::Up), vec![]);
    run(&mut m, Command::Bottom);
    assert_eq!(m.queue.cursor.selected, 4);
    assert_eq!(run(&mut m, Command::Down), vec![]);
    run(&mut m, Command::Top);
    assert_eq!(m.queue.cursor.selected, 0);
}

#[test]
fn page_keys_move_a_page_and_stop_at_the_ends() {
    let mut m = model(50, 10);
    run(&mut m, Command::PageDown);
    assert_eq!(m.queue.cursor.selected, 18);
    run(&mut m, Command::PageDown);
    run(&mut m, Command::PageDown);
    assert_eq!(m.queue.cursor.selected, 49);
    run(&mut m, Command::PageUp);
    assert_eq!(m.queue.cursor.selected, 31);
}

#[test]
fn tab_switches_panes_and_leaves_any_drill_down() {
    let mut m = model(10, 10);
    run(&mut m, Command::Open);
    assert_eq!(m.stack.len(), 1);
    run(&mut m, Command::NextPane);
    assert_eq!(m.pane, Pane::Assets);
    assert!(m.stack.is_empty());
    run(&mut m, Command::Down);
    assert_eq!(m.assets.cursor.selected, 1);
    assert_eq!(
        m.queue.cursor.selected, 0,
        "each pane keeps its own selection"
    );
}

#[test]
fn enter_drills_down_from_patch_to_asset_and_esc_comes_back() {
    let mut m = model(10, 10);
    run(&mut m, Command::Down);
    run(&mut m, Command::Down);
    run(&mut m, Command::Open);
    assert_eq!(
        m.top().map(|s| s.kind),
        Some(ScreenKind::PatchDetail { patch: 2 })
    );
    // Patch 2 is on assets 2, 3 and 4: the second one is asset 3.
    run(&mut m, Command::Down);
    run(&mut m, Command::Open);
    assert_eq!(
        m.top().map(|s| s.kind),
        Some(ScreenKind::AssetDetail { asset: 3 })
    );
    run(&mut m, Command::Back);
    run(&mut m, Command::Back);
    assert!(m.stack.is_empty());
    assert_eq!(m.queue.cursor.selected, 2, "back where the operator was");
    assert_eq!(
        run(&mut m, Command::Back),
        vec![],
        "nothing left to go back to"
    );
}

#[test]
fn the_checklist_opens_for_the_selected_patch_and_has_seven_steps() {
    let mut m = model(10, 10);
    run(&mut m, Command::Down);
    run(&mut m, Command::Checklist);
    assert_eq!(
        m.top().map(|s| s.kind),
        Some(ScreenKind::Checklist { patch: 1 })
    );
    for _ in 0..10 {
        run(&mut m, Command::Down);
    }
    assert_eq!(m.top().map(|s| s.cursor.selected), Some(6));
    run(&mut m, Command::Open);
    let message = m
        .message
        .clone()
        .expect("a step that runs with the rollout says so");
    assert!(
        message.text().contains("runs with the rollout"),
        "{}",
        message.text()
    );
    run(&mut m, Command::Up);
    assert!(m.message.is_none(), "the next key clears the message");
}

#[test]
fn the_checklist_from_the_assets_pane_needs_a_patch_first() {
    let mut m = model(10, 10);
    run(&mut m, Command::NextPane);
    run(&mut m, Command::Checklist);
    assert!(m.stack.is_empty());
    assert!(m.message.is_some());
    run(&mut m, Command::Open);
    run(&mut m, Command::Checklist);
    assert!(matches!(
        m.top().map(|s| s.kind),
        Some(ScreenKind::Checklist { .. })
    ));
}

#[test]
fn the_filter_narrows_the_list_as_you_type_and_esc_clears_it() {
    let mut m = model(30, 10);
    type_filter(&mut m, "pkg2");
    // pkg2, pkg20 .. pkg29
    assert_eq!(m.queue.rows.len(), 11);
    assert!(m.editing_filter);
    update(&mut m, Action::FilterKeep);
    assert!(!m.editing_filter);
    assert_eq!(m.queue.rows.len(), 11, "Enter keeps the filter");
    run(&mut m, Command::Down);
    assert_eq!(m.queue.selected(), Some(20));
    run(&mut m, Command::Back);
    assert_eq!(m.queue.rows.len(), 30, "Esc on the list clears the filter");
    assert_eq!(m.queue.selected(), Some(20), "and keeps the selected patch");
}

#[test]
fn filter_words_must_all_match_in_any_case() {
    let mut m = model(30, 10);
    type_filter(&mut m, "CRIT KEV");
    let rows = m.queue.rows.clone();
    assert!(!rows.is_empty());
    for i in rows {
        let p = &m.fleet.patches[i];
        assert!(p.kev && p.class.label() == "CRIT", "{}", p.id);
    }
    update(&mut m, Action::FilterClear);
    assert_eq!(m.queue.rows.len(), 30);
}

#[test]
fn a_filter_matching_nothing_leaves_an_empty_list_that_cannot_be_opened() {
    let mut m = model(10, 10);
    type_filter(&mut m, "no-such-patch");
    update(&mut m, Action::FilterKeep);
    assert!(m.queue.rows.is_empty());
    assert_eq!(run(&mut m, Command::Open), vec![]);
    assert_eq!(run(&mut m, Command::Down), vec![]);
}

#[test]
fn typing_goes_to_the_filter_only_while_it_is_edited() {
    let mut m = model(10, 10);
    assert_eq!(
        update(&mut m, Action::FilterEdit(InputRequest::InsertChar('x'))),
        vec![]
    );
    assert_eq!(m.filter().value(), "");
}

#[test]
fn sort_cycles_through_the_orders_and_back_to_risk() {
    let mut m = model(30, 10);
    run(&mut m, Command::Sort);
    let dues: Vec<_> = m
        .queue
        .rows
        .iter()
        .map(|&i| m.fleet.patches[i].due)
        .collect();
    let mut sorted = dues.clone();
    sorted.sort();
    assert_eq!(dues, sorted, "second order: by due date");
    for _ in 0..4 {
        run(&mut m, Command::Sort);
    }
    assert_eq!(m.queue.rows, (0..30).collect::<Vec<_>>(), "back to risk");
    run(&mut m, Command::NextPane);
    run(&mut m, Command::Sort);
    let names: Vec<_> = m
        .assets
        .rows
        .iter()
        .map(|&i| &m.fleet.assets[i].name)
        .collect();
    assert!(names.windows(2).all(|w| w[0] <= w[1]), "assets by name");
}

#[test]
fn help_takes_the_keys_until_it_is_closed() {
    let mut m = model(10, 10);
    run(&mut m, Command::Help);
    assert!(m.help);
    assert_eq!(run(&mut m, Command::Down), vec![Effect::Redraw]);
    assert_eq!(
        (m.help_scroll, m.queue.cursor.selected),
        (1, 0),
        "Down scrolls help"
    );
    assert_eq!(run(&mut m, Command::Sort), vec![]);
    run(&mut m, Command::Back);
    assert!(!m.help);
    assert_eq!(run(&mut m, Command::Quit), vec![Effect::Quit]);
}

#[test]
fn the_clock_redraws_at_most_once_a_minute() {
    let mut m = model(3, 3);
    let now = console_support::now();
    assert_eq!(
        update(&mut m, Action::Tick(now + Duration::seconds(30))),
        vec![]
    );
    assert_eq!(
        update(&mut m, Action::Tick(now + Duration::seconds(61))),
        vec![Effect::Redraw]
    );
}

#[test]
fn a_smaller_terminal_keeps_the_selection_on_screen() {
    let mut m = model(100, 10);
    run(&mut m, Command::PageDown);
    run(&mut m, Command::PageDown);
    update(
        &mut m,
        Action::Resize {
            width: 80,
            height: 12,
        },
    );
    let c = m.queue.cursor;
    assert!(c.selected >= c.offset && c.selected < c.offset + m.page());
    update(
        &mut m,
        Action::Resize {
            width: 60,
            height: 12,
        },
    );
    assert!(m.too_small());
}

#[test]
fn errors_from_outside_show_in_the_console() {
    let mut m = model(3, 3);
    update(&mut m, Action::Error("could not suspend".into()));
    let message = m.message.clone().unwrap();
    assert!(message.error);
    assert_eq!(message.text(), "could not suspend");

    // A failed rollout's reason can carry a file's or a host's words.
    update(
        &mut m,
        Action::Error("bad signature on \u{1b}[2Jx\u{202e}gpj.exe".into()),
    );
    let shown = m.message.clone().unwrap();
    assert!(
        !shown
            .text()
            .chars()
            .any(|c| c.is_control() || c == '\u{202e}'),
        "{:?}",
        shown.text()
    );
    assert!(
        shown.text().starts_with("bad signature on "),
        "{}",
        shown.text()
    );
}

#[test]
fn detail_text_scrolls_to_its_end_and_no_further() {
    let mut m = model(10, 10);
    run(&mut m, Command::Open);
    // Patch 0: 5 heading lines, 2 reasons, 1 CVE, 1 package = 9 lines.
    assert_eq!(run(&mut m, Command::PageDown), vec![Effect::Redraw]);
    assert_eq!(m.top().map(|s| s.scroll), Some(5));
    run(&mut m, Command::PageDown);
    assert_eq!(m.top().map(|s| s.scroll), Some(8));
    assert_eq!(run(&mut m, Command::PageDown), vec![], "at the end");
    run(&mut m, Command::PageUp);
    run(&mut m, Command::PageUp);
    assert_eq!(m.top().map(|s| s.scroll), Some(0));
}

#[test]
fn each_checklist_step_shows_its_details_from_the_top() {
    let mut m = model(10, 10);
    run(&mut m, Command::Checklist);
    run(&mut m, Command::PageDown);
    assert!(m.top().is_some_and(|s| s.scroll > 0));
    run(&mut m, Command::Down);
    assert_eq!(m.top().map(|s| s.scroll), Some(0));
}
