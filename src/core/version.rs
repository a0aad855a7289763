//! Package version ordering with the distributions' own rules.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Which package manager's ordering applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PackageFormat {
    Dpkg,
    Rpm,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("`{version}` is not a valid {format:?} version: {reason}")]
pub struct VersionError {
    pub version: String,
    pub format: PackageFormat,
    pub reason: String,
}

/// Checks that `version` is a well-formed version for `format`.
pub fn validate(format: PackageFormat, version: &str) -> Result<(), VersionError> {
    let bad = |reason: &str| VersionError {
        version: version.to_string(),
        format,
        reason: reason.to_string(),
    };
    if version.is_empty() {
        return Err(bad("empty"));
    }
    match format {
        PackageFormat::Dpkg => version
            .parse::<debversion::Version>()
            .map(|_| ())
            .map_err(|e| bad(&e.to_string())),
        PackageFormat::Rpm => {
            // rpm itself accepts almost anything; refuse what no package manager writes.
            if version.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(bad("contains whitespace or control characters"));
            }
            let (epoch, _) = version.split_once(':').unwrap_or(("0", version));
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("epoch must be a number"));
            }
            Ok(())
        }
    }
}

/// Compares two versions; both must pass [`validate`].
pub fn compare(format: PackageFormat, a: &str, b: &str) -> Result<Ordering, VersionError> {
    match format {
        PackageFormat::Dpkg => {
            let parse = |v: &str| {
                v.parse::<debversion::Version>().map_err(|e| VersionError {
                    version: v.to_string(),
                    format,
                    reason: e.to_string(),
                })
            };
            Ok(parse(a)?.cmp(&parse(b)?))
        }
        PackageFormat::Rpm => {
            validate(format, a)?;
            validate(format, b)?;
            Ok(rpm_version::rpm_evr_compare(a, b))
        }
    }
}
