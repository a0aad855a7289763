//! Risk ranking: class and deadline from the policy, then a total order inside a class
//! (KEV with known ransomware use, KEV, EPSS percentile, CVSS, criticality, exposure, id).
//! Pure and deterministic: the date arrives as an argument.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{Days, NaiveDate};

use super::asset::{Asset, Criticality, Exposure};
use super::cvss_score::CvssVersion;
use super::finding::{Finding, FindingKey};
use super::patch::PendingPatch;
use super::policy::{DecisionInputs, Policy, PriorityClass};
use super::threat::{Epss, KevEntry, Ssvc, TechnicalImpact, ThreatIntel};

/// The CVSS figure a finding is ranked by.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CvssFigure {
    pub version: CvssVersion,
    pub base: f64,
    /// The environmental score for the asset's criticality.
    pub environmental: f64,
}

/// A finding with everything its rank depends on; no text, so re-ranking stays cheap.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredFinding {
    /// Index into the findings slice that was scored.
    pub finding: usize,
    pub class: PriorityClass,
    /// Whether the class came from a decision row (`false`: the policy's default class).
    pub class_from_table: bool,
    pub sla_days: u32,
    pub forensic_triage: bool,
    pub first_seen: NaiveDate,
    pub due: NaiveDate,
    pub overdue: bool,
    pub kev: Option<KevEntry>,
    pub epss: Option<Epss>,
    pub cvss: Option<CvssFigure>,
    pub ssvc: Ssvc,
    pub criticality: Criticality,
    pub exposure: Exposure,
}

impl ScoredFinding {
    pub fn ransomware(&self) -> bool {
        self.kev.as_ref().is_some_and(|k| k.ransomware)
    }
}

/// Order by risk, worst first, with `tie` (an id) as the last resort for a total order.
pub fn compare_risk(a: &ScoredFinding, b: &ScoredFinding) -> Ordering {
    let percentile = |s: &ScoredFinding| s.epss.map_or(-1.0, |e| e.percentile);
    let cvss = |s: &ScoredFinding| s.cvss.map_or(-1.0, |c| c.environmental);
    a.class
        .cmp(&b.class)
        .then_with(|| b.ransomware().cmp(&a.ransomware()))
        .then_with(|| b.kev.is_some().cmp(&a.kev.is_some()))
        .then_with(|| percentile(b).total_cmp(&percentile(a)))
        .then_with(|| cvss(b).total_cmp(&cvss(a)))
        .then_with(|| b.criticality.cmp(&a.criticality))
        .then_with(|| a.exposure.cmp(&b.exposure))
}

/// Everything ranking needs besides the findings.
pub struct RankingContext<'a> {
    pub assets: &'a [Asset],
    pub intel: &'a ThreatIntel,
    pub policy: &'a Policy,
    pub first_seen: &'a HashMap<FindingKey, NaiveDate>,
    pub today: NaiveDate,
}

/// Scores every finding. A finding whose asset is unknown is skipped; one without a
/// recorded first-seen date counts as first seen today.
pub fn score_findings(findings: &[Finding], ctx: &RankingContext<'_>) -> Vec<ScoredFinding> {
    let assets: HashMap<&str, &Asset> = ctx.assets.iter().map(|a| (a.name.as_str(), a)).collect();
    findings
        .iter()
        .enumerate()
        .filter_map(|(index, finding)| {
            let asset = assets.get(finding.asset.as_str())?;
            Some(score_one(index, finding, asset, ctx))
        })
        .collect()
}

fn score_one(
    index: usize,
    finding: &Finding,
    asset: &Asset,
    ctx: &RankingContext<'_>,
) -> ScoredFinding {
    let intel = ctx.intel.get(&finding.cve);
    let kev = intel.and_then(|i| i.kev.clone());
    let ssvc = intel.map(|i| i.ssvc).unwrap_or_default();
    let inputs = DecisionInputs {
        kev: kev.is_some(),
        internet_facing: asset.exposure.is_internet_facing(),
        automatable: ssvc.automatable,
        total_impact: ssvc.technical_impact.map(|t| t == TechnicalImpact::Total),
    };
    let decision = ctx.policy.decide(inputs);
    let rule = ctx.policy.class_rule(decision.class);
    let sla_days = rule.map_or(0, |r| r.sla_days);
    let first_seen = ctx
        .first_seen
        .get(&finding.key())
        .copied()
        .unwrap_or(ctx.today);
    let due = first_seen
        .checked_add_days(Days::new(u64::from(sla_days)))
        .unwrap_or(NaiveDate::MAX);
    ScoredFinding {
        finding: index,
        class: decision.class,
        class_from_table: decision.row.is_some(),
        sla_days,
        forensic_triage: rule.is_some_and(|r| r.forensic_triage),
        first_seen,
        due,
        overdue: ctx.today > due,
        kev,
        epss: intel.and_then(|i| i.epss),
        cvss: intel.and_then(|i| i.cvss.as_ref()).map(|c| CvssFigure {
            version: c.version,
            base: c.base,
            environmental: c.for_criticality(asset.criticality),
        }),
        ssvc,
        criticality: asset.criticality,
        exposure: asset.exposure,
    }
}

/// A pending patch with its rank, taken from its worst finding.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedPatch<'a> {
    pub rank: usize,
    pub patch: &'a PendingPatch,
    pub worst: ScoredFinding,
}

/// An asset with its rank, taken from its worst pending patch.
#[derive(Debug, Clone, PartialEq)]
pub struct RankedAsset<'a> {
    pub rank: usize,
    pub asset: &'a Asset,
    /// The worst finding among the asset's pending patches; `None` when it has none.
    pub worst: Option<ScoredFinding>,
    /// Ids of the asset's pending patches, worst first.
    pub patches: Vec<String>,
}

/// Ranks patches by their worst finding; `scored` must come from the findings the
/// patches were grouped from.
pub fn rank_patches<'a>(
    patches: &'a [PendingPatch],
    scored: &[ScoredFinding],
) -> Vec<RankedPatch<'a>> {
    let by_finding: HashMap<usize, &ScoredFinding> =
        scored.iter().map(|s| (s.finding, s)).collect();
    let mut ranked: Vec<RankedPatch> = patches
        .iter()
        .filter_map(|patch| {
            let worst = patch
                .findings
                .iter()
                .filter_map(|i| by_finding.get(i).copied())
                .min_by(|a, b| compare_risk(a, b).then(a.finding.cmp(&b.finding)))?;
            Some(RankedPatch {
                rank: 0,
                patch,
                worst: worst.clone(),
            })
        })
        .collect();
    ranked
        .sort_by(|a, b| compare_risk(&a.worst, &b.worst).then_with(|| a.patch.id.cmp(&b.patch.id)));
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    ranked
}

/// Ranks assets by their worst pending patch, judged on the asset's own findings;
/// assets without one come last, most critical first, then by name.
pub fn rank_assets<'a>(
    assets: &'a [Asset],
    findings: &[Finding],
    scored: &[ScoredFinding],
    patches: &[RankedPatch<'_>],
) -> Vec<RankedAsset<'a>> {
    let mut patch_of_finding: HashMap<usize, &RankedPatch> = HashMap::new();
    for patch in patches {
        for &index in &patch.patch.findings {
            patch_of_finding.insert(index, patch);
        }
    }
    let mut worst: HashMap<&str, &ScoredFinding> = HashMap::new();
    let mut mine: HashMap<&str, Vec<&RankedPatch>> = HashMap::new();
    for s in scored {
        let Some(patch) = patch_of_finding.get(&s.finding) else {
            continue;
        };
        let asset = findings[s.finding].asset.as_str();
        mine.entry(asset).or_default().push(patch);
        let slot = worst.entry(asset).or_insert(s);
        if compare_risk(s, slot).then(s.finding.cmp(&slot.finding)) == Ordering::Less {
            *slot = s;
        }
    }
    let mut ranked: Vec<RankedAsset> = assets
        .iter()
        .map(|asset| {
            let mut patches = mine.remove(asset.name.as_str()).unwrap_or_default();
            patches.sort_by_key(|p| p.rank);
            patches.dedup_by_key(|p| p.rank);
            RankedAsset {
                rank: 0,
                asset,
                worst: worst.get(asset.name.as_str()).map(|s| (*s).clone()),
                patches: patches.iter().map(|p| p.patch.id.clone()).collect(),
            }
        })
        .collect();
    ranked.sort_by(|a, b| {
        match (&a.worst, &b.worst) {
            (Some(x), Some(y)) => compare_risk(x, y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => b.asset.criticality.cmp(&a.asset.criticality),
        }
        .then_with(|| a.asset.name.cmp(&b.asset.name))
    });
    for (i, r) in ranked.iter_mut().enumerate() {
        r.rank = i + 1;
    }
    ranked
}
