//! The console's data from a site's assessment: the rows, details and site facts that
//! `secureupdate::app` displays.

use std::collections::HashMap;

use secureupdate::app::fleet::{AssetRow, CveRow, Fleet, PatchRow, RolloutSummary, SiteFacts};
use secureupdate::core::risk::{rank_assets, rank_patches};

use super::assets;
use super::patches::patch_reasons;
use crate::assessment::Assessment;

/// Builds what the console shows; `operator` is who is at the keyboard, if known.
pub fn fleet(assessment: &Assessment, operator: Option<String>) -> Fleet {
    let ranked_patches = rank_patches(&assessment.patches, &assessment.scored);
    let ranked_assets = rank_assets(
        &assessment.site.assets,
        &assessment.findings,
        &assessment.scored,
        &ranked_patches,
    );
    let asset_index: HashMap<&str, usize> = ranked_assets
        .iter()
        .enumerate()
        .map(|(i, r)| (r.asset.name.as_str(), i))
        .collect();
    let mut patch_index: HashMap<&str, usize> = HashMap::new();
    for (i, r) in ranked_patches.iter().enumerate() {
        patch_index.entry(r.patch.id.as_str()).or_insert(i);
    }
    let today = assessment.today;
    let patches = ranked_patches
        .iter()
        .map(|r| {
            let patch = r.patch;
            let worst = &r.worst;
            let worst_cve = &assessment.findings[worst.finding].cve;
            let mut assets: Vec<usize> = patch
                .assets
                .iter()
                .filter_map(|name| asset_index.get(name.as_str()).copied())
                .collect();
            assets.sort_unstable();
            PatchRow {
                rank: r.rank,
                id: patch.id.clone(),
                title: patch.title(),
                os: format!("{}-{}", patch.distro.as_str(), patch.release),
                class: worst.class,
                sla_days: worst.sla_days,
                first_seen: worst.first_seen,
                due: worst.due,
                overdue: worst.overdue,
                kev: worst.kev.is_some(),
                ransomware: worst.ransomware(),
                epss: worst.epss.map(|e| e.score),
                cvss: worst.cvss.map(|c| c.environmental),
                reasons: patch_reasons(r, worst_cve, today),
                packages: patch
                    .packages
                    .iter()
                    .map(|(n, v)| (n.clone(), v.clone()))
                    .collect(),
                cves: patch
                    .cves
                    .iter()
                    .map(|cve| cve_row(assessment, cve))
                    .collect(),
                definition: definition_for(assessment, patch),
                assets,
            }
        })
        .collect();
    let assets = ranked_assets
        .iter()
        .map(|r| {
            let asset = r.asset;
            AssetRow {
                rank: r.rank,
                name: asset.name.clone(),
                address: asset.address.clone(),
                os: asset.os.to_string(),
                environment: asset.environment,
                criticality: asset.criticality,
                exposure: asset.exposure,
                groups: asset.groups.clone(),
                owner: asset.owner.clone(),
                last_scan: asset.last_scan.map(|t| t.date_naive()),
                worst: r.worst.as_ref().map(|w| (w.class, w.due)),
                overdue: r.worst.as_ref().is_some_and(|w| w.overdue),
                patches: r
                    .patches
                    .iter()
                    .filter_map(|id| patch_index.get(id.as_str()).copied())
                    .collect(),
                reasons: assets::reasons(assessment, r),
            }
        })
        .collect();
    let policy = &assessment.site.policy;
    Fleet {
        site: SiteFacts {
            name: assessment.site.config.name.clone(),
            operator,
            feeds_loaded_at: assessment.feeds.iter().map(|f| f.loaded_at).min(),
            feed_bundle: crate::feed_gate::badge(assessment),
            windows: policy.windows.clone(),
            rollout: RolloutSummary {
                waves: policy.rollout.waves.iter().map(|w| w.to_string()).collect(),
                concurrency: policy.rollout.concurrency,
                max_fail_percentage: policy.rollout.max_fail_percentage,
                approval_for: policy.approval.require_for.clone(),
                two_person: policy.approval.two_person,
            },
        },
        today,
        patches,
        assets,
    }
}

/// The first patch definition that fixes one of the patch's advisories or CVEs on one of its
/// hosts.
fn definition_for(
    assessment: &Assessment,
    patch: &secureupdate::core::patch::PendingPatch,
) -> Option<String> {
    let site = &assessment.site;
    site.patches
        .iter()
        .find(|definition| {
            let fixes = definition
                .fixes
                .iter()
                .any(|f| patch.advisories.contains(f) || patch.cves.contains(f));
            fixes
                && site
                    .assets
                    .iter()
                    .any(|a| patch.assets.contains(&a.name) && definition.targets.matches(a))
        })
        .map(|definition| definition.id.clone())
}

fn cve_row(assessment: &Assessment, cve: &str) -> CveRow {
    let intel = assessment.intel.get(cve);
    let kev = intel.and_then(|i| i.kev.as_ref());
    let epss = intel.and_then(|i| i.epss);
    let cvss = intel.and_then(|i| i.cvss.as_ref());
    CveRow {
        id: cve.to_string(),
        kev: kev.is_some(),
        ransomware: kev.is_some_and(|k| k.ransomware),
        epss: epss.map(|e| e.score),
        cvss: cvss.map(|c| c.base),
    }
}
