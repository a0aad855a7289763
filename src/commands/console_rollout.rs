//! Rollouts started from the console: the same checks as `apply` (deployer role, drift,
//! approvals, maintenance window), then the engine on its own thread with a tokio runtime,
//! its events and questions carried to the console by `adapters::console_bridge`. It runs on
//! the site's real hosts over ssh, or on the demo's simulated fleet in training.
//!
//! Training (the demo's throwaway copy only): a missing approval is signed with the training
//! approver's key and a closed maintenance window is noted in the journal instead of refused,
//! both marked `training` in the journal, so a trainee can run a rollout end to end.

use std::sync::Arc;
use std::sync::mpsc::SyncSender;

use anyhow::Result;
use chrono::Utc;
use secureupdate::adapters::approvals::{ApprovalError, JournalApprovals};
use secureupdate::adapters::artifacts::{ArtifactError, STORE_DIR};
use secureupdate::adapters::console_bridge::{Answers, ConsoleDecider, feed};
use secureupdate::adapters::journal::{Journal, OperatorSigner, journal_path};
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::store::StateStore;
use secureupdate::app::Action;
use secureupdate::app::work::Work;
use secureupdate::config::{Role, Scenario, Site};
use secureupdate::core::journal::{EntryKind, NewEntry};
use secureupdate::core::rollout::{ArtifactRef, Plan};
use secureupdate::engine::{
    Decision, Engine, EventReceiver, OutputLimits, RollbackScope, RunJournal, RunOutcome,
    event_channel,
};
use serde_json::json;

use super::apply_artifact::admit;
use super::apply_checks::{check_approvals, check_drift, check_window};
use super::fleet::{ExecutorKind, Fleet, engine_settings, rollout_journal};
use super::rollout_plan::current_plan;
use crate::assessment::Assessment;

/// How the demo's training site differs.
pub struct Training {
    pub scenario: Scenario,
    /// Signs approvals the policy asks for (never the deployer).
    pub approver: Option<OperatorSigner>,
}

/// The console's [`Work`] on a site.
pub struct SiteWork<'a> {
    assessment: &'a Assessment,
    signer: Option<OperatorSigner>,
    training: Option<Training>,
    answers: Answers,
    last_plan: Option<Plan>,
}

impl<'a> SiteWork<'a> {
    pub fn new(
        assessment: &'a Assessment,
        signer: Option<OperatorSigner>,
        training: Option<Training>,
    ) -> SiteWork<'a> {
        SiteWork {
            assessment,
            signer,
            training,
            answers: Answers::default(),
            last_plan: None,
        }
    }

    /// The deploying operator's signer, when they may deploy.
    fn deployer(&self) -> Result<OperatorSigner, String> {
        let signer = self.signer.clone().ok_or_else(|| {
            "no operator key is unlocked: start the console with --operator NAME".to_string()
        })?;
        let deploys = self
            .assessment
            .site
            .config
            .operator_with_role(signer.operator(), Role::Deployer)
            .is_some();
        if deploys {
            Ok(signer)
        } else {
            Err(format!(
                "operator `{}` does not have the deployer role in site.toml",
                signer.operator()
            ))
        }
    }

    /// Where this console's rollouts run: the demo's simulated fleet in training, else the
    /// site's real hosts over ssh.
    fn fleet(&self) -> Result<Fleet, String> {
        let site = &self.assessment.site;
        let kind = match self.training {
            Some(_) => ExecutorKind::Sim,
            None => ExecutorKind::Ssh,
        };
        let scenario = self.training.as_ref().map(|t| t.scenario.clone());
        Fleet::open(site, kind, scenario).map_err(|e| format!("{e:#}"))
    }

    /// The engine for a run of `plan` (its artifact, if any, deployed from the store copy that
    /// [`Shipment::admit`] makes) or for a rollback. `approvals` judges the run's approval
    /// gates; the journal it last verified is not verified again.
    fn engine(
        &self,
        executor: Arc<Fleet>,
        signer: OperatorSigner,
        actions: SyncSender<Action>,
        plan: Option<&Plan>,
        approvals: Arc<JournalApprovals>,
    ) -> Result<(Engine<Fleet>, Feed), String> {
        let site = &self.assessment.site;
        let text = |e: &dyn std::fmt::Display| e.to_string();
        let store = StateStore::open(&site.dir.join("state.db")).map_err(|e| text(&e))?;
        let journal = rollout_journal(site, signer.clone(), approvals.verified_head().as_ref())
            .map_err(|e| format!("{e:#}"))?;
        let artifact_local = plan
            .and_then(|plan| plan.patch.artifact.as_ref())
            .map(|artifact| site.dir.join(STORE_DIR).join(&artifact.sha256));
        let settings = engine_settings(site, signer.operator(), artifact_local);
        let (events, received) = event_channel(OutputLimits::default());
        let (questions, asked) = tokio::sync::mpsc::unbounded_channel();
        let decider = Arc::new(ConsoleDecider::new(questions, self.answers.clone()));
        let engine = Engine::new(
            executor,
            Box::new(store),
            Box::new(journal),
            decider,
            events,
            settings,
        )
        .with_approval_check(approvals);
        Ok((engine, Feed(received, asked, actions)))
    }

    /// The checks `apply` makes; in training, approvals and windows are handled for the trainee.
    fn check(
        &self,
        plan: &Plan,
        hash: &str,
        signer: &OperatorSigner,
        approvals: &JournalApprovals,
    ) -> Result<()> {
        let site = &self.assessment.site;
        let store = StateStore::open(&site.dir.join("state.db"))?;
        check_drift(&store, plan, hash)?;
        let approver = self.training.as_ref().and_then(|t| t.approver.as_ref());
        match (
            check_approvals(approvals, plan, hash, signer.operator()),
            approver,
        ) {
            (Ok(()), _) => {}
            (Err(refusal), Some(approver)) if is_not_approved(&refusal) => {
                let entry = NewEntry::new(
                    Utc::now(),
                    approver.operator(),
                    EntryKind::Approve,
                    &format!("plan {hash}"),
                    &json!({"plan_hash": hash, "patch": plan.patch.id, "training": true}),
                )?;
                Journal::open_or_create(&journal_path(&site.dir))?
                    .append_decision(&entry, approver)?;
            }
            (Err(refusal), _) => return Err(refusal),
        }
        if let Err(refusal) = check_window(site, plan, Utc::now()) {
            if self.training.is_none() {
                return Err(refusal.context(
                    "the console declares no emergencies: use `secureupdate apply --emergency REASON`",
                ));
            }
            let journal = Journal::open_or_create(&journal_path(&site.dir))?;
            RolloutJournal::new(journal, signer.clone()).decision(
                EntryKind::Note,
                &format!("plan {hash} training"),
                json!({"plan_hash": hash, "training": true, "outside_window": refusal.to_string()}),
            )?;
        }
        let mut store = store;
        store.save_plan(plan)?;
        Ok(())
    }
}

/// A patch's artifact to verify into the store before its run, as `apply` does: on the
/// rollout's thread, since reading and hashing a large file must not hold up the screen.
struct Shipment {
    site: Site,
    plan_hash: String,
    artifact: ArtifactRef,
    signer: OperatorSigner,
}

impl Shipment {
    /// Verifies the artifact into `store/sha256/<hex>` (journaled, pass or fail).
    fn admit(self) -> Result<(), String> {
        let journal = Journal::open_or_create(&journal_path(&self.site.dir))
            .map_err(|e| format!("the journal: {e}"))?;
        let mut journal = RolloutJournal::new(journal, self.signer);
        admit(
            &self.site,
            &self.plan_hash,
            &self.artifact,
            &mut journal,
            &mut std::io::sink(),
        )
        .map(|_| ())
        .map_err(|e| {
            // The reason first: the screen may cut the message at a long path.
            let short = e
                .downcast_ref::<ArtifactError>()
                .map_or("refused", ArtifactError::in_short);
            format!("artifact check failed ({short}): {e:#}")
        })
    }
}

fn is_not_approved(refusal: &anyhow::Error) -> bool {
    matches!(
        refusal.downcast_ref::<ApprovalError>(),
        Some(ApprovalError::NotApproved { .. })
    )
}

/// The channels that carry one background job's events and questions to the console.
struct Feed(
    EventReceiver,
    tokio::sync::mpsc::UnboundedReceiver<secureupdate::engine::Question>,
    SyncSender<Action>,
);

/// Runs `job` on its own thread with a tokio runtime, feeding the console, and reports its
/// end with `WorkEnded`.
fn spawn<F>(feed_to: Feed, job: F) -> Result<(), String>
where
    F: std::future::Future<Output = Result<String, String>> + Send + 'static,
{
    let Feed(events, questions, actions) = feed_to;
    std::thread::Builder::new()
        .name("rollout".to_string())
        .spawn(move || {
            let ended = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(runtime) => runtime.block_on(async {
                    let (ended, ()) = tokio::join!(job, feed(events, questions, actions.clone()));
                    ended
                }),
                Err(e) => Err(format!("no runtime for the rollout: {e}")),
            };
            let _ = actions.send(Action::WorkEnded(ended));
        })
        .map(|_| ())
        .map_err(|e| format!("could not start the rollout's thread: {e}"))
}

pub(super) fn outcome_words(outcome: RunOutcome) -> String {
    match outcome {
        RunOutcome::Done => "every wave finished.".to_string(),
        RunOutcome::Halted { wave } => format!("wave {wave} failed past its threshold."),
        RunOutcome::Aborted { wave } => format!("the operator stopped it after wave {wave}."),
    }
}

impl Work for SiteWork<'_> {
    fn start_rollout(
        &mut self,
        patch: usize,
        definition: &str,
        actions: SyncSender<Action>,
    ) -> Result<(), String> {
        let signer = self.deployer()?;
        let plan = current_plan(self.assessment, definition).map_err(|e| format!("{e:#}"))?;
        let hash = plan.hash().map_err(|e| e.to_string())?;
        let approvals = Arc::new(JournalApprovals::new(&self.assessment.site));
        self.check(&plan, &hash, &signer, &approvals)
            .map_err(|e| format!("{e:#}"))?;
        let fleet = Arc::new(self.fleet()?);
        let (engine, feed_to) = self.engine(
            fleet.clone(),
            signer.clone(),
            actions.clone(),
            Some(&plan),
            approvals,
        )?;
        let shipment = plan.patch.artifact.clone().map(|artifact| Shipment {
            site: self.assessment.site.clone(),
            plan_hash: hash.clone(),
            artifact,
            signer,
        });
        actions
            .try_send(Action::RolloutStarted {
                patch,
                plan: Box::new(plan.clone()),
                plan_hash: hash,
            })
            .map_err(|e| format!("the console is not listening: {e}"))?;
        self.last_plan = Some(plan.clone());
        spawn(feed_to, async move {
            if let Some(shipment) = shipment {
                shipment.admit()?;
            }
            let ran = engine.run(plan).await;
            fleet.close().await;
            ran.map(outcome_words).map_err(|e| e.to_string())
        })
    }

    fn answer(&mut self, decision: Decision) {
        if !self.answers.answer(decision) {
            tracing::warn!("an answer came with no question waiting");
        }
    }

    fn roll_back(
        &mut self,
        scope: RollbackScope,
        actions: SyncSender<Action>,
    ) -> Result<(), String> {
        let signer = self.deployer()?;
        let plan = self
            .last_plan
            .clone()
            .ok_or_else(|| "no run started in this console".to_string())?;
        let fleet = Arc::new(self.fleet()?);
        let approvals = Arc::new(JournalApprovals::new(&self.assessment.site));
        let (engine, feed_to) = self.engine(fleet.clone(), signer, actions, None, approvals)?;
        spawn(feed_to, async move {
            let report = engine.roll_back(plan, scope).await;
            fleet.close().await;
            let report = report.map_err(|e| e.to_string())?;
            let mut text = format!(
                "rolled back {} host(s), {} already rolled back or never changed",
                report.rolled_back.len(),
                report.untouched.len()
            );
            if !report.failed.is_empty() {
                text.push_str(&format!(
                    "; rollback FAILED on {}",
                    report.failed.join(", ")
                ));
            }
            Ok(text)
        })
    }
}
