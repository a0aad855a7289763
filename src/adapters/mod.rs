//! The edges: SQLite state store, the audit journal, threat feeds, signature checks and the
//! simulated fleet.

pub mod artifacts;
pub mod feeds;
pub mod journal;
pub mod rollout_journal;
pub mod signatures;
pub mod sim;
pub mod store;
