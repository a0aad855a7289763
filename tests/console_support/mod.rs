//! A synthetic fleet for console tests and benchmarks: deterministic, any size.
#![allow(dead_code)]

use chrono::{DateTime, Days, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use secureupdate::app::fleet::{AssetRow, CveRow, Fleet, PatchRow, RolloutSummary, SiteFacts};
use secureupdate::core::asset::{Criticality, Environment, Exposure};
use secureupdate::core::policy::{MaintenanceWindow, PriorityClass};

pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
}

/// Thursday 2026-11-20, 12:00 UTC.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap()
}

/// `patches` pending patches on `assets` assets; patch `i` is on assets `i, i+1, .. i+i%4`.
pub fn fleet(patches: usize, assets: usize) -> Fleet {
    let classes = PriorityClass::ALL;
    let patch_rows: Vec<PatchRow> = (0..patches)
        .map(|i| {
            let class = classes[(i * classes.len()) / patches.max(1)];
            let due = today()
                .checked_add_days(Days::new((i % 30) as u64))
                .unwrap()
                .checked_sub_days(Days::new(10))
                .unwrap();
            let on: Vec<usize> = (0..=(i % 4))
                .map(|k| (i + k) % assets.max(1))
                .filter(|_| assets > 0)
                .collect();
            PatchRow {
                rank: i + 1,
                id: format!("pkg{i}=1.{i}-1+deb12u1"),
                title: format!("pkg{i} update (DSA-{i}-1)"),
                os: "debian-12".to_string(),
                class,
                sla_days: 14,
                first_seen: due.checked_sub_days(Days::new(14)).unwrap(),
                due,
                overdue: due < today(),
                kev: i % 3 == 0,
                ransomware: i % 6 == 0,
                epss: (i % 5 != 4).then(|| 1.0 - (i % 100) as f64 / 100.0),
                cvss: (i % 7 != 6).then(|| 9.8 - (i % 50) as f64 / 10.0),
                packages: vec![(format!("pkg{i}"), format!("1.{i}-1+deb12u1"))],
                cves: vec![CveRow {
                    id: format!("CVE-2024-{:05}", i),
                    kev: i % 3 == 0,
                    ransomware: i % 6 == 0,
                    epss: Some(0.5),
                    cvss: Some(9.8),
                }],
                assets: on,
                reasons: vec![
                    format!("worst finding CVE-2024-{i:05}"),
                    "internet-facing".into(),
                ],
                definition: (i == 0).then(|| "pkg0-fix".to_string()),
            }
        })
        .collect();
    let mut asset_patches: Vec<Vec<usize>> = vec![Vec::new(); assets];
    for (p, row) in patch_rows.iter().enumerate() {
        for &a in &row.assets {
            asset_patches[a].push(p);
        }
    }
    let asset_rows: Vec<AssetRow> = asset_patches
        .into_iter()
        .enumerate()
        .map(|(i, patches)| AssetRow {
            rank: i + 1,
            name: format!("host-{i:05}"),
            address: format!("10.{}.{}.{}", i / 65536 % 256, i / 256 % 256, i % 256),
            os: "debian-12".to_string(),
            environment: if i % 10 == 0 {
                Environment::Staging
            } else {
                Environment::Production
            },
            criticality: [Criticality::Mission, Criticality::High, Criticality::Medium][i % 3],
            exposure: [Exposure::Internet, Exposure::Internal, Exposure::Isolated][i % 3],
            groups: vec!["web".to_string()],
            owner: None,
            last_scan: today().checked_sub_days(Days::new((i % 9) as u64)),
            worst: patches
                .first()
                .map(|&p| (patch_rows[p].class, patch_rows[p].due)),
            overdue: patches.first().is_some_and(|&p| patch_rows[p].overdue),
            patches,
            reasons: vec!["no pending patches".to_string()],
        })
        .collect();
    Fleet {
        site: SiteFacts {
            name: "Synthetic fleet".to_string(),
            operator: Some("alice".to_string()),
            feeds_loaded_at: Some(now() - chrono::Duration::hours(3)),
            feed_bundle: None,
            windows: vec![MaintenanceWindow {
                name: "weekend".to_string(),
                days: vec![Weekday::Sat, Weekday::Sun],
                start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
                duration_minutes: 240,
                environments: vec![Environment::Production],
            }],
            rollout: RolloutSummary {
                waves: vec!["1".into(), "10%".into(), "100%".into()],
                concurrency: 5,
                max_fail_percentage: 10,
                approval_for: vec![PriorityClass::Critical],
                two_person: true,
            },
        },
        today: today(),
        patches: patch_rows,
        assets: asset_rows,
    }
}

/// A console at 80x24 on a synthetic fleet of `patches` patches and `assets` assets.
pub fn model(patches: usize, assets: usize) -> secureupdate::app::Model {
    secureupdate::app::Model::new(
        fleet(patches, assets),
        secureupdate::app::keymap::Keymap::default(),
        now(),
        80,
        24,
    )
}

/// Presses the key of `command`.
pub fn run(
    model: &mut secureupdate::app::Model,
    command: secureupdate::app::keymap::Command,
) -> Vec<secureupdate::app::Effect> {
    secureupdate::app::update(model, secureupdate::app::Action::Command(command))
}
