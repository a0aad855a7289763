//! Crash-safe resume: the engine future is dropped mid-run (as when the process dies), the
//! simulated hosts keep their state in a directory, and a new engine on the same state.db
//! completes the run. Every host×step runs exactly once: counted from the hosts' markers.

mod rollout_support;

use std::sync::Arc;

use rollout_support::*;
use secureupdate::adapters::sim::{PATCHED, SimExecutor, load_host};
use secureupdate::adapters::store::StateStore;
use secureupdate::core::policy::PriorityClass;
use secureupdate::engine::{AlwaysYes, EngineEvent, RunOutcome, RunState, RunStore, StepRecord};

#[test]
fn a_run_dropped_mid_wave_resumes_and_runs_every_host_step_exactly_once() {
    let site = fleet_site();
    let state_dir = site.path().join("sim");
    let plan = plan(&load(site.path()), PriorityClass::High);
    let hash = save(site.path(), &plan);
    let slow = scenario(
        site.path(),
        "name = \"steady\"\ndescription = \"x\"\nstep_ms = 40\n",
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();

    // First process: stopped while its sixth step is running on the host (cut on the event,
    // not on the clock, so a loaded machine cuts at the same point).
    let first =
        Arc::new(SimExecutor::new(slow.clone(), &all_hosts(), Some(state_dir.clone())).unwrap());
    let (first_engine, mut events) = engine(site.path(), first, Arc::new(AlwaysYes), None);
    let finished_before_cut = runtime.block_on(async {
        let run = first_engine.run(plan.clone());
        tokio::pin!(run);
        let mut started = 0;
        loop {
            tokio::select! {
                _ = &mut run => break true,
                event = events.recv() => match event {
                    Some(EngineEvent::StepStarted { .. }) => {
                        started += 1;
                        if started == 6 {
                            break false;
                        }
                    }
                    Some(_) => {}
                    None => break true,
                },
            }
        }
    });
    assert!(
        !finished_before_cut,
        "the run was still going when it was cut"
    );
    let mut store = StateStore::open(&site.path().join("state.db")).unwrap();
    assert_eq!(
        store.run_state(&hash).unwrap().map(|r| r.state),
        Some(RunState::Running)
    );
    let unresolved = store
        .steps(&hash)
        .unwrap()
        .into_iter()
        .filter(|s| matches!(s.record, StepRecord::Intent { .. }))
        .count();
    assert!(
        unresolved >= 1,
        "the cut left a step with an intent and no result"
    );
    let started_before: usize = all_hosts()
        .iter()
        .map(|h| load_host(&state_dir, h).unwrap().history.len())
        .sum();
    assert!(started_before >= 6, "six steps had started on the hosts");

    // Second process: a new executor reads the hosts' state back, a new engine the store.
    let second = Arc::new(SimExecutor::new(slow, &all_hosts(), Some(state_dir.clone())).unwrap());
    let (second_engine, _events) = engine(site.path(), second, Arc::new(AlwaysYes), None);
    let outcome = runtime.block_on(second_engine.run(plan.clone())).unwrap();
    assert_eq!(outcome, RunOutcome::Done);

    let mut markers = 0;
    for host in all_hosts() {
        let state = load_host(&state_dir, &host).unwrap();
        assert_eq!(state.package(), PATCHED, "{host}");
        assert!(state.locks.is_empty(), "{host}: {:?}", state.locks);
        for (key, runs) in &state.runs {
            assert_eq!(*runs, 1, "{host}: step {key} ran {runs} times");
        }
        assert_eq!(state.runs.len(), state.markers.len(), "{host}");
        markers += state.markers.len();
    }
    let expected: usize = plan
        .waves
        .iter()
        .map(|w| w.hosts.len() * w.steps.len())
        .sum();
    assert_eq!(markers, expected, "one marker per host×step");
    let steps = store.steps(&hash).unwrap();
    assert_eq!(steps.len(), expected, "one record per host×step");
}
