//! OSV records (Debian, Ubuntu and Red Hat ecosystems) to core [`Advisory`] values.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::error::FeedError;
use super::ids::{clean_text, is_advisory_id, is_cve_id};
use super::json::{self, At};
use super::osv_affected::parse_affected;
use crate::core::advisory::{Advisory, AffectedPackage, CveVector};
use crate::core::cvss_score;

/// What one OSV record contributes.
#[derive(Debug, Clone, PartialEq)]
pub struct OsvParsed {
    /// `None` when the record touches none of our distributions or is withdrawn.
    pub advisory: Option<Advisory>,
    /// `affected[]` entries left out: other ecosystems, or no ECOSYSTEM range.
    pub skipped_packages: usize,
}

/// Parses one OSV JSON record. `origin` names the file in errors.
pub fn parse_osv(bytes: &[u8], origin: &str) -> Result<OsvParsed, FeedError> {
    let doc = json::parse(bytes, origin)?;
    let root = At::root(origin);
    let top = root.object(&doc)?;
    let (id, id_at) = root.required_str(top, "id")?;
    if !is_advisory_id(id) {
        return Err(id_at.expected(
            "an advisory id matching [A-Za-z0-9][A-Za-z0-9:._-]{0,127}",
            &top["id"],
        ));
    }
    let affected_list = root.optional_array(top, "affected")?;
    if root.optional(top, "withdrawn").is_some() {
        return Ok(OsvParsed {
            advisory: None,
            skipped_packages: affected_list.len(),
        });
    }
    let mut affected: Vec<AffectedPackage> = Vec::new();
    let mut skipped_packages = 0;
    let mut per_cve_vectors = Vec::new();
    let mut cves = Vec::new();
    if is_cve_id(id) {
        cves.push(id.to_string());
    }
    for (entry, entry_at) in &affected_list {
        let entry = entry_at.object(entry)?;
        match parse_affected(entry, entry_at)? {
            Some(package) => {
                ubuntu_cves_map(entry, entry_at, id, &mut cves, &mut per_cve_vectors)?;
                merge(&mut affected, package);
            }
            None => skipped_packages += 1,
        }
    }
    if affected.is_empty() {
        return Ok(OsvParsed {
            advisory: None,
            skipped_packages,
        });
    }
    for key in ["aliases", "upstream", "related"] {
        for (alias, alias_at) in root.optional_array(top, key)? {
            let alias = alias_at.string(alias)?;
            // Ubuntu and Debian name their own CVE trackers `UBUNTU-CVE-…`, `DEBIAN-CVE-…`.
            let alias = alias
                .strip_prefix("UBUNTU-")
                .or_else(|| alias.strip_prefix("DEBIAN-"))
                .unwrap_or(alias);
            push_cve(alias, &alias_at, &mut cves)?;
        }
    }
    if cves.is_empty() {
        cves.push(id.to_string());
    }
    let mut cvss = Vec::new();
    for (vector, vector_at) in severity_vectors(top, &root)? {
        check_vector(vector, &vector_at, id, &cves.join(", "))?;
        for cve in &cves {
            push_vector(&mut cvss, cve, vector);
        }
    }
    for (cve, vector) in per_cve_vectors {
        push_vector(&mut cvss, &cve, &vector);
    }
    Ok(OsvParsed {
        advisory: Some(Advisory {
            id: id.to_string(),
            summary: summary(top),
            published: published(top, &root)?,
            cves,
            affected,
            cvss,
        }),
        skipped_packages,
    })
}

/// Several `affected[]` entries can name the same package in one release (Red Hat lists
/// each EUS/AUS/TUS stream of RHEL 8.6 apart); they become one package with all ranges.
fn merge(affected: &mut Vec<AffectedPackage>, package: AffectedPackage) {
    let same = affected.iter_mut().find(|p| {
        p.distro == package.distro && p.release == package.release && p.package == package.package
    });
    match same {
        None => affected.push(package),
        Some(existing) => {
            for range in package.ranges {
                if !existing.ranges.contains(&range) {
                    existing.ranges.push(range);
                }
            }
            for binary in package.binaries {
                if !existing.binaries.contains(&binary) {
                    existing.binaries.push(binary);
                }
            }
        }
    }
}

fn push_cve(candidate: &str, at: &At, cves: &mut Vec<String>) -> Result<(), FeedError> {
    if !candidate.starts_with("CVE-") {
        return Ok(());
    }
    if !is_cve_id(candidate) {
        return Err(at.error(format!(
            "`{}` looks like a CVE id but is not of the form CVE-YYYY-NNNN",
            super::ids::shown(candidate)
        )));
    }
    if !cves.iter().any(|c| c == candidate) {
        cves.push(candidate.to_string());
    }
    Ok(())
}

fn push_vector(cvss: &mut Vec<CveVector>, cve: &str, vector: &str) {
    let entry = CveVector {
        cve: cve.to_string(),
        vector: vector.to_string(),
    };
    if !cvss.contains(&entry) {
        cvss.push(entry);
    }
}

/// The CVSS v3/v4 vectors of a `severity` array; other types (CVSS_V2, Ubuntu's priority
/// words) are not scored by us and are left out.
fn severity_vectors<'v, 'f>(
    obj: &'v Map<String, Value>,
    at: &At<'f>,
) -> Result<Vec<(&'v str, At<'f>)>, FeedError> {
    let mut vectors = Vec::new();
    for (severity, severity_at) in at.optional_array(obj, "severity")? {
        let severity = severity_at.object(severity)?;
        let (kind, _) = severity_at.required_str(severity, "type")?;
        if matches!(kind, "CVSS_V3" | "CVSS_V4") {
            vectors.push(severity_at.required_str(severity, "score")?);
        }
    }
    Ok(vectors)
}

fn check_vector(vector: &str, at: &At, record: &str, cves: &str) -> Result<(), FeedError> {
    cvss_score::score(vector)
        .map(|_| ())
        .map_err(|e| at.error(format!("record {record}, {cves}: {e}")))
}

/// Ubuntu's `database_specific.cves_map`: the CVEs of the notice with their own vectors.
fn ubuntu_cves_map(
    entry: &Map<String, Value>,
    at: &At,
    record: &str,
    cves: &mut Vec<String>,
    vectors: &mut Vec<(String, String)>,
) -> Result<(), FeedError> {
    let Some((specific, specific_at)) = at.optional(entry, "database_specific") else {
        return Ok(());
    };
    let Some((map, map_at)) = specific_at.optional(specific_at.object(specific)?, "cves_map")
    else {
        return Ok(());
    };
    for (cve, cve_at) in map_at.optional_array(map_at.object(map)?, "cves")? {
        let cve = cve_at.object(cve)?;
        let (id, id_at) = cve_at.required_str(cve, "id")?;
        if !is_cve_id(id) {
            return Err(id_at.expected("a CVE id like CVE-2021-4034", &cve["id"]));
        }
        push_cve(id, &id_at, cves)?;
        for (vector, vector_at) in severity_vectors(cve, &cve_at)? {
            check_vector(vector, &vector_at, record, id)?;
            vectors.push((id.to_string(), vector.to_string()));
        }
    }
    Ok(())
}

/// `summary`, else the first line of `details`, as safe text.
fn summary(top: &Map<String, Value>) -> String {
    let text = |key: &str| {
        top.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    };
    text("summary")
        .or_else(|| text("details").and_then(|d| d.lines().next()))
        .map(clean_text)
        .unwrap_or_default()
}

fn published(top: &Map<String, Value>, root: &At) -> Result<Option<DateTime<Utc>>, FeedError> {
    let Some((value, at)) = root.optional(top, "published") else {
        return Ok(None);
    };
    value
        .as_str()
        .and_then(|s| DateTime::parse_from_rfc3339(s).ok())
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| at.expected("an RFC 3339 time like 2024-07-01T09:06:31Z", value))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(extra: &str) -> String {
        format!(
            r#"{{"id": "DSA-1-1", {extra} "affected": [{{"package": {{"ecosystem": "Debian:12", "name": "nginx"}},
                "ranges": [{{"type": "ECOSYSTEM", "events": [{{"introduced": "0"}}, {{"fixed": "1.2-1"}}]}}]}}]}}"#
        )
    }

    #[test]
    fn record_without_cves_stands_for_itself() {
        let parsed = parse_osv(record("").as_bytes(), "f.json").unwrap();
        assert_eq!(parsed.advisory.unwrap().cves, vec!["DSA-1-1"]);
    }

    #[test]
    fn top_level_vectors_apply_to_every_cve() {
        let extra = r#""aliases": ["CVE-2020-0001", "GHSA-x"], "related": ["CVE-2020-0002"],
            "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"},
                         {"type": "CVSS_V2", "score": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}],"#;
        let advisory = parse_osv(record(extra).as_bytes(), "f.json")
            .unwrap()
            .advisory
            .unwrap();
        assert_eq!(advisory.cves, vec!["CVE-2020-0001", "CVE-2020-0002"]);
        let cves: Vec<&str> = advisory.cvss.iter().map(|v| v.cve.as_str()).collect();
        assert_eq!(cves, vec!["CVE-2020-0001", "CVE-2020-0002"]);
    }

    #[test]
    fn malformed_cve_alias_is_an_error() {
        let err = parse_osv(record(r#""aliases": ["CVE-20-1"],"#).as_bytes(), "f.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f.json: aliases[0]: `CVE-20-1` looks like a CVE id"),
            "{err}"
        );
    }

    #[test]
    fn withdrawn_records_are_skipped() {
        let parsed = parse_osv(
            record(r#""withdrawn": "2024-01-01T00:00:00Z","#).as_bytes(),
            "f.json",
        )
        .unwrap();
        assert_eq!(parsed.advisory, None);
        assert_eq!(parsed.skipped_packages, 1);
    }

    #[test]
    fn bad_published_time_is_an_error() {
        let err = parse_osv(record(r#""published": "last week","#).as_bytes(), "f.json")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("published: expected an RFC 3339 time"),
            "{err}"
        );
    }
}
