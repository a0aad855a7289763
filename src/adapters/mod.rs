//! The edges: SQLite state store, the audit journal and threat feeds.

pub mod feeds;
pub mod journal;
pub mod store;
