//! `secureupdate journal …` on a copy of the demo site: notes, verification (tamper and
//! truncation found, exit codes, JSON), checkpoints and keys checked with the real `minisign`
//! command, listing, export and offline re-verification, and bad input.

mod cli_support;
mod journal_support;

use std::path::{Path, PathBuf};
use std::process::Command;

use cli_support::*;
use journal_support::{attacker_connection, edit_payload};
use secureupdate::adapters::journal::{TrustedKeys, load_public_key};
use serde_json::Value;

/// A demo site where alice has a training key and wrote `notes` notes.
fn site_with_notes(notes: usize) -> (tempfile::TempDir, PathBuf) {
    let (tmp, dir) = demo_site();
    keygen(&dir, "alice");
    for i in 1..=notes {
        let out = ok(
            &dir,
            &[
                "journal",
                "note",
                "--operator",
                "alice",
                "--subject",
                "CHG-7",
                &format!("note {i}"),
            ],
        );
        assert!(out.contains(&format!("entry {i} appended")), "{out}");
    }
    (tmp, dir)
}

fn verify_json(dir: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["journal", "verify", "--json"];
    args.extend_from_slice(extra);
    let output = run(dir, &args);
    let report = serde_json::from_slice(&output.stdout).unwrap();
    (output.status.code().unwrap(), report)
}

#[test]
fn notes_verify_with_exit_0_and_the_json_report() {
    let (_tmp, dir) = site_with_notes(3);
    let text = ok(&dir, &["journal", "verify"]);
    assert!(text.contains("OK:"), "{text}");
    let (code, report) = verify_json(&dir, &[]);
    assert_eq!(code, 0);
    assert_eq!(report["ok"], true);
    assert_eq!(report["size"], 3);
    assert_eq!(report["journal_id"].as_str().unwrap().len(), 32);
    assert_eq!(report["head"].as_str().unwrap().len(), 64);
    assert_eq!(report["problems"], Value::Array(vec![]));
}

#[test]
fn an_edited_payload_fails_verification_naming_its_entry() {
    let (_tmp, dir) = site_with_notes(3);
    edit_payload(&attacker_connection(&dir.join("journal.db")), 2);
    let output = run(&dir, &["journal", "verify"]);
    assert_code(&output, 1);
    assert!(
        stdout(&output).contains("entry 2: edited"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output).contains("first is at entry 2"),
        "{}",
        stderr(&output)
    );
    let (code, report) = verify_json(&dir, &[]);
    assert_eq!(code, 1);
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["seq"], 2);
    assert_eq!(report["problems"][0]["kind"], "edited");
}

#[test]
fn no_checkpoint_is_signed_over_a_journal_that_does_not_verify() {
    let (_tmp, dir) = site_with_notes(3);
    edit_payload(&attacker_connection(&dir.join("journal.db")), 2);
    let output = run(&dir, &["journal", "checkpoint", "--operator", "alice"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains("the journal does not verify (entry 2:"),
        "{}",
        stderr(&output)
    );
    let written = std::fs::read_dir(dir.join("checkpoints"))
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(written, 0, "nothing vouches for the edited journal");
}

#[test]
fn a_cut_tail_is_caught_by_the_anchor() {
    let (_tmp, dir) = site_with_notes(3);
    let (_, report) = verify_json(&dir, &[]);
    let anchor = format!("3:{}", report["head"].as_str().unwrap());
    attacker_connection(&dir.join("journal.db"))
        .execute("DELETE FROM entries WHERE seq = 3", [])
        .unwrap();
    // Without a checkpoint or an anchor, a shorter journal is still a consistent one.
    assert_eq!(verify_json(&dir, &[]).0, 0);
    let (code, report) = verify_json(&dir, &["--anchor", &anchor]);
    assert_eq!(code, 1);
    assert_eq!(report["problems"][0]["kind"], "truncated");
    assert_eq!(report["problems"][0]["seq"], 3);
}

#[test]
fn verification_does_not_write_the_journal() {
    let (_tmp, dir) = site_with_notes(2);
    let db = dir.join("journal.db");
    let before = std::fs::read(&db).unwrap();
    ok(&dir, &["journal", "verify"]);
    ok(&dir, &["journal", "show"]);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn checkpoints_verify_with_the_minisign_command() {
    let (_tmp, dir) = site_with_notes(2);
    let out = ok(&dir, &["journal", "checkpoint", "--operator", "alice"]);
    let text = out
        .lines()
        .map(str::trim)
        .find(|l| l.ends_with(".txt"))
        .map(PathBuf::from)
        .unwrap();
    let status = Command::new("minisign")
        .arg("-VH")
        .arg("-m")
        .arg(&text)
        .arg("-p")
        .arg(dir.join("keys/alice.pub"))
        .output()
        .unwrap();
    assert!(status.status.success(), "{status:?}");
    let stdout = String::from_utf8_lossy(&status.stdout);
    assert!(stdout.contains("size=2"), "{stdout}");
    let (_, report) = verify_json(&dir, &[]);
    assert_eq!(report["checkpoints_checked"], 1);

    // bob has no signer role (and no key): refused before any password is asked.
    keygen(&dir, "bob");
    let output = run(&dir, &["journal", "checkpoint", "--operator", "bob"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("signer role"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_training_key_signs_with_the_minisign_command_too() {
    let (_tmp, dir) = demo_site();
    keygen(&dir, "carol");
    let message = dir.join("release-notes.txt");
    std::fs::write(&message, "patch 7 applied\n").unwrap();
    // An unencrypted key: minisign asks for no password.
    let signed = Command::new("minisign")
        .arg("-S")
        .arg("-s")
        .arg(dir.join("keys/carol.key"))
        .arg("-m")
        .arg(&message)
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert!(signed.status.success(), "{signed:?}");
    let signature = std::fs::read_to_string(dir.join("release-notes.txt.minisig")).unwrap();
    let public = load_public_key(&dir.join("keys/carol.pub")).unwrap();
    let trusted = TrustedKeys::new(&[("carol".to_string(), public)]);
    let (signer, _) = trusted
        .verify_any(b"patch 7 applied\n", &signature)
        .unwrap();
    assert_eq!(signer, "carol");
    let verified = Command::new("minisign")
        .args(["-VH", "-m"])
        .arg(&message)
        .arg("-p")
        .arg(dir.join("keys/carol.pub"))
        .output()
        .unwrap();
    assert!(verified.status.success(), "{verified:?}");
}

#[test]
fn show_lists_entries_cleaned_of_control_characters() {
    let (_tmp, dir) = site_with_notes(2);
    // Someone with write access plants an escape sequence in a subject.
    attacker_connection(&dir.join("journal.db"))
        .execute(
            "UPDATE entries SET subject = 'x\u{1b}[2Jy' WHERE seq = 1",
            [],
        )
        .unwrap();
    let table = ok(&dir, &["journal", "show"]);
    assert!(!table.contains('\u{1b}'), "{table:?}");
    assert!(table.contains("note 2"), "{table}");
    let since = ok(&dir, &["journal", "show", "--since", "2", "--json"]);
    let entries: Value = serde_json::from_str(&since).unwrap();
    assert_eq!(entries.as_array().unwrap().len(), 1);
    assert_eq!(entries[0]["seq"], 2);
    assert_eq!(entries[0]["kind"], "note");
    assert_eq!(entries[0]["operator"], "alice");
    assert_eq!(entries[0]["subject"], "CHG-7");
    assert_eq!(entries[0]["payload"]["text"], "note 2");
    assert_eq!(entries[0]["signed"], true);
}

#[test]
fn an_export_reverifies_offline_and_shows_an_edit() {
    let (_tmp, dir) = site_with_notes(3);
    let lines = ok(&dir, &["journal", "export", "--jsonl"]);
    assert_eq!(lines.lines().count(), 3);
    let file = dir.join("export.jsonl");
    ok(
        &dir,
        &[
            "journal",
            "export",
            "--jsonl",
            "--out",
            file.to_str().unwrap(),
        ],
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), lines);
    let out = ok(&dir, &["journal", "verify-export", file.to_str().unwrap()]);
    assert!(out.contains("OK:"), "{out}");

    std::fs::write(&file, lines.replace("note 2", "note 9")).unwrap();
    let output = run(&dir, &["journal", "verify-export", file.to_str().unwrap()]);
    assert_code(&output, 1);
    assert!(
        stdout(&output).contains("entry 2: edited"),
        "{}",
        stdout(&output)
    );

    std::fs::write(&file, "{\"not\": \"an export line\"}\n").unwrap();
    let output = run(&dir, &["journal", "verify-export", file.to_str().unwrap()]);
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("export.jsonl: line 1"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_input_exits_2_naming_what_is_wrong() {
    let (_tmp, dir) = demo_site();
    let cases: &[(&[&str], &str)] = &[
        (&["journal", "verify"], "journal.db does not exist"),
        (&["journal", "show"], "journal.db does not exist"),
        (
            &["journal", "note", "--operator", "zed", "hi"],
            "operator `zed` is not in site.toml",
        ),
        (
            &["journal", "note", "--operator", "bob", "hi"],
            "operator `bob` has no public_key",
        ),
        (
            &["journal", "note", "--operator", "alice", "a\u{7}b"],
            "control character",
        ),
        (
            &["journal", "note", "--operator", "alice", "  "],
            "the note is empty",
        ),
        (&["journal", "verify", "--anchor", "3:abc"], "--anchor"),
        (&["journal", "export"], "--jsonl"),
        (
            &["journal", "verify-export", "missing.jsonl"],
            "missing.jsonl",
        ),
    ];
    for (args, needle) in cases {
        let output = run(&dir, args);
        assert_code(&output, 2);
        assert!(
            stderr(&output).contains(needle),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    assert!(!dir.join("journal.db").exists(), "bad input writes nothing");
}
