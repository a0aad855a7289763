//! The rollout view in snapshots, fed by the real engine on the simulated demo fleet (the
//! `canary-fails` scenario, one host at a time so the events come in a fixed order): at the
//! health gate after staging, and after the canary failed and the run halted. Also: a line
//! with escape sequences, as an executor hands it on, reaches the screen as placeholders.

use std::sync::Arc;

use chrono::NaiveDate;
use secureupdate::adapters::journal::{Journal, OperatorSigner, generate_keypair, write_keypair};
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::sim::SimExecutor;
use secureupdate::adapters::store::StateStore;
use secureupdate::app::keymap::{Command, Keymap};
use secureupdate::app::model::RolloutAccess;
use secureupdate::app::{Action, Model, update};
use secureupdate::config::load_scenario;
use secureupdate::core::policy::RollbackMode;
use secureupdate::core::rollout::{Plan, StepKind};
use secureupdate::core::sanitize::sanitize_line;
use secureupdate::engine::executor::{MAX_OUTPUT_LINE_CHARS, OutputStream};
use secureupdate::engine::{
    AnswerFuture, Decider, Decision, Engine, EngineEvent, EngineSettings, GateKind, Question,
};

use super::console_snapshots::{check, looks, now, screen};
use crate::assessment::Assessment;
use crate::demo_site;

const PATCH: &str = "glibc-debian";

/// Proceeds at gates; leaves failed hosts for the operator to inspect.
struct Trainee;

impl Decider for Trainee {
    fn ask(&self, question: Question) -> AnswerFuture {
        let answer = match question {
            Question::ProceedAfterWave { .. } => Decision::Proceed,
            Question::RollBack { .. } => Decision::Skip {
                reason: "inspect first".to_string(),
            },
        };
        Box::pin(std::future::ready(answer))
    }
}

/// The demo site's model with the patch's queue row, and every event of its canary-fails run.
fn ran() -> (Model, usize, Vec<EngineEvent>) {
    let dir = tempfile::tempdir().unwrap();
    secureupdate::config::write_files(dir.path(), &demo_site::files()).unwrap();
    let policy = dir.path().join("policy.toml");
    let text = std::fs::read_to_string(&policy).unwrap();
    std::fs::write(&policy, text.replace("concurrency = 5", "concurrency = 1")).unwrap();
    let pair = generate_keypair(None).unwrap();
    let key = dir.path().join("keys/carol.key");
    write_keypair(&pair, &dir.path().join("keys/carol.pub"), &key).unwrap();
    let assessment =
        Assessment::run(dir.path(), "test", NaiveDate::from_ymd_opt(2026, 11, 20)).unwrap();
    let plan = super::rollout_plan::current_plan(&assessment, PATCH).unwrap();
    let hosts: Vec<&str> = assessment
        .site
        .assets
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    let mut scenario =
        load_scenario(&dir.path().join("scenarios/canary-fails.toml"), &hosts).unwrap();
    scenario.step_ms = 0;
    let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
    let mut store = StateStore::open(&dir.path().join("state.db")).unwrap();
    store.save_plan(&plan).unwrap();
    let journal = Journal::open_or_create(&dir.path().join("journal.db")).unwrap();
    let signer = OperatorSigner::load("carol", &key, None).unwrap();
    let (sender, mut received) =
        secureupdate::engine::event_channel(secureupdate::engine::OutputLimits::default());
    let engine = Engine::new(
        Arc::new(SimExecutor::new(scenario, &names, None).unwrap()),
        Box::new(store),
        Box::new(RolloutJournal::new(journal, signer)),
        Arc::new(Trainee),
        sender,
        EngineSettings {
            operator: "carol".to_string(),
            artifact_local: None,
            poll_interval: std::time::Duration::from_millis(1),
            max_polls: 10,
            on_failed_verify: RollbackMode::Ask,
        },
    )
    .with_approval_check(Arc::new(Approved));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    runtime.block_on(engine.run(plan.clone())).unwrap();
    let mut events = Vec::new();
    while let Ok(event) = received.try_recv() {
        events.push(event);
    }
    let mut fleet = super::console::fleet(&assessment, Some("carol".to_string()));
    fleet.site.feeds_loaded_at = Some(now() - chrono::Duration::hours(3));
    let row = fleet
        .patches
        .iter()
        .position(|p| p.definition.as_deref() == Some(PATCH))
        .unwrap();
    let mut model = Model::new(fleet, Keymap::default(), now(), 80, 24);
    model.access = RolloutAccess::Ready { training: true };
    let hash = plan.hash().unwrap();
    update(
        &mut model,
        Action::RolloutStarted {
            patch: row,
            plan: Box::new(plan),
            plan_hash: hash,
        },
    );
    (model, row, events)
}

fn sized(model: &Model, width: u16, height: u16) -> Model {
    let mut model = model.clone();
    update(&mut model, Action::Resize { width, height });
    model
}

#[test]
fn the_rollout_view_at_the_gate_and_after_the_halt() {
    let (mut model, _, events) = ran();
    let gate = events
        .iter()
        .position(|e| {
            matches!(
                e,
                EngineEvent::GateReached {
                    kind: GateKind::Health,
                    ..
                }
            )
        })
        .unwrap();
    let mut at_gate = model.clone();
    update(
        &mut at_gate,
        Action::Engine {
            events: events[..=gate].to_vec(),
            dropped: 0,
        },
    );
    update(
        &mut at_gate,
        Action::Asked(Question::ProceedAfterWave {
            wave: 1,
            next_wave: 2,
            succeeded: 5,
            failed: 0,
        }),
    );
    update(&mut model, Action::Engine { events, dropped: 0 });
    update(
        &mut model,
        Action::WorkEnded(Ok("wave 2 failed past its threshold.".to_string())),
    );
    for _ in 0..5 {
        update(&mut model, Action::Command(Command::Down));
    }
    for (width, height) in [(80, 24), (120, 40)] {
        for (look_name, look) in looks() {
            check(
                &format!("rollout_gate_{width}x{height}_{look_name}"),
                &sized(&at_gate, width, height),
                &look,
            );
            check(
                &format!("rollout_halted_{width}x{height}_{look_name}"),
                &sized(&model, width, height),
                &look,
            );
        }
    }
    let run = model.rollout.as_ref().unwrap();
    let canary = run.hosts.iter().find(|h| h.name == "print-01").unwrap();
    assert_eq!(
        canary.state,
        secureupdate::app::rollout::HostState::Failed(StepKind::Apply)
    );
    let text = screen(&sized(&model, 80, 24), &looks()[0].1)
        .backend()
        .to_string();
    assert!(text.contains("Run HALTED in wave 2"), "{text}");
    assert!(text.contains("FAILED at apply"), "{text}");
}

#[test]
fn escape_sequences_from_a_host_show_as_placeholders() {
    let (mut model, _, _) = ran();
    let hostile = sanitize_line(
        b"\x1b[2J\x1b]0;pwned\x07\xe2\x80\xaeok",
        MAX_OUTPUT_LINE_CHARS,
    );
    update(
        &mut model,
        Action::Engine {
            events: vec![EngineEvent::Output {
                host: "print-01".to_string(),
                step: StepKind::Apply,
                stream: OutputStream::Stdout,
                line: hostile,
            }],
            dropped: 0,
        },
    );
    for (_, look) in looks() {
        let terminal = screen(&model, &look);
        let text = terminal.backend().to_string();
        let shown = if look.ascii {
            "print-01 | ^[[2J^[]0;pwned"
        } else {
            "print-01 | ␛[2J␛]0;pwned"
        };
        assert!(text.contains(shown), "{text}");
        for cell in terminal.backend().buffer().content() {
            assert!(
                !cell
                    .symbol()
                    .chars()
                    .any(|c| c.is_control() || c == '\u{202e}')
            );
        }
    }
}

/// The training approval: these snapshots show the rollout, not the approval refusal.
struct Approved;

impl secureupdate::engine::ApprovalCheck for Approved {
    fn check(
        &self,
        _plan: &Plan,
        _plan_hash: &str,
        _deployer: &str,
    ) -> secureupdate::engine::ApprovalVerdict {
        secureupdate::engine::ApprovalVerdict::Approved
    }
}
