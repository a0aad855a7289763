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
