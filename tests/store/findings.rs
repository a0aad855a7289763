//! Findings across scans: first-seen dates survive, fixed findings go, returning ones start again.

use std::collections::HashMap;

use chrono::NaiveDate;
use secureupdate::adapters::store::StateStore;
use secureupdate::core::finding::{Finding, FindingKey};

use crate::sample::{date, finding};

fn observed(entries: &[(&str, &str)]) -> HashMap<String, NaiveDate> {
    entries
        .iter()
        .map(|(asset, day)| (asset.to_string(), date(day)))
        .collect()
}

fn first_seen(dates: &HashMap<FindingKey, NaiveDate>, f: &Finding) -> NaiveDate {
    dates[&f.key()]
}

fn open() -> (tempfile::TempDir, StateStore) {
    let dir = tempfile::tempdir().unwrap();
    let store = StateStore::open(&dir.path().join("state.db")).unwrap();
    (dir, store)
}

#[test]
fn a_new_finding_dates_from_its_package_list_else_today() {
    let (_dir, mut store) = open();
    let scanned = finding("web-01", "CVE-2024-6387", "openssh-server");
    let unscanned = finding("db-01", "CVE-2024-6387", "openssh-server");
    let dates = store
        .record_findings(
            &[scanned.clone(), unscanned.clone()],
            &observed(&[("web-01", "2026-11-20")]),
            date("2026-11-26"),
        )
        .unwrap();
    assert_eq!(dates.len(), 2);
    assert_eq!(first_seen(&dates, &scanned), date("2026-11-20"));
    assert_eq!(first_seen(&dates, &unscanned), date("2026-11-26"));
}

#[test]
fn the_earliest_first_seen_is_kept_across_calls_and_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.db");
    let f = finding("web-01", "CVE-2024-6387", "openssh-server");
    let today = date("2026-11-26");

    let mut store = StateStore::open(&path).unwrap();
    store
        .record_findings(
            std::slice::from_ref(&f),
            &observed(&[("web-01", "2026-11-10")]),
            today,
        )
        .unwrap();
    drop(store);

    let mut store = StateStore::open(&path).unwrap();
    let later = store
        .record_findings(
            std::slice::from_ref(&f),
            &observed(&[("web-01", "2026-11-20")]),
            today,
        )
        .unwrap();
    assert_eq!(first_seen(&later, &f), date("2026-11-10"));

    // An older package list shows the finding was there even earlier.
    let older = store
        .record_findings(
            std::slice::from_ref(&f),
            &observed(&[("web-01", "2026-11-05")]),
            today,
        )
        .unwrap();
    assert_eq!(first_seen(&older, &f), date("2026-11-05"));
}

#[test]
fn a_fixed_finding_is_forgotten_and_starts_afresh_when_it_returns() {
    let (_dir, mut store) = open();
    let stays = finding("web-01", "CVE-2024-6387", "openssh-server");
    let fixed = finding("web-01", "CVE-2023-0002", "openssl");
    let today = date("2026-11-26");

    store
        .record_findings(
            &[stays.clone(), fixed.clone()],
            &observed(&[("web-01", "2026-11-10")]),
            today,
        )
        .unwrap();
    let dates = store
        .record_findings(
            std::slice::from_ref(&stays),
            &observed(&[("web-01", "2026-11-15")]),
            today,
        )
        .unwrap();
    assert_eq!(dates.len(), 1);

    let dates = store
        .record_findings(
            &[stays.clone(), fixed.clone()],
            &observed(&[("web-01", "2026-11-20")]),
            today,
        )
        .unwrap();
    assert_eq!(first_seen(&dates, &stays), date("2026-11-10"));
    assert_eq!(first_seen(&dates, &fixed), date("2026-11-20"));
}

#[test]
fn an_asset_observed_clean_loses_its_findings_and_unmentioned_assets_keep_theirs() {
    let (_dir, mut store) = open();
    let web = finding("web-01", "CVE-2024-6387", "openssh-server");
    let db = finding("db-01", "CVE-2024-6387", "openssh-server");
    let first = observed(&[("web-01", "2026-11-10"), ("db-01", "2026-11-10")]);
    store
        .record_findings(&[web.clone(), db.clone()], &first, date("2026-11-10"))
        .unwrap();

    // web-01 was rescanned and has nothing left; db-01 was not part of this call.
    store
        .record_findings(
            &[],
            &observed(&[("web-01", "2026-11-15")]),
            date("2026-11-15"),
        )
        .unwrap();

    let again = observed(&[("web-01", "2026-11-20"), ("db-01", "2026-11-20")]);
    let dates = store
        .record_findings(&[web.clone(), db.clone()], &again, date("2026-11-20"))
        .unwrap();
    assert_eq!(first_seen(&dates, &web), date("2026-11-20"));
    assert_eq!(first_seen(&dates, &db), date("2026-11-10"));
}

#[test]
fn the_same_finding_from_two_advisories_is_one_finding() {
    let (_dir, mut store) = open();
    let from_dsa = finding("web-01", "CVE-2024-6387", "openssh-server");
    let from_dla = Finding {
        advisory: "DLA-3842-1".to_string(),
        ..from_dsa.clone()
    };
    let dates = store
        .record_findings(
            &[from_dsa.clone(), from_dla],
            &observed(&[("web-01", "2026-11-10")]),
            date("2026-11-26"),
        )
        .unwrap();
    assert_eq!(dates.len(), 1);
    assert_eq!(first_seen(&dates, &from_dsa), date("2026-11-10"));
}

#[test]
fn a_date_outside_four_digit_years_is_refused_and_nothing_is_written() {
    let (_dir, mut store) = open();
    let f = finding("web-01", "CVE-2024-6387", "openssh-server");
    let far = HashMap::from([(
        "web-01".to_string(),
        NaiveDate::from_ymd_opt(12026, 1, 1).unwrap(),
    )]);
    let error = store
        .record_findings(std::slice::from_ref(&f), &far, date("2026-11-26"))
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("finding record web-01 CVE-2024-6387 openssh-server"),
        "{error}"
    );

    let dates = store
        .record_findings(
            std::slice::from_ref(&f),
            &observed(&[("web-01", "2026-11-20")]),
            date("2026-11-26"),
        )
        .unwrap();
    assert_eq!(first_seen(&dates, &f), date("2026-11-20"));
}

#[test]
fn a_hundred_thousand_findings_in_one_call() {
    let (_dir, mut store) = open();
    let findings: Vec<Finding> = (0..100_000)
        .map(|i| {
            finding(
                &format!("host-{:04}", i % 1000),
                &format!("CVE-2026-{i:06}"),
                "openssl",
            )
        })
        .collect();
    let dates = store
        .record_findings(&findings, &HashMap::new(), date("2026-11-26"))
        .unwrap();
    assert_eq!(dates.len(), 100_000);

    let half = &findings[..50_000];
    let dates = store
        .record_findings(half, &HashMap::new(), date("2026-11-27"))
        .unwrap();
    assert_eq!(dates.len(), 50_000);
    assert!(dates.values().all(|d| *d == date("2026-11-26")));
}
