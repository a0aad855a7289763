//! Drives rollouts: takes a stored plan, asks an executor to run steps, writes state and journal
//! through ports and emits events. No terminal code.

pub mod executor;
