//! `plan`, `approve` and `apply` on a copy of the demo site, as an operator runs them, with
//! the simulated fleet: approvals, drift, maintenance windows, halts and re-runs.

mod cli_support;

use std::fs;
use std::process::Output;

use chrono::{Datelike, Days, Utc};
use cli_support::{
    apply_sim, approved_plan, demo_site_with_keys as demo_site, hosts_and_steps, ok, plan_json, run,
};
use secureupdate::adapters::sim::{ORIGINAL, PATCHED, load_host};

const PATCH: &str = "openssh-regresshion-debian";

/// Exit code, standard output and standard error.
fn parts(output: Output) -> (i32, String, String) {
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn plan_json_carries_a_stable_hash_and_puts_staging_first() {
    let (_tmp, dir) = demo_site();
    let first = plan_json(&dir, PATCH);
    let hash = first["plan_hash"].as_str().unwrap();
    assert_eq!(hash.len(), 64);
    assert_eq!(
        first,
        plan_json(&dir, PATCH),
        "the same site gives the same plan"
    );
    let waves = first["plan"]["waves"].as_array().unwrap();
    assert_eq!(waves[0]["kind"], "staging");
    assert_eq!(waves[1]["kind"], "canary");
    assert_eq!(waves[1]["approval_before"], true);
    assert_eq!(first["plan"]["class"], "high");
}

#[test]
fn an_unknown_patch_and_a_malformed_definition_are_bad_input() {
    let (_tmp, dir) = demo_site();
    let (code, _, err) = parts(run(&dir, &["plan", "no-such-patch"]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("no patch definition `no-such-patch`") && err.contains(PATCH),
        "{err}"
    );

    fs::write(dir.join("patches/broken.toml"), "id = \"broken\"\ntitle = \"x\"\nfixes = [\"CVE-1\"]\n[targets]\nos = [\"debian-12\"]\n[steps]\napply = 42\n").unwrap();
    let (code, _, err) = parts(run(&dir, &["plan", PATCH]));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("patches/broken.toml:7:9: steps.apply: invalid type"),
        "{err}"
    );
}

#[test]
fn apply_needs_an_approval_by_someone_else_then_runs_and_a_rerun_runs_nothing() {
    let (_tmp, dir) = demo_site();
    let plan = plan_json(&dir, PATCH);
    let hash = plan["plan_hash"].as_str().unwrap();

    let (code, _, err) = parts(apply_sim(&dir, PATCH, "bob", &["--emergency", "test"]));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("needs 1 approval(s)"), "{err}");
    assert!(!dir.join("sim").exists(), "nothing ran");

    let (code, _, err) = parts(run(&dir, &["approve", hash, "--operator", "bob"]));
    assert_eq!(code, 2, "bob is no approver: {err}");
    let (code, _, err) = parts(run(
        &dir,
        &["approve", &"0".repeat(64), "--operator", "alice"],
    ));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("no stored plan"), "{err}");
    ok(&dir, &["approve", hash, "--operator", "alice"]);

    let (code, out, err) = parts(apply_sim(
        &dir,
        PATCH,
        "bob",
        &["--emergency", "CVE-2024-6387 is exploited"],
    ));
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(
        out.contains("web-fra-01 | + set -eu"),
        "host | line output: {out}"
    );
    assert!(
        out.contains("Done: 17 succeeded, 0 failed (0 rolled back), 0 unreachable, 0 not started."),
        "{out}"
    );
    let (hosts, steps) = hosts_and_steps(&plan);
    let mut markers = 0;
    for host in &hosts {
        let state = load_host(&dir.join("sim"), host).unwrap();
        assert_eq!(state.package(), PATCHED, "{host}");
        markers += state.markers.len();
    }
    assert_eq!(markers, steps);

    let (code, out, err) = parts(apply_sim(&dir, PATCH, "bob", &["--emergency", "again"]));
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains(" | + "), "nothing ran again: {out}");
    assert!(
        out.contains("Done: this plan's run had already ended; nothing ran."),
        "{out}"
    );
    let again: usize = hosts
        .iter()
        .map(|h| load_host(&dir.join("sim"), h).unwrap().markers.len())
        .sum();
    assert_eq!(again, steps);
}

#[test]
fn the_approver_cannot_deploy_and_a_changed_patch_is_refused_as_drift() {
    let (_tmp, dir) = demo_site();
    // alice may approve, but two_person forbids counting her approval when she deploys;
    // she is no deployer anyway.
    let hash = plan_json(&dir, PATCH)["plan_hash"]
        .as_str()
        .unwrap()
        .to_string();
    ok(&dir, &["approve", &hash, "--operator", "alice"]);
    let (code, _, err) = parts(apply_sim(&dir, PATCH, "alice", &["--emergency", "x"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("does not have the deployer role"), "{err}");

    let file = dir.join(format!("patches/{PATCH}.toml"));
    let text = fs::read_to_string(&file).unwrap();
    fs::write(
        &file,
        text.replace(
            "systemctl restart ssh\n\"\"\"\n# The fixed",
            "systemctl restart ssh\nsleep 1\n\"\"\"\n# The fixed",
        ),
    )
    .unwrap();
    assert_ne!(plan_json(&dir, PATCH)["plan_hash"].as_str().unwrap(), hash);
    let (code, _, err) = parts(apply_sim(&dir, PATCH, "carol", &["--emergency", "x"]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains(&format!(
            "plan drifted since approval: plan {hash} was approved"
        )),
        "{err}"
    );
}

#[test]
fn outside_the_maintenance_window_apply_is_refused_unless_an_emergency_is_declared() {
    let (_tmp, dir) = demo_site();
    // One window on a day that is neither today nor tomorrow (UTC).
    let day = Utc::now()
        .date_naive()
        .checked_add_days(Days::new(3))
        .unwrap();
    let name = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        [day.weekday().num_days_from_monday() as usize];
    let policy = fs::read_to_string(dir.join("policy.toml")).unwrap();
    let cut = policy.find("[[window]]").unwrap();
    let policy = format!(
        "{}[[window]]\nname = \"far\"\ndays = [\"{name}\"]\nstart = \"00:00\"\nduration_minutes = 1\nenvironments = [\"staging\", \"production\"]\n",
        &policy[..cut]
    ).replace("require_for = [\"critical\", \"high\"]", "require_for = []");
    fs::write(dir.join("policy.toml"), policy).unwrap();

    let (code, _, err) = parts(apply_sim(&dir, PATCH, "bob", &[]));
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("outside the maintenance window for staging"),
        "{err}"
    );
    assert!(!dir.join("sim").exists());

    let (code, out, err) = parts(apply_sim(
        &dir,
        PATCH,
        "bob",
        &["--emergency", "actively exploited"],
    ));
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("Emergency rollout outside the maintenance window: actively exploited"),
        "{out}"
    );
}

#[test]
fn a_scenario_is_refused_for_real_hosts() {
    let (_tmp, dir) = demo_site();
    let (code, _, err) = parts(run(
        &dir,
        &[
            "apply",
            PATCH,
            "--operator",
            "bob",
            "--yes",
            "--scenario",
            "all-good",
        ],
    ));
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--scenario NAME belongs to the simulated fleet"),
        "{err}"
    );
}

#[test]
fn a_failing_canary_halts_with_exit_1_and_later_waves_stay_untouched() {
    let (_tmp, dir) = demo_site();
    let plan = approved_plan(&dir, PATCH);
    let (code, out, err) = parts(apply_sim(
        &dir,
        PATCH,
        "bob",
        &["--emergency", "x", "--scenario", "canary-fails"],
    ));
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        out.contains("print-01 | == failed at apply, rolled back"),
        "{out}"
    );
    assert!(err.contains("the rollout halted in wave 2"), "{err}");
    assert_eq!(
        load_host(&dir.join("sim"), "print-01").unwrap().package(),
        ORIGINAL
    );
    let waves = plan["plan"]["waves"].as_array().unwrap();
    for wave in &waves[2..] {
        for host in wave["hosts"].as_array().unwrap() {
            let name = host["name"].as_str().unwrap();
            assert!(
                load_host(&dir.join("sim"), name).unwrap().untouched(),
                "{name}"
            );
        }
    }
}

#[test]
fn a_halted_run_is_reported_with_a_hint_and_retried_with_retry() {
    let (_tmp, dir) = demo_site();
    let plan = approved_plan(&dir, PATCH);
    let canary = ["--emergency", "x", "--scenario", "canary-fails"];
    let (code, _, err) = parts(apply_sim(&dir, PATCH, "bob", &canary));
    assert_eq!(code, 1, "{err}");

    let (code, out, err) = parts(apply_sim(&dir, PATCH, "bob", &canary));
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(
        err.contains(&format!(
            "nothing ran (`secureupdate apply {PATCH} --retry`"
        )),
        "{err}"
    );

    let (code, out, err) = parts(apply_sim(
        &dir,
        PATCH,
        "bob",
        &["--emergency", "x", "--scenario", "all-good", "--retry"],
    ));
    assert_eq!(code, 0, "{out}\n{err}");
    let (hosts, _) = hosts_and_steps(&plan);
    for host in &hosts {
        let state = load_host(&dir.join("sim"), host).unwrap();
        assert_eq!(state.package(), PATCHED, "{host}");
        for (key, runs) in &state.runs {
            assert_eq!(*runs, 1, "{host}: {key} ran {runs} times");
        }
    }
}
