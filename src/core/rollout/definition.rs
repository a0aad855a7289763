//! A patch definition (`patches/*.toml`) once validated: what it fixes, which hosts it targets,
//! the artifact it ships and the shell text of each checklist step.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::core::asset::{Asset, Environment, OsRelease};

/// The steps a host goes through, in the order they run. `Rollback` only runs after a failed
/// `Apply` or `Verify`; `Smoke` only on staging hosts; `Upload` only when there is an artifact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StepKind {
    Precheck,
    Backup,
    Upload,
    Apply,
    Verify,
    Smoke,
    Rollback,
}

impl StepKind {
    pub const ALL: [StepKind; 7] = [
        StepKind::Precheck,
        StepKind::Backup,
        StepKind::Upload,
        StepKind::Apply,
        StepKind::Verify,
        StepKind::Smoke,
        StepKind::Rollback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Precheck => "precheck",
            StepKind::Backup => "backup",
            StepKind::Upload => "upload",
            StepKind::Apply => "apply",
            StepKind::Verify => "verify",
            StepKind::Smoke => "smoke",
            StepKind::Rollback => "rollback",
        }
    }

    pub fn parse(text: &str) -> Option<StepKind> {
        StepKind::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

impl fmt::Display for StepKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Shell text per step; only `apply` is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepScripts {
    pub precheck: Option<String>,
    pub backup: Option<String>,
    pub apply: String,
    pub verify: Option<String>,
    pub rollback: Option<String>,
    /// Staging smoke and regression tests; their results gate production.
    pub smoke: Option<String>,
}

impl StepScripts {
    /// The script for a step that runs a script (`Upload` has none).
    pub fn script(&self, step: StepKind) -> Option<&str> {
        match step {
            StepKind::Precheck => self.precheck.as_deref(),
            StepKind::Backup => self.backup.as_deref(),
            StepKind::Upload => None,
            StepKind::Apply => Some(&self.apply),
            StepKind::Verify => self.verify.as_deref(),
            StepKind::Smoke => self.smoke.as_deref(),
            StepKind::Rollback => self.rollback.as_deref(),
        }
    }
}

/// Which hosts a patch is for. Each non-empty list must match (a host matches a list when it
/// has any of its values); a patch must name at least one list.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetSelector {
    pub names: Vec<String>,
    pub groups: Vec<String>,
    pub tags: Vec<String>,
    pub environments: Vec<Environment>,
    pub os: Vec<OsRelease>,
}

impl TargetSelector {
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
            && self.groups.is_empty()
            && self.tags.is_empty()
            && self.environments.is_empty()
            && self.os.is_empty()
    }

    pub fn matches(&self, asset: &Asset) -> bool {
        let any_of = |wanted: &[String], has: &[String]| {
            wanted.is_empty() || wanted.iter().any(|w| has.contains(w))
        };
        !self.is_empty()
            && (self.names.is_empty() || self.names.contains(&asset.name))
            && any_of(&self.groups, &asset.groups)
            && any_of(&self.tags, &asset.tags)
            && (self.environments.is_empty() || self.environments.contains(&asset.environment))
            && (self.os.is_empty() || self.os.contains(&asset.os))
    }
}

/// A file shipped to each host before `apply`, checked against its SHA-256 on the host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArtifactRef {
    /// As written in the patch file (relative to the site unless absolute).
    pub path: String,
    /// 64 lowercase hex digits.
    pub sha256: String,
    /// The minisign signature file, when the artifact is signed.
    pub signature: Option<String>,
}

impl ArtifactRef {
    /// The file name, which the artifact keeps on the host.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatchDefinition {
    pub id: String,
    pub title: String,
    /// Advisory ids and CVE ids the patch closes.
    pub fixes: Vec<String>,
    pub targets: TargetSelector,
    pub artifact: Option<ArtifactRef>,
    pub steps: StepScripts,
}
