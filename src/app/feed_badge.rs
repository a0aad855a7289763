//! The signed feed bundle the ranking rests on, as the status bar shows it: its sequence and
//! expiry, and the operator's override when it has expired.

use chrono::{DateTime, Utc};

/// An operator's journaled decision to rank on an expired feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpiredOverride {
    pub operator: String,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedBadge {
    pub feed_id: String,
    pub seq: u64,
    pub expires_at: DateTime<Utc>,
    pub expired_override: Option<ExpiredOverride>,
}

impl FeedBadge {
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at
    }
}
