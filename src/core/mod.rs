//! The domain, pure: no terminal, runtime, database or SSH; the clock arrives as an argument.

pub mod advisory;
pub mod asset;
pub mod cvss_score;
pub mod finding;
pub mod journal;
pub mod patch;
pub mod policy;
pub mod reasons;
pub mod risk;
pub mod rollout;
pub mod sanitize;
pub mod threat;
pub mod version;
