//! Advisories: which package versions a vulnerability affects and where it is fixed.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::asset::{Distro, OsRelease};

/// One affected range, OSV style: versions from `introduced` (inclusive; `None` means
/// from the beginning) up to `fixed` (exclusive) or `last_affected` (inclusive).
/// With neither, every version from `introduced` on is affected and no fix exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionRange {
    pub introduced: Option<String>,
    pub fixed: Option<String>,
    pub last_affected: Option<String>,
}

/// A package an advisory affects in one distribution release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AffectedPackage {
    pub distro: Distro,
    /// The release as advisories name it: `12` for Debian, `22.04` for Ubuntu, `9` for RHEL.
    pub release: String,
    /// Source package name for Debian/Ubuntu, binary package name for RHEL.
    pub package: String,
    /// Binary package names built from `package`, when the advisory lists them.
    pub binaries: Vec<String>,
    pub ranges: Vec<VersionRange>,
}

impl AffectedPackage {
    pub fn applies_to(&self, os: &OsRelease) -> bool {
        self.distro == os.distro && self.release == os.release
    }
}

/// A vulnerability advisory (OSV record, CSAF document, distribution notice).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Advisory {
    pub id: String,
    pub summary: String,
    pub published: Option<DateTime<Utc>>,
    /// The CVE ids this advisory fixes; when it names none, its own id stands in.
    pub cves: Vec<String>,
    pub affected: Vec<AffectedPackage>,
    /// CVSS vectors the advisory gives, per CVE.
    pub cvss: Vec<CveVector>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CveVector {
    pub cve: String,
    pub vector: String,
}
