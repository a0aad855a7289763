//! The console on real hosts: a site whose inventory is a fleet of five real sshd processes
//! (its own known_hosts and client key in `[ssh]`, a marker directory per host), whose hosts
//! carry an openssh package that a small OSV advisory (the demo's DSA-5724-1) says is
//! vulnerable, and a patch definition fixing that CVE on them. The console, in tmux at 80x24,
//! opens the queue's one patch, starts the rollout (typing the patch id), proceeds at every
//! gate (typing the id again for production) and shows every host done. Then the hosts' own
//! state directories must show each host×step run exactly once, the journal must verify, and
//! no ssh master may be left behind.

mod rollout_support;
mod ssh_rollout_support;
mod ssh_support;
mod tmux_support;

use std::fs;
use std::path::Path;
use std::time::{Duration, Instant};

use rollout_support::verify_site_journal;
use ssh_rollout_support::{PATCH_ID, SshRollout};
use ssh_support::processes_mentioning;
use tempfile::TempDir;
use tmux_support::{PATIENCE, Tmux, tmux_runs_or_skip};

const BIN: &str = env!("CARGO_BIN_EXE_secureupdate");
const HOSTS: usize = 5;
/// Below DSA-5724-1's fixed version 1:9.2p1-2+deb12u3, so every host needs the patch.
const PACKAGES: &str = "[asset.packages]\n\
    \"openssh-server\" = { version = \"1:9.2p1-2+deb12u2\", source = \"openssh\" }\n";
const ADVISORY: &str = "DSA-5724-1";
/// How the queue names the patch: the fixed version to install.
const QUEUE_ROW: &str = "openssh=1:9.2p1-2+deb12u3";

/// The demo's Debian advisory for CVE-2024-6387, the CVE the test patch fixes.
fn copy_advisory(site: &Path) {
    let from = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(format!("fixtures/demo/feeds/osv/debian/{ADVISORY}.json"));
    let dir = site.join("feeds/osv/debian");
    fs::create_dir_all(&dir).unwrap();
    fs::copy(from, dir.join(format!("{ADVISORY}.json"))).unwrap();
}

/// Waits for `text`, failing at once (with the screen) if the run went off course instead.
fn wait_for_on_course(tmux: &Tmux, text: &str) -> String {
    let off_course = [
        "Roll it back?",
        "Run HALTED",
        "Run STOPPED",
        "Stopped:",
        "error:",
    ];
    let screen = tmux.wait_for(&format!("{text:?}"), |s| {
        s.contains(text) || off_course.iter().any(|o| s.contains(o))
    });
    assert!(
        screen.contains(text),
        "expected {text:?}; the screen:\n{screen}"
    );
    screen
}

/// Waits until no process mentions a control directory the console made in `parent` (its
/// ssh masters have exited).
fn wait_for_no_master_in(parent: &Path) {
    let needle = parent.join("su-ssh-").display().to_string();
    let started = Instant::now();
    while !processes_mentioning(&needle).is_empty() {
        assert!(
            started.elapsed() < PATIENCE,
            "ssh masters left behind: {:?}",
            processes_mentioning(&needle)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn the_console_patches_real_hosts_over_ssh_each_step_once() {
    if !tmux_runs_or_skip() {
        return;
    }
    let Some(rollout) = SshRollout::start_with(HOSTS, 2, PACKAGES) else {
        return;
    };
    rollout.use_fleet_ssh();
    let site = rollout.site_dir();
    copy_advisory(site);
    let waves = rollout.plan(60).waves;
    assert!(waves.len() >= 3, "staging, a canary and more");

    let work = TempDir::new().unwrap();
    // The console's ssh control directory goes here, so the test can see its masters go.
    let control_parent = tempfile::Builder::new()
        .prefix("su-t")
        .tempdir_in("/tmp")
        .unwrap();
    let status = work.path().join("status");
    let command = format!(
        "env -u NO_COLOR -u XDG_RUNTIME_DIR TMPDIR='{}' {BIN} --log-file '{}' --site '{}' \
         --operator bob tui; echo $? > '{}'",
        control_parent.path().display(),
        work.path().join("log").display(),
        site.display(),
        status.display()
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for_text(QUEUE_ROW);
    tmux.type_text("c");
    tmux.wait_for_text("TO RUN");
    tmux.type_text("r");
    tmux.wait_for_text(&format!("Type {PATCH_ID} to confirm"));
    tmux.type_text(PATCH_ID);
    tmux.keys(&["Enter"]);
    for wave in &waves[1..] {
        // Every wave after staging is production: proceeding asks for the patch id.
        wait_for_on_course(&tmux, &format!("Start wave {}?", wave.number));
        tmux.type_text("y");
        tmux.wait_for_text(&format!("Type {PATCH_ID} to confirm"));
        tmux.type_text(PATCH_ID);
        tmux.keys(&["Enter"]);
    }
    let screen = wait_for_on_course(&tmux, "Run DONE");
    for wave in &waves {
        for host in &wave.hosts {
            let row = format!("{:<18} {} done", host.name, wave.number);
            assert!(screen.contains(&row), "{row:?} in\n{screen}");
        }
    }
    assert!(!screen.contains("FAILED"), "{screen}");
    tmux.type_text("q");
    assert_eq!(tmux.wait_for_exit(&status), "0", "{}", tmux.screen());

    for i in 0..HOSTS {
        rollout.assert_patched(i);
    }
    let report = verify_site_journal(site);
    assert!(report.ok, "{:?}", report.problems);
    let steps: usize = waves.iter().map(|w| w.hosts.len() * w.steps.len()).sum();
    // rollout started + finished, bob's signed proceed at each gate, one result per step.
    assert_eq!(report.size as usize, 2 + (waves.len() - 1) + steps);
    wait_for_no_master_in(control_parent.path());
    let left: Vec<_> = fs::read_dir(control_parent.path()).unwrap().collect();
    assert!(left.is_empty(), "control directory left behind: {left:?}");
}
