//! The operator's decisions as the engine carries them out: pause, skip with a reason, abort
//! and roll back at a health gate or after a failure; the policy's automatic rollback of a
//! failed verify; and rollbacks of a host, a wave or the whole run asked for after the run.
//! Every claim about hosts is read from the simulated hosts' state; every decision from the
//! journal.

mod rollout_support;

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Mutex};

use rollout_support::*;
use secureupdate::adapters::journal::Journal;
use secureupdate::adapters::sim::{HALF_APPLIED, ORIGINAL, PATCHED};
use secureupdate::config::Scenario;
use secureupdate::core::policy::{PriorityClass, RollbackMode};
use secureupdate::engine::{
    AlwaysYes, AnswerFuture, Decider, Decision, EngineError, EngineEvent, Question, RollbackScope,
    RunOutcome,
};

/// Answers from a script, in order, and remembers the questions.
struct Scripted {
    answers: Mutex<VecDeque<Decision>>,
    asked: Mutex<Vec<Question>>,
}

impl Scripted {
    fn new(answers: Vec<Decision>) -> Arc<Scripted> {
        Arc::new(Scripted {
            answers: Mutex::new(answers.into()),
            asked: Mutex::new(Vec::new()),
        })
    }

    fn asked(&self) -> Vec<Question> {
        self.asked.lock().unwrap().clone()
    }
}

impl Decider for Scripted {
    fn ask(&self, question: Question) -> AnswerFuture {
        self.asked.lock().unwrap().push(question);
        let answer = self
            .answers
            .lock()
            .unwrap()
            .pop_front()
            .expect("the script has an answer for every question");
        Box::pin(std::future::ready(answer))
    }
}

/// (kind, decision word, reason) of every signed decision in the journal.
fn decisions(site: &Path) -> Vec<(String, String, Option<String>)> {
    let journal = Journal::open(&site.join("journal.db")).unwrap();
    journal
        .rows_from(1)
        .unwrap()
        .into_iter()
        .filter(|row| row.sig.is_some())
        .map(|row| {
            let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
            let text = |key: &str| payload[key].as_str().map(String::from);
            (row.kind, text("decision").unwrap(), text("reason"))
        })
        .collect()
}

fn fails(site: &Path, host: &str, step: &str) -> Scenario {
    scenario(
        site,
        &format!(
            "name = \"f\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"{host}\"\nkind = \"fail\"\nstep = \"{step}\"\n"
        ),
    )
}

fn assert_untouched(sim: &secureupdate::adapters::sim::SimExecutor, hosts: &[&str]) {
    for host in hosts {
        assert!(sim.host(host).unwrap().untouched(), "{host}");
    }
}

#[test]
fn a_pause_is_journaled_and_the_same_gate_asked_again() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let gates = plan.waves.len() - 1;
    let mut answers = vec![Decision::Pause];
    answers.extend(std::iter::repeat_n(Decision::Proceed, gates));
    let decider = Scripted::new(answers);
    let sim = sim(Scenario::all_good(1), None);
    let ran = run_with(site.path(), &plan, sim.clone(), decider.clone(), None);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    let asked = decider.asked();
    assert_eq!(asked.len(), gates + 1);
    assert_eq!(
        asked[0], asked[1],
        "the paused question comes back unchanged"
    );
    let journaled = decisions(site.path());
    assert_eq!(journaled[0].0, "note");
    assert_eq!(journaled[0].1, "pause");
    assert!(journaled[1..].iter().all(|(kind, _, _)| kind == "proceed"));
}

#[test]
fn skipping_a_wave_leaves_its_hosts_untouched_and_journals_the_reason() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let third: Vec<String> = plan.waves[2].hosts.iter().map(|h| h.name.clone()).collect();
    let decider = Scripted::new(vec![
        Decision::Proceed,
        Decision::Skip {
            reason: "app team\u{1b}[2J freeze".to_string(),
        },
    ]);
    let sim = sim(Scenario::all_good(1), None);
    let ran = run_with(site.path(), &plan, sim.clone(), decider, None);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    assert!(ran.events.contains(&EngineEvent::WaveSkipped {
        wave: 3,
        reason: "app team [2J freeze".to_string()
    }));
    for host in &third {
        assert!(sim.host(host).unwrap().untouched(), "{host}");
    }
    let last = &plan.waves[3].hosts[0].name;
    assert_eq!(sim.host(last).unwrap().package(), PATCHED);
    let skip = decisions(site.path())
        .into_iter()
        .find(|(kind, _, _)| kind == "skip")
        .unwrap();
    assert_eq!(skip.2.as_deref(), Some("app team [2J freeze"));
}

#[test]
fn rolling_back_at_a_gate_restores_every_changed_host_and_stops() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let decider = Scripted::new(vec![Decision::Proceed, Decision::RollBack]);
    let sim = sim(Scenario::all_good(1), None);
    let ran = run_with(site.path(), &plan, sim.clone(), decider, None);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Aborted { wave: 2 });
    for host in STAGING.iter().chain(&PRODUCTION[..1]) {
        assert_eq!(sim.host(host).unwrap().package(), ORIGINAL, "{host}");
        assert!(ran.events.contains(&EngineEvent::HostRolledBack {
            wave: if host.starts_with("stg") { 1 } else { 2 },
            host: host.to_string(),
            ok: true
        }));
    }
    assert_untouched(&sim, &PRODUCTION[1..]);
}

#[test]
fn skipping_a_hosts_rollback_leaves_it_as_the_failure_left_it() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let decider = Scripted::new(vec![
        Decision::Proceed,
        Decision::Skip {
            reason: "inspect first".to_string(),
        },
    ]);
    let sim = sim(fails(site.path(), "app-01", "apply"), None);
    let ran = run_with(site.path(), &plan, sim.clone(), decider, None);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 2 });
    let canary = sim.host("app-01").unwrap();
    assert_eq!(canary.package(), HALF_APPLIED);
    assert!(!canary.history.contains(&"rollback".to_string()));
}

#[test]
fn aborting_at_a_failure_starts_no_further_host() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    // Wave 3 runs two hosts at a time; its first host fails and the operator aborts.
    let first = plan.waves[2].hosts[0].name.clone();
    let later: Vec<String> = plan.waves[2].hosts[2..]
        .iter()
        .map(|h| h.name.clone())
        .collect();
    let decider = Scripted::new(vec![Decision::Proceed, Decision::Proceed, Decision::Abort]);
    let sim = sim(fails(site.path(), &first, "apply"), None);
    let ran = run_with(site.path(), &plan, sim.clone(), decider, None);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Aborted { wave: 3 });
    assert_eq!(sim.host(&first).unwrap().package(), HALF_APPLIED);
    for host in &later {
        assert!(sim.host(host).unwrap().untouched(), "{host}");
    }
}

#[test]
fn an_automatic_policy_rolls_back_a_failed_verify_without_asking() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let gates = plan.waves.len() - 1;
    let decider = Scripted::new(vec![Decision::Proceed; gates]);
    let sim = sim(fails(site.path(), "app-05", "verify"), None);
    save(site.path(), &plan);
    let (engine, _events) = engine_with(
        site.path(),
        sim.clone(),
        decider.clone(),
        None,
        RollbackMode::Automatic,
    );
    assert_eq!(block_on(engine.run(plan)).unwrap(), RunOutcome::Done);
    assert!(
        decider
            .asked()
            .iter()
            .all(|q| matches!(q, Question::ProceedAfterWave { .. }))
    );
    assert_eq!(sim.host("app-05").unwrap().package(), ORIGINAL);
    assert!(
        decisions(site.path())
            .iter()
            .any(|(kind, _, _)| kind == "rollback")
    );
}

fn roll_back(
    site: &Path,
    plan: &secureupdate::core::rollout::Plan,
    sim: Arc<secureupdate::adapters::sim::SimExecutor>,
    scope: RollbackScope,
) -> Result<secureupdate::engine::RollbackReport, EngineError> {
    let (engine, _events) = engine(site, sim, Arc::new(AlwaysYes), None);
    block_on(engine.roll_back(plan.clone(), scope))
}

#[test]
fn the_operator_rolls_back_a_host_then_a_wave_then_the_run_each_host_once() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let sim = sim(Scenario::all_good(1), None);
    assert!(matches!(
        roll_back(site.path(), &plan, sim.clone(), RollbackScope::Run),
        Err(EngineError::NotStarted(_))
    ));
    run(site.path(), &plan, sim.clone()).outcome.unwrap();

    let report = roll_back(
        site.path(),
        &plan,
        sim.clone(),
        RollbackScope::Host("app-03".into()),
    )
    .unwrap();
    assert_eq!(report.rolled_back, ["app-03"]);
    assert_eq!(sim.host("app-03").unwrap().package(), ORIGINAL);
    assert_eq!(sim.host("app-04").unwrap().package(), PATCHED);

    let wave3: Vec<String> = plan.waves[2].hosts.iter().map(|h| h.name.clone()).collect();
    let report = roll_back(site.path(), &plan, sim.clone(), RollbackScope::Wave(3)).unwrap();
    assert_eq!(
        report.untouched,
        ["app-03"],
        "rolled back before: not again"
    );
    assert_eq!(report.rolled_back.len(), wave3.len() - 1);

    let report = roll_back(site.path(), &plan, sim.clone(), RollbackScope::Run).unwrap();
    assert!(report.failed.is_empty());
    for host in STAGING.iter().chain(PRODUCTION.iter()) {
        let state = sim.host(host).unwrap();
        assert_eq!(state.package(), ORIGINAL, "{host}");
        let rollbacks = state.history.iter().filter(|s| *s == "rollback").count();
        assert_eq!(rollbacks, 1, "{host}");
    }
    assert!(matches!(
        roll_back(site.path(), &plan, sim, RollbackScope::Host("nope".into())),
        Err(EngineError::NotInPlan(_))
    ));
    let scopes: Vec<_> = decisions(site.path())
        .into_iter()
        .filter(|(kind, _, _)| kind == "rollback")
        .collect();
    assert_eq!(
        scopes.len(),
        3,
        "one signed decision per rollback asked for"
    );
}
