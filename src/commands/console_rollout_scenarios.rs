//! The demo's other scenarios in the rollout view (the canary that fails is in
//! `console_rollout_snapshots`): everything succeeds, a failed verify that is rolled back, a
//! host that drops off the network. Each is snapshotted at a question the engine asked and
//! after the run ended, and what the screen must say is asserted in words as well, against
//! what the simulated hosts hold after the run.

use secureupdate::adapters::sim::{ORIGINAL, PATCHED};
use secureupdate::app::Model;
use secureupdate::app::rollout::{HostState, WaveState};
use secureupdate::core::rollout::StepKind;
use secureupdate::engine::{Decision, Question, RunOutcome};

use super::console_rollout_sim::{Answering, SimRun, sized};
use super::console_snapshots::{check, looks, screen};

/// Proceeds at every gate and rolls back every failed host.
fn careful(question: &Question) -> Decision {
    match question {
        Question::ProceedAfterWave { .. } => Decision::Proceed,
        Question::RollBack { .. } => Decision::RollBack,
    }
}

/// Snapshots at 80x24 in both looks and at 120x40 in colour; returns the 80x24 text.
fn snapshots(name: &str, model: &Model) -> String {
    let [(default_name, default), (mono_name, mono)] = looks();
    check(
        &format!("{name}_80x24_{default_name}"),
        &sized(model, 80, 24),
        &default,
    );
    check(
        &format!("{name}_80x24_{mono_name}"),
        &sized(model, 80, 24),
        &mono,
    );
    check(
        &format!("{name}_120x40_{default_name}"),
        &sized(model, 120, 40),
        &default,
    );
    screen(&sized(model, 80, 24), &default)
        .backend()
        .to_string()
}

fn state_of(model: &Model, host: &str) -> HostState {
    let run = model.rollout.as_ref().unwrap();
    run.hosts.iter().find(|h| h.name == host).unwrap().state
}

fn wave_state(model: &Model, number: u32) -> WaveState {
    let run = model.rollout.as_ref().unwrap();
    run.waves.iter().find(|w| w.number == number).unwrap().state
}

/// The steps a simulated host ran, in order.
fn history(run: &SimRun, host: &str) -> Vec<String> {
    run.host(host).history
}

fn steps(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

#[test]
fn everything_succeeds_every_host_shows_done() {
    let run = SimRun::of("all-good", Answering(careful));
    assert_eq!(run.outcome, RunOutcome::Done);

    let gate = run.at_question(|q| matches!(q, Question::ProceedAfterWave { wave: 2, .. }));
    let text = snapshots("rollout_all_good_gate", &gate);
    assert!(
        text.contains("Wave 2: 1 ok, 0 failed. Start wave 3?"),
        "{text}"
    );
    assert_eq!(wave_state(&gate, 2), WaveState::Done);
    assert_eq!(wave_state(&gate, 3), WaveState::Waiting);
    assert_eq!(state_of(&gate, "print-01"), HostState::Done, "the canary");
    assert_eq!(state_of(&gate, "print-02"), HostState::Pending);

    let done = run.ended(0);
    let text = snapshots("rollout_all_good_done", &done);
    assert!(text.contains("Run DONE: every wave finished."), "{text}");
    let view = done.rollout.as_ref().unwrap();
    assert_eq!(view.hosts.len(), 17);
    for host in &view.hosts {
        assert_eq!(host.state, HostState::Done, "{}", host.name);
        assert!(!host.rollback_failed, "{}", host.name);
    }
    for wave in &view.waves {
        assert_eq!(wave.state, WaveState::Done, "wave {}", wave.number);
        let (finished, failed, total) = view.wave_progress(wave.number);
        assert_eq!((finished, failed), (total, 0), "wave {}", wave.number);
    }
    for wave in &run.plan.waves {
        let expected: Vec<String> = wave.steps.iter().map(|s| s.to_string()).collect();
        for host in &wave.hosts {
            assert_eq!(run.host(&host.name).package(), PATCHED, "{}", host.name);
            assert_eq!(history(&run, &host.name), expected, "{}", host.name);
        }
    }
}

#[test]
fn rollbacks_are_offered_only_once_the_run_has_ended() {
    let run = SimRun::of("all-good", Answering(careful));
    let hints = |model: &Model| {
        let text = screen(&sized(model, 80, 24), &looks()[0].1)
            .backend()
            .to_string();
        text.lines().nth(23).unwrap_or_default().to_string()
    };
    let midway = hints(&run.midway(run.events.len() / 2));
    assert!(midway.contains("f follow"), "{midway}");
    assert!(!midway.contains("roll back"), "{midway}");
    let ended = hints(&run.ended(0));
    assert!(ended.contains("b roll back host"), "{ended}");
}

#[test]
fn a_failed_verify_is_rolled_back_and_halts_its_wave() {
    let run = SimRun::of("verify-fails", Answering(careful));
    assert_eq!(run.outcome, RunOutcome::Halted { wave: 3 });
    assert_eq!(run.wave_hosts(3), ["print-02", "wiki-01"]);

    let asked = run.at_question(|q| matches!(q, Question::RollBack { .. }));
    let text = snapshots("rollout_verify_fails_question", &asked);
    assert!(
        text.contains("wiki-01: verify failed. Roll it back?"),
        "{text}"
    );
    assert!(
        text.contains("wiki-01            3 FAILED at verify"),
        "{text}"
    );
    assert_eq!(
        state_of(&asked, "wiki-01"),
        HostState::Failed(StepKind::Verify)
    );
    assert_eq!(state_of(&asked, "print-02"), HostState::Done);

    let halted = run.ended(7);
    let text = snapshots("rollout_verify_fails_halted", &halted);
    assert!(
        text.contains("Run HALTED in wave 3: wave 3 failed past its threshold."),
        "{text}"
    );
    assert!(text.contains("wiki-01            3 rolled back"), "{text}");
    assert!(text.contains("wiki-01 | -- rollback: ok"), "{text}");
    assert_eq!(state_of(&halted, "wiki-01"), HostState::RolledBack);
    assert_eq!(state_of(&halted, "print-02"), HostState::Done);
    assert_eq!(wave_state(&halted, 3), WaveState::Halted);
    for wave in [4, 5] {
        assert_eq!(wave_state(&halted, wave), WaveState::Waiting);
        for host in run.wave_hosts(wave) {
            assert_eq!(state_of(&halted, &host), HostState::Pending, "{host}");
            assert!(run.host(&host).untouched(), "{host}");
        }
    }
    assert_eq!(run.host("wiki-01").package(), ORIGINAL, "restored");
    assert_eq!(
        history(&run, "wiki-01"),
        steps(&["precheck", "backup", "apply", "verify", "rollback"])
    );
    assert_eq!(run.host("print-02").package(), PATCHED);
}

#[test]
fn a_host_that_drops_is_shown_unreachable_and_halts_its_wave() {
    let run = SimRun::of("host-drops", Answering(careful));
    assert_eq!(run.outcome, RunOutcome::Halted { wave: 5 });
    let wave_5 = run.wave_hosts(5);
    let dropped = wave_5.iter().position(|h| h == "web-fra-02").unwrap();

    let halted = run.ended(17 - 5 + dropped);
    let text = snapshots("rollout_host_drops_halted", &halted);
    assert!(
        text.contains("web-fra-02         5 UNREACHABLE at apply"),
        "the whole state at 80 columns: {text}"
    );
    assert!(text.contains("Run HALTED in wave 5"), "{text}");
    assert_eq!(
        state_of(&halted, "web-fra-02"),
        HostState::Unreachable(StepKind::Apply)
    );
    assert_eq!(wave_state(&halted, 5), WaveState::Halted);
    for wave in 1..=4 {
        assert_eq!(wave_state(&halted, wave), WaveState::Done, "wave {wave}");
    }
    for host in &wave_5[..dropped] {
        assert_eq!(state_of(&halted, host), HostState::Done, "{host}");
    }
    // One host of five is past the 10 % threshold: the rest of the wave never starts.
    for host in &wave_5[dropped + 1..] {
        assert_eq!(state_of(&halted, host), HostState::Pending, "{host}");
        assert!(run.host(host).untouched(), "{host}");
    }
    assert!(run.host("web-fra-02").dropped);
}
