//! Threat data per CVE: CISA KEV, FIRST EPSS, CVSS and SSVC decision points.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cvss_score::{self, CvssScore};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KevEntry {
    pub cve: String,
    pub vendor: String,
    pub product: String,
    pub name: String,
    pub date_added: NaiveDate,
    pub due_date: Option<NaiveDate>,
    /// `knownRansomwareCampaignUse` is "Known".
    pub ransomware: bool,
}

/// A FIRST EPSS score: probability of exploitation in the next 30 days and its percentile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Epss {
    pub score: f64,
    pub percentile: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TechnicalImpact {
    Partial,
    Total,
}

/// SSVC decision points as CISA publishes them; `None` where not given.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ssvc {
    pub automatable: Option<bool>,
    pub technical_impact: Option<TechnicalImpact>,
}

/// Which container of a CVE JSON 5 record a CVSS vector came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CvssSource {
    /// The CVE Numbering Authority that published the record.
    Cna,
    /// An Authorized Data Publisher, such as CISA-ADP where the CNA gave no vector.
    Adp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourcedVector {
    pub vector: String,
    pub source: CvssSource,
}

/// What a CISA vulnrichment record says about one CVE: its SSVC decision points (unknown
/// where not given) and its CVSS v3.0/v3.1/v4.0 vectors, the CNA's first, then the ADPs'.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CveRecord {
    pub cve: String,
    pub ssvc: Ssvc,
    pub cvss: Vec<SourcedVector>,
}

/// Everything known about one CVE.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CveIntel {
    pub kev: Option<KevEntry>,
    pub epss: Option<Epss>,
    pub cvss: Option<CvssScore>,
    pub ssvc: Ssvc,
}

/// Threat data for all known CVEs.
#[derive(Debug, Clone, Default)]
pub struct ThreatIntel {
    pub by_cve: HashMap<String, CveIntel>,
}

impl ThreatIntel {
    pub fn get(&self, cve: &str) -> Option<&CveIntel> {
        self.by_cve.get(cve)
    }
}

/// What one feed kind contributes; the store replaces a kind's records wholesale.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum FeedRecords {
    Kev(Vec<KevEntry>),
    Epss {
        /// The `#model_version` of the file, e.g. `v2026.06.15`.
        model_version: String,
        score_date: Option<NaiveDate>,
        scores: Vec<(String, Epss)>,
    },
    Osv(Vec<super::advisory::Advisory>),
    Vulnrichment(Vec<CveRecord>),
    /// CSAF 2.0 documents: their advisories (matched like OSV ones) and VEX statements.
    Csaf {
        advisories: Vec<super::advisory::Advisory>,
        vex: Vec<super::vex::VexStatement>,
    },
}

impl FeedRecords {
    pub fn kind(&self) -> FeedKind {
        match self {
            FeedRecords::Kev(_) => FeedKind::Kev,
            FeedRecords::Epss { .. } => FeedKind::Epss,
            FeedRecords::Osv(_) => FeedKind::Osv,
            FeedRecords::Vulnrichment(_) => FeedKind::Vulnrichment,
            FeedRecords::Csaf { .. } => FeedKind::Csaf,
        }
    }
}

/// The kinds of threat data a site keeps under `feeds/<dir>/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeedKind {
    Kev,
    Epss,
    Osv,
    Vulnrichment,
    Csaf,
}

impl FeedKind {
    pub const ALL: [FeedKind; 5] = [
        FeedKind::Kev,
        FeedKind::Epss,
        FeedKind::Osv,
        FeedKind::Vulnrichment,
        FeedKind::Csaf,
    ];

    /// The folder under `feeds/` that holds this kind.
    pub fn dir(self) -> &'static str {
        match self {
            FeedKind::Kev => "kev",
            FeedKind::Epss => "epss",
            FeedKind::Osv => "osv",
            FeedKind::Vulnrichment => "vulnrichment",
            FeedKind::Csaf => "csaf",
        }
    }
}

impl ThreatIntel {
    /// Joins KEV, EPSS and the vulnrichment records per CVE; each CVE's CVSS is the
    /// preferred one (see [`cvss_score::preferred`]) of its vulnrichment and advisory
    /// vectors. Vectors that do not score are skipped (they were checked at import).
    pub fn build(
        kev: Vec<KevEntry>,
        epss: Vec<(String, Epss)>,
        records: Vec<CveRecord>,
        advisories: &[super::advisory::Advisory],
    ) -> Self {
        let mut by_cve: HashMap<String, CveIntel> = HashMap::new();
        for entry in kev {
            let cve = entry.cve.clone();
            by_cve.entry(cve).or_default().kev = Some(entry);
        }
        for (cve, score) in epss {
            by_cve.entry(cve).or_default().epss = Some(score);
        }
        let mut vectors: HashMap<String, Vec<CvssScore>> = HashMap::new();
        let mut add_vector = |cve: &str, vector: &str| {
            if let Ok(scored) = cvss_score::score(vector) {
                vectors.entry(cve.to_string()).or_default().push(scored);
            }
        };
        for advisory in advisories {
            for v in &advisory.cvss {
                add_vector(&v.cve, &v.vector);
            }
        }
        for record in records {
            for v in &record.cvss {
                add_vector(&record.cve, &v.vector);
            }
            by_cve.entry(record.cve).or_default().ssvc = record.ssvc;
        }
        for (cve, scores) in vectors {
            by_cve.entry(cve).or_default().cvss = cvss_score::preferred(scores);
        }
        ThreatIntel { by_cve }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::advisory::{Advisory, CveVector};

    const V31_HIGH: &str = "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H";
    const V31_CRITICAL: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H";
    const V40: &str = "CVSS:4.0/AV:L/AC:L/AT:N/PR:L/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";

    fn advisory(cve: &str, vector: &str) -> Advisory {
        Advisory {
            id: format!("ADV-{cve}"),
            summary: String::new(),
            published: None,
            cves: vec![cve.to_string()],
            affected: vec![],
            cvss: vec![CveVector {
                cve: cve.to_string(),
                vector: vector.to_string(),
            }],
        }
    }

    fn record(cve: &str, vectors: &[&str]) -> CveRecord {
        CveRecord {
            cve: cve.to_string(),
            ssvc: Ssvc {
                automatable: Some(false),
                technical_impact: None,
            },
            cvss: vectors
                .iter()
                .map(|v| SourcedVector {
                    vector: v.to_string(),
                    source: CvssSource::Cna,
                })
                .collect(),
        }
    }

    fn vector_of(intel: &ThreatIntel, cve: &str) -> Option<String> {
        intel.get(cve)?.cvss.as_ref().map(|s| s.vector.clone())
    }

    #[test]
    fn a_cve_only_vulnrichment_scores_gets_its_vector_and_ssvc() {
        let intel = ThreatIntel::build(vec![], vec![], vec![record("CVE-1", &[V31_HIGH])], &[]);
        let entry = intel.get("CVE-1").unwrap();
        assert_eq!(entry.cvss.as_ref().unwrap().base, 7.8);
        assert_eq!(entry.ssvc.automatable, Some(false));
    }

    #[test]
    fn vulnrichment_and_advisory_vectors_compete_by_version_then_base() {
        let records = vec![
            record("CVE-NEWER", &[V40]),
            record("CVE-HIGHER", &[V31_CRITICAL]),
            record("CVE-LOWER", &[V31_HIGH]),
        ];
        let advisories = [
            advisory("CVE-NEWER", V31_CRITICAL),
            advisory("CVE-HIGHER", V31_HIGH),
            advisory("CVE-LOWER", V31_CRITICAL),
        ];
        let intel = ThreatIntel::build(vec![], vec![], records, &advisories);
        assert_eq!(vector_of(&intel, "CVE-NEWER").as_deref(), Some(V40));
        assert_eq!(
            vector_of(&intel, "CVE-HIGHER").as_deref(),
            Some(V31_CRITICAL)
        );
        assert_eq!(
            vector_of(&intel, "CVE-LOWER").as_deref(),
            Some(V31_CRITICAL)
        );
    }

    #[test]
    fn an_unscorable_stored_vector_is_skipped() {
        let records = vec![record("CVE-1", &["CVSS:3.1/AV:Q", V31_HIGH])];
        let intel = ThreatIntel::build(vec![], vec![], records, &[]);
        assert_eq!(vector_of(&intel, "CVE-1").as_deref(), Some(V31_HIGH));
    }
}
