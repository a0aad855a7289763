//! The checklist of a patch: the seven steps as a stepper, and the selected step's details.
//! `update` builds the steps; this draws them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::block;
use crate::app::Model;
use crate::app::checklist::{STEP_COUNT, StepState};
use crate::app::model::Screen;
use crate::tui::style::Look;

pub fn steps(
    frame: &mut Frame,
    area: Rect,
    model: &Model,
    patch: usize,
    screen: &Screen,
    look: &Look,
) {
    let s = &look.styles;
    let p = &model.fleet.patches[patch];
    let Some(steps) = model.checklist_of(patch) else {
        return;
    };
    let stepper_height = u16::try_from(STEP_COUNT).unwrap_or(7) + 2;
    let [top, bottom] =
        Layout::vertical([Constraint::Length(stepper_height), Constraint::Fill(1)]).areas(area);
    let selected = screen.cursor.selected.min(STEP_COUNT - 1);
    let lines: Vec<Line> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let (mark, state_style) = match (step.state, look.ascii) {
                (StepState::Prepared | StepState::Done, true) => ("[x]", s.ok),
                (StepState::Prepared | StepState::Done, false) => ("[✓]", s.ok),
                (StepState::Running, _) => ("[>]", s.warn),
                (StepState::Failed, _) => ("[!]", s.error),
                (StepState::NoDefinition, _) => ("[-]", s.dim),
                (StepState::ToRun | StepState::Waiting, _) => ("[ ]", s.dim),
            };
            let pointer = if i == selected { look.pointer() } else { "  " };
            let line = Line::from(vec![
                Span::raw(pointer),
                Span::styled(mark, state_style),
                Span::raw(format!(" {}. {:<34}", i + 1, step.title)),
                Span::styled(step.state.label(), state_style),
            ]);
            if i == selected {
                line.style(s.selected)
            } else {
                line
            }
        })
        .collect();
    let title = look
        .text(&format!(
            " Checklist: #{} {} ({}) ",
            p.rank,
            p.id,
            p.class.label()
        ))
        .into_owned();
    frame.render_widget(Paragraph::new(lines).block(block(title, look)), top);

    let step = &steps[selected];
    let details: Vec<Line> = step
        .details
        .iter()
        .map(|d| Line::from(look.text(d).into_owned()))
        .collect();
    let title = format!(
        " Step {} of {STEP_COUNT}: {} ({}) ",
        selected + 1,
        step.title,
        step.state.label()
    );
    frame.render_widget(
        Paragraph::new(details)
            .block(block(title, look))
            .wrap(Wrap { trim: false })
            .scroll((screen.scroll, 0)),
        bottom,
    );
}
