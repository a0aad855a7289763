//! One module per command.

pub mod assets;
mod console;
mod console_journal;
#[cfg(test)]
mod console_snapshots;
pub mod demo;
mod file_undo;
pub mod init;
pub mod journal;
pub mod keygen;
pub mod patches;
mod table;
pub mod tui;
