//! Rollouts, pure: patch definitions, plans (waves, gates, thresholds) and their hashes.

pub mod definition;
pub mod plan;
pub mod waves;

pub use definition::{ArtifactRef, PatchDefinition, StepKind, StepScripts, TargetSelector};
pub use plan::{
    ApprovalRequirement, PLAN_FORMAT, Plan, PlanError, PlanHost, PlannedPatch, Wave, WaveKind,
    guard_key,
};
pub use waves::{PlanInputs, build_plan};
