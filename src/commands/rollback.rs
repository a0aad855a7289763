//! `secureupdate rollback PATCH --operator NAME [--host NAME | --wave N] [--yes]`: rolls back
//! the hosts that the patch's latest run changed — one host, one wave or all of them — with the
//! patch's rollback commands. The decision is signed into the journal before anything runs.
//! Exit 0 when every host in scope was rolled back, 1 when a rollback failed, 2 for bad input.

use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;

use anyhow::{Context, Result};
use secureupdate::adapters::store::StateStore;
use secureupdate::config::Role;
use secureupdate::core::rollout::Plan;
use secureupdate::engine::{
    AlwaysYes, Engine, EngineError, EngineSettings, OutputLimits, RollbackReport, RollbackScope,
    RunJournal, RunStore, event_channel,
};

use super::apply_output::print_events;
use super::fleet::{ExecutorKind, Fleet, engine_settings, rollout_journal};
use super::rollout_plan::printable;
use crate::assessment::Assessment;
use crate::exit::bad_input;
use crate::operator_key::unlock_operator;

pub struct RollbackArgs<'a> {
    pub patch: &'a str,
    pub operator: &'a str,
    pub scope: RollbackScope,
    pub yes: bool,
    pub executor: ExecutorKind,
    pub secret: Option<&'a std::path::Path>,
}

#[derive(Debug, thiserror::Error)]
enum RollbackError {
    #[error("operator `{0}` does not have the deployer role in site.toml")]
    NotADeployer(String),
    #[error("patch `{0}` was never rolled out here: there is nothing to roll back")]
    NoRun(String),
    #[error("no terminal to confirm on; pass --yes to roll back without asking")]
    NoTerminal,
    #[error("not confirmed: nothing was rolled back")]
    NotConfirmed,
    #[error("the rollback failed on {0}")]
    Failed(String),
}

pub fn run(assessment: &Assessment, args: &RollbackArgs<'_>, out: &mut impl Write) -> Result<()> {
    let site = &assessment.site;
    let deployer = site
        .config
        .operator_with_role(args.operator, Role::Deployer)
        .ok_or_else(|| bad_input(RollbackError::NotADeployer(printable(args.operator))))?;
    let fleet = Fleet::open(site, args.executor, None)?;
    let store = StateStore::open(&site.dir.join("state.db"))
        .with_context(|| format!("opening the state store in {}", site.dir.display()))?;
    let plan = store
        .latest_run(args.patch)?
        .map(|hash| store.plan(&hash))
        .transpose()?
        .flatten()
        .ok_or_else(|| bad_input(RollbackError::NoRun(printable(args.patch))))?
        .plan;
    if !args.yes {
        confirm(args.patch, &args.scope)?;
    }
    let signer = unlock_operator(site, &deployer.name, args.secret)?;
    let journal = rollout_journal(site, signer, None)?;
    let rollback = Rollback {
        store: Box::new(store),
        journal: Box::new(journal),
        settings: engine_settings(site, &deployer.name, None),
        plan,
        scope: args.scope.clone(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let fleet = Arc::new(fleet);
    let report = runtime.block_on(async {
        let report = rollback.on(fleet.clone(), out).await;
        fleet.close().await;
        report
    });
    let report = report.map_err(|e| match e {
        EngineError::NotInPlan(_) => bad_input(e),
        other => other.into(),
    })?;
    writeln!(
        out,
        "Rolled back {} host(s){}; nothing to do on {} (never changed, or rolled back before).",
        report.rolled_back.len(),
        if report.rolled_back.is_empty() {
            String::new()
        } else {
            format!(": {}", report.rolled_back.join(", "))
        },
        report.untouched.len()
    )?;
    if report.failed.is_empty() {
        Ok(())
    } else {
        Err(RollbackError::Failed(report.failed.join(", ")).into())
    }
}

/// Everything one rollback by the engine needs but the executor.
struct Rollback {
    store: Box<dyn RunStore>,
    journal: Box<dyn RunJournal>,
    settings: EngineSettings,
    plan: Plan,
    scope: RollbackScope,
}

impl Rollback {
    /// Rolls back the scope's hosts on `executor`, printing `host | line` as it goes.
    async fn on(
        self,
        executor: Arc<Fleet>,
        out: &mut impl Write,
    ) -> Result<RollbackReport, EngineError> {
        let (events, received) = event_channel(OutputLimits::default());
        let engine = Engine::new(
            executor,
            self.store,
            self.journal,
            Arc::new(AlwaysYes),
            events,
            self.settings,
        );
        let (report, _) = tokio::join!(
            engine.roll_back(self.plan, self.scope),
            print_events(received, out)
        );
        report
    }
}

/// Asks the operator to type the patch id, as the console does for destructive decisions.
fn confirm(patch: &str, scope: &RollbackScope) -> Result<()> {
    if !std::io::stdin().is_terminal() {
        return Err(bad_input(RollbackError::NoTerminal));
    }
    eprint!(
        "Roll back {} of {}? Type the patch id to confirm: ",
        scope.describe(),
        printable(patch)
    );
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer)?;
    if answer.trim() == patch {
        Ok(())
    } else {
        Err(RollbackError::NotConfirmed.into())
    }
}
