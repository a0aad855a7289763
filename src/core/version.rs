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
        PackageFormat::Dpkg => {
            dpkg_shape(version).map_err(bad)?;
            version
                .parse::<debversion::Version>()
                .map(|_| ())
                .map_err(|e| bad(&e.to_string()))
        }
        PackageFormat::Rpm => {
            // rpm itself accepts almost anything; refuse what no package manager writes.
            if version.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(bad("contains whitespace or control characters"));
            }
            let (epoch, rest) = version.split_once(':').unwrap_or(("0", version));
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad("epoch must be a number"));
            }
            if rest.is_empty() {
                return Err(bad("nothing after the epoch"));
            }
            Ok(())
        }
    }
}

/// The checks dpkg's own parser makes that the `debversion` crate leaves out.
fn dpkg_shape(version: &str) -> Result<(), &'static str> {
    if version.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("contains whitespace or control characters");
    }
    let rest = match version.split_once(':') {
        Some((epoch, rest)) => {
            if epoch.is_empty() || !epoch.bytes().all(|b| b.is_ascii_digit()) {
                return Err("epoch must be a number");
            }
            if rest.is_empty() {
                return Err("nothing after the epoch");
            }
            rest
        }
        None => version,
    };
    let upstream = match rest.rsplit_once('-') {
        Some((_, "")) => return Err("revision after `-` is empty"),
        Some((upstream, _)) => upstream,
        None => rest,
    };
    if !upstream.starts_with(|c: char| c.is_ascii_digit()) {
        return Err("upstream version must start with a digit");
    }
    Ok(())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpkg_versions_are_checked_as_dpkg_does() {
        for good in [
            "1.0",
            "1:9.2p1-2+deb12u2",
            "2.36-9+deb12u3",
            "0~rc1",
            "1.2-3-4",
        ] {
            assert_eq!(validate(PackageFormat::Dpkg, good), Ok(()), "{good}");
        }
        for bad in ["", "1:", ":1.0", "a:1.0", "1.0-", "2.36 9", "x1.0", "1.0\n"] {
            assert!(validate(PackageFormat::Dpkg, bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn rpm_versions_need_something_after_the_epoch() {
        assert_eq!(validate(PackageFormat::Rpm, "1:3.0.7-27.el9"), Ok(()));
        assert!(validate(PackageFormat::Rpm, "1:").is_err());
        assert!(validate(PackageFormat::Rpm, "x:1").is_err());
    }
}
