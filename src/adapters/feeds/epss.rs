//! FIRST EPSS daily scores: a `#model_version:…,score_date:…` line, the header
//! `cve,epss,percentile`, then one row per CVE.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate};

use super::error::FeedError;
use super::ids::{is_cve_id, shown};
use crate::core::threat::Epss;

/// A parsed EPSS file.
#[derive(Debug, Clone, PartialEq)]
pub struct EpssFile {
    /// E.g. `v2026.06.15`.
    pub model_version: String,
    pub score_date: Option<NaiveDate>,
    pub scores: Vec<(String, Epss)>,
}

const HEADER: &str = "cve,epss,percentile";

/// Parses an EPSS CSV. `origin` names the file in errors; errors give the 1-based line.
pub fn parse_epss(bytes: &[u8], origin: &str) -> Result<EpssFile, FeedError> {
    let at = |line: usize, message: String| FeedError::Line {
        file: origin.to_string(),
        line,
        message,
    };
    let mut lines = bytes.split(|&b| b == b'\n').enumerate().map(|(i, raw)| {
        let raw = raw.strip_suffix(b"\r").unwrap_or(raw);
        std::str::from_utf8(raw)
            .map(|text| (i + 1, text))
            .map_err(|_| at(i + 1, "not valid UTF-8".to_string()))
    });
    let (_, first) = lines
        .next()
        .transpose()?
        .ok_or_else(|| at(1, "empty file".to_string()))?;
    let (model_version, score_date) = parse_model_line(first).map_err(|m| at(1, m))?;
    match lines.next().transpose()? {
        Some((_, HEADER)) => {}
        Some((n, other)) => {
            return Err(at(
                n,
                format!("expected the header `{HEADER}`, got `{}`", shown(other)),
            ));
        }
        None => {
            return Err(at(
                2,
                format!("expected the header `{HEADER}`, got the end of the file"),
            ));
        }
    }
    let mut seen = HashSet::new();
    let mut scores = Vec::new();
    for line in lines {
        let (n, text) = line?;
        if text.is_empty() {
            continue;
        }
        let (cve, epss) = parse_row(text).map_err(|m| at(n, m))?;
        if !seen.insert(cve.to_string()) {
            return Err(at(n, format!("{cve} is listed twice")));
        }
        scores.push((cve.to_string(), epss));
    }
    Ok(EpssFile {
        model_version,
        score_date,
        scores,
    })
}

fn parse_model_line(line: &str) -> Result<(String, Option<NaiveDate>), String> {
    let expected =
        "expected a first line like `#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z`";
    let Some(rest) = line.strip_prefix('#') else {
        return Err(format!("{expected}, got `{}`", shown(line)));
    };
    let mut model_version = None;
    let mut score_date = None;
    for part in rest.split(',') {
        match part.split_once(':') {
            Some(("model_version", v)) => {
                let valid = !v.is_empty()
                    && v.len() <= 64
                    && v.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
                if !valid {
                    return Err(format!(
                        "model_version `{}` is not a version like v2026.06.15",
                        shown(v)
                    ));
                }
                model_version = Some(v.to_string());
            }
            Some(("score_date", v)) => {
                let date = DateTime::parse_from_rfc3339(v)
                    .map(|t| t.date_naive())
                    .or_else(|_| NaiveDate::parse_from_str(v, "%Y-%m-%d"))
                    .map_err(|_| {
                        format!("score_date `{}` is not a date or RFC 3339 time", shown(v))
                    })?;
                score_date = Some(date);
            }
            _ => {}
        }
    }
    let model_version =
        model_version.ok_or_else(|| format!("{expected}, got `{}`", shown(line)))?;
    Ok((model_version, score_date))
}

fn parse_row(text: &str) -> Result<(&str, Epss), String> {
    let fields: Vec<&str> = text.split(',').collect();
    let [cve, score, percentile] = fields[..] else {
        return Err(format!(
            "expected 3 fields `cve,epss,percentile`, got {}",
            fields.len()
        ));
    };
    if !is_cve_id(cve) {
        return Err(format!(
            "`{}` is not a CVE id like CVE-2021-4034",
            shown(cve)
        ));
    }
    Ok((
        cve,
        Epss {
            score: probability(score, "epss")?,
            percentile: probability(percentile, "percentile")?,
        },
    ))
}

fn probability(field: &str, name: &str) -> Result<f64, String> {
    field
        .parse::<f64>()
        .ok()
        .filter(|x| x.is_finite() && (0.0..=1.0).contains(x))
        .ok_or_else(|| format!("{name} `{}` is not a number from 0 to 1", shown(field)))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "feeds/epss/epss.csv";
    const HEAD: &str =
        "#model_version:v2026.06.15,score_date:2026-09-29T12:00:22Z\ncve,epss,percentile\n";

    #[test]
    fn parses_header_and_rows() {
        let text = format!("{HEAD}CVE-1999-0001,0.03351,0.88255\r\n");
        let file = parse_epss(text.as_bytes(), FILE).unwrap();
        assert_eq!(file.model_version, "v2026.06.15");
        assert_eq!(file.score_date, NaiveDate::from_ymd_opt(2026, 9, 29));
        assert_eq!(file.scores[0].1.score, 0.03351);
    }

    #[test]
    fn errors_name_the_line() {
        let text = format!("{HEAD}CVE-1999-0001,0.1,0.2\nCVE-1999-0002,NaN,0.2\n");
        let err = parse_epss(text.as_bytes(), FILE).unwrap_err().to_string();
        assert_eq!(
            err,
            "feeds/epss/epss.csv:4: epss `NaN` is not a number from 0 to 1"
        );
    }

    #[test]
    fn missing_header_is_an_error() {
        let text = "#model_version:v1\nCVE-1999-0001,0.1,0.2\n";
        let err = parse_epss(text.as_bytes(), FILE).unwrap_err().to_string();
        assert!(
            err.starts_with("feeds/epss/epss.csv:2: expected the header"),
            "{err}"
        );
    }

    #[test]
    fn duplicate_rows_are_an_error() {
        let text = format!("{HEAD}CVE-1999-0001,0.1,0.2\nCVE-1999-0001,0.1,0.2\n");
        let err = parse_epss(text.as_bytes(), FILE).unwrap_err().to_string();
        assert!(err.contains(":4: CVE-1999-0001 is listed twice"), "{err}");
    }
}
