//! Shared set-up for command-line tests: a copy of the demo site and a way to run commands
//! on it.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;

use assert_cmd::Command;
use tempfile::TempDir;

/// A fresh copy of the demo site (`secureupdate init --demo`); operators alice (approver,
/// signer), bob (deployer) and carol (deployer, signer), none with a key yet.
pub fn demo_site() -> (TempDir, PathBuf) {
    let parent = TempDir::new().unwrap();
    let dir = parent.path().join("site");
    Command::cargo_bin("secureupdate")
        .unwrap()
        .args(["--log-file", "/dev/null", "init", "--demo"])
        .arg(&dir)
        .assert()
        .success();
    (parent, dir)
}

/// Runs `secureupdate --site DIR ARGS` with no terminal and nothing on standard input.
pub fn run(dir: &Path, args: &[&str]) -> Output {
    Command::cargo_bin("secureupdate")
        .unwrap()
        .args(["--log-file", "/dev/null", "--site"])
        .arg(dir)
        .args(args)
        .write_stdin("")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts the exit code, showing both outputs when it differs.
#[track_caller]
pub fn assert_code(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {}\nstderr: {}",
        stdout(output),
        stderr(output)
    );
    assert!(!stderr(output).contains("panicked"), "{}", stderr(output));
}

/// Runs a command that must succeed and returns its standard output.
#[track_caller]
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let output = run(dir, args);
    assert_code(&output, 0);
    stdout(&output)
}

/// An unencrypted key for `operator` (training keys: no password to type in tests).
pub fn keygen(dir: &Path, operator: &str) {
    ok(dir, &["keygen", "--operator", operator, "--unencrypted"]);
}
