//! Crash test: a child process appends in a loop, printing each acknowledged sequence number,
//! and is killed with SIGKILL at fixed-seed random moments. Every acknowledged entry must be
//! there afterwards and the journal must verify.
//!
//! The child is this test binary itself, running the ignored test `crash_child_appends_forever`
//! with `JOURNAL_CRASH_DIR` set.

mod journal_support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use journal_support::*;
use secureupdate::adapters::journal::{Journal, OperatorSigner, verify_journal};
use secureupdate::core::journal::EntryKind;

const DIR_VAR: &str = "JOURNAL_CRASH_DIR";

#[test]
#[ignore = "child process of journal_survives_sigkill_at_random_moments"]
fn crash_child_appends_forever() {
    let Some(dir) = std::env::var_os(DIR_VAR) else {
        return;
    };
    let dir = Path::new(&dir);
    let alice = OperatorSigner::load("alice", &dir.join("keys/alice.key"), None).unwrap();
    let mut journal = Journal::open(&dir.join("journal.db")).unwrap();
    for minute in 0.. {
        let seq = journal
            .append_decision(
                &decision(minute, "alice", EntryKind::Proceed, "wave"),
                &alice,
            )
            .unwrap()
            .seq;
        println!("ack {seq}");
        let batch: Vec<_> = (0..5)
            .map(|i| event(minute, EntryKind::OutputDigest, &format!("host-{i}")))
            .collect();
        for appended in journal.append_events(&batch).unwrap() {
            println!("ack {}", appended.seq);
        }
    }
}

#[test]
fn journal_survives_sigkill_at_random_moments() {
    let dir = tempfile::tempdir().unwrap();
    let (_, alice_pub) = operator(dir.path(), "alice");
    drop(Journal::create(&dir.path().join("journal.db")).unwrap());
    let trusted = vec![("alice".to_string(), alice_pub)];
    let mut seed: u64 = 0x0c0f_fee0_dead_beef;
    let mut acknowledged = 0u64;
    for round in 0..32 {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "crash_child_appends_forever",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VAR, dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|l| l.strip_prefix("ack ").and_then(|s| s.parse::<u64>().ok()))
                .max()
        });
        std::thread::sleep(Duration::from_millis(30 + seed % 120));
        child.kill().unwrap();
        child.wait().unwrap();
        if let Some(last) = reader.join().unwrap() {
            acknowledged = acknowledged.max(last);
        }
        let journal = Journal::open(&dir.path().join("journal.db")).unwrap();
        let head = journal.head().unwrap();
        assert!(
            head.size >= acknowledged,
            "round {round}: entry {acknowledged} was acknowledged, the journal ends at {}",
            head.size
        );
        journal.integrity_check().unwrap();
    }
    // The chain is cumulative: an entry torn in any round would break it here.
    let report = verify_journal(
        &dir.path().join("journal.db"),
        &dir.path().join("checkpoints"),
        &trusted,
        None,
    )
    .unwrap();
    assert!(report.ok, "{report:#?}");
    assert!(
        acknowledged > 32,
        "the child made progress: {acknowledged} entries"
    );
}
