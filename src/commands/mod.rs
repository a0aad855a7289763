//! One module per command.

pub mod assets;
mod console;
#[cfg(test)]
mod console_snapshots;
pub mod demo;
pub mod feed;
pub mod init;
pub mod patches;
mod table;
pub mod trust;
pub mod tui;
pub mod verify;
