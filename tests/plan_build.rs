//! Plans from the demo site: staging first, canaries, waves, gates; the hash is deterministic
//! and changes with everything that matters to execution.

use std::path::Path;

use secureupdate::config::Site;
use secureupdate::core::asset::Criticality;
use secureupdate::core::policy::{PriorityClass, WaveSize};
use secureupdate::core::rollout::{
    Plan, PlanError, PlanInputs, StepKind, WaveKind, build_plan, guard_key,
};

fn demo() -> Site {
    Site::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo")).unwrap()
}

fn plan_for(site: &Site, patch: &str, class: PriorityClass) -> Plan {
    let marker_dir = |name: &str| site.marker_dir(name).to_string();
    let inputs = PlanInputs {
        assets: &site.assets,
        marker_dir: &marker_dir,
        class,
        step_timeout_s: site.config.ssh.command_timeout_s,
    };
    build_plan(site.patch(patch).unwrap(), &site.policy, &inputs).unwrap()
}

#[test]
fn staging_goes_first_then_one_canary_per_os_then_growing_waves() {
    let site = demo();
    let plan = plan_for(&site, "openssh-regresshion-debian", PriorityClass::High);
    let kinds: Vec<WaveKind> = plan.waves.iter().map(|w| w.kind).collect();
    assert_eq!(kinds[0], WaveKind::Staging);
    assert_eq!(kinds[1], WaveKind::Canary);
    assert!(kinds[2..].iter().all(|k| *k == WaveKind::Production));
    let staging: Vec<&str> = plan.waves[0]
        .hosts
        .iter()
        .map(|h| h.name.as_str())
        .collect();
    assert!(staging.iter().all(|h| h.contains("-stg-")), "{staging:?}");
    assert_eq!(
        plan.waves[0].steps,
        [
            StepKind::Precheck,
            StepKind::Backup,
            StepKind::Apply,
            StepKind::Verify,
            StepKind::Smoke
        ]
    );
    assert!(
        !plan.waves[1].steps.contains(&StepKind::Smoke),
        "smoke runs on staging only"
    );

    let canary = &plan.waves[1];
    assert_eq!(canary.hosts.len(), 1, "one Debian canary");
    assert_eq!(canary.hosts[0].criticality, Criticality::Low);
    assert_eq!(canary.max_fail_percentage, 0, "a failed canary halts");

    // Every targeted host exactly once; mission-critical hosts in the last wave.
    let targeted = site
        .assets
        .iter()
        .filter(|a| {
            site.patch("openssh-regresshion-debian")
                .unwrap()
                .targets
                .matches(a)
        })
        .count();
    assert_eq!(plan.host_count(), targeted);
    let mut names: Vec<&str> = plan
        .waves
        .iter()
        .flat_map(|w| &w.hosts)
        .map(|h| h.name.as_str())
        .collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), targeted);
    let last = plan.waves.last().unwrap();
    assert!(
        last.hosts
            .iter()
            .any(|h| h.criticality == Criticality::Mission)
    );
    assert_eq!(
        last.max_fail_percentage,
        site.policy.rollout.max_fail_percentage
    );
    assert_eq!(plan.concurrency, site.policy.rollout.concurrency);
}

#[test]
fn waves_follow_the_cumulative_percentages_of_the_hosts_after_the_canaries() {
    let site = demo();
    let plan = plan_for(&site, "openssh-regresshion-debian", PriorityClass::High);
    let production: Vec<usize> = plan.waves[2..].iter().map(|w| w.hosts.len()).collect();
    let rest: usize = production.iter().sum();
    // [1, "10%", "50%", "100%"]: up to ceil(10%), then up to ceil(50%), then the rest.
    let ten = rest.div_ceil(10);
    let half = rest.div_ceil(2);
    assert_eq!(production, [ten, half - ten, rest - half]);
}

#[test]
fn a_class_that_needs_approval_puts_the_gate_before_the_first_production_wave() {
    let site = demo();
    let plan = plan_for(&site, "glibc-rhel", PriorityClass::High);
    assert!(plan.approval.required);
    assert!(plan.approval.two_person);
    let gates: Vec<bool> = plan.waves.iter().map(|w| w.approval_before).collect();
    assert!(!gates[0], "staging needs no approval");
    assert!(gates[1], "the canary wave waits for it");
    assert!(gates[2..].iter().all(|g| !g));

    let plan = plan_for(&site, "glibc-rhel", PriorityClass::Low);
    assert!(!plan.approval.required);
    assert!(plan.waves.iter().all(|w| !w.approval_before));
}

#[test]
fn the_hash_is_deterministic_and_the_canonical_json_round_trips() {
    let site = demo();
    let a = plan_for(&site, "glibc-debian", PriorityClass::High);
    let b = plan_for(&demo(), "glibc-debian", PriorityClass::High);
    let hash = a.hash().unwrap();
    assert_eq!(hash, b.hash().unwrap());
    assert_eq!(hash.len(), 64);
    assert!(
        hash.bytes()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
    );
    let back: Plan = serde_json::from_str(&a.canonical_json().unwrap()).unwrap();
    assert_eq!(back, a);
    assert_eq!(back.hash().unwrap(), hash);
}

#[test]
fn the_hash_changes_with_everything_execution_depends_on() {
    let site = demo();
    let base = plan_for(&site, "glibc-debian", PriorityClass::High)
        .hash()
        .unwrap();

    let mut changed = site.clone();
    let patch = changed
        .patches
        .iter_mut()
        .find(|p| p.id == "glibc-debian")
        .unwrap();
    patch.steps.apply.push_str("\necho one more line");
    assert_ne!(
        plan_for(&changed, "glibc-debian", PriorityClass::High)
            .hash()
            .unwrap(),
        base,
        "script"
    );

    let mut changed = site.clone();
    let host = changed
        .assets
        .iter_mut()
        .find(|a| a.name == "wiki-01")
        .unwrap();
    host.address = "172.16.99.99".to_string();
    assert_ne!(
        plan_for(&changed, "glibc-debian", PriorityClass::High)
            .hash()
            .unwrap(),
        base,
        "address"
    );

    let mut changed = site.clone();
    changed
        .marker_dirs
        .insert("wiki-01".to_string(), "/srv/markers".to_string());
    assert_ne!(
        plan_for(&changed, "glibc-debian", PriorityClass::High)
            .hash()
            .unwrap(),
        base,
        "marker dir"
    );

    let mut changed = site.clone();
    changed.policy.rollout.waves = vec![WaveSize::Hosts(1), WaveSize::Percent(100)];
    assert_ne!(
        plan_for(&changed, "glibc-debian", PriorityClass::High)
            .hash()
            .unwrap(),
        base,
        "waves"
    );

    let mut changed = site.clone();
    changed.policy.rollout.max_fail_percentage = 20;
    assert_ne!(
        plan_for(&changed, "glibc-debian", PriorityClass::High)
            .hash()
            .unwrap(),
        base,
        "threshold"
    );

    assert_ne!(
        plan_for(&site, "glibc-debian", PriorityClass::Critical)
            .hash()
            .unwrap(),
        base,
        "class"
    );

    // Installed packages do not change what runs where.
    let mut changed = site.clone();
    changed
        .assets
        .iter_mut()
        .find(|a| a.name == "wiki-01")
        .unwrap()
        .packages
        .clear();
    assert_eq!(
        plan_for(&changed, "glibc-debian", PriorityClass::High)
            .hash()
            .unwrap(),
        base
    );
}

#[test]
fn a_patch_that_targets_nothing_has_no_plan() {
    let mut site = demo();
    let patch = site
        .patches
        .iter_mut()
        .find(|p| p.id == "glibc-rhel")
        .unwrap();
    patch.targets.names = vec!["no-such-host".to_string()];
    let marker_dir = |_: &str| "/m".to_string();
    let inputs = PlanInputs {
        assets: &site.assets,
        marker_dir: &marker_dir,
        class: PriorityClass::High,
        step_timeout_s: 60,
    };
    assert_eq!(
        build_plan(site.patch("glibc-rhel").unwrap(), &site.policy, &inputs),
        Err(PlanError::NoTargets("glibc-rhel".to_string()))
    );
}

#[test]
fn thresholds_halt_only_above_the_percentage_and_guard_keys_differ_per_attempt() {
    let site = demo();
    let plan = plan_for(&site, "openssh-regresshion-debian", PriorityClass::High);
    let wave = plan.waves.last().unwrap();
    let hosts = wave.hosts.len();
    let allowed = hosts * usize::from(wave.max_fail_percentage) / 100;
    assert!(!wave.exceeds_threshold(allowed));
    assert!(wave.exceeds_threshold(allowed + 1));
    assert!(plan.waves[1].exceeds_threshold(1));

    let one = guard_key("h", "wiki-01", StepKind::Apply, 1, None);
    assert_ne!(one, guard_key("h", "wiki-01", StepKind::Apply, 2, None));
    assert_ne!(one, guard_key("h", "wiki-01", StepKind::Verify, 1, None));
    assert_ne!(
        one,
        guard_key("h", "wiki-01", StepKind::Apply, 1, Some("ab"))
    );
    assert_ne!(one, guard_key("g", "wiki-01", StepKind::Apply, 1, None));
    assert_eq!(one.len(), 64);
}
