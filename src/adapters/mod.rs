//! The edges: SQLite state store, the audit journal, threat feeds and signature checks.

pub mod artifacts;
pub mod feeds;
pub mod journal;
pub mod signatures;
pub mod store;
