//! The tamper matrix of issue 3 at library level: each attack on a real `journal.db` (or its
//! checkpoints) must be reported with the right first sequence number and kind.

mod journal_support;

use journal_support::*;
use secureupdate::adapters::journal::{Journal, verify_journal};
use secureupdate::core::journal::{EntryKind, ProblemKind, entry_statement};

#[test]
fn an_untouched_journal_verifies_with_its_checkpoints_and_anchor() {
    let site = Site::standard();
    site.checkpoint();
    let report = site.verify_with(Some(site.anchor()));
    assert!(report.ok, "{report:#?}");
    assert_eq!((report.size, report.checkpoints_checked), (12, 1));
    assert_eq!(report.journal_id, site.journal.id().to_string());
    assert_eq!(report.head, site.journal.head().unwrap().hash.to_string());
}

#[test]
fn payload_edited_with_hash_left_is_edited_at_that_entry() {
    let site = Site::standard();
    edit_payload(&site.attacker(), 4);
    assert_first(&site.verify(), 4, ProblemKind::Edited);
}

#[test]
fn payload_edited_with_hash_recomputed_is_caught_by_the_next_link() {
    let site = Site::standard();
    let conn = site.attacker();
    edit_payload(&conn, 4);
    rehash(&conn, site.journal.id(), 4, false);
    assert_first(&site.verify(), 4, ProblemKind::Edited);
}

#[test]
fn signed_decision_edited_with_all_later_hashes_recomputed_fails_its_signature() {
    let site = Site::standard();
    let conn = site.attacker();
    edit_payload(&conn, 2);
    rehash(&conn, site.journal.id(), 2, true);
    assert_first(&site.verify(), 2, ProblemKind::BadSignature);
}

#[test]
fn machine_event_edited_with_all_later_hashes_recomputed_is_caught_by_the_checkpoint() {
    let site = Site::standard();
    site.checkpoint();
    let conn = site.attacker();
    edit_payload(&conn, 3);
    rehash(&conn, site.journal.id(), 3, true);
    let report = site.verify();
    // Entry 2's signature still pins 1..=2, so the rewrite starts at 3; signed entries after it
    // fail too.
    assert_first(&report, 3, ProblemKind::Edited);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.seq == 7 && p.kind == ProblemKind::BadSignature)
    );
}

#[test]
fn machine_event_rewrite_after_the_last_signature_is_caught_by_the_anchor_alone() {
    let site = Site::standard();
    let anchor = site.anchor();
    let conn = site.attacker();
    edit_payload(&conn, 12);
    rehash(&conn, site.journal.id(), 12, true);
    assert!(
        site.verify().ok,
        "without checkpoint or anchor nothing can tell"
    );
    assert_first(&site.verify_with(Some(anchor)), 12, ProblemKind::Edited);
}

#[test]
fn entry_deleted_is_missing() {
    let site = Site::standard();
    site.attacker()
        .execute("DELETE FROM entries WHERE seq = 5", [])
        .unwrap();
    assert_first(&site.verify(), 5, ProblemKind::Missing);
}

#[test]
fn entry_deleted_and_later_ones_renumbered_is_missing() {
    let site = Site::standard();
    let conn = site.attacker();
    conn.execute("DELETE FROM entries WHERE seq = 5", [])
        .unwrap();
    renumber_down(&conn, 6);
    let report = site.verify();
    assert_first(&report, 5, ProblemKind::Missing);
    assert_eq!(
        report.problems.len(),
        1,
        "renumbered signed entries still verify: {:#?}",
        report.problems
    );
}

#[test]
fn last_entry_deleted_and_renumbered_is_missing() {
    let site = Site::standard();
    let conn = site.attacker();
    conn.execute("DELETE FROM entries WHERE seq = 11", [])
        .unwrap();
    renumber_down(&conn, 12);
    assert_first(&site.verify(), 11, ProblemKind::Missing);
}

#[test]
fn two_entries_swapped_are_reordered() {
    for (first, expected) in [(4, 4), (6, 6), (11, 11)] {
        let site = Site::standard();
        let conn = site.attacker();
        let copy = site.dir.path().join("copy.db");
        conn.execute_batch(&format!("VACUUM INTO '{}'", copy.display()))
            .unwrap();
        let original = rusqlite::Connection::open(&copy).unwrap();
        copy_row(&original, first + 1, &conn, first);
        copy_row(&original, first, &conn, first + 1);
        assert_first(&site.verify(), expected, ProblemKind::Reordered);
    }
}

#[test]
fn entry_duplicated_is_duplicated() {
    let site = Site::standard();
    let conn = site.attacker();
    renumber_up(&conn, 5);
    copy_row(&conn, 4, &conn, 5);
    let report = site.verify();
    assert_first(&report, 5, ProblemKind::Duplicated);
    assert_eq!(report.problems.len(), 1, "{:#?}", report.problems);
}

#[test]
fn entry_spliced_from_another_journal_is_foreign() {
    let site = Site::standard();
    let other = Site::standard();
    let conn = site.attacker();
    let other_conn = rusqlite::Connection::open(other.db()).unwrap();
    copy_row(&other_conn, 4, &conn, 4);
    assert_first(&site.verify(), 4, ProblemKind::Foreign);

    let site = Site::standard();
    let conn = site.attacker();
    renumber_up(&conn, 8);
    copy_row(&other_conn, 8, &conn, 8);
    assert_first(&site.verify(), 8, ProblemKind::Foreign);
}

#[test]
fn tail_cut_is_caught_by_its_checkpoint() {
    let site = Site::standard();
    site.checkpoint();
    site.attacker()
        .execute("DELETE FROM entries WHERE seq > 8", [])
        .unwrap();
    assert_first(&site.verify(), 9, ProblemKind::Truncated);
}

#[test]
fn tail_cut_with_its_checkpoints_removed_is_caught_by_the_anchor() {
    let mut site = Site::standard();
    site.checkpoint();
    site.events(&[event(20, EntryKind::StepStarted, "web-03")]);
    site.checkpoint();
    let anchor = site.anchor();
    site.attacker()
        .execute("DELETE FROM entries WHERE seq > 9", [])
        .unwrap();
    std::fs::remove_dir_all(site.checkpoints()).unwrap();
    assert!(
        site.verify().ok,
        "a clean cut without checkpoints is invisible from inside"
    );
    assert_first(&site.verify_with(Some(anchor)), 10, ProblemKind::Truncated);
}

#[test]
fn database_replaced_by_an_older_copy_is_caught_by_the_anchor() {
    let mut site = Site::standard();
    let older = site.dir.path().join("older.db");
    site.attacker()
        .execute_batch(&format!("VACUUM INTO '{}'", older.display()))
        .unwrap();
    site.decide(decision(30, "bob", EntryKind::Rollback, "web-02"));
    site.events(&[event(31, EntryKind::StepFinished, "web-02")]);
    let anchor = site.anchor();
    let Site {
        dir,
        journal,
        trusted,
        ..
    } = site;
    drop(journal);
    let db = dir.path().join("journal.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::rename(&older, &db).unwrap();
    let report = verify_journal(&db, &dir.path().join("checkpoints"), &trusted, None).unwrap();
    assert!(report.ok, "the older copy is a valid journal on its own");
    let report =
        verify_journal(&db, &dir.path().join("checkpoints"), &trusted, Some(anchor)).unwrap();
    assert_first(&report, 13, ProblemKind::Truncated);
}

#[test]
fn edited_checkpoint_text_fails_its_signature() {
    let site = Site::standard();
    let size = site.checkpoint();
    let (text, _) = secureupdate::adapters::journal::checkpoint_paths(
        &site.checkpoints(),
        site.journal.id(),
        size,
    );
    let edited = std::fs::read_to_string(&text).unwrap().replace(
        &site.journal.head().unwrap().hash.to_string(),
        &"0".repeat(64),
    );
    std::fs::write(&text, edited).unwrap();
    assert_first(&site.verify(), 12, ProblemKind::BadCheckpoint);
}

#[test]
fn signature_of_another_checkpoint_size_does_not_verify() {
    let mut site = Site::standard();
    let first = site.checkpoint();
    site.events(&[event(20, EntryKind::StepStarted, "web-03")]);
    let second = site.checkpoint();
    let (_, first_sig) = secureupdate::adapters::journal::checkpoint_paths(
        &site.checkpoints(),
        site.journal.id(),
        first,
    );
    let (_, second_sig) = secureupdate::adapters::journal::checkpoint_paths(
        &site.checkpoints(),
        site.journal.id(),
        second,
    );
    std::fs::copy(first_sig, second_sig).unwrap();
    let report = site.verify();
    assert_first(&report, 13, ProblemKind::BadCheckpoint);
    assert_eq!(report.problems.len(), 1);
}

#[test]
fn decision_signed_by_an_untrusted_key_is_an_unknown_signer() {
    let mut site = Site::standard();
    let (carol, _) = operator(site.dir.path(), "carol");
    site.journal
        .append_decision(&decision(20, "carol", EntryKind::Approve, "plan 1"), &carol)
        .unwrap();
    assert_first(&site.verify(), 13, ProblemKind::UnknownSigner);
}

#[test]
fn bobs_signature_on_an_alice_entry_is_a_wrong_signer() {
    let site = Site::standard();
    let conn = site.attacker();
    let hash: Vec<u8> = conn
        .query_row("SELECT hash FROM entries WHERE seq = 2", [], |r| r.get(0))
        .unwrap();
    let statement = entry_statement(
        site.journal.id(),
        2,
        &secureupdate::core::journal::ChainHash(hash.try_into().unwrap()),
    );
    let forged = site.bob.sign(statement.as_bytes(), "forged").unwrap();
    conn.execute("UPDATE entries SET sig = ?1 WHERE seq = 2", [forged])
        .unwrap();
    assert_first(&site.verify(), 2, ProblemKind::WrongSigner);
}

#[test]
fn signature_removed_from_a_decision_is_a_bad_signature() {
    let site = Site::standard();
    site.attacker()
        .execute("UPDATE entries SET sig = NULL WHERE seq = 7", [])
        .unwrap();
    assert_first(&site.verify(), 7, ProblemKind::BadSignature);
}

#[test]
fn timestamps_going_backwards_are_only_a_warning() {
    let mut site = Site::standard();
    site.events(&[event(5, EntryKind::StepStarted, "web-09")]);
    let report = site.verify();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.warnings.len(), 1);
    assert_eq!(report.warnings[0].seq, 13);
}

#[test]
fn random_byte_flips_give_an_error_or_a_finding_never_a_panic_or_a_silent_change() {
    let site = Site::standard();
    let pristine_rows = site.journal.rows_from(1).unwrap();
    let Site {
        dir,
        journal,
        trusted,
        ..
    } = site;
    drop(journal);
    let db = dir.path().join("journal.db");
    let pristine = std::fs::read(&db).unwrap();
    let mut seed: u64 = 0x5eed_1234_abcd_ef01;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let (mut errors, mut findings, mut harmless) = (0, 0, 0);
    for _ in 0..60 {
        let mut bytes = pristine.clone();
        for _ in 0..=(next() % 4) {
            let at = (next() % bytes.len() as u64) as usize;
            bytes[at] ^= 1 << (next() % 8);
        }
        let case = tempfile::tempdir().unwrap();
        let path = case.path().join("journal.db");
        std::fs::write(&path, &bytes).unwrap();
        match verify_journal(&path, &case.path().join("checkpoints"), &trusted, None) {
            Err(_) => errors += 1,
            Ok(report) if !report.ok => findings += 1,
            Ok(_) => {
                let rows = Journal::open(&path).unwrap().rows_from(1).unwrap();
                assert_eq!(
                    rows, pristine_rows,
                    "a clean report must mean unchanged entries"
                );
                harmless += 1;
            }
        }
    }
    assert!(
        errors + findings > 0,
        "errors {errors}, findings {findings}, harmless {harmless}"
    );
}
