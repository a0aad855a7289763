//! One host through its wave's steps: each step recorded as an intent before it runs and a
//! result after; a step with only an intent is reconciled with the host's completion marker,
//! never assumed; a failed apply, verify or smoke test is rolled back when the patch has a
//! rollback and the operator (or `--yes`) says so.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::json;

use super::attempts::{attempt_of, record_for};
use super::decisions::{Gate, decide_by_policy, decide_once, rollback_gate};
use super::events::{EngineEvent, HostResult, StepStatus};
use super::executor::{Executor, GuardedStep, HostTarget, MarkerState, StepOutcome};
use super::journaling::journal_result;
use super::output::StepOutput;
use super::ports::{Decision, Question, StepRecord, StepResult};
use super::run::{EngineError, RunContext, locked};
use super::script::{remote_artifact_path, step_script};
use crate::core::journal::EntryKind;
use crate::core::policy::RollbackMode;
use crate::core::rollout::{PlanHost, StepKind, guard_key};

pub(crate) async fn run_host<E: Executor + 'static>(
    ctx: &Arc<RunContext<E>>,
    wave_index: usize,
    host_index: usize,
) -> Result<HostResult, EngineError> {
    let wave = &ctx.plan.waves[wave_index];
    let target = host_target(&wave.hosts[host_index]);
    let mut result = HostResult::Succeeded;
    for &step in &wave.steps {
        match run_step(ctx, wave.number, &target, step).await? {
            StepStatus::Succeeded => continue,
            StepStatus::Lost {
                unreachable: true, ..
            } => {
                result = HostResult::Unreachable { step };
            }
            // Nothing ran (a record from before unreachable was told apart): no rollback.
            StepStatus::Lost { .. } => {
                result = HostResult::Failed {
                    step,
                    rolled_back: false,
                };
            }
            // It may still be running: a rollback now would race it on the host.
            StepStatus::Unknown { .. } => {
                result = HostResult::Unknown { step };
            }
            StepStatus::Failed { .. } => {
                let rolled_back = roll_back(ctx, wave.number, &target, step).await?;
                result = HostResult::Failed { step, rolled_back };
            }
        }
        break;
    }
    ctx.emit(EngineEvent::HostFinished {
        wave: wave.number,
        host: target.name.clone(),
        result: result.clone(),
    });
    Ok(result)
}

pub(crate) fn host_target(host: &PlanHost) -> HostTarget {
    HostTarget {
        name: host.name.clone(),
        address: host.address.clone(),
        port: host.port,
        user: host.user.clone(),
        marker_dir: host.marker_dir.clone(),
    }
}

/// Runs the rollback after `failed` failed, when it makes sense and the operator (or the
/// policy, for a failed verify) agrees. Returns whether the rollback ran and succeeded.
async fn roll_back<E: Executor + 'static>(
    ctx: &Arc<RunContext<E>>,
    wave: u32,
    target: &HostTarget,
    failed: StepKind,
) -> Result<bool, EngineError> {
    let changes_host = matches!(failed, StepKind::Apply | StepKind::Verify | StepKind::Smoke);
    if !changes_host || ctx.plan.patch.steps.rollback.is_none() {
        return Ok(false);
    }
    let attempt = attempt_of(ctx, &target.name);
    let decided_before =
        ctx.records
            .contains_key(&(target.name.clone(), StepKind::Rollback, attempt));
    if !decided_before {
        let gate = Gate {
            name: rollback_gate(&target.name, failed, attempt),
            question: Question::RollBack {
                host: target.name.clone(),
                failed_step: failed,
            },
            subject: format!("plan {} host {}", ctx.plan_hash, target.name),
            payload: json!({"plan_hash": ctx.plan_hash, "host": target.name, "failed_step": failed.as_str()}),
        };
        let automatic =
            failed == StepKind::Verify && ctx.settings.on_failed_verify == RollbackMode::Automatic;
        let decision = if automatic {
            decide_by_policy(
                ctx,
                gate,
                Decision::RollBack,
                "policy: rollback.on_failed_verify = automatic",
            )?
        } else {
            decide_once(ctx, gate).await?
        };
        match decision {
            Decision::Proceed | Decision::RollBack | Decision::Pause => {}
            // Declining is a decision too: the host stays as the failed step left it.
            Decision::Skip { .. } => return Ok(false),
            Decision::Abort => {
                ctx.aborted.store(true, Ordering::SeqCst);
                return Ok(false);
            }
        }
    }
    let status = run_step(ctx, wave, target, StepKind::Rollback).await?;
    Ok(status == StepStatus::Succeeded)
}

pub(crate) async fn run_step<E: Executor + 'static>(
    ctx: &Arc<RunContext<E>>,
    wave: u32,
    target: &HostTarget,
    step: StepKind,
) -> Result<StepStatus, EngineError> {
    let artifact_sha = ctx.plan.patch.artifact.as_ref().map(|a| a.sha256.as_str());
    let attempt = attempt_of(ctx, &target.name);
    let key = guard_key(&ctx.plan_hash, &target.name, step, attempt, artifact_sha);
    match record_for(ctx, &target.name, step, attempt) {
        Some(StepRecord::Finished { exit_code }) => {
            let status = status_of(&StepRecord::Finished {
                exit_code: *exit_code,
            });
            announce(ctx, wave, target, step, status.clone(), true);
            return Ok(status);
        }
        Some(record @ StepRecord::Failed { .. }) => {
            let status = status_of(record);
            announce(ctx, wave, target, step, status.clone(), true);
            return Ok(status);
        }
        // Uploads leave no marker; sending the same file again is harmless.
        Some(StepRecord::Intent { .. }) if step != StepKind::Upload => {
            match reconcile(ctx, target, &key).await {
                Reconciled::Absent => {}
                Reconciled::Done(exit_code) => {
                    let record = StepRecord::Finished { exit_code };
                    return conclude(ctx, wave, target, step, record, (String::new(), 0), true);
                }
                Reconciled::Unknown(reason) => {
                    return unknown(ctx, wave, target, step, reason);
                }
            }
        }
        Some(StepRecord::Intent { .. }) => {}
        None => {
            locked(&ctx.store).record_intent(&ctx.plan_hash, &target.name, step, attempt, &key)?
        }
    }
    execute(ctx, wave, target, step, key).await
}

async fn execute<E: Executor + 'static>(
    ctx: &Arc<RunContext<E>>,
    wave: u32,
    target: &HostTarget,
    step: StepKind,
    key: String,
) -> Result<StepStatus, EngineError> {
    ctx.emit(EngineEvent::StepStarted {
        wave,
        host: target.name.clone(),
        step,
    });
    let output = StepOutput::new(&target.name, step, ctx.events.clone());
    let artifact = ctx.plan.patch.artifact.as_ref();
    let outcome = match (step, artifact, ctx.settings.artifact_local.as_deref()) {
        (StepKind::Upload, Some(artifact), Some(local)) => {
            let remote = remote_artifact_path(artifact);
            ctx.executor
                .upload(target, local, &artifact.sha256, &remote)
                .await
        }
        (StepKind::Upload, _, _) => return Err(EngineError::NoArtifact),
        _ => {
            let body = ctx.plan.patch.steps.script(step).unwrap_or("true");
            let guarded = GuardedStep {
                guard_key: key.clone(),
                script: step_script(&ctx.plan.patch.id, step, body, artifact),
                timeout: std::time::Duration::from_secs(u64::from(ctx.plan.step_timeout_s)),
            };
            ctx.executor.run_guarded(target, &guarded, &output).await
        }
    };
    let digest = output.finish();
    let (record, from_marker) = match outcome {
        StepOutcome::Finished {
            exit_code,
            already_done,
        } => (StepRecord::Finished { exit_code }, already_done),
        StepOutcome::Unreachable { reason } => (
            StepRecord::Failed {
                reason,
                unreachable: true,
            },
            false,
        ),
        // Nothing ran: like an unreachable host, never a reason to roll back.
        StepOutcome::HostKeyRejected { reason } => (
            StepRecord::Failed {
                reason: format!("host key rejected: {reason}"),
                unreachable: true,
            },
            false,
        ),
        StepOutcome::Locked | StepOutcome::TimedOut | StepOutcome::Unknown { .. } => {
            let why = match &outcome {
                StepOutcome::Locked => "another process held the step's lock".to_string(),
                StepOutcome::TimedOut => "the step outlived its timeout".to_string(),
                StepOutcome::Unknown { reason } => reason.clone(),
                _ => String::new(),
            };
            match reconcile(ctx, target, &key).await {
                Reconciled::Done(exit_code) => (StepRecord::Finished { exit_code }, true),
                Reconciled::Absent => {
                    let reason = format!("{why}; no completion marker on the host yet");
                    return unknown(ctx, wave, target, step, reason);
                }
                Reconciled::Unknown(reason) => {
                    return unknown(ctx, wave, target, step, format!("{why}; {reason}"));
                }
            }
        }
    };
    conclude(ctx, wave, target, step, record, digest, from_marker)
}

/// Stores, then journals a step's result (see `journaling`), then announces it.
fn conclude<E>(
    ctx: &RunContext<E>,
    wave: u32,
    target: &HostTarget,
    step: StepKind,
    record: StepRecord,
    (output_sha256, output_lines): (String, u64),
    from_marker: bool,
) -> Result<StepStatus, EngineError> {
    let result = StepResult {
        record,
        output_sha256,
        output_lines,
        from_marker,
    };
    let attempt = attempt_of(ctx, &target.name);
    locked(&ctx.store).record_result(&ctx.plan_hash, &target.name, step, attempt, &result)?;
    journal_result(
        &mut **locked(&ctx.store),
        &mut **locked(&ctx.journal),
        &ctx.plan_hash,
        (&target.name, step, attempt),
        &result,
    )?;
    let status = status_of(&result.record);
    announce(ctx, wave, target, step, status.clone(), from_marker);
    Ok(status)
}

/// A step whose outcome is not known: its intent stays open in the store (so the next run
/// reconciles it with the host), the journal records that it is unknown, and it is announced.
fn unknown<E>(
    ctx: &RunContext<E>,
    wave: u32,
    target: &HostTarget,
    step: StepKind,
    reason: String,
) -> Result<StepStatus, EngineError> {
    locked(&ctx.journal).events(&[(
        EntryKind::StepFinished,
        format!("plan {} host {} step {step}", ctx.plan_hash, target.name),
        json!({
            "plan_hash": ctx.plan_hash,
            "host": target.name,
            "step": step.as_str(),
            "attempt": attempt_of(ctx, &target.name),
            "outcome": "unknown",
            "reason": reason,
        }),
    )])?;
    let status = StepStatus::Unknown { reason };
    announce(ctx, wave, target, step, status.clone(), false);
    Ok(status)
}

fn announce<E>(
    ctx: &RunContext<E>,
    wave: u32,
    target: &HostTarget,
    step: StepKind,
    status: StepStatus,
    already_done: bool,
) {
    ctx.emit(EngineEvent::StepFinished {
        wave,
        host: target.name.clone(),
        step,
        status,
        already_done,
    });
}

fn status_of(record: &StepRecord) -> StepStatus {
    match record {
        StepRecord::Finished { exit_code: 0 } => StepStatus::Succeeded,
        StepRecord::Finished { exit_code } => StepStatus::Failed {
            exit_code: *exit_code,
        },
        StepRecord::Failed {
            reason,
            unreachable,
        } => StepStatus::Lost {
            reason: reason.clone(),
            unreachable: *unreachable,
        },
        StepRecord::Intent { .. } => StepStatus::Lost {
            reason: "no result recorded".to_string(),
            unreachable: false,
        },
    }
}

enum Reconciled {
    Done(i32),
    Absent,
    /// Still running after the allowed checks, or the host could not be asked.
    Unknown(String),
}

/// Asks the host what became of a step, waiting while it is still running there.
async fn reconcile<E: Executor + 'static>(
    ctx: &RunContext<E>,
    target: &HostTarget,
    key: &str,
) -> Reconciled {
    let mut polls = 0;
    loop {
        match ctx.executor.probe(target, key).await {
            MarkerState::Done { exit_code } => return Reconciled::Done(exit_code),
            MarkerState::Absent => return Reconciled::Absent,
            MarkerState::Unknown { reason } => return Reconciled::Unknown(reason),
            MarkerState::Unreachable { reason } => {
                return Reconciled::Unknown(format!("the host could not be asked: {reason}"));
            }
            MarkerState::Running if polls >= ctx.settings.max_polls => {
                return Reconciled::Unknown(format!(
                    "still running on the host after {polls} checks"
                ));
            }
            MarkerState::Running => {
                polls += 1;
                tokio::time::sleep(ctx.settings.poll_interval).await;
            }
        }
    }
}
