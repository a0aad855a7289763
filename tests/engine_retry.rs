//! Retrying a halted run: the hosts that failed run again under a new attempt (new guard keys),
//! steps that succeeded are not run again, unknown outcomes are reconciled with the host first,
//! and the retry is a journaled decision. Without a retry a halted run stays as it ended.

mod rollout_support;

use std::path::Path;
use std::sync::Arc;

use rollout_support::*;
use secureupdate::adapters::journal::Journal;
use secureupdate::adapters::sim::{PATCHED, SimLock, load_host, state_path};
use secureupdate::config::Scenario;
use secureupdate::core::policy::PriorityClass;
use secureupdate::core::rollout::{StepKind, guard_key};
use secureupdate::engine::{AlwaysYes, EngineError, RunOutcome};

fn retry(site: &Path, plan: &secureupdate::core::rollout::Plan) -> Result<RunOutcome, EngineError> {
    let sim = sim(Scenario::all_good(1), Some(site.join("sim")));
    let (engine, _events) = engine(site, sim, Arc::new(AlwaysYes), None);
    block_on(engine.retry(plan.clone()))
}

fn retry_entries(site: &Path) -> usize {
    let mut count = 0;
    Journal::open_read_only(&site.join("journal.db"))
        .unwrap()
        .for_each_row(1, |row| {
            if row.kind == "proceed" && row.payload.contains("\"retry\"") {
                count += 1;
            }
        })
        .unwrap();
    count
}

#[test]
fn a_halted_run_retried_runs_the_failed_host_again_and_keeps_what_succeeded() {
    let site = fleet_site();
    let state_dir = site.path().join("sim");
    let plan = plan(&load(site.path()), PriorityClass::High);
    let canary_fails = scenario(
        site.path(),
        "name = \"canary-fails\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"app-01\"\nkind = \"fail\"\nstep = \"apply\"\n",
    );
    let first = sim(canary_fails, Some(state_dir.clone()));
    let ran = run(site.path(), &plan, first);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 2 });

    // Without a retry, nothing runs and the run stays halted.
    let again = run(
        site.path(),
        &plan,
        sim(Scenario::all_good(1), Some(state_dir.clone())),
    );
    assert_eq!(again.outcome.unwrap(), RunOutcome::Halted { wave: 2 });
    assert_eq!(
        load_host(&state_dir, "app-01").unwrap().history,
        ["precheck", "backup", "apply", "rollback"]
    );

    assert_eq!(retry(site.path(), &plan).unwrap(), RunOutcome::Done);
    let canary = load_host(&state_dir, "app-01").unwrap();
    assert_eq!(canary.package(), PATCHED);
    assert_eq!(
        canary.history,
        ["precheck", "backup", "apply", "rollback", "apply", "verify"],
        "precheck and backup were kept from the first attempt"
    );
    assert!(canary.runs.values().all(|n| *n == 1), "{:?}", canary.runs);
    for host in STAGING {
        let state = load_host(&state_dir, host).unwrap();
        assert!(
            state.runs.values().all(|n| *n == 1),
            "{host}: {:?}",
            state.runs
        );
        assert_eq!(
            state.history.len(),
            5,
            "{host} ran once: {:?}",
            state.history
        );
    }
    assert_eq!(retry_entries(site.path()), 1, "the retry is journaled");

    match retry(site.path(), &plan) {
        Err(EngineError::NothingToRetry(why)) => assert!(why.contains("done"), "{why}"),
        other => panic!("a finished run cannot be retried: {other:?}"),
    }
}

#[test]
fn a_retry_reconciles_an_unknown_outcome_from_the_host_instead_of_running_it_again() {
    let site = fleet_site();
    let state_dir = site.path().join("sim");
    let plan = plan(&load(site.path()), PriorityClass::High);
    let hash = save(site.path(), &plan);
    let key = guard_key(&hash, "app-01", StepKind::Apply, 1, None);
    let lock = |finishes_at_ms| {
        let mut state = load_host(&state_dir, "app-01").unwrap();
        state.locks.insert(
            key.clone(),
            SimLock {
                step: Some(StepKind::Apply),
                finishes_at_ms,
                exit_code: 0,
            },
        );
        std::fs::create_dir_all(&state_dir).unwrap();
        std::fs::write(
            state_path(&state_dir, "app-01"),
            serde_json::to_vec(&state).unwrap(),
        )
        .unwrap();
    };
    // Another process runs the canary's apply for much longer than the engine waits.
    lock(u64::MAX / 2);
    let first = sim(Scenario::all_good(1), Some(state_dir.clone()));
    let (engine, _events) = engine(site.path(), first, Arc::new(AlwaysYes), None);
    // The engine waits for it (a bounded number of checks), then halts on the unknown outcome.
    assert_eq!(
        block_on(engine.run(plan.clone())).unwrap(),
        RunOutcome::Halted { wave: 2 }
    );

    // It finishes; the retry finds its marker and goes on from there.
    lock(0);
    assert_eq!(retry(site.path(), &plan).unwrap(), RunOutcome::Done);
    let canary = load_host(&state_dir, "app-01").unwrap();
    assert_eq!(canary.package(), PATCHED);
    assert_eq!(
        canary.history,
        ["precheck", "backup", "verify"],
        "apply was never started by the engine, only reconciled"
    );
    assert_eq!(canary.markers.get(&key), Some(&0));
}
