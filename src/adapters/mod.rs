//! The edges: SQLite state store and threat feeds.

pub mod feeds;
pub mod journal;
