//! The edges: SQLite state store, the audit journal, threat feeds, signature checks, the
//! simulated fleet and the ssh executor.

pub mod approvals;
pub mod artifacts;
pub mod console_bridge;
pub mod feeds;
pub mod journal;
pub mod rollout_journal;
pub mod signatures;
pub mod sim;
pub mod ssh;
pub mod store;
