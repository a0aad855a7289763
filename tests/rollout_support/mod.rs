//! A small fleet site for rollout tests: 2 staging and 10 production Debian hosts, operator keys
//! made with the library, a patch with every step, and helpers to plan and run it on `sim` (or,
//! through the same engine helper, on any executor).
// Each test crate uses a different part of this module.
#![allow(dead_code)]

#[path = "../policy_support/mod.rs"]
mod policy_support;

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secureupdate::adapters::journal::{
    Journal, OperatorSigner, generate_keypair, load_public_key, verify_journal, write_keypair,
};
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::sim::SimExecutor;
use secureupdate::adapters::store::StateStore;
use secureupdate::config::{Scenario, Site, load_scenario};
use secureupdate::core::journal::VerifyReport;
use secureupdate::core::policy::{PriorityClass, RollbackMode};
use secureupdate::core::rollout::{Plan, PlanInputs, build_plan};
use secureupdate::engine::executor::Executor;
use secureupdate::engine::{
    AlwaysYes, Decider, Engine, EngineError, EngineEvent, EngineSettings, EventReceiver,
    HostResult, OutputLimits, RunOutcome, event_channel,
};
use tempfile::TempDir;

pub use policy_support::policy;

pub const PATCH_ID: &str = "openssh-test";

pub const PATCH: &str = r#"id = "openssh-test"
title = "OpenSSH update for the test fleet"
fixes = ["DSA-5724-1", "CVE-2024-6387"]

[targets]
os = ["debian-12"]

[steps]
precheck = "sshd -t"
backup = "tar -C /etc -czf /var/backups/etc-ssh.tar.gz ssh"
apply = "apt-get install -y openssh-server"
verify = "systemctl is-active ssh"
rollback = "tar -C /etc -xzf /var/backups/etc-ssh.tar.gz"
smoke = "ssh -o BatchMode=yes localhost true"
"#;

/// The approval and rollout tables of the rollout sites' policy.
const POLICY_TABLES: &str = r#"[approval]
require_for = ["critical"]
approvers = 1
two_person = true

[rollout]
waves = [1, "50%", "100%"]
max_fail_percentage = 20
concurrency = 2
"#;

/// Production hosts, least critical first as the plan orders them.
pub const PRODUCTION: [&str; 10] = [
    "app-01", "app-02", "app-03", "app-04", "app-05", "app-06", "app-07", "app-08", "app-09",
    "db-01",
];
pub const STAGING: [&str; 2] = ["stg-01", "stg-02"];

fn inventory() -> String {
    let mut text = String::new();
    for (i, name) in STAGING.iter().chain(PRODUCTION.iter()).enumerate() {
        let (environment, criticality) = match *name {
            n if n.starts_with("stg") => ("staging", "low"),
            "db-01" => ("production", "mission"),
            _ => ("production", "medium"),
        };
        text.push_str(&format!(
            "[[asset]]\nname = \"{name}\"\naddress = \"10.0.0.{}\"\nuser = \"patch\"\nos = \"debian-12\"\nenvironment = \"{environment}\"\ncriticality = \"{criticality}\"\ngroups = [\"app\"]\n\n",
            i + 1
        ));
    }
    text
}

/// A site with operators alice (approver) and bob (deployer), both with unencrypted keys.
pub fn fleet_site() -> TempDir {
    site_with(&inventory(), &policy(POLICY_TABLES), PATCH)
}

/// The same site and operators with another inventory, policy and patch definition.
pub fn site_with(inventory: &str, policy: &str, patch: &str) -> TempDir {
    let dir = TempDir::new().unwrap();
    let root = dir.path();
    for operator in ["alice", "bob", "carol"] {
        let pair = generate_keypair(None).unwrap();
        write_keypair(
            &pair,
            &root.join(format!("keys/{operator}.pub")),
            &root.join(format!("keys/{operator}.key")),
        )
        .unwrap();
    }
    fs::write(
        root.join("site.toml"),
        r#"name = "Rollout test site"

[[operator]]
name = "alice"
roles = ["approver", "signer"]
public_key = "keys/alice.pub"

[[operator]]
name = "bob"
roles = ["deployer"]
public_key = "keys/bob.pub"

[[operator]]
name = "carol"
roles = ["deployer"]
public_key = "keys/carol.pub"

[trust]

[ssh]
"#,
    )
    .unwrap();
    fs::write(root.join("policy.toml"), policy).unwrap();
    fs::write(root.join("inventory.toml"), inventory).unwrap();
    fs::create_dir_all(root.join("patches")).unwrap();
    fs::write(root.join("patches/openssh.toml"), patch).unwrap();
    dir
}

pub fn load(dir: &Path) -> Site {
    Site::load(dir).unwrap()
}

pub fn plan(site: &Site, class: PriorityClass) -> Plan {
    plan_of(site, PATCH_ID, class, 60)
}

pub fn plan_of(site: &Site, patch: &str, class: PriorityClass, step_timeout_s: u32) -> Plan {
    let marker_dir = |name: &str| site.marker_dir(name).to_string();
    let inputs = PlanInputs {
        assets: &site.assets,
        marker_dir: &marker_dir,
        class,
        step_timeout_s,
    };
    build_plan(site.patch(patch).unwrap(), &site.policy, &inputs).unwrap()
}

pub fn scenario(dir: &Path, text: &str) -> Scenario {
    let path = dir.join("scenario.toml");
    fs::write(&path, text).unwrap();
    let hosts: Vec<&str> = STAGING.iter().chain(PRODUCTION.iter()).copied().collect();
    load_scenario(&path, &hosts).unwrap()
}

pub fn all_hosts() -> Vec<String> {
    STAGING
        .iter()
        .chain(PRODUCTION.iter())
        .map(|s| s.to_string())
        .collect()
}

pub fn sim(scenario: Scenario, state_dir: Option<PathBuf>) -> Arc<SimExecutor> {
    Arc::new(SimExecutor::new(scenario, &all_hosts(), state_dir).unwrap())
}

pub fn signer(site: &Path, operator: &str) -> OperatorSigner {
    OperatorSigner::load(operator, &site.join(format!("keys/{operator}.key")), None).unwrap()
}

/// What a run produced.
pub struct Ran {
    pub outcome: Result<RunOutcome, EngineError>,
    pub events: Vec<EngineEvent>,
}

/// The one place the tests build an engine (sim and ssh alike): the site's state.db and
/// journal.db, bob's signing key, checkpoints every `CHECKPOINT_EVERY` entries.
pub fn engine<E: Executor + 'static>(
    site: &Path,
    executor: Arc<E>,
    decider: Arc<dyn Decider>,
    artifact_local: Option<PathBuf>,
) -> (Engine<E>, EventReceiver) {
    engine_with(site, executor, decider, artifact_local, RollbackMode::Ask)
}

/// As [`engine`], with the policy's `rollback.on_failed_verify`.
pub fn engine_with<E: Executor + 'static>(
    site: &Path,
    executor: Arc<E>,
    decider: Arc<dyn Decider>,
    artifact_local: Option<PathBuf>,
    on_failed_verify: RollbackMode,
) -> (Engine<E>, EventReceiver) {
    let store = StateStore::open(&site.join("state.db")).unwrap();
    let journal = Journal::open_or_create(&site.join("journal.db")).unwrap();
    let (events, received) = event_channel(OutputLimits::default());
    let settings = EngineSettings {
        operator: "bob".to_string(),
        artifact_local,
        poll_interval: Duration::from_millis(10),
        max_polls: 500,
        on_failed_verify,
    };
    let engine = Engine::new(
        executor,
        Box::new(store),
        Box::new(
            RolloutJournal::new(journal, signer(site, "bob"))
                .with_checkpoints(site.join("checkpoints"), CHECKPOINT_EVERY)
                .unwrap(),
        ),
        decider,
        events,
        settings,
    );
    (engine, received)
}

/// How often the tests' rollouts seal the journal: often enough that every run writes several.
pub const CHECKPOINT_EVERY: u64 = 10;

pub fn save(site: &Path, plan: &Plan) -> String {
    StateStore::open(&site.join("state.db"))
        .unwrap()
        .save_plan(plan)
        .unwrap()
}

/// Stores the plan and runs it to its end with `--yes` semantics.
pub fn run(site: &Path, plan: &Plan, executor: Arc<SimExecutor>) -> Ran {
    run_with(site, plan, executor, Arc::new(AlwaysYes), None)
}

pub fn run_with(
    site: &Path,
    plan: &Plan,
    executor: Arc<SimExecutor>,
    decider: Arc<dyn Decider>,
    artifact_local: Option<PathBuf>,
) -> Ran {
    block_on(run_plan(site, plan, executor, decider, artifact_local))
}

/// Runs `future` to its end on a fresh single-threaded runtime with timers.
pub fn block_on<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap()
        .block_on(future)
}

/// Stores the plan and runs it to its end on any executor, collecting every event.
pub async fn run_plan<E: Executor + 'static>(
    site: &Path,
    plan: &Plan,
    executor: Arc<E>,
    decider: Arc<dyn Decider>,
    artifact_local: Option<PathBuf>,
) -> Ran {
    save(site, plan);
    let (engine, mut received) = engine(site, executor, decider, artifact_local);
    // Drained while the run goes on, so a bounded channel could not stall it; the channel
    // closes when the engine, its last sender, is gone.
    let collect = async {
        let mut events = Vec::new();
        while let Some(event) = received.recv().await {
            events.push(event);
        }
        events
    };
    let (outcome, events) = tokio::join!(engine.run(plan.clone()), collect);
    Ran { outcome, events }
}

/// How `host` ended, as the run's last `HostFinished` event for it says.
pub fn host_result(events: &[EngineEvent], host: &str) -> Option<HostResult> {
    events.iter().rev().find_map(|e| match e {
        EngineEvent::HostFinished {
            host: h, result, ..
        } if h == host => Some(result.clone()),
        _ => None,
    })
}

/// The site's journal checked against bob's public key and the checkpoints written beside it.
pub fn verify_site_journal(site: &Path) -> VerifyReport {
    let trusted = vec![(
        "bob".to_string(),
        load_public_key(&site.join("keys/bob.pub")).unwrap(),
    )];
    verify_journal(
        &site.join("journal.db"),
        &site.join("checkpoints"),
        &trusted,
        None,
    )
    .unwrap()
}
