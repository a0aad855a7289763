//! `verify` and `trust` on the command line: exit codes 0 / 1 / 2, messages, and the journal
//! entry every trust change leaves.

mod signing_support;

use std::fs;
use std::path::PathBuf;

use sha2::{Digest, Sha256};
use signing_support::{TestKey, journal_entries, run_expecting, secureupdate, write_site};
use tempfile::TempDir;

struct Setup {
    _dir: TempDir,
    site: PathBuf,
    vendor: TestKey,
    artifact: PathBuf,
}

/// A site pinning `vendor` for artifacts, and an artifact signed by it with `minisign`.
fn setup() -> Setup {
    let dir = TempDir::new().unwrap();
    let keys = dir.path().join("vendor-keys");
    fs::create_dir_all(&keys).unwrap();
    let vendor = TestKey::new(&keys, "vendor");
    let site = dir.path().join("site");
    write_site(&site, &[], &[vendor.base64()], &["artifacts"]);
    let artifact = dir.path().join("tool_1.2.deb");
    fs::write(&artifact, b"pretend package contents\n").unwrap();
    vendor.sign_with_command(&artifact, &["-t", "tool 1.2"]);
    Setup {
        _dir: dir,
        site,
        vendor,
        artifact,
    }
}

fn verify_args(s: &Setup) -> Vec<String> {
    let mut signature = s.artifact.clone().into_os_string();
    signature.push(".minisig");
    vec![
        "verify".into(),
        s.artifact.display().to_string(),
        "--sig".into(),
        PathBuf::from(signature).display().to_string(),
    ]
}

#[test]
fn verify_exits_0_and_prints_the_hash_for_a_good_artifact() {
    let s = setup();
    let sha = hex::encode(Sha256::digest(fs::read(&s.artifact).unwrap()));
    let (stdout, _) = run_expecting(
        secureupdate(&s.site)
            .args(verify_args(&s))
            .args(["--sha256", &sha.to_uppercase()]),
        0,
    );
    assert!(stdout.contains(&format!("sha256 {sha}")), "{stdout}");
    assert!(stdout.contains(&s.vendor.pair.key_id), "{stdout}");
    assert!(stdout.contains("trusted comment: tool 1.2"), "{stdout}");
}

#[test]
fn verify_exits_1_when_the_artifact_was_altered() {
    let s = setup();
    fs::write(&s.artifact, b"pretend package contents!\n").unwrap();
    let (_, stderr) = run_expecting(secureupdate(&s.site).args(verify_args(&s)), 1);
    assert!(stderr.contains("bad signature"), "{stderr}");
}

#[test]
fn verify_exits_1_on_a_hash_mismatch() {
    let s = setup();
    let (_, stderr) = run_expecting(
        secureupdate(&s.site)
            .args(verify_args(&s))
            .args(["--sha256", &"0".repeat(64)]),
        1,
    );
    assert!(stderr.contains("SHA-256 mismatch"), "{stderr}");
}

#[test]
fn verify_exits_2_on_a_malformed_signature_or_bad_arguments() {
    let s = setup();
    let args = verify_args(&s);
    let signature = PathBuf::from(&args[3]);
    let (_, stderr) = run_expecting(
        secureupdate(&s.site).args(&args).args(["--sha256", "abc"]),
        2,
    );
    assert!(stderr.contains("--sha256"), "{stderr}");
    let text = fs::read_to_string(&signature).unwrap();
    fs::write(&signature, text.replace('\n', "\r\n")).unwrap();
    let (_, stderr) = run_expecting(secureupdate(&s.site).args(&args), 2);
    assert!(stderr.contains("CRLF"), "{stderr}");
    fs::remove_file(&signature).unwrap();
    let (_, stderr) = run_expecting(secureupdate(&s.site).args(&args), 2);
    assert!(stderr.contains("cannot read"), "{stderr}");
}

#[test]
fn trust_add_pins_the_key_and_journals_it_then_verify_accepts_its_signatures() {
    let s = setup();
    let other = TestKey::new(s.site.parent().unwrap(), "other");
    other.sign_with_command(&s.artifact, &[]);
    let (_, stderr) = run_expecting(secureupdate(&s.site).args(verify_args(&s)), 1);
    assert!(stderr.contains("unknown key"), "{stderr}");

    run_expecting(
        secureupdate(&s.site)
            .args(["trust", "add", "--role", "artifact", "--operator", "alice"])
            .arg(&other.public),
        0,
    );
    run_expecting(secureupdate(&s.site).args(verify_args(&s)), 0);
    let (listed, _) = run_expecting(secureupdate(&s.site).args(["trust", "list"]), 0);
    assert!(listed.contains(&other.pair.key_id), "{listed}");
    assert!(listed.contains(&s.vendor.pair.key_id), "{listed}");
    let entries = journal_entries(&s.site);
    assert_eq!(entries.len(), 1);
    let (operator, kind, subject, payload) = &entries[0];
    assert_eq!(
        (operator.as_str(), kind.as_str()),
        ("alice", "trust_change")
    );
    assert_eq!(
        subject,
        &format!("trust add artifact key {}", other.pair.key_id)
    );
    assert!(payload.contains(&other.base64()), "{payload}");
    let site_toml = fs::read_to_string(s.site.join("site.toml")).unwrap();
    assert!(site_toml.contains(&other.base64()), "{site_toml}");
}

#[test]
fn trust_remove_unpins_and_journals_and_list_json_shows_what_is_left() {
    let s = setup();
    run_expecting(
        secureupdate(&s.site).args([
            "trust",
            "remove",
            &s.vendor.pair.key_id,
            "--operator",
            "alice",
        ]),
        0,
    );
    let (listed, _) = run_expecting(secureupdate(&s.site).args(["trust", "list", "--json"]), 0);
    let json: serde_json::Value = serde_json::from_str(&listed).unwrap();
    assert_eq!(json["keys"], serde_json::json!([]));
    assert_eq!(json["artifact_sources"], serde_json::json!(["artifacts"]));
    let entries = journal_entries(&s.site);
    assert_eq!(
        entries[0].2,
        format!("trust remove key {}", s.vendor.pair.key_id)
    );
    let (_, stderr) = run_expecting(secureupdate(&s.site).args(verify_args(&s)), 2);
    assert!(stderr.contains("no artifact keys are pinned"), "{stderr}");
}

#[test]
fn trust_changes_by_an_unknown_operator_or_of_an_unknown_key_exit_2_and_change_nothing() {
    let s = setup();
    let before = fs::read_to_string(s.site.join("site.toml")).unwrap();
    let (_, stderr) = run_expecting(
        secureupdate(&s.site)
            .args(["trust", "add", "--role", "feed", "--operator", "mallory"])
            .arg(&s.vendor.public),
        2,
    );
    assert!(stderr.contains("mallory"), "{stderr}");
    let (_, stderr) = run_expecting(
        secureupdate(&s.site).args(["trust", "remove", "0123456789ABCDEF", "--operator", "alice"]),
        2,
    );
    assert!(stderr.contains("no pinned key has id"), "{stderr}");
    assert_eq!(
        fs::read_to_string(s.site.join("site.toml")).unwrap(),
        before
    );
    assert!(journal_entries(&s.site).is_empty());
}
