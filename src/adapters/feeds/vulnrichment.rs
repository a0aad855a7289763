//! CISA vulnrichment: CVE JSON 5 records. The CISA ADP container carries SSVC decision
//! points (`Automatable`, `Technical Impact`); the CNA container and the ADP containers
//! carry CVSS vectors (CISA-ADP adds a v3.1 vector where the CNA gave none).

use serde_json::{Map, Value};

use super::error::FeedError;
use super::ids::{is_cve_id, shown};
use super::json::{self, At};
use crate::core::cvss_score;
use crate::core::threat::{CveRecord, CvssSource, SourcedVector, Ssvc, TechnicalImpact};

/// The CVE JSON 5 metric keys we score, with the prefix their `vectorString` must have.
/// `cvssV2_0` is left out: it is not scored.
const CVSS_KEYS: [(&str, &str); 3] = [
    ("cvssV3_0", "CVSS:3.0/"),
    ("cvssV3_1", "CVSS:3.1/"),
    ("cvssV4_0", "CVSS:4.0/"),
];

/// A full CVSS v4.0 vector with every optional metric is about 200 bytes.
const MAX_VECTOR_BYTES: usize = 512;

/// Real records carry one to three vectors; more is a hostile or broken record.
const MAX_VECTORS: usize = 32;

/// Parses one CVE record; `None` when it carries neither an SSVC metric nor a CVSS vector.
pub fn parse_vulnrichment(bytes: &[u8], origin: &str) -> Result<Option<CveRecord>, FeedError> {
    let doc = json::parse(bytes, origin)?;
    let root = At::root(origin);
    let top = root.object(&doc)?;
    let (meta, meta_at) = root.required(top, "cveMetadata")?;
    let (cve, cve_at) = meta_at.required_str(meta_at.object(meta)?, "cveId")?;
    if !is_cve_id(cve) {
        return Err(cve_at.expected("a CVE id like CVE-2021-4034", &meta["cveId"]));
    }
    let Some((containers, containers_at)) = root.optional(top, "containers") else {
        return Ok(None);
    };
    let containers = containers_at.object(containers)?;
    let mut cvss = Vec::new();
    if let Some((cna, cna_at)) = containers_at.optional(containers, "cna") {
        let cna = cna_at.object(cna)?;
        cvss_vectors(cna, &cna_at, cve, CvssSource::Cna, &mut cvss)?;
    }
    let mut ssvc = None;
    for (adp, adp_at) in containers_at.optional_array(containers, "adp")? {
        let adp = adp_at.object(adp)?;
        cvss_vectors(adp, &adp_at, cve, CvssSource::Adp, &mut cvss)?;
        if ssvc.is_none() {
            ssvc = ssvc_metric(adp, &adp_at)?;
        }
    }
    if ssvc.is_none() && cvss.is_empty() {
        return Ok(None);
    }
    Ok(Some(CveRecord {
        cve: cve.to_string(),
        ssvc: ssvc.unwrap_or_default(),
        cvss,
    }))
}

/// Adds the scorable vectors of a container's `metrics[]` to `out`, skipping repeats.
/// A vector that does not score, or does not match its key's version, is an error.
fn cvss_vectors(
    container: &Map<String, Value>,
    at: &At,
    cve: &str,
    source: CvssSource,
    out: &mut Vec<SourcedVector>,
) -> Result<(), FeedError> {
    for (metric, metric_at) in at.optional_array(container, "metrics")? {
        let metric = metric_at.object(metric)?;
        for (key, prefix) in CVSS_KEYS {
            let Some((block, block_at)) = metric_at.optional(metric, key) else {
                continue;
            };
            let (vector, vector_at) =
                block_at.required_str(block_at.object(block)?, "vectorString")?;
            if vector.len() > MAX_VECTOR_BYTES {
                return Err(vector_at.error(format!(
                    "{cve}: {} bytes is more than the {MAX_VECTOR_BYTES} a CVSS vector may have",
                    vector.len()
                )));
            }
            if !vector.starts_with(prefix) {
                return Err(vector_at.error(format!(
                    "{cve}: a {key} vector must start with {prefix}, got \"{}\"",
                    shown(vector)
                )));
            }
            cvss_score::score(vector).map_err(|e| vector_at.error(format!("{cve}: {e}")))?;
            if out.iter().any(|known| known.vector == vector) {
                continue;
            }
            if out.len() == MAX_VECTORS {
                return Err(vector_at.error(format!(
                    "{cve}: more than {MAX_VECTORS} CVSS vectors in one record"
                )));
            }
            out.push(SourcedVector {
                vector: vector.to_string(),
                source,
            });
        }
    }
    Ok(())
}

/// The SSVC decision points of an ADP container, if it has an SSVC metric.
fn ssvc_metric(adp: &Map<String, Value>, at: &At) -> Result<Option<Ssvc>, FeedError> {
    for (metric, metric_at) in at.optional_array(adp, "metrics")? {
        let metric = metric_at.object(metric)?;
        let Some((other, other_at)) = metric_at.optional(metric, "other") else {
            continue;
        };
        let other = other_at.object(other)?;
        if other.get("type").and_then(Value::as_str) != Some("ssvc") {
            continue;
        }
        let (content, content_at) = other_at.required(other, "content")?;
        return parse_ssvc(content, &content_at).map(Some);
    }
    Ok(None)
}

/// `content.options` is a list of single-key maps such as `{"Automatable": "yes"}`.
fn parse_ssvc(content: &Value, at: &At) -> Result<Ssvc, FeedError> {
    let mut ssvc = Ssvc::default();
    for (option, option_at) in at.optional_array(at.object(content)?, "options")? {
        for (key, value) in option_at.object(option)? {
            let value_at = option_at.key(key);
            let word = value.as_str().map(str::to_ascii_lowercase);
            match key.as_str() {
                "Automatable" => {
                    ssvc.automatable = Some(match word.as_deref() {
                        Some("yes") => true,
                        Some("no") => false,
                        _ => return Err(value_at.expected("\"yes\" or \"no\"", value)),
                    });
                }
                "Technical Impact" => {
                    ssvc.technical_impact = Some(match word.as_deref() {
                        Some("total") => TechnicalImpact::Total,
                        Some("partial") => TechnicalImpact::Partial,
                        _ => return Err(value_at.expected("\"total\" or \"partial\"", value)),
                    });
                }
                _ => {}
            }
        }
    }
    Ok(ssvc)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADP_V31: &str = "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:H/I:H/A:H";

    fn record(options: &str) -> String {
        format!(
            r#"{{"cveMetadata": {{"cveId": "CVE-2024-0001"}}, "containers": {{"adp": [
                {{"title": "CVE Program Container"}},
                {{"metrics": [{{"cvssV3_1": {{"vectorString": "{ADP_V31}"}}}}, {{"other": {{"type": "ssvc", "content": {{"options": {options}}}}}}}]}}]}}}}"#
        )
    }

    /// A record whose CNA gives `metrics`; no ADP container.
    fn cna_record(metrics: &str) -> String {
        format!(
            r#"{{"cveMetadata": {{"cveId": "CVE-2024-0002"}}, "containers": {{"cna": {{"metrics": {metrics}}}}}}}"#
        )
    }

    fn parse(text: &str) -> Result<Option<CveRecord>, FeedError> {
        parse_vulnrichment(text.as_bytes(), "f.json")
    }

    fn vector(vector: &str, source: CvssSource) -> SourcedVector {
        SourcedVector {
            vector: vector.to_string(),
            source,
        }
    }

    #[test]
    fn reads_automatable_technical_impact_and_the_adp_vector() {
        let text = record(
            r#"[{"Exploitation": "none"}, {"Automatable": "yes"}, {"Technical Impact": "partial"}]"#,
        );
        let record = parse(&text).unwrap().unwrap();
        assert_eq!(record.cve, "CVE-2024-0001");
        assert_eq!(record.ssvc.automatable, Some(true));
        assert_eq!(record.ssvc.technical_impact, Some(TechnicalImpact::Partial));
        assert_eq!(record.cvss, vec![vector(ADP_V31, CvssSource::Adp)]);
    }

    #[test]
    fn glibc_looney_tunables_record_gives_the_cna_vector_and_ssvc() {
        let bytes = include_bytes!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/fixtures/demo/feeds/vulnrichment/CVE-2023-4911.json"
        ));
        let record = parse_vulnrichment(bytes, "feeds/vulnrichment/CVE-2023-4911.json")
            .unwrap()
            .unwrap();
        assert_eq!(record.cve, "CVE-2023-4911");
        assert_eq!(
            record.cvss,
            vec![vector(
                "CVSS:3.1/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H",
                CvssSource::Cna
            )]
        );
        assert_eq!(record.ssvc.automatable, Some(false));
        assert_eq!(record.ssvc.technical_impact, Some(TechnicalImpact::Total));
    }

    #[test]
    fn cna_vectors_come_first_and_repeats_are_dropped() {
        let v40 = "CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N";
        let text = format!(
            r#"{{"cveMetadata": {{"cveId": "CVE-2024-0003"}}, "containers": {{
                "adp": [{{"metrics": [{{"cvssV3_1": {{"vectorString": "{ADP_V31}"}}}}]}}],
                "cna": {{"metrics": [
                    {{"cvssV2_0": {{"vectorString": "AV:N/AC:L/Au:N/C:P/I:P/A:P"}}}},
                    {{"cvssV4_0": {{"vectorString": "{v40}"}}, "cvssV3_1": {{"vectorString": "{ADP_V31}"}}}}]}}}}}}"#
        );
        let record = parse(&text).unwrap().unwrap();
        assert_eq!(record.ssvc, Ssvc::default());
        assert_eq!(
            record.cvss,
            vec![
                vector(ADP_V31, CvssSource::Cna),
                vector(v40, CvssSource::Cna)
            ]
        );
    }

    #[test]
    fn a_vector_that_does_not_score_is_an_error_with_its_path() {
        let text = cna_record(
            r#"[{"other": {}}, {"cvssV3_1": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q"}}]"#,
        );
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "f.json: containers.cna.metrics[1].cvssV3_1.vectorString: CVE-2024-0002: invalid CVSS vector `CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:Q`"
            ),
            "{err}"
        );
    }

    #[test]
    fn a_vector_of_another_version_than_its_key_is_an_error() {
        let text = cna_record(
            r#"[{"cvssV4_0": {"vectorString": "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H"}}]"#,
        );
        let err = parse(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            "f.json: containers.cna.metrics[0].cvssV4_0.vectorString: CVE-2024-0002: a cvssV4_0 vector must start with CVSS:4.0/, got \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H\""
        );
    }

    #[test]
    fn a_cvss_block_without_a_vector_string_is_an_error() {
        let err = parse(&cna_record(r#"[{"cvssV3_1": {"baseScore": 9.8}}]"#))
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "f.json: containers.cna.metrics[0].cvssV3_1.vectorString: missing; it is required"
        );
    }

    #[test]
    fn an_oversized_vector_or_too_many_vectors_are_errors() {
        let long = format!("CVSS:3.1/{}", "AV:N/".repeat(200));
        let text = cna_record(&format!(
            r#"[{{"cvssV3_1": {{"vectorString": "{long}"}}}}]"#
        ));
        let err = parse(&text).unwrap_err().to_string();
        assert!(
            err.contains("more than the 512 a CVSS vector may have"),
            "{err}"
        );

        let metrics: Vec<String> = ["N", "A", "L", "P"]
            .iter()
            .flat_map(|av| {
                ["L", "H"].iter().flat_map(move |ac| {
                    ["N", "L", "H"].iter().flat_map(move |pr| {
                        ["N", "R"].iter().map(move |ui| {
                            format!(
                                r#"{{"cvssV3_1": {{"vectorString": "CVSS:3.1/AV:{av}/AC:{ac}/PR:{pr}/UI:{ui}/S:U/C:H/I:H/A:H"}}}}"#
                            )
                        })
                    })
                })
            })
            .collect();
        let err = parse(&cna_record(&format!("[{}]", metrics.join(","))))
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("f.json: containers.cna.metrics[32].cvssV3_1.vectorString:"),
            "{err}"
        );
        assert!(
            err.ends_with("more than 32 CVSS vectors in one record"),
            "{err}"
        );
    }

    #[test]
    fn unknown_values_are_errors_with_their_path() {
        let text = record(r#"[{"Automatable": "perhaps"}]"#);
        let err = parse(&text).unwrap_err().to_string();
        assert_eq!(
            err,
            "f.json: containers.adp[1].metrics[1].other.content.options[0].Automatable: expected \"yes\" or \"no\", got \"perhaps\""
        );
    }

    #[test]
    fn record_without_ssvc_or_cvss_gives_nothing() {
        let text = r#"{"cveMetadata": {"cveId": "CVE-2024-0001"}, "containers": {"cna": {}}}"#;
        assert_eq!(parse(text).unwrap(), None);
    }
}
