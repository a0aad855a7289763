//! Shared set-up for the journal tests: a site-like temp dir with `journal.db`, `checkpoints/`
//! and unencrypted operator keys, and helpers to tamper with the database as an attacker would.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, TimeZone, Utc};
use minisign::PublicKey;
use rusqlite::Connection;
use secureupdate::adapters::journal::{
    Journal, OperatorSigner, generate_keypair, load_public_key, verify_journal, write_checkpoint,
    write_keypair,
};
use secureupdate::core::journal::{
    Anchor, EntryKind, NewEntry, Problem, ProblemKind, VerifyReport,
};
use serde_json::json;
use tempfile::TempDir;

pub struct Site {
    pub dir: TempDir,
    pub journal: Journal,
    pub alice: OperatorSigner,
    pub bob: OperatorSigner,
    pub trusted: Vec<(String, PublicKey)>,
}

pub fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap() + Duration::minutes(minute)
}

/// Makes an unencrypted key pair under `dir/keys/` and loads it.
pub fn operator(dir: &Path, name: &str) -> (OperatorSigner, PublicKey) {
    let pair = generate_keypair(None).unwrap();
    let public = dir.join("keys").join(format!("{name}.pub"));
    let secret = dir.join("keys").join(format!("{name}.key"));
    write_keypair(&pair, &public, &secret).unwrap();
    (
        OperatorSigner::load(name, &secret, None).unwrap(),
        load_public_key(&public).unwrap(),
    )
}

pub fn decision(minute: i64, operator: &str, kind: EntryKind, subject: &str) -> NewEntry {
    NewEntry::new(
        t(minute),
        operator,
        kind,
        subject,
        &json!({"reason": format!("{kind} at {minute}"), "exit_code": 0}),
    )
    .unwrap()
}

pub fn event(minute: i64, kind: EntryKind, host: &str) -> NewEntry {
    let digest = format!("{:064x}", minute);
    NewEntry::new(
        t(minute),
        "alice",
        kind,
        host,
        &json!({"sha256": digest, "exit_code": minute % 3}),
    )
    .unwrap()
}

impl Site {
    pub fn new() -> Site {
        let dir = tempfile::tempdir().unwrap();
        let journal = Journal::create(&dir.path().join("journal.db")).unwrap();
        let (alice, alice_pub) = operator(dir.path(), "alice");
        let (bob, bob_pub) = operator(dir.path(), "bob");
        let trusted = vec![
            ("alice".to_string(), alice_pub),
            ("bob".to_string(), bob_pub),
        ];
        Site {
            dir,
            journal,
            alice,
            bob,
            trusted,
        }
    }

    /// The standard 12 entries: decisions (signed) at 1, 2, 7 and 11, machine events elsewhere.
    pub fn standard() -> Site {
        let mut site = Site::new();
        site.decide(decision(0, "alice", EntryKind::Note, "change CHG-1"));
        site.decide(decision(1, "alice", EntryKind::Approve, "plan 9f86d081"));
        site.events(&[
            event(2, EntryKind::StepStarted, "web-01"),
            event(3, EntryKind::OutputDigest, "web-01"),
            event(4, EntryKind::StepFinished, "web-01"),
            event(5, EntryKind::StepStarted, "web-02"),
        ]);
        site.decide(decision(6, "bob", EntryKind::Proceed, "wave 2"));
        site.events(&[
            event(7, EntryKind::StepStarted, "db-01"),
            event(8, EntryKind::OutputDigest, "db-01"),
            event(9, EntryKind::StepFinished, "db-01"),
        ]);
        site.decide(decision(10, "alice", EntryKind::Skip, "host db-02"));
        site.events(&[event(11, EntryKind::RolloutFinished, "plan 9f86d081")]);
        site
    }

    pub fn decide(&mut self, entry: NewEntry) -> u64 {
        let signer = if entry.operator() == "bob" {
            &self.bob
        } else {
            &self.alice
        };
        self.journal.append_decision(&entry, signer).unwrap().seq
    }

    pub fn events(&mut self, entries: &[NewEntry]) {
        self.journal.append_events(entries).unwrap();
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("journal.db")
    }

    pub fn checkpoints(&self) -> PathBuf {
        self.dir.path().join("checkpoints")
    }

    pub fn checkpoint(&self) -> u64 {
        write_checkpoint(&self.checkpoints(), &self.journal, &self.alice)
            .unwrap()
            .checkpoint
            .head
            .size
    }

    pub fn anchor(&self) -> Anchor {
        Anchor(self.journal.head().unwrap())
    }

    pub fn verify(&self) -> VerifyReport {
        self.verify_with(None)
    }

    pub fn verify_with(&self, anchor: Option<Anchor>) -> VerifyReport {
        verify_journal(&self.db(), &self.checkpoints(), &self.trusted, anchor).unwrap()
    }

    /// A raw connection with the append-only triggers dropped, as an attacker would.
    pub fn attacker(&self) -> Connection {
        attacker_connection(&self.db())
    }
}

/// A raw connection to the journal at `db` with the append-only triggers dropped.
pub fn attacker_connection(db: &Path) -> Connection {
    let conn = Connection::open(db).unwrap();
    conn.execute_batch(
        "DROP TRIGGER IF EXISTS entries_no_update; DROP TRIGGER IF EXISTS entries_no_delete;",
    )
    .unwrap();
    conn
}

/// Asserts the report's first problem.
#[track_caller]
pub fn assert_first(report: &VerifyReport, seq: u64, kind: ProblemKind) {
    let first: &Problem = report
        .first_problem()
        .unwrap_or_else(|| panic!("expected a problem, report is clean: {report:#?}"));
    assert!(!report.ok);
    assert_eq!(
        (first.seq, first.kind),
        (seq, kind),
        "all problems: {:#?}",
        report.problems
    );
    assert!(
        first.message.contains(&seq.to_string()),
        "message names the entry: {}",
        first.message
    );
}

/// Moves rows `from..` down by one sequence number (to fill a gap left at `from - 1`).
pub fn renumber_down(conn: &Connection, from: i64) {
    let last: i64 = conn
        .query_row("SELECT MAX(seq) FROM entries", [], |r| r.get(0))
        .unwrap();
    for seq in from..=last {
        conn.execute("UPDATE entries SET seq = ?1 WHERE seq = ?2", [seq - 1, seq])
            .unwrap();
    }
}

/// Moves rows `from..` up by one, opening a gap at `from`.
pub fn renumber_up(conn: &Connection, from: i64) {
    let last: i64 = conn
        .query_row("SELECT MAX(seq) FROM entries", [], |r| r.get(0))
        .unwrap();
    for seq in (from..=last).rev() {
        conn.execute("UPDATE entries SET seq = ?1 WHERE seq = ?2", [seq + 1, seq])
            .unwrap();
    }
}

/// Copies every column but `seq` of row `from` over row `to` (in `conn`, from `source`).
pub fn copy_row(source: &Connection, from: i64, conn: &Connection, to: i64) {
    let columns: Vec<rusqlite::types::Value> = source
        .query_row("SELECT ts, operator, kind, subject, payload, prev, hash, sig FROM entries WHERE seq = ?1", [from], |r| {
            (0..8).map(|i| r.get(i)).collect()
        })
        .unwrap();
    conn.execute("DELETE FROM entries WHERE seq = ?1", [to])
        .unwrap();
    let mut values = vec![rusqlite::types::Value::Integer(to)];
    values.extend(columns);
    conn.execute(
        "INSERT INTO entries (seq, ts, operator, kind, subject, payload, prev, hash, sig) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params_from_iter(values),
    )
    .unwrap();
}

/// Recomputes the hash of row `seq` from its stored content and prev; with `relink`, also
/// every later row's prev and hash, as an attacker hiding an edit would.
pub fn rehash(
    conn: &Connection,
    id: secureupdate::core::journal::JournalId,
    seq: i64,
    relink: bool,
) {
    use secureupdate::core::journal::entry::canonical_entry_bytes;
    use secureupdate::core::journal::{ChainHash, entry_hash};
    let last: i64 = conn
        .query_row("SELECT MAX(seq) FROM entries", [], |r| r.get(0))
        .unwrap();
    let end = if relink { last } else { seq };
    let mut prev: Option<[u8; 32]> = None;
    for current in seq..=end {
        let (ts, operator, kind, subject, payload, stored_prev): (
            String,
            String,
            String,
            String,
            String,
            Vec<u8>,
        ) = conn
            .query_row(
                "SELECT ts, operator, kind, subject, payload, prev FROM entries WHERE seq = ?1",
                [current],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .unwrap();
        let prev_hash = ChainHash(prev.unwrap_or_else(|| stored_prev.try_into().unwrap()));
        let hash = entry_hash(
            id,
            current as u64,
            &prev_hash,
            &canonical_entry_bytes(&ts, &operator, &kind, &subject, &payload),
        );
        conn.execute(
            "UPDATE entries SET prev = ?1, hash = ?2 WHERE seq = ?3",
            rusqlite::params![prev_hash.0.as_slice(), hash.0.as_slice(), current],
        )
        .unwrap();
        prev = Some(hash.0);
    }
}

pub fn edit_payload(conn: &Connection, seq: i64) {
    conn.execute("UPDATE entries SET payload = '{\"exit_code\":0,\"reason\":\"nothing to see\"}' WHERE seq = ?1", [seq]).unwrap();
}
