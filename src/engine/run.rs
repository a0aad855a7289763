//! Running a stored plan: wave after wave, hosts concurrently within a wave (up to the plan's
//! concurrency), halting when a wave's failures pass its threshold, asking at the health gate
//! between waves, and recording every decision and result.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use serde_json::json;
use thiserror::Error;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::approval::{ApprovalCheck, require_approval};
use super::attempts::host_attempts;
use super::decisions::{Gate, decide_once, health_gate};
use super::event_channel::EventSender;
use super::events::{EngineEvent, GateKind, HostResult, RunOutcome};
use super::executor::Executor;
use super::ports::{
    Decider, Decision, PortError, Question, RunJournal, RunState, RunStore, StepRecord,
};
use crate::core::journal::EntryKind;
use crate::core::policy::RollbackMode;
use crate::core::rollout::{Plan, PlanError, StepKind};

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Port(#[from] PortError),
    #[error(transparent)]
    Plan(#[from] PlanError),
    #[error("the plan ships an artifact but no verified local copy was given")]
    NoArtifact,
    #[error("a host task stopped unexpectedly: {0}")]
    HostTask(String),
    #[error("plan {0} was never started: there is nothing to roll back")]
    NotStarted(String),
    #[error("{0} is not in the plan")]
    NotInPlan(String),
    #[error("refused to start wave {wave}: the plan is not approved: {reason}")]
    NotApproved { wave: u32, reason: String },
    #[error("nothing to retry: {0}")]
    NothingToRetry(String),
}

pub struct EngineSettings {
    /// The deploying operator: journal entries are theirs, decisions signed with their key.
    pub operator: String,
    /// The verified local copy of the plan's artifact, when it has one.
    pub artifact_local: Option<PathBuf>,
    /// A step found running on a host is looked at again after this long...
    pub poll_interval: Duration,
    /// ...this many times, before its outcome is reported as unknown.
    pub max_polls: u32,
    /// Whether a failed `verify` is rolled back without asking (policy.toml `[rollback]`).
    pub on_failed_verify: RollbackMode,
}

/// Everything the host tasks of one run share.
pub(crate) struct RunContext<E> {
    pub executor: Arc<E>,
    pub store: Mutex<Box<dyn RunStore>>,
    pub journal: Mutex<Box<dyn RunJournal>>,
    pub decider: Arc<dyn Decider>,
    pub events: EventSender,
    pub settings: EngineSettings,
    pub plan: Plan,
    pub plan_hash: String,
    /// What the store held when the run (re)started, by (host, step, attempt).
    pub records: HashMap<(String, StepKind, u32), StepRecord>,
    /// The operator said abort: no host starts any more.
    pub aborted: AtomicBool,
    pub approvals: Option<Arc<dyn ApprovalCheck>>,
    /// The attempt each host with records runs under (see `attempts`).
    pub attempts: HashMap<String, u32>,
}

/// The store and journal are SQLite files with short, durable writes: a plain mutex is
/// enough, and a panic elsewhere must not make them unusable.
pub(crate) fn locked<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl<E> RunContext<E> {
    pub fn emit(&self, event: EngineEvent) {
        self.events.send(event);
    }
}

/// Drives one plan through an executor.
pub struct Engine<E> {
    executor: Arc<E>,
    store: Box<dyn RunStore>,
    journal: Box<dyn RunJournal>,
    decider: Arc<dyn Decider>,
    events: EventSender,
    settings: EngineSettings,
    approvals: Option<Arc<dyn ApprovalCheck>>,
}

struct WaveTally {
    succeeded: usize,
    failed: usize,
    untouched: usize,
    halted: bool,
}

impl<E: Executor + 'static> Engine<E> {
    pub fn new(
        executor: Arc<E>,
        store: Box<dyn RunStore>,
        journal: Box<dyn RunJournal>,
        decider: Arc<dyn Decider>,
        events: EventSender,
        settings: EngineSettings,
    ) -> Self {
        Engine {
            executor,
            store,
            journal,
            decider,
            events,
            settings,
            approvals: None,
        }
    }

    /// Checks approvals before the first wave that needs one; without it such a wave is
    /// refused.
    pub fn with_approval_check(mut self, check: Arc<dyn ApprovalCheck>) -> Self {
        self.approvals = Some(check);
        self
    }

    /// Retries the halted run of `plan`: journals the decision, then runs the hosts that failed
    /// again under a new attempt, keeping every step that succeeded; unknown outcomes are
    /// reconciled first. Refused when the run is not halted.
    pub async fn retry(mut self, plan: Plan) -> Result<RunOutcome, EngineError> {
        let plan_hash = plan.hash()?;
        super::retry::reopen(&mut *self.store, &mut *self.journal, &plan_hash)?;
        self.run(plan).await
    }

    /// Runs `plan` to its end, or resumes the run of the same plan where it stopped: steps with
    /// a result are not run again, steps with only an intent are reconciled with the host.
    /// A run that already ended is reported as it ended, and nothing runs.
    pub async fn run(mut self, plan: Plan) -> Result<RunOutcome, EngineError> {
        let plan_hash = plan.hash()?;
        if plan.patch.artifact.is_some() && self.settings.artifact_local.is_none() {
            return Err(EngineError::NoArtifact);
        }
        let stored = self.store.run_state(&plan_hash)?;
        if let Some(run) = &stored
            && let Some(outcome) = ended(run.state, run.wave)
        {
            self.events.send(EngineEvent::RunFinished { outcome });
            return Ok(outcome);
        }
        self.store
            .start_run(&plan_hash, &plan.patch.id, &self.settings.operator)?;
        let resumed = stored.is_some();
        self.journal.events(&[(
            EntryKind::RolloutStarted,
            format!("plan {plan_hash}"),
            json!({"plan_hash": plan_hash, "patch": plan.patch.id, "resumed": resumed}),
        )])?;
        super::journaling::catch_up(&mut *self.store, &mut *self.journal, &plan_hash)?;
        super::decisions::catch_up_decisions(&mut *self.store, &mut *self.journal, &plan_hash)?;
        let ctx = self.context(plan, plan_hash)?;
        ctx.emit(EngineEvent::RunStarted {
            plan_hash: ctx.plan_hash.clone(),
            patch: ctx.plan.patch.id.clone(),
            waves: ctx.plan.waves.len(),
            hosts: ctx.plan.host_count(),
            resumed,
        });
        let outcome = run_waves(&ctx).await?;
        finish(&ctx, outcome)?;
        Ok(outcome)
    }
}

impl<E> Engine<E> {
    /// What the host tasks share, with the store's records of the run as they stand.
    pub(crate) fn context(
        mut self,
        plan: Plan,
        plan_hash: String,
    ) -> Result<Arc<RunContext<E>>, EngineError> {
        let records: HashMap<_, _> = self
            .store
            .steps(&plan_hash)?
            .into_iter()
            .map(|s| ((s.host, s.step, s.attempt), s.record))
            .collect();
        let attempts = host_attempts(&records, self.store.run_attempt(&plan_hash)?);
        Ok(Arc::new(RunContext {
            executor: self.executor,
            store: Mutex::new(self.store),
            journal: Mutex::new(self.journal),
            decider: self.decider,
            events: self.events,
            settings: self.settings,
            plan,
            plan_hash,
            records,
            aborted: AtomicBool::new(false),
            approvals: self.approvals,
            attempts,
        }))
    }
}

fn ended(state: RunState, wave: Option<u32>) -> Option<RunOutcome> {
    let wave = wave.unwrap_or(0);
    match state {
        RunState::Running => None,
        RunState::Done => Some(RunOutcome::Done),
        RunState::Halted => Some(RunOutcome::Halted { wave }),
        RunState::Aborted => Some(RunOutcome::Aborted { wave }),
    }
}

async fn run_waves<E: Executor + 'static>(
    ctx: &Arc<RunContext<E>>,
) -> Result<RunOutcome, EngineError> {
    let mut index = 0;
    while index < ctx.plan.waves.len() {
        let wave = &ctx.plan.waves[index];
        if wave.approval_before {
            require_approval(ctx, wave.number)?;
            ctx.emit(EngineEvent::GateReached {
                wave: wave.number,
                kind: GateKind::Approval,
            });
        }
        ctx.emit(EngineEvent::WaveStarted {
            wave: wave.number,
            label: wave.label(),
            hosts: wave.hosts.len(),
        });
        let tally = run_wave(ctx, index).await?;
        ctx.emit(EngineEvent::WaveFinished {
            wave: wave.number,
            succeeded: tally.succeeded,
            failed: tally.failed,
            untouched: tally.untouched,
            halted: tally.halted,
        });
        if tally.halted {
            return Ok(RunOutcome::Halted { wave: wave.number });
        }
        if ctx.aborted.load(Ordering::SeqCst) {
            return Ok(RunOutcome::Aborted { wave: wave.number });
        }
        let Some(next) = ctx.plan.waves.get(index + 1) else {
            break;
        };
        ctx.emit(EngineEvent::GateReached {
            wave: wave.number,
            kind: GateKind::Health,
        });
        let gate = Gate {
            name: health_gate(wave.number),
            question: Question::ProceedAfterWave {
                wave: wave.number,
                next_wave: next.number,
                succeeded: tally.succeeded,
                failed: tally.failed,
            },
            subject: format!("plan {} wave {}", ctx.plan_hash, next.number),
            payload: json!({
                "plan_hash": ctx.plan_hash,
                "after_wave": wave.number,
                "next_wave": next.number,
                "succeeded": tally.succeeded,
                "failed": tally.failed,
            }),
        };
        match decide_once(ctx, gate).await? {
            Decision::Proceed | Decision::Pause => index += 1,
            Decision::Skip { reason } => {
                ctx.emit(EngineEvent::WaveSkipped {
                    wave: next.number,
                    reason,
                });
                index += 2;
            }
            Decision::Abort => return Ok(RunOutcome::Aborted { wave: wave.number }),
            Decision::RollBack => {
                let hosts = super::rollback::changed_hosts(ctx, |_, _| true)?;
                super::rollback::roll_back_hosts(ctx, hosts).await?;
                return Ok(RunOutcome::Aborted { wave: wave.number });
            }
        }
    }
    Ok(RunOutcome::Done)
}

async fn run_wave<E: Executor + 'static>(
    ctx: &Arc<RunContext<E>>,
    index: usize,
) -> Result<WaveTally, EngineError> {
    let wave = &ctx.plan.waves[index];
    let concurrency = usize::try_from(ctx.plan.concurrency).unwrap_or(1).max(1);
    let permits = Arc::new(Semaphore::new(concurrency));
    let halted = Arc::new(AtomicBool::new(false));
    let failures = Arc::new(AtomicUsize::new(0));
    let mut results: Vec<HostResult> = vec![HostResult::Untouched; wave.hosts.len()];
    let mut tasks = JoinSet::new();
    for host_index in 0..wave.hosts.len() {
        // Permits are taken here, in host order, so hosts start in the plan's order and none
        // starts once the wave has halted.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            joined = tasks.join_next(), if !tasks.is_empty() => {
                store_result(joined, &mut results)?;
                permits.clone().acquire_owned().await
            }
        }
        .map_err(|e| EngineError::HostTask(e.to_string()))?;
        if halted.load(Ordering::SeqCst) || ctx.aborted.load(Ordering::SeqCst) {
            break;
        }
        let ctx = Arc::clone(ctx);
        let (halted, failures) = (Arc::clone(&halted), Arc::clone(&failures));
        tasks.spawn(async move {
            let _permit = permit;
            let result = super::host::run_host(&ctx, index, host_index).await?;
            if result.is_failure() {
                let failed = failures.fetch_add(1, Ordering::SeqCst) + 1;
                // An unknown outcome halts whatever the threshold: it must be reconciled first.
                let unknown = matches!(result, HostResult::Unknown { .. });
                if unknown || ctx.plan.waves[index].exceeds_threshold(failed) {
                    halted.store(true, Ordering::SeqCst);
                }
            }
            Ok((host_index, result))
        });
    }
    while let Some(joined) = tasks.join_next().await {
        store_result(Some(joined), &mut results)?;
    }
    let failed = results.iter().filter(|r| r.is_failure()).count();
    Ok(WaveTally {
        succeeded: results
            .iter()
            .filter(|r| **r == HostResult::Succeeded)
            .count(),
        failed,
        untouched: results
            .iter()
            .filter(|r| **r == HostResult::Untouched)
            .count(),
        halted: halted.load(Ordering::SeqCst)
            || wave.exceeds_threshold(failed)
            || results
                .iter()
                .any(|r| matches!(r, HostResult::Unknown { .. })),
    })
}

type Joined = Result<Result<(usize, HostResult), EngineError>, tokio::task::JoinError>;

fn store_result(joined: Option<Joined>, results: &mut [HostResult]) -> Result<(), EngineError> {
    match joined {
        None => Ok(()),
        Some(Ok(Ok((index, result)))) => {
            results[index] = result;
            Ok(())
        }
        Some(Ok(Err(error))) => Err(error),
        Some(Err(join_error)) => Err(EngineError::HostTask(join_error.to_string())),
    }
}

fn finish<E>(ctx: &RunContext<E>, outcome: RunOutcome) -> Result<(), EngineError> {
    let (state, wave, word) = match outcome {
        RunOutcome::Done => (RunState::Done, None, "done"),
        RunOutcome::Halted { wave } => (RunState::Halted, Some(wave), "halted"),
        RunOutcome::Aborted { wave } => (RunState::Aborted, Some(wave), "aborted"),
    };
    locked(&ctx.store).finish_run(&ctx.plan_hash, state, wave)?;
    locked(&ctx.journal).events(&[(
        EntryKind::RolloutFinished,
        format!("plan {}", ctx.plan_hash),
        json!({"plan_hash": ctx.plan_hash, "outcome": word, "wave": wave}),
    )])?;
    ctx.emit(EngineEvent::RunFinished { outcome });
    Ok(())
}
