//! `apply` on the demo site's simulated fleet killed with SIGKILL mid-wave, then run again: the
//! run completes with every host×step run exactly once.

mod cli_support;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use cli_support::{
    apply_sim, approved_plan, assert_code, demo_site_with_keys, hosts_and_steps, stdout,
};
use secureupdate::adapters::sim::{PATCHED, load_host};

const PATCH: &str = "openssh-regresshion-debian";

#[test]
fn apply_killed_with_sigkill_mid_wave_then_run_again_runs_each_host_step_exactly_once() {
    let (_tmp, dir) = demo_site_with_keys();
    let plan = approved_plan(&dir, PATCH);
    let binary = assert_cmd::cargo::cargo_bin("secureupdate");
    let mut child = Command::new(&binary)
        .args(["--log-file", "/dev/null", "--site"])
        .arg(&dir)
        .args([
            "apply",
            PATCH,
            "--operator",
            "bob",
            "--executor",
            "sim",
            "--yes",
        ])
        .args(["--emergency", "kill test", "--scenario", "all-good"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Wait until a production host of the first percentage wave holds a step's lock (a step
    // is running on it), then kill without warning.
    let waves = plan["plan"]["waves"].as_array().unwrap();
    assert!(
        waves.len() >= 3,
        "staging, canary and at least one more wave"
    );
    let watched = waves[2]["hosts"][0]["name"].as_str().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    let sim = dir.join("sim");
    let mut mid_step = false;
    while !mid_step && Instant::now() < deadline {
        mid_step = load_host(&sim, &watched).is_ok_and(|state| !state.locks.is_empty());
        if !mid_step {
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    child.kill().unwrap();
    let status = child.wait().unwrap();
    assert!(
        mid_step,
        "{watched} was seen running a step before the kill"
    );
    assert!(!status.success(), "killed before it finished");

    let resumed = apply_sim(
        &dir,
        PATCH,
        "bob",
        &["--emergency", "resume", "--scenario", "all-good"],
    );
    assert_code(&resumed, 0);
    let out = stdout(&resumed);
    assert!(
        out.starts_with("Resuming ") || out.contains("\nResuming "),
        "{out}"
    );
    let (hosts, steps) = hosts_and_steps(&plan);
    let mut markers = 0;
    for host in &hosts {
        let state = load_host(&sim, host).unwrap();
        assert_eq!(state.package(), PATCHED, "{host}");
        for (key, runs) in &state.runs {
            assert_eq!(*runs, 1, "{host}: {key} ran {runs} times");
        }
        markers += state.markers.len();
    }
    assert_eq!(markers, steps, "one completion marker per host×step");
}
