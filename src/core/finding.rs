//! Findings: an advisory's affected range matched against an asset's installed packages.

use std::cmp::Ordering;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::advisory::{Advisory, AffectedPackage, VersionRange};
use super::asset::{Asset, Distro};
use super::version::{self, PackageFormat};

/// One vulnerable package on one asset, for one CVE.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Finding {
    pub asset: String,
    pub cve: String,
    pub advisory: String,
    /// The installed binary package.
    pub package: String,
    /// The source package the advisory names (equal to `package` on RHEL).
    pub source_package: String,
    pub installed: String,
    /// The first version that fixes it; `None` when no fix exists yet.
    pub fixed: Option<String>,
}

/// Identifies a finding across scans, so its first-seen date survives re-ranking.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FindingKey {
    pub asset: String,
    pub cve: String,
    pub package: String,
}

impl Finding {
    pub fn key(&self) -> FindingKey {
        FindingKey {
            asset: self.asset.clone(),
            cve: self.cve.clone(),
            package: self.package.clone(),
        }
    }
}

/// The findings of a match, and the advisory data that could not be used.
#[derive(Debug, Default)]
pub struct MatchOutcome {
    pub findings: Vec<Finding>,
    /// Human-readable notes about unusable advisory ranges (bad versions and the like).
    pub warnings: Vec<String>,
}

struct Indexed<'a> {
    advisory: &'a Advisory,
    affected: &'a AffectedPackage,
}

/// Advisories indexed by distribution release and package name (source and binary).
pub struct AdvisoryIndex<'a> {
    by_release: HashMap<(Distro, &'a str), HashMap<&'a str, Vec<Indexed<'a>>>>,
}

impl<'a> AdvisoryIndex<'a> {
    pub fn new(advisories: &'a [Advisory]) -> Self {
        let mut by_release: HashMap<(Distro, &str), HashMap<&str, Vec<Indexed>>> = HashMap::new();
        for advisory in advisories {
            for affected in &advisory.affected {
                let names = by_release
                    .entry((affected.distro, affected.release.as_str()))
                    .or_default();
                let mut keys: Vec<&str> = vec![affected.package.as_str()];
                keys.extend(affected.binaries.iter().map(String::as_str));
                keys.sort_unstable();
                keys.dedup();
                for key in keys {
                    names
                        .entry(key)
                        .or_default()
                        .push(Indexed { advisory, affected });
                }
            }
        }
        AdvisoryIndex { by_release }
    }

    /// Matches every asset's packages against the index.
    pub fn match_assets(&self, assets: &[Asset]) -> MatchOutcome {
        let mut outcome = MatchOutcome::default();
        for asset in assets {
            self.match_asset(asset, &mut outcome);
        }
        outcome.findings.sort();
        outcome.findings.dedup();
        outcome.warnings.sort();
        outcome.warnings.dedup();
        outcome
    }

    fn match_asset(&self, asset: &Asset, outcome: &mut MatchOutcome) {
        let Some(names) = self
            .by_release
            .get(&(asset.os.distro, asset.os.release.as_str()))
        else {
            return;
        };
        let format = asset.os.distro.package_format();
        for package in &asset.packages {
            let source = package.source_name();
            let by_source = names.get(source).map(Vec::as_slice).unwrap_or_default();
            let by_binary = if source == package.name.as_str() {
                &[]
            } else {
                names
                    .get(package.name.as_str())
                    .map(Vec::as_slice)
                    .unwrap_or_default()
            };
            for entry in by_source.iter().chain(by_binary) {
                let hit = match affected_by(format, &package.version, &entry.affected.ranges) {
                    Ok(hit) => hit,
                    Err(warning) => {
                        outcome.warnings.push(format!(
                            "{}: {}: {warning}",
                            entry.advisory.id, entry.affected.package
                        ));
                        continue;
                    }
                };
                let Some(fixed) = hit else { continue };
                let cves: Vec<&str> = if entry.advisory.cves.is_empty() {
                    vec![entry.advisory.id.as_str()]
                } else {
                    entry.advisory.cves.iter().map(String::as_str).collect()
                };
                for cve in cves {
                    outcome.findings.push(Finding {
                        asset: asset.name.clone(),
                        cve: cve.to_string(),
                        advisory: entry.advisory.id.clone(),
                        package: package.name.to_string(),
                        source_package: entry.affected.package.clone(),
                        installed: package.version.to_string(),
                        fixed: fixed.clone(),
                    });
                }
            }
        }
    }
}

/// `Ok(Some(fixed))` when `installed` falls in one of `ranges` (`fixed` is that range's
/// fix, if any); `Ok(None)` when it falls in none.
fn affected_by(
    format: PackageFormat,
    installed: &str,
    ranges: &[VersionRange],
) -> Result<Option<Option<String>>, String> {
    let cmp = |a: &str, b: &str| version::compare(format, a, b).map_err(|e| e.to_string());
    for range in ranges {
        let after_start = match range.introduced.as_deref() {
            None | Some("0") => true,
            Some(introduced) => cmp(installed, introduced)? != Ordering::Less,
        };
        if !after_start {
            continue;
        }
        let before_end = match (&range.fixed, &range.last_affected) {
            (Some(fixed), _) => cmp(installed, fixed)? == Ordering::Less,
            (None, Some(last)) => cmp(installed, last)? != Ordering::Greater,
            (None, None) => true,
        };
        if before_end {
            return Ok(Some(range.fixed.clone()));
        }
    }
    Ok(None)
}
