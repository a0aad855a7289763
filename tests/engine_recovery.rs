//! What the engine does when it cannot know, or crashed before it wrote something down: an
//! unknown outcome halts without a rollback and stays open for the next run; results and
//! decisions reach the journal exactly as they were stored; gates passed are not asked again.

mod rollout_support;

use secureupdate::core::policy::RollbackMode;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rollout_support::*;
use secureupdate::adapters::journal::Journal;
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::sim::{SimExecutor, SimHost, SimLock, load_host, state_path};
use secureupdate::adapters::store::StateStore;
use secureupdate::config::Scenario;
use secureupdate::core::journal::EntryKind;
use secureupdate::core::policy::PriorityClass;
use secureupdate::core::rollout::{StepKind, guard_key};
use secureupdate::engine::{
    AlwaysYes, AnswerFuture, Decider, Decision, Engine, EngineEvent, EngineSettings, EventReceiver,
    HostResult, OutputLimits, PortError, Question, RunJournal, RunOutcome, RunStore, StepRecord,
    event_channel,
};
use serde_json::Value;

/// An engine that gives up on a step found running after a few quick checks.
fn quick_engine(
    site: &Path,
    executor: Arc<SimExecutor>,
    decider: Arc<dyn Decider>,
    journal: Box<dyn RunJournal>,
) -> (Engine<SimExecutor>, EventReceiver) {
    let store = StateStore::open(&site.join("state.db")).unwrap();
    let (events, received) = event_channel(OutputLimits::default());
    let settings = EngineSettings {
        operator: "bob".to_string(),
        artifact_local: None,
        poll_interval: Duration::from_millis(1),
        max_polls: 3,
        on_failed_verify: RollbackMode::Ask,
    };
    let engine = Engine::new(
        executor,
        Box::new(store),
        journal,
        decider,
        events,
        settings,
    );
    (engine, received)
}

fn journal(site: &Path) -> Box<dyn RunJournal> {
    let journal = Journal::open_or_create(&site.join("journal.db")).unwrap();
    Box::new(RolloutJournal::new(journal, signer(site, "bob")))
}

fn drain(received: &mut EventReceiver) -> Vec<EngineEvent> {
    let mut events = Vec::new();
    while let Ok(event) = received.try_recv() {
        events.push(event);
    }
    events
}

/// Journal entries of `kind`, as (subject, payload).
fn entries(site: &Path, kind: &str) -> Vec<(String, Value)> {
    let mut found = Vec::new();
    Journal::open_read_only(&site.join("journal.db"))
        .unwrap()
        .for_each_row(1, |row| {
            if row.kind == kind {
                found.push((
                    row.subject.clone(),
                    serde_json::from_str(&row.payload).unwrap(),
                ));
            }
        })
        .unwrap();
    found
}

/// Another process holds `step`'s lock on `host` until `finishes_at_ms`.
fn hold_lock(state_dir: &Path, host: &str, key: &str, step: StepKind, finishes_at_ms: u64) {
    let mut state = load_host(state_dir, host).unwrap();
    state.locks.insert(
        key.to_string(),
        SimLock {
            step: Some(step),
            finishes_at_ms,
            exit_code: 0,
        },
    );
    write_host(state_dir, host, &state);
}

fn write_host(state_dir: &Path, host: &str, state: &SimHost) {
    std::fs::create_dir_all(state_dir).unwrap();
    std::fs::write(
        state_path(state_dir, host),
        serde_json::to_vec(state).unwrap(),
    )
    .unwrap();
}

#[test]
fn a_step_still_running_elsewhere_is_unknown_halts_the_wave_and_is_not_rolled_back() {
    let site = fleet_site();
    let state_dir = site.path().join("sim");
    let plan = plan(&load(site.path()), PriorityClass::High);
    let hash = save(site.path(), &plan);
    assert_eq!(plan.waves[1].hosts[0].name, "app-01", "the canary");
    let key = guard_key(&hash, "app-01", StepKind::Apply, 1, None);
    hold_lock(&state_dir, "app-01", &key, StepKind::Apply, u64::MAX / 2);

    let sim = sim(Scenario::all_good(1), Some(state_dir.clone()));
    let (engine, mut received) = quick_engine(
        site.path(),
        sim.clone(),
        Arc::new(AlwaysYes),
        journal(site.path()),
    );
    let outcome = block_on(engine.run(plan.clone())).unwrap();
    let events = drain(&mut received);

    assert_eq!(outcome, RunOutcome::Halted { wave: 2 });
    let canary = events.iter().rev().find_map(|e| match e {
        EngineEvent::HostFinished { host, result, .. } if host == "app-01" => Some(result.clone()),
        _ => None,
    });
    assert_eq!(
        canary,
        Some(HostResult::Unknown {
            step: StepKind::Apply
        })
    );
    let host = sim.host("app-01").unwrap();
    assert_eq!(
        host.history,
        ["precheck", "backup"],
        "no rollback raced the step still running"
    );
    assert!(
        host.locks.contains_key(&key),
        "the other process's step runs on"
    );
    let mut store = StateStore::open(&site.path().join("state.db")).unwrap();
    let apply = store
        .steps(&hash)
        .unwrap()
        .into_iter()
        .find(|s| s.host == "app-01" && s.step == StepKind::Apply)
        .unwrap();
    assert!(
        matches!(apply.record, StepRecord::Intent { .. }),
        "left open for the next run to reconcile: {:?}",
        apply.record
    );
    let unknown: Vec<_> = entries(site.path(), "step_finished")
        .into_iter()
        .filter(|(_, p)| p["outcome"] == "unknown")
        .collect();
    assert_eq!(unknown.len(), 1, "the journal says the outcome is unknown");
    assert!(entries(site.path(), "rollback").is_empty());
}

/// The real journal, except that writing the `fail_at`-th step result fails (as when the
/// process dies between storing a result and journaling it); keeps what it refused.
struct BreaksOnce {
    inner: RolloutJournal,
    results: usize,
    fail_at: usize,
    refused: Arc<std::sync::Mutex<Option<Value>>>,
}

impl RunJournal for BreaksOnce {
    fn decision(
        &mut self,
        kind: EntryKind,
        subject: &str,
        payload: Value,
    ) -> Result<(), PortError> {
        self.inner.decision(kind, subject, payload)
    }

    fn events(&mut self, events: &[(EntryKind, String, Value)]) -> Result<(), PortError> {
        for (kind, _, payload) in events {
            if *kind == EntryKind::StepFinished {
                self.results += 1;
                if self.results == self.fail_at {
                    *self.refused.lock().unwrap() = Some(payload.clone());
                    return Err(PortError("journal write failed".to_string()));
                }
            }
        }
        self.inner.events(events)
    }
}

#[test]
fn a_result_stored_but_never_journaled_is_journaled_on_the_next_run_with_its_digest() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    save(site.path(), &plan);
    let state_dir = site.path().join("sim");
    let refused = Arc::new(std::sync::Mutex::new(None));
    let breaking = BreaksOnce {
        inner: RolloutJournal::new(
            Journal::open_or_create(&site.path().join("journal.db")).unwrap(),
            signer(site.path(), "bob"),
        ),
        results: 0,
        fail_at: 3,
        refused: refused.clone(),
    };
    let first = sim(Scenario::all_good(1), Some(state_dir.clone()));
    let (engine, _events) =
        quick_engine(site.path(), first, Arc::new(AlwaysYes), Box::new(breaking));
    assert!(
        block_on(engine.run(plan.clone())).is_err(),
        "the journal failed"
    );
    let refused = refused.lock().unwrap().clone().unwrap();

    let second = sim(Scenario::all_good(1), Some(state_dir));
    let (engine, _events) = quick_engine(
        site.path(),
        second,
        Arc::new(AlwaysYes),
        journal(site.path()),
    );
    assert_eq!(
        block_on(engine.run(plan.clone())).unwrap(),
        RunOutcome::Done
    );

    let results = entries(site.path(), "step_finished");
    let expected: usize = plan
        .waves
        .iter()
        .map(|w| w.hosts.len() * w.steps.len())
        .sum();
    assert_eq!(
        results.len(),
        expected,
        "one journaled result per host×step"
    );
    let same_step = |p: &Value| p["host"] == refused["host"] && p["step"] == refused["step"];
    let recovered: Vec<&Value> = results
        .iter()
        .map(|(_, p)| p)
        .filter(|p| same_step(p))
        .collect();
    assert_eq!(recovered.len(), 1);
    assert_eq!(recovered[0]["recovered"], true);
    for field in ["exit_code", "output_sha256", "output_lines", "attempt"] {
        assert_eq!(recovered[0][field], refused[field], "{field}");
    }
    assert_eq!(refused["exit_code"], 0);
    assert_ne!(refused["output_sha256"], "");
}

/// Answers yes at health gates and `rollback` at rollback questions; remembers what it was asked.
struct Remembers {
    asked: Arc<std::sync::Mutex<Vec<Question>>>,
    rollback: bool,
}

impl Decider for Remembers {
    fn ask(&self, question: Question) -> AnswerFuture {
        let answer = match question {
            Question::ProceedAfterWave { .. } => Decision::Proceed,
            Question::RollBack { .. } if self.rollback => Decision::RollBack,
            Question::RollBack { .. } => Decision::Skip {
                reason: "leave it for the investigation".to_string(),
            },
        };
        self.asked.lock().unwrap().push(question);
        Box::pin(std::future::ready(answer))
    }
}

#[test]
fn a_resumed_run_does_not_ask_a_gate_it_passed_again_nor_journal_a_second_answer() {
    let site = fleet_site();
    let state_dir = site.path().join("sim");
    let plan = plan(&load(site.path()), PriorityClass::High);
    save(site.path(), &plan);
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let decider = Arc::new(Remembers {
        asked: asked.clone(),
        rollback: true,
    });
    let steady = scenario(
        site.path(),
        "name = \"steady\"\ndescription = \"x\"\nstep_ms = 5\n",
    );

    // First process: cut as wave 3 starts its first step, after two gates were passed.
    let first = sim(steady.clone(), Some(state_dir.clone()));
    let (engine, mut events) =
        quick_engine(site.path(), first, decider.clone(), journal(site.path()));
    let cut = block_on(async {
        let run = engine.run(plan.clone());
        tokio::pin!(run);
        loop {
            tokio::select! {
                _ = &mut run => break false,
                event = events.recv() => match event {
                    Some(EngineEvent::StepStarted { wave: 3, .. }) => break true,
                    Some(_) => {}
                    None => break false,
                },
            }
        }
    });
    assert!(cut, "the run was cut in wave 3");
    assert_eq!(asked.lock().unwrap().len(), 2, "two gates passed");

    let second = sim(steady, Some(state_dir));
    let (engine, _events) = quick_engine(site.path(), second, decider, journal(site.path()));
    assert_eq!(
        block_on(engine.run(plan.clone())).unwrap(),
        RunOutcome::Done
    );

    let gates: Vec<u32> = asked
        .lock()
        .unwrap()
        .iter()
        .map(|q| match q {
            Question::ProceedAfterWave { wave, .. } => *wave,
            other => panic!("asked {other:?}"),
        })
        .collect();
    assert_eq!(gates, [1, 2, 3], "each gate asked once");
    let proceeds: Vec<String> = entries(site.path(), "proceed")
        .into_iter()
        .map(|(subject, _)| subject)
        .collect();
    assert_eq!(proceeds.len(), plan.waves.len() - 1, "{proceeds:?}");
}

#[test]
fn a_declined_rollback_is_journaled_and_the_host_left_as_it_is() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let canary_fails = scenario(
        site.path(),
        "name = \"canary-fails\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"app-01\"\nkind = \"fail\"\nstep = \"apply\"\n",
    );
    let sim = sim(canary_fails, None);
    let asked = Arc::new(std::sync::Mutex::new(Vec::new()));
    let decider = Arc::new(Remembers {
        asked,
        rollback: false,
    });
    let ran = run_with(site.path(), &plan, sim.clone(), decider, None);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 2 });
    assert_eq!(sim.host("app-01").unwrap().history.last().unwrap(), "apply");
    let declined = entries(site.path(), "skip");
    assert_eq!(declined.len(), 1, "{declined:?}");
    assert_eq!(declined[0].1["host"], "app-01");
    assert_eq!(declined[0].1["decision"], "skip");
    assert!(entries(site.path(), "rollback").is_empty());
}
