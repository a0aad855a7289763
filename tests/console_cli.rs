//! Console start-up checks on the command line: bad key bindings, themes and operators are
//! reported before the terminal is touched (exit 2), and without a terminal `tui` refuses
//! while `demo` prints the ranking.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::str::contains;
use tempfile::TempDir;

fn demo_copy() -> (TempDir, PathBuf) {
    let parent = TempDir::new().expect("temp dir");
    let site = parent.path().join("site");
    secureupdate(&[])
        .args(["init", "--demo"])
        .arg(&site)
        .assert()
        .success();
    (parent, site)
}

fn secureupdate(args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("secureupdate").expect("binary");
    command.args(["--log-file", "/dev/null"]).args(args);
    command
}

fn tui(site: &Path, args: &[&str]) -> Command {
    let mut command = secureupdate(&["--site"]);
    command.arg(site).args(args).arg("tui");
    command
}

#[test]
fn a_key_bound_to_two_commands_stops_the_console_with_both_named() {
    let (_dir, site) = demo_copy();
    std::fs::write(site.join("keys.toml"), "[keys]\nquit = [\"j\"]\n").unwrap();
    tui(&site, &[])
        .assert()
        .code(2)
        .stderr(contains("keys.toml"))
        .stderr(contains("key `j` is bound to both `down` and `quit`"));
}

#[test]
fn a_keys_file_given_on_the_command_line_is_checked_too() {
    let (dir, site) = demo_copy();
    let keys = dir.path().join("mine.toml");
    std::fs::write(&keys, "[keys]\nquit = [\"Esc\"]\n").unwrap();
    tui(&site, &["--keys", keys.to_str().unwrap()])
        .assert()
        .code(2)
        .stderr(contains("mine.toml"))
        .stderr(contains("quit: needs at least one plain printable key"));
}

#[test]
fn an_unknown_theme_is_named_with_the_choices() {
    let (_dir, site) = demo_copy();
    tui(&site, &["--theme", "neon"])
        .assert()
        .code(2)
        .stderr(contains("no theme `neon`"))
        .stderr(contains("default, light, high-contrast, mono"));
}

#[test]
fn a_broken_theme_file_in_the_site_names_its_line() {
    let (_dir, site) = demo_copy();
    std::fs::create_dir(site.join("themes")).unwrap();
    std::fs::write(
        site.join("themes/mine.toml"),
        "description = \"x\"\n[styles]\ncritical = { fg = \"orange\" }\n",
    )
    .unwrap();
    tui(&site, &["--theme", "mine"])
        .assert()
        .code(2)
        .stderr(contains("themes/mine.toml"))
        .stderr(contains("line 3"))
        .stderr(contains("orange"));
}

#[test]
fn an_operator_not_in_the_site_is_refused() {
    let (_dir, site) = demo_copy();
    tui(&site, &["--operator", "mallory"])
        .assert()
        .code(2)
        .stderr(contains("mallory"))
        .stderr(contains("alice, bob, carol"));
}

#[test]
fn without_a_terminal_the_console_refuses_and_points_to_the_commands() {
    let (_dir, site) = demo_copy();
    tui(&site, &[])
        .assert()
        .code(2)
        .stderr(contains("the console needs a terminal"))
        .stderr(contains("patches --json"));
}

#[test]
fn demo_without_a_terminal_prints_the_ranking() {
    secureupdate(&["--as-of", "2026-11-20", "demo"])
        .assert()
        .success()
        .stdout(contains("RANK  CLASS"))
        .stdout(contains("OVERDUE"));
}
