//! The console end to end in a real terminal: tmux at 80x24, driven with send-keys and read
//! with capture-pane. Each test has its own tmux server (a socket in its own temporary
//! directory) and its own site copy.

mod tmux_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;
use tmux_support::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_secureupdate");
const AS_OF: &str = "2026-11-20";
/// A copy of the demo site, and the id of its top patch as `patches --json` ranks it.
fn demo_site() -> (TempDir, PathBuf, String) {
    let parent = TempDir::new().expect("temp dir");
    let site = parent.path().join("site");
    let log = parent.path().join("cli.log");
    let status = Command::new(BIN)
        .arg("--log-file")
        .arg(&log)
        .args(["init", "--demo"])
        .arg(&site)
        .output()
        .expect("init --demo");
    assert!(status.status.success());
    let output = Command::new(BIN)
        .arg("--log-file")
        .arg(&log)
        .arg("--site")
        .arg(&site)
        .args(["--as-of", AS_OF, "patches", "--json"])
        .output()
        .expect("patches --json");
    assert!(output.status.success());
    let patches: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let top = patches[0]["id"].as_str().expect("a top patch").to_string();
    (parent, site, top)
}

/// The console on `site`; when it exits, its status goes to `status_file`, if given.
fn console_command(
    site: &Path,
    log: &Path,
    env: &str,
    extra: &str,
    status_file: Option<&Path>,
) -> String {
    let console = format!(
        "env -u NO_COLOR {env} {BIN} --log-file '{}' --site '{}' --as-of {AS_OF} {extra} tui",
        log.display(),
        site.display()
    );
    match status_file {
        Some(file) => format!("{console}; echo $? > '{}'", file.display()),
        None => console,
    }
}

fn pointer_line<'a>(screen: &'a str, pointer: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.trim_start_matches(['│', '|']).starts_with(pointer))
        .unwrap_or("")
}

/// The walk both tests take: top patch, detail, checklist, filter, help, quit.
fn walk(tmux: &Tmux, top: &str, pointer: &str, status_file: &Path) -> Vec<String> {
    let mut screens = Vec::new();
    screens.push(tmux.wait_for_text(top));
    tmux.keys(&["G"]);
    screens.push(tmux.wait_for("the last row selected", |s| {
        !pointer_line(s, pointer).contains(top)
    }));
    tmux.keys(&["g"]);
    screens.push(tmux.wait_for("the top patch selected", |s| {
        pointer_line(s, pointer).contains(top)
    }));
    tmux.keys(&["Enter"]);
    screens.push(tmux.wait_for_text("Patch #1"));
    assert!(screens.last().unwrap().contains(&format!("{top} on ")));
    tmux.keys(&["c"]);
    screens.push(tmux.wait_for_text(&format!("Checklist: #1 {top}")));
    tmux.keys(&["j"]);
    screens.push(tmux.wait_for_text("Step 2 of 7: Assess risk and priority"));
    tmux.keys(&["Escape"]);
    tmux.wait_for_text("Patch #1");
    tmux.keys(&["h"]);
    tmux.wait_for_text("Pending patches, most urgent first");
    tmux.keys(&["/"]);
    tmux.wait_for_text("type to filter");
    tmux.type_text("glibc");
    let filtered = tmux.wait_for_text("Queue 3/15");
    assert!(!filtered.contains(top) || top.contains("glibc"));
    screens.push(filtered);
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("filter: glibc");
    tmux.keys(&["?"]);
    screens.push(tmux.wait_for_text("Keys (? or Esc closes"));
    tmux.keys(&["Escape"]);
    tmux.wait_for("help to close", |s| !s.contains("Keys (? or Esc"));
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(status_file), "0", "quit cleanly");
    let after = tmux.screen();
    assert!(
        !after.contains("Pending patches"),
        "the terminal is given back: {after}"
    );
    screens
}

#[test]
fn the_operator_walks_from_the_top_patch_to_its_checklist_and_quits() {
    let (dir, site, top) = demo_site();
    let log = dir.path().join("console.log");
    let status = dir.path().join("exit-status");
    let command = console_command(&site, &log, "LANG=C.UTF-8", "", Some(&status));
    let tmux = Tmux::start(&command);
    let screens = walk(&tmux, &top, "▶", &status);
    assert!(
        screens.iter().any(|s| s.contains('┌')),
        "a UTF-8 terminal gets line borders"
    );
    let log_text = std::fs::read_to_string(&log).expect("the console logs to its file");
    assert!(log_text.contains("console started"), "{log_text}");
}

#[test]
fn with_no_color_and_ascii_nothing_but_ascii_reaches_the_screen() {
    let (dir, site, top) = demo_site();
    let log = dir.path().join("console.log");
    let status = dir.path().join("exit-status");
    let command = console_command(
        &site,
        &log,
        "LANG=C.UTF-8 NO_COLOR=1",
        "--ascii",
        Some(&status),
    );
    let tmux = Tmux::start(&command);
    let screens = walk(&tmux, &top, ">", &status);
    for screen in &screens {
        let drawing: Vec<char> = screen
            .chars()
            .filter(|c| ('\u{2500}'..='\u{259F}').contains(c) || *c == '▶')
            .collect();
        assert!(drawing.is_empty(), "box drawing {drawing:?} on:\n{screen}");
        assert!(screen.is_ascii(), "non-ASCII on:\n{screen}");
    }
}

#[test]
fn a_locale_without_utf8_gets_ascii_by_itself() {
    let (dir, site, top) = demo_site();
    let log = dir.path().join("console.log");
    let status = dir.path().join("exit-status");
    let command = console_command(&site, &log, "LANG=C LC_ALL= LC_CTYPE=", "", Some(&status));
    let tmux = Tmux::start(&command);
    let screen = tmux.wait_for_text(&top);
    assert!(screen.contains("+ Pending patches"), "{screen}");
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(&status), "0");
}

#[test]
fn ctrl_z_hands_the_terminal_to_the_shell_and_fg_brings_the_console_back() {
    let (dir, site, top) = demo_site();
    let log = dir.path().join("console.log");
    // An interactive shell with job control, as the operator has.
    let tmux = Tmux::start("env PS1='$ ' bash --norc --noprofile -i");
    tmux.wait_for_text("$");
    tmux.type_text(&console_command(&site, &log, "LANG=C.UTF-8", "", None));
    tmux.keys(&["Enter"]);
    tmux.wait_for_text(&top);
    tmux.keys(&["j", "C-z"]);
    let shell = tmux.wait_for_text("Stopped");
    assert!(!shell.contains("Pending patches"), "{shell}");
    tmux.type_text("fg");
    tmux.keys(&["Enter"]);
    let back = tmux.wait_for_text("Pending patches");
    assert!(
        pointer_line(&back, "▶").contains(" 2 "),
        "the selection survives: {back}"
    );
    tmux.keys(&["q"]);
    tmux.wait_for("the shell prompt", |s| !s.contains("Pending patches"));
    tmux.type_text("echo console-exit=$?");
    tmux.keys(&["Enter"]);
    tmux.wait_for_text("console-exit=0");
}

#[test]
fn a_terminal_shrunk_below_80x24_gets_a_message_until_it_grows_back() {
    let (dir, site, top) = demo_site();
    let log = dir.path().join("console.log");
    let status = dir.path().join("exit-status");
    let command = console_command(&site, &log, "LANG=C.UTF-8", "", Some(&status));
    let tmux = Tmux::start(&command);
    tmux.wait_for_text(&top);
    tmux.run(&["resize-window", "-t", "t", "-x", "70", "-y", "20"]);
    tmux.wait_for_text("at least 80x24; this one is 70x20");
    tmux.run(&["resize-window", "-t", "t", "-x", "80", "-y", "24"]);
    let screen = tmux.wait_for_text(&top);
    assert!(screen.contains("Pending patches"), "{screen}");
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(&status), "0");
}

#[test]
fn an_open_console_keeps_its_site_to_itself() {
    let (dir, site, top) = demo_site();
    let log = dir.path().join("console.log");
    let status = dir.path().join("exit-status");
    let command = console_command(&site, &log, "LANG=C.UTF-8", "", Some(&status));
    let tmux = Tmux::start(&command);
    tmux.wait_for_text(&top);
    let second = Command::new(BIN)
        .arg("--log-file")
        .arg(dir.path().join("cli.log"))
        .arg("--site")
        .arg(&site)
        .arg("patches")
        .output()
        .expect("patches");
    let stderr = String::from_utf8_lossy(&second.stderr);
    assert_eq!(second.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("in use") && stderr.contains("tui"),
        "names the console: {stderr}"
    );
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(&status), "0");
    let after = Command::new(BIN)
        .arg("--log-file")
        .arg(dir.path().join("cli.log"))
        .arg("--site")
        .arg(&site)
        .arg("patches")
        .output()
        .expect("patches");
    assert!(
        after.status.success(),
        "the site is free once the console quits"
    );
}

#[test]
fn the_journal_shows_in_the_status_bar_and_its_view_and_a_checkpoint_is_signed_on_exit() {
    let (dir, site, _top) = demo_site();
    let cli = |args: &[&str]| {
        let output = Command::new(BIN)
            .args(["--log-file", "/dev/null", "--site"])
            .arg(&site)
            .args(args)
            .output()
            .expect("run secureupdate");
        assert!(output.status.success(), "{args:?}: {output:?}");
    };
    cli(&["keygen", "--operator", "alice", "--unencrypted"]);
    cli(&[
        "journal",
        "note",
        "--operator",
        "alice",
        "--subject",
        "CHG-42",
        "window opened",
    ]);
    let log = dir.path().join("console.log");
    let status = dir.path().join("exit-status");
    let command = console_command(
        &site,
        &log,
        "LANG=C.UTF-8",
        "--operator alice",
        Some(&status),
    );
    let tmux = Tmux::start(&command);
    let screen = tmux.wait_for_text(" size 1 head ");
    let status_bar = screen.lines().rev().nth(1).unwrap_or("");
    assert!(status_bar.contains("op: alice │"), "{screen}");
    tmux.keys(&["J"]);
    let screen = tmux.wait_for_text("CHG-42");
    assert!(screen.contains("Journal, newest first"), "{screen}");
    tmux.keys(&["q"]);
    assert_eq!(tmux.wait_for_exit(&status), "0");
    let checkpoints: Vec<_> = std::fs::read_dir(site.join("checkpoints"))
        .expect("a checkpoint directory")
        .collect();
    assert_eq!(
        checkpoints.len(),
        2,
        "the checkpoint text and its signature"
    );
}
