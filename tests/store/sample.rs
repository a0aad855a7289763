//! Small threat data for the store tests, built in code.

use chrono::{DateTime, NaiveDate, Utc};
use secureupdate::core::advisory::{Advisory, AffectedPackage, CveVector, VersionRange};
use secureupdate::core::asset::Distro;
use secureupdate::core::finding::Finding;
use secureupdate::core::threat::{Epss, FeedRecords, KevEntry, Ssvc, TechnicalImpact};

pub fn date(text: &str) -> NaiveDate {
    text.parse().unwrap()
}

pub fn time(text: &str) -> DateTime<Utc> {
    text.parse().unwrap()
}

pub fn kev(cve: &str) -> KevEntry {
    KevEntry {
        cve: cve.to_string(),
        vendor: "OpenBSD".to_string(),
        product: "OpenSSH".to_string(),
        name: format!("{cve} remote code execution"),
        date_added: date("2026-07-01"),
        due_date: Some(date("2026-07-22")),
        ransomware: cve.ends_with('1'),
    }
}

pub fn epss(model_version: &str, scores: &[(&str, f64)]) -> FeedRecords {
    FeedRecords::Epss {
        model_version: model_version.to_string(),
        score_date: Some(date("2026-11-25")),
        scores: scores
            .iter()
            .map(|(cve, score)| {
                let epss = Epss {
                    score: *score,
                    percentile: 0.5,
                };
                (cve.to_string(), epss)
            })
            .collect(),
    }
}

pub fn ssvc() -> FeedRecords {
    FeedRecords::Ssvc(vec![
        (
            "CVE-2024-6387".to_string(),
            Ssvc {
                automatable: Some(true),
                technical_impact: Some(TechnicalImpact::Total),
            },
        ),
        (
            "CVE-2023-0002".to_string(),
            Ssvc {
                automatable: Some(false),
                technical_impact: Some(TechnicalImpact::Partial),
            },
        ),
        ("CVE-2023-0003".to_string(), Ssvc::default()),
    ])
}

pub fn advisory(id: &str, cve: &str) -> Advisory {
    Advisory {
        id: id.to_string(),
        summary: format!("{cve} in openssh"),
        published: Some(time("2026-07-01T12:00:00Z")),
        cves: vec![cve.to_string()],
        affected: vec![AffectedPackage {
            distro: Distro::Debian,
            release: "12".to_string(),
            package: "openssh".to_string(),
            binaries: vec!["openssh-server".to_string()],
            ranges: vec![VersionRange {
                introduced: Some("0".to_string()),
                fixed: Some("1:9.2p1-2+deb12u3".to_string()),
                last_affected: None,
            }],
        }],
        cvss: vec![CveVector {
            cve: cve.to_string(),
            vector: "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:H/I:H/A:H".to_string(),
        }],
    }
}

pub fn finding(asset: &str, cve: &str, package: &str) -> Finding {
    Finding {
        asset: asset.to_string(),
        cve: cve.to_string(),
        advisory: format!("DSA-{cve}"),
        package: package.to_string(),
        source_package: package.to_string(),
        installed: "1.0-1".to_string(),
        fixed: Some("1.0-2".to_string()),
    }
}
