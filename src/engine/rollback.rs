//! Rolling back by the operator's choice: one host, one wave or the whole run. Only hosts the
//! run changed (their apply started) and that were not rolled back before are touched; each
//! runs the patch's rollback under the guard protocol, so asking twice never runs it twice.

use std::sync::Arc;

use serde_json::json;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::StepStatus;
use super::attempts::attempt_of;
use super::events::EngineEvent;
use super::executor::Executor;
use super::host::{host_target, run_step};
use super::run::{Engine, EngineError, RunContext, locked};
use crate::core::journal::EntryKind;
use crate::core::rollout::{Plan, StepKind};

/// What the operator rolls back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RollbackScope {
    Host(String),
    Wave(u32),
    Run,
}

impl RollbackScope {
    pub fn describe(&self) -> String {
        match self {
            RollbackScope::Host(host) => format!("host {host}"),
            RollbackScope::Wave(wave) => format!("wave {wave}"),
            RollbackScope::Run => "the whole run".to_string(),
        }
    }

    fn covers(&self, wave: u32, host: &str) -> bool {
        match self {
            RollbackScope::Host(name) => name == host,
            RollbackScope::Wave(number) => *number == wave,
            RollbackScope::Run => true,
        }
    }
}

/// How an operator's rollback went, host by host (plan order).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RollbackReport {
    pub rolled_back: Vec<String>,
    pub failed: Vec<String>,
    /// In scope, but never changed or already rolled back: nothing ran.
    pub untouched: Vec<String>,
}

impl<E: Executor + 'static> Engine<E> {
    /// Rolls back the hosts of `scope` that the stored run of `plan` changed. The decision is
    /// journaled (signed) before anything runs.
    pub async fn roll_back(
        self,
        plan: Plan,
        scope: RollbackScope,
    ) -> Result<RollbackReport, EngineError> {
        let plan_hash = plan.hash()?;
        let known = match &scope {
            RollbackScope::Host(host) => plan
                .waves
                .iter()
                .any(|w| w.hosts.iter().any(|h| &h.name == host)),
            RollbackScope::Wave(number) => plan.waves.iter().any(|w| w.number == *number),
            RollbackScope::Run => true,
        };
        if !known {
            return Err(EngineError::NotInPlan(scope.describe()));
        }
        let ctx = self.context(plan, plan_hash)?;
        if locked(&ctx.store).run_state(&ctx.plan_hash)?.is_none() {
            return Err(EngineError::NotStarted(ctx.plan_hash.clone()));
        }
        let hosts = changed_hosts(&ctx, |wave, host| scope.covers(wave, host))?;
        let mut report = RollbackReport::default();
        for wave in &ctx.plan.waves {
            for host in &wave.hosts {
                let chosen = hosts.iter().any(|(_, h)| *h == host.name);
                if scope.covers(wave.number, &host.name) && !chosen {
                    report.untouched.push(host.name.clone());
                }
            }
        }
        let names: Vec<&str> = hosts.iter().map(|(_, h)| h.as_str()).collect();
        locked(&ctx.journal).decision(
            EntryKind::Rollback,
            &format!("plan {} {}", ctx.plan_hash, scope.describe()),
            json!({
                "plan_hash": ctx.plan_hash,
                "scope": scope.describe(),
                "hosts": names,
                "decision": "roll back",
            }),
        )?;
        let (rolled_back, failed) = roll_back_hosts(&ctx, hosts).await?;
        report.rolled_back = rolled_back;
        report.failed = failed;
        Ok(report)
    }
}

/// Hosts of the run (wave, name), in plan order, whose apply started and which have no
/// rollback record yet, among those `keep` accepts.
pub(crate) fn changed_hosts<E>(
    ctx: &RunContext<E>,
    keep: impl Fn(u32, &str) -> bool,
) -> Result<Vec<(u32, String)>, EngineError> {
    let steps = locked(&ctx.store).steps(&ctx.plan_hash)?;
    // Only the host's current attempt counts: a retry may have rolled back an earlier one.
    let has = |host: &str, step: StepKind| {
        let attempt = attempt_of(ctx, host);
        steps
            .iter()
            .any(|s| s.host == host && s.step == step && s.attempt == attempt)
    };
    let mut hosts = Vec::new();
    for wave in &ctx.plan.waves {
        for host in &wave.hosts {
            if keep(wave.number, &host.name)
                && has(&host.name, StepKind::Apply)
                && !has(&host.name, StepKind::Rollback)
            {
                hosts.push((wave.number, host.name.clone()));
            }
        }
    }
    Ok(hosts)
}

/// Runs the rollback on `hosts`, as many at a time as the plan allows; returns the names
/// rolled back and those whose rollback failed.
pub(crate) async fn roll_back_hosts<E: Executor + 'static>(
    ctx: &Arc<RunContext<E>>,
    hosts: Vec<(u32, String)>,
) -> Result<(Vec<String>, Vec<String>), EngineError> {
    let concurrency = usize::try_from(ctx.plan.concurrency).unwrap_or(1).max(1);
    let permits = Arc::new(Semaphore::new(concurrency));
    let mut tasks = JoinSet::new();
    for (index, (wave, name)) in hosts.into_iter().enumerate() {
        let Some(plan_host) = ctx
            .plan
            .waves
            .iter()
            .flat_map(|w| &w.hosts)
            .find(|h| h.name == name)
        else {
            continue;
        };
        let target = host_target(plan_host);
        let (ctx, permits) = (Arc::clone(ctx), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits
                .acquire_owned()
                .await
                .map_err(|e| EngineError::HostTask(e.to_string()))?;
            let status = run_step(&ctx, wave, &target, StepKind::Rollback).await?;
            let ok = status == StepStatus::Succeeded;
            ctx.emit(EngineEvent::HostRolledBack {
                wave,
                host: target.name.clone(),
                ok,
            });
            Ok::<_, EngineError>((index, target.name, ok))
        });
    }
    let mut results = Vec::new();
    while let Some(joined) = tasks.join_next().await {
        results.push(joined.map_err(|e| EngineError::HostTask(e.to_string()))??);
    }
    results.sort();
    let mut rolled_back = Vec::new();
    let mut failed = Vec::new();
    for (_, name, ok) in results {
        if ok {
            rolled_back.push(name);
        } else {
            failed.push(name);
        }
    }
    Ok((rolled_back, failed))
}
