//! A rollout end to end in a real terminal (tmux, 80x24): `demo --scenario canary-fails`,
//! start the glibc rollout from its checklist (typing the patch id), proceed past staging,
//! leave the failed canary for inspection, see the halt and the canary's failed state, and
//! quit (q asks first: the run left a failed host). The hosts' state is read back after.

mod tmux_support;

use secureupdate::adapters::sim::{HALF_APPLIED, load_host};
use tempfile::TempDir;
use tmux_support::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_secureupdate");

#[test]
fn a_canary_that_fails_halts_the_rollout_on_screen() {
    let parent = TempDir::new().unwrap();
    let site = parent.path().join("site");
    let status = parent.path().join("status");
    let command = format!(
        "env -u NO_COLOR {BIN} --log-file '{}' --as-of 2026-11-20 demo --scenario canary-fails --dir '{}'; echo $? > '{}'",
        parent.path().join("log").display(),
        site.display(),
        status.display()
    );
    let tmux = Tmux::start(&command);
    tmux.wait_for_text("TRAINING");
    tmux.type_text("/glibc=2.36");
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
    tmux.type_text("c");
    tmux.wait_for_text("TO RUN");
    tmux.type_text("r");
    tmux.wait_for_text("Type glibc-debian to confirm");
    tmux.type_text("glibc-debian");
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
    tmux.wait_for_text("Start wave 2?");
    tmux.type_text("y");
    tmux.type_text("glibc-debian");
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
    tmux.wait_for_text("print-01: apply failed. Roll it back?");
    tmux.type_text("x");
    tmux.type_text("inspect first");
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
    let screen = tmux.wait_for_text("Run HALTED in wave 2");
    assert!(
        screen.contains("print-01           2 FAILED at apply"),
        "{screen}"
    );
    assert!(screen.contains("wave 2 (canary)"), "{screen}");
    tmux.type_text("q");
    tmux.wait_for_text("press q again to quit");
    tmux.type_text("q");
    assert_eq!(tmux.wait_for_exit(&status), "0");
    let sim = site.join("sim");
    assert_eq!(load_host(&sim, "print-01").unwrap().package(), HALF_APPLIED);
    for host in ["print-02", "wiki-01", "git-01", "web-fra-01"] {
        assert!(load_host(&sim, host).unwrap().untouched(), "{host}");
    }
}
