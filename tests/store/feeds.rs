//! Threat data: each kind round-trips, replacement is wholesale and all or nothing.

use secureupdate::adapters::store::{StateStore, StoreError};
use secureupdate::core::threat::{Epss, FeedKind, FeedRecords, Ssvc, TechnicalImpact};

use crate::sample::{advisory, date, epss, kev, ssvc, time};

fn open() -> (tempfile::TempDir, StateStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(&dir.path().join("state.db")).unwrap();
    (dir, store)
}

#[test]
fn a_new_store_has_no_feeds() {
    let (_dir, store) = open();
    assert!(store.feed_status().unwrap().is_empty());
    for kind in FeedKind::ALL {
        assert_eq!(store.feed_fingerprint(kind).unwrap(), None);
    }
    assert!(store.advisories().unwrap().is_empty());
    assert!(store.threat_intel(&[]).unwrap().by_cve.is_empty());
}

#[test]
fn kev_round_trip_and_status() {
    let (_dir, mut store) = open();
    let entries = vec![kev("CVE-2024-6381"), kev("CVE-2024-6387")];
    let loaded_at = time("2026-11-26T06:40:00.123Z");
    store
        .replace_feed(
            "sha256:k1",
            "feeds/kev/kev.json",
            &FeedRecords::Kev(entries.clone()),
            loaded_at,
        )
        .unwrap();

    let intel = store.threat_intel(&[]).unwrap();
    for entry in &entries {
        assert_eq!(intel.get(&entry.cve).unwrap().kev.as_ref(), Some(entry));
    }
    let status = store.feed_status().unwrap();
    assert_eq!(status.len(), 1);
    assert_eq!(status[0].kind, FeedKind::Kev);
    assert_eq!(status[0].fingerprint, "sha256:k1");
    assert_eq!(status[0].source, "feeds/kev/kev.json");
    assert_eq!(status[0].loaded_at, loaded_at);
    assert_eq!(status[0].records, 2);
    assert_eq!(status[0].epss_model_version, None);
}

#[test]
fn epss_round_trip_keeps_model_version_and_score_date() {
    let (_dir, mut store) = open();
    let records = epss(
        "v2026.06.15",
        &[("CVE-2024-6387", 0.94), ("CVE-2023-0002", 0.0004)],
    );
    store
        .replace_feed(
            "sha256:e1",
            "epss.csv",
            &records,
            time("2026-11-26T07:00:00Z"),
        )
        .unwrap();

    let intel = store.threat_intel(&[]).unwrap();
    let score = intel.get("CVE-2024-6387").unwrap().epss.unwrap();
    assert_eq!(
        score,
        Epss {
            score: 0.94,
            percentile: 0.5
        }
    );
    assert_eq!(
        intel.get("CVE-2023-0002").unwrap().epss.unwrap().score,
        0.0004
    );
    let status = &store.feed_status().unwrap()[0];
    assert_eq!(status.kind, FeedKind::Epss);
    assert_eq!(status.epss_model_version.as_deref(), Some("v2026.06.15"));
    assert_eq!(status.epss_score_date, Some(date("2026-11-25")));
    assert_eq!(status.records, 2);
}

#[test]
fn ssvc_round_trip_keeps_unknown_decision_points() {
    let (_dir, mut store) = open();
    store
        .replace_feed(
            "sha256:s1",
            "vulnrichment",
            &ssvc(),
            time("2026-11-26T07:00:00Z"),
        )
        .unwrap();

    let intel = store.threat_intel(&[]).unwrap();
    let total = Ssvc {
        automatable: Some(true),
        technical_impact: Some(TechnicalImpact::Total),
    };
    assert_eq!(intel.get("CVE-2024-6387").unwrap().ssvc, total);
    let partial = Ssvc {
        automatable: Some(false),
        technical_impact: Some(TechnicalImpact::Partial),
    };
    assert_eq!(intel.get("CVE-2023-0002").unwrap().ssvc, partial);
    assert_eq!(intel.get("CVE-2023-0003").unwrap().ssvc, Ssvc::default());
}

#[test]
fn osv_round_trip_in_id_order_and_feeds_cvss() {
    let (_dir, mut store) = open();
    let advisories = vec![
        advisory("DSA-5724-1", "CVE-2024-6387"),
        advisory("DLA-0001-1", "CVE-2023-0002"),
    ];
    store
        .replace_feed(
            "sha256:o1",
            "feeds/osv",
            &FeedRecords::Osv(advisories.clone()),
            time("2026-11-26T07:00:00Z"),
        )
        .unwrap();

    let stored = store.advisories().unwrap();
    assert_eq!(stored, vec![advisories[1].clone(), advisories[0].clone()]);
    let intel = store.threat_intel(&stored).unwrap();
    let cvss = intel.get("CVE-2024-6387").unwrap().cvss.as_ref().unwrap();
    assert_eq!(cvss.base, 8.1, "{cvss:?}");
}

#[test]
fn replacing_a_kind_drops_its_old_rows_and_leaves_other_kinds() {
    let (_dir, mut store) = open();
    let at = time("2026-11-26T07:00:00Z");
    let old = FeedRecords::Kev(vec![kev("CVE-2024-0001"), kev("CVE-2024-0002")]);
    store
        .replace_feed("sha256:old", "old.json", &old, at)
        .unwrap();
    store
        .replace_feed(
            "sha256:e",
            "epss.csv",
            &epss("v1", &[("CVE-2024-0001", 0.5)]),
            at,
        )
        .unwrap();
    store
        .replace_feed(
            "sha256:oa",
            "osv",
            &FeedRecords::Osv(vec![advisory("DSA-1", "CVE-2024-0001")]),
            at,
        )
        .unwrap();

    let new = FeedRecords::Kev(vec![kev("CVE-2024-0003")]);
    store
        .replace_feed("sha256:new", "new.json", &new, time("2026-11-27T07:00:00Z"))
        .unwrap();
    store
        .replace_feed(
            "sha256:ob",
            "osv",
            &FeedRecords::Osv(vec![advisory("DSA-2", "CVE-2024-0002")]),
            at,
        )
        .unwrap();

    let intel = store.threat_intel(&[]).unwrap();
    assert!(intel.get("CVE-2024-0001").unwrap().kev.is_none());
    assert!(intel.get("CVE-2024-0002").is_none());
    assert!(intel.get("CVE-2024-0003").unwrap().kev.is_some());
    assert_eq!(intel.get("CVE-2024-0001").unwrap().epss.unwrap().score, 0.5);
    let ids: Vec<String> = store
        .advisories()
        .unwrap()
        .into_iter()
        .map(|a| a.id)
        .collect();
    assert_eq!(ids, ["DSA-2"]);
    assert_eq!(
        store.feed_fingerprint(FeedKind::Kev).unwrap().as_deref(),
        Some("sha256:new")
    );
    let kev_status = store
        .feed_status()
        .unwrap()
        .into_iter()
        .find(|s| s.kind == FeedKind::Kev)
        .unwrap();
    assert_eq!(kev_status.records, 1);
    assert_eq!(kev_status.loaded_at, time("2026-11-27T07:00:00Z"));
}

#[test]
fn a_failed_replace_leaves_the_previous_data() {
    let (_dir, mut store) = open();
    let at = time("2026-11-26T07:00:00Z");
    let good = vec![advisory("DSA-1", "CVE-2024-0001")];
    store
        .replace_feed("sha256:good", "osv", &FeedRecords::Osv(good.clone()), at)
        .unwrap();

    let duplicated = vec![
        advisory("DSA-2", "CVE-2024-0002"),
        advisory("DSA-3", "CVE-2024-0003"),
        advisory("DSA-2", "CVE-2024-0002"),
    ];
    let error = store
        .replace_feed("sha256:bad", "osv", &FeedRecords::Osv(duplicated), at)
        .unwrap_err();
    assert!(matches!(error, StoreError::Record { .. }), "{error:?}");
    assert!(error.to_string().contains("osv record DSA-2"), "{error}");

    assert_eq!(store.advisories().unwrap(), good);
    assert_eq!(
        store.feed_fingerprint(FeedKind::Osv).unwrap().as_deref(),
        Some("sha256:good")
    );
    assert_eq!(store.feed_status().unwrap()[0].records, 1);
}

#[test]
fn an_epss_score_that_is_not_a_probability_is_refused() {
    let (_dir, mut store) = open();
    let at = time("2026-11-26T07:00:00Z");
    store
        .replace_feed(
            "sha256:e1",
            "epss.csv",
            &epss("v1", &[("CVE-2024-0001", 0.5)]),
            at,
        )
        .unwrap();

    for bad in [f64::NAN, 1.5, -0.1] {
        let records = epss("v2", &[("CVE-2024-0002", 0.1), ("CVE-2024-0003", bad)]);
        let error = store
            .replace_feed("sha256:e2", "epss.csv", &records, at)
            .unwrap_err();
        assert!(
            error.to_string().contains("epss record CVE-2024-0003"),
            "{error}"
        );
    }
    let intel = store.threat_intel(&[]).unwrap();
    assert_eq!(intel.by_cve.len(), 1);
    assert_eq!(
        store.feed_status().unwrap()[0]
            .epss_model_version
            .as_deref(),
        Some("v1")
    );
}

#[test]
fn a_hostile_record_id_is_made_printable_in_the_error() {
    let (_dir, mut store) = open();
    let at = time("2026-11-26T07:00:00Z");
    let id = "CVE-\u{1b}[2J\u{202e}X";
    let records = FeedRecords::Kev(vec![kev(id), kev(id)]);
    let message = store
        .replace_feed("f", "kev.json", &records, at)
        .unwrap_err()
        .to_string();
    assert!(message.contains("kev record CVE-?[2J?X"), "{message}");
    assert!(!message.contains('\u{1b}'));
}
