//! The site's state database (`state.db`, SQLite in WAL mode) and the lock that keeps
//! one secureupdate process per site.
//!
//! State can be rebuilt from the site's files and feeds; the audit journal, which
//! cannot, lives elsewhere (`journal.db`).

mod bundles;
mod database;
mod error;
mod feed_tables;
mod feeds;
mod findings;
mod lock;
mod migrations;
mod rollouts;
mod rows;
mod run_decisions;
mod run_journaling;
mod vex_tables;

pub use bundles::{BUNDLE_SOURCE_PREFIX, BundleRecord};
pub use database::{Settings, StateStore};
pub use error::StoreError;
pub use feeds::FeedStatus;
pub use lock::{LOCK_FILE_NAME, SiteLock};
pub use rollouts::StoredPlan;
