//! Opening state.db: settings, migrations, and files that are not what they should be.

use secureupdate::adapters::store::{StateStore, StoreError};
use secureupdate::core::threat::{FeedKind, FeedRecords};

use crate::sample::{advisory, epss, finding, kev, ssvc, time};

#[test]
fn open_uses_wal_durable_commits_and_foreign_keys() {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(&dir.path().join("state.db")).unwrap();
    let settings = store.settings().unwrap();
    assert_eq!(settings.journal_mode, "wal");
    assert!(settings.synchronous_full);
    assert!(settings.foreign_keys);
    assert_eq!(settings.busy_timeout_ms, 5000);
}

#[test]
fn wal_mode_is_recorded_in_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(StateStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    let mode: String = raw
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
}

#[test]
fn reopening_keeps_data_and_schema_version() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let mut store = StateStore::open(&path).unwrap();
    let version = store.schema_version().unwrap();
    assert!(version >= 2, "both migrations applied, got {version}");
    let records = FeedRecords::Kev(vec![kev("CVE-2024-6387")]);
    store
        .replace_feed(
            "sha256:aa",
            "feeds/kev/kev.json",
            &records,
            time("2026-11-26T06:00:00Z"),
        )
        .unwrap();
    drop(store);

    // A migration that ran twice would fail on CREATE TABLE.
    let store = StateStore::open(&path).unwrap();
    assert_eq!(store.schema_version().unwrap(), version);
    assert_eq!(
        store.feed_fingerprint(FeedKind::Kev).unwrap().as_deref(),
        Some("sha256:aa")
    );
    let intel = store.threat_intel(&[]).unwrap();
    assert!(intel.get("CVE-2024-6387").unwrap().kev.is_some());
}

#[test]
fn a_database_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    drop(StateStore::open(&path).unwrap());
    let raw = rusqlite::Connection::open(&path).unwrap();
    raw.pragma_update(None, "user_version", 99).unwrap();
    drop(raw);

    let error = StateStore::open(&path).unwrap_err();
    assert!(
        matches!(error, StoreError::TooNew { found: 99, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("schema version 99, newer than"),
        "{message}"
    );
    assert!(message.contains("use a newer secureupdate"), "{message}");
}

#[test]
fn a_file_that_is_not_sqlite_is_an_error_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    std::fs::write(&path, "name = \"not a database\"\n".repeat(200)).unwrap();

    let error = StateStore::open(&path).unwrap_err();
    assert!(matches!(error, StoreError::Damaged { .. }), "{error:?}");
    let message = error.to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
    assert!(
        message.contains("is not a SQLite database or is damaged"),
        "{message}"
    );
}

#[test]
fn a_directory_in_place_of_the_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    std::fs::create_dir(&path).unwrap();
    let message = StateStore::open(&path).unwrap_err().to_string();
    assert!(message.contains(&path.display().to_string()), "{message}");
}

/// xorshift64: the same flips on every run, no dependency.
struct Flips(u64);

impl Flips {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn populated_database(path: &std::path::Path) {
    let mut store = StateStore::open(path).unwrap();
    let at = time("2026-11-26T06:00:00Z");
    let advisories: Vec<_> = (0..40)
        .map(|i| advisory(&format!("DSA-{i:04}-1"), &format!("CVE-2026-{i:04}")))
        .collect();
    store
        .replace_feed("osv", "osv", &FeedRecords::Osv(advisories), at)
        .unwrap();
    let kevs = (0..40).map(|i| kev(&format!("CVE-2026-{i:04}"))).collect();
    store
        .replace_feed("kev", "kev", &FeedRecords::Kev(kevs), at)
        .unwrap();
    let scores: Vec<(String, f64)> = (0..400)
        .map(|i| (format!("CVE-2026-{i:04}"), 0.25))
        .collect();
    let scores: Vec<(&str, f64)> = scores.iter().map(|(c, s)| (c.as_str(), *s)).collect();
    store
        .replace_feed("epss", "epss", &epss("v2026.06.15", &scores), at)
        .unwrap();
    store.replace_feed("ssvc", "ssvc", &ssvc(), at).unwrap();
    let findings: Vec<_> = (0..200)
        .map(|i| {
            finding(
                &format!("web-{:02}", i % 10),
                &format!("CVE-2026-{i:04}"),
                "openssl",
            )
        })
        .collect();
    let today = crate::sample::date("2026-11-26");
    store
        .record_findings(&findings, &Default::default(), today)
        .unwrap();
}

/// Exercises every read and a write; any of them may fail on a damaged file.
fn use_store(path: &std::path::Path) -> Result<(), StoreError> {
    let mut store = StateStore::open(path)?;
    let advisories = store.advisories()?;
    store.threat_intel(&advisories)?;
    store.feed_status()?;
    store.feed_fingerprint(FeedKind::Epss)?;
    let today = crate::sample::date("2026-11-27");
    store.record_findings(
        &[finding("web-01", "CVE-2026-0001", "openssl")],
        &Default::default(),
        today,
    )?;
    Ok(())
}

#[test]
fn flipped_bytes_give_errors_or_reads_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.db");
    populated_database(&original);
    let bytes = std::fs::read(&original).unwrap();
    assert!(
        !dir.path().join("original.db-wal").exists(),
        "WAL checkpointed on close"
    );

    let mut flips = Flips(0x5EC0_0DA7_E5EE_D001);
    let mut errors = 0;
    for round in 0..150 {
        let mut damaged = bytes.clone();
        for _ in 0..(1 + flips.next() % 8) {
            let at = (flips.next() % damaged.len() as u64) as usize;
            damaged[at] ^= (1 + flips.next() % 255) as u8;
        }
        let path = dir.path().join(format!("state-{round}.db"));
        std::fs::write(&path, &damaged).unwrap();
        if let Err(error) = use_store(&path) {
            errors += 1;
            assert!(
                error.to_string().contains(&path.display().to_string()),
                "{error}"
            );
        }
    }
    assert!(errors > 0, "some flips hit pages the store reads");
}
