//! Steps 3 to 7 of the checklist as a rollout makes them: their state and a line each about
//! what the run did, read from the console's view of the run.

use super::checklist::StepState;
use super::rollout::{HostState, RolloutView, WaveState};
use crate::core::rollout::{StepKind, WaveKind};
use crate::engine::RunOutcome;

/// State and a summary line for checklist step `index` (2 to 6, counting from 0).
pub fn live_step(run: &RolloutView, index: usize) -> (StepState, String) {
    match index {
        2 => waves_step(run, |kind| kind == WaveKind::Staging, "staging"),
        3 => integrity(run),
        4 => waves_step(run, |kind| kind != WaveKind::Staging, "production"),
        5 => monitor(run),
        _ => documented(run),
    }
}

fn waves_step(run: &RolloutView, wanted: fn(WaveKind) -> bool, word: &str) -> (StepState, String) {
    let waves: Vec<_> = run.waves.iter().filter(|w| wanted(w.kind)).collect();
    if waves.is_empty() {
        return (StepState::Done, format!("The plan has no {word} wave."));
    }
    let state = if waves.iter().any(|w| w.state == WaveState::Halted) {
        StepState::Failed
    } else if waves
        .iter()
        .all(|w| matches!(w.state, WaveState::Done | WaveState::Skipped))
    {
        StepState::Done
    } else if waves.iter().any(|w| w.state == WaveState::Running) {
        StepState::Running
    } else if run.outcome.is_some() {
        StepState::Failed
    } else {
        StepState::Waiting
    };
    let parts: Vec<String> = waves
        .iter()
        .map(|w| {
            let (finished, failed, total) = run.wave_progress(w.number);
            format!("{}: {finished}/{total} finished, {failed} failed", w.label)
        })
        .collect();
    (state, parts.join("; "))
}

fn integrity(run: &RolloutView) -> (StepState, String) {
    if !run.has_artifact {
        return (
            StepState::Done,
            "No artifact to ship: packages come from the distribution's signed repositories."
                .to_string(),
        );
    }
    let bad = run
        .hosts
        .iter()
        .filter(|h| h.state == HostState::Failed(StepKind::Upload))
        .count();
    let state = match (bad, run.outcome) {
        (0, Some(_)) => StepState::Done,
        (0, None) => StepState::Running,
        _ => StepState::Failed,
    };
    (
        state,
        format!("{bad} host(s) received an artifact whose SHA-256 did not match."),
    )
}

fn monitor(run: &RolloutView) -> (StepState, String) {
    let failed = run.hosts.iter().filter(|h| h.state.is_failure()).count();
    let rolled_back = run
        .hosts
        .iter()
        .filter(|h| h.state == HostState::RolledBack)
        .count();
    let state = match (failed + rolled_back, run.outcome) {
        (0, Some(_)) => StepState::Done,
        (0, None) => StepState::Running,
        _ => StepState::Failed,
    };
    (
        state,
        format!("{failed} host(s) flagged failed or unreachable, {rolled_back} rolled back."),
    )
}

fn documented(run: &RolloutView) -> (StepState, String) {
    match run.outcome {
        None => (StepState::Waiting, "The run has not ended.".to_string()),
        Some(outcome) => {
            let how = match outcome {
                RunOutcome::Done => "done".to_string(),
                RunOutcome::Halted { wave } => format!("halted in wave {wave}"),
                RunOutcome::Aborted { wave } => format!("stopped after wave {wave}"),
            };
            (
                StepState::Done,
                format!(
                    "The run {how}; every decision and step result is in the journal (J) under plan {}.",
                    &run.plan_hash[..run.plan_hash.len().min(12)]
                ),
            )
        }
    }
}
