//! Rollouts through `update` alone: starting one (the patch id must be typed), what a patch
//! without a definition or a console without a key says, answering the engine's questions,
//! rolling back after the run, the capped log buffers, and quitting with failures left.

mod console_support;

use secureupdate::app::action::InputRequest;
use secureupdate::app::checklist::StepState;
use secureupdate::app::keymap::Command;
use secureupdate::app::model::{RolloutAccess, ScreenKind};
use secureupdate::app::rollout::{HOST_LOG_LINES, HostState};
use secureupdate::app::{Action, Effect, Model, update};
use secureupdate::core::rollout::{Plan, StepKind};
use secureupdate::engine::executor::OutputStream;
use secureupdate::engine::{
    Decision, EngineEvent, HostResult, Question, RollbackScope, RunOutcome,
};

use console_support::run;

fn model() -> Model {
    let mut m = console_support::model(3, 6);
    m.access = RolloutAccess::Ready { training: false };
    m
}

fn type_text(m: &mut Model, text: &str) {
    for c in text.chars() {
        update(m, Action::PromptEdit(InputRequest::InsertChar(c)));
    }
}

/// A plan for the synthetic fleet's first patch: one staging and two production hosts.
fn started(m: &mut Model) {
    let host = |name: &str| {
        format!(
            r#"{{"name": "{name}", "address": "10.0.0.1", "port": 22, "user": "patch", "os": "debian-12", "criticality": "low", "marker_dir": "/var/lib/secureupdate"}}"#
        )
    };
    let json = format!(
        r#"{{"format": 1, "patch": {{"id": "pkg0-fix", "title": "t", "fixes": [], "artifact": null,
            "steps": {{"precheck": null, "backup": null, "apply": "true", "verify": null, "rollback": "true", "smoke": null}}}},
          "class": "high", "approval": {{"required": false, "approvers": 0, "two_person": false}},
          "concurrency": 1, "step_timeout_s": 60,
          "waves": [
            {{"number": 1, "kind": "staging", "steps": ["apply"], "hosts": [{}], "max_fail_percentage": 0, "approval_before": false}},
            {{"number": 2, "kind": "canary", "steps": ["apply"], "hosts": [{}, {}], "max_fail_percentage": 0, "approval_before": false}}
          ]}}"#,
        host("stg-01"),
        host("app-01"),
        host("app-02")
    );
    let plan: Plan = serde_json::from_str(&json).unwrap();
    let hash = plan.hash().unwrap();
    update(
        m,
        Action::RolloutStarted {
            patch: 0,
            plan: Box::new(plan),
            plan_hash: hash,
        },
    );
}

fn events(m: &mut Model, events: Vec<EngineEvent>) -> Vec<Effect> {
    update(m, Action::Engine { events, dropped: 0 })
}

#[test]
fn starting_needs_the_patch_id_typed_exactly() {
    let mut m = model();
    run(&mut m, Command::Checklist);
    run(&mut m, Command::Run);
    assert!(m.prompt.is_some());
    type_text(&mut m, "pkg0");
    assert_eq!(update(&mut m, Action::PromptSubmit), vec![Effect::Redraw]);
    assert!(m.prompt.is_some(), "a wrong id keeps the prompt");
    assert!(m.message.as_ref().unwrap().text().contains("pkg0-fix"));
    type_text(&mut m, "-fix");
    let effects = update(&mut m, Action::PromptSubmit);
    assert_eq!(
        effects[0],
        Effect::StartRollout {
            patch: 0,
            definition: "pkg0-fix".to_string()
        }
    );
    assert!(m.prompt.is_none());
}

#[test]
fn no_definition_or_no_key_cannot_start_and_says_why() {
    let mut m = model();
    run(&mut m, Command::Down);
    run(&mut m, Command::Checklist);
    run(&mut m, Command::Run);
    assert!(m.prompt.is_none());
    assert!(
        m.message
            .as_ref()
            .unwrap()
            .text()
            .contains("no patch definition")
    );
    let mut m = model();
    m.access = RolloutAccess::ShowOnly("no operator key is unlocked".to_string());
    run(&mut m, Command::Checklist);
    run(&mut m, Command::Run);
    assert!(m.prompt.is_none());
    assert!(
        m.message
            .as_ref()
            .unwrap()
            .text()
            .contains("no operator key is unlocked")
    );
}

#[test]
fn a_started_rollout_opens_its_view_and_marks_work_running() {
    let mut m = model();
    started(&mut m);
    assert!(m.work_running);
    assert_eq!(m.top().unwrap().kind, ScreenKind::Rollout);
    let run = m.rollout.as_ref().unwrap();
    assert_eq!(run.hosts.len(), 3);
    assert!(run.hosts.iter().all(|h| h.state == HostState::Pending));
    assert_eq!(run.waves.len(), 2);
}

#[test]
fn gate_answers_pause_and_abort_at_once_and_proceed_into_production_asks_for_the_id() {
    let mut m = model();
    started(&mut m);
    let gate = Question::ProceedAfterWave {
        wave: 1,
        next_wave: 2,
        succeeded: 1,
        failed: 0,
    };
    update(&mut m, Action::Asked(gate.clone()));
    assert_eq!(
        run(&mut m, Command::Pause),
        vec![Effect::Answer(Decision::Pause), Effect::Redraw]
    );
    assert_eq!(
        run(&mut m, Command::Abort),
        vec![Effect::Answer(Decision::Abort), Effect::Redraw]
    );
    assert_eq!(run(&mut m, Command::Proceed), vec![Effect::Redraw]);
    type_text(&mut m, "pkg0-fix");
    assert_eq!(
        update(&mut m, Action::PromptSubmit)[0],
        Effect::Answer(Decision::Proceed)
    );
    run(&mut m, Command::Skip);
    assert_eq!(
        update(&mut m, Action::PromptSubmit),
        vec![Effect::Redraw],
        "a reason is needed"
    );
    type_text(&mut m, "change freeze");
    assert_eq!(
        update(&mut m, Action::PromptSubmit)[0],
        Effect::Answer(Decision::Skip {
            reason: "change freeze".to_string()
        })
    );
    // The engine's journaled decision closes the question and reloads the journal.
    let effects = events(
        &mut m,
        vec![EngineEvent::Decided {
            question: gate,
            decision: Decision::Proceed,
        }],
    );
    assert!(effects.contains(&Effect::ReloadJournal));
    assert!(m.rollout.as_ref().unwrap().question.is_none());
    assert_eq!(
        run(&mut m, Command::Proceed).len(),
        1,
        "nothing waits: a message"
    );
}

#[test]
fn host_states_follow_the_engine_and_rollback_choices_come_after_the_run() {
    let mut m = model();
    started(&mut m);
    events(
        &mut m,
        vec![
            EngineEvent::StepStarted {
                wave: 2,
                host: "app-01".into(),
                step: StepKind::Apply,
            },
            EngineEvent::StepFinished {
                wave: 2,
                host: "app-01".into(),
                step: StepKind::Apply,
                status: secureupdate::engine::StepStatus::Failed { exit_code: 100 },
                already_done: false,
            },
        ],
    );
    let state = |m: &Model, i: usize| m.rollout.as_ref().unwrap().hosts[i].state;
    assert_eq!(state(&m, 1), HostState::Failed(StepKind::Apply));
    run(&mut m, Command::Down);
    assert_eq!(run(&mut m, Command::RollBackWave).len(), 1);
    assert!(m.prompt.is_none(), "no rollback by hand while work runs");
    events(
        &mut m,
        vec![
            EngineEvent::HostFinished {
                wave: 2,
                host: "app-01".into(),
                result: HostResult::Failed {
                    step: StepKind::Apply,
                    rolled_back: false,
                },
            },
            EngineEvent::RunFinished {
                outcome: RunOutcome::Halted { wave: 2 },
            },
        ],
    );
    update(&mut m, Action::WorkEnded(Ok("halted".to_string())));
    assert!(!m.work_running);
    // q asks: a failed host was left as it is.
    assert_eq!(run(&mut m, Command::Quit), vec![Effect::Redraw]);
    assert!(m.confirm_quit);
    run(&mut m, Command::RollBack);
    type_text(&mut m, "pkg0-fix");
    let effects = update(&mut m, Action::PromptSubmit);
    assert_eq!(
        effects[0],
        Effect::RollBack(RollbackScope::Host("app-01".into()))
    );
    assert!(m.work_running);
    run(&mut m, Command::Back);
    run(&mut m, Command::Back);
    assert!(m.stack.is_empty());
    run(&mut m, Command::Checklist);
    assert_eq!(run(&mut m, Command::Run), vec![Effect::Redraw]);
    assert_eq!(
        m.top().unwrap().kind,
        ScreenKind::Rollout,
        "r opens the run again"
    );
    for (command, scope) in [
        (Command::RollBackRun, RollbackScope::Run),
        (Command::RollBackWave, RollbackScope::Wave(1)),
    ] {
        update(&mut m, Action::WorkEnded(Ok("done".to_string())));
        run(&mut m, Command::Top);
        run(&mut m, command);
        type_text(&mut m, "pkg0-fix");
        assert_eq!(
            update(&mut m, Action::PromptSubmit)[0],
            Effect::RollBack(scope)
        );
    }
}

#[test]
fn host_logs_are_capped_and_follow_one_host_or_all() {
    let mut m = model();
    started(&mut m);
    let line = |host: &str, i: usize| EngineEvent::Output {
        host: host.into(),
        step: StepKind::Apply,
        stream: OutputStream::Stdout,
        line: format!("line {i}"),
    };
    let batch: Vec<EngineEvent> = (0..HOST_LOG_LINES + 50)
        .map(|i| line("stg-01", i))
        .collect();
    assert_eq!(
        events(&mut m, batch),
        vec![Effect::Redraw],
        "one redraw per batch"
    );
    events(&mut m, vec![line("app-01", 0)]);
    let run_view = m.rollout.as_ref().unwrap();
    assert_eq!(run_view.host_lines(0), HOST_LOG_LINES);
    assert_eq!(
        run_view.log_tail(2),
        vec![("stg-01", "line 249"), ("app-01", "line 0")]
    );
    run(&mut m, Command::Follow);
    let run_view = m.rollout.as_ref().unwrap();
    assert_eq!(run_view.follow, Some(0));
    assert_eq!(run_view.log_tail(1), vec![("stg-01", "line 249")]);
    update(
        &mut m,
        Action::Engine {
            events: vec![],
            dropped: 7,
        },
    );
    assert_eq!(m.rollout.as_ref().unwrap().dropped_lines, 7);
}

#[test]
fn the_open_checklist_follows_the_run() {
    let mut m = model();
    run(&mut m, Command::Checklist);
    let staging = |m: &Model| m.checklist_of(0).map(|steps| steps[2].state);
    assert_eq!(staging(&m), Some(StepState::ToRun));
    started(&mut m);
    assert_eq!(staging(&m), Some(StepState::Waiting));
    events(
        &mut m,
        vec![EngineEvent::WaveStarted {
            wave: 1,
            label: "wave 1".to_string(),
            hosts: 1,
        }],
    );
    assert_eq!(staging(&m), Some(StepState::Running));
}
