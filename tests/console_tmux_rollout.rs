//! A rollout end to end in a real terminal (tmux, 80x24): `demo --scenario canary-fails`,
//! start the glibc rollout from its checklist (typing the patch id), proceed past staging,
//! leave the failed canary for inspection, see the halt and the canary's failed state, and
//! quit (q asks first: the run left a failed host). The hosts' state is read back after.
//! And `demo --scenario hash-mismatch`: the console verifies the patch's signed artifact before
//! the run (journaled), and the corrupted copy on a staging host halts staging.

mod tmux_support;

use secureupdate::adapters::journal::Journal;
use secureupdate::adapters::sim::{HALF_APPLIED, load_host};
use secureupdate::core::journal::StoredRow;
use tempfile::TempDir;
use tmux_support::Tmux;

const BIN: &str = env!("CARGO_BIN_EXE_secureupdate");

/// The demo in tmux with `scenario`, kept in `parent`/site; the exit code goes to `parent`/status.
fn demo(parent: &TempDir, scenario: &str) -> Tmux {
    let command = format!(
        "env -u NO_COLOR {BIN} --log-file '{}' --as-of 2026-11-20 demo --scenario {scenario} --dir '{}'; echo $? > '{}'",
        parent.path().join("log").display(),
        parent.path().join("site").display(),
        parent.path().join("status").display()
    );
    Tmux::start(&command)
}

#[test]
fn a_canary_that_fails_halts_the_rollout_on_screen() {
    let parent = TempDir::new().unwrap();
    let site = parent.path().join("site");
    let status = parent.path().join("status");
    let tmux = demo(&parent, "canary-fails");
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

/// From the queue: the Ubuntu OpenSSH row's checklist, `r`, and the patch id typed.
fn start_openssh_ubuntu(tmux: &Tmux) {
    tmux.type_text("/8.9p1");
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
    tmux.type_text("c");
    tmux.wait_for_text("TO RUN");
    tmux.type_text("r");
    tmux.wait_for_text("Type openssh-ubuntu to confirm");
    tmux.type_text("openssh-ubuntu");
    tmux.run(&["send-keys", "-t", "t", "Enter"]);
}

#[test]
fn the_console_verifies_the_artifact_and_a_corrupted_copy_halts_staging() {
    let parent = TempDir::new().unwrap();
    let tmux = demo(&parent, "hash-mismatch");
    tmux.wait_for_text("TRAINING");
    start_openssh_ubuntu(&tmux);
    let screen = tmux.wait_for_text("Run HALTED in wave 1");
    assert!(
        screen.contains("web-stg-ubu-01     1 FAILED at upload"),
        "{screen}"
    );
    tmux.run(&["send-keys", "-t", "t", "Escape"]);
    tmux.type_text("jjj");
    tmux.wait_for_text("1 host(s) received an artifact whose SHA-256 did not match.");
    tmux.type_text("q");
    tmux.wait_for_text("press q again to quit");
    tmux.type_text("q");
    assert_eq!(tmux.wait_for_exit(&parent.path().join("status")), "0");

    let site = parent.path().join("site");
    let stored = "2dd434aac288f661e6d3d349be847f1817cbadfae32274cba5ad67353355549d";
    assert!(site.join("store/sha256").join(stored).is_file());
    let journal = Journal::open(&site.join("journal.db")).unwrap();
    let verified: Vec<StoredRow> = journal
        .rows_from(1)
        .unwrap()
        .into_iter()
        .filter(|row| row.subject.ends_with("verify artifact"))
        .collect();
    assert_eq!(
        verified.len(),
        1,
        "the artifact was verified once, journaled"
    );
    assert!(
        verified[0].payload.contains("\"ok\":true"),
        "{}",
        verified[0].payload
    );
    let sim = site.join("sim");
    for host in ["lab-sim-01", "web-ams-01"] {
        assert!(load_host(&sim, host).unwrap().untouched(), "{host}");
    }
}

#[test]
fn an_artifact_altered_after_signing_stops_the_run_before_any_host() {
    let parent = TempDir::new().unwrap();
    let tmux = demo(&parent, "all-good");
    tmux.wait_for_text("TRAINING");
    let site = parent.path().join("site");
    std::fs::write(
        site.join("artifacts/openssh-server_8.9p1-3ubuntu0.10_amd64.deb"),
        "tampered\n",
    )
    .unwrap();
    start_openssh_ubuntu(&tmux);
    let screen = tmux.wait_for_text("Stopped: artifact check failed (bad signature)");
    assert!(
        screen.contains("error: artifact check failed (bad signature)"),
        "{screen}"
    );
    tmux.type_text("q");
    assert_eq!(tmux.wait_for_exit(&parent.path().join("status")), "0");

    let journal = Journal::open(&site.join("journal.db")).unwrap();
    let rows = journal.rows_from(1).unwrap();
    let verified: Vec<&StoredRow> = rows
        .iter()
        .filter(|row| row.subject.ends_with("verify artifact"))
        .collect();
    assert_eq!(verified.len(), 1, "the refusal is journaled");
    assert!(
        verified[0].payload.contains("\"ok\":false"),
        "{}",
        verified[0].payload
    );
    assert!(
        !rows.iter().any(|row| row.kind == "step_started"),
        "no host ran a step"
    );
    let sim = site.join("sim");
    for host in ["web-stg-ubu-01", "lab-sim-01"] {
        let untouched = load_host(&sim, host)
            .map(|state| state.untouched())
            .unwrap_or(true);
        assert!(untouched, "{host}");
    }
}
