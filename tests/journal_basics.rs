//! Appending, reading, exporting and re-verifying a real `journal.db`.

mod journal_support;

use journal_support::*;
use secureupdate::adapters::journal::{
    Journal, JournalError, OperatorSigner, export_jsonl, key_rotation_payload, verify_journal,
    verify_jsonl,
};
use secureupdate::core::journal::{EntryKind, NewEntry, ProblemKind, genesis_prev};
use serde_json::{Value, json};

#[test]
fn a_new_journal_is_empty_with_a_random_id_in_wal_mode() {
    let (one, two) = (Site::new(), Site::new());
    assert_ne!(one.journal.id(), two.journal.id());
    let head = one.journal.head().unwrap();
    assert_eq!((head.size, head.hash), (0, genesis_prev(one.journal.id())));
    let conn = rusqlite::Connection::open(one.db()).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    assert!(matches!(
        Journal::create(&one.db()),
        Err(JournalError::Exists { .. })
    ));
    assert!(matches!(
        Journal::open(&one.dir.path().join("nope.db")),
        Err(JournalError::NotFound { .. })
    ));
}

#[test]
fn appends_are_contiguous_and_survive_reopening() {
    let mut site = Site::new();
    assert_eq!(
        site.decide(decision(0, "alice", EntryKind::Approve, "plan 1")),
        1
    );
    let batch = site
        .journal
        .append_events(&[
            event(1, EntryKind::StepStarted, "h1"),
            event(2, EntryKind::StepFinished, "h1"),
        ])
        .unwrap();
    assert_eq!(batch.iter().map(|a| a.seq).collect::<Vec<_>>(), vec![2, 3]);
    assert_eq!(site.journal.head().unwrap().hash, batch[1].hash);
    let Site {
        dir,
        journal,
        alice,
        trusted,
        ..
    } = site;
    drop(journal);
    let mut journal = Journal::open(&dir.path().join("journal.db")).unwrap();
    let appended = journal
        .append_decision(&decision(3, "alice", EntryKind::Proceed, "wave 2"), &alice)
        .unwrap();
    assert_eq!(appended.seq, 4);
    let since = journal.rows_from(3).unwrap();
    assert_eq!(
        since
            .iter()
            .map(|r| (r.seq, r.kind.as_str()))
            .collect::<Vec<_>>(),
        vec![(3, "step_finished"), (4, "proceed")]
    );
    let report = verify_journal(
        &dir.path().join("journal.db"),
        &dir.path().join("checkpoints"),
        &trusted,
        None,
    )
    .unwrap();
    assert!(report.ok && report.size == 4, "{report:#?}");
}

#[test]
fn two_handles_appending_in_turn_keep_one_chain() {
    let mut site = Site::new();
    let mut second = Journal::open(&site.db()).unwrap();
    for minute in 0..5 {
        site.events(&[event(minute, EntryKind::StepStarted, "a")]);
        second
            .append_decision(&decision(minute, "bob", EntryKind::Proceed, "b"), &site.bob)
            .unwrap();
    }
    assert_eq!(site.journal.head().unwrap(), second.head().unwrap());
    assert!(site.verify().ok);
}

#[test]
fn decisions_must_be_signed_by_their_own_operator() {
    let mut site = Site::new();
    let approve = decision(0, "alice", EntryKind::Approve, "plan 1");
    assert!(matches!(
        site.journal.append_events(std::slice::from_ref(&approve)),
        Err(JournalError::DecisionNeedsSignature { .. })
    ));
    assert!(matches!(
        site.journal.append_decision(&approve, &site.bob),
        Err(JournalError::SignerMismatch { .. })
    ));
    assert_eq!(
        site.journal.head().unwrap().size,
        0,
        "nothing is written on refusal"
    );
}

#[test]
fn entries_cannot_be_updated_or_deleted_through_sqlite_by_accident() {
    let site = Site::standard();
    let conn = rusqlite::Connection::open(site.db()).unwrap();
    let update = conn
        .execute("UPDATE entries SET subject = 'x' WHERE seq = 1", [])
        .unwrap_err();
    assert!(update.to_string().contains("append-only"), "{update}");
    assert!(conn.execute("DELETE FROM entries", []).is_err());
}

#[test]
fn exported_jsonl_reverifies_offline_and_shows_tampering() {
    let site = Site::standard();
    let mut out = Vec::new();
    assert_eq!(export_jsonl(&site.journal, &mut out).unwrap(), 12);
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let first = lines[0].as_object().unwrap();
    for field in [
        "journal_id",
        "seq",
        "ts",
        "operator",
        "kind",
        "subject",
        "payload",
        "prev",
        "hash",
        "sig",
        "signer_key_id",
    ] {
        assert!(first.contains_key(field), "{field} missing from {first:?}");
    }
    assert_eq!(first["signer_key_id"], json!(site.alice.key_id()));
    assert_eq!(lines[2]["sig"], Value::Null);

    let report = verify_jsonl(
        text.as_bytes(),
        "export.jsonl",
        &site.trusted,
        Some(site.anchor()),
    )
    .unwrap();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.head, site.journal.head().unwrap().hash.to_string());

    let edited = text.replacen("\"exit_code\":1", "\"exit_code\":0", 1);
    let report = verify_jsonl(edited.as_bytes(), "export.jsonl", &site.trusted, None).unwrap();
    assert_first(&report, 5, ProblemKind::Edited);

    let error = verify_jsonl(
        "{\"seq\":1}\n".as_bytes(),
        "export.jsonl",
        &site.trusted,
        None,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("export.jsonl: line 1"), "{error}");
}

#[test]
fn key_rotation_moves_trust_to_the_new_key() {
    let mut site = Site::standard();
    let pair = secureupdate::adapters::journal::generate_keypair(None).unwrap();
    let new_alice = OperatorSigner::from_secret_text(
        "alice",
        &pair.secret,
        None,
        std::path::Path::new("new.key"),
    )
    .unwrap();
    let rotation = NewEntry::new(
        t(20),
        "alice",
        EntryKind::KeyRotation,
        "alice",
        &key_rotation_payload(new_alice.public_key()),
    )
    .unwrap();
    site.journal
        .append_decision(&rotation, &site.alice)
        .unwrap();
    site.journal
        .append_decision(
            &decision(21, "alice", EntryKind::Approve, "plan 2"),
            &new_alice,
        )
        .unwrap();
    assert!(site.verify().ok, "{:#?}", site.verify());

    site.journal
        .append_decision(
            &decision(22, "alice", EntryKind::Approve, "plan 3"),
            &site.alice,
        )
        .unwrap();
    assert_first(&site.verify(), 15, ProblemKind::WrongSigner);
}

#[test]
fn damaged_files_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    std::fs::write(&path, b"this is not a database at all, just text").unwrap();
    assert!(verify_journal(&path, dir.path(), &[], None).is_err());
    std::fs::write(&path, b"").unwrap();
    assert!(
        matches!(
            verify_journal(&path, dir.path(), &[], None),
            Err(JournalError::Corrupt { .. })
        ),
        "an empty file is not a journal"
    );
}
