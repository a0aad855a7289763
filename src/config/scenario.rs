//! Training scenarios for the simulated fleet (`scenarios/*.toml`): how long steps take and
//! which hosts misbehave — a failing step, a host that drops off the network, a slow step, an
//! artifact whose hash does not match. Validated like the site's own files.

use std::path::Path;

use serde::Deserialize;

use super::document::{Document, Issue};
use super::error::{ConfigError, FieldPath};
use super::names::{check_name, check_text};
use crate::core::rollout::StepKind;

/// Where a site keeps its scenarios.
pub const SCENARIOS_DIR: &str = "scenarios";

const MAX_STEP_MS: u64 = 60_000;
const MAX_SLOW_MS: u64 = 600_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FaultKind {
    /// The step exits with this (non-zero) code.
    Fail { step: StepKind, exit_code: i32 },
    /// The host stops answering from this step on.
    Drop { step: StepKind },
    /// The step takes this many milliseconds instead of the scenario's `step_ms`.
    Slow { step: StepKind, ms: u64 },
    /// The artifact arrives with another SHA-256 than the plan's.
    HashMismatch,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    pub host: String,
    pub kind: FaultKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// How long each simulated step takes, in milliseconds.
    pub step_ms: u64,
    pub faults: Vec<Fault>,
}

impl Scenario {
    /// Every host behaves; steps take `step_ms`.
    pub fn all_good(step_ms: u64) -> Scenario {
        Scenario {
            name: "all-good".to_string(),
            description: "Every host patches cleanly.".to_string(),
            step_ms,
            faults: Vec::new(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    name: String,
    description: String,
    #[serde(default = "default_step_ms")]
    step_ms: u64,
    #[serde(default)]
    fault: Vec<RawFault>,
}

fn default_step_ms() -> u64 {
    50
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
enum RawKind {
    Fail,
    Drop,
    Slow,
    HashMismatch,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFault {
    host: String,
    kind: RawKind,
    #[serde(default)]
    step: Option<StepKind>,
    #[serde(default)]
    exit_code: Option<i32>,
    #[serde(default)]
    ms: Option<u64>,
}

/// Reads a scenario; every fault must name a host in `hosts`.
pub fn load_scenario(path: &Path, hosts: &[&str]) -> Result<Scenario, ConfigError> {
    let document = Document::read(path)?;
    let raw: RawScenario = document.deserialize_top_level(&["name", "description", "step_ms"])?;
    to_scenario(raw, hosts).map_err(|issue| document.invalid(issue))
}

fn to_scenario(raw: RawScenario, hosts: &[&str]) -> Result<Scenario, Issue> {
    let root = FieldPath::root;
    check_name(&raw.name, "scenario name").map_err(|e| Issue::new(root().key("name"), e))?;
    check_text(&raw.description).map_err(|e| Issue::new(root().key("description"), e))?;
    if raw.step_ms > MAX_STEP_MS {
        return Err(Issue::new(
            root().key("step_ms"),
            format!(
                "{} is too long; expected at most {MAX_STEP_MS} ms",
                raw.step_ms
            ),
        ));
    }
    let mut faults = Vec::with_capacity(raw.fault.len());
    for (i, fault) in raw.fault.into_iter().enumerate() {
        let field = || root().key("fault").index(i);
        if !hosts.contains(&fault.host.as_str()) {
            return Err(Issue::new(
                field().key("host"),
                format!(
                    "`{}` is not in the inventory; expected the name of an asset",
                    fault.host.escape_debug()
                ),
            ));
        }
        let step = |kind: &str| {
            fault.step.ok_or_else(|| {
                Issue::new(
                    field(),
                    format!("a `{kind}` fault needs `step`, such as step = \"apply\""),
                )
            })
        };
        let refuse = |key: &str, kind: &str| {
            Issue::new(
                field().key(key),
                format!("not used by a `{kind}` fault; remove it"),
            )
        };
        let kind = match fault.kind {
            RawKind::Fail => {
                let exit_code = fault.exit_code.unwrap_or(1);
                if exit_code == 0 {
                    return Err(Issue::new(
                        field().key("exit_code"),
                        "0 is success; expected a non-zero exit code",
                    ));
                }
                if fault.ms.is_some() {
                    return Err(refuse("ms", "fail"));
                }
                FaultKind::Fail {
                    step: step("fail")?,
                    exit_code,
                }
            }
            RawKind::Drop => {
                if fault.exit_code.is_some() {
                    return Err(refuse("exit_code", "drop"));
                }
                if fault.ms.is_some() {
                    return Err(refuse("ms", "drop"));
                }
                FaultKind::Drop {
                    step: step("drop")?,
                }
            }
            RawKind::Slow => {
                if fault.exit_code.is_some() {
                    return Err(refuse("exit_code", "slow"));
                }
                let ms = fault.ms.ok_or_else(|| {
                    Issue::new(field(), "a `slow` fault needs `ms`, such as ms = 5000")
                })?;
                if ms > MAX_SLOW_MS {
                    return Err(Issue::new(
                        field().key("ms"),
                        format!("{ms} is too long; expected at most {MAX_SLOW_MS} ms"),
                    ));
                }
                FaultKind::Slow {
                    step: step("slow")?,
                    ms,
                }
            }
            RawKind::HashMismatch => {
                for (key, given) in [
                    ("step", fault.step.is_some()),
                    ("exit_code", fault.exit_code.is_some()),
                    ("ms", fault.ms.is_some()),
                ] {
                    if given {
                        return Err(refuse(key, "hash_mismatch"));
                    }
                }
                FaultKind::HashMismatch
            }
        };
        faults.push(Fault {
            host: fault.host,
            kind,
        });
    }
    Ok(Scenario {
        name: raw.name,
        description: raw.description,
        step_ms: raw.step_ms,
        faults,
    })
}
