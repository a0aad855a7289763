//! Property tests: ranking is a deterministic total order, and more threat never ranks lower.

use std::collections::HashMap;

use chrono::NaiveDate;
use proptest::prelude::*;
use secureupdate::core::asset::{Asset, Criticality, Environment, Exposure, OsRelease};
use secureupdate::core::cvss_score;
use secureupdate::core::finding::Finding;
use secureupdate::core::policy::Policy;
use secureupdate::core::risk::{RankingContext, ScoredFinding, compare_risk, score_findings};
use secureupdate::core::threat::{CveIntel, Epss, KevEntry, Ssvc, TechnicalImpact, ThreatIntel};

fn default_policy() -> Policy {
    toml::from_str(include_str!("../src/config/templates/policy.toml"))
        .expect("template policy parses")
}

const VECTORS: [&str; 4] = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:N/A:H",
    "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N",
];

#[derive(Debug, Clone)]
struct Case {
    kev: Option<bool>,
    epss: Option<(f64, f64)>,
    cvss: Option<usize>,
    automatable: Option<bool>,
    total: Option<bool>,
    criticality: Criticality,
    exposure: Exposure,
    age_days: u32,
}

fn arb_case() -> impl Strategy<Value = Case> {
    (
        proptest::option::of(any::<bool>()),
        proptest::option::of((0.0f64..=1.0, 0.0f64..=1.0)),
        proptest::option::of(0usize..VECTORS.len()),
        proptest::option::of(any::<bool>()),
        proptest::option::of(any::<bool>()),
        prop_oneof![
            Just(Criticality::Low),
            Just(Criticality::Medium),
            Just(Criticality::High),
            Just(Criticality::Mission)
        ],
        prop_oneof![
            Just(Exposure::Internet),
            Just(Exposure::Internal),
            Just(Exposure::Isolated)
        ],
        0u32..400,
    )
        .prop_map(
            |(kev, epss, cvss, automatable, total, criticality, exposure, age_days)| Case {
                kev,
                epss,
                cvss,
                automatable,
                total,
                criticality,
                exposure,
                age_days,
            },
        )
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 26).expect("valid date")
}

/// One asset and one finding per case, so changing a case touches only its finding.
fn build(
    cases: &[Case],
) -> (
    Vec<Asset>,
    Vec<Finding>,
    ThreatIntel,
    HashMap<secureupdate::core::finding::FindingKey, NaiveDate>,
) {
    let mut assets = Vec::new();
    let mut findings = Vec::new();
    let mut intel = ThreatIntel::default();
    let mut first_seen = HashMap::new();
    for (i, case) in cases.iter().enumerate() {
        let name = format!("host-{i:04}");
        let cve = format!("CVE-2024-{:05}", 10000 + i);
        assets.push(Asset {
            name: name.clone(),
            address: format!("10.0.0.{}", i % 250),
            port: 22,
            user: "patch".into(),
            os: "debian-12".parse::<OsRelease>().expect("os"),
            environment: Environment::Production,
            criticality: case.criticality,
            exposure: case.exposure,
            groups: vec![],
            tags: vec![],
            owner: None,
            last_scan: None,
            packages: vec![],
        });
        let finding = Finding {
            asset: name,
            cve: cve.clone(),
            advisory: format!("DSA-{i}"),
            package: "pkg".into(),
            source_package: "pkg".into(),
            installed: "1.0-1".into(),
            fixed: Some("1.0-2".into()),
        };
        first_seen.insert(
            finding.key(),
            today() - chrono::Days::new(u64::from(case.age_days)),
        );
        findings.push(finding);
        let entry = CveIntel {
            kev: case.kev.map(|ransomware| KevEntry {
                cve: cve.clone(),
                vendor: "v".into(),
                product: "p".into(),
                name: "n".into(),
                date_added: NaiveDate::from_ymd_opt(2024, 1, 1).expect("date"),
                due_date: None,
                ransomware,
            }),
            epss: case
                .epss
                .map(|(score, percentile)| Epss { score, percentile }),
            cvss: case
                .cvss
                .map(|v| cvss_score::score(VECTORS[v]).expect("vector scores")),
            ssvc: Ssvc {
                automatable: case.automatable,
                technical_impact: case.total.map(|t| {
                    if t {
                        TechnicalImpact::Total
                    } else {
                        TechnicalImpact::Partial
                    }
                }),
            },
        };
        intel.by_cve.insert(cve, entry);
    }
    (assets, findings, intel, first_seen)
}

fn ranked_ids(cases: &[Case], policy: &Policy) -> Vec<String> {
    let (assets, findings, intel, first_seen) = build(cases);
    let ctx = RankingContext {
        assets: &assets,
        intel: &intel,
        policy,
        first_seen: &first_seen,
        today: today(),
    };
    let mut scored = score_findings(&findings, &ctx);
    scored.sort_by(|a, b| {
        compare_risk(a, b).then_with(|| findings[a.finding].key().cmp(&findings[b.finding].key()))
    });
    scored
        .iter()
        .map(|s| findings[s.finding].asset.clone())
        .collect()
}

/// How many of the other findings strictly outrank finding `target`.
fn outranked_by(cases: &[Case], target: usize, policy: &Policy) -> usize {
    let (assets, findings, intel, first_seen) = build(cases);
    let ctx = RankingContext {
        assets: &assets,
        intel: &intel,
        policy,
        first_seen: &first_seen,
        today: today(),
    };
    let scored: Vec<ScoredFinding> = score_findings(&findings, &ctx);
    let me = &scored[target];
    scored
        .iter()
        .filter(|other| other.finding != target)
        .filter(|other| {
            compare_risk(other, me)
                .then_with(|| findings[other.finding].key().cmp(&findings[target].key()))
                .is_lt()
        })
        .count()
}

proptest! {
    #[test]
    fn ranking_is_a_deterministic_total_order(cases in proptest::collection::vec(arb_case(), 1..40), seed in any::<u64>()) {
        let policy = default_policy();
        let first = ranked_ids(&cases, &policy);
        // The same findings in another order rank the same way.
        let mut shuffled: Vec<(usize, Case)> = cases.iter().cloned().enumerate().collect();
        let n = shuffled.len();
        let mut state = seed | 1;
        for i in (1..n).rev() {
            state ^= state << 13; state ^= state >> 7; state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        let (assets, findings, intel, first_seen) = build(&cases);
        let ctx = RankingContext { assets: &assets, intel: &intel, policy: &policy, first_seen: &first_seen, today: today() };
        let scored = score_findings(&findings, &ctx);
        let key = |s: &ScoredFinding| findings[s.finding].key();
        let mut by_input_order: Vec<&ScoredFinding> = shuffled.iter().map(|(i, _)| &scored[*i]).collect();
        by_input_order.sort_by(|a, b| compare_risk(a, b).then_with(|| key(a).cmp(&key(b))));
        let reordered: Vec<String> = by_input_order.iter().map(|s| findings[s.finding].asset.clone()).collect();
        prop_assert_eq!(&first, &reordered);
        // Antisymmetry of the comparison with the id tie-break.
        for a in &scored {
            for b in &scored {
                let ab = compare_risk(a, b).then_with(|| key(a).cmp(&key(b)));
                let ba = compare_risk(b, a).then_with(|| key(b).cmp(&key(a)));
                prop_assert_eq!(ab, ba.reverse());
            }
        }
    }

    #[test]
    fn kev_membership_never_lowers_rank(cases in proptest::collection::vec(arb_case(), 1..30), pick in any::<prop::sample::Index>(), ransomware in any::<bool>()) {
        let policy = default_policy();
        let target = pick.index(cases.len());
        prop_assume!(cases[target].kev.is_none());
        let before = outranked_by(&cases, target, &policy);
        let mut changed = cases.clone();
        changed[target].kev = Some(ransomware);
        prop_assert!(outranked_by(&changed, target, &policy) <= before);
    }

    #[test]
    fn higher_epss_never_lowers_rank(cases in proptest::collection::vec(arb_case(), 1..30), pick in any::<prop::sample::Index>(), bump in 0.0f64..=1.0) {
        let policy = default_policy();
        let target = pick.index(cases.len());
        let (score, percentile) = cases[target].epss.unwrap_or((0.0, 0.0));
        let before = outranked_by(&cases, target, &policy);
        let mut changed = cases.clone();
        changed[target].epss = Some(((score + bump).min(1.0), (percentile + bump).min(1.0)));
        prop_assert!(outranked_by(&changed, target, &policy) <= before);
    }

    #[test]
    fn internet_facing_never_lowers_rank(cases in proptest::collection::vec(arb_case(), 1..30), pick in any::<prop::sample::Index>()) {
        let policy = default_policy();
        let target = pick.index(cases.len());
        let before = outranked_by(&cases, target, &policy);
        let mut changed = cases.clone();
        changed[target].exposure = Exposure::Internet;
        prop_assert!(outranked_by(&changed, target, &policy) <= before);
    }
}
