//! CVSS v3.0, v3.1 and v4.0 scoring with the `cvss` crate, including the environmental
//! score an asset's criticality implies (its confidentiality, integrity and availability
//! requirements).

use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::asset::Criticality;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum CvssVersion {
    #[serde(rename = "3.0")]
    V3_0,
    #[serde(rename = "3.1")]
    V3_1,
    #[serde(rename = "4.0")]
    V4_0,
}

/// A scored vector. `environmental[c as usize]` is the score with the security
/// requirements that criticality `c` sets (low → L, medium → M, high and mission → H).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvssScore {
    pub version: CvssVersion,
    pub vector: String,
    pub base: f64,
    pub environmental: [f64; 4],
}

impl CvssScore {
    pub fn for_criticality(&self, criticality: Criticality) -> f64 {
        self.environmental[criticality as usize]
    }
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("invalid CVSS vector `{vector}`: {reason}")]
pub struct CvssError {
    pub vector: String,
    pub reason: String,
}

const CRITICALITIES: [Criticality; 4] = [
    Criticality::Low,
    Criticality::Medium,
    Criticality::High,
    Criticality::Mission,
];

fn requirement(criticality: Criticality) -> &'static str {
    match criticality {
        Criticality::Low => "L",
        Criticality::Medium => "M",
        Criticality::High | Criticality::Mission => "H",
    }
}

/// The vector with CR/IR/AR set for `criticality`, replacing any the vector already had.
/// They go where the specifications order them: after the base and threat/temporal
/// metrics, before the modified base metrics (and, in v4.0, the supplemental ones).
fn with_requirements(vector: &str, criticality: Criticality) -> String {
    let level = requirement(criticality);
    let v4 = vector.starts_with("CVSS:4.0/");
    let mut parts: Vec<String> = vector
        .split('/')
        .filter(|part| !matches!(metric(part), "CR" | "IR" | "AR"))
        .map(str::to_string)
        .collect();
    let after_requirements = |part: &String| {
        let key = metric(part);
        (key.starts_with('M') && key.len() > 1)
            || (v4 && matches!(key, "S" | "AU" | "R" | "V" | "RE" | "U"))
    };
    let at = parts
        .iter()
        .position(after_requirements)
        .unwrap_or(parts.len());
    let requirements = ["CR", "IR", "AR"].map(|m| format!("{m}:{level}"));
    parts.splice(at..at, requirements);
    parts.join("/")
}

fn metric(part: &str) -> &str {
    part.split(':').next().unwrap_or(part)
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Parses and scores a vector string such as `CVSS:3.1/AV:N/...` or `CVSS:4.0/AV:N/...`.
pub fn score(vector: &str) -> Result<CvssScore, CvssError> {
    let err = |reason: String| CvssError {
        vector: vector.chars().take(200).collect(),
        reason,
    };
    if vector.starts_with("CVSS:4.0/") {
        let base = cvss::v4::Vector::from_str(vector).map_err(|e| err(e.to_string()))?;
        let mut environmental = [0.0; 4];
        for c in CRITICALITIES {
            let v = cvss::v4::Vector::from_str(&with_requirements(vector, c))
                .map_err(|e| err(e.to_string()))?;
            environmental[c as usize] = round1(v.score().value());
        }
        Ok(CvssScore {
            version: CvssVersion::V4_0,
            vector: vector.to_string(),
            base: round1(base.score().value()),
            environmental,
        })
    } else if vector.starts_with("CVSS:3.0/") || vector.starts_with("CVSS:3.1/") {
        let version = if vector.starts_with("CVSS:3.0/") {
            CvssVersion::V3_0
        } else {
            CvssVersion::V3_1
        };
        let base = cvss::v3::Vector::from_str(vector).map_err(|e| err(e.to_string()))?;
        let mut environmental = [0.0; 4];
        for c in CRITICALITIES {
            let v = cvss::v3::Vector::from_str(&with_requirements(vector, c))
                .map_err(|e| err(e.to_string()))?;
            environmental[c as usize] = round1(v.environmental_score().value());
        }
        Ok(CvssScore {
            version,
            vector: vector.to_string(),
            base: round1(base.base_score().value()),
            environmental,
        })
    } else {
        Err(err(
            "expected a prefix of CVSS:3.0/, CVSS:3.1/ or CVSS:4.0/".to_string(),
        ))
    }
}

/// Of several vectors for one CVE, the one to rank by: the newest CVSS version, then
/// the highest base score.
pub fn preferred(scores: impl IntoIterator<Item = CvssScore>) -> Option<CvssScore> {
    scores.into_iter().max_by(|a, b| {
        a.version
            .cmp(&b.version)
            .then(a.base.total_cmp(&b.base))
            .then_with(|| b.vector.cmp(&a.vector))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requirements_go_where_the_specification_orders_them() {
        assert_eq!(
            with_requirements(
                "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:H/MAV:L/S:P/AU:Y",
                Criticality::Low
            ),
            "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P/CR:L/IR:L/AR:L/MAV:L/S:P/AU:Y"
        );
        assert_eq!(
            with_requirements(
                "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L/E:F/MAV:L",
                Criticality::High
            ),
            "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:L/A:L/E:F/CR:H/IR:H/AR:H/MAV:L"
        );
    }

    #[test]
    fn v4_unset_requirements_count_as_high() {
        // CVSS v4.0 reads a missing CR/IR/AR as High, so `high` equals the vector's own score.
        let s =
            score("CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N/E:P").unwrap();
        assert_eq!(s.for_criticality(Criticality::High), s.base);
        assert!(s.for_criticality(Criticality::Medium) < s.base);
    }
}
