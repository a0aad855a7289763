//! Rollouts, pure: patch definitions, plans (waves, gates, thresholds) and their hashes.

pub mod definition;

pub use definition::{ArtifactRef, PatchDefinition, StepKind, StepScripts, TargetSelector};
