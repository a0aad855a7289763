//! Every OSV and CSAF sample of the shared data (copied into fixtures/samples) imports, and the
//! findings they produce on the demo site are the ones asserted here.

use std::fs;
use std::path::{Path, PathBuf};

use secureupdate::adapters::feeds::{parse_csaf, parse_osv};
use secureupdate::config::Site;
use secureupdate::core::advisory::Advisory;
use secureupdate::core::finding::AdvisoryIndex;
use std::collections::BTreeSet;

use secureupdate::core::asset::Distro;
use secureupdate::core::vex::{VexStatement, VexStatus, apply_vex};

fn samples(kind: &str) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/samples")
            .join(kind),
    ];
    while let Some(dir) = pending.pop() {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn all_osv() -> Vec<Advisory> {
    samples("osv")
        .iter()
        .filter_map(|p| {
            parse_osv(&fs::read(p).unwrap(), &p.display().to_string())
                .unwrap_or_else(|e| panic!("{e}"))
                .advisory
        })
        .collect()
}

fn all_csaf() -> (Vec<Advisory>, Vec<VexStatement>, usize) {
    let mut advisories = Vec::new();
    let mut vex = Vec::new();
    let mut skipped = 0;
    for p in samples("csaf") {
        let parsed = parse_csaf(&fs::read(&p).unwrap(), &p.display().to_string())
            .unwrap_or_else(|e| panic!("{e}"));
        advisories.extend(parsed.advisories);
        vex.extend(parsed.vex);
        skipped += parsed.skipped_products;
    }
    (advisories, vex, skipped)
}

fn demo_site() -> Site {
    Site::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")).unwrap()
}

/// (distro, release, package, fixed) of every affected range.
fn fixes(advisory: &Advisory) -> BTreeSet<(Distro, String, String, Option<String>)> {
    advisory
        .affected
        .iter()
        .flat_map(|p| {
            p.ranges.iter().map(|r| {
                (
                    p.distro,
                    p.release.clone(),
                    p.package.clone(),
                    r.fixed.clone(),
                )
            })
        })
        .collect()
}

#[test]
fn every_osv_sample_imports_and_the_distribution_ones_become_advisories() {
    assert_eq!(samples("osv").len(), 60);
    let ids: Vec<String> = all_osv().into_iter().map(|a| a.id).collect();
    assert_eq!(
        ids,
        [
            "RHSA-2024:4546",
            "RHSA-2024:6220",
            "DSA-3029-1",
            "USN-4705-1",
            "USN-5252-1",
            "USN-6409-1",
            "USN-6859-1"
        ]
    );
}

#[test]
fn every_csaf_sample_imports_and_red_hat_packages_become_advisories_and_fixed_statements() {
    assert_eq!(samples("csaf").len(), 11);
    let (advisories, vex, skipped) = all_csaf();
    let ids: Vec<&str> = advisories.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["RHSA-2022:0011", "RHSA-2003:315", "RHSA-2024:4546"]);
    // Every `fixed` package of the three becomes a statement; the VEX examples and the Cisco,
    // BSI and OpenShift products name no distribution package and are skipped.
    assert_eq!(vex.len(), 56);
    assert!(vex.iter().all(|s| s.status == VexStatus::Fixed));
    assert_eq!(skipped, 314);
    let telnet = &advisories[0];
    assert_eq!(telnet.cves, ["CVE-2020-10188"]);
    assert!(fixes(telnet).contains(&(
        Distro::Rhel,
        "7".into(),
        "telnet-server".into(),
        Some("1:0.17-65.el7_6".into())
    )));
}

#[test]
fn csaf_and_osv_forms_of_rhsa_2024_4546_agree_on_the_fix() {
    let osv = all_osv()
        .into_iter()
        .find(|a| a.id == "RHSA-2024:4546")
        .unwrap();
    let (csaf, _, _) = all_csaf();
    let csaf = csaf.into_iter().find(|a| a.id == "RHSA-2024:4546").unwrap();
    let osv_fixes = fixes(&osv);
    assert_eq!(
        osv_fixes.len(),
        3,
        "git-lfs and its debuginfo and debugsource"
    );
    assert!(osv_fixes.contains(&(
        Distro::Rhel,
        "8".to_string(),
        "git-lfs".to_string(),
        Some("0:2.13.3-3.el8_6.1".to_string())
    )));
    assert_eq!(osv_fixes, fixes(&csaf));
    assert_eq!(
        csaf.cvss[0].vector,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H"
    );
}

#[test]
fn the_samples_find_glibc_and_openssh_on_the_demo_sites_ubuntu_hosts_only() {
    let site = demo_site();
    let mut all = all_osv();
    let (csaf, _, _) = all_csaf();
    all.extend(csaf);
    let outcome = AdvisoryIndex::new(&all).match_assets(&site.assets);
    let by_cve = |cve: &str| -> BTreeSet<String> {
        outcome
            .findings
            .iter()
            .filter(|f| f.cve == cve)
            .map(|f| f.asset.clone())
            .collect()
    };
    let advisories: BTreeSet<&str> = outcome
        .findings
        .iter()
        .map(|f| f.advisory.as_str())
        .collect();
    assert_eq!(advisories, BTreeSet::from(["USN-6409-1", "USN-6859-1"]));
    assert_eq!(by_cve("CVE-2024-6387").len(), 15);
    assert_eq!(by_cve("CVE-2023-4911").len(), 6);
    assert_eq!(by_cve("CVE-2023-4911"), by_cve("CVE-2023-4527"));
    assert!(by_cve("CVE-2023-4911").contains("ci-runner-01"));
    assert_eq!(outcome.findings.len(), 81, "3 binary packages per finding");
}

#[test]
fn a_vex_known_not_affected_sets_the_covered_demo_findings_aside_and_says_why() {
    let site = demo_site();
    let outcome = AdvisoryIndex::new(&all_osv()).match_assets(&site.assets);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/vex/demo-openssh-vex.json");
    let parsed = parse_csaf(&fs::read(&path).unwrap(), "demo-openssh-vex.json").unwrap();
    assert!(parsed.advisories.is_empty());
    let (open, suppressed) = apply_vex(outcome.findings.clone(), &site.assets, &parsed.vex);
    let hosts: BTreeSet<&str> = suppressed
        .iter()
        .map(|s| s.finding.asset.as_str())
        .collect();
    assert!(hosts.contains("web-stg-ubu-01"), "{hosts:?}");
    assert!(
        suppressed.iter().all(
            |s| s.finding.installed == "1:8.9p1-3ubuntu0.6" && s.finding.cve == "CVE-2024-6387"
        )
    );
    assert_eq!(
        suppressed[0].reason,
        "TEST-VEX-2026-0001 says known_not_affected for openssh 1:8.9p1-3ubuntu0.6: vulnerable_code_not_in_execute_path"
    );
    let still_open: BTreeSet<&str> = open
        .iter()
        .filter(|f| f.cve == "CVE-2024-6387")
        .map(|f| f.asset.as_str())
        .collect();
    assert!(
        still_open.contains("web-ams-01"),
        "1:8.9p1-3ubuntu0.1 is not covered"
    );
    assert_eq!(open.len() + suppressed.len(), outcome.findings.len());
}
