//! `secureupdate plan PATCH [--json]`: the waves, hosts and steps a rollout would run, and the
//! plan hash approvals sign. The plan is stored so that `approve` can find it by its hash.

use std::io::Write;

use anyhow::{Context, Result};
use secureupdate::adapters::store::StateStore;
use secureupdate::core::rollout::Plan;
use serde::Serialize;

use super::rollout_plan::current_plan;
use crate::assessment::Assessment;

#[derive(Serialize)]
struct PlanJson<'a> {
    plan_hash: &'a str,
    plan: &'a Plan,
}

pub fn run(assessment: &Assessment, patch: &str, json: bool, out: &mut impl Write) -> Result<()> {
    let plan = current_plan(assessment, patch)?;
    let dir = &assessment.site.dir;
    let mut store = StateStore::open(&dir.join("state.db"))
        .with_context(|| format!("opening the state store in {}", dir.display()))?;
    let hash = store.save_plan(&plan)?;
    if json {
        serde_json::to_writer_pretty(
            &mut *out,
            &PlanJson {
                plan_hash: &hash,
                plan: &plan,
            },
        )?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(out, "Plan for {} — {}", plan.patch.id, plan.patch.title)?;
    writeln!(out, "plan_hash {hash}")?;
    writeln!(
        out,
        "class {}; {} hosts in {} waves; {} at a time; step timeout {} s",
        plan.class,
        plan.host_count(),
        plan.waves.len(),
        plan.concurrency,
        plan.step_timeout_s
    )?;
    if plan.approval.required {
        writeln!(
            out,
            "approval: {} approver(s){} must sign this hash before production: secureupdate approve {hash} --operator NAME",
            plan.approval.approvers,
            if plan.approval.two_person {
                ", not the deployer,"
            } else {
                ""
            }
        )?;
    }
    for (index, wave) in plan.waves.iter().enumerate() {
        if wave.approval_before {
            writeln!(out, "  -- approval gate --")?;
        }
        let steps: Vec<&str> = wave.steps.iter().map(|s| s.as_str()).collect();
        writeln!(
            out,
            "  {}: {} host(s), halt above {}% failed; steps {}",
            wave.label(),
            wave.hosts.len(),
            wave.max_fail_percentage,
            steps.join(", ")
        )?;
        let hosts: Vec<String> = wave
            .hosts
            .iter()
            .map(|h| format!("{} ({}, {})", h.name, h.os, h.criticality.as_str()))
            .collect();
        writeln!(out, "    {}", hosts.join(", "))?;
        if index + 1 < plan.waves.len() {
            writeln!(out, "  -- health gate --")?;
        }
    }
    Ok(())
}
