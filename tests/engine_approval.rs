//! The engine enforces approvals itself (the console calls it without the CLI's checks): before
//! the first wave that needs a signed approval it asks its approval check, and without an
//! approval it refuses to start the wave, leaving production untouched.

mod rollout_support;

use std::path::Path;
use std::sync::Arc;

use rollout_support::*;
use secureupdate::adapters::approvals::JournalApprovals;
use secureupdate::adapters::journal::Journal;
use secureupdate::adapters::rollout_journal::RolloutJournal;
use secureupdate::adapters::sim::{ORIGINAL, PATCHED};
use secureupdate::config::Scenario;
use secureupdate::core::journal::EntryKind;
use secureupdate::core::policy::PriorityClass;
use secureupdate::engine::{AlwaysYes, EngineError, EngineEvent, GateKind, RunJournal, RunOutcome};
use serde_json::json;

fn run_checked(site: &Path, plan: &secureupdate::core::rollout::Plan) -> Ran {
    save(site, plan);
    let sim = sim(Scenario::all_good(1), Some(site.join("sim")));
    let (engine, mut received) = engine(site, sim, Arc::new(AlwaysYes), None);
    let engine = engine.with_approval_check(Arc::new(JournalApprovals::new(&load(site))));
    let outcome = block_on(engine.run(plan.clone()));
    let mut events = Vec::new();
    while let Ok(event) = received.try_recv() {
        events.push(event);
    }
    Ran { outcome, events }
}

fn package(site: &Path, host: &str) -> String {
    secureupdate::adapters::sim::load_host(&site.join("sim"), host)
        .unwrap()
        .package()
        .to_string()
}

#[test]
fn without_an_approval_check_the_engine_refuses_the_first_production_wave() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::Critical);
    assert!(
        plan.waves[1].approval_before,
        "policy wants an approval for critical"
    );
    let sim = sim(Scenario::all_good(1), None);
    let ran = run(site.path(), &plan, sim.clone());
    match ran.outcome {
        Err(EngineError::NotApproved { wave: 2, reason }) => {
            assert!(reason.contains("no approval check"), "{reason}")
        }
        other => panic!("expected a refusal before wave 2, got {other:?}"),
    }
    for host in PRODUCTION {
        assert!(sim.host(host).unwrap().untouched(), "{host}");
    }
    assert!(
        !ran.events.iter().any(|e| matches!(
            e,
            EngineEvent::GateReached {
                kind: GateKind::Approval,
                ..
            }
        )),
        "no approval gate is announced as passed"
    );
}

#[test]
fn the_journal_check_refuses_an_unapproved_plan_and_lets_an_approved_one_run() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::Critical);
    let hash = save(site.path(), &plan);

    let refused = run_checked(site.path(), &plan);
    match refused.outcome {
        Err(EngineError::NotApproved { wave: 2, reason }) => {
            assert!(reason.contains("needs 1 approval(s)"), "{reason}")
        }
        other => panic!("expected a refusal before wave 2, got {other:?}"),
    }
    assert_eq!(package(site.path(), "app-01"), ORIGINAL);

    // bob deploys, so under the two-person rule his own approval would not count: alice signs.
    let journal = Journal::open_or_create(&site.path().join("journal.db")).unwrap();
    RolloutJournal::new(journal, signer(site.path(), "alice"))
        .decision(
            EntryKind::Approve,
            &format!("plan {hash}"),
            json!({"plan_hash": hash, "patch": PATCH_ID}),
        )
        .unwrap();
    let approved = run_checked(site.path(), &plan);
    assert_eq!(approved.outcome.unwrap(), RunOutcome::Done);
    assert_eq!(package(site.path(), "db-01"), PATCHED);
    assert!(approved.events.iter().any(|e| matches!(
        e,
        EngineEvent::GateReached {
            wave: 2,
            kind: GateKind::Approval
        }
    )));
}

#[test]
fn an_approval_forged_into_a_verified_journal_is_not_taken_on_trust() {
    let site = fleet_site();
    let plan = plan(&load(site.path()), PriorityClass::Critical);
    let hash = save(site.path(), &plan);
    let journal = Journal::open_or_create(&site.path().join("journal.db")).unwrap();
    RolloutJournal::new(journal, signer(site.path(), "alice"))
        .decision(
            EntryKind::Note,
            "change CHG-1",
            json!({"text": "window agreed"}),
        )
        .unwrap();
    let check = JournalApprovals::new(&load(site.path()));
    let refused = check.verify(&plan, &hash, "bob").unwrap_err().to_string();
    assert!(refused.contains("needs 1 approval(s)"), "{refused}");

    // Someone with write access turns the verified note into alice's approval, keeping the
    // row's hash, so the journal still ends at the size and head that were verified.
    let conn = rusqlite::Connection::open(site.path().join("journal.db")).unwrap();
    conn.execute_batch("DROP TRIGGER IF EXISTS entries_no_update;")
        .unwrap();
    let forged = json!({"plan_hash": hash, "patch": PATCH_ID}).to_string();
    conn.execute(
        "UPDATE entries SET kind = 'approve', payload = ?1 WHERE seq = 1",
        [forged],
    )
    .unwrap();
    drop(conn);

    let again = check.verify(&plan, &hash, "bob").unwrap_err().to_string();
    assert!(again.contains("needs 1 approval(s)"), "{again}");
    let fresh = JournalApprovals::new(&load(site.path()))
        .verify(&plan, &hash, "bob")
        .unwrap_err()
        .to_string();
    assert!(
        fresh.contains("the journal does not verify (entry 1"),
        "{fresh}"
    );
}
