//! `secureupdate patches`: pending patches ranked, with class, due date and reasons.

use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use secureupdate::app::fleet::{due_cell, kev_mark};
use secureupdate::core::reasons::finding_reasons;
use secureupdate::core::risk::{RankedPatch, ScoredFinding, rank_patches};
use serde::Serialize;

use super::table::{cell, row};
use crate::assessment::Assessment;

#[derive(Debug, Serialize)]
pub struct PatchJson {
    pub rank: usize,
    pub id: String,
    pub title: String,
    pub package: String,
    pub fixed: String,
    /// Installed binary package -> version to install.
    pub packages: std::collections::BTreeMap<String, String>,
    pub os: String,
    pub class: String,
    pub sla_days: u32,
    pub first_seen: NaiveDate,
    pub due: NaiveDate,
    pub overdue: bool,
    pub forensic_triage: bool,
    /// Whether the worst finding is on an internet-facing asset.
    pub internet_facing: bool,
    pub kev: bool,
    pub kev_date_added: Option<NaiveDate>,
    pub ransomware: bool,
    pub epss: Option<f64>,
    pub epss_percentile: Option<f64>,
    pub cvss: Option<f64>,
    pub cvss_base: Option<f64>,
    pub cvss_vector: Option<String>,
    pub worst_cve: String,
    pub cves: Vec<String>,
    pub advisories: Vec<String>,
    pub assets: Vec<String>,
    pub reasons: Vec<String>,
}

/// The reasons for a patch: its worst finding's, then what the patch closes.
pub fn patch_reasons(ranked: &RankedPatch<'_>, worst_cve: &str, today: NaiveDate) -> Vec<String> {
    let patch = ranked.patch;
    let mut reasons = vec![format!("worst finding {worst_cve}")];
    reasons.extend(finding_reasons(&ranked.worst, today));
    reasons.push(format!(
        "closes {} CVE{} on {} asset{}",
        patch.cves.len(),
        plural(patch.cves.len()),
        patch.assets.len(),
        plural(patch.assets.len())
    ));
    reasons
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

pub fn to_json(assessment: &Assessment, ranked: &RankedPatch<'_>) -> PatchJson {
    let patch = ranked.patch;
    let worst: &ScoredFinding = &ranked.worst;
    let worst_cve = assessment.findings[worst.finding].cve.clone();
    PatchJson {
        rank: ranked.rank,
        id: patch.id.clone(),
        title: patch.title(),
        package: patch.package.clone(),
        fixed: patch.fixed.clone(),
        packages: patch.packages.clone(),
        os: format!("{}-{}", patch.distro.as_str(), patch.release),
        class: worst.class.as_str().to_string(),
        sla_days: worst.sla_days,
        first_seen: worst.first_seen,
        due: worst.due,
        overdue: worst.overdue,
        forensic_triage: worst.forensic_triage,
        internet_facing: worst.exposure.is_internet_facing(),
        kev: worst.kev.is_some(),
        kev_date_added: worst.kev.as_ref().map(|k| k.date_added),
        ransomware: worst.ransomware(),
        epss: worst.epss.map(|e| e.score),
        epss_percentile: worst.epss.map(|e| e.percentile),
        cvss: worst.cvss.map(|c| c.environmental),
        cvss_base: worst.cvss.map(|c| c.base),
        cvss_vector: assessment
            .intel
            .get(&worst_cve)
            .and_then(|i| i.cvss.as_ref())
            .map(|c| c.vector.clone()),
        reasons: patch_reasons(ranked, &worst_cve, assessment.today),
        worst_cve,
        cves: patch.cves.iter().cloned().collect(),
        advisories: patch.advisories.iter().cloned().collect(),
        assets: patch.assets.iter().cloned().collect(),
    }
}

pub fn run(assessment: &Assessment, json: bool, why: bool, out: &mut impl Write) -> Result<()> {
    let ranked = rank_patches(&assessment.patches, &assessment.scored);
    if json {
        let items: Vec<PatchJson> = ranked.iter().map(|r| to_json(assessment, r)).collect();
        serde_json::to_writer_pretty(&mut *out, &items)?;
        writeln!(out)?;
        return Ok(());
    }
    if ranked.is_empty() {
        writeln!(
            out,
            "No pending patches: every asset is up to date with the loaded advisories."
        )?;
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        row(&[
            cell("RANK", 4),
            cell("CLASS", 5),
            cell("DUE", 12),
            cell("KEV", 4),
            cell("EPSS", 4),
            cell("CVSS", 4),
            cell("HOSTS", 5),
            "PATCH".to_string(),
        ])
    )?;
    for r in &ranked {
        let worst = &r.worst;
        let due = due_cell(worst.due, worst.overdue, assessment.today);
        let kev = kev_mark(worst.kev.is_some(), worst.ransomware());
        writeln!(
            out,
            "{}",
            row(&[
                cell(&r.rank.to_string(), 4),
                cell(worst.class.label(), 5),
                cell(&due, 12),
                cell(kev, 4),
                cell(
                    &worst.epss.map_or("-".into(), |e| format!("{:.2}", e.score)),
                    4
                ),
                cell(
                    &worst
                        .cvss
                        .map_or("-".into(), |c| format!("{:.1}", c.environmental)),
                    4
                ),
                cell(&r.patch.assets.len().to_string(), 5),
                format!("{}  {}", r.patch.id, r.patch.title()),
            ])
        )?;
        if why {
            let worst_cve = &assessment.findings[worst.finding].cve;
            for reason in patch_reasons(r, worst_cve, assessment.today) {
                writeln!(out, "      - {reason}")?;
            }
        }
    }
    writeln!(
        out,
        "\n{} pending patch{} as of {}. KEV! = known ransomware use. `--why` shows the reasons; `--json` for scripts.",
        ranked.len(),
        if ranked.len() == 1 { "" } else { "es" },
        assessment.today
    )?;
    Ok(())
}
