//! Bad input on the command line: each case names the file and the problem, exits with
//! code 2, and writes nothing into the site.

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use tempfile::TempDir;

/// A fresh site written by `secureupdate init`.
fn new_site() -> (TempDir, PathBuf) {
    let parent = TempDir::new().expect("temp dir");
    let dir = parent.path().join("site");
    Command::cargo_bin("secureupdate")
        .expect("binary")
        .args(["--log-file", "/dev/null", "init"])
        .arg(&dir)
        .assert()
        .success();
    (parent, dir)
}

fn edit(dir: &Path, file: &str, from: &str, to: &str) {
    let path = dir.join(file);
    let text = fs::read_to_string(&path).expect("read site file");
    assert!(text.contains(from), "{file} should contain {from:?}");
    fs::write(&path, text.replacen(from, to, 1)).expect("write site file");
}

/// Runs `patches` and checks exit code 2, that stderr names `file` and every `needle`,
/// and that no state was written.
fn expect_bad_input(dir: &Path, file: &str, needles: &[&str]) {
    let output = Command::cargo_bin("secureupdate")
        .expect("binary")
        .args(["--log-file", "/dev/null", "--site"])
        .arg(dir)
        .arg("patches")
        .output()
        .expect("run secureupdate");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code 2 expected; stderr: {stderr}"
    );
    assert!(stderr.contains(file), "stderr should name {file}: {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "stderr should mention {needle:?}: {stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "no panic: {stderr}");
    assert!(
        !dir.join("state.db").exists(),
        "nothing may be written: state.db exists"
    );
}

#[test]
fn broken_toml_syntax() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "inventory.toml",
        "name = \"web-01\"",
        "name = \"web-01",
    );
    expect_bad_input(&dir, "inventory.toml", &[":"]);
}

#[test]
fn unknown_field() {
    let (_tmp, dir) = new_site();
    edit(&dir, "site.toml", "[trust]", "colour = \"red\"\n[trust]");
    expect_bad_input(&dir, "site.toml", &["colour"]);
}

#[test]
fn wrong_enum_value() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "inventory.toml",
        "environment = \"production\"",
        "environment = \"prod\"",
    );
    expect_bad_input(
        &dir,
        "inventory.toml",
        &["asset[1].environment", "prod", "staging"],
    );
}

#[test]
fn unknown_operating_system() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "inventory.toml",
        "os = \"rhel-9\"",
        "os = \"windows-11\"",
    );
    expect_bad_input(&dir, "inventory.toml", &["asset[2].os", "windows-11"]);
}

#[test]
fn duplicate_asset_name() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "inventory.toml",
        "name = \"db-01\"",
        "name = \"web-01\"",
    );
    expect_bad_input(
        &dir,
        "inventory.toml",
        &["asset[2].name", "web-01", "already defined"],
    );
}

#[test]
fn missing_key_file() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "site.toml",
        "roles = [\"approver\", \"signer\", \"deployer\"]",
        "roles = [\"approver\", \"signer\", \"deployer\"]\npublic_key = \"keys/nobody.pub\"",
    );
    expect_bad_input(
        &dir,
        "site.toml",
        &[
            "operator[0].public_key",
            "keys/nobody.pub",
            "does not exist",
        ],
    );
}

#[test]
fn malformed_key_file() {
    let (_tmp, dir) = new_site();
    fs::write(
        dir.join("keys/operator.pub"),
        "untrusted comment: x\nnot base64 at all\n",
    )
    .expect("write key");
    edit(
        &dir,
        "site.toml",
        "roles = [\"approver\", \"signer\", \"deployer\"]",
        "roles = [\"approver\", \"signer\", \"deployer\"]\npublic_key = \"keys/operator.pub\"",
    );
    expect_bad_input(&dir, "site.toml", &["operator[0].public_key"]);
}

#[test]
fn port_out_of_range() {
    let (_tmp, dir) = new_site();
    edit(&dir, "inventory.toml", "port = 22", "port = 70000");
    expect_bad_input(&dir, "inventory.toml", &["asset[1].port"]);
}

#[test]
fn address_that_ssh_would_read_as_an_option() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "inventory.toml",
        "address = \"192.0.2.11\"",
        "address = \"-oProxyCommand=evil\"",
    );
    expect_bad_input(&dir, "inventory.toml", &["asset[1].address"]);
}

#[test]
fn bad_package_version() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "inventory.toml",
        "\"nginx\" = \"1.22.1-9\"",
        "\"nginx\" = \"1.22 beta\"",
    );
    expect_bad_input(&dir, "inventory.toml", &["nginx", "1.22 beta"]);
}

#[test]
fn decision_table_with_a_gap() {
    let (_tmp, dir) = new_site();
    let path = dir.join("policy.toml");
    let text = fs::read_to_string(&path).expect("read policy");
    // Drop the catch-all last row so some combinations have no class.
    let cut = text.rfind("[[decision]]").expect("a decision row");
    let rest = &text[cut..];
    let end = rest.find("\n\n").map_or(text.len(), |i| cut + i);
    fs::write(&path, format!("{}{}", &text[..cut], &text[end..])).expect("write policy");
    expect_bad_input(&dir, "policy.toml", &["decision"]);
}

#[test]
fn wave_over_one_hundred_percent() {
    let (_tmp, dir) = new_site();
    edit(&dir, "policy.toml", "\"50%\"", "\"150%\"");
    expect_bad_input(&dir, "policy.toml", &["rollout.waves", "150%"]);
}

#[test]
fn max_fail_percentage_over_one_hundred() {
    let (_tmp, dir) = new_site();
    let path = dir.join("policy.toml");
    let text = fs::read_to_string(&path).expect("read policy");
    let line = text
        .lines()
        .find(|l| l.trim_start().starts_with("max_fail_percentage"))
        .expect("max_fail_percentage line")
        .to_string();
    fs::write(&path, text.replace(&line, "max_fail_percentage = 101")).expect("write policy");
    expect_bad_input(&dir, "policy.toml", &["max_fail_percentage", "101"]);
}

#[test]
fn missing_required_field() {
    let (_tmp, dir) = new_site();
    edit(
        &dir,
        "inventory.toml",
        "user = \"patch\"\nos = \"rhel-9\"",
        "os = \"rhel-9\"",
    );
    expect_bad_input(&dir, "inventory.toml", &["user"]);
}

#[test]
fn file_that_is_not_utf8() {
    let (_tmp, dir) = new_site();
    let path = dir.join("inventory.toml");
    let mut bytes = fs::read(&path).expect("read inventory");
    bytes.extend_from_slice(b"\n# caf\xe9\n");
    fs::write(&path, bytes).expect("write inventory");
    expect_bad_input(&dir, "inventory.toml", &["UTF-8"]);
}

#[test]
fn directory_that_is_not_a_site() {
    let tmp = TempDir::new().expect("temp dir");
    expect_bad_input(tmp.path(), "site.toml", &[]);
}

#[test]
fn bad_date_for_as_of_is_a_usage_error() {
    let (_tmp, dir) = new_site();
    let output = Command::cargo_bin("secureupdate")
        .expect("binary")
        .args(["--log-file", "/dev/null", "--as-of", "next-week", "--site"])
        .arg(&dir)
        .arg("patches")
        .output()
        .expect("run secureupdate");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--as-of"));
}
