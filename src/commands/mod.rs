//! One module per command.

pub mod apply;
mod apply_checks;
mod apply_output;
pub mod approve;
pub mod assets;
mod console;
#[cfg(test)]
mod console_snapshots;
pub mod demo;
pub mod init;
pub mod patches;
pub mod plan;
mod rollout_plan;
mod table;
pub mod tui;
