//! The terminal face of the console, and the only module that imports ratatui and
//! crossterm: terminal setup and restore, keys to actions, drawing, the event loop.

pub mod input;
pub mod render;
pub mod runtime;
pub mod style;
pub mod terminal;
