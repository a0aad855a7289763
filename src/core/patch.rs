//! Pending patches: findings grouped by the package update that closes them.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::asset::{Asset, Distro};
use super::finding::Finding;
use super::version;

/// One package update for one distribution release: install `fixed` (or later) of
/// `package` and the listed CVEs close on the listed assets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingPatch {
    /// `package=fixed`, the form apt and dnf take for a pinned install.
    pub id: String,
    pub distro: Distro,
    pub release: String,
    pub package: String,
    pub fixed: String,
    pub cves: BTreeSet<String>,
    pub advisories: BTreeSet<String>,
    pub assets: BTreeSet<String>,
    /// Indices into the findings slice the patch was built from.
    pub findings: Vec<usize>,
}

impl PendingPatch {
    /// A title for tables: the advisories, else the package.
    pub fn title(&self) -> String {
        let advisories: Vec<&str> = self.advisories.iter().map(String::as_str).collect();
        format!("{} update ({})", self.package, advisories.join(", "))
    }
}

/// Groups fixable findings by (distribution, release, source package); each group's
/// target is the highest fixed version among its findings, which closes them all.
/// Findings without a fix stay out of patches.
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
        groups
            .entry((distro, release, finding.source_package.as_str()))
            .or_default()
            .push(index);
    }
    groups
        .into_iter()
        .filter_map(|((distro, release, package), members)| {
            let format = distro.package_format();
            let fixed = members
                .iter()
                .filter_map(|&i| findings[i].fixed.as_deref())
                .reduce(
                    |best, candidate| match version::compare(format, candidate, best) {
                        Ok(std::cmp::Ordering::Greater) => candidate,
                        _ => best,
                    },
                )?
                .to_string();
            Some(PendingPatch {
                id: format!("{package}={fixed}"),
                distro,
                release: release.to_string(),
                package: package.to_string(),
                fixed,
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
