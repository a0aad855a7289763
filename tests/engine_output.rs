//! Hosts that print faster than anyone reads: the engine never waits for the consumer of
//! output lines, keeps at most its limits queued, and reports how many lines each step dropped,
//! while every line still counts in the journaled digest and no lifecycle event is lost.

mod rollout_support;

use secureupdate::core::policy::RollbackMode;
use std::fs;
use std::sync::Arc;
use std::time::Duration;

use rollout_support::*;
use secureupdate::adapters::journal::Journal;
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::store::StateStore;
use secureupdate::config::Scenario;
use secureupdate::core::policy::PriorityClass;
use secureupdate::engine::{
    AlwaysYes, Engine, EngineEvent, EngineSettings, OutputLimits, RunOutcome, event_channel,
};

#[test]
fn a_flood_of_output_is_capped_per_host_counted_and_the_run_completes_without_a_reader() {
    let site = fleet_site();
    let noisy: String = (0..300).map(|n| format!("echo line {n}\n")).collect();
    let patch = PATCH.replace(
        "apply = \"apt-get install -y openssh-server\"",
        &format!("apply = \"\"\"\n{noisy}\"\"\""),
    );
    fs::write(site.path().join("patches/openssh.toml"), patch).unwrap();
    let plan = plan(&load(site.path()), PriorityClass::High);
    save(site.path(), &plan);

    let (events, mut received) = event_channel(OutputLimits {
        per_host: 20,
        total: 100,
    });
    let engine = Engine::new(
        sim(Scenario::all_good(1), None),
        Box::new(StateStore::open(&site.path().join("state.db")).unwrap()),
        Box::new(RolloutJournal::new(
            Journal::open_or_create(&site.path().join("journal.db")).unwrap(),
            signer(site.path(), "bob"),
        )),
        Arc::new(AlwaysYes),
        events,
        EngineSettings {
            operator: "bob".to_string(),
            artifact_local: None,
            poll_interval: Duration::from_millis(10),
            max_polls: 10,
            on_failed_verify: RollbackMode::Ask,
        },
    );
    // Nobody reads until the run is over.
    assert_eq!(
        block_on(engine.run(plan.clone())).unwrap(),
        RunOutcome::Done
    );

    let (mut shown, mut dropped, mut finished) = (0u64, 0u64, 0usize);
    let mut per_host = std::collections::HashMap::<String, usize>::new();
    while let Ok(event) = received.try_recv() {
        match event {
            EngineEvent::Output { host, .. } => {
                shown += 1;
                *per_host.entry(host).or_default() += 1;
            }
            EngineEvent::OutputDropped { lines, .. } => dropped += lines,
            EngineEvent::StepFinished { .. } => finished += 1,
            _ => {}
        }
    }
    assert!(per_host.values().all(|n| *n <= 20), "{per_host:?}");
    assert!(shown <= 100, "{shown} lines queued");
    let expected: usize = plan
        .waves
        .iter()
        .map(|w| w.hosts.len() * w.steps.len())
        .sum();
    assert_eq!(finished, expected, "every step's result arrived");

    let mut printed = 0u64;
    Journal::open_read_only(&site.path().join("journal.db"))
        .unwrap()
        .for_each_row(1, |row| {
            if row.kind == "step_finished" {
                let payload: serde_json::Value = serde_json::from_str(&row.payload).unwrap();
                printed += payload["output_lines"].as_u64().unwrap();
            }
        })
        .unwrap();
    assert!(
        printed > 300 * 12,
        "the journal counts every line: {printed}"
    );
    assert_eq!(
        shown + dropped,
        printed,
        "each line shown or counted as dropped"
    );
}
