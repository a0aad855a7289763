//! Assets: the hosts an operator patches, and what is installed on them.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::version::PackageFormat;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Staging,
    Production,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Environment::Staging => "staging",
            Environment::Production => "production",
        }
    }
}

/// Business criticality; the order is from least to most critical.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Criticality {
    Low,
    Medium,
    High,
    Mission,
}

impl Criticality {
    pub fn as_str(self) -> &'static str {
        match self {
            Criticality::Low => "low",
            Criticality::Medium => "medium",
            Criticality::High => "high",
            Criticality::Mission => "mission",
        }
    }
}

/// Network exposure; the order is from most to least exposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Exposure {
    Internet,
    Internal,
    Isolated,
}

impl Exposure {
    pub fn as_str(self) -> &'static str {
        match self {
            Exposure::Internet => "internet",
            Exposure::Internal => "internal",
            Exposure::Isolated => "isolated",
        }
    }

    pub fn is_internet_facing(self) -> bool {
        self == Exposure::Internet
    }
}

impl Default for Exposure {
    /// Unknown exposure counts as internet-facing (DESIGN.md §1).
    fn default() -> Self {
        Exposure::Internet
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Distro {
    Debian,
    Ubuntu,
    Rhel,
}

impl Distro {
    pub fn package_format(self) -> PackageFormat {
        match self {
            Distro::Debian | Distro::Ubuntu => PackageFormat::Dpkg,
            Distro::Rhel => PackageFormat::Rpm,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Distro::Debian => "debian",
            Distro::Ubuntu => "ubuntu",
            Distro::Rhel => "rhel",
        }
    }
}

/// An operating system release such as `debian-12`, `ubuntu-22.04` or `rhel-9`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct OsRelease {
    pub distro: Distro,
    /// `12`, `22.04`, `9`: Debian and RHEL by major version, Ubuntu by `YY.MM`.
    pub release: String,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error(
    "`{0}` is not a known OS release; expected debian-N, ubuntu-YY.MM or rhel-N (e.g. debian-12, ubuntu-22.04, rhel-9)"
)]
pub struct OsReleaseError(pub String);

impl FromStr for OsRelease {
    type Err = OsReleaseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || OsReleaseError(s.to_string());
        let (name, release) = s.split_once('-').ok_or_else(err)?;
        let distro = match name {
            "debian" => Distro::Debian,
            "ubuntu" => Distro::Ubuntu,
            "rhel" => Distro::Rhel,
            _ => return Err(err()),
        };
        let numeric = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
        let well_formed = match distro {
            Distro::Debian | Distro::Rhel => numeric(release),
            Distro::Ubuntu => release
                .split_once('.')
                .is_some_and(|(yy, mm)| numeric(yy) && numeric(mm)),
        };
        if !well_formed {
            return Err(err());
        }
        Ok(OsRelease {
            distro,
            release: release.to_string(),
        })
    }
}

impl fmt::Display for OsRelease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.distro.as_str(), self.release)
    }
}

impl Serialize for OsRelease {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for OsRelease {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A string many hosts share (the same package name or version): a pointer-sized handle,
/// because a fleet of 10,000 hosts with 1,500 packages each holds 15 million of them.
pub type SharedStr = Arc<String>;

/// One installed binary package. `source` is the source package advisories name
/// (Debian and Ubuntu advisories key on it); when absent the binary name is used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstalledPackage {
    pub name: SharedStr,
    pub version: SharedStr,
    pub source: Option<SharedStr>,
}

impl InstalledPackage {
    pub fn new(
        name: impl Into<String>,
        version: impl Into<String>,
        source: Option<String>,
    ) -> Self {
        InstalledPackage {
            name: Arc::new(name.into()),
            version: Arc::new(version.into()),
            source: source.map(Arc::new),
        }
    }

    pub fn source_name(&self) -> &str {
        self.source
            .as_deref()
            .map_or(self.name.as_str(), String::as_str)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    pub os: OsRelease,
    pub environment: Environment,
    pub criticality: Criticality,
    pub exposure: Exposure,
    pub groups: Vec<String>,
    pub tags: Vec<String>,
    pub owner: Option<String>,
    /// When the package list was collected; findings are first seen no earlier than this.
    pub last_scan: Option<DateTime<Utc>>,
    pub packages: Vec<InstalledPackage>,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The words the CLI and the console print are the ones site files use.
    #[test]
    fn as_str_is_the_site_file_word() {
        let word = |value: serde_json::Value| value.as_str().unwrap_or_default().to_string();
        for e in [Environment::Staging, Environment::Production] {
            assert_eq!(word(serde_json::to_value(e).unwrap()), e.as_str());
        }
        for c in [
            Criticality::Low,
            Criticality::Medium,
            Criticality::High,
            Criticality::Mission,
        ] {
            assert_eq!(word(serde_json::to_value(c).unwrap()), c.as_str());
        }
        for x in [Exposure::Internet, Exposure::Internal, Exposure::Isolated] {
            assert_eq!(word(serde_json::to_value(x).unwrap()), x.as_str());
        }
    }
}
