//! Feed bundles in the store: an import is one transaction that the journal hook can still
//! refuse, and the clock floor is the newest `created` of any bundle.

use chrono::NaiveDate;
use secureupdate::adapters::store::{StateStore, StoreError};
use secureupdate::core::feed_bundle::BundleFacts;
use secureupdate::core::threat::{FeedKind, FeedRecords};

use crate::sample::{kev, time};

fn facts(feed_id: &str, seq: u64, created: &str) -> BundleFacts {
    BundleFacts {
        feed_id: feed_id.to_string(),
        seq,
        manifest_sha256: format!("{seq:064x}"),
        created: time(created),
        expires: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
    }
}

#[test]
fn an_import_refused_by_the_journal_hook_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(&dir.path().join("state.db")).unwrap();
    let records = [FeedRecords::Kev(vec![kev("CVE-2024-6387")])];
    let refused = store.import_bundle(
        &facts("f", 1, "2026-11-26T06:00:00Z"),
        &records,
        time("2026-11-26T07:00:00Z"),
        |_| Err("journal full".to_string()),
    );
    assert!(
        matches!(refused, Err(StoreError::Aborted { .. })),
        "{refused:?}"
    );
    assert!(store.bundles().unwrap().is_empty());
    assert!(store.feed_status().unwrap().is_empty());

    let counts = store
        .import_bundle(
            &facts("f", 1, "2026-11-26T06:00:00Z"),
            &records,
            time("2026-11-26T07:00:00Z"),
            |counts| {
                assert_eq!(counts.get(&FeedKind::Kev), Some(&1));
                Ok(())
            },
        )
        .unwrap();
    assert_eq!(counts.len(), 1);
    let last = store.last_bundle("f").unwrap().unwrap();
    assert_eq!((last.seq, last.counts.get(&FeedKind::Kev)), (1, Some(&1)));
    let status = store.feed_status().unwrap();
    assert_eq!(status[0].source, "bundle f seq 1");
}

#[test]
fn the_clock_floor_is_the_newest_created_of_any_feed() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = StateStore::open(&dir.path().join("state.db")).unwrap();
    assert_eq!(store.clock_floor().unwrap(), None);
    for (feed, created) in [("a", "2026-11-20T00:00:00Z"), ("b", "2026-11-25T00:00:00Z")] {
        store
            .import_bundle(&facts(feed, 1, created), &[], time(created), |_| Ok(()))
            .unwrap();
    }
    assert_eq!(
        store.clock_floor().unwrap(),
        Some(time("2026-11-25T00:00:00Z"))
    );
}
