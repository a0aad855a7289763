//! `apply` trusts approvals only from a journal that verifies, and appends only to one.

mod cli_support;

use cli_support::{apply_sim, approved_plan, assert_code, demo_site_with_keys, stderr};

const PATCH: &str = "openssh-regresshion-debian";

#[test]
fn an_approval_in_an_edited_journal_is_not_trusted_and_nothing_runs() {
    let (_tmp, dir) = demo_site_with_keys();
    approved_plan(&dir, PATCH);
    let conn = rusqlite::Connection::open(dir.join("journal.db")).unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS entries_no_update;")
        .unwrap();
    conn.execute("UPDATE entries SET operator = 'mallory' WHERE seq = 1", [])
        .unwrap();
    drop(conn);

    let refused = apply_sim(&dir, PATCH, "bob", &["--emergency", "test"]);
    assert_code(&refused, 1);
    assert!(
        stderr(&refused).contains("the journal does not verify (entry 1"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("approvals in it cannot be trusted"));
    assert!(!dir.join("sim").exists(), "no host was touched");
}
