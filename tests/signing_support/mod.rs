//! Keys and signatures for the artifact and feed tests: key pairs made with our crate (the
//! `minisign -G -W` keys are rejected by it), signatures made with the `minisign` command or with
//! our own signer, and small sites that pin the keys.
// Each test crate uses a different part of this module.
#![allow(dead_code)]

#[path = "../policy_support/mod.rs"]
mod policy_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use policy_support::policy;
use secureupdate::adapters::journal::{
    KeyPairText, OperatorSigner, generate_keypair, write_keypair,
};
use secureupdate::config::{MinisignPublicKey, PinnedKey};

/// A key pair written as `NAME.pub` / `NAME.key` (unencrypted) in `dir`.
pub struct TestKey {
    pub pair: KeyPairText,
    pub public: PathBuf,
    pub secret: PathBuf,
}

impl TestKey {
    pub fn new(dir: &Path, name: &str) -> TestKey {
        let pair = generate_keypair(None).unwrap();
        let public = dir.join(format!("{name}.pub"));
        let secret = dir.join(format!("{name}.key"));
        write_keypair(&pair, &public, &secret).unwrap();
        TestKey {
            pair,
            public,
            secret,
        }
    }

    pub fn minisign_key(&self) -> MinisignPublicKey {
        MinisignPublicKey::parse(&self.pair.public).unwrap()
    }

    pub fn pinned(&self) -> PinnedKey {
        PinnedKey::new(self.minisign_key())
    }

    /// The base64 line, as site.toml pins it.
    pub fn base64(&self) -> String {
        self.minisign_key().to_base64()
    }

    /// Signs `file` with the `minisign` command into `file.minisig` (`-l` for legacy).
    pub fn sign_with_command(&self, file: &Path, extra: &[&str]) -> PathBuf {
        let signature = minisig_path(file);
        let output = Command::new("minisign")
            .arg("-S")
            .args(extra)
            .arg("-s")
            .arg(&self.secret)
            .arg("-x")
            .arg(&signature)
            .arg("-m")
            .arg(file)
            .output()
            .expect("run minisign");
        assert!(
            output.status.success(),
            "minisign -S failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        signature
    }

    /// Signs `file` with our signer into `file.minisig`.
    pub fn sign_with_crate(&self, file: &Path, trusted_comment: &str) -> PathBuf {
        let signer =
            OperatorSigner::from_secret_text("tester", &self.pair.secret, None, &self.secret)
                .unwrap();
        let signature = signer
            .sign(&fs::read(file).unwrap(), trusted_comment)
            .unwrap();
        let path = minisig_path(file);
        fs::write(&path, signature).unwrap();
        path
    }
}

pub fn minisig_path(file: &Path) -> PathBuf {
    let mut name = file.as_os_str().to_os_string();
    name.push(".minisig");
    PathBuf::from(name)
}

/// Runs `minisign -VH` (prehashed required) on `file` with `public`; true when it verifies.
pub fn command_verifies(file: &Path, signature: &Path, public: &Path) -> bool {
    Command::new("minisign")
        .args(["-V", "-H", "-q", "-p"])
        .arg(public)
        .arg("-x")
        .arg(signature)
        .arg("-m")
        .arg(file)
        .status()
        .expect("run minisign")
        .success()
}

/// The approval and rollout tables of the signing sites' policy.
const POLICY_TABLES: &str = r#"[approval]
require_for = []
approvers = 1
two_person = false
[rollout]
waves = ["100%"]
max_fail_percentage = 10
concurrency = 1
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
"#;

/// A site in `dir` with operator `alice` (whose key pair is `keys/alice.{pub,key}`), the given
/// pinned keys and artifact sources.
pub fn write_site(
    dir: &Path,
    feed_keys: &[String],
    artifact_keys: &[String],
    sources: &[&str],
) -> TestKey {
    fs::create_dir_all(dir.join("keys")).unwrap();
    let alice = TestKey::new(&dir.join("keys"), "alice");
    let list = |items: &[String]| {
        items
            .iter()
            .map(|k| format!("{k:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let sources: Vec<String> = sources.iter().map(|s| s.to_string()).collect();
    let site = format!(
        "name = \"Test site\"\n\n[[operator]]\nname = \"alice\"\nroles = [\"approver\", \"signer\"]\npublic_key = \"keys/alice.pub\"\n\n[trust]\nfeed_keys = [{}]\nartifact_keys = [{}]\nartifact_sources = [{}]\n\n[ssh]\nknown_hosts = \"ssh/known_hosts\"\n",
        list(feed_keys),
        list(artifact_keys),
        list(&sources),
    );
    fs::write(dir.join("site.toml"), site).unwrap();
    fs::write(dir.join("policy.toml"), policy(POLICY_TABLES)).unwrap();
    fs::write(dir.join("inventory.toml"), INVENTORY).unwrap();
    alice
}

/// Every journal entry of the site as (operator, kind, subject, payload), in order.
pub fn journal_entries(site: &Path) -> Vec<(String, String, String, String)> {
    let path = site.join("journal.db");
    if !path.exists() {
        return Vec::new();
    }
    let journal = secureupdate::adapters::journal::Journal::open(&path).unwrap();
    let mut entries = Vec::new();
    journal
        .for_each_row(1, |row| {
            assert!(row.sig.is_some(), "decisions are signed");
            entries.push((
                row.operator.clone(),
                row.kind.clone(),
                row.subject.clone(),
                row.payload.clone(),
            ))
        })
        .unwrap();
    entries
}

/// `secureupdate --site SITE ARGS...`, logging nowhere.
pub fn secureupdate(site: &Path) -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("secureupdate").unwrap();
    command
        .args(["--log-file", "/dev/null", "--site"])
        .arg(site);
    command
}

/// Runs `command`, asserts its exit code and returns (stdout, stderr).
pub fn run_expecting(command: &mut assert_cmd::Command, code: i32) -> (String, String) {
    let output = command.output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    (stdout, stderr)
}
