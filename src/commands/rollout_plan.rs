//! Building today's plan for a patch from the assessed site: the patch's class comes from the
//! findings it closes on the hosts it targets (the policy's default class when none is known).

use anyhow::Result;
use secureupdate::config::Site;
use secureupdate::core::policy::PriorityClass;
use secureupdate::core::rollout::{PatchDefinition, Plan, PlanInputs, build_plan};

use crate::assessment::Assessment;
use crate::exit::bad_input;

#[derive(Debug, thiserror::Error)]
enum PlanInputError {
    #[error("no patch definition `{id}` in patches/; known: {known}")]
    UnknownPatch { id: String, known: String },
}

pub fn patch_definition<'a>(site: &'a Site, id: &str) -> Result<&'a PatchDefinition> {
    site.patch(id).ok_or_else(|| {
        let known: Vec<&str> = site.patches.iter().map(|p| p.id.as_str()).collect();
        bad_input(PlanInputError::UnknownPatch {
            id: id.to_string(),
            known: if known.is_empty() {
                "none (add patches/*.toml)".to_string()
            } else {
                known.join(", ")
            },
        })
    })
}

/// The most urgent class among the findings `patch` closes on the hosts it targets.
pub fn patch_class(assessment: &Assessment, patch: &PatchDefinition) -> PriorityClass {
    let site = &assessment.site;
    assessment
        .scored
        .iter()
        .filter(|scored| {
            let finding = &assessment.findings[scored.finding];
            let fixes =
                patch.fixes.contains(&finding.advisory) || patch.fixes.contains(&finding.cve);
            fixes
                && site
                    .assets
                    .iter()
                    .any(|a| a.name == finding.asset && patch.targets.matches(a))
        })
        .map(|scored| scored.class)
        .min()
        .unwrap_or(site.policy.default_class)
}

/// The plan for `patch_id` as the site stands now.
pub fn current_plan(assessment: &Assessment, patch_id: &str) -> Result<Plan> {
    let site = &assessment.site;
    let patch = patch_definition(site, patch_id)?;
    let marker_dir = |name: &str| site.marker_dir(name).to_string();
    let inputs = PlanInputs {
        assets: &site.assets,
        marker_dir: &marker_dir,
        class: patch_class(assessment, patch),
        step_timeout_s: site.config.ssh.command_timeout_s,
    };
    build_plan(patch, &site.policy, &inputs).map_err(bad_input)
}

/// An argument echoed in a message: one short line of printable ASCII.
pub fn printable(text: &str) -> String {
    text.chars()
        .take(80)
        .map(|c| if c.is_ascii_graphic() { c } else { '?' })
        .collect()
}
