//! Guarded steps on real sshd hosts: run once, never twice, reconciled by probing, output inert.

mod ssh_support;

use std::sync::Arc;
use std::time::Duration;

use secureupdate::engine::executor::{Executor, MarkerState, OutputStream, StepOutcome};
use ssh_support::{
    CollectingSink, SshdFleet, count_into, executor, guard_key, processes_mentioning, run_all,
    runs_counted, step,
};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_runs_once_leaves_its_marker_and_is_not_run_again() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let host = fleet.target(0);
    let counter = fleet.host(0).state_dir.join("count");
    let apply = step("run-1/host-00/apply", &count_into(&counter));
    let sink = CollectingSink::default();

    assert_eq!(
        ssh.probe(&host, &apply.guard_key).await,
        MarkerState::Absent
    );
    let first = ssh.run_guarded(&host, &apply, &sink).await;
    assert_eq!(
        first,
        StepOutcome::Finished {
            exit_code: 0,
            already_done: false
        },
        "{}",
        fleet.log(0)
    );
    let marker = fleet
        .host(0)
        .state_dir
        .join("markers")
        .join(format!("{}.done", apply.guard_key));
    assert_eq!(std::fs::read_to_string(&marker).unwrap(), "0\n");
    assert_eq!(
        ssh.probe(&host, &apply.guard_key).await,
        MarkerState::Done { exit_code: 0 }
    );

    let again = ssh.run_guarded(&host, &apply, &sink).await;
    assert_eq!(
        again,
        StepOutcome::Finished {
            exit_code: 0,
            already_done: true
        }
    );
    assert_eq!(runs_counted(&counter), 1, "the step ran twice");
    let masters = processes_mentioning(&ssh.control_dir().display().to_string());
    assert_eq!(masters.len(), 1, "one session per host: {masters:?}");
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_step_reports_its_exit_code_and_a_marker_holds_it() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let sink = CollectingSink::default();
    for (i, code) in [(0, 3), (1, 127), (2, 1)] {
        let host = fleet.target(i);
        let failing = step(
            &format!("fail-{code}"),
            &format!("echo trying; exit {code}"),
        );
        let outcome = ssh.run_guarded(&host, &failing, &sink).await;
        assert_eq!(
            outcome,
            StepOutcome::Finished {
                exit_code: code,
                already_done: false
            }
        );
        assert_eq!(
            ssh.probe(&host, &failing.guard_key).await,
            MarkerState::Done { exit_code: code }
        );
        assert_eq!(sink.of(&host.name, OutputStream::Stdout), vec!["trying"]);
    }
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn remote_exit_255_is_unknown_until_the_marker_is_probed() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let host = fleet.target(3);
    let step = step("exit-255", "exit 255");
    let outcome = ssh
        .run_guarded(&host, &step, &CollectingSink::default())
        .await;
    assert!(
        matches!(outcome, StepOutcome::Unknown { .. }),
        "{outcome:?}"
    );
    assert_eq!(
        ssh.probe(&host, &step.guard_key).await,
        MarkerState::Done { exit_code: 255 }
    );
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_output_arrives_inert() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let host = fleet.target(1);
    // Clear screen, a title-setting OSC, a bidi override, invalid UTF-8, a bare CR and a NUL.
    let script = r#"printf 'a\033[2Jb\033]0;pwned\007c\n'
printf 'x\342\200\256y\377z\n'
printf 'one\rtwo\000three\n' >&2
printf 'crlf\r\n'"#;
    let sink = CollectingSink::default();
    let outcome = ssh
        .run_guarded(&host, &step("hostile", script), &sink)
        .await;
    assert!(matches!(
        outcome,
        StepOutcome::Finished { exit_code: 0, .. }
    ));
    let mut lines = sink.of(&host.name, OutputStream::Stdout);
    lines.extend(sink.of(&host.name, OutputStream::Stderr));
    assert_eq!(lines.len(), 4, "{lines:?}");
    for line in &lines {
        assert!(
            !line
                .chars()
                .any(|c| c.is_control() || ('\u{202a}'..='\u{202e}').contains(&c)),
            "live control or bidi character in {line:?}"
        );
    }
    assert!(
        lines[0].starts_with('a') && lines[0].contains("pwned"),
        "{lines:?}"
    );
    assert!(lines[1].contains("\\xFF"), "{lines:?}");
    assert_eq!(lines[2], "crlf");
    assert!(
        lines[3].starts_with("one") && lines[3].ends_with("three"),
        "{lines:?}"
    );
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_past_its_timeout_is_timed_out_and_keeps_running_under_its_lock() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let host = fleet.target(2);
    let release = fleet.host(2).state_dir.join("release");
    let mut slow = step(
        "slow",
        &format!(
            "i=0; while [ ! -e '{}' ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done",
            release.display()
        ),
    );
    // Long enough for the guard to have taken its lock even on a loaded machine.
    slow.timeout = Duration::from_secs(5);
    let outcome = ssh
        .run_guarded(&host, &slow, &CollectingSink::default())
        .await;
    assert_eq!(outcome, StepOutcome::TimedOut);
    assert_eq!(
        ssh.probe(&host, &slow.guard_key).await,
        MarkerState::Running
    );
    let retry = ssh
        .run_guarded(&host, &slow, &CollectingSink::default())
        .await;
    assert_eq!(retry, StepOutcome::Locked, "a second copy must not start");

    std::fs::write(&release, "").unwrap();
    let mut state = MarkerState::Running;
    for _ in 0..300 {
        state = ssh.probe(&host, &slow.guard_key).await;
        if state != MarkerState::Running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(state, MarkerState::Done { exit_code: 0 });
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hosts_run_in_parallel_each_exactly_once() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = Arc::new(executor(&fleet));
    let sink = Arc::new(CollectingSink::default());
    let targets = fleet.targets();
    let steps: Vec<_> = (0..fleet.len())
        .map(|i| {
            let counter = fleet.host(i).state_dir.join("count");
            let mut s = step(&format!("wave/{i}"), &count_into(&counter));
            s.script
                .push_str("; echo done on $(basename \"$(dirname \"$HOME\")\")");
            s
        })
        .collect();
    let outcomes = run_all(&ssh, &targets, &steps, &sink).await;
    for (i, outcome) in outcomes.iter().enumerate() {
        assert_eq!(
            *outcome,
            StepOutcome::Finished {
                exit_code: 0,
                already_done: false
            },
            "host {i}: {}",
            fleet.log(i)
        );
        assert_eq!(runs_counted(&fleet.host(i).state_dir.join("count")), 1);
        assert_eq!(
            sink.of(&targets[i].name, OutputStream::Stdout),
            vec![format!("done on {}", targets[i].name)]
        );
    }
    assert_ne!(guard_key("wave/0"), guard_key("wave/1"));
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_step_is_not_run_again_until_the_operator_clears_it() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let host = fleet.target(0);
    let counter = fleet.host(0).state_dir.join("count");
    let apply = step("run-1/host-00/apply", &count_into(&counter));
    let sink = CollectingSink::default();
    // What a host that went down under a running step leaves: started, never done.
    let markers = fleet.host(0).state_dir.join("markers");
    std::fs::create_dir_all(&markers).unwrap();
    let started = markers.join(format!("{}.started", apply.guard_key));
    std::fs::write(&started, "").unwrap();

    let refused = ssh.run_guarded(&host, &apply, &sink).await;
    let StepOutcome::Unknown { reason } = &refused else {
        panic!("expected Unknown, got {refused:?}");
    };
    assert!(
        reason.contains(&format!("remove {}", started.display())),
        "{reason}"
    );
    assert!(matches!(
        ssh.probe(&host, &apply.guard_key).await,
        MarkerState::Unknown { .. }
    ));
    assert_eq!(runs_counted(&counter), 0, "not run on a guess");

    // The operator checked the host: the step had not got far. Clearing the mark lets it run.
    std::fs::remove_file(&started).unwrap();
    let ran = ssh.run_guarded(&host, &apply, &sink).await;
    assert_eq!(
        ran,
        StepOutcome::Finished {
            exit_code: 0,
            already_done: false
        }
    );
    assert_eq!(runs_counted(&counter), 1);
    ssh.close().await;
}
