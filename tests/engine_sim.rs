//! The rollout engine on the simulated fleet: success, a failing canary, a wave over its
//! threshold, rollback after a failed verify, a host that drops, a refused gate, an artifact
//! whose hash does not match, and re-running a finished run. Every claim about hosts is read
//! from the simulated hosts' own state.

mod rollout_support;

use std::fs;
use std::sync::Arc;

use rollout_support::*;
use secureupdate::adapters::sim::{ORIGINAL, PATCHED, SimExecutor};
use secureupdate::config::Scenario;
use secureupdate::core::policy::PriorityClass;
use secureupdate::core::rollout::StepKind;
use secureupdate::engine::{
    AnswerFuture, Decider, Decision, EngineEvent, GateKind, HostResult, Question, RunOutcome,
};
use sha2::{Digest, Sha256};

fn assert_untouched(sim: &SimExecutor, hosts: &[&str]) {
    for host in hosts {
        let state = sim.host(host).unwrap();
        assert!(state.untouched(), "{host} ran {:?}", state.history);
        assert_eq!(state.package(), ORIGINAL);
    }
}

#[test]
fn everything_succeeds_every_step_runs_once_and_the_journal_verifies() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let sim = sim(Scenario::all_good(1), None);
    let ran = run(site.path(), &plan, sim.clone());
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    for host in all_hosts() {
        let state = sim.host(&host).unwrap();
        assert_eq!(state.package(), PATCHED, "{host}");
        assert!(
            state.runs.values().all(|n| *n == 1),
            "{host}: {:?}",
            state.runs
        );
        let expected = if host.starts_with("stg") {
            vec!["precheck", "backup", "apply", "verify", "smoke"]
        } else {
            vec!["precheck", "backup", "apply", "verify"]
        };
        assert_eq!(state.history, expected, "{host}");
        assert_eq!(state.markers.len(), expected.len());
    }
    let gates = ran
        .events
        .iter()
        .filter(|e| {
            matches!(
                e,
                EngineEvent::GateReached {
                    kind: GateKind::Health,
                    ..
                }
            )
        })
        .count();
    assert_eq!(gates, plan.waves.len() - 1, "a health gate between waves");
    let lines = ran
        .events
        .iter()
        .filter(|e| matches!(e, EngineEvent::Output { .. }))
        .count();
    assert!(lines > 0, "output lines arrive as events");

    let report = verify_site_journal(site.path());
    assert!(report.ok, "{:?}", report.problems);
    let steps: usize = plan
        .waves
        .iter()
        .map(|w| w.hosts.len() * w.steps.len())
        .sum();
    // rollout started + finished, a signed proceed per gate, a result per host×step.
    assert_eq!(report.size as usize, 2 + gates + steps);
    // Sealed as it grew and once more at the end: the last checkpoint is the final head.
    assert!(
        report.checkpoints_checked as u64 >= report.size / CHECKPOINT_EVERY,
        "{} checkpoints for {} entries",
        report.checkpoints_checked,
        report.size
    );
    let last = site
        .path()
        .join("checkpoints")
        .join(format!("{}-{}.txt", report.journal_id, report.size));
    assert!(
        last.exists(),
        "no checkpoint at the end of the rollout: {last:?}"
    );
}

#[test]
fn a_failing_canary_halts_is_rolled_back_and_later_waves_stay_untouched() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    assert_eq!(plan.waves[1].hosts[0].name, "app-01", "the canary");
    let scenario = scenario(
        site.path(),
        "name = \"canary-fails\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"app-01\"\nkind = \"fail\"\nstep = \"apply\"\nexit_code = 100\n",
    );
    let sim = sim(scenario, None);
    let ran = run(site.path(), &plan, sim.clone());
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 2 });
    assert_eq!(
        host_result(&ran.events, "app-01"),
        Some(HostResult::Failed {
            step: StepKind::Apply,
            rolled_back: true
        })
    );
    let canary = sim.host("app-01").unwrap();
    assert_eq!(
        canary.package(),
        ORIGINAL,
        "the rollback restored the backup"
    );
    assert_eq!(canary.history.last().map(String::as_str), Some("rollback"));
    assert_untouched(&sim, &PRODUCTION[1..]);
    for host in STAGING {
        assert_eq!(sim.host(host).unwrap().package(), PATCHED);
    }
}

#[test]
fn failures_over_the_threshold_mid_wave_halt_before_the_rest_of_the_wave_starts() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let wave3: Vec<&str> = plan.waves[2]
        .hosts
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(wave3, ["app-02", "app-03", "app-04", "app-05", "app-06"]);
    // 2 of 5 is 40%, over the policy's 20%; concurrency is 2.
    let scenario = scenario(
        site.path(),
        "name = \"two-fail\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"app-02\"\nkind = \"fail\"\nstep = \"precheck\"\n[[fault]]\nhost = \"app-03\"\nkind = \"fail\"\nstep = \"precheck\"\n",
    );
    let sim = sim(scenario, None);
    let ran = run(site.path(), &plan, sim.clone());
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 3 });
    let finished = ran.events.iter().find_map(|e| match e {
        EngineEvent::WaveFinished {
            wave: 3,
            failed,
            untouched,
            halted,
            ..
        } => Some((*failed, *untouched, *halted)),
        _ => None,
    });
    let (failed, untouched, halted) = finished.unwrap();
    assert!(halted);
    assert_eq!(failed, 2);
    assert!(
        untouched >= 2,
        "{untouched} hosts of the wave never started"
    );
    assert_untouched(
        &sim,
        &["app-05", "app-06", "app-07", "app-08", "app-09", "db-01"],
    );
    let precheck_only = sim.host("app-02").unwrap();
    assert_eq!(
        precheck_only.history,
        ["precheck"],
        "a failed precheck changes nothing"
    );
}

#[test]
fn a_failed_verify_rolls_back_and_one_failure_under_the_threshold_lets_the_run_finish() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let scenario = scenario(
        site.path(),
        "name = \"verify-fails\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"app-05\"\nkind = \"fail\"\nstep = \"verify\"\nexit_code = 3\n",
    );
    let sim = sim(scenario, None);
    let ran = run(site.path(), &plan, sim.clone());
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    assert_eq!(
        host_result(&ran.events, "app-05"),
        Some(HostResult::Failed {
            step: StepKind::Verify,
            rolled_back: true
        })
    );
    let host = sim.host("app-05").unwrap();
    assert_eq!(
        host.history,
        ["precheck", "backup", "apply", "verify", "rollback"]
    );
    assert_eq!(host.package(), ORIGINAL);
    assert_eq!(sim.host("db-01").unwrap().package(), PATCHED);
}

#[test]
fn a_host_that_drops_is_reported_unreachable_and_counted_as_a_failure() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let last = plan.waves.last().unwrap();
    assert_eq!(last.hosts.len(), 4, "app-07, app-08, app-09, db-01");
    let scenario = scenario(
        site.path(),
        "name = \"drop\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"app-07\"\nkind = \"drop\"\nstep = \"apply\"\n",
    );
    let sim = sim(scenario, None);
    let ran = run(site.path(), &plan, sim.clone());
    // 1 of 4 is 25%, over 20%: the last wave halts.
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 4 });
    assert_eq!(
        host_result(&ran.events, "app-07"),
        Some(HostResult::Unreachable {
            step: StepKind::Apply
        })
    );
    let dropped = sim.host("app-07").unwrap();
    assert!(dropped.dropped);
    assert_eq!(dropped.history, ["precheck", "backup"]);
}

struct SaysNo;

impl Decider for SaysNo {
    fn ask(&self, question: Question) -> AnswerFuture {
        let answer = match question {
            Question::ProceedAfterWave { .. } => Decision::Abort,
            Question::RollBack { .. } => Decision::RollBack,
        };
        Box::pin(std::future::ready(answer))
    }
}

#[test]
fn saying_no_at_the_first_health_gate_aborts_before_production() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let sim = sim(Scenario::all_good(1), None);
    let ran = run_with(site.path(), &plan, sim.clone(), Arc::new(SaysNo), None);
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Aborted { wave: 1 });
    assert_untouched(&sim, &PRODUCTION);
}

#[test]
fn an_artifact_whose_hash_does_not_match_on_a_staging_host_halts_before_production() {
    let site = fleet_site();
    let artifact = site.path().join("artifacts/openssh-server.deb");
    fs::create_dir_all(artifact.parent().unwrap()).unwrap();
    fs::write(&artifact, b"not really a package").unwrap();
    let sha = hex::encode(Sha256::digest(fs::read(&artifact).unwrap()));
    let with_artifact = PATCH.replace(
        "[steps]",
        &format!(
            "[artifact]\npath = \"artifacts/openssh-server.deb\"\nsha256 = \"{sha}\"\n\n[steps]"
        ),
    );
    fs::write(site.path().join("patches/openssh.toml"), with_artifact).unwrap();
    let plan = plan(&load(site.path()), PriorityClass::High);
    assert!(plan.waves[0].steps.contains(&StepKind::Upload));
    let scenario = scenario(
        site.path(),
        "name = \"mismatch\"\ndescription = \"x\"\nstep_ms = 1\n[[fault]]\nhost = \"stg-02\"\nkind = \"hash_mismatch\"\n",
    );
    let sim = sim(scenario, None);
    let ran = run_with(
        site.path(),
        &plan,
        sim.clone(),
        Arc::new(secureupdate::engine::AlwaysYes),
        Some(artifact),
    );
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 1 });
    assert_eq!(
        host_result(&ran.events, "stg-02"),
        Some(HostResult::Failed {
            step: StepKind::Upload,
            rolled_back: false
        })
    );
    let good = sim.host("stg-01").unwrap();
    assert_eq!(good.package(), PATCHED, "the real hash matched on stg-01");
    assert_eq!(
        sim.host("stg-02").unwrap().package(),
        ORIGINAL,
        "apply never ran"
    );
    assert_untouched(&sim, &PRODUCTION);
}

#[test]
fn running_a_finished_run_again_runs_nothing() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::High);
    let sim = sim(Scenario::all_good(1), None);
    assert_eq!(
        run(site.path(), &plan, sim.clone()).outcome.unwrap(),
        RunOutcome::Done
    );
    let before: Vec<_> = all_hosts().iter().map(|h| sim.host(h).unwrap()).collect();
    let again = run(site.path(), &plan, sim.clone());
    assert_eq!(again.outcome.unwrap(), RunOutcome::Done);
    let after: Vec<_> = all_hosts().iter().map(|h| sim.host(h).unwrap()).collect();
    assert_eq!(before, after);
    assert_eq!(
        again.events,
        [EngineEvent::RunFinished {
            outcome: RunOutcome::Done
        }]
    );
}
