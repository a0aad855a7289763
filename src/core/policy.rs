//! Patch policy: priority classes with SLAs, the decision table that assigns them,
//! approval rules, rollout waves and maintenance windows.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{NaiveTime, Weekday};
use serde::{Deserialize, Serialize};

use super::asset::Environment;

/// Priority classes, most urgent first (the derived order ranks `Critical` lowest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PriorityClass {
    Critical,
    High,
    Medium,
    Low,
    OnUpgrade,
}

impl PriorityClass {
    pub const ALL: [PriorityClass; 5] = [
        PriorityClass::Critical,
        PriorityClass::High,
        PriorityClass::Medium,
        PriorityClass::Low,
        PriorityClass::OnUpgrade,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PriorityClass::Critical => "critical",
            PriorityClass::High => "high",
            PriorityClass::Medium => "medium",
            PriorityClass::Low => "low",
            PriorityClass::OnUpgrade => "on-upgrade",
        }
    }

    /// The short label the console and tables show.
    pub fn label(self) -> &'static str {
        match self {
            PriorityClass::Critical => "CRIT",
            PriorityClass::High => "HIGH",
            PriorityClass::Medium => "MED",
            PriorityClass::Low => "LOW",
            PriorityClass::OnUpgrade => "UPG",
        }
    }
}

impl fmt::Display for PriorityClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassRule {
    /// Days from first seen to the deadline.
    pub sla_days: u32,
    /// Whether a finding in this class also calls for forensic triage of the host.
    #[serde(default)]
    pub forensic_triage: bool,
}

/// A decision-table cell: `yes`, `no`, or `any`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Condition {
    #[default]
    Any,
    Yes,
    No,
}

impl Condition {
    pub fn matches(self, value: bool) -> bool {
        match self {
            Condition::Any => true,
            Condition::Yes => value,
            Condition::No => !value,
        }
    }
}

/// One row of the decision table; rows are tried in order and the first match wins.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecisionRule {
    #[serde(default)]
    pub kev: Condition,
    #[serde(default)]
    pub internet_facing: Condition,
    #[serde(default)]
    pub automatable: Condition,
    #[serde(default)]
    pub total_impact: Condition,
    pub class: PriorityClass,
}

impl DecisionRule {
    fn matches(
        &self,
        kev: bool,
        internet_facing: bool,
        automatable: bool,
        total_impact: bool,
    ) -> bool {
        self.kev.matches(kev)
            && self.internet_facing.matches(internet_facing)
            && self.automatable.matches(automatable)
            && self.total_impact.matches(total_impact)
    }
}

/// What the decision table looks at for one finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecisionInputs {
    pub kev: bool,
    pub internet_facing: bool,
    pub automatable: Option<bool>,
    pub total_impact: Option<bool>,
}

/// A class and the decision row (0-based) that gave it; `None` for the default class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub class: PriorityClass,
    pub row: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRules {
    /// Classes whose production rollouts need a signed approval first.
    pub require_for: Vec<PriorityClass>,
    /// How many distinct approvers must sign.
    pub approvers: u32,
    /// The approver must not be the operator who deploys.
    pub two_person: bool,
}

/// A wave size: a number of hosts or a percentage of the remaining production hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaveSize {
    Hosts(u32),
    Percent(u8),
}

impl fmt::Display for WaveSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WaveSize::Hosts(n) => write!(f, "{n}"),
            WaveSize::Percent(p) => write!(f, "{p}%"),
        }
    }
}

impl Serialize for WaveSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            WaveSize::Hosts(n) => s.serialize_u32(*n),
            WaveSize::Percent(_) => s.collect_str(self),
        }
    }
}

impl<'de> Deserialize<'de> for WaveSize {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Hosts(i64),
            Text(String),
        }
        let expected = "a host count such as 1 or a percentage such as \"10%\" (1% to 100%)";
        match Raw::deserialize(d)
            .map_err(|_| serde::de::Error::custom(format!("expected {expected}")))?
        {
            Raw::Hosts(n) if n >= 1 && n <= i64::from(u32::MAX) => Ok(WaveSize::Hosts(n as u32)),
            Raw::Text(t) => t
                .strip_suffix('%')
                .and_then(|p| p.trim().parse::<u8>().ok())
                .filter(|p| (1..=100).contains(p))
                .map(WaveSize::Percent)
                .ok_or_else(|| serde::de::Error::custom(format!("`{t}`: expected {expected}"))),
            Raw::Hosts(n) => Err(serde::de::Error::custom(format!(
                "`{n}`: expected {expected}"
            ))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RolloutDefaults {
    pub waves: Vec<WaveSize>,
    /// Halt a wave when more than this share of its hosts fail (0 to 100).
    pub max_fail_percentage: u8,
    /// Hosts patched at the same time inside a wave.
    pub concurrency: u32,
}

/// A recurring maintenance window, in UTC.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaintenanceWindow {
    pub name: String,
    #[serde(with = "weekdays")]
    pub days: Vec<Weekday>,
    /// Start time, `HH:MM` UTC.
    #[serde(with = "hour_minute")]
    pub start: NaiveTime,
    pub duration_minutes: u32,
    pub environments: Vec<Environment>,
}

mod weekdays {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer, ser::SerializeSeq};

    const NAMES: [(&str, Weekday); 7] = [
        ("mon", Weekday::Mon),
        ("tue", Weekday::Tue),
        ("wed", Weekday::Wed),
        ("thu", Weekday::Thu),
        ("fri", Weekday::Fri),
        ("sat", Weekday::Sat),
        ("sun", Weekday::Sun),
    ];

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(days.len()))?;
        for day in days {
            let name = NAMES
                .iter()
                .find(|(_, d)| d == day)
                .map_or("mon", |(n, _)| n);
            seq.serialize_element(name)?;
        }
        seq.end()
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        let names = Vec::<String>::deserialize(d)?;
        names
            .iter()
            .map(|name| {
                NAMES
                    .iter()
                    .find(|(n, _)| *n == name.to_ascii_lowercase())
                    .map(|(_, d)| *d)
                    .ok_or_else(|| {
                        serde::de::Error::custom(format!(
                            "`{name}` is not a day; expected mon, tue, wed, thu, fri, sat or sun"
                        ))
                    })
            })
            .collect()
    }
}

mod hour_minute {
    use chrono::NaiveTime;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &NaiveTime, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&t.format("%H:%M"))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveTime, D::Error> {
        let text = String::deserialize(d)?;
        NaiveTime::parse_from_str(&text, "%H:%M").map_err(|_| {
            serde::de::Error::custom(format!("`{text}` is not a time; expected HH:MM (UTC)"))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub classes: BTreeMap<PriorityClass, ClassRule>,
    /// The class when SSVC automatable or technical impact is unknown, or no row matches.
    pub default_class: PriorityClass,
    pub decision: Vec<DecisionRule>,
    pub approval: ApprovalRules,
    pub rollout: RolloutDefaults,
    #[serde(default, rename = "window")]
    pub windows: Vec<MaintenanceWindow>,
    #[serde(default)]
    pub journal: JournalPolicy,
    #[serde(default)]
    pub rollback: RollbackRules,
}

/// How often the audit journal is sealed with a signed checkpoint while rollouts write to it
/// (checkpoints are also written at the end of every rollout, on demand and as the console
/// closes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JournalPolicy {
    /// A checkpoint after every this many new entries (at least 1).
    pub checkpoint_every: u64,
}

impl Default for JournalPolicy {
    fn default() -> Self {
        JournalPolicy {
            checkpoint_every: 200,
        }
    }
}

/// What happens when a host fails its post-deploy checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RollbackMode {
    /// Run the patch's rollback at once; the policy's decision is journaled.
    Automatic,
    /// Ask the operator (headless `--yes` answers yes).
    #[default]
    Ask,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RollbackRules {
    /// A host whose `verify` step failed.
    #[serde(default)]
    pub on_failed_verify: RollbackMode,
}

impl Policy {
    /// The class for a finding: unknown SSVC inputs give the default class (DESIGN.md §1).
    pub fn decide(&self, inputs: DecisionInputs) -> Decision {
        let fallback = Decision {
            class: self.default_class,
            row: None,
        };
        let (Some(automatable), Some(total_impact)) = (inputs.automatable, inputs.total_impact)
        else {
            return fallback;
        };
        self.decision
            .iter()
            .position(|rule| {
                rule.matches(
                    inputs.kev,
                    inputs.internet_facing,
                    automatable,
                    total_impact,
                )
            })
            .map_or(fallback, |row| Decision {
                class: self.decision[row].class,
                row: Some(row),
            })
    }

    pub fn class_rule(&self, class: PriorityClass) -> Option<&ClassRule> {
        self.classes.get(&class)
    }

    /// Combinations of known inputs that no decision row covers, for validation.
    pub fn uncovered_combinations(&self) -> Vec<DecisionInputs> {
        (0..16u8)
            .map(|bits| (bits & 1 != 0, bits & 2 != 0, bits & 4 != 0, bits & 8 != 0))
            .filter(|&(kev, internet, automatable, total)| {
                !self
                    .decision
                    .iter()
                    .any(|rule| rule.matches(kev, internet, automatable, total))
            })
            .map(
                |(kev, internet_facing, automatable, total_impact)| DecisionInputs {
                    kev,
                    internet_facing,
                    automatable: Some(automatable),
                    total_impact: Some(total_impact),
                },
            )
            .collect()
    }
}
