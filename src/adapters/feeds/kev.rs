//! CISA Known Exploited Vulnerabilities catalogue (`known_exploited_vulnerabilities.json`).

use std::collections::HashSet;

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::error::FeedError;
use super::ids::{clean_text, is_cve_id};
use super::json::{self, At};
use crate::core::threat::KevEntry;

/// Parses the whole catalogue. `origin` names the file in errors.
pub fn parse_kev(bytes: &[u8], origin: &str) -> Result<Vec<KevEntry>, FeedError> {
    let doc = json::parse(bytes, origin)?;
    let root = At::root(origin);
    let top = root.object(&doc)?;
    let (list, list_at) = root.required(top, "vulnerabilities")?;
    let list = list_at.array(list)?;
    if let Some((count, count_at)) = root.optional(top, "count") {
        // A catalogue whose entries disagree with its own count was cut or edited.
        if count.as_u64() != Some(list.len() as u64) {
            return Err(count_at.error(format!(
                "says {} entries but `vulnerabilities` holds {}",
                json::describe(count),
                list.len()
            )));
        }
    }
    let mut seen = HashSet::new();
    let mut entries = Vec::with_capacity(list.len());
    for (i, item) in list.iter().enumerate() {
        let at = list_at.index(i);
        let entry = parse_entry(at.object(item)?, &at)?;
        if !seen.insert(entry.cve.clone()) {
            return Err(at
                .key("cveID")
                .error(format!("{} is listed twice", entry.cve)));
        }
        entries.push(entry);
    }
    Ok(entries)
}

fn parse_entry(obj: &Map<String, Value>, at: &At) -> Result<KevEntry, FeedError> {
    let (cve, cve_at) = at.required_str(obj, "cveID")?;
    if !is_cve_id(cve) {
        return Err(cve_at.expected("a CVE id like CVE-2021-4034", &obj["cveID"]));
    }
    let text = |key: &str| -> Result<String, FeedError> {
        let (s, _) = at.required_str(obj, key)?;
        Ok(clean_text(s))
    };
    let (added, added_at) = at.required(obj, "dateAdded")?;
    let date_added = date(added, &added_at)?;
    let due_date = match at.optional(obj, "dueDate") {
        None => None,
        Some((due, due_at)) => Some(date(due, &due_at)?),
    };
    let (ransomware, ransomware_at) = at.required_str(obj, "knownRansomwareCampaignUse")?;
    let ransomware = match ransomware {
        "Known" => true,
        "Unknown" => false,
        _ => {
            return Err(ransomware_at.expected(
                "\"Known\" or \"Unknown\"",
                &obj["knownRansomwareCampaignUse"],
            ));
        }
    };
    Ok(KevEntry {
        cve: cve.to_string(),
        vendor: text("vendorProject")?,
        product: text("product")?,
        name: text("vulnerabilityName")?,
        date_added,
        due_date,
        ransomware,
    })
}

fn date(v: &Value, at: &At) -> Result<NaiveDate, FeedError> {
    v.as_str()
        .filter(|s| s.len() == 10)
        .and_then(|s| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok())
        .ok_or_else(|| at.expected("a date YYYY-MM-DD", v))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "feeds/kev/kev.json";

    fn catalogue(entry: &str) -> String {
        format!(r#"{{"count": 1, "vulnerabilities": [{entry}]}}"#)
    }

    fn entry(cve: &str, added: &str, ransomware: &str) -> String {
        format!(
            r#"{{"cveID": "{cve}", "vendorProject": "Red Hat", "product": "Polkit",
                "vulnerabilityName": "PwnKit", "dateAdded": "{added}", "dueDate": "2022-07-18",
                "knownRansomwareCampaignUse": "{ransomware}"}}"#
        )
    }

    #[test]
    fn parses_an_entry() {
        let text = catalogue(&entry("CVE-2021-4034", "2022-06-27", "Known"));
        let entries = parse_kev(text.as_bytes(), FILE).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].cve, "CVE-2021-4034");
        assert!(entries[0].ransomware);
        assert_eq!(
            entries[0].date_added,
            NaiveDate::from_ymd_opt(2022, 6, 27).unwrap()
        );
    }

    #[test]
    fn unknown_ransomware_value_is_an_error() {
        let text = catalogue(&entry("CVE-2021-4034", "2022-06-27", "maybe"));
        let err = parse_kev(text.as_bytes(), FILE).unwrap_err().to_string();
        assert!(
            err.contains("vulnerabilities[0].knownRansomwareCampaignUse"),
            "{err}"
        );
    }

    #[test]
    fn count_mismatch_is_an_error() {
        let text = r#"{"count": 2, "vulnerabilities": []}"#;
        let err = parse_kev(text.as_bytes(), FILE).unwrap_err().to_string();
        assert!(err.contains("count: says 2 entries"), "{err}");
    }

    #[test]
    fn a_cve_listed_twice_is_an_error() {
        let one = entry("CVE-2021-4034", "2022-06-27", "Known");
        let text = format!(r#"{{"vulnerabilities": [{one}, {one}]}}"#);
        let err = parse_kev(text.as_bytes(), FILE).unwrap_err().to_string();
        assert!(
            err.contains("vulnerabilities[1].cveID: CVE-2021-4034 is listed twice"),
            "{err}"
        );
    }

    #[test]
    fn hostile_text_is_sanitized() {
        let text = catalogue(&entry("CVE-2021-4034", "2022-06-27", "Unknown"))
            .replace("PwnKit", "Pwn\\u001b[2JKit\\u202e");
        let entries = parse_kev(text.as_bytes(), FILE).unwrap();
        assert_eq!(entries[0].name, "Pwn␛[2JKit<U+202E>");
    }
}
