//! The rollout engine on real sshd hosts that misbehave: an unknown and a changed host key, a
//! stopped host, a step that outlives its timeout, and output full of escape sequences. What
//! ran where is read from the hosts' own files.

mod rollout_support;
mod ssh_rollout_support;
mod ssh_support;

use std::fs;

use rollout_support::host_result;
use secureupdate::core::rollout::StepKind;
use secureupdate::engine::{EngineEvent, HostResult, RunOutcome, StepStatus};
use ssh_rollout_support::{HOSTS, SshRollout, original_conf, wave_tally};

/// The status of `host`'s `step`, from its `StepFinished` event.
fn step_status(events: &[EngineEvent], host: &str, step: StepKind) -> Option<StepStatus> {
    events.iter().find_map(|e| match e {
        EngineEvent::StepFinished {
            host: h,
            step: s,
            status,
            ..
        } if h == host && *s == step => Some(status.clone()),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_and_a_changed_host_key_are_refused_counted_and_nothing_runs_there() {
    let Some(rollout) = SshRollout::start(2) else {
        return;
    };
    let (unknown, changed) = (2, 5);
    let impostor = rollout.fleet.unrelated_key_line();
    rollout
        .fleet
        .write_known_hosts(&rollout.fleet.known_hosts(), |i, own| match i {
            i if i == unknown => None,
            i if i == changed => Some(impostor.clone()),
            _ => Some(own.to_string()),
        })
        .unwrap();
    let plan = rollout.plan(60);

    let ran = rollout.run(&plan).await;
    // One refusal in each wave of three stays within the 40% threshold.
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    assert_eq!(wave_tally(&ran.events, 3), Some((2, 1, 0, false)));
    assert_eq!(wave_tally(&ran.events, 4), Some((2, 1, 0, false)));
    for (i, words) in [(unknown, "is not in"), (changed, "differs")] {
        let host = rollout.name(i);
        assert_eq!(
            host_result(&ran.events, &host),
            Some(HostResult::Unreachable {
                step: StepKind::Precheck
            }),
            "{host}: nothing ran there"
        );
        let Some(StepStatus::Lost {
            reason,
            unreachable: true,
        }) = step_status(&ran.events, &host, StepKind::Precheck)
        else {
            panic!("{host}: expected a refused host key");
        };
        assert!(reason.contains("host key rejected"), "{reason}");
        assert!(reason.contains(words), "{reason}");
        rollout.assert_untouched(i);
    }
    for i in (0..HOSTS).filter(|&i| i != unknown && i != changed) {
        rollout.assert_patched(i);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_host_is_reported_unreachable_and_counted() {
    let Some(mut rollout) = SshRollout::start(2) else {
        return;
    };
    let stopped = 6;
    rollout.fleet.stop(stopped);
    let plan = rollout.plan(60);

    let ran = rollout.run(&plan).await;
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    let host = rollout.name(stopped);
    assert_eq!(
        host_result(&ran.events, &host),
        Some(HostResult::Unreachable {
            step: StepKind::Precheck
        })
    );
    assert!(matches!(
        step_status(&ran.events, &host, StepKind::Precheck),
        Some(StepStatus::Lost {
            unreachable: true,
            ..
        })
    ));
    assert_eq!(wave_tally(&ran.events, 4), Some((2, 1, 0, false)));
    rollout.assert_untouched(stopped);
    for i in (0..HOSTS).filter(|&i| i != stopped) {
        rollout.assert_patched(i);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_past_its_timeout_is_reported_unknown_halts_and_is_never_run_twice() {
    let Some(rollout) = SshRollout::start(2) else {
        return;
    };
    // The staging host's precheck waits for a release that comes only after the run; its
    // wave has no other host, so the short timeout can only catch this step.
    rollout.touch(0, "hold-precheck");
    let plan = rollout.plan(5);

    let ran = rollout.run(&plan).await;
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Halted { wave: 1 });
    let host = rollout.name(0);
    let Some(StepStatus::Unknown { reason }) = step_status(&ran.events, &host, StepKind::Precheck)
    else {
        panic!("the timed-out step must be reported unknown, not done or failed");
    };
    assert!(reason.contains("timeout"), "{reason}");
    assert_eq!(
        host_result(&ran.events, &host),
        Some(HostResult::Unknown {
            step: StepKind::Precheck
        })
    );

    // The step was still running on the host; let it end and look at what it did.
    rollout.touch(0, "release");
    rollout.wait_for_markers(0, 1).await;
    assert_eq!(
        rollout.runs(0).into_iter().collect::<Vec<_>>(),
        [("precheck".to_string(), 1)],
        "nothing after the timed-out step ran, and it ran once"
    );
    assert_eq!(rollout.conf(0), original_conf(0));
    for i in 1..HOSTS {
        rollout.assert_untouched(i);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn output_full_of_escapes_bidi_and_invalid_utf8_arrives_inert() {
    let Some(rollout) = SshRollout::start(2) else {
        return;
    };
    let noisy = 2;
    fs::write(
        rollout.state(noisy).join("say"),
        b"title \x1b]0;pwned\x07 clear \x1b[2J bidi \xe2\x80\xae evil \xff\xfe end\n\
          second\rline \x00nul \xe2\x81\xa6iso\n",
    )
    .unwrap();
    let plan = rollout.plan(60);

    let ran = rollout.run(&plan).await;
    assert_eq!(ran.outcome.unwrap(), RunOutcome::Done);
    let host = rollout.name(noisy);
    let lines: Vec<&str> = ran
        .events
        .iter()
        .filter_map(|e| match e {
            EngineEvent::Output {
                host: h,
                step: StepKind::Precheck,
                line,
                ..
            } if *h == host => Some(line.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        lines,
        [
            "title ␛]0;pwned␇ clear ␛[2J bidi <U+202E> evil \\xFF\\xFE end",
            "second␍line ␀nul <U+2066>iso",
        ]
    );
    let live = ran.events.iter().any(|e| match e {
        EngineEvent::Output { line, .. } => line.chars().any(|c| {
            c.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&c)
                || ('\u{2066}'..='\u{2069}').contains(&c)
        }),
        _ => false,
    });
    assert!(
        !live,
        "an output event carries a live control or bidi character"
    );
    rollout.assert_patched(noisy);
}
