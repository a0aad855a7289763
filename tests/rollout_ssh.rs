//! The rollout engine on real sshd hosts: everything succeeds, a failing canary halts, failures
//! over the threshold halt mid-wave, a failed verify is rolled back. Every claim about a host is
//! read from the files its steps left in its own state directory.

mod rollout_support;
mod ssh_rollout_support;
mod ssh_support;

use rollout_support::{host_result, verify_site_journal};
use secureupdate::core::rollout::StepKind;
use secureupdate::engine::{EngineEvent, HostResult, RunOutcome, StepStatus};
use ssh_rollout_support::{HOSTS, SshRollout, original_conf, wave_tally};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn everything_succeeds_every_host_is_patched_once_and_the_journal_verifies() {
    let Some(rollout) = SshRollout::start(2) else {
        return;
    };
    let plan = rollout.plan(60);
    let sizes: Vec<usize> = plan.waves.iter().map(|w| w.hosts.len()).collect();
    assert_eq!(sizes, [1, 1, 3, 3], "staging, canary, 50%, rest");

    let ran = rollout.run(&plan).await;
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    for i in 0..HOSTS {
        rollout.assert_patched(i);
        assert_eq!(
            host_result(&ran.events, &rollout.name(i)),
            Some(HostResult::Succeeded)
        );
    }
    let started = ran
        .events
        .iter()
        .filter(|e| matches!(e, EngineEvent::StepStarted { .. }))
        .count();
    let steps: usize = plan
        .waves
        .iter()
        .map(|w| w.hosts.len() * w.steps.len())
        .sum();
    assert_eq!(started, steps, "one start per host×step");

    let report = verify_site_journal(rollout.site_dir());
    assert!(report.ok, "{:?}", report.problems);
    // rollout started + finished, a signed proceed at each of the 3 gates, a result per step.
    assert_eq!(report.size as usize, 2 + 3 + steps);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_canary_is_rolled_back_halts_the_run_and_later_waves_stay_untouched() {
    let Some(rollout) = SshRollout::start(2) else {
        return;
    };
    let plan = rollout.plan(60);
    assert_eq!(plan.waves[1].hosts[0].name, rollout.name(1), "the canary");
    rollout.touch(1, "fail-apply");

    let ran = rollout.run(&plan).await;
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 2 });
    assert_eq!(
        host_result(&ran.events, &rollout.name(1)),
        Some(HostResult::Failed {
            step: StepKind::Apply,
            rolled_back: true
        })
    );
    rollout.assert_patched(0);
    let canary = rollout.runs(1);
    assert_eq!(
        canary.into_iter().collect::<Vec<_>>(),
        [
            ("apply".to_string(), 1),
            ("backup".to_string(), 1),
            ("precheck".to_string(), 1),
            ("rollback".to_string(), 1)
        ],
        "verify never ran on the canary"
    );
    assert_eq!(rollout.conf(1), original_conf(1), "restored byte for byte");
    assert_eq!(rollout.version(1), "1\n");
    for i in 2..HOSTS {
        rollout.assert_untouched(i);
    }
    assert!(wave_tally(&ran.events, 3).is_none(), "wave 3 never started");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_over_the_threshold_halt_the_wave_before_its_last_host_starts() {
    // One host at a time, so which hosts start is the engine's rule and not the machine's load.
    let Some(rollout) = SshRollout::start(1) else {
        return;
    };
    let plan = rollout.plan(60);
    let wave3: Vec<&str> = plan.waves[2]
        .hosts
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert_eq!(wave3, ["host-02", "host-03", "host-04"]);
    assert_eq!(plan.waves[2].max_fail_percentage, 40);
    // 1 of 3 is within 40%; 2 of 3 is over it.
    rollout.touch(2, "fail-precheck");
    rollout.touch(3, "fail-precheck");

    let ran = rollout.run(&plan).await;
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 3 });
    assert_eq!(wave_tally(&ran.events, 3), Some((0, 2, 1, true)));
    for i in [2, 3] {
        assert_eq!(
            host_result(&ran.events, &rollout.name(i)),
            Some(HostResult::Failed {
                step: StepKind::Precheck,
                rolled_back: false
            })
        );
        assert_eq!(
            rollout.runs(i).into_iter().collect::<Vec<_>>(),
            [("precheck".to_string(), 1)]
        );
        assert_eq!(rollout.markers(i), 1, "the failed precheck left its marker");
        assert_eq!(
            rollout.conf(i),
            original_conf(i),
            "a failed precheck changes nothing"
        );
    }
    for i in [0, 1] {
        rollout.assert_patched(i);
    }
    for i in 4..HOSTS {
        rollout.assert_untouched(i);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_verify_is_rolled_back_to_the_backed_up_bytes_and_the_run_goes_on() {
    let Some(rollout) = SshRollout::start(2) else {
        return;
    };
    let plan = rollout.plan(60);
    rollout.touch(3, "fail-verify");

    let ran = rollout.run(&plan).await;
    // One failure in a wave of three is within the 40% threshold.
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    assert_eq!(wave_tally(&ran.events, 3), Some((2, 1, 0, false)));
    let host = rollout.name(3);
    assert_eq!(
        host_result(&ran.events, &host),
        Some(HostResult::Failed {
            step: StepKind::Verify,
            rolled_back: true
        })
    );
    let apply_succeeded = ran.events.iter().any(|e| {
        matches!(e, EngineEvent::StepFinished { host: h, step: StepKind::Apply, status: StepStatus::Succeeded, .. } if *h == host)
    });
    assert!(
        apply_succeeded,
        "the apply had changed the file before verify"
    );
    let runs = rollout.runs(3);
    for step in ["precheck", "backup", "apply", "verify", "rollback"] {
        assert_eq!(runs.get(step), Some(&1), "{step} on {host}: {runs:?}");
    }
    assert_eq!(rollout.markers(3), 5, "the rollback left its marker too");
    assert_eq!(rollout.conf(3), original_conf(3), "restored byte for byte");
    assert_eq!(rollout.version(3), "1\n");
    for i in (0..HOSTS).filter(|&i| i != 3) {
        rollout.assert_patched(i);
    }
}
