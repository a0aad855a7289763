//! `secureupdate assets`: assets ranked by their worst pending patch.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, NaiveDate, Utc};
use secureupdate::app::fleet::{due_cell, environment_word};
use secureupdate::core::asset::{Criticality, Environment, Exposure};
use secureupdate::core::reasons::finding_reasons;
use secureupdate::core::risk::{RankedAsset, rank_assets, rank_patches};
use serde::Serialize;

use super::table::{cell, row};
use crate::assessment::Assessment;

#[derive(Debug, Serialize)]
pub struct AssetJson {
    pub rank: usize,
    pub name: String,
    pub address: String,
    pub os: String,
    pub environment: Environment,
    pub criticality: Criticality,
    pub exposure: Exposure,
    pub groups: Vec<String>,
    pub owner: Option<String>,
    pub last_scan: Option<DateTime<Utc>>,
    pub pending: usize,
    pub patches: Vec<String>,
    pub class: Option<String>,
    pub due: Option<NaiveDate>,
    pub overdue: bool,
    pub kev: bool,
    pub ransomware: bool,
    pub worst_cve: Option<String>,
    pub reasons: Vec<String>,
}

/// The reasons for an asset's rank: its worst finding's, then how many patches it waits for.
pub fn reasons(assessment: &Assessment, ranked: &RankedAsset<'_>) -> Vec<String> {
    match &ranked.worst {
        Some(worst) => {
            let mut reasons = vec![format!(
                "worst finding {} in {}",
                assessment.findings[worst.finding].cve, assessment.findings[worst.finding].package
            )];
            reasons.extend(finding_reasons(worst, assessment.today));
            reasons.push(format!(
                "{} pending patch{}",
                ranked.patches.len(),
                if ranked.patches.len() == 1 { "" } else { "es" }
            ));
            reasons
        }
        None => vec!["no pending patches".to_string()],
    }
}

fn to_json(assessment: &Assessment, ranked: &RankedAsset<'_>) -> AssetJson {
    let asset = ranked.asset;
    let worst = ranked.worst.as_ref();
    AssetJson {
        rank: ranked.rank,
        name: asset.name.clone(),
        address: asset.address.clone(),
        os: asset.os.to_string(),
        environment: asset.environment,
        criticality: asset.criticality,
        exposure: asset.exposure,
        groups: asset.groups.clone(),
        owner: asset.owner.clone(),
        last_scan: asset.last_scan,
        pending: ranked.patches.len(),
        patches: ranked.patches.clone(),
        class: worst.map(|w| w.class.as_str().to_string()),
        due: worst.map(|w| w.due),
        overdue: worst.is_some_and(|w| w.overdue),
        kev: worst.is_some_and(|w| w.kev.is_some()),
        ransomware: worst.is_some_and(|w| w.ransomware()),
        worst_cve: worst.map(|w| assessment.findings[w.finding].cve.clone()),
        reasons: reasons(assessment, ranked),
    }
}

pub fn run(assessment: &Assessment, json: bool, why: bool, out: &mut impl Write) -> Result<()> {
    let patches = rank_patches(&assessment.patches, &assessment.scored);
    let ranked = rank_assets(
        &assessment.site.assets,
        &assessment.findings,
        &assessment.scored,
        &patches,
    );
    if json {
        let items: Vec<AssetJson> = ranked.iter().map(|r| to_json(assessment, r)).collect();
        serde_json::to_writer_pretty(&mut *out, &items)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{}",
        row(&[
            cell("RANK", 4),
            cell("ASSET", 16),
            cell("ENV", 7),
            cell("CRIT", 7),
            cell("EXPOSURE", 8),
            cell("OS", 12),
            cell("PEND", 4),
            cell("WORST", 5),
            cell("DUE", 12),
            "LAST SCAN".to_string(),
        ])
    )?;
    for r in &ranked {
        let asset = r.asset;
        let (class, due) = match &r.worst {
            Some(w) => (
                w.class.label(),
                due_cell(w.due, w.overdue, assessment.today),
            ),
            None => ("-", "-".to_string()),
        };
        writeln!(
            out,
            "{}",
            row(&[
                cell(&r.rank.to_string(), 4),
                cell(&asset.name, 16),
                cell(environment_word(asset.environment), 7),
                cell(asset.criticality.as_str(), 7),
                cell(asset.exposure.as_str(), 8),
                cell(&asset.os.to_string(), 12),
                cell(&r.patches.len().to_string(), 4),
                cell(class, 5),
                cell(&due, 12),
                asset
                    .last_scan
                    .map_or("never".to_string(), |t| t.format("%Y-%m-%d").to_string()),
            ])
        )?;
        if why {
            for reason in reasons(assessment, r) {
                writeln!(out, "      - {reason}")?;
            }
        }
    }
    let pending = ranked.iter().filter(|r| !r.patches.is_empty()).count();
    writeln!(
        out,
        "\n{} asset{}, {pending} with pending patches, as of {}.",
        ranked.len(),
        if ranked.len() == 1 { "" } else { "s" },
        assessment.today
    )?;
    Ok(())
}
