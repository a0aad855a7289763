//! CSAF 2.0 documents (security advisories and VEX): the product tree, vulnerabilities with
//! their product status, remediations, scores, flags and impact statements. Packages of the
//! distributions we match become advisories like OSV ones; `known_not_affected` and `fixed`
//! statuses become VEX statements that set covered findings aside.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::csaf_products::{Product, product_map};
use super::error::FeedError;
use super::ids::{clean_text, is_advisory_id, is_cve_id};
use super::json::{At, parse};
use crate::core::advisory::{Advisory, AffectedPackage, CveVector, VersionRange};
use crate::core::vex::{VexStatement, VexStatus};

/// Vulnerabilities one document may list.
const MAX_VULNERABILITIES: usize = 10_000;
/// Longest product id accepted.
const MAX_PRODUCT_ID: usize = 1_000;

const REMEDIATIONS: [&str; 5] = [
    "mitigation",
    "no_fix_planned",
    "none_available",
    "vendor_fix",
    "workaround",
];

/// What one CSAF document contributes.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsafParsed {
    pub advisories: Vec<Advisory>,
    pub vex: Vec<VexStatement>,
    /// Product references that name nothing we match (other platforms, unversioned products).
    pub skipped_products: usize,
}

/// Parses one CSAF 2.0 JSON document; `origin` names it in errors.
pub fn parse_csaf(bytes: &[u8], origin: &str) -> Result<CsafParsed, FeedError> {
    let value = parse(bytes, origin)?;
    let root = At::root(origin);
    let top = root.object(&value)?;
    let (document, document_at) = root.required(top, "document")?;
    let document = document_at.object(document)?;
    let (version, version_at) = document_at.required_str(document, "csaf_version")?;
    if version != "2.0" {
        return Err(version_at.expected("\"2.0\"", &document["csaf_version"]));
    }
    let (title, _) = document_at.required_str(document, "title")?;
    let (tracking, tracking_at) = document_at.required(document, "tracking")?;
    let tracking = tracking_at.object(tracking)?;
    let (id, id_at) = tracking_at.required_str(tracking, "id")?;
    if !is_advisory_id(id) {
        return Err(id_at.expected("an advisory id like RHSA-2024:4546", &tracking["id"]));
    }
    let published = match tracking_at.optional(tracking, "initial_release_date") {
        None => None,
        Some((v, at)) => Some(
            DateTime::parse_from_rfc3339(at.string(v)?)
                .map_err(|_| at.expected("an RFC 3339 time", v))?
                .with_timezone(&Utc),
        ),
    };
    let products = match root.optional(top, "product_tree") {
        None => HashMap::new(),
        Some((tree, tree_at)) => product_map(tree_at.object(tree)?, &tree_at)?,
    };
    let mut parsed = CsafParsed::default();
    let mut per_vulnerability = Vec::new();
    let vulnerabilities = root.optional_array(top, "vulnerabilities")?;
    if vulnerabilities.len() > MAX_VULNERABILITIES {
        return Err(root.key("vulnerabilities").error(format!(
            "{} entries; at most {MAX_VULNERABILITIES} are accepted",
            vulnerabilities.len()
        )));
    }
    for (vulnerability, at) in vulnerabilities {
        let vulnerability = at.object(vulnerability)?;
        let Some((cve, cve_at)) = at.optional(vulnerability, "cve") else {
            continue;
        };
        let cve = cve_at.string(cve)?;
        if !is_cve_id(cve) {
            return Err(cve_at.expected("a CVE id like CVE-2024-6387", &vulnerability["cve"]));
        }
        check_remediations(vulnerability, &at)?;
        let why = justifications(vulnerability, &at)?;
        let mut affected: Vec<AffectedPackage> = Vec::new();
        let mut statuses = Vec::new();
        if let Some((status, status_at)) = at.optional(vulnerability, "product_status") {
            let status = status_at.object(status)?;
            for (name, ids) in status {
                let ids_at = status_at.key(name);
                for (i, product_id) in ids_at.array(ids)?.iter().enumerate() {
                    let id_at = ids_at.index(i);
                    let product_id = id_at.string(product_id)?;
                    if product_id.len() > MAX_PRODUCT_ID {
                        return Err(
                            id_at.error(format!("product id longer than {MAX_PRODUCT_ID} bytes"))
                        );
                    }
                    statuses.push((name.as_str(), product_id));
                }
            }
        }
        for (status, product_id) in statuses {
            let product = products.get(product_id).cloned().unwrap_or_default();
            if !apply_status(
                status,
                product_id,
                &product,
                cve,
                id,
                &why,
                &mut affected,
                &mut parsed.vex,
            ) {
                parsed.skipped_products += 1;
            }
        }
        let vectors = scores(vulnerability, &at, cve)?;
        per_vulnerability.push((cve.to_string(), affected, vectors));
    }
    parsed.advisories = group_advisories(id, title, published, per_vulnerability);
    Ok(parsed)
}

/// Records what `status` says of one product; false when the product is not one we match
/// or the status is not one we use.
#[allow(clippy::too_many_arguments)]
fn apply_status(
    status: &str,
    product_id: &str,
    product: &Product,
    cve: &str,
    document: &str,
    why: &HashMap<&str, String>,
    affected: &mut Vec<AffectedPackage>,
    vex: &mut Vec<VexStatement>,
) -> bool {
    let Some((distro, release, package, version)) = product.distro_package() else {
        return false;
    };
    let statement = |status, version: Option<&str>| VexStatement {
        document: document.to_string(),
        cve: cve.to_string(),
        distro,
        release: release.to_string(),
        package: package.to_string(),
        version: version.map(str::to_string),
        status,
        justification: why.get(product_id).cloned(),
    };
    let range = match (status, version) {
        ("fixed" | "first_fixed", Some(v)) => {
            vex.push(statement(VexStatus::Fixed, Some(v)));
            range(None, Some(v), None)
        }
        ("known_affected", Some(v)) => range(Some(v), None, Some(v)),
        ("known_affected", None) => range(None, None, None),
        ("last_affected", Some(v)) => range(None, None, Some(v)),
        ("known_not_affected", v) => {
            vex.push(statement(VexStatus::KnownNotAffected, v));
            return true;
        }
        _ => return false,
    };
    let entry = AffectedPackage {
        distro,
        release: release.to_string(),
        package: package.to_string(),
        binaries: Vec::new(),
        ranges: vec![range],
    };
    if !affected.contains(&entry) {
        affected.push(entry);
    }
    true
}

fn range(introduced: Option<&str>, fixed: Option<&str>, last: Option<&str>) -> VersionRange {
    VersionRange {
        introduced: introduced.map(str::to_string),
        fixed: fixed.map(str::to_string),
        last_affected: last.map(str::to_string),
    }
}

/// Product id → why it is not affected: the flag's label, else the impact statement.
fn justifications<'v>(
    vulnerability: &'v Map<String, Value>,
    at: &At,
) -> Result<HashMap<&'v str, String>, FeedError> {
    let mut why = HashMap::new();
    for (key, field) in [("threats", "details"), ("flags", "label")] {
        for (item, item_at) in at.optional_array(vulnerability, key)? {
            let item = item_at.object(item)?;
            if key == "threats" && item.get("category").and_then(Value::as_str) != Some("impact") {
                continue;
            }
            let Some((text, text_at)) = item_at.optional(item, field) else {
                continue;
            };
            let text = clean_text(text_at.string(text)?);
            for (id, id_at) in item_at.optional_array(item, "product_ids")? {
                why.insert(id_at.string(id)?, text.clone());
            }
        }
    }
    Ok(why)
}

fn check_remediations(vulnerability: &Map<String, Value>, at: &At) -> Result<(), FeedError> {
    for (remediation, rem_at) in at.optional_array(vulnerability, "remediations")? {
        let remediation = rem_at.object(remediation)?;
        let (category, category_at) = rem_at.required_str(remediation, "category")?;
        if !REMEDIATIONS.contains(&category) {
            return Err(category_at.expected(
                "one of mitigation, no_fix_planned, none_available, vendor_fix, workaround",
                &remediation["category"],
            ));
        }
        rem_at.required_str(remediation, "details")?;
        for (id, id_at) in rem_at.optional_array(remediation, "product_ids")? {
            id_at.string(id)?;
        }
    }
    Ok(())
}

/// CVSS v3 vectors of the vulnerability's `scores`.
fn scores(
    vulnerability: &Map<String, Value>,
    at: &At,
    cve: &str,
) -> Result<Vec<CveVector>, FeedError> {
    let mut vectors = Vec::new();
    for (score, score_at) in at.optional_array(vulnerability, "scores")? {
        let score = score_at.object(score)?;
        let Some((cvss, cvss_at)) = score_at.optional(score, "cvss_v3") else {
            continue;
        };
        let cvss = cvss_at.object(cvss)?;
        let (vector, vector_at) = cvss_at.required_str(cvss, "vectorString")?;
        if !vector.starts_with("CVSS:3.") || vector.len() > 200 || !vector.is_ascii() {
            return Err(vector_at.expected("a CVSS:3.x vector", &cvss["vectorString"]));
        }
        let vector = CveVector {
            cve: cve.to_string(),
            vector: vector.to_string(),
        };
        if !vectors.contains(&vector) {
            vectors.push(vector);
        }
    }
    Ok(vectors)
}

/// One advisory for the document when its vulnerabilities affect the same packages (the usual
/// case), else one per vulnerability, named `DOCUMENT:CVE`.
fn group_advisories(
    id: &str,
    title: &str,
    published: Option<DateTime<Utc>>,
    per_vulnerability: Vec<(String, Vec<AffectedPackage>, Vec<CveVector>)>,
) -> Vec<Advisory> {
    let with_packages: Vec<_> = per_vulnerability
        .into_iter()
        .filter(|(_, affected, _)| !affected.is_empty())
        .collect();
    let Some((_, first, _)) = with_packages.first() else {
        return Vec::new();
    };
    let advisory = |id: String, cves: Vec<String>, affected, cvss| Advisory {
        id,
        summary: clean_text(title),
        published,
        cves,
        affected,
        cvss,
    };
    if with_packages
        .iter()
        .all(|(_, affected, _)| affected == first)
    {
        let affected = first.clone();
        let cves = with_packages
            .iter()
            .map(|(cve, _, _)| cve.clone())
            .collect();
        let cvss = with_packages.into_iter().flat_map(|(_, _, v)| v).collect();
        return vec![advisory(id.to_string(), cves, affected, cvss)];
    }
    with_packages
        .into_iter()
        .map(|(cve, affected, cvss)| advisory(format!("{id}:{cve}"), vec![cve], affected, cvss))
        .collect()
}
