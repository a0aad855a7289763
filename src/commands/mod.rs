//! One module per command.

pub mod assets;
pub mod demo;
pub mod init;
pub mod patches;
mod table;
