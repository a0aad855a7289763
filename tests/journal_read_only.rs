//! Verifying and reading a journal never writes it: a copy handed to an auditor stays byte for
//! byte what it was, even where SQLite cannot put its side files.

mod journal_support;

use std::path::Path;

use journal_support::*;
use secureupdate::adapters::journal::{Journal, JournalError, verify_journal};

/// The standard journal, closed (so its WAL is folded into the file), copied into a new dir.
fn closed_copy() -> (Site, tempfile::TempDir) {
    let mut site = Site::standard();
    site.checkpoint();
    let copy = tempfile::tempdir().unwrap();
    // A second journal handle replaces the site's, so the original is closed and checkpointed.
    let db = site.db();
    site.journal = Journal::create(&site.dir.path().join("other.db")).unwrap();
    std::fs::copy(&db, copy.path().join("journal.db")).unwrap();
    assert!(!Path::new(&format!("{}-wal", db.display())).exists());
    (site, copy)
}

#[test]
fn verifying_a_copy_leaves_its_bytes_unchanged() {
    let (site, copy) = closed_copy();
    let db = copy.path().join("journal.db");
    let before = std::fs::read(&db).unwrap();
    let report = verify_journal(&db, &site.checkpoints(), &site.trusted, None).unwrap();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.size, 12);
    assert_eq!(std::fs::read(&db).unwrap(), before);
}

#[test]
fn a_copy_whose_directory_takes_no_side_files_still_verifies() {
    let (site, copy) = closed_copy();
    let db = copy.path().join("journal.db");
    // Directories where SQLite would create its -wal and -shm files: it cannot open them.
    std::fs::create_dir(copy.path().join("journal.db-wal")).unwrap();
    std::fs::create_dir(copy.path().join("journal.db-shm")).unwrap();
    let report = verify_journal(&db, &site.checkpoints(), &site.trusted, None).unwrap();
    assert!(report.ok, "{report:#?}");
    assert_eq!(report.size, 12);
    let journal = Journal::open_read_only(&db).unwrap();
    assert_eq!(journal.head().unwrap().size, 12);
}

#[test]
fn a_live_journal_is_read_with_its_uncheckpointed_entries() {
    let site = Site::standard();
    // The site's handle is still open: recent entries may be only in the WAL.
    let journal = Journal::open_read_only(&site.db()).unwrap();
    assert_eq!(journal.head().unwrap(), site.journal.head().unwrap());
    assert!(site.verify().ok);
}

#[test]
fn read_only_opening_refuses_what_is_not_a_journal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.db");
    assert!(matches!(
        Journal::open_read_only(&path),
        Err(JournalError::NotFound { .. })
    ));
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t (x)")
        .unwrap();
    assert!(matches!(
        Journal::open_read_only(&path),
        Err(JournalError::Corrupt { .. })
    ));
}

#[test]
fn paths_with_uri_characters_open() {
    let (_site, copy) = closed_copy();
    let odd = copy.path().join("a dir?with#odd%chars");
    std::fs::create_dir(&odd).unwrap();
    std::fs::copy(copy.path().join("journal.db"), odd.join("journal.db")).unwrap();
    let journal = Journal::open_read_only(&odd.join("journal.db")).unwrap();
    assert_eq!(journal.head().unwrap().size, 12);
}
