//! `policy.toml`: classes and SLAs, the decision table, approval rules, rollout defaults and
//! maintenance windows, parsed into the core `Policy`.

use std::path::Path;

use super::document::{Document, Issue};
use super::error::{ConfigError, FieldPath};
use super::names::check_text;
use crate::core::policy::{DecisionInputs, Policy, PriorityClass};

/// A week: the longest maintenance window that makes sense for a weekly schedule.
const MAX_WINDOW_MINUTES: u32 = 7 * 24 * 60;

/// Reads and validates `policy.toml`.
pub fn load_policy(path: &Path) -> Result<Policy, ConfigError> {
    let document = Document::read(path)?;
    if document.is_blank() {
        return Err(document.invalid(Issue::new(
            FieldPath::root(),
            "the file is empty; expected default_class, [classes.*], [[decision]], [approval] and [rollout]",
        )));
    }
    let policy: Policy = document.deserialize_top_level(&["default_class"])?;
    validate(&policy).map_err(|issue| document.invalid(issue))?;
    Ok(policy)
}

fn validate(policy: &Policy) -> Result<(), Issue> {
    let root = FieldPath::root;
    for class in PriorityClass::ALL {
        let field = root().key("classes").key(class.as_str());
        let rule = policy.class_rule(class).ok_or_else(|| {
            Issue::new(
                field.clone(),
                format!(
                    "missing; expected [classes.{class}] with sla_days (every class needs an SLA)"
                ),
            )
        })?;
        if rule.sla_days == 0 {
            return Err(Issue::new(
                field.key("sla_days"),
                "0; expected a number of days of at least 1",
            ));
        }
    }
    if policy.decision.is_empty() {
        return Err(Issue::new(
            root().key("decision"),
            "no [[decision]] rows; expected a table covering all 16 yes/no combinations of kev, internet_facing, automatable and total_impact",
        ));
    }
    if let Some(gap) = policy.uncovered_combinations().first() {
        return Err(Issue::new(
            root().key("decision"),
            format!(
                "no row matches {}; expected the rows to cover every combination (end the table with a row that has only `class` to catch the rest)",
                describe(gap)
            ),
        ));
    }
    let approval = root().key("approval");
    if !policy.approval.require_for.is_empty() && policy.approval.approvers == 0 {
        return Err(Issue::new(
            approval.key("approvers"),
            "0, but require_for names classes that need approval; expected at least 1",
        ));
    }
    let rollout = root().key("rollout");
    if policy.rollout.waves.is_empty() {
        return Err(Issue::new(
            rollout.key("waves"),
            "empty; expected at least one wave, such as [1, \"10%\", \"100%\"]",
        ));
    }
    if policy.rollout.max_fail_percentage > 100 {
        return Err(Issue::new(
            rollout.key("max_fail_percentage"),
            format!(
                "{} is out of range; expected a percentage from 0 to 100",
                policy.rollout.max_fail_percentage
            ),
        ));
    }
    if policy.rollout.concurrency == 0 {
        return Err(Issue::new(
            rollout.key("concurrency"),
            "0; expected at least 1 host at a time",
        ));
    }
    if policy.journal.checkpoint_every == 0 {
        return Err(Issue::new(
            root().key("journal").key("checkpoint_every"),
            "0; expected a number of entries of at least 1",
        ));
    }
    for (i, window) in policy.windows.iter().enumerate() {
        let field = root().key("window").index(i);
        check_text(&window.name).map_err(|e| Issue::new(field.clone().key("name"), e))?;
        if let Some(first) = policy.windows[..i]
            .iter()
            .position(|w| w.name == window.name)
        {
            return Err(Issue::new(
                field.key("name"),
                format!(
                    "window `{}` is already defined as window[{first}]; expected unique names",
                    window.name
                ),
            ));
        }
        if !(1..=MAX_WINDOW_MINUTES).contains(&window.duration_minutes) {
            return Err(Issue::new(
                field.key("duration_minutes"),
                format!(
                    "{} is out of range; expected 1 to {MAX_WINDOW_MINUTES} minutes (one week)",
                    window.duration_minutes
                ),
            ));
        }
        if window.days.is_empty() {
            return Err(Issue::new(
                field.key("days"),
                "empty; expected at least one of mon, tue, wed, thu, fri, sat, sun",
            ));
        }
        if window.environments.is_empty() {
            return Err(Issue::new(
                field.key("environments"),
                "empty; expected at least one of staging, production",
            ));
        }
    }
    Ok(())
}

/// `kev = no, internet_facing = yes, automatable = no, total_impact = no`.
fn describe(inputs: &DecisionInputs) -> String {
    let word = |value: bool| if value { "yes" } else { "no" };
    let known = |value: Option<bool>| value.map_or("unknown", word);
    format!(
        "kev = {}, internet_facing = {}, automatable = {}, total_impact = {}",
        word(inputs.kev),
        word(inputs.internet_facing),
        known(inputs.automatable),
        known(inputs.total_impact)
    )
}
