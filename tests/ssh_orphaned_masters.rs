//! ssh masters must not outlive the run that made them. A run killed with SIGKILL leaves its
//! masters behind (`ssh -f` detaches them; they would idle until ControlPersist ends them): the
//! next executor made on the machine clears them, and leaves alone the directory of a run that
//! is alive and any directory whose owner cannot be told. An executor dropped without being
//! closed stops its masters too.

mod ssh_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use secureupdate::adapters::ssh::{SshExecutor, SshOptions};
use secureupdate::engine::executor::{Executor, HostTarget, StepOutcome};
use ssh_support::{
    CollectingSink, KilledOnDrop, SshdFleet, command_line, executor, executor_in, pids_mentioning,
    step, wait_until,
};

/// In the child: the fleet's site directory, host 0 as `PORT USER MARKER_DIR`, and the file
/// to write its control directory into once its master is up.
const CHILD_FLEET: &str = "SECUREUPDATE_TEST_CHILD_FLEET";
const CHILD_HOST: &str = "SECUREUPDATE_TEST_CHILD_HOST";
const CHILD_READY: &str = "SECUREUPDATE_TEST_CHILD_READY";
const CHILD_TEST: &str = "child_mode_connects_then_waits_to_be_killed";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "the orphaned-master test's child process: started by it with --ignored"]
async fn child_mode_connects_then_waits_to_be_killed() {
    let (Some(fleet), Some(host), Some(ready)) = (
        std::env::var_os(CHILD_FLEET),
        std::env::var(CHILD_HOST).ok(),
        std::env::var_os(CHILD_READY),
    ) else {
        eprintln!("runs only as the child process of the orphaned-master test");
        return;
    };
    let mut fields = host.splitn(3, ' ');
    let (Some(port), Some(user), Some(marker_dir)) = (fields.next(), fields.next(), fields.next())
    else {
        panic!("{CHILD_HOST} is `{host}`, expected `PORT USER MARKER_DIR`");
    };
    let target = HostTarget {
        name: "host-00".to_string(),
        address: "127.0.0.1".to_string(),
        port: port.parse().unwrap(),
        user: user.to_string(),
        marker_dir: marker_dir.to_string(),
    };
    let ssh = executor_in(Path::new(&fleet));
    let outcome = ssh
        .run_guarded(
            &target,
            &step("orphans/child", "true"),
            &CollectingSink::default(),
        )
        .await;
    assert!(matches!(
        outcome,
        StepOutcome::Finished { exit_code: 0, .. }
    ));
    let ready = PathBuf::from(ready);
    let written = ready.with_extension("tmp");
    fs::write(&written, ssh.control_dir().display().to_string()).unwrap();
    fs::rename(&written, &ready).unwrap();
    std::future::pending::<()>().await;
}

fn spawn_child(fleet: &SshdFleet, ready: &Path) -> KilledOnDrop {
    let host = fleet.target(0);
    let logs = fleet.site_dir();
    let child = Command::new(std::env::current_exe().unwrap())
        .args([CHILD_TEST, "--exact", "--ignored", "--nocapture"])
        .args(["--test-threads", "1"])
        .env(CHILD_FLEET, fleet.site_dir())
        .env(
            CHILD_HOST,
            format!("{} {} {}", host.port, host.user, host.marker_dir),
        )
        .env(CHILD_READY, ready)
        .stdin(Stdio::null())
        .stdout(fs::File::create(logs.join("child.out")).unwrap())
        .stderr(fs::File::create(logs.join("child.err")).unwrap())
        .spawn()
        .unwrap();
    KilledOnDrop(child)
}

fn assert_ran(outcome: StepOutcome) {
    assert!(
        matches!(outcome, StepOutcome::Finished { exit_code: 0, .. }),
        "{outcome:?}"
    );
}

/// Whether the process `pid` is still the ssh master of `control` (a pid could be reused).
fn is_master_of(pid: u32, control: &str) -> bool {
    command_line(pid).is_some_and(|cmdline| cmdline.contains(control))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn masters_left_by_a_killed_run_are_cleared_by_the_next_executor_and_live_ones_kept() {
    let Some(fleet) = SshdFleet::start_or_skip(2) else {
        return;
    };
    let sink = CollectingSink::default();
    // A run that is alive: its directory and master must survive the clearing.
    let live = executor(&fleet);
    assert_ran(
        live.run_guarded(&fleet.target(1), &step("orphans/live", "true"), &sink)
            .await,
    );
    let live_dir = live.control_dir().to_path_buf();
    let live_text = live_dir.display().to_string();
    let live_masters = pids_mentioning(&live_text);
    assert_eq!(live_masters.len(), 1, "one master for the live run");
    // Directories whose owner cannot be told are never touched.
    let parent = live_dir.parent().unwrap();
    let unowned = tempfile::Builder::new()
        .prefix("su-ssh-")
        .tempdir_in(parent)
        .unwrap();
    let garbled = tempfile::Builder::new()
        .prefix("su-ssh-")
        .tempdir_in(parent)
        .unwrap();
    fs::write(garbled.path().join("owner"), "not a pid\n").unwrap();

    let ready = fleet.site_dir().join("child-ready");
    let mut child = spawn_child(&fleet, &ready);
    wait_until("the child to connect to host-00", || {
        if let Ok(Some(status)) = child.0.try_wait() {
            let err = fs::read_to_string(fleet.site_dir().join("child.err")).unwrap_or_default();
            panic!("the child ended by itself with {status}:\n{err}");
        }
        ready.exists()
    })
    .await;
    let dead_dir = PathBuf::from(fs::read_to_string(&ready).unwrap());
    let dead_text = dead_dir.display().to_string();
    let orphans = pids_mentioning(&dead_text);
    assert_eq!(orphans.len(), 1, "the child's master");
    child.0.kill().unwrap();
    child.0.wait().unwrap();
    assert!(
        orphans.iter().all(|&pid| is_master_of(pid, &dead_text)),
        "the master outlives the killed run"
    );
    assert!(dead_dir.is_dir());

    let next = executor(&fleet);
    assert!(
        !dead_dir.exists(),
        "the killed run's control directory is removed"
    );
    wait_until("the orphaned master to exit", || {
        orphans.iter().all(|&pid| !is_master_of(pid, &dead_text))
    })
    .await;

    for kept in [live_dir.as_path(), unowned.path(), garbled.path()] {
        assert!(kept.is_dir(), "{} was removed", kept.display());
    }
    assert_eq!(pids_mentioning(&live_text), live_masters);
    assert_ran(
        live.run_guarded(&fleet.target(1), &step("orphans/live-again", "true"), &sink)
            .await,
    );
    assert_ran(
        next.run_guarded(&fleet.target(0), &step("orphans/next", "true"), &sink)
            .await,
    );
    live.close().await;
    next.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_executor_dropped_without_closing_stops_its_masters() {
    let Some(fleet) = SshdFleet::start_or_skip(2) else {
        return;
    };
    // Far longer than the wait below: only an explicit stop can end these masters in time.
    let mut options = SshOptions::from_site(&fleet.ssh_settings(), fleet.site_dir());
    options.idle_limit = Duration::from_secs(3_600);
    let ssh = SshExecutor::new(options).unwrap();
    let sink = CollectingSink::default();
    for i in 0..fleet.len() {
        assert_ran(
            ssh.run_guarded(&fleet.target(i), &step(&format!("drop/{i}"), "true"), &sink)
                .await,
        );
    }
    let control = ssh.control_dir().display().to_string();
    let masters = pids_mentioning(&control);
    assert_eq!(masters.len(), fleet.len());
    drop(ssh);
    wait_until("the dropped executor's masters to exit", || {
        masters.iter().all(|&pid| !is_master_of(pid, &control))
    })
    .await;
}
