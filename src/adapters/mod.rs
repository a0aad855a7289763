//! The edges: SQLite state store, the audit journal, threat feeds and the simulated fleet.

pub mod approvals;
pub mod feeds;
pub mod journal;
pub mod rollout_journal;
pub mod sim;
pub mod store;
