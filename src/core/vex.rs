//! VEX: a vendor's statement that a product is not affected by a CVE, or is fixed in a given
//! version. Findings such a statement covers are set aside with the reason, not ranked.

use serde::{Deserialize, Serialize};

use super::asset::{Asset, Distro};
use super::finding::Finding;
use super::version::Version;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VexStatus {
    /// CSAF `known_not_affected`.
    KnownNotAffected,
    /// CSAF `fixed` / `first_fixed`: this version (and later ones) carry the fix.
    Fixed,
}

impl VexStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            VexStatus::KnownNotAffected => "known_not_affected",
            VexStatus::Fixed => "fixed",
        }
    }
}

/// One package in one distribution release, as a VEX document speaks of it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VexStatement {
    /// The document that says it (`RHSA-2024:4546`, `SEC-VEX-2022-0001`).
    pub document: String,
    pub cve: String,
    pub distro: Distro,
    pub release: String,
    /// Source or binary package name; a finding matches on either.
    pub package: String,
    /// For `known_not_affected`, the one version it speaks of (any version when `None`); for
    /// `fixed`, the first fixed version.
    pub version: Option<String>,
    pub status: VexStatus,
    /// The vendor's justification or impact statement, when given.
    pub justification: Option<String>,
}

/// A finding a VEX statement covers, and why it was set aside.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suppressed {
    pub finding: Finding,
    pub reason: String,
}

impl VexStatement {
    /// Whether this statement covers `finding` on `asset`.
    fn covers(&self, finding: &Finding, asset: &Asset) -> bool {
        let same_package =
            self.package == finding.package || self.package == finding.source_package;
        if self.cve != finding.cve
            || !same_package
            || self.distro != asset.os.distro
            || self.release != asset.os.release
        {
            return false;
        }
        let Some(version) = &self.version else {
            return self.status == VexStatus::KnownNotAffected;
        };
        let format = asset.os.distro.package_format();
        let (Ok(stated), Ok(installed)) = (
            Version::parse(format, version),
            Version::parse(format, &finding.installed),
        ) else {
            return false;
        };
        match self.status {
            VexStatus::KnownNotAffected => installed == stated,
            VexStatus::Fixed => installed >= stated,
        }
    }

    fn reason(&self) -> String {
        let mut reason = format!("{} says {}", self.document, self.status.as_str());
        if let Some(version) = &self.version {
            let relation = match self.status {
                VexStatus::KnownNotAffected => "for",
                VexStatus::Fixed => "from",
            };
            reason.push_str(&format!(" {relation} {} {version}", self.package));
        }
        if let Some(justification) = &self.justification {
            reason.push_str(&format!(": {justification}"));
        }
        reason
    }
}

/// Splits `findings` into those still open and those a statement covers (with the first
/// covering statement's reason). Findings on assets not in `assets` stay open.
pub fn apply_vex(
    findings: Vec<Finding>,
    assets: &[Asset],
    statements: &[VexStatement],
) -> (Vec<Finding>, Vec<Suppressed>) {
    if statements.is_empty() {
        return (findings, Vec::new());
    }
    let mut open = Vec::with_capacity(findings.len());
    let mut suppressed = Vec::new();
    for finding in findings {
        let asset = assets.iter().find(|a| a.name == finding.asset);
        let statement =
            asset.and_then(|asset| statements.iter().find(|s| s.covers(&finding, asset)));
        match statement {
            Some(statement) => suppressed.push(Suppressed {
                reason: statement.reason(),
                finding,
            }),
            None => open.push(finding),
        }
    }
    (open, suppressed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::asset::InstalledPackage;

    fn asset() -> Asset {
        let text = r#"{"name":"web-01","address":"10.0.0.1","port":22,"user":"patch","os":"ubuntu-22.04",
            "environment":"production","criticality":"high","exposure":"internet","groups":[],"tags":[],
            "owner":null,"last_scan":null,"packages":[]}"#;
        let mut asset: Asset = serde_json::from_str(text).unwrap();
        asset.packages = vec![InstalledPackage::new(
            "openssh-server",
            "1:8.9p1-3ubuntu0.6",
            Some("openssh".into()),
        )];
        asset
    }

    fn finding() -> Finding {
        Finding {
            asset: "web-01".into(),
            cve: "CVE-2024-6387".into(),
            advisory: "USN-6859-1".into(),
            package: "openssh-server".into(),
            source_package: "openssh".into(),
            installed: "1:8.9p1-3ubuntu0.6".into(),
            fixed: Some("1:8.9p1-3ubuntu0.10".into()),
        }
    }

    fn statement(status: VexStatus, version: Option<&str>) -> VexStatement {
        VexStatement {
            document: "VEX-1".into(),
            cve: "CVE-2024-6387".into(),
            distro: Distro::Ubuntu,
            release: "22.04".into(),
            package: "openssh".into(),
            version: version.map(str::to_string),
            status,
            justification: Some("vulnerable_code_not_in_execute_path".into()),
        }
    }

    #[test]
    fn known_not_affected_sets_the_finding_aside_with_the_justification() {
        let (open, suppressed) = apply_vex(
            vec![finding()],
            &[asset()],
            &[statement(VexStatus::KnownNotAffected, None)],
        );
        assert!(open.is_empty());
        assert_eq!(
            suppressed[0].reason,
            "VEX-1 says known_not_affected: vulnerable_code_not_in_execute_path"
        );
    }

    #[test]
    fn fixed_covers_the_stated_version_and_later_ones_only() {
        let at = |version| {
            apply_vex(
                vec![finding()],
                &[asset()],
                &[statement(VexStatus::Fixed, Some(version))],
            )
        };
        assert_eq!(at("1:8.9p1-3ubuntu0.6").1.len(), 1);
        assert_eq!(at("1:8.9p1-3ubuntu0.5").1.len(), 1);
        assert_eq!(
            at("1:8.9p1-3ubuntu0.7").0.len(),
            1,
            "installed is older than the fix"
        );
    }

    #[test]
    fn other_cves_releases_and_versions_stay_open() {
        let mut other_release = statement(VexStatus::KnownNotAffected, None);
        other_release.release = "24.04".into();
        let other_version = statement(VexStatus::KnownNotAffected, Some("1:8.9p1-3ubuntu0.7"));
        let mut other_cve = statement(VexStatus::KnownNotAffected, None);
        other_cve.cve = "CVE-2023-48795".into();
        let (open, suppressed) = apply_vex(
            vec![finding()],
            &[asset()],
            &[other_release, other_version, other_cve],
        );
        assert_eq!(open.len(), 1);
        assert!(suppressed.is_empty());
    }
}
