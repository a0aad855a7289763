//! One OSV `affected[]` entry: ecosystem mapping to our distributions, version ranges and
//! Ubuntu's binary package list.

use serde_json::{Map, Value};

use super::error::FeedError;
use super::ids::is_package_name;
use super::json::At;
use crate::core::advisory::{AffectedPackage, VersionRange};
use crate::core::asset::Distro;
use crate::core::version;

/// Maps an OSV ecosystem to (distribution, release) per SITE_FORMAT.md; `None` for
/// ecosystems we do not patch (Go, PyPI, Alpine, Ubuntu FIPS streams, other Red Hat products).
pub fn map_ecosystem(ecosystem: &str) -> Option<(Distro, String)> {
    let parts: Vec<&str> = ecosystem.split(':').collect();
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    match parts[..] {
        ["Debian", release] if digits(release) => Some((Distro::Debian, release.to_string())),
        ["Ubuntu", release]
        | ["Ubuntu", release, "LTS"]
        | ["Ubuntu", "Pro", release, "LTS"]
        | ["Ubuntu", "Pro", release] => {
            let (yy, mm) = release.split_once('.')?;
            (digits(yy) && digits(mm)).then(|| (Distro::Ubuntu, release.to_string()))
        }
        ["Red Hat", product, release, ..]
            if product == "enterprise_linux" || product.starts_with("rhel_") =>
        {
            let major = release.split('.').next()?;
            digits(major).then(|| (Distro::Rhel, major.to_string()))
        }
        _ => None,
    }
}

/// The package of one `affected[]` entry, or `None` when its ecosystem is not ours or it
/// has no ECOSYSTEM range.
pub(crate) fn parse_affected(
    obj: &Map<String, Value>,
    at: &At,
) -> Result<Option<AffectedPackage>, FeedError> {
    let Some((package, package_at)) = at.optional(obj, "package") else {
        return Ok(None);
    };
    let package = package_at.object(package)?;
    let Some((ecosystem, _)) = package_at.optional(package, "ecosystem") else {
        return Ok(None);
    };
    let Some((distro, release)) = ecosystem.as_str().and_then(map_ecosystem) else {
        return Ok(None);
    };
    let (name, name_at) = package_at.required_str(package, "name")?;
    if !is_package_name(name) {
        return Err(name_at.expected("a package name like openssh or git-lfs", &package["name"]));
    }
    let mut ranges = Vec::new();
    for (range, range_at) in at.optional_array(obj, "ranges")? {
        let range = range_at.object(range)?;
        let (kind, _) = range_at.required_str(range, "type")?;
        if kind == "ECOSYSTEM" {
            let format = distro.package_format();
            ranges.extend(parse_events(range, &range_at, format, name)?);
        }
    }
    if ranges.is_empty() {
        return Ok(None);
    }
    let mut binaries = Vec::new();
    if let Some((specific, specific_at)) = at.optional(obj, "ecosystem_specific") {
        let specific = specific_at.object(specific)?;
        for (binary, binary_at) in specific_at.optional_array(specific, "binaries")? {
            let (binary, name_at) =
                binary_at.required_str(binary_at.object(binary)?, "binary_name")?;
            if !is_package_name(binary) {
                return Err(name_at.error(format!("`{binary}` is not a package name")));
            }
            if !binaries.iter().any(|b| b == binary) {
                binaries.push(binary.to_string());
            }
        }
    }
    Ok(Some(AffectedPackage {
        distro,
        release,
        package: name.to_string(),
        binaries,
        ranges,
    }))
}

/// Turns OSV events into ranges: each `introduced` opens a range that the next `fixed` or
/// `last_affected` closes; an `introduced` of "0" means "from the beginning". `limit`
/// events only bound git ranges and are ignored.
fn parse_events(
    range: &Map<String, Value>,
    at: &At,
    format: version::PackageFormat,
    package: &str,
) -> Result<Vec<VersionRange>, FeedError> {
    let (events, events_at) = at.required(range, "events")?;
    let mut ranges = Vec::new();
    let mut open: Option<VersionRange> = None;
    for (i, event) in events_at.array(events)?.iter().enumerate() {
        let event_at = events_at.index(i);
        let event = event_at.object(event)?;
        let [(kind, value)] = event.iter().collect::<Vec<_>>()[..] else {
            return Err(
                event_at.error("expected exactly one of introduced, fixed, last_affected, limit")
            );
        };
        let value_at = event_at.key(kind);
        let value = value_at.string(value)?;
        if kind != "limit" && !(kind == "introduced" && value == "0") {
            version::validate(format, value)
                .map_err(|e| value_at.error(format!("package {package}: {e}")))?;
        }
        match kind.as_str() {
            "introduced" => {
                ranges.extend(open.take());
                open = Some(VersionRange {
                    introduced: (value != "0").then(|| value.to_string()),
                    fixed: None,
                    last_affected: None,
                });
            }
            "fixed" | "last_affected" => {
                let mut closed = open.take().unwrap_or(VersionRange {
                    introduced: None,
                    fixed: None,
                    last_affected: None,
                });
                if kind == "fixed" {
                    closed.fixed = Some(value.to_string());
                } else {
                    closed.last_affected = Some(value.to_string());
                }
                ranges.push(closed);
            }
            "limit" => {}
            _ => {
                return Err(event_at.error(format!(
                    "unknown event `{kind}`; expected introduced, fixed, last_affected or limit"
                )));
            }
        }
    }
    ranges.extend(open);
    Ok(ranges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecosystems_map_per_site_format() {
        let cases = [
            ("Debian:12", Some((Distro::Debian, "12"))),
            ("Ubuntu:22.04:LTS", Some((Distro::Ubuntu, "22.04"))),
            ("Ubuntu:22.04", Some((Distro::Ubuntu, "22.04"))),
            ("Ubuntu:Pro:22.04:LTS", Some((Distro::Ubuntu, "22.04"))),
            (
                "Red Hat:enterprise_linux:9::baseos",
                Some((Distro::Rhel, "9")),
            ),
            ("Red Hat:rhel_eus:9.2::appstream", Some((Distro::Rhel, "9"))),
            ("Red Hat:rhel_aus:8.6::appstream", Some((Distro::Rhel, "8"))),
            ("Red Hat:openshift:4.13::el9", None),
            ("Ubuntu:Pro:FIPS:22.04:LTS", None),
            ("Go", None),
            ("PyPI", None),
            ("Alpine:v3.8", None),
            ("Debian", None),
        ];
        for (ecosystem, expected) in cases {
            let expected = expected.map(|(d, r)| (d, r.to_string()));
            assert_eq!(map_ecosystem(ecosystem), expected, "{ecosystem}");
        }
    }

    fn ranges(events: &str) -> Result<Vec<VersionRange>, FeedError> {
        let range: Value = serde_json::from_str(&format!(r#"{{"events": {events}}}"#)).unwrap();
        let at = At::root("f.json");
        parse_events(
            range.as_object().unwrap(),
            &at,
            version::PackageFormat::Dpkg,
            "pkg",
        )
    }

    #[test]
    fn several_introduced_fixed_pairs_make_several_ranges() {
        let got = ranges(
            r#"[{"introduced": "0"}, {"fixed": "1.0-1"}, {"introduced": "2.0-1"}, {"last_affected": "2.5-1"}, {"introduced": "3.0-1"}]"#,
        )
        .unwrap();
        let r = |i: Option<&str>, f: Option<&str>, l: Option<&str>| VersionRange {
            introduced: i.map(str::to_string),
            fixed: f.map(str::to_string),
            last_affected: l.map(str::to_string),
        };
        assert_eq!(
            got,
            vec![
                r(None, Some("1.0-1"), None),
                r(Some("2.0-1"), None, Some("2.5-1")),
                r(Some("3.0-1"), None, None),
            ]
        );
    }

    #[test]
    fn an_invalid_version_names_the_package() {
        let err = ranges(r#"[{"introduced": "0"}, {"fixed": "1.0 beta"}]"#)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f.json: events[1].fixed: package pkg:"),
            "{err}"
        );
    }
}
