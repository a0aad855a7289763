//! Plain-language reasons for a rank, as the operator reads them in tables and reports.

use chrono::NaiveDate;

use super::asset::{Criticality, Exposure};
use super::cvss_score::CvssVersion;
use super::risk::ScoredFinding;

fn ordinal(n: u32) -> String {
    let suffix = match (n % 10, n % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

fn yes_no(value: bool, yes: &str, no: &str) -> String {
    if value {
        yes.to_string()
    } else {
        no.to_string()
    }
}

fn version_label(version: CvssVersion) -> &'static str {
    match version {
        CvssVersion::V3_0 => "3.0",
        CvssVersion::V3_1 => "3.1",
        CvssVersion::V4_0 => "4.0",
    }
}

/// How far `due` is from `today`, in words.
pub fn due_phrase(due: NaiveDate, today: NaiveDate) -> String {
    let days = (due - today).num_days();
    match days {
        0 => format!("due today ({due})"),
        1 => format!("due {due} (tomorrow)"),
        d if d > 1 => format!("due {due} (in {d} days)"),
        -1 => format!("overdue: was due {due} (1 day ago)"),
        d => format!("overdue: was due {due} ({} days ago)", -d),
    }
}

/// The reasons behind one scored finding's rank, most important first.
pub fn finding_reasons(s: &ScoredFinding, today: NaiveDate) -> Vec<String> {
    let mut reasons = Vec::new();
    let class = s.class.as_str();
    if s.class_from_table {
        let automatable = s.ssvc.automatable.unwrap_or(false);
        let total = s
            .ssvc
            .technical_impact
            .is_some_and(|t| t == super::threat::TechnicalImpact::Total);
        reasons.push(format!(
            "class {class} (SLA {} days) by the policy table: {}, {}, {}, {}",
            s.sla_days,
            yes_no(s.kev.is_some(), "in KEV", "not in KEV"),
            yes_no(
                s.exposure.is_internet_facing(),
                "internet-facing",
                "not internet-facing"
            ),
            yes_no(automatable, "automatable", "not automatable"),
            yes_no(total, "total technical impact", "partial technical impact"),
        ));
    } else {
        reasons.push(format!(
            "class {class} (SLA {} days): the policy's default class, SSVC automatable or technical impact unknown",
            s.sla_days
        ));
    }
    match &s.kev {
        Some(kev) if kev.ransomware => reasons.push(format!(
            "in CISA KEV since {}, known ransomware use",
            kev.date_added
        )),
        Some(kev) => reasons.push(format!("in CISA KEV since {}", kev.date_added)),
        None => {}
    }
    reasons.push(
        match s.exposure {
            Exposure::Internet => "internet-facing",
            Exposure::Internal => "internal network only",
            Exposure::Isolated => "isolated network",
        }
        .to_string(),
    );
    match s.epss {
        Some(epss) => reasons.push(format!(
            "EPSS {:.2} ({} percentile)",
            epss.score,
            ordinal((epss.percentile * 100.0).floor().clamp(0.0, 100.0) as u32)
        )),
        None => reasons.push("no EPSS score".to_string()),
    }
    match s.cvss {
        Some(cvss) if (cvss.environmental - cvss.base).abs() < 0.05 => reasons.push(format!(
            "CVSS {} {:.1}",
            version_label(cvss.version),
            cvss.base
        )),
        Some(cvss) => reasons.push(format!(
            "CVSS {} {:.1} ({:.1} for a {}-criticality asset)",
            version_label(cvss.version),
            cvss.base,
            cvss.environmental,
            s.criticality.as_str()
        )),
        None => reasons.push("no CVSS vector".to_string()),
    }
    if s.criticality >= Criticality::High {
        reasons.push(format!("{}-criticality asset", s.criticality.as_str()));
    }
    reasons.push(due_phrase(s.due, today));
    if s.forensic_triage {
        reasons.push("forensic triage: check the host for signs of compromise".to_string());
    }
    reasons
}
