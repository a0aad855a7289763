//! Building a plan from a patch definition, the inventory and the policy: staging first, then
//! the canary wave (the least critical host of each OS), then the policy's percentages of the
//! remaining production hosts, least critical first, so mission-critical hosts go last.

use std::collections::{BTreeMap, BTreeSet};

use super::definition::{PatchDefinition, StepKind};
use super::plan::{
    ApprovalRequirement, PLAN_FORMAT, Plan, PlanError, PlanHost, PlannedPatch, Wave, WaveKind,
};
use crate::core::asset::{Asset, Environment};
use crate::core::policy::{Policy, PriorityClass, WaveSize};

/// What a plan is built from besides the patch and the policy.
pub struct PlanInputs<'a> {
    pub assets: &'a [Asset],
    /// The marker directory of each asset (its own or the site default).
    pub marker_dir: &'a dyn Fn(&str) -> String,
    /// The most urgent class among the findings the patch closes on its hosts.
    pub class: PriorityClass,
    pub step_timeout_s: u32,
}

pub fn build_plan(
    patch: &PatchDefinition,
    policy: &Policy,
    inputs: &PlanInputs<'_>,
) -> Result<Plan, PlanError> {
    let mut targeted: Vec<&Asset> = inputs
        .assets
        .iter()
        .filter(|a| patch.targets.matches(a))
        .collect();
    if targeted.is_empty() {
        return Err(PlanError::NoTargets(patch.id.clone()));
    }
    // Least critical first, then by name: the order every wave takes its hosts in.
    targeted.sort_by(|a, b| a.criticality.cmp(&b.criticality).then(a.name.cmp(&b.name)));
    let (staging, production): (Vec<&Asset>, Vec<&Asset>) = targeted
        .into_iter()
        .partition(|a| a.environment == Environment::Staging);

    let production_steps = steps_for(patch, false);
    let mut groups: Vec<(WaveKind, Vec<&Asset>)> = Vec::new();
    if !staging.is_empty() {
        groups.push((WaveKind::Staging, staging));
    }
    groups.extend(production_waves(&production, &policy.rollout.waves));

    let approval = ApprovalRequirement {
        required: policy.approval.require_for.contains(&inputs.class),
        approvers: policy.approval.approvers,
        two_person: policy.approval.two_person,
    };
    let mut waves = Vec::with_capacity(groups.len());
    let mut approval_placed = false;
    for (index, (kind, hosts)) in groups.into_iter().enumerate() {
        let approval_before = approval.required && !approval_placed && kind != WaveKind::Staging;
        approval_placed |= approval_before;
        waves.push(Wave {
            number: index as u32 + 1,
            kind,
            steps: if kind == WaveKind::Staging {
                steps_for(patch, true)
            } else {
                production_steps.clone()
            },
            hosts: hosts
                .into_iter()
                .map(|a| plan_host(a, inputs.marker_dir))
                .collect(),
            max_fail_percentage: match kind {
                WaveKind::Production => policy.rollout.max_fail_percentage,
                WaveKind::Staging | WaveKind::Canary => 0,
            },
            approval_before,
        });
    }
    Ok(Plan {
        format: PLAN_FORMAT,
        patch: PlannedPatch {
            id: patch.id.clone(),
            title: patch.title.clone(),
            fixes: patch.fixes.clone(),
            artifact: patch.artifact.clone(),
            steps: patch.steps.clone(),
        },
        class: inputs.class,
        approval,
        concurrency: policy.rollout.concurrency,
        step_timeout_s: inputs.step_timeout_s,
        waves,
    })
}

fn steps_for(patch: &PatchDefinition, staging: bool) -> Vec<StepKind> {
    [
        StepKind::Precheck,
        StepKind::Backup,
        StepKind::Upload,
        StepKind::Apply,
        StepKind::Verify,
        StepKind::Smoke,
    ]
    .into_iter()
    .filter(|step| match step {
        StepKind::Upload => patch.artifact.is_some(),
        StepKind::Smoke => staging && patch.steps.smoke.is_some(),
        other => patch.steps.script(*other).is_some(),
    })
    .collect()
}

fn plan_host(asset: &Asset, marker_dir: &dyn Fn(&str) -> String) -> PlanHost {
    PlanHost {
        name: asset.name.clone(),
        address: asset.address.clone(),
        port: asset.port,
        user: asset.user.clone(),
        os: asset.os.clone(),
        criticality: asset.criticality,
        marker_dir: marker_dir(&asset.name),
    }
}

/// Splits production hosts (least critical first) into the policy's waves. The first wave is
/// the canary wave; percentages are cumulative shares of the hosts left after it, so
/// `[1, "10%", "50%", "100%"]` means one canary per OS, then up to 10%, 50% and all of the rest.
fn production_waves<'a>(
    production: &[&'a Asset],
    sizes: &[WaveSize],
) -> Vec<(WaveKind, Vec<&'a Asset>)> {
    let Some((first, rest_sizes)) = sizes.split_first() else {
        return vec![(WaveKind::Canary, production.to_vec())];
    };
    let canaries = choose_canaries(production, *first);
    let canary_names: BTreeSet<&str> = canaries.iter().map(|a| a.name.as_str()).collect();
    let rest: Vec<&Asset> = production
        .iter()
        .copied()
        .filter(|a| !canary_names.contains(a.name.as_str()))
        .collect();
    let mut waves = Vec::new();
    if !canaries.is_empty() {
        waves.push((WaveKind::Canary, canaries));
    }
    let mut taken = 0usize;
    for size in rest_sizes {
        let target = match size {
            WaveSize::Hosts(n) => taken.saturating_add(*n as usize),
            WaveSize::Percent(p) => (rest.len() * usize::from(*p)).div_ceil(100),
        }
        .min(rest.len());
        if target > taken {
            waves.push((WaveKind::Production, rest[taken..target].to_vec()));
            taken = target;
        }
    }
    if taken < rest.len() {
        waves.push((WaveKind::Production, rest[taken..].to_vec()));
    }
    waves
}

/// `Hosts(n)`: the n least critical hosts of each OS, preferring hosts whose first group no
/// canary covers yet. `Percent(p)`: that share of all production hosts, least critical first.
fn choose_canaries<'a>(production: &[&'a Asset], size: WaveSize) -> Vec<&'a Asset> {
    let per_os = match size {
        WaveSize::Percent(p) => {
            let count = (production.len() * usize::from(p)).div_ceil(100);
            return production[..count.min(production.len())].to_vec();
        }
        WaveSize::Hosts(n) => n as usize,
    };
    let mut by_os: BTreeMap<String, Vec<&Asset>> = BTreeMap::new();
    for asset in production {
        by_os.entry(asset.os.to_string()).or_default().push(asset);
    }
    let mut chosen: Vec<&Asset> = Vec::new();
    let mut covered: BTreeSet<&str> = BTreeSet::new();
    for hosts in by_os.values() {
        let mut candidates: Vec<&Asset> = hosts.clone();
        for _ in 0..per_os.min(hosts.len()) {
            // Among the least critical left, the first whose group is new; else the first.
            let floor = candidates[0].criticality;
            let pick = candidates
                .iter()
                .position(|a| a.criticality == floor && !covered.contains(first_group(a)))
                .unwrap_or(0);
            let host = candidates.remove(pick);
            covered.insert(first_group(host));
            chosen.push(host);
        }
    }
    chosen.sort_by(|a, b| a.criticality.cmp(&b.criticality).then(a.name.cmp(&b.name)));
    chosen
}

fn first_group(asset: &Asset) -> &str {
    asset.groups.first().map_or("", String::as_str)
}
