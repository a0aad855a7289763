//! The rollout view in snapshots, fed by the real engine on the simulated demo fleet (the
//! `canary-fails` scenario, one host at a time so the events come in a fixed order): at the
//! health gate after staging, and after the canary failed and the run halted. Also: a line
//! with escape sequences, as an executor hands it on, reaches the screen as placeholders; a
//! question lists its answers with the keys of the operator's keymap.

use secureupdate::app::keymap::Keymap;
use secureupdate::app::{Action, update};
use secureupdate::core::rollout::StepKind;
use secureupdate::core::sanitize::sanitize_line;
use secureupdate::engine::executor::{MAX_OUTPUT_LINE_CHARS, OutputStream};
use secureupdate::engine::{Decision, EngineEvent, Question};

use super::console_rollout_sim::{Answering, SimRun, sized};
use super::console_snapshots::{check, looks, screen};

/// Proceeds at gates; leaves failed hosts for the operator to inspect.
fn trainee(question: &Question) -> Decision {
    match question {
        Question::ProceedAfterWave { .. } => Decision::Proceed,
        Question::RollBack { .. } => Decision::Skip {
            reason: "inspect first".to_string(),
        },
    }
}

#[test]
fn the_rollout_view_at_the_gate_and_after_the_halt() {
    let run = SimRun::of("canary-fails", Answering(trainee));
    let at_gate = run.at_question(|q| matches!(q, Question::ProceedAfterWave { wave: 1, .. }));
    let model = run.ended(5);
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
    let mut model = SimRun::of("canary-fails", Answering(trainee)).started;
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

#[test]
fn a_question_shows_its_answers_with_the_operators_own_keys() {
    let run = SimRun::of("canary-fails", Answering(trainee));
    let mut at_gate = run.at_question(|q| matches!(q, Question::ProceedAfterWave { wave: 1, .. }));
    at_gate.keymap = Keymap::with_overrides("keys.toml", "[keys]\nproceed = [\"Y\"]\n").unwrap();
    let text = screen(&at_gate, &looks()[0].1).backend().to_string();
    assert!(
        text.contains("Wave 1: 5 ok, 0 failed. Start wave 2?"),
        "{text}"
    );
    assert!(
        text.contains(" Y proceed  p pause  x skip  a abort  b roll back "),
        "{text}"
    );
    assert!(!text.contains("y proceed"), "{text}");

    let mut asked = run.at_question(|q| matches!(q, Question::RollBack { .. }));
    asked.keymap = Keymap::with_overrides("keys.toml", "[keys]\nskip = [\"L\"]\n").unwrap();
    let text = screen(&asked, &looks()[0].1).backend().to_string();
    assert!(
        text.contains("print-01: apply failed. Roll it back?"),
        "{text}"
    );
    assert!(
        text.contains(" b roll back  L leave it  p pause  a abort "),
        "{text}"
    );
}
