//! How a headless rollout talks: `host | line` for every output line and step result, a line
//! per wave, a summary at the end; and, without `--yes`, questions on the terminal at gates.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};

use secureupdate::engine::{
    AnswerFuture, Decider, EngineEvent, GateKind, HostResult, Question, StepStatus,
};
use tokio::sync::mpsc::UnboundedReceiver;

/// How the hosts ended, for the summary.
#[derive(Default)]
pub struct Tally {
    hosts: BTreeMap<String, HostResult>,
}

impl Tally {
    /// No host reported anything: the run had already ended before this command.
    pub fn is_empty(&self) -> bool {
        self.hosts.is_empty()
    }

    /// `total` is the plan's host count: hosts of a halted run that never started have no
    /// result of their own.
    pub fn summary(&self, total: usize) -> String {
        let count = |keep: fn(&HostResult) -> bool| self.hosts.values().filter(|r| keep(r)).count();
        let rolled_back = count(|r| {
            matches!(
                r,
                HostResult::Failed {
                    rolled_back: true,
                    ..
                }
            )
        });
        format!(
            "{} succeeded, {} failed ({} rolled back), {} unreachable, {}{} not started",
            count(|r| *r == HostResult::Succeeded),
            count(|r| matches!(r, HostResult::Failed { .. })),
            rolled_back,
            count(|r| matches!(r, HostResult::Unreachable { .. })),
            match count(|r| matches!(r, HostResult::Unknown { .. })) {
                0 => String::new(),
                unknown => format!("{unknown} unknown, "),
            },
            total.saturating_sub(self.hosts.len()),
        )
    }
}

/// Prints events until the engine drops its sender; write errors (a closed pipe) stop the
/// printing, never the rollout.
pub async fn print_events(
    mut events: UnboundedReceiver<EngineEvent>,
    out: &mut impl Write,
) -> Tally {
    let mut tally = Tally::default();
    let mut printing = true;
    while let Some(event) = events.recv().await {
        if let EngineEvent::HostFinished { host, result, .. } = &event {
            tally.hosts.insert(host.clone(), result.clone());
        }
        if printing && let Some(line) = describe(&event) {
            printing = writeln!(out, "{line}").and_then(|()| out.flush()).is_ok();
        }
    }
    tally
}

fn describe(event: &EngineEvent) -> Option<String> {
    Some(match event {
        EngineEvent::RunStarted {
            plan_hash,
            patch,
            waves,
            hosts,
            resumed,
        } => format!(
            "{} {patch}, plan {plan_hash}: {hosts} hosts in {waves} waves",
            if *resumed { "Resuming" } else { "Rolling out" }
        ),
        EngineEvent::WaveStarted { label, hosts, .. } => format!("== {label}: {hosts} host(s)"),
        EngineEvent::Output { host, line, .. } => format!("{host} | {line}"),
        EngineEvent::StepStarted { .. } => return None,
        EngineEvent::StepFinished {
            host,
            step,
            status,
            already_done,
            ..
        } => {
            let how = match status {
                StepStatus::Succeeded => "ok".to_string(),
                StepStatus::Failed { exit_code } => format!("FAILED (exit code {exit_code})"),
                StepStatus::Lost {
                    reason,
                    unreachable: true,
                } => format!("UNREACHABLE ({reason})"),
                StepStatus::Lost { reason, .. } => format!("FAILED ({reason})"),
                StepStatus::Unknown { reason } => {
                    format!("OUTCOME UNKNOWN ({reason}); reconciled on the next run")
                }
            };
            let before = if *already_done { " (done before)" } else { "" };
            format!("{host} | -- {step}: {how}{before}")
        }
        EngineEvent::HostFinished { host, result, .. } => match result {
            HostResult::Failed { step, rolled_back } => format!(
                "{host} | == failed at {step}{}",
                if *rolled_back {
                    ", rolled back"
                } else {
                    ", NOT rolled back"
                }
            ),
            HostResult::Unreachable { step } => format!("{host} | == unreachable at {step}"),
            HostResult::Unknown { step } => {
                format!("{host} | == outcome of {step} unknown, NOT rolled back")
            }
            HostResult::Succeeded | HostResult::Untouched => return None,
        },
        EngineEvent::GateReached {
            kind: GateKind::Approval,
            wave,
        } => format!("-- approval gate before wave {wave}: plan approved"),
        EngineEvent::GateReached {
            kind: GateKind::Health,
            ..
        } => return None,
        EngineEvent::WaveFinished {
            wave,
            succeeded,
            failed,
            untouched,
            halted,
        } => format!(
            "== wave {wave}: {succeeded} ok, {failed} failed, {untouched} not started{}",
            if *halted { " — HALTED" } else { "" }
        ),
        EngineEvent::RunFinished { .. } => return None,
    })
}

/// Asks on the terminal: `y` to go on, anything else to stop (or not to roll back).
pub struct TerminalDecider;

impl Decider for TerminalDecider {
    fn ask(&self, question: Question) -> AnswerFuture {
        let prompt = match question {
            Question::ProceedAfterWave {
                wave,
                next_wave,
                succeeded,
                failed,
            } => format!(
                "Wave {wave}: {succeeded} ok, {failed} failed. Start wave {next_wave}? [y/N] "
            ),
            Question::RollBack { host, failed_step } => {
                format!("{host}: {failed_step} failed. Run the rollback? [y/N] ")
            }
        };
        Box::pin(async move {
            tokio::task::spawn_blocking(move || {
                eprint!("{prompt}");
                let mut answer = String::new();
                std::io::stdin().lock().read_line(&mut answer).is_ok()
                    && answer.trim().eq_ignore_ascii_case("y")
            })
            .await
            .unwrap_or(false)
        })
    }
}
