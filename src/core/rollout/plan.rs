//! A rollout plan: the staging cohort, then production waves, each with its hosts, steps and
//! halt threshold, and the gates between them. The plan is what approvals sign and what
//! execution checks: its hash is the SHA-256 of its canonical JSON (RFC 8785, as the journal
//! uses), so any change to hosts, steps, scripts, thresholds or the artifact changes the hash.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::definition::{ArtifactRef, StepKind, StepScripts};
use crate::core::asset::{Criticality, OsRelease};
use crate::core::journal::canonical::{CanonicalError, to_canonical_string};
use crate::core::policy::PriorityClass;

/// Bumped when the plan's JSON changes meaning, so an old hash never matches a new plan.
pub const PLAN_FORMAT: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaveKind {
    /// Staging hosts; their smoke tests gate production.
    Staging,
    /// The first production hosts: any failure halts.
    Canary,
    Production,
}

/// A host as the plan targets it; a change of address or marker directory is a new plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanHost {
    pub name: String,
    pub address: String,
    pub port: u16,
    pub user: String,
    pub os: OsRelease,
    pub criticality: Criticality,
    pub marker_dir: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wave {
    /// 1-based, in running order.
    pub number: u32,
    pub kind: WaveKind,
    /// The steps every host of the wave runs, in order (rollback is not listed: it runs only
    /// after a failed apply or verify).
    pub steps: Vec<StepKind>,
    pub hosts: Vec<PlanHost>,
    /// Halt the wave when more than this share of its hosts fail.
    pub max_fail_percentage: u8,
    /// A signed approval of this plan is needed before the wave starts.
    pub approval_before: bool,
}

impl Wave {
    /// Whether `failed` failures among the wave's hosts exceed its threshold.
    pub fn exceeds_threshold(&self, failed: usize) -> bool {
        let hosts = self.hosts.len().max(1);
        failed * 100 > usize::from(self.max_fail_percentage) * hosts
    }

    pub fn label(&self) -> String {
        match self.kind {
            WaveKind::Staging => format!("wave {} (staging)", self.number),
            WaveKind::Canary => format!("wave {} (canary)", self.number),
            WaveKind::Production => format!("wave {}", self.number),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApprovalRequirement {
    pub required: bool,
    /// Distinct approvers who must sign.
    pub approvers: u32,
    /// The approver must not be the deploying operator.
    pub two_person: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlannedPatch {
    pub id: String,
    pub title: String,
    pub fixes: Vec<String>,
    pub artifact: Option<ArtifactRef>,
    pub steps: StepScripts,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    pub format: u32,
    pub patch: PlannedPatch,
    /// The most urgent class among the findings the patch closes on its hosts.
    pub class: PriorityClass,
    pub approval: ApprovalRequirement,
    /// Hosts worked on at the same time within a wave.
    pub concurrency: u32,
    pub step_timeout_s: u32,
    pub waves: Vec<Wave>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PlanError {
    #[error("patch `{0}` targets no host in the inventory; check its [targets]")]
    NoTargets(String),
    #[error("the plan cannot be written as canonical JSON: {0}")]
    Canonical(#[from] CanonicalError),
    #[error("the plan cannot be written as JSON: {0}")]
    Json(String),
}

impl Plan {
    /// The plan's canonical JSON (RFC 8785).
    pub fn canonical_json(&self) -> Result<String, PlanError> {
        let value = serde_json::to_value(self).map_err(|e| PlanError::Json(e.to_string()))?;
        Ok(to_canonical_string(&value)?)
    }

    /// SHA-256 of the canonical JSON, 64 lowercase hex digits.
    pub fn hash(&self) -> Result<String, PlanError> {
        Ok(sha256_hex(self.canonical_json()?.as_bytes()))
    }

    pub fn host_count(&self) -> usize {
        self.waves.iter().map(|w| w.hosts.len()).sum()
    }
}

pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// The key of a host×step's lock and completion marker on the host: a digest of the run (its
/// plan hash), the host, the step, the attempt and the artifact, so another run, attempt or
/// artifact never finds this one's marker.
pub fn guard_key(
    plan_hash: &str,
    host: &str,
    step: StepKind,
    attempt: u32,
    artifact_sha256: Option<&str>,
) -> String {
    let text = format!(
        "secureupdate-guard-v1\n{plan_hash}\n{host}\n{step}\n{attempt}\n{}\n",
        artifact_sha256.unwrap_or("-")
    );
    sha256_hex(text.as_bytes())
}
