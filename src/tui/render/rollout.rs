//! The rollout view: waves with text gauges, the host table, the log pane (all hosts or the
//! followed one, each line prefixed with its host) and the run line with the waiting question
//! (its answer keys are in the key hints).
//! Host lines were sanitized at ingest; they are drawn as they are, only cut to the pane.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::block;
use super::chrome::fit;
use crate::app::Model;
use crate::app::model::{ROLLOUT_WAVE_ROWS, Screen, rollout_split};
use crate::app::rollout::{HostState, RolloutView, WaveState};
use crate::engine::{Question, RunOutcome};
use crate::tui::style::Look;

const GAUGE_WIDTH: usize = 10;
/// Borders, pointer, an 18-character name, the wave and 20 characters of state.
const HOST_PANE_MIN: u16 = 45;

pub fn view(frame: &mut Frame, area: Rect, model: &Model, screen: &Screen, look: &Look) {
    let Some(run) = &model.rollout else {
        return;
    };
    let (waves_rows, middle_rows, line_rows) = rollout_split(area.height);
    let [waves, middle, line] = Layout::vertical([
        Constraint::Length(waves_rows),
        Constraint::Length(middle_rows),
        Constraint::Length(line_rows),
    ])
    .areas(area);
    // On narrow terminals the host table takes a little more than half, so that a state such
    // as "UNREACHABLE at apply" fits beside an 18-character host name; the log is a tail anyway.
    let host_width = (area.width / 2 + area.width / 16).clamp(HOST_PANE_MIN, 50);
    let [hosts, log] =
        Layout::horizontal([Constraint::Length(host_width), Constraint::Fill(1)]).areas(middle);
    wave_block(frame, waves, run, look);
    host_block(frame, hosts, run, screen, look);
    log_block(frame, log, run, look);
    run_line(frame, line, run, look);
}

fn wave_block(frame: &mut Frame, area: Rect, run: &RolloutView, look: &Look) {
    let s = &look.styles;
    let (fill, empty) = if look.ascii {
        ("#", "-")
    } else {
        ("█", "░")
    };
    let current = run
        .waves
        .iter()
        .position(|w| w.state == WaveState::Running)
        .unwrap_or(0);
    let shown = usize::from(ROLLOUT_WAVE_ROWS);
    let first = current
        .saturating_sub(shown / 2)
        .min(run.waves.len().saturating_sub(shown));
    let lines: Vec<Line> = run.waves[first..]
        .iter()
        .take(shown)
        .map(|wave| {
            let (finished, failed, total) = run.wave_progress(wave.number);
            let filled = (finished * GAUGE_WIDTH).checked_div(total).unwrap_or(0);
            let (word, style) = match wave.state {
                WaveState::Waiting => ("waiting", s.dim),
                WaveState::Running => ("running", s.warn),
                WaveState::Done if failed > 0 => ("done", s.warn),
                WaveState::Done => ("done", s.ok),
                WaveState::Halted => ("HALTED", s.error),
                WaveState::Skipped => ("skipped", s.dim),
            };
            Line::from(vec![
                Span::raw(format!(" {:<18} [", wave.label)),
                Span::styled(fill.repeat(filled), style),
                Span::styled(empty.repeat(GAUGE_WIDTH - filled), s.dim),
                Span::raw(format!("] {finished:>3}/{total:<3} {failed:>2} failed  ")),
                Span::styled(word, style),
            ])
        })
        .collect();
    let hash = &run.plan_hash[..run.plan_hash.len().min(12)];
    let title = format!(" Rollout: {} plan {hash} ", run.definition);
    frame.render_widget(Paragraph::new(lines).block(block(title, look)), area);
}

fn host_style(state: HostState, look: &Look) -> Style {
    let s = &look.styles;
    match state {
        HostState::Pending | HostState::Skipped => s.dim,
        HostState::Running(_) => s.warn,
        HostState::Done => s.ok,
        HostState::RolledBack => s.warn,
        HostState::Failed(_) | HostState::Unreachable(_) | HostState::Unknown(_) => s.error,
    }
}

fn host_block(frame: &mut Frame, area: Rect, run: &RolloutView, screen: &Screen, look: &Look) {
    let s = &look.styles;
    let rows = usize::from(area.height.saturating_sub(3));
    let width = usize::from(area.width.saturating_sub(2));
    let mut lines = vec![Line::styled(
        fit("  HOST               W STATE", width, look),
        s.header,
    )];
    for (i, host) in run
        .hosts
        .iter()
        .enumerate()
        .skip(screen.cursor.offset)
        .take(rows)
    {
        let pointer = if i == screen.cursor.selected {
            look.pointer()
        } else {
            "  "
        };
        let mut state = host.state.label();
        if host.rollback_failed {
            state.push_str(", rollback FAILED");
        }
        let text = format!("{pointer}{:<18} {} ", fit(&host.name, 18, look), host.wave);
        let state_room = width.saturating_sub(text.chars().count());
        let line = Line::from(vec![
            Span::raw(text),
            Span::styled(fit(&state, state_room, look), host_style(host.state, look)),
        ]);
        lines.push(if i == screen.cursor.selected {
            line.style(s.selected)
        } else {
            line
        });
    }
    let title = format!(" Hosts {} ", run.hosts.len());
    frame.render_widget(Paragraph::new(lines).block(block(title, look)), area);
}

fn log_block(frame: &mut Frame, area: Rect, run: &RolloutView, look: &Look) {
    let width = usize::from(area.width.saturating_sub(2));
    let rows = usize::from(area.height.saturating_sub(2));
    let lines: Vec<Line> = run
        .log_tail(rows)
        .into_iter()
        .map(|(host, line)| {
            let text = format!("{host} | {}", look.text(line));
            Line::raw(fit(&text, width, look))
        })
        .collect();
    let title = match run.follow {
        Some(host) => format!(" Log: {} (f: all hosts) ", run.hosts[host].name),
        None => " Log: all hosts (f: one) ".to_string(),
    };
    frame.render_widget(Paragraph::new(lines).block(block(title, look)), area);
}

fn run_line(frame: &mut Frame, area: Rect, run: &RolloutView, look: &Look) {
    let s = &look.styles;
    let (mut text, style) = match (&run.question, run.outcome) {
        (
            Some(Question::ProceedAfterWave {
                wave,
                next_wave,
                succeeded,
                failed,
            }),
            _,
        ) => (
            format!(" Wave {wave}: {succeeded} ok, {failed} failed. Start wave {next_wave}?"),
            s.warn,
        ),
        (Some(Question::RollBack { host, failed_step }), _) => (
            format!(" {host}: {failed_step} failed. Roll it back?"),
            s.error,
        ),
        (None, _) if run.active => (
            format!(" {}", run.note.as_deref().unwrap_or("Running...")),
            s.warn,
        ),
        (None, Some(outcome)) => {
            let (word, style) = match outcome {
                RunOutcome::Done => ("Run DONE".to_string(), s.ok),
                RunOutcome::Halted { wave } => (format!("Run HALTED in wave {wave}"), s.error),
                RunOutcome::Aborted { wave } => (format!("Run STOPPED after wave {wave}"), s.error),
            };
            let note = run
                .note
                .as_deref()
                .map(|n| format!(": {n}"))
                .unwrap_or_default();
            (format!(" {word}{note}"), style)
        }
        (None, None) => (
            format!(" {}", run.note.as_deref().unwrap_or("The run stopped.")),
            s.error,
        ),
    };
    if run.dropped_lines > 0 {
        text.push_str(&format!(" ({} log lines dropped)", run.dropped_lines));
    }
    let width = usize::from(area.width);
    frame.render_widget(
        Paragraph::new(fit(&look.text(&text), width, look)).style(style),
        area,
    );
}
