//! Findings: an advisory's affected range matched against an asset's installed packages.

use std::collections::HashMap;
use std::sync::Arc;

use foldhash::HashMap as FastMap;
use serde::{Deserialize, Serialize};

use super::advisory::{Advisory, AffectedPackage};
use super::asset::{Asset, Distro, InstalledPackage};
use super::version::{PackageFormat, Version};

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

/// The findings of a match, and the data that could not be used.
#[derive(Debug, Default)]
pub struct MatchOutcome {
    pub findings: Vec<Finding>,
    /// Human-readable notes about unusable advisory ranges and installed versions.
    pub warnings: Vec<String>,
}

/// Where an affected range ends.
enum RangeEnd<'a> {
    Fixed(Version, &'a str),
    LastAffected(Version),
    Open,
}

struct ParsedRange<'a> {
    introduced: Option<Version>,
    end: RangeEnd<'a>,
}

/// One affected package of one advisory, its versions parsed once.
struct Entry<'a> {
    advisory: &'a Advisory,
    affected: &'a AffectedPackage,
    ranges: Vec<ParsedRange<'a>>,
}

impl<'a> Entry<'a> {
    /// `Some(fix)` when `installed` falls in a range (`fix` is `None` when unfixed).
    fn hit(&self, installed: &Version) -> Option<Option<&'a str>> {
        self.ranges.iter().find_map(|range| {
            if range
                .introduced
                .as_ref()
                .is_some_and(|start| installed < start)
            {
                return None;
            }
            match &range.end {
                RangeEnd::Fixed(fixed, text) => (installed < fixed).then_some(Some(*text)),
                RangeEnd::LastAffected(last) => (installed <= last).then_some(None),
                RangeEnd::Open => Some(None),
            }
        })
    }
}

fn parse_range<'a>(
    format: PackageFormat,
    range: &'a super::advisory::VersionRange,
) -> Result<ParsedRange<'a>, String> {
    let parse = |text: &str| Version::parse(format, text).map_err(|e| e.to_string());
    let introduced = match range.introduced.as_deref() {
        None | Some("0") => None,
        Some(text) => Some(parse(text)?),
    };
    let end = match (&range.fixed, &range.last_affected) {
        (Some(fixed), _) => RangeEnd::Fixed(parse(fixed)?, fixed.as_str()),
        (None, Some(last)) => RangeEnd::LastAffected(parse(last)?),
        (None, None) => RangeEnd::Open,
    };
    Ok(ParsedRange { introduced, end })
}

/// Advisories indexed by distribution release and package name (source and binary),
/// with every version parsed once.
pub struct AdvisoryIndex<'a> {
    entries: Vec<Entry<'a>>,
    by_release: HashMap<(Distro, &'a str), FastMap<&'a str, Vec<usize>>>,
    warnings: Vec<String>,
}

/// Identifies a package by the shared strings it is made of: hosts built from the same
/// image share them, so a fleet's millions of packages reduce to a few thousand cases.
type PackageKey = (usize, usize, usize);

fn package_key(package: &InstalledPackage) -> PackageKey {
    (
        Arc::as_ptr(&package.name) as usize,
        package
            .source
            .as_ref()
            .map_or(0, |s| Arc::as_ptr(s) as usize),
        Arc::as_ptr(&package.version) as usize,
    )
}

/// (entry index, fixed version) for every advisory entry a package falls in.
type Hits<'a> = Vec<(usize, Option<&'a str>)>;

impl<'a> AdvisoryIndex<'a> {
    pub fn new(advisories: &'a [Advisory]) -> Self {
        let mut entries = Vec::new();
        let mut warnings = Vec::new();
        let mut by_release: HashMap<(Distro, &str), FastMap<&str, Vec<usize>>> = HashMap::new();
        for advisory in advisories {
            for affected in &advisory.affected {
                let format = affected.distro.package_format();
                let mut ranges = Vec::with_capacity(affected.ranges.len());
                for range in &affected.ranges {
                    match parse_range(format, range) {
                        Ok(parsed) => ranges.push(parsed),
                        Err(e) => {
                            warnings.push(format!("{}: {}: {e}", advisory.id, affected.package))
                        }
                    }
                }
                let index = entries.len();
                entries.push(Entry {
                    advisory,
                    affected,
                    ranges,
                });
                let names = by_release
                    .entry((affected.distro, affected.release.as_str()))
                    .or_default();
                let mut keys: Vec<&str> = vec![affected.package.as_str()];
                keys.extend(affected.binaries.iter().map(String::as_str));
                keys.sort_unstable();
                keys.dedup();
                for key in keys {
                    names.entry(key).or_default().push(index);
                }
            }
        }
        AdvisoryIndex {
            entries,
            by_release,
            warnings,
        }
    }

    /// Matches every asset's packages against the index.
    pub fn match_assets(&self, assets: &[Asset]) -> MatchOutcome {
        let mut outcome = MatchOutcome {
            findings: Vec::new(),
            warnings: self.warnings.clone(),
        };
        let mut caches: HashMap<(Distro, &str), FastMap<PackageKey, Hits<'a>>> = HashMap::new();
        for asset in assets {
            let release = (asset.os.distro, asset.os.release.as_str());
            let Some(names) = self.by_release.get(&release) else {
                continue;
            };
            let cache = caches.entry(release).or_default();
            for package in &asset.packages {
                let hits = cache
                    .entry(package_key(package))
                    .or_insert_with(|| self.hits(names, asset, package, &mut outcome.warnings));
                for &(entry, fixed) in hits.iter() {
                    self.push_findings(
                        &self.entries[entry],
                        asset,
                        package,
                        fixed,
                        &mut outcome.findings,
                    );
                }
            }
        }
        outcome.findings.sort();
        outcome.findings.dedup();
        outcome.warnings.sort();
        outcome.warnings.dedup();
        outcome
    }

    fn hits(
        &self,
        names: &FastMap<&'a str, Vec<usize>>,
        asset: &Asset,
        package: &InstalledPackage,
        warnings: &mut Vec<String>,
    ) -> Hits<'a> {
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
        if by_source.is_empty() && by_binary.is_empty() {
            return Vec::new();
        }
        let installed = match Version::parse(asset.os.distro.package_format(), &package.version) {
            Ok(version) => version,
            Err(e) => {
                warnings.push(format!("{}: {}: {e}", asset.name, package.name));
                return Vec::new();
            }
        };
        let mut hits: Hits<'a> = by_source
            .iter()
            .chain(by_binary)
            .filter_map(|&index| {
                self.entries[index]
                    .hit(&installed)
                    .map(|fixed| (index, fixed))
            })
            .collect();
        hits.sort_unstable();
        hits.dedup();
        hits
    }

    fn push_findings(
        &self,
        entry: &Entry<'a>,
        asset: &Asset,
        package: &InstalledPackage,
        fixed: Option<&str>,
        findings: &mut Vec<Finding>,
    ) {
        let advisory = entry.advisory;
        let own_id = [advisory.id.clone()];
        let cves = if advisory.cves.is_empty() {
            &own_id[..]
        } else {
            &advisory.cves[..]
        };
        for cve in cves {
            findings.push(Finding {
                asset: asset.name.clone(),
                cve: cve.clone(),
                advisory: advisory.id.clone(),
                package: package.name.to_string(),
                source_package: entry.affected.package.clone(),
                installed: package.version.to_string(),
                fixed: fixed.map(str::to_string),
            });
        }
    }
}
