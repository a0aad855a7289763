//! The edges: SQLite state store, the audit journal, threat feeds and the ssh executor.

pub mod feeds;
pub mod journal;
pub mod ssh;
pub mod store;
