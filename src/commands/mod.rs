//! One module per command.

pub mod apply;
mod apply_artifact;
mod apply_checks;
mod apply_output;
pub mod approve;
pub mod assets;
mod console;
mod console_journal;
mod console_rollout;
#[cfg(test)]
mod console_rollout_scenarios;
#[cfg(test)]
mod console_rollout_sim;
#[cfg(test)]
mod console_rollout_snapshots;
#[cfg(test)]
mod console_snapshots;
pub mod demo;
pub mod feed;
mod file_undo;
pub mod fleet;
pub mod init;
pub mod journal;
pub mod keygen;
pub mod patches;
pub mod plan;
pub mod rollback;
mod rollout_plan;
mod table;
pub mod trust;
pub mod tui;
pub mod verify;
