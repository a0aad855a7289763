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

/// The demo site with unencrypted keys for alice (approver), bob and carol (deployers).
pub fn demo_site_with_keys() -> (TempDir, PathBuf) {
    let (parent, dir) = demo_site();
    for operator in ["alice", "bob", "carol"] {
        keygen(&dir, operator);
    }
    (parent, dir)
}

/// `plan PATCH --json`, parsed.
#[track_caller]
pub fn plan_json(dir: &Path, patch: &str) -> serde_json::Value {
    serde_json::from_str(&ok(dir, &["plan", patch, "--json"])).unwrap()
}

/// The plan of `patch`, approved by alice.
#[track_caller]
pub fn approved_plan(dir: &Path, patch: &str) -> serde_json::Value {
    let plan = plan_json(dir, patch);
    ok(
        dir,
        &[
            "approve",
            plan["plan_hash"].as_str().unwrap(),
            "--operator",
            "alice",
        ],
    );
    plan
}

/// `apply PATCH --operator OPERATOR --executor sim --yes EXTRA…`.
pub fn apply_sim(dir: &Path, patch: &str, operator: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "apply",
        patch,
        "--operator",
        operator,
        "--executor",
        "sim",
        "--yes",
    ];
    args.extend_from_slice(extra);
    run(dir, &args)
}

/// The hosts of a `plan --json` in wave order, and how many host×steps it has.
pub fn hosts_and_steps(plan: &serde_json::Value) -> (Vec<String>, usize) {
    let mut hosts = Vec::new();
    let mut steps = 0;
    for wave in plan["plan"]["waves"].as_array().unwrap() {
        let count = wave["steps"].as_array().unwrap().len();
        for host in wave["hosts"].as_array().unwrap() {
            hosts.push(host["name"].as_str().unwrap().to_string());
            steps += count;
        }
    }
    (hosts, steps)
}
