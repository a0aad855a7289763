//! Threat data per CVE: CISA KEV, FIRST EPSS, CVSS and SSVC decision points.

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::cvss_score::CvssScore;

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
    Ssvc(Vec<(String, Ssvc)>),
}

impl FeedRecords {
    pub fn kind(&self) -> FeedKind {
        match self {
            FeedRecords::Kev(_) => FeedKind::Kev,
            FeedRecords::Epss { .. } => FeedKind::Epss,
            FeedRecords::Osv(_) => FeedKind::Osv,
            FeedRecords::Ssvc(_) => FeedKind::Ssvc,
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
    Ssvc,
}

impl FeedKind {
    pub const ALL: [FeedKind; 4] = [FeedKind::Kev, FeedKind::Epss, FeedKind::Osv, FeedKind::Ssvc];

    /// The folder under `feeds/` that holds this kind.
    pub fn dir(self) -> &'static str {
        match self {
            FeedKind::Kev => "kev",
            FeedKind::Epss => "epss",
            FeedKind::Osv => "osv",
            FeedKind::Ssvc => "vulnrichment",
        }
    }
}

impl ThreatIntel {
    /// Joins KEV, EPSS, SSVC and the advisories' CVSS vectors per CVE. Vectors that do
    /// not score are skipped (they were checked at import).
    pub fn build(
        kev: Vec<KevEntry>,
        epss: Vec<(String, Epss)>,
        ssvc: Vec<(String, Ssvc)>,
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
        for (cve, decision) in ssvc {
            by_cve.entry(cve).or_default().ssvc = decision;
        }
        let mut vectors: HashMap<&str, Vec<CvssScore>> = HashMap::new();
        for advisory in advisories {
            for v in &advisory.cvss {
                if let Ok(scored) = super::cvss_score::score(&v.vector) {
                    vectors.entry(v.cve.as_str()).or_default().push(scored);
                }
            }
        }
        for (cve, scores) in vectors {
            by_cve.entry(cve.to_string()).or_default().cvss = super::cvss_score::preferred(scores);
        }
        ThreatIntel { by_cve }
    }
}
