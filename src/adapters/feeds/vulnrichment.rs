//! CISA vulnrichment: CVE JSON 5 records whose CISA ADP container carries SSVC decision
//! points (`Automatable`, `Technical Impact`).

use serde_json::Value;

use super::error::FeedError;
use super::ids::is_cve_id;
use super::json::{self, At};
use crate::core::threat::{Ssvc, TechnicalImpact};

/// Parses one CVE record; `None` when it carries no SSVC metric.
pub fn parse_vulnrichment(bytes: &[u8], origin: &str) -> Result<Option<(String, Ssvc)>, FeedError> {
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
    for (adp, adp_at) in containers_at.optional_array(containers, "adp")? {
        let adp = adp_at.object(adp)?;
        for (metric, metric_at) in adp_at.optional_array(adp, "metrics")? {
            let metric = metric_at.object(metric)?;
            let Some((other, other_at)) = metric_at.optional(metric, "other") else {
                continue;
            };
            let other = other_at.object(other)?;
            if other.get("type").and_then(Value::as_str) != Some("ssvc") {
                continue;
            }
            let (content, content_at) = other_at.required(other, "content")?;
            return Ok(Some((cve.to_string(), parse_ssvc(content, &content_at)?)));
        }
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

    fn record(options: &str) -> String {
        format!(
            r#"{{"cveMetadata": {{"cveId": "CVE-2024-0001"}}, "containers": {{"adp": [
                {{"title": "CVE Program Container"}},
                {{"metrics": [{{"cvssV3_1": {{}}}}, {{"other": {{"type": "ssvc", "content": {{"options": {options}}}}}}}]}}]}}}}"#
        )
    }

    #[test]
    fn reads_automatable_and_technical_impact() {
        let text = record(
            r#"[{"Exploitation": "none"}, {"Automatable": "yes"}, {"Technical Impact": "partial"}]"#,
        );
        let (cve, ssvc) = parse_vulnrichment(text.as_bytes(), "f.json")
            .unwrap()
            .unwrap();
        assert_eq!(cve, "CVE-2024-0001");
        assert_eq!(ssvc.automatable, Some(true));
        assert_eq!(ssvc.technical_impact, Some(TechnicalImpact::Partial));
    }

    #[test]
    fn unknown_values_are_errors_with_their_path() {
        let text = record(r#"[{"Automatable": "perhaps"}]"#);
        let err = parse_vulnrichment(text.as_bytes(), "f.json")
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "f.json: containers.adp[1].metrics[1].other.content.options[0].Automatable: expected \"yes\" or \"no\", got \"perhaps\""
        );
    }

    #[test]
    fn record_without_ssvc_gives_nothing() {
        let text = r#"{"cveMetadata": {"cveId": "CVE-2024-0001"}, "containers": {"cna": {}}}"#;
        assert_eq!(parse_vulnrichment(text.as_bytes(), "f.json").unwrap(), None);
    }
}
