//! Attempts: a halted run retried (`Engine::retry`) runs each host that failed again under a
//! new attempt number, so its guard keys, locks and markers are new, while what succeeded stays
//! done. A host's attempt is the latest it has records for, plus one when that attempt failed
//! and the run has been retried since.

use std::collections::HashMap;

use super::ports::StepRecord;
use super::run::RunContext;
use crate::core::rollout::StepKind;

/// Every host starts with attempt 1.
pub(crate) const FIRST_ATTEMPT: u32 = 1;

type Records = HashMap<(String, StepKind, u32), StepRecord>;

fn failed(record: &StepRecord) -> bool {
    match record {
        StepRecord::Finished { exit_code } => *exit_code != 0,
        StepRecord::Failed { .. } => true,
        // An open intent is reconciled under its own attempt, never run anew.
        StepRecord::Intent { .. } => false,
    }
}

/// The attempt each host with records runs under, in a run at `run_attempt`.
pub(crate) fn host_attempts(records: &Records, run_attempt: u32) -> HashMap<String, u32> {
    let mut latest: HashMap<String, u32> = HashMap::new();
    for (host, _, attempt) in records.keys() {
        let entry = latest.entry(host.clone()).or_insert(*attempt);
        *entry = (*entry).max(*attempt);
    }
    latest
        .into_iter()
        .map(|(host, attempt)| {
            let any_failed = records
                .iter()
                .any(|((h, _, a), record)| *h == host && *a == attempt && failed(record));
            let next = if any_failed && attempt < run_attempt {
                attempt + 1
            } else {
                attempt
            };
            (host, next)
        })
        .collect()
}

/// The attempt `host` runs under in this run.
pub(crate) fn attempt_of<E>(ctx: &RunContext<E>, host: &str) -> u32 {
    ctx.attempts.get(host).copied().unwrap_or(FIRST_ATTEMPT)
}

/// The record standing for `host`'s `step` in `attempt`: its own, or — for the steps before
/// the host is changed, which a rollback does not undo — one that succeeded in an earlier
/// attempt. Apply and every check after it run again in a new attempt.
pub(crate) fn record_for<'a, E>(
    ctx: &'a RunContext<E>,
    host: &str,
    step: StepKind,
    attempt: u32,
) -> Option<&'a StepRecord> {
    let key = |a: u32| (host.to_string(), step, a);
    if let Some(record) = ctx.records.get(&key(attempt)) {
        return Some(record);
    }
    if !matches!(
        step,
        StepKind::Precheck | StepKind::Backup | StepKind::Upload
    ) {
        return None;
    }
    (FIRST_ATTEMPT..attempt)
        .rev()
        .filter_map(|earlier| ctx.records.get(&key(earlier)))
        .find(|record| matches!(record, StepRecord::Finished { exit_code: 0 }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn records(entries: &[(&str, StepKind, u32, StepRecord)]) -> Records {
        entries
            .iter()
            .map(|(h, s, a, r)| ((h.to_string(), *s, *a), r.clone()))
            .collect()
    }

    #[test]
    fn only_hosts_that_failed_before_the_retry_get_a_new_attempt() {
        let ok = StepRecord::Finished { exit_code: 0 };
        let bad = StepRecord::Finished { exit_code: 1 };
        let open = StepRecord::Intent {
            guard_key: "k".to_string(),
        };
        let all = records(&[
            ("a", StepKind::Apply, 1, ok.clone()),
            ("b", StepKind::Apply, 1, bad.clone()),
            ("c", StepKind::Apply, 1, open),
            ("d", StepKind::Apply, 1, bad.clone()),
            ("d", StepKind::Apply, 2, bad),
        ]);
        let not_retried = host_attempts(&all, 1);
        assert_eq!(not_retried["b"], 1, "a crash resume does not retry");
        let retried = host_attempts(&all, 2);
        assert_eq!(retried["a"], 1);
        assert_eq!(retried["b"], 2);
        assert_eq!(
            retried["c"], 1,
            "an unknown outcome is reconciled, not rerun"
        );
        assert_eq!(retried["d"], 2, "failed again in this retry: stays failed");
        assert_eq!(host_attempts(&all, 3)["d"], 3);
    }
}
