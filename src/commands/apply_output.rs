//! How a headless rollout talks: `host | line` for every output line and step result, a line
//! per wave, a summary at the end; and, without `--yes`, questions on the terminal at gates.

use std::collections::BTreeMap;
use std::io::{BufRead, Write};
use std::sync::Arc;

use secureupdate::engine::{
    AnswerFuture, Decider, Decision, EngineEvent, EventReceiver, GateKind, HostResult, Question,
    StepStatus,
};

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
pub async fn print_events(mut events: EventReceiver, out: &mut impl Write) -> Tally {
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
        EngineEvent::OutputDropped { host, step, lines } => {
            format!("{host} | -- {step}: {lines} more line(s) not shown (output too fast)")
        }
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
        EngineEvent::Decided { decision, .. } => format!("-- decision: {}", decision.word()),
        EngineEvent::WaveSkipped { wave, reason } => format!("== wave {wave}: skipped ({reason})"),
        EngineEvent::HostRolledBack { host, ok, .. } => format!(
            "{host} | == {}",
            if *ok {
                "rolled back"
            } else {
                "rollback FAILED"
            }
        ),
    })
}

/// Asks on the terminal: `y` to go on (or roll back), anything else to stop (or to leave the
/// host as it is). Host tasks
/// run concurrently, so one question at a time holds the terminal, from its prompt until its
/// answer is read: an answer can never go to another host's question.
pub struct TerminalDecider {
    turn: Arc<tokio::sync::Mutex<()>>,
    terminal: Arc<dyn Terminal>,
}

/// Shows a prompt and reads the answer (blocking); true for yes.
trait Terminal: Send + Sync {
    fn ask(&self, prompt: &str) -> bool;
}

struct Stdio;

impl Terminal for Stdio {
    fn ask(&self, prompt: &str) -> bool {
        eprint!("{prompt}");
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer).is_ok()
            && answer.trim().eq_ignore_ascii_case("y")
    }
}

impl TerminalDecider {
    pub fn new() -> Self {
        Self::on(Arc::new(Stdio))
    }

    fn on(terminal: Arc<dyn Terminal>) -> Self {
        TerminalDecider {
            turn: Arc::new(tokio::sync::Mutex::new(())),
            terminal,
        }
    }
}

impl Decider for TerminalDecider {
    fn ask(&self, question: Question) -> AnswerFuture {
        let gate = matches!(question, Question::ProceedAfterWave { .. });
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
                format!("{host}: {failed_step} failed. Run the rollback on {host}? [y/N] ")
            }
        };
        let (turn, terminal) = (Arc::clone(&self.turn), Arc::clone(&self.terminal));
        Box::pin(async move {
            let _turn = turn.lock_owned().await;
            let yes = tokio::task::spawn_blocking(move || terminal.ask(&prompt))
                .await
                .unwrap_or(false);
            match (yes, gate) {
                (true, true) => Decision::Proceed,
                (true, false) => Decision::RollBack,
                (false, true) => Decision::Abort,
                (false, false) => Decision::Skip {
                    reason: "the operator answered no at the terminal".to_string(),
                },
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::time::{Duration, Instant};

    use secureupdate::core::rollout::StepKind;

    use super::*;

    /// Logs prompts and answers; before answering, gives a second prompt the chance to show up
    /// (it must not, while this question holds the terminal).
    struct Slow {
        log: Mutex<Vec<String>>,
    }

    impl Terminal for Slow {
        fn ask(&self, prompt: &str) -> bool {
            self.log.lock().unwrap().push(prompt.to_string());
            let until = Instant::now() + Duration::from_millis(300);
            while Instant::now() < until && self.log.lock().unwrap().len() < 2 {
                std::thread::sleep(Duration::from_millis(5));
            }
            self.log.lock().unwrap().push("answer".to_string());
            true
        }
    }

    #[test]
    fn two_hosts_asking_at_once_take_turns_and_each_prompt_names_its_host() {
        let terminal = Arc::new(Slow {
            log: Mutex::new(Vec::new()),
        });
        let decider = TerminalDecider::on(terminal.clone());
        let question = |host: &str| Question::RollBack {
            host: host.to_string(),
            failed_step: StepKind::Verify,
        };
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .build()
            .unwrap();
        let (a, b) = runtime.block_on(async {
            tokio::join!(
                decider.ask(question("app-01")),
                decider.ask(question("app-02"))
            )
        });
        assert_eq!((a, b), (Decision::RollBack, Decision::RollBack));
        let log = terminal.log.lock().unwrap().clone();
        assert_eq!(log.len(), 4, "{log:?}");
        assert_eq!(
            log[1], "answer",
            "the first question was answered before the next was shown: {log:?}"
        );
        assert_eq!(log[3], "answer", "{log:?}");
        let mut prompts = [log[0].clone(), log[2].clone()];
        prompts.sort();
        assert!(
            prompts[0].contains("Run the rollback on app-01?"),
            "{prompts:?}"
        );
        assert!(
            prompts[1].contains("Run the rollback on app-02?"),
            "{prompts:?}"
        );
    }
}
