//! `secureupdate apply PATCH --operator NAME [--yes] [--executor ssh|sim] [--emergency REASON]`:
//! checks the plan (drift, approvals, maintenance window), then runs it — or resumes its
//! unfinished run — printing `host | line` and a summary. Exit 0 when done, 1 when halted,
//! aborted or refused, 2 for bad input.

use std::io::{IsTerminal, Write};
use std::sync::Arc;

use anyhow::{Context, Result};
use chrono::Utc;
use secureupdate::adapters::approvals::JournalApprovals;
use secureupdate::adapters::store::StateStore;
use secureupdate::config::Role;
use secureupdate::core::journal::EntryKind;
use secureupdate::core::rollout::Plan;
use secureupdate::engine::{
    AlwaysYes, ApprovalCheck, Decider, Engine, EngineError, EngineSettings, OutputLimits,
    RunJournal, RunOutcome, RunStore, event_channel,
};
use serde_json::json;

use super::apply_checks::{check_approvals, check_drift, check_window};
use super::apply_output::{Tally, TerminalDecider, print_events};
use super::fleet::{ExecutorKind, Fleet, engine_settings, rollout_journal, site_scenario};
use super::rollout_plan::{current_plan, printable};
use crate::assessment::Assessment;
use crate::exit::bad_input;
use crate::operator_key::unlock_operator;

pub struct ApplyArgs<'a> {
    pub patch: &'a str,
    pub operator: &'a str,
    pub yes: bool,
    pub executor: ExecutorKind,
    pub emergency: Option<&'a str>,
    pub scenario: Option<&'a str>,
    /// The deployer's secret key, when not keys/NAME.key.
    pub secret: Option<&'a std::path::Path>,
    /// Retry the halted run of the plan.
    pub retry: bool,
}

#[derive(Debug, thiserror::Error)]
enum ApplyError {
    #[error("operator `{0}` does not have the deployer role in site.toml")]
    NotADeployer(String),
    #[error("no terminal to ask at the gates; pass --yes to proceed and roll back automatically")]
    NoTerminal,
    #[error("--emergency: expected a reason on one line of printable text")]
    BadReason,
    #[error("the rollout halted in wave {0}: {1}")]
    Halted(u32, String),
    #[error("the rollout was stopped at the gate after wave {0}: {1}")]
    Aborted(u32, String),
}

pub fn run(assessment: &Assessment, args: &ApplyArgs<'_>, out: &mut impl Write) -> Result<()> {
    let site = &assessment.site;
    let deployer = site
        .config
        .operator_with_role(args.operator, Role::Deployer)
        .ok_or_else(|| bad_input(ApplyError::NotADeployer(printable(args.operator))))?;
    let reason = args
        .emergency
        .map(|reason| {
            let ok = !reason.trim().is_empty()
                && reason.len() <= 500
                && !reason.chars().any(char::is_control);
            if ok {
                Ok(reason.trim().to_string())
            } else {
                Err(bad_input(ApplyError::BadReason))
            }
        })
        .transpose()?;
    let fleet = Fleet::open(
        site,
        args.executor,
        args.scenario
            .map(|name| site_scenario(site, name))
            .transpose()?,
    )?;
    let decider: Arc<dyn Decider> = if args.yes {
        Arc::new(AlwaysYes)
    } else if std::io::stdin().is_terminal() {
        Arc::new(TerminalDecider::new())
    } else {
        return Err(bad_input(ApplyError::NoTerminal));
    };

    let plan = current_plan(assessment, args.patch)?;
    let hash = plan.hash()?;
    let mut store = StateStore::open(&site.dir.join("state.db"))
        .with_context(|| format!("opening the state store in {}", site.dir.display()))?;
    check_drift(&store, &plan, &hash)?;
    let approvals = Arc::new(JournalApprovals::new(site));
    check_approvals(&approvals, &plan, &hash, &deployer.name)?;
    let window = check_window(site, &plan, Utc::now());
    if window.is_err() && reason.is_none() {
        return window;
    }

    let signer = unlock_operator(site, &deployer.name, args.secret)?;
    let mut journal = rollout_journal(site, signer, approvals.verified_head().as_ref())?;
    if let (Err(refusal), Some(reason)) = (&window, &reason) {
        journal.decision(
            EntryKind::Proceed,
            &format!("plan {hash} emergency"),
            json!({"plan_hash": hash, "emergency": reason, "outside_window": refusal.to_string()}),
        )?;
        writeln!(
            out,
            "Emergency rollout outside the maintenance window: {reason}"
        )?;
    }
    store.save_plan(&plan)?;

    let artifact_local = match &plan.patch.artifact {
        Some(artifact) => Some(super::apply_artifact::admit(
            site,
            &hash.to_string(),
            artifact,
            &mut journal,
            out,
        )?),
        None => None,
    };
    let total = plan.host_count();
    let run = Run {
        store: Box::new(store),
        journal: Box::new(journal),
        decider,
        settings: engine_settings(site, &deployer.name, artifact_local),
        approvals,
        plan,
        retry: args.retry,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fleet = Arc::new(fleet);
    let (outcome, tally) = runtime.block_on(async {
        let ran = run.on(fleet.clone(), out).await;
        fleet.close().await;
        ran
    });
    let summary = match (tally.is_empty(), &outcome) {
        (true, Ok(RunOutcome::Halted { .. })) => format!(
            "this plan's run had already halted; nothing ran (`secureupdate apply {} --retry` runs its failed hosts again)",
            printable(args.patch)
        ),
        (true, _) => "this plan's run had already ended; nothing ran".to_string(),
        (false, _) => tally.summary(total),
    };
    match outcome? {
        RunOutcome::Done => {
            writeln!(out, "Done: {summary}.")?;
            Ok(())
        }
        RunOutcome::Halted { wave } => Err(ApplyError::Halted(wave, summary).into()),
        RunOutcome::Aborted { wave } => Err(ApplyError::Aborted(wave, summary).into()),
    }
}

/// Everything one run of the engine needs but the executor.
struct Run {
    store: Box<dyn RunStore>,
    journal: Box<dyn RunJournal>,
    decider: Arc<dyn Decider>,
    settings: EngineSettings,
    approvals: Arc<dyn ApprovalCheck>,
    plan: Plan,
    retry: bool,
}

impl Run {
    /// Runs (or retries) the plan on `executor`, printing `host | line` as it goes.
    async fn on(
        self,
        executor: Arc<Fleet>,
        out: &mut impl Write,
    ) -> (Result<RunOutcome, EngineError>, Tally) {
        let (events, received) = event_channel(OutputLimits::default());
        let engine = Engine::new(
            executor,
            self.store,
            self.journal,
            self.decider,
            events,
            self.settings,
        )
        .with_approval_check(self.approvals);
        let (plan, retry) = (self.plan, self.retry);
        let run = async move {
            if retry {
                engine.retry(plan).await
            } else {
                engine.run(plan).await
            }
        };
        tokio::join!(run, print_events(received, out))
    }
}
