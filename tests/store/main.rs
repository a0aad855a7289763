//! The state store and the site lock, on real SQLite files and real locks in tempdirs.

mod bundles;
mod database;
mod feeds;
mod findings;
mod lock;
mod sample;
