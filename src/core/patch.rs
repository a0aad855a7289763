//! Pending patches: findings grouped by the update that closes them.
//!
//! Debian and Ubuntu ship fixes per source package, so a patch is one source package
//! raised to one version (`openssh=1:9.2p1-2+deb12u3`, the form apt takes). Red Hat ships
//! them per advisory across several binary packages, so there a patch is one advisory
//! (`RHSA-2024:4726`, the form `dnf upgrade --advisory` takes).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::asset::{Asset, Distro};
use super::finding::Finding;
use super::version::{self, PackageFormat};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPatch {
    pub id: String,
    pub distro: Distro,
    pub release: String,
    /// The source package (Debian, Ubuntu) or the advisory's main package (RHEL).
    pub package: String,
    /// The version of `package` that closes the findings.
    pub fixed: String,
    /// Every installed binary package to update, with the version to install.
    pub packages: BTreeMap<String, String>,
    pub cves: BTreeSet<String>,
    pub advisories: BTreeSet<String>,
    pub assets: BTreeSet<String>,
    /// Indices into the findings slice the patch was built from.
    pub findings: Vec<usize>,
}

impl PendingPatch {
    /// A title for tables: the package, how many more it brings, and the advisories.
    pub fn title(&self) -> String {
        let advisories: Vec<&str> = self.advisories.iter().map(String::as_str).collect();
        let others = self.packages.keys().filter(|p| **p != self.package).count();
        let more = match others {
            0 => String::new(),
            1 => " (+1 package)".to_string(),
            n => format!(" (+{n} packages)"),
        };
        if self.advisories.len() == 1 && self.advisories.contains(&self.id) {
            format!("{}{more} update", self.package)
        } else {
            format!("{}{more} update ({})", self.package, advisories.join(", "))
        }
    }
}

/// The higher of two versions; on a comparison error the first stays.
fn higher<'a>(format: PackageFormat, best: &'a str, candidate: &'a str) -> &'a str {
    match version::compare(format, candidate, best) {
        Ok(Ordering::Greater) => candidate,
        _ => best,
    }
}

/// Groups fixable findings into pending patches. Findings without a fix, or on an asset
/// that is not in `assets`, stay out.
pub fn group_pending(findings: &[Finding], assets: &[Asset]) -> Vec<PendingPatch> {
    let os_of: BTreeMap<&str, (Distro, &str)> = assets
        .iter()
        .map(|a| (a.name.as_str(), (a.os.distro, a.os.release.as_str())))
        .collect();
    let mut groups: BTreeMap<(Distro, &str, &str), Vec<usize>> = BTreeMap::new();
    for (index, finding) in findings.iter().enumerate() {
        if finding.fixed.is_none() {
            continue;
        }
        let Some(&(distro, release)) = os_of.get(finding.asset.as_str()) else {
            continue;
        };
        let unit = match distro.package_format() {
            PackageFormat::Dpkg => finding.source_package.as_str(),
            PackageFormat::Rpm => finding.advisory.as_str(),
        };
        groups
            .entry((distro, release, unit))
            .or_default()
            .push(index);
    }
    groups
        .into_iter()
        .filter_map(|((distro, release, unit), members)| {
            let format = distro.package_format();
            let mut packages: BTreeMap<String, String> = BTreeMap::new();
            for &i in &members {
                let (Some(fixed), package) = (findings[i].fixed.as_deref(), &findings[i].package)
                else {
                    continue;
                };
                let target = match packages.get(package) {
                    Some(best) => higher(format, best, fixed).to_string(),
                    None => fixed.to_string(),
                };
                packages.insert(package.clone(), target);
            }
            let (package, fixed, id) = match format {
                PackageFormat::Dpkg => {
                    let fixed = packages
                        .values()
                        .map(String::as_str)
                        .reduce(|best, v| higher(format, best, v))?
                        .to_string();
                    (unit.to_string(), fixed.clone(), format!("{unit}={fixed}"))
                }
                PackageFormat::Rpm => {
                    // The shortest name is the product (httpd beside httpd-tools).
                    let (main, fixed) = packages
                        .iter()
                        .min_by(|a, b| a.0.len().cmp(&b.0.len()).then(a.0.cmp(b.0)))?;
                    (main.clone(), fixed.clone(), unit.to_string())
                }
            };
            Some(PendingPatch {
                id,
                distro,
                release: release.to_string(),
                package,
                fixed,
                packages,
                cves: members.iter().map(|&i| findings[i].cve.clone()).collect(),
                advisories: members
                    .iter()
                    .map(|&i| findings[i].advisory.clone())
                    .collect(),
                assets: members.iter().map(|&i| findings[i].asset.clone()).collect(),
                findings: members,
            })
        })
        .collect()
}
