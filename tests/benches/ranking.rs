//! Ranking at fleet scale: 10,000 assets × 1,500 installed packages against 20,000
//! advisories, and re-ranking ~100,000 findings after a policy change.
//! Targets (2-core machine): full ranking under 2 s and 1 GiB peak; re-rank under 100 ms.

use std::collections::HashMap;
use std::hint::black_box;
use std::sync::Arc;

use chrono::NaiveDate;
use criterion::{Criterion, criterion_group, criterion_main};
use secureupdate::core::advisory::{Advisory, AffectedPackage, CveVector, VersionRange};
use secureupdate::core::asset::{
    Asset, Criticality, Distro, Environment, Exposure, InstalledPackage, OsRelease,
};
use secureupdate::core::finding::{AdvisoryIndex, Finding, FindingKey};
use secureupdate::core::patch::group_pending;
use secureupdate::core::policy::{Policy, PriorityClass};
use secureupdate::core::risk::{RankingContext, rank_assets, rank_patches, score_findings};
use secureupdate::core::threat::{Epss, KevEntry, Ssvc, TechnicalImpact, ThreatIntel};

const ASSETS: usize = 10_000;
const PACKAGES_PER_ASSET: usize = 1_500;
const PACKAGE_UNIVERSE: usize = 3_000;
const ADVISORIES: usize = 20_000;
const VERSIONS: usize = 9;

const OSES: [(Distro, &str); 3] = [
    (Distro::Debian, "12"),
    (Distro::Ubuntu, "22.04"),
    (Distro::Rhel, "9"),
];
const VECTORS: [&str; 3] = [
    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
    "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:L/I:L/A:N",
];

/// A small deterministic generator, so every run benchmarks the same fleet.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn version(os: usize, v: usize) -> String {
    match OSES[os].0 {
        Distro::Rhel => format!("0:1.{v}-1.el9"),
        _ => format!("1.{v}-1"),
    }
}

struct Fleet {
    assets: Vec<Asset>,
    advisories: Vec<Advisory>,
    intel: ThreatIntel,
    policy: Policy,
}

fn policy() -> Policy {
    toml::from_str(include_str!("../../src/config/templates/policy.toml"))
        .expect("template policy parses")
}

fn generate() -> Fleet {
    let mut rng = SplitMix(42);
    let names: Vec<Arc<String>> = (0..PACKAGE_UNIVERSE)
        .map(|i| Arc::new(format!("pkg{i:05}")))
        .collect();
    let versions: Vec<Vec<Arc<String>>> = (0..OSES.len())
        .map(|os| (0..VERSIONS).map(|v| Arc::new(version(os, v))).collect())
        .collect();
    let criticalities = [
        Criticality::Low,
        Criticality::Medium,
        Criticality::High,
        Criticality::Mission,
    ];
    let exposures = [Exposure::Internet, Exposure::Internal, Exposure::Isolated];
    let assets = (0..ASSETS)
        .map(|i| {
            let os = i % OSES.len();
            let start = rng.below(PACKAGE_UNIVERSE);
            let packages = (0..PACKAGES_PER_ASSET)
                .map(|k| {
                    // Most packages are current; one in 250 lags behind.
                    let v = if rng.below(250) == 0 {
                        rng.below(VERSIONS - 1)
                    } else {
                        VERSIONS - 1
                    };
                    InstalledPackage {
                        name: Arc::clone(&names[(start + k) % PACKAGE_UNIVERSE]),
                        version: Arc::clone(&versions[os][v]),
                        source: None,
                    }
                })
                .collect();
            Asset {
                name: format!("host-{i:05}"),
                address: format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256),
                port: 22,
                user: "patch".into(),
                os: OsRelease {
                    distro: OSES[os].0,
                    release: OSES[os].1.to_string(),
                },
                environment: if i % 10 == 0 {
                    Environment::Staging
                } else {
                    Environment::Production
                },
                criticality: criticalities[rng.below(4)],
                exposure: exposures[rng.below(3)],
                groups: vec![format!("group{}", i % 20)],
                tags: vec![],
                owner: None,
                last_scan: None,
                packages,
            }
        })
        .collect();
    let mut intel = ThreatIntel::default();
    let advisories = (0..ADVISORIES)
        .map(|i| {
            let os = rng.below(OSES.len());
            let cves: Vec<String> = (0..1 + rng.below(2))
                .map(|k| format!("CVE-2025-{:05}", i * 2 + k))
                .collect();
            for cve in &cves {
                let entry = intel.by_cve.entry(cve.clone()).or_default();
                if rng.below(20) == 0 {
                    entry.kev = Some(KevEntry {
                        cve: cve.clone(),
                        vendor: "vendor".into(),
                        product: "product".into(),
                        name: "exploited".into(),
                        date_added: NaiveDate::from_ymd_opt(2025, 6, 1).expect("date"),
                        due_date: None,
                        ransomware: rng.below(4) == 0,
                    });
                }
                if rng.below(5) != 0 {
                    let score = (rng.below(1000) as f64) / 1000.0;
                    entry.epss = Some(Epss {
                        score,
                        percentile: score,
                    });
                }
                if rng.below(3) == 0 {
                    entry.ssvc = Ssvc {
                        automatable: Some(rng.below(2) == 0),
                        technical_impact: Some(if rng.below(2) == 0 {
                            TechnicalImpact::Total
                        } else {
                            TechnicalImpact::Partial
                        }),
                    };
                }
            }
            let vector = VECTORS[rng.below(VECTORS.len())];
            Advisory {
                id: format!("ADV-{i:05}"),
                summary: "generated".into(),
                published: None,
                cvss: cves
                    .iter()
                    .map(|cve| CveVector {
                        cve: cve.clone(),
                        vector: vector.into(),
                    })
                    .collect(),
                cves,
                affected: vec![AffectedPackage {
                    distro: OSES[os].0,
                    release: OSES[os].1.to_string(),
                    package: names[rng.below(PACKAGE_UNIVERSE)].to_string(),
                    binaries: vec![],
                    ranges: vec![VersionRange {
                        introduced: Some("0".into()),
                        fixed: Some(version(os, 1 + rng.below(VERSIONS - 1))),
                        last_affected: None,
                    }],
                }],
            }
        })
        .collect::<Vec<_>>();
    // CVSS scores as the store would hand them over.
    let scored = ThreatIntel::build(vec![], vec![], vec![], &advisories);
    for (cve, entry) in scored.by_cve {
        intel.by_cve.entry(cve).or_default().cvss = entry.cvss;
    }
    Fleet {
        assets,
        advisories,
        intel,
        policy: policy(),
    }
}

fn peak_rss_mib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024)
}

fn rank_everything(fleet: &Fleet, today: NaiveDate) -> (Vec<Finding>, usize) {
    let outcome = AdvisoryIndex::new(&fleet.advisories).match_assets(&fleet.assets);
    let first_seen: HashMap<FindingKey, NaiveDate> = HashMap::new();
    let ctx = RankingContext {
        assets: &fleet.assets,
        intel: &fleet.intel,
        policy: &fleet.policy,
        first_seen: &first_seen,
        today,
    };
    let scored = score_findings(&outcome.findings, &ctx);
    let patches = group_pending(&outcome.findings, &fleet.assets);
    let ranked = rank_patches(&patches, &scored);
    let assets = rank_assets(&fleet.assets, &outcome.findings, &scored, &ranked);
    let n = ranked.len() + assets.len();
    (outcome.findings, n)
}

fn benches(c: &mut Criterion) {
    let today = NaiveDate::from_ymd_opt(2026, 11, 26).expect("date");
    let fleet = generate();
    let (findings, _) = rank_everything(&fleet, today);
    eprintln!(
        "fleet: {} assets x {} packages, {} advisories -> {} findings; peak RSS after first ranking: {:?} MiB",
        ASSETS,
        PACKAGES_PER_ASSET,
        ADVISORIES,
        findings.len(),
        peak_rss_mib()
    );

    let mut group = c.benchmark_group("ranking");
    group.sample_size(10);
    group.bench_function("rank_10k_assets_x_1500_packages_vs_20k_advisories", |b| {
        b.iter(|| black_box(rank_everything(&fleet, today)))
    });

    let mut changed = fleet.policy.clone();
    changed.default_class = PriorityClass::Critical;
    if let Some(rule) = changed.classes.get_mut(&PriorityClass::High) {
        rule.sla_days = 7;
    }
    let first_seen: HashMap<FindingKey, NaiveDate> = HashMap::new();
    let patches = group_pending(&findings, &fleet.assets);
    group.bench_function(
        format!("rerank_{}_findings_after_policy_change", findings.len()),
        |b| {
            b.iter(|| {
                let ctx = RankingContext {
                    assets: &fleet.assets,
                    intel: &fleet.intel,
                    policy: &changed,
                    first_seen: &first_seen,
                    today,
                };
                let scored = score_findings(&findings, &ctx);
                black_box(rank_patches(&patches, &scored).len())
            })
        },
    );
    group.finish();
    eprintln!("peak RSS at the end: {:?} MiB", peak_rss_mib());
}

criterion_group!(ranking, benches);
criterion_main!(ranking);
