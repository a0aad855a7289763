//! `update` for rollouts: starting one, answering the engine's questions (typing the patch id
//! where a decision touches production or undoes work), rolling back after the run, and the
//! engine's batched events.

use super::action::{Action, Effect};
use super::keymap::Command;
use super::model::{Message, Model, RolloutAccess, ScreenKind, screen_page};
use super::prompt::{Prompt, PromptKind};
use super::rollout::RolloutView;
use crate::core::rollout::WaveKind;
use crate::core::sanitize::sanitize_line;
use crate::engine::{Decision, EngineEvent, Question, RollbackScope};

fn say(model: &mut Model, text: impl Into<String>, error: bool) -> Vec<Effect> {
    let text = text.into();
    model.message = Some(if error {
        Message::error(&text)
    } else {
        Message::info(&text)
    });
    vec![Effect::Redraw]
}

fn on_rollout_screen(model: &Model) -> bool {
    model.top().is_some_and(|s| s.kind == ScreenKind::Rollout)
}

/// The queue row the operator means: the checklist's or detail's patch, or the selection.
fn patch_in_view(model: &Model) -> Option<usize> {
    match model.top().map(|s| s.kind) {
        Some(ScreenKind::Checklist { patch } | ScreenKind::PatchDetail { patch }) => Some(patch),
        None if model.pane == super::model::Pane::Queue => model.queue.selected(),
        _ => None,
    }
}

pub fn command(model: &mut Model, command: Command) -> Vec<Effect> {
    match command {
        Command::Run => run(model),
        Command::Follow => follow(model),
        _ if !on_rollout_screen(model) => vec![],
        Command::Proceed | Command::Pause | Command::Skip | Command::Abort => {
            answer(model, command)
        }
        Command::RollBack if question(model).is_some() => answer(model, command),
        Command::RollBack | Command::RollBackWave | Command::RollBackRun => {
            roll_back(model, command)
        }
        _ => vec![],
    }
}

fn question(model: &Model) -> Option<&Question> {
    model.rollout.as_ref().and_then(|r| r.question.as_ref())
}

fn run(model: &mut Model) -> Vec<Effect> {
    if on_rollout_screen(model) {
        return vec![];
    }
    let Some(patch) = patch_in_view(model) else {
        return say(
            model,
            "Select a patch first: a rollout belongs to a patch.",
            false,
        );
    };
    if model
        .rollout
        .as_ref()
        .is_some_and(|r| r.patch == patch || r.running())
    {
        model.push(ScreenKind::Rollout);
        return vec![Effect::Redraw];
    }
    let row = &model.fleet.patches[patch];
    let Some(definition) = row.definition.clone() else {
        let text = format!(
            "{} has no patch definition in patches/: nothing to run. Write one first.",
            row.id
        );
        return say(model, text, true);
    };
    if let RolloutAccess::ShowOnly(reason) = &model.access {
        let text = format!("Cannot start a rollout: {reason}.");
        return say(model, text, true);
    }
    model.prompt = Some(Prompt::new(
        PromptKind::Start {
            patch,
            definition: definition.clone(),
        },
        Some(definition),
    ));
    vec![Effect::Redraw]
}

fn follow(model: &mut Model) -> Vec<Effect> {
    let selected = model.top().map(|s| s.cursor.selected);
    if !on_rollout_screen(model) {
        return vec![];
    }
    let Some(rollout) = model.rollout.as_mut() else {
        return vec![];
    };
    rollout.follow = match rollout.follow {
        Some(_) => None,
        None => selected.filter(|&i| i < rollout.hosts.len()),
    };
    vec![Effect::Redraw]
}

fn answer(model: &mut Model, command: Command) -> Vec<Effect> {
    let Some(rollout) = model.rollout.as_ref() else {
        return vec![];
    };
    let Some(question) = rollout.question.clone() else {
        return say(model, "No question is waiting for an answer.", false);
    };
    let id = Some(rollout.definition.clone());
    let into_production = match &question {
        Question::ProceedAfterWave { next_wave, .. } => rollout
            .waves
            .iter()
            .any(|w| w.number == *next_wave && w.kind != WaveKind::Staging),
        Question::RollBack { .. } => true,
    };
    let prompt = match command {
        Command::Pause => return vec![Effect::Answer(Decision::Pause), Effect::Redraw],
        Command::Abort => return vec![Effect::Answer(Decision::Abort), Effect::Redraw],
        Command::Proceed if !into_production => {
            return vec![Effect::Answer(Decision::Proceed), Effect::Redraw];
        }
        Command::Proceed => Prompt::new(PromptKind::Decide(Decision::Proceed), id),
        Command::Skip => Prompt::new(PromptKind::SkipReason, None),
        _ => Prompt::new(PromptKind::Decide(Decision::RollBack), id),
    };
    model.prompt = Some(prompt);
    vec![Effect::Redraw]
}

fn roll_back(model: &mut Model, command: Command) -> Vec<Effect> {
    let selected = model.top().map_or(0, |s| s.cursor.selected);
    let Some(rollout) = model.rollout.as_ref() else {
        return vec![];
    };
    if rollout.active {
        return say(
            model,
            "Work is running: roll back at a question (b), or once the run has ended.",
            false,
        );
    }
    let Some(host) = rollout.hosts.get(selected) else {
        return vec![];
    };
    let scope = match command {
        Command::RollBack => RollbackScope::Host(host.name.clone()),
        Command::RollBackWave => RollbackScope::Wave(host.wave),
        _ => RollbackScope::Run,
    };
    let id = Some(rollout.definition.clone());
    model.prompt = Some(Prompt::new(PromptKind::RollBack(scope), id));
    vec![Effect::Redraw]
}

/// Keys on the prompt line, Enter and Esc.
pub fn prompt(model: &mut Model, action: Action) -> Vec<Effect> {
    let Some(prompt) = model.prompt.as_mut() else {
        return vec![];
    };
    match action {
        Action::PromptEdit(request) => match prompt.input.handle(request) {
            Some(_) => vec![Effect::Redraw],
            None => vec![],
        },
        Action::PromptCancel => {
            model.prompt = None;
            say(model, "Cancelled: nothing was decided.", false)
        }
        Action::PromptSubmit => match prompt.accepted() {
            Err(why) => say(model, why, true),
            Ok(typed) => {
                let kind = prompt.kind.clone();
                model.prompt = None;
                submit(model, kind, typed)
            }
        },
        _ => vec![],
    }
}

fn submit(model: &mut Model, kind: PromptKind, typed: String) -> Vec<Effect> {
    let effect = match kind {
        PromptKind::Start { patch, definition } => {
            model.message = Some(Message::info(&format!(
                "Planning and checking {definition}..."
            )));
            Effect::StartRollout { patch, definition }
        }
        PromptKind::Decide(decision) => Effect::Answer(decision),
        PromptKind::SkipReason => Effect::Answer(Decision::Skip { reason: typed }),
        PromptKind::RollBack(scope) => {
            if let Some(rollout) = model.rollout.as_mut() {
                rollout.active = true;
                rollout.note = Some(format!("Rolling back {}...", scope.describe()));
            }
            model.work_running = true;
            Effect::RollBack(scope)
        }
    };
    vec![effect, Effect::Redraw]
}

/// What the background reports.
pub fn background(model: &mut Model, action: Action) -> Vec<Effect> {
    // Steps 3 to 7 of the checklist show the run; a batch of host output changes none of them.
    let only_output = matches!(&action, Action::Engine { events, .. } if events.iter().all(|e| {
        matches!(e, EngineEvent::Output { .. } | EngineEvent::OutputDropped { .. })
    }));
    let effects = run_report(model, action);
    if !only_output {
        model.refresh_checklist();
    }
    effects
}

fn run_report(model: &mut Model, action: Action) -> Vec<Effect> {
    match action {
        Action::RolloutStarted {
            patch,
            plan,
            plan_hash,
        } => {
            model.rollout = Some(RolloutView::new(patch, &plan, plan_hash));
            model.work_running = true;
            model.message = None;
            if !on_rollout_screen(model) {
                model.push(ScreenKind::Rollout);
            }
            vec![Effect::ReloadJournal, Effect::Redraw]
        }
        Action::Engine { events, dropped } => {
            let Some(rollout) = model.rollout.as_mut() else {
                return vec![];
            };
            rollout.dropped_lines += dropped;
            let mut decided = false;
            for event in &events {
                decided |= rollout.apply(event);
            }
            if decided {
                vec![Effect::ReloadJournal, Effect::Redraw]
            } else {
                vec![Effect::Redraw]
            }
        }
        Action::Asked(question) => {
            let Some(rollout) = model.rollout.as_mut() else {
                return vec![];
            };
            rollout.question = Some(question);
            if !on_rollout_screen(model) {
                return say(
                    model,
                    "The rollout waits for your answer: press r to open it.",
                    true,
                );
            }
            vec![Effect::Redraw]
        }
        Action::WorkEnded(result) => {
            model.work_running = false;
            let height = model.height;
            if let Some(rollout) = model.rollout.as_mut() {
                rollout.active = false;
                rollout.question = None;
                let note = match &result {
                    Ok(summary) => summary.clone(),
                    Err(why) => format!("Stopped: {why}"),
                };
                rollout.note = Some(sanitize_line(&note, 400));
                let len = rollout.hosts.len();
                for screen in model
                    .stack
                    .iter_mut()
                    .filter(|s| s.kind == ScreenKind::Rollout)
                {
                    screen
                        .cursor
                        .fit(len, screen_page(ScreenKind::Rollout, height));
                }
            }
            if let Err(why) = result {
                model.message = Some(Message::error(&why));
            }
            vec![Effect::ReloadJournal, Effect::Redraw]
        }
        _ => vec![],
    }
}

/// Failures a halted or stopped run left on hosts that were not rolled back.
pub fn unresolved_failures(model: &Model) -> usize {
    model.rollout.as_ref().map_or(0, |r| {
        if r.outcome.is_none() {
            return 0;
        }
        r.hosts.iter().filter(|h| h.state.is_failure()).count()
    })
}
