//! One module per command.

pub mod assets;
mod console;
pub mod demo;
pub mod init;
pub mod patches;
mod table;
pub mod tui;
