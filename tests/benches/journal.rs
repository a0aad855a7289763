//! Journal throughput: durable signed decisions, batched machine events, and verifying a
//! journal of 1,000,000 entries (one signed decision per 1,000). Targets (issue 3): ≥ 300
//! decisions/s, ≥ 50,000 events/s, 1M entries verified in under 3 s.

use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use secureupdate::adapters::journal::{
    Journal, OperatorSigner, generate_keypair, load_public_key, verify_journal, write_keypair,
};
use secureupdate::core::journal::{EntryKind, NewEntry};
use serde_json::json;

const BATCH: usize = 1_000;
const LARGE: u64 = 1_000_000;

fn entry(n: u64, kind: EntryKind) -> NewEntry {
    let ts = Utc.with_ymd_and_hms(2026, 11, 20, 2, 0, 0).unwrap()
        + chrono::Duration::milliseconds(n as i64);
    let payload = json!({"sha256": format!("{n:064x}"), "exit_code": n % 3, "host": format!("web-{:02}", n % 40)});
    NewEntry::new(ts, "alice", kind, "plan 9f86d081", &payload).unwrap()
}

fn setup(dir: &std::path::Path) -> (Journal, OperatorSigner) {
    let pair = generate_keypair(None).unwrap();
    write_keypair(&pair, &dir.join("alice.pub"), &dir.join("alice.key")).unwrap();
    let signer = OperatorSigner::load("alice", &dir.join("alice.key"), None).unwrap();
    (Journal::create(&dir.join("journal.db")).unwrap(), signer)
}

fn journal_benches(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let (mut journal, alice) = setup(dir.path());
    let mut n = 0u64;

    let mut group = c.benchmark_group("journal_append");
    group.throughput(Throughput::Elements(1));
    group.bench_function("durable_signed_decision", |b| {
        b.iter(|| {
            n += 1;
            journal
                .append_decision(&entry(n, EntryKind::Proceed), &alice)
                .unwrap()
        })
    });
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("machine_events_batch_of_1000", |b| {
        b.iter(|| {
            let batch: Vec<NewEntry> = (0..BATCH as u64)
                .map(|i| entry(n + i, EntryKind::OutputDigest))
                .collect();
            n += BATCH as u64;
            journal.append_events(&batch).unwrap()
        })
    });
    group.finish();

    let large = tempfile::tempdir().unwrap();
    let (mut journal, alice) = setup(large.path());
    let mut written = 0u64;
    while written < LARGE {
        journal
            .append_decision(&entry(written, EntryKind::Approve), &alice)
            .unwrap();
        let batch: Vec<NewEntry> = (1..1_000)
            .map(|i| entry(written + i, EntryKind::OutputDigest))
            .collect();
        journal.append_events(&batch).unwrap();
        written += 1_000;
    }
    drop(journal);
    let trusted = vec![(
        "alice".to_string(),
        load_public_key(&large.path().join("alice.pub")).unwrap(),
    )];
    let db = large.path().join("journal.db");
    let checkpoints = large.path().join("checkpoints");
    let mut group = c.benchmark_group("journal_verify");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(30))
        .throughput(Throughput::Elements(LARGE));
    group.bench_function("verify_1m_entries", |b| {
        b.iter(|| {
            let report = verify_journal(&db, &checkpoints, &trusted, None).unwrap();
            assert!(report.ok && report.size == LARGE);
        })
    });
    group.finish();
}

criterion_group!(benches, journal_benches);
criterion_main!(benches);
