//! For the console's rollout snapshots: the real engine runs the glibc patch on the demo's
//! simulated fleet under one of its scenarios (one host at a time, steps taking no time, so
//! the events come in a fixed order), answering the engine's questions as a test says. The
//! console model is then fed those events as the running console would be, up to a question
//! the engine asked or to the end of the run.

use std::sync::Arc;

use chrono::NaiveDate;
use secureupdate::adapters::journal::{Journal, OperatorSigner, generate_keypair, write_keypair};
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::sim::{SimExecutor, SimHost};
use secureupdate::adapters::store::StateStore;
use secureupdate::app::keymap::{Command, Keymap};
use secureupdate::app::model::RolloutAccess;
use secureupdate::app::{Action, Model, update};
use secureupdate::config::load_scenario;
use secureupdate::core::policy::RollbackMode;
use secureupdate::core::rollout::Plan;
use secureupdate::engine::{
    AnswerFuture, Decider, Decision, Engine, EngineEvent, EngineSettings, Question, RunOutcome,
};

use super::console_rollout::outcome_words;
use super::console_snapshots::now;
use crate::assessment::Assessment;
use crate::demo_site;

pub(super) const PATCH: &str = "glibc-debian";

/// Answers the engine's questions as a test script says.
pub(super) struct Answering(pub fn(&Question) -> Decision);

impl Decider for Answering {
    fn ask(&self, question: Question) -> AnswerFuture {
        Box::pin(std::future::ready((self.0)(&question)))
    }
}

/// A finished run of the glibc patch on the simulated demo fleet.
pub(super) struct SimRun {
    /// The console just after `RolloutStarted`, before any event.
    pub started: Model,
    pub events: Vec<EngineEvent>,
    pub outcome: RunOutcome,
    pub plan: Plan,
    sim: Arc<SimExecutor>,
}

impl SimRun {
    /// Runs the demo scenario `scenario` to its end.
    pub fn of(scenario: &str, answers: Answering) -> SimRun {
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
        let path = dir.path().join(format!("scenarios/{scenario}.toml"));
        let mut scenario = load_scenario(&path, &hosts).unwrap();
        scenario.step_ms = 0;
        let names: Vec<String> = hosts.iter().map(|h| h.to_string()).collect();
        let sim = Arc::new(SimExecutor::new(scenario, &names, None).unwrap());
        let mut store = StateStore::open(&dir.path().join("state.db")).unwrap();
        store.save_plan(&plan).unwrap();
        let journal = Journal::open_or_create(&dir.path().join("journal.db")).unwrap();
        let signer = OperatorSigner::load("carol", &key, None).unwrap();
        let (sender, mut received) =
            secureupdate::engine::event_channel(secureupdate::engine::OutputLimits::default());
        let engine = Engine::new(
            sim.clone(),
            Box::new(store),
            Box::new(RolloutJournal::new(journal, signer)),
            Arc::new(answers),
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
        let outcome = runtime.block_on(engine.run(plan.clone())).unwrap();
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
        let mut started = Model::new(fleet, Keymap::default(), now(), 80, 24);
        started.access = RolloutAccess::Ready { training: true };
        let hash = plan.hash().unwrap();
        update(
            &mut started,
            Action::RolloutStarted {
                patch: row,
                plan: Box::new(plan.clone()),
                plan_hash: hash,
            },
        );
        SimRun {
            started,
            events,
            outcome,
            plan,
            sim,
        }
    }

    /// The console while the engine waits on the first question `which` picks: every event
    /// before the answer, then the question.
    pub fn at_question(&self, which: impl Fn(&Question) -> bool) -> Model {
        let (answered, question) = self
            .events
            .iter()
            .enumerate()
            .find_map(|(i, event)| match event {
                EngineEvent::Decided { question, .. } if which(question) => {
                    Some((i, question.clone()))
                }
                _ => None,
            })
            .expect("the engine asked that question");
        let mut model = self.started.clone();
        update(
            &mut model,
            Action::Engine {
                events: self.events[..answered].to_vec(),
                dropped: 0,
            },
        );
        update(&mut model, Action::Asked(question));
        model
    }

    /// The console while the run goes on: the first `count` events arrived, no question waits.
    pub fn midway(&self, count: usize) -> Model {
        let mut model = self.started.clone();
        update(
            &mut model,
            Action::Engine {
                events: self.events[..count.min(self.events.len())].to_vec(),
                dropped: 0,
            },
        );
        model
    }

    /// The console after the run ended, its cursor on host `cursor` (0 = the first).
    pub fn ended(&self, cursor: usize) -> Model {
        let mut model = self.started.clone();
        update(
            &mut model,
            Action::Engine {
                events: self.events.clone(),
                dropped: 0,
            },
        );
        update(
            &mut model,
            Action::WorkEnded(Ok(outcome_words(self.outcome))),
        );
        for _ in 0..cursor {
            update(&mut model, Action::Command(Command::Down));
        }
        model
    }

    /// What the simulated host holds after the run.
    pub fn host(&self, name: &str) -> SimHost {
        self.sim.host(name).expect("a host of the demo fleet")
    }

    /// The hosts of wave `number`, in plan order.
    pub fn wave_hosts(&self, number: u32) -> Vec<String> {
        self.plan
            .waves
            .iter()
            .filter(|w| w.number == number)
            .flat_map(|w| w.hosts.iter().map(|h| h.name.clone()))
            .collect()
    }
}

/// The model at another terminal size.
pub(super) fn sized(model: &Model, width: u16, height: u16) -> Model {
    let mut model = model.clone();
    update(&mut model, Action::Resize { width, height });
    model
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
