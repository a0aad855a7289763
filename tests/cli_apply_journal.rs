//! `apply` trusts approvals only from a journal that verifies, and appends only to one.

mod cli_support;

use cli_support::{assert_code, demo_site, keygen, ok, run, stderr};
use secureupdate::adapters::sim::{ORIGINAL, load_host};

const PATCH: &str = "openssh-regresshion-debian";

#[test]
fn an_approval_in_an_edited_journal_is_not_trusted_and_nothing_runs() {
    let (_tmp, dir) = demo_site();
    for operator in ["alice", "bob"] {
        keygen(&dir, operator);
    }
    let plan: serde_json::Value =
        serde_json::from_str(&ok(&dir, &["plan", PATCH, "--json"])).unwrap();
    let hash = plan["plan_hash"].as_str().unwrap();
    ok(&dir, &["approve", hash, "--operator", "alice"]);
    let approvals = dir.join("journal.db");
    let conn = rusqlite::Connection::open(&approvals).unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS entries_no_update;")
        .unwrap();
    conn.execute("UPDATE entries SET operator = 'mallory' WHERE seq = 1", [])
        .unwrap();
    drop(conn);

    let refused = run(
        &dir,
        &[
            "apply",
            PATCH,
            "--operator",
            "bob",
            "--executor",
            "sim",
            "--yes",
            "--emergency",
            "test",
        ],
    );
    assert_code(&refused, 1);
    assert!(
        stderr(&refused).contains("the journal does not verify (entry 1"),
        "{}",
        stderr(&refused)
    );
    assert!(stderr(&refused).contains("approvals in it cannot be trusted"));
    let sim = dir.join("sim");
    let touched = ["print-01", "git-01", "wiki-01"]
        .iter()
        .filter(|host| {
            load_host(&sim, host)
                .map(|state| state.package() != ORIGINAL)
                .unwrap_or(false)
        })
        .count();
    assert_eq!(touched, 0, "no host was patched");
}
