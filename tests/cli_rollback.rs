//! `secureupdate rollback` after a rollout of the demo site on the simulated fleet: one host,
//! then a wave, each host once; refusals without a run, a known host or a confirmation.

mod cli_support;

use cli_support::{
    apply_sim, approved_plan, assert_code, demo_site_with_keys, run, stderr, stdout,
};
use secureupdate::adapters::sim::{ORIGINAL, PATCHED, load_host};

const PATCH: &str = "openssh-regresshion-debian";

fn package(dir: &std::path::Path, host: &str) -> String {
    load_host(&dir.join("sim"), host)
        .unwrap()
        .package()
        .to_string()
}

#[test]
fn a_host_then_a_wave_are_rolled_back_and_refusals_are_bad_input() {
    let (_tmp, dir) = demo_site_with_keys();
    let rollback = |extra: &[&str]| {
        let mut args = vec!["rollback", PATCH, "--operator", "bob", "--executor", "sim"];
        args.extend_from_slice(extra);
        run(&dir, &args)
    };
    let none = rollback(&["--yes"]);
    assert_code(&none, 2);
    assert!(
        stderr(&none).contains("was never rolled out here"),
        "{}",
        stderr(&none)
    );

    approved_plan(&dir, PATCH);
    assert_code(
        &apply_sim(
            &dir,
            PATCH,
            "bob",
            &["--emergency", "test", "--scenario", "all-good"],
        ),
        0,
    );
    assert_eq!(package(&dir, "print-01"), PATCHED);

    let unconfirmed = rollback(&["--host", "print-01"]);
    assert_code(&unconfirmed, 2);
    assert!(
        stderr(&unconfirmed).contains("pass --yes"),
        "{}",
        stderr(&unconfirmed)
    );
    let unknown = rollback(&["--host", "nope-01", "--yes"]);
    assert_code(&unknown, 2);
    assert!(stderr(&unknown).contains("host nope-01 is not in the plan"));

    let one = rollback(&["--host", "print-01", "--yes"]);
    assert_code(&one, 0);
    assert!(
        stdout(&one).contains("print-01 | == rolled back"),
        "{}",
        stdout(&one)
    );
    assert!(stdout(&one).contains("Rolled back 1 host(s): print-01"));
    assert_eq!(package(&dir, "print-01"), ORIGINAL);
    assert_eq!(package(&dir, "print-02"), PATCHED);

    let wave = rollback(&["--wave", "3", "--yes"]);
    assert_code(&wave, 0);
    assert!(
        stdout(&wave).contains("Rolled back 2 host(s): print-02, wiki-01"),
        "{}",
        stdout(&wave)
    );
    let again = rollback(&["--wave", "3", "--yes"]);
    assert_code(&again, 0);
    assert!(stdout(&again).contains("Rolled back 0 host(s); nothing to do on 2"));
    for host in ["print-01", "print-02", "wiki-01"] {
        let state = load_host(&dir.join("sim"), host).unwrap();
        assert_eq!(state.package(), ORIGINAL, "{host}");
        assert_eq!(state.history.iter().filter(|s| *s == "rollback").count(), 1);
    }
    assert_eq!(package(&dir, "git-01"), PATCHED);
}

#[test]
fn a_rollback_refuses_a_journal_that_does_not_verify() {
    let (_tmp, dir) = demo_site_with_keys();
    approved_plan(&dir, PATCH);
    assert_code(&apply_sim(&dir, PATCH, "bob", &["--emergency", "test"]), 0);
    // Someone with write access rewrites the approval; appending after it would extend a forgery.
    let conn = rusqlite::Connection::open(dir.join("journal.db")).unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS entries_no_update;")
        .unwrap();
    conn.execute("UPDATE entries SET subject = 'forged' WHERE seq = 1", [])
        .unwrap();
    drop(conn);

    let refused = run(
        &dir,
        &[
            "rollback",
            PATCH,
            "--operator",
            "bob",
            "--executor",
            "sim",
            "--host",
            "print-01",
            "--yes",
        ],
    );
    assert_code(&refused, 1);
    assert!(
        stderr(&refused).contains("the journal does not verify (entry 1"),
        "{}",
        stderr(&refused)
    );
    assert_eq!(
        package(&dir, "print-01"),
        PATCHED,
        "nothing was rolled back"
    );
}
