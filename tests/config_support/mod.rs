//! A small valid site in a temporary directory, for the config tests to break one piece at a time.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

use std::fs;
use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use secureupdate::config::{ConfigError, Site};
use tempfile::TempDir;

pub const SITE: &str = r#"name = "Test site"

[[operator]]
name = "alice"
roles = ["approver", "signer"]
public_key = "keys/alice.pub"

[[operator]]
name = "bob"
roles = ["deployer"]

[trust]
feed_keys = ["RWQCAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgIC"]

[ssh]
known_hosts = "ssh/known_hosts"
"#;

pub const POLICY: &str = r#"default_class = "high"

[classes.critical]
sla_days = 3
forensic_triage = true
[classes.high]
sla_days = 14
[classes.medium]
sla_days = 30
[classes.low]
sla_days = 90
[classes.on-upgrade]
sla_days = 180

[[decision]]
kev = "yes"
class = "critical"

[[decision]]
class = "low"

[approval]
require_for = ["critical"]
approvers = 1
two_person = true

[rollout]
waves = [1, "50%", "100%"]
max_fail_percentage = 10
concurrency = 2
"#;

pub const INVENTORY: &str = r#"[[asset]]
name = "web-01"
address = "10.0.0.1"
user = "patch"
os = "debian-12"
environment = "production"
criticality = "high"

[asset.packages]
"openssh-server" = "1:9.2p1-2+deb12u2"
"libc6" = { version = "2.36-9+deb12u3", source = "glibc" }

[[asset]]
name = "db-01"
address = "db-01.example.org"
port = 2222
user = "patch"
os = "rhel-9"
environment = "staging"
criticality = "mission"
exposure = "isolated"
groups = ["db"]
last_scan = 2026-11-20T02:00:00Z

[asset.packages]
"openssl" = "1:3.0.7-27.el9"
"#;

/// A minisign public key file for a key made of `seed`.
pub fn public_key_text(seed: u8) -> String {
    let mut raw = b"Ed".to_vec();
    raw.extend([seed; 40]);
    format!(
        "untrusted comment: minisign public key {seed:02X}\n{}\n",
        STANDARD.encode(raw)
    )
}

/// A site that loads cleanly.
pub fn valid_site() -> TempDir {
    let dir = TempDir::new().unwrap();
    write(dir.path(), "site.toml", SITE);
    write(dir.path(), "policy.toml", POLICY);
    write(dir.path(), "inventory.toml", INVENTORY);
    write(dir.path(), "keys/alice.pub", &public_key_text(1));
    dir
}

pub fn write(dir: &Path, file: &str, text: &str) {
    let path = dir.join(file);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
}

/// The valid site with `file` replaced by `text`.
pub fn site_with(file: &str, text: &str) -> TempDir {
    let dir = valid_site();
    write(dir.path(), file, text);
    dir
}

/// The error `Site::load` reports, with the temporary directory's path cut off the front so
/// tests can compare whole messages.
pub fn load_error(dir: &TempDir) -> (ConfigError, String) {
    let error = Site::load(dir.path()).expect_err("the site should not load");
    let prefix = format!("{}/", dir.path().display());
    let message = error.to_string().replace(&prefix, "");
    (error, message)
}
