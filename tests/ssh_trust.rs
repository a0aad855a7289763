//! Who the ssh executor talks to: only hosts whose key the site's known_hosts holds, only names
//! that cannot be read as ssh options, and nothing left running once it is closed.

mod ssh_support;

use secureupdate::adapters::ssh::{SshExecutor, SshOptions, check_target};
use secureupdate::engine::executor::{Executor, MarkerState, StepOutcome};
use ssh_support::{
    CollectingSink, SshdFleet, count_into, executor, processes_mentioning, runs_counted, step,
};

/// Runs a counting step on host `i` and says what came back and whether it ran.
async fn try_host(ssh: &SshExecutor, fleet: &SshdFleet, i: usize) -> (StepOutcome, usize) {
    let counter = fleet.host(i).state_dir.join("count");
    let outcome = ssh
        .run_guarded(
            &fleet.target(i),
            &step("trust", &count_into(&counter)),
            &CollectingSink::default(),
        )
        .await;
    (outcome, runs_counted(&counter))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_missing_from_known_hosts_is_refused_and_nothing_runs() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    fleet
        .write_known_hosts(&fleet.known_hosts(), |i, own| {
            (i != 1).then(|| own.to_string())
        })
        .unwrap();
    let ssh = executor(&fleet);
    let (outcome, runs) = try_host(&ssh, &fleet, 1).await;
    let StepOutcome::HostKeyRejected { reason } = outcome else {
        panic!("expected a refused host key, got {outcome:?}")
    };
    assert!(reason.contains("is not in"), "{reason}");
    assert!(reason.contains("known_hosts"), "{reason}");
    assert_eq!(runs, 0);
    let (neighbour, _) = try_host(&ssh, &fleet, 0).await;
    assert!(matches!(
        neighbour,
        StepOutcome::Finished { exit_code: 0, .. }
    ));
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_changed_host_key_is_refused_and_nothing_runs() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let impostor = fleet.unrelated_key_line();
    fleet
        .write_known_hosts(&fleet.known_hosts(), |i, own| {
            Some(if i == 2 {
                impostor.clone()
            } else {
                own.to_string()
            })
        })
        .unwrap();
    let ssh = executor(&fleet);
    let (outcome, runs) = try_host(&ssh, &fleet, 2).await;
    let StepOutcome::HostKeyRejected { reason } = outcome else {
        panic!("expected a refused host key, got {outcome:?}")
    };
    assert!(reason.contains("differs"), "{reason}");
    assert_eq!(runs, 0);
    let probe = ssh
        .probe(&fleet.target(2), &step("trust", "").guard_key)
        .await;
    assert!(
        matches!(probe, MarkerState::Unreachable { .. }),
        "{probe:?}"
    );
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_config_cannot_widen_the_known_hosts() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    // The site's known_hosts knows no host; its ssh config naming a file that knows them all
    // must not help: the enforced settings come first and ssh keeps the first value.
    let everyone = fleet.site_dir().join("everyone_known_hosts");
    fleet
        .write_known_hosts(&everyone, |_, own| Some(own.to_string()))
        .unwrap();
    std::fs::write(fleet.known_hosts(), "").unwrap();
    let config = fleet.site_dir().join("ssh/config");
    std::fs::write(
        &config,
        format!(
            "GlobalKnownHostsFile {0}\nUserKnownHostsFile {0}\n",
            everyone.display()
        ),
    )
    .unwrap();
    let mut settings = fleet.ssh_settings();
    settings.config = Some("ssh/config".into());
    let ssh = SshExecutor::from_site(&settings, fleet.site_dir()).unwrap();
    let (outcome, runs) = try_host(&ssh, &fleet, 0).await;
    assert!(
        matches!(outcome, StepOutcome::HostKeyRejected { .. }),
        "{outcome:?}"
    );
    assert_eq!(runs, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_site_ssh_config_is_included() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    // No identity in [ssh]: the key is only reachable through the site's config.
    let config = fleet.site_dir().join("ssh/config");
    std::fs::write(
        &config,
        format!(
            "Host 127.0.0.1\n  IdentityFile {}\n  IdentitiesOnly yes\n",
            fleet.client_key().display()
        ),
    )
    .unwrap();
    let mut settings = fleet.ssh_settings();
    settings.identity = None;
    settings.config = Some("ssh/config".into());
    let ssh = SshExecutor::from_site(&settings, fleet.site_dir()).unwrap();
    let (outcome, runs) = try_host(&ssh, &fleet, 3).await;
    assert!(
        matches!(outcome, StepOutcome::Finished { exit_code: 0, .. }),
        "{outcome:?}"
    );
    assert_eq!(runs, 1);
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stopped_host_is_unreachable() {
    let Some(mut fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    fleet.stop(4);
    let ssh = executor(&fleet);
    let (outcome, runs) = try_host(&ssh, &fleet, 4).await;
    let StepOutcome::Unreachable { reason } = outcome else {
        panic!("expected unreachable, got {outcome:?}")
    };
    assert!(reason.contains("connection refused"), "{reason}");
    assert_eq!(runs, 0);
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_host_that_accepts_but_never_answers_is_unreachable() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    // Takes the connection and says nothing: no ssh banner ever comes.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let holder = std::thread::spawn(move || silent.accept().map(|(stream, _)| stream));
    let mut options = SshOptions::from_site(&fleet.ssh_settings(), fleet.site_dir());
    options.connect_timeout = std::time::Duration::from_secs(1);
    let ssh = SshExecutor::new(options).unwrap();
    let mut host = fleet.target(0);
    host.port = port;
    let outcome = ssh
        .run_guarded(&host, &step("silent", "true"), &CollectingSink::default())
        .await;
    let StepOutcome::Unreachable { reason } = outcome else {
        panic!("expected unreachable, got {outcome:?}")
    };
    assert!(reason.contains("timed out"), "{reason}");
    drop(holder.join().unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_master_that_expired_while_idle_is_replaced() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let mut options = SshOptions::from_site(&fleet.ssh_settings(), fleet.site_dir());
    options.idle_limit = std::time::Duration::from_secs(2);
    let ssh = SshExecutor::new(options).unwrap();
    let control = ssh.control_dir().display().to_string();
    let (first, _) = try_host(&ssh, &fleet, 1).await;
    assert!(matches!(first, StepOutcome::Finished { exit_code: 0, .. }));
    for _ in 0..500 {
        if processes_mentioning(&control).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        processes_mentioning(&control).is_empty(),
        "the master outlived its idle limit"
    );
    let next = ssh
        .run_guarded(
            &fleet.target(1),
            &step("after-idle", "true"),
            &CollectingSink::default(),
        )
        .await;
    assert_eq!(
        next,
        StepOutcome::Finished {
            exit_code: 0,
            already_done: false
        }
    );
    ssh.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn names_ssh_would_read_as_options_are_refused_before_ssh_runs() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let ssh = executor(&fleet);
    let witness = fleet.site_dir().join("proxy-ran");
    let proxy = format!("-oProxyCommand=touch${{IFS}}{}", witness.display());
    let cases = [
        ("address", proxy.as_str()),
        ("address", "a b"),
        ("address", "127.0.0.1\u{1b}[2J"),
        ("address", "root@127.0.0.1"),
        ("user", "-oProxyCommand=x"),
        ("user", "ro ot"),
        ("user", "root\n"),
    ];
    for (field, value) in cases {
        let mut host = fleet.target(0);
        match field {
            "address" => host.address = value.to_string(),
            _ => host.user = value.to_string(),
        }
        let refusal = check_target(&host).unwrap_err().to_string();
        assert!(refusal.contains(field), "{refusal}");
        let outcome = ssh
            .run_guarded(&host, &step("names", "true"), &CollectingSink::default())
            .await;
        let StepOutcome::Unreachable { reason } = outcome else {
            panic!("{value:?} was not refused: {outcome:?}")
        };
        assert_eq!(reason, refusal);
        assert!(!reason.chars().any(char::is_control), "{reason:?}");
        let probe = ssh.probe(&host, &step("names", "").guard_key).await;
        assert!(matches!(probe, MarkerState::Unreachable { .. }));
    }
    assert!(!witness.exists(), "ssh ran a ProxyCommand from a host name");
    assert!(
        processes_mentioning(&ssh.control_dir().display().to_string()).is_empty(),
        "an ssh process was started for a refused name"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closing_leaves_no_master_and_dropping_removes_the_control_directory() {
    let Some(fleet) = SshdFleet::start_or_skip(5) else {
        return;
    };
    let mut options = SshOptions::from_site(&fleet.ssh_settings(), fleet.site_dir());
    options.connect_timeout = std::time::Duration::from_secs(5);
    let ssh = SshExecutor::new(options).unwrap();
    let control = ssh.control_dir().to_path_buf();
    let control_text = control.display().to_string();
    assert!(control_text.len() <= secureupdate::adapters::ssh::MAX_CONTROL_DIR_BYTES);
    for i in 0..fleet.len() {
        let (outcome, _) = try_host(&ssh, &fleet, i).await;
        assert!(matches!(
            outcome,
            StepOutcome::Finished { exit_code: 0, .. }
        ));
    }
    assert_eq!(processes_mentioning(&control_text).len(), fleet.len());
    ssh.close().await;
    // A master exits on its own once it stopped listening; give a loaded machine a moment.
    for _ in 0..250 {
        if processes_mentioning(&control_text).is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(
        processes_mentioning(&control_text).is_empty(),
        "masters left after close: {:?}",
        processes_mentioning(&control_text)
    );
    drop(ssh);
    assert!(!control.exists());
}
