//! Chain rules over in-memory rows, with a stand-in signature checker.

use chrono::{TimeZone, Utc};
use serde_json::json;

use super::chain::{ChainHash, Head, JournalId, entry_hash, genesis_prev};
use super::claims::check_claim;
use super::entry::{EntryKind, NewEntry, canonical_entry_bytes};
use super::report::ProblemKind;
use super::verify::{ChainSummary, ChainVerifier, SignatureChecker, SignatureVerdict, StoredRow};

const ID: JournalId = JournalId([7; 16]);

/// Accepts the signature text "ok", calls "stranger" unknown and anything else invalid.
struct Checker;

impl SignatureChecker for Checker {
    fn check(&mut self, _operator: &str, _statement: &[u8], signature: &str) -> SignatureVerdict {
        match signature {
            "ok" => SignatureVerdict::Valid,
            "stranger" => SignatureVerdict::UnknownSigner {
                key_id: "00".into(),
            },
            _ => SignatureVerdict::Invalid {
                reason: "bad".into(),
            },
        }
    }
    fn rotate(&mut self, _operator: &str, _payload: &str) -> Result<(), String> {
        Ok(())
    }
}

fn chain(kinds: &[EntryKind]) -> Vec<StoredRow> {
    let mut prev = genesis_prev(ID);
    let mut rows = Vec::new();
    for (index, kind) in kinds.iter().enumerate() {
        let seq = index as u64 + 1;
        let ts = Utc.timestamp_opt(1_800_000_000 + seq as i64, 0).unwrap();
        let entry = NewEntry::new(ts, "alice", *kind, "web-01", &json!({"n": seq})).unwrap();
        let hash = entry_hash(ID, seq, &prev, &entry.canonical_bytes());
        rows.push(StoredRow {
            seq: seq as i64,
            ts: entry.ts().to_string(),
            operator: "alice".into(),
            kind: kind.as_str().into(),
            subject: "web-01".into(),
            payload: entry.payload().into(),
            prev: prev.0.to_vec(),
            hash: hash.0.to_vec(),
            sig: kind.is_decision().then(|| "ok".to_string()),
        });
        prev = hash;
    }
    rows
}

fn events(n: usize) -> Vec<StoredRow> {
    chain(&vec![EntryKind::StepStarted; n])
}

fn run(rows: &[StoredRow], wanted: &[u64]) -> ChainSummary {
    let mut checker = Checker;
    let mut verifier = ChainVerifier::new(ID, &mut checker, wanted.iter().copied());
    rows.iter().for_each(|row| verifier.push(row));
    verifier.finish()
}

fn first(rows: &[StoredRow]) -> (u64, ProblemKind) {
    let summary = run(rows, &[]);
    let problem = summary.problems.first().expect("a problem");
    (problem.seq, problem.kind)
}

#[test]
fn an_intact_chain_has_no_problems_and_its_head_is_the_last_hash() {
    let rows = chain(&[EntryKind::Approve, EntryKind::StepStarted, EntryKind::Note]);
    let summary = run(&rows, &[2]);
    assert!(summary.problems.is_empty(), "{:?}", summary.problems);
    assert_eq!(summary.head.size, 3);
    assert_eq!(summary.head.hash.0.to_vec(), rows[2].hash);
    assert_eq!(summary.hashes_at[&2].0.to_vec(), rows[1].hash);
    assert_eq!(
        summary.pinned.iter().copied().collect::<Vec<_>>(),
        vec![1, 3]
    );
}

#[test]
fn each_kind_of_damage_is_named_at_its_first_entry() {
    let mut edited = events(6);
    edited[2].subject = "web-02".into();
    assert_eq!(first(&edited), (3, ProblemKind::Edited));

    let mut gap = events(6);
    gap.remove(3);
    assert_eq!(first(&gap), (4, ProblemKind::Missing));

    let mut swapped = events(6);
    swapped.swap(2, 3);
    (swapped[2].seq, swapped[3].seq) = (3, 4);
    assert_eq!(first(&swapped), (3, ProblemKind::Reordered));

    let mut out_of_order = events(6);
    out_of_order.swap(2, 3);
    assert_eq!(
        first(&out_of_order),
        (3, ProblemKind::Missing),
        "seq 4 arrives where 3 is due"
    );

    let mut foreign = events(6);
    foreign[4].hash = vec![9; 32];
    foreign[4].prev = vec![9; 32];
    assert_eq!(first(&foreign), (5, ProblemKind::Foreign));

    let mut short = events(3);
    short[1].hash = vec![1; 5];
    assert_eq!(first(&short), (2, ProblemKind::Edited));

    for bad_seq in [-4, 0] {
        let mut rows = events(2);
        rows[0].seq = bad_seq;
        assert_eq!(first(&rows), (0, ProblemKind::Edited));
    }
}

#[test]
fn unknown_kinds_and_bad_timestamps_are_edits_even_with_a_matching_hash() {
    for (field, value) in [
        ("kind", "launch_missiles"),
        ("ts", "2026-13-01T00:00:00.000Z"),
    ] {
        let mut rows = events(1);
        match field {
            "kind" => rows[0].kind = value.into(),
            _ => rows[0].ts = value.into(),
        }
        let canonical = canonical_entry_bytes(
            &rows[0].ts,
            &rows[0].operator,
            &rows[0].kind,
            &rows[0].subject,
            &rows[0].payload,
        );
        rows[0].hash = entry_hash(ID, 1, &genesis_prev(ID), &canonical).0.to_vec();
        assert_eq!(first(&rows), (1, ProblemKind::Edited), "{field}");
    }
}

#[test]
fn signatures_are_required_on_decisions_and_checked_when_present() {
    let mut rows = chain(&[EntryKind::Approve, EntryKind::Skip, EntryKind::StepStarted]);
    rows[0].sig = None;
    rows[1].sig = Some("stranger".into());
    rows[2].sig = Some("forged".into());
    let kinds: Vec<_> = run(&rows, &[])
        .problems
        .iter()
        .map(|p| (p.seq, p.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (1, ProblemKind::BadSignature),
            (2, ProblemKind::UnknownSigner),
            (3, ProblemKind::BadSignature)
        ]
    );
}

#[test]
fn claims_beyond_the_end_are_truncation_and_wrong_heads_are_located_after_the_last_pin() {
    let rows = chain(&[
        EntryKind::StepStarted,
        EntryKind::Approve,
        EntryKind::StepStarted,
        EntryKind::StepStarted,
    ]);
    let mut summary = run(&rows, &[4]);
    let beyond = check_claim(
        &mut summary,
        Head {
            size: 9,
            hash: ChainHash([0; 32]),
        },
        "anchor",
    )
    .unwrap();
    assert_eq!((beyond.seq, beyond.kind), (5, ProblemKind::Truncated));
    let wrong = check_claim(
        &mut summary,
        Head {
            size: 4,
            hash: ChainHash([0; 32]),
        },
        "anchor",
    )
    .unwrap();
    assert_eq!(
        (wrong.seq, wrong.kind),
        (3, ProblemKind::Edited),
        "entry 2's signature pins 1..=2"
    );
    let head = summary.head;
    assert_eq!(check_claim(&mut summary, head, "anchor"), None);
    let empty = check_claim(
        &mut summary,
        Head {
            size: 0,
            hash: genesis_prev(ID),
        },
        "anchor",
    );
    assert_eq!(empty, None, "size 0 is the genesis");
}
