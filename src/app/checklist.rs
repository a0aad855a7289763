//! The seven steps of the patching practice for one patch, with what can be said about
//! each before anything runs; once the patch's rollout runs, steps 3 to 7 show its state.

use super::checklist_run::live_step;
use super::fleet::{Fleet, PatchRow, environment_word, kev_mark};
use super::rollout::RolloutView;
use crate::core::asset::Environment;
use crate::core::reasons::due_phrase;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    /// Worked out from the site's data; the operator reviews it.
    Prepared,
    /// Runs with the rollout, which has not started.
    ToRun,
    /// Cannot run: no patch definition in patches/ matches this patch.
    NoDefinition,
    Waiting,
    Running,
    Done,
    Failed,
}

impl StepState {
    pub fn label(self) -> &'static str {
        match self {
            StepState::Prepared => "READY",
            StepState::ToRun => "TO RUN",
            StepState::NoDefinition => "NO DEF",
            StepState::Waiting => "WAIT",
            StepState::Running => "RUN",
            StepState::Done => "DONE",
            StepState::Failed => "FAIL",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub title: &'static str,
    pub state: StepState,
    pub details: Vec<String>,
}

pub const STEP_COUNT: usize = 7;

/// The checklist of the patch whose checklist screen is open. `update` builds it when the
/// screen opens and as the rollout moves, so drawing a frame does not rebuild it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatchChecklist {
    pub patch: usize,
    pub steps: Vec<Step>,
}

/// The checklist for `patch`; `run` is its rollout, when one was started in this console.
pub fn checklist(fleet: &Fleet, patch: &PatchRow, run: Option<&RolloutView>) -> Vec<Step> {
    let mut steps = prepared(fleet, patch);
    for (index, step) in steps.iter_mut().enumerate().skip(2) {
        match (run, &patch.definition) {
            (Some(run), _) => {
                let (state, summary) = live_step(run, index);
                step.state = state;
                step.details.push(summary);
            }
            (None, Some(definition)) => {
                step.state = StepState::ToRun;
                step.details.push(format!(
                    "Runs with the rollout of patch definition `{definition}`: start it with the run key in the hints (you type the id to confirm)."
                ));
            }
            (None, None) => {
                step.state = StepState::NoDefinition;
                step.details.push(format!(
                    "No patch definition in patches/ fixes {}: write one (id, targets, steps) to run steps 3 to 7.",
                    patch.id
                ));
            }
        }
    }
    steps
}

fn prepared(fleet: &Fleet, patch: &PatchRow) -> Vec<Step> {
    vec![
        Step {
            title: "Inventory affected systems",
            state: StepState::Prepared,
            details: inventory(fleet, patch),
        },
        Step {
            title: "Assess risk and priority",
            state: StepState::Prepared,
            details: risk(fleet, patch),
        },
        Step {
            title: "Test in staging",
            state: StepState::ToRun,
            details: staging(fleet, patch),
        },
        Step {
            title: "Verify signatures and integrity",
            state: StepState::ToRun,
            details: integrity(patch),
        },
        Step {
            title: "Staged rollout with backups",
            state: StepState::ToRun,
            details: rollout(fleet, patch),
        },
        Step {
            title: "Monitor and verify",
            state: StepState::ToRun,
            details: vec![
                "After each wave: post-deploy checks on every host; failed hosts are flagged."
                    .to_string(),
                format!(
                    "The wave halts when more than {}% of its hosts fail.",
                    fleet.site.rollout.max_fail_percentage
                ),
            ],
        },
        Step {
            title: "Document or roll back",
            state: StepState::ToRun,
            details: vec![
                "Success: a change record from the audit journal.".to_string(),
                "Failure: each host's rollback commands, and the logs kept for analysis."
                    .to_string(),
            ],
        },
    ]
}

fn inventory(fleet: &Fleet, patch: &PatchRow) -> Vec<String> {
    let hosts: Vec<_> = patch
        .assets
        .iter()
        .filter_map(|&i| fleet.assets.get(i))
        .collect();
    let staging = hosts
        .iter()
        .filter(|a| a.environment == Environment::Staging)
        .count();
    let mut lines = vec![format!(
        "{} host{} need {} ({} production, {staging} staging):",
        hosts.len(),
        if hosts.len() == 1 { "" } else { "s" },
        patch.id,
        hosts.len() - staging
    )];
    for a in hosts {
        lines.push(format!(
            "  {:<16} {:<7} {:<7} {:<8} {}",
            a.name,
            environment_word(a.environment),
            a.criticality.as_str(),
            a.exposure.as_str(),
            a.os
        ));
    }
    lines.push("Packages to install:".to_string());
    for (name, version) in &patch.packages {
        lines.push(format!("  {name} {version}"));
    }
    lines
}

fn risk(fleet: &Fleet, patch: &PatchRow) -> Vec<String> {
    let mut lines = vec![
        format!(
            "Class {} ({}), SLA {} days from {}: {}.",
            patch.class.label(),
            patch.class.as_str(),
            patch.sla_days,
            patch.first_seen,
            due_phrase(patch.due, fleet.today)
        ),
        "Why:".to_string(),
    ];
    lines.extend(patch.reasons.iter().map(|r| format!("  - {r}")));
    lines.push("CVEs:".to_string());
    for cve in &patch.cves {
        lines.push(format!(
            "  {:<16} {:<4} EPSS {:<5} CVSS {}",
            cve.id,
            kev_mark(cve.kev, cve.ransomware),
            cve.epss.map_or("-".to_string(), |e| format!("{e:.2}")),
            cve.cvss.map_or("-".to_string(), |c| format!("{c:.1}"))
        ));
    }
    lines
}

fn staging(fleet: &Fleet, patch: &PatchRow) -> Vec<String> {
    let staging: Vec<&str> = patch
        .assets
        .iter()
        .filter_map(|&i| fleet.assets.get(i))
        .filter(|a| a.environment == Environment::Staging)
        .map(|a| a.name.as_str())
        .collect();
    let mut lines = if staging.is_empty() {
        vec![format!(
            "No staging host needs {}: test on a staging host with {} before production.",
            patch.id, patch.os
        )]
    } else {
        vec![format!("Staging cohort: {}.", staging.join(", "))]
    };
    lines.push("Production waits until the staging smoke tests pass.".to_string());
    lines
}

fn integrity(patch: &PatchRow) -> Vec<String> {
    vec![format!(
        "Before deploying, each artifact of {} is checked against its pinned minisign key \
             and SHA-256, and deployed only from the verified local copy.",
        patch.id
    )]
}

fn rollout(fleet: &Fleet, patch: &PatchRow) -> Vec<String> {
    let r = &fleet.site.rollout;
    let mut lines = vec![
        format!(
            "Waves: {} (canary first); {} host{} at a time.",
            r.waves.join(", "),
            r.concurrency,
            if r.concurrency == 1 { "" } else { "s" }
        ),
        "Each host is backed up before the update and rolled back on failure.".to_string(),
    ];
    if r.approval_for.contains(&patch.class) {
        lines.push(format!(
            "Class {} needs a signed approval before production{}.",
            patch.class.label(),
            if r.two_person {
                ", from someone other than the deployer"
            } else {
                ""
            }
        ));
    }
    lines
}
