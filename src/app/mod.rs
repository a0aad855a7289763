//! The console's state and its rules (DESIGN.md §4, the Elm architecture): a `Model`,
//! the `Action`s that reach it, and `update`, which changes it and returns `Effect`s for
//! the runtime. No terminal I/O here: `tui` draws the model and turns keys into actions.

pub mod action;
pub mod checklist;
pub mod checklist_run;
pub mod cursor;
pub mod feed_badge;
pub mod fleet;
pub mod journal;
pub mod key;
pub mod keymap;
pub mod listing;
mod listing_update;
pub mod maintenance;
pub mod model;
mod navigation_update;
pub mod prompt;
pub mod rollout;
mod rollout_update;
pub mod update;
pub mod work;

pub use action::{Action, Effect};
pub use model::Model;
pub use update::update;
