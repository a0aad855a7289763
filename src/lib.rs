//! SecureUPDATE: risk-ranked, audited security patching for Linux fleets.
//!
//! Layering (DESIGN.md §4): `core` is pure; `config` reads the site's files;
//! `adapters` hold the edges (SQLite, feeds) behind plain functions and traits.

pub mod adapters;
pub mod app;
pub mod config;
pub mod core;
pub mod engine;
pub mod tui;
