//! The importers and core scoring/ordering against real public data (fixtures/real/).

use std::cmp::Ordering;
use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use secureupdate::adapters::feeds::{self, SizeCaps, load_with, parse_epss, parse_kev, parse_osv};
use secureupdate::core::advisory::{Advisory, VersionRange};
use secureupdate::core::asset::{Criticality, Distro};
use secureupdate::core::cvss_score::{self, CvssVersion};
use secureupdate::core::threat::{FeedKind, FeedRecords, TechnicalImpact};
use secureupdate::core::version::{self, PackageFormat};

fn real(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/real")
        .join(rel)
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(real(rel)).unwrap()
}

/// `vector,score` or `a,b,expected` rows after the header.
fn csv_rows(rel: &str) -> Vec<Vec<String>> {
    String::from_utf8(read(rel))
        .unwrap()
        .lines()
        .skip(1)
        .filter(|l| !l.is_empty())
        .map(|l| l.split(',').map(str::to_string).collect())
        .collect()
}

#[test]
fn whole_kev_catalogue_parses() {
    let bytes = read("kev/known_exploited_vulnerabilities.json");
    let entries = parse_kev(&bytes, "feeds/kev/known_exploited_vulnerabilities.json").unwrap();
    assert_eq!(entries.len(), 1404);

    let pwnkit = entries.iter().find(|e| e.cve == "CVE-2021-4034").unwrap();
    assert_eq!(pwnkit.vendor, "Red Hat");
    assert_eq!(pwnkit.product, "Polkit");
    assert_eq!(
        pwnkit.date_added,
        NaiveDate::from_ymd_opt(2022, 6, 27).unwrap()
    );
    assert_eq!(pwnkit.due_date, NaiveDate::from_ymd_opt(2022, 7, 18));
    assert!(!pwnkit.ransomware);
    assert!(
        !entries.iter().any(|e| e.cve == "CVE-2024-6387"),
        "regreSSHion is not in this snapshot"
    );

    // Counted independently of the parser: every occurrence of the "Known" value.
    let text = String::from_utf8(bytes).unwrap();
    let known = text
        .matches(r#""knownRansomwareCampaignUse": "Known""#)
        .count();
    assert_eq!(known, 293);
    assert_eq!(entries.iter().filter(|e| e.ransomware).count(), known);
}

#[test]
fn every_reference_cvss_vector_scores_its_reference_score() {
    for (file, version) in [
        ("cvss/cvss_v3.0.csv", CvssVersion::V3_0),
        ("cvss/cvss_v3.1.csv", CvssVersion::V3_1),
        ("cvss/cvss_v4.0.csv", CvssVersion::V4_0),
    ] {
        let rows = csv_rows(file);
        assert!(rows.len() > 1000, "{file} has only {} rows", rows.len());
        let mut mismatches = Vec::new();
        for row in &rows {
            let expected: f64 = row[1].parse().unwrap();
            match cvss_score::score(&row[0]) {
                Ok(s) if s.version == version && (s.base - expected).abs() < 1e-9 => {}
                Ok(s) => mismatches.push(format!(
                    "{} -> {} ({:?}), expected {expected}",
                    row[0], s.base, s.version
                )),
                Err(e) => mismatches.push(e.to_string()),
            }
        }
        assert!(
            mismatches.is_empty(),
            "{file}: {} mismatches, e.g. {:?}",
            mismatches.len(),
            &mismatches[..mismatches.len().min(5)]
        );
    }
}

#[test]
fn environmental_scores_follow_criticality() {
    let v31 = cvss_score::score("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L").unwrap();
    let v40 = cvss_score::score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:L/VA:L/SC:N/SI:N/SA:N")
        .unwrap();
    for s in [&v31, &v40] {
        let at = |c| s.for_criticality(c);
        assert!(at(Criticality::Mission) >= at(Criticality::High), "{s:?}");
        assert!(at(Criticality::High) >= at(Criticality::Medium), "{s:?}");
        assert!(at(Criticality::Medium) >= at(Criticality::Low), "{s:?}");
        assert!(at(Criticality::Mission) > at(Criticality::Low), "{s:?}");
    }
    assert_eq!(
        v31.for_criticality(Criticality::Medium),
        v31.base,
        "medium requirements are neutral in v3.1"
    );
}

fn expected_order(sign: &str) -> Ordering {
    match sign {
        "-1" => Ordering::Less,
        "0" => Ordering::Equal,
        "1" => Ordering::Greater,
        other => panic!("bad expected value {other}"),
    }
}

#[test]
fn every_dpkg_ordering_vector_holds() {
    let rows = csv_rows("versions/dpkg_version_vectors.csv");
    assert_eq!(rows.len(), 43);
    for row in rows {
        let got = version::compare(PackageFormat::Dpkg, &row[0], &row[1]).unwrap();
        assert_eq!(got, expected_order(&row[2]), "{} vs {}", row[0], row[1]);
    }
}

#[test]
fn every_rpmvercmp_vector_holds() {
    // These vectors compare bare version strings (no `-`, no `:` in any of them), so the
    // EVR comparison reduces to rpmvercmp. The documented-oddities file is not checked: it
    // records behaviour upstream itself comments out as questionable (`1b.fc17`, non-ASCII
    // letters comparing equal), which we do not promise to reproduce.
    let rows = csv_rows("versions/rpmvercmp_vectors.csv");
    assert_eq!(rows.len(), 91);
    for row in rows {
        let got = version::compare(PackageFormat::Rpm, &row[0], &row[1]).unwrap();
        assert_eq!(got, expected_order(&row[2]), "{} vs {}", row[0], row[1]);
    }
}

#[test]
fn rpm_epoch_zero_equals_no_epoch_and_epoch_wins() {
    let cmp = |a, b| version::compare(PackageFormat::Rpm, a, b).unwrap();
    assert_eq!(
        cmp("0:2.13.3-3.el8_6.1", "2.13.3-3.el8_6.1"),
        Ordering::Equal
    );
    assert_eq!(cmp("1:1.0-1.el8", "2.0-1.el8"), Ordering::Greater);
    assert_eq!(cmp("2.13.3-3.el8_6", "0:2.13.3-3.el8_6.1"), Ordering::Less);
}

fn advisory(rel: &str) -> Advisory {
    let parsed = parse_osv(&read(rel), rel).unwrap();
    parsed.advisory.unwrap()
}

fn fixed_in(
    advisory: &Advisory,
    distro: Distro,
    release: &str,
    package: &str,
) -> Vec<VersionRange> {
    advisory
        .affected
        .iter()
        .find(|p| p.distro == distro && p.release == release && p.package == package)
        .unwrap_or_else(|| panic!("{} has no {package} for {distro:?} {release}", advisory.id))
        .ranges
        .clone()
}

#[test]
fn usn_6859_1_maps_openssh_on_ubuntu() {
    let a = advisory("osv/ubuntu/USN-6859-1.json");
    assert_eq!(a.id, "USN-6859-1");
    assert_eq!(a.summary, "openssh vulnerability");
    assert_eq!(a.cves, vec!["CVE-2024-6387"]);
    let ranges = fixed_in(&a, Distro::Ubuntu, "22.04", "openssh");
    assert_eq!(
        ranges,
        vec![VersionRange {
            introduced: None,
            fixed: Some("1:8.9p1-3ubuntu0.10".into()),
            last_affected: None
        }]
    );
    let jammy = a.affected.iter().find(|p| p.release == "22.04").unwrap();
    assert!(jammy.binaries.contains(&"openssh-server".to_string()));
    assert_eq!(jammy.binaries.len(), 11);
    assert_eq!(a.affected.len(), 2, "22.04 and 24.04");
    // This USN carries no CVSS vector at all (no `severity`, no `cves_map`): its CVSS
    // must come from elsewhere (vulnrichment or another advisory).
    assert!(a.cvss.is_empty());
}

#[test]
fn usn_4705_1_takes_per_cve_vectors_from_cves_map() {
    let a = advisory("osv/ubuntu/USN-4705-1.json");
    assert_eq!(a.cves, vec!["CVE-2021-3156", "CVE-2021-23239"]);
    let baron_samedit: Vec<&str> = a
        .cvss
        .iter()
        .filter(|v| v.cve == "CVE-2021-3156")
        .map(|v| v.vector.as_str())
        .collect();
    assert_eq!(
        baron_samedit,
        vec!["CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H"],
        "duplicates collapse"
    );
    assert_eq!(cvss_score::score(baron_samedit[0]).unwrap().base, 7.8);
}

#[test]
fn rhsa_2024_4546_maps_git_lfs_on_rhel_8_with_epoch() {
    let a = advisory("osv/redhat/RHSA-2024_4546.json");
    assert_eq!(a.id, "RHSA-2024:4546");
    assert_eq!(
        a.cves,
        vec!["CVE-2023-45288"],
        "GO-2024-2687 in `related` is not a CVE"
    );
    let ranges = fixed_in(&a, Distro::Rhel, "8", "git-lfs");
    assert_eq!(
        ranges,
        vec![VersionRange {
            introduced: None,
            fixed: Some("0:2.13.3-3.el8_6.1".into()),
            last_affected: None
        }],
        "the AUS, E4S and TUS streams of 8.6 merge into one package"
    );
    assert_eq!(a.affected.len(), 3, "git-lfs, -debuginfo, -debugsource");
    assert_eq!(a.cvss.len(), 1);
    assert_eq!(a.cvss[0].cve, "CVE-2023-45288");
    assert_eq!(
        a.cvss[0].vector,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    );
}

#[test]
fn dsa_3029_1_maps_nginx_on_debian_7() {
    let a = advisory("osv/debian/DSA-3029-1.json");
    assert_eq!(a.cves, vec!["CVE-2014-3616"]);
    assert_eq!(a.summary, "nginx - security update");
    let ranges = fixed_in(&a, Distro::Debian, "7", "nginx");
    assert_eq!(ranges[0].fixed.as_deref(), Some("1.2.1-2.2+wheezy3"));
    assert!(a.published.is_some());
}

#[test]
fn non_linux_records_are_skipped_and_counted() {
    for rel in [
        "osv/other/GO-2022-0535.json",
        "osv/other/PYSEC-2023-74.json",
    ] {
        let parsed = parse_osv(&read(rel), rel).unwrap();
        assert_eq!(parsed.advisory, None, "{rel}");
        assert_eq!(parsed.skipped_packages, 1, "{rel}");
    }
}

#[test]
fn epss_subset_parses() {
    let file = parse_epss(
        &read("epss/epss_scores-2026-09-29.subset.csv"),
        "feeds/epss/x.csv",
    )
    .unwrap();
    assert_eq!(file.model_version, "v2026.06.15");
    assert_eq!(file.score_date, NaiveDate::from_ymd_opt(2026, 9, 29));
    assert_eq!(file.scores.len(), 334);
    let (cve, first) = &file.scores[0];
    assert_eq!(cve, "CVE-1999-0001");
    assert_eq!((first.score, first.percentile), (0.03351, 0.88255));
}

#[test]
fn the_fixture_folder_loads_as_a_feeds_folder() {
    let dir = real("");
    let caps = SizeCaps::default();

    let kev = load_with(&dir, FeedKind::Kev, caps).unwrap();
    assert!(matches!(&kev.records, FeedRecords::Kev(v) if v.len() == 1404));

    let epss = load_with(&dir, FeedKind::Epss, caps).unwrap();
    let FeedRecords::Epss {
        model_version,
        scores,
        ..
    } = &epss.records
    else {
        panic!()
    };
    assert_eq!((model_version.as_str(), scores.len()), ("v2026.06.15", 334));

    let osv = load_with(&dir, FeedKind::Osv, caps).unwrap();
    let FeedRecords::Osv(advisories) = &osv.records else {
        panic!()
    };
    let ids: Vec<&str> = advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "DSA-3029-1",
            "RHSA-2024:4546",
            "RHSA-2024:6220",
            "USN-4705-1",
            "USN-5252-1",
            "USN-6409-1",
            "USN-6859-1"
        ],
        "sorted by file path, Go and PyPI left out"
    );
    assert_eq!((osv.files, osv.skipped), (9, 2));

    let ssvc = load_with(&dir, FeedKind::Ssvc, caps).unwrap();
    let FeedRecords::Ssvc(decisions) = &ssvc.records else {
        panic!()
    };
    assert_eq!(decisions.len(), 2);
    let (cve, pwnkit) = &decisions[0];
    assert_eq!(cve, "CVE-2021-4034");
    assert_eq!(pwnkit.automatable, Some(false));
    assert_eq!(pwnkit.technical_impact, Some(TechnicalImpact::Total));

    let fingerprint = feeds::fingerprint(&dir, FeedKind::Osv).unwrap().unwrap();
    assert_eq!(fingerprint.len(), 64);
    assert_eq!(
        feeds::fingerprint(&dir, FeedKind::Osv).unwrap().unwrap(),
        fingerprint,
        "stable"
    );
    assert_ne!(
        feeds::fingerprint(&dir, FeedKind::Kev).unwrap().unwrap(),
        fingerprint
    );
}
