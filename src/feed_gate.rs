//! Ranking on an expired feed bundle needs the operator's explicit, journaled override
//! (`--accept-expired-feed REASON --operator NAME`); the console shows a banner while it lasts.

use std::path::Path;

use anyhow::Result;
use chrono::Utc;
use secureupdate::adapters::store::BundleRecord;
use secureupdate::app::feed_badge::{ExpiredOverride, FeedBadge};
use secureupdate::core::journal::EntryKind;
use serde_json::json;

use crate::assessment::Assessment;
use crate::exit::usage;
use crate::{decision, operator_key};

/// Longest override reason, in characters.
const MAX_REASON: usize = 200;

#[derive(Debug, thiserror::Error)]
#[error(
    "feed {feed_id} seq {seq} expired on {expires}: the ranking would rest on stale threat data. Import a current bundle (`secureupdate feed import DIR`), or rank anyway with `--accept-expired-feed REASON --operator NAME` (journaled)"
)]
pub struct FeedExpired {
    feed_id: String,
    seq: u64,
    expires: chrono::NaiveDate,
}

/// The bundle that expires first, which is what the status bar shows.
fn soonest(assessment: &Assessment) -> Option<&BundleRecord> {
    assessment.bundles.iter().min_by_key(|b| b.expires)
}

/// Refuses to rank on an expired bundle unless `reason` is given; then journals the override
/// as `operator`'s decision and keeps it on the assessment.
pub fn enforce(
    assessment: &mut Assessment,
    operator: Option<&str>,
    secret: Option<&Path>,
    reason: Option<&str>,
    command: &str,
) -> Result<()> {
    let now = Utc::now();
    let Some(expired) = soonest(assessment).filter(|b| b.facts().is_expired(now)) else {
        return Ok(());
    };
    let Some(reason) = reason else {
        return Err(anyhow::Error::new(FeedExpired {
            feed_id: expired.feed_id.clone(),
            seq: expired.seq,
            expires: expired.expires,
        }));
    };
    let reason = reason.trim();
    if reason.is_empty()
        || reason.chars().count() > MAX_REASON
        || reason.chars().any(char::is_control)
    {
        return Err(usage(format!(
            "--accept-expired-feed: expected a reason of 1-{MAX_REASON} characters on one line"
        )));
    }
    let Some(operator) = operator else {
        return Err(usage(
            "--accept-expired-feed needs --operator NAME: the override is journaled as that operator's decision",
        ));
    };
    let signer = operator_key::unlock_operator(&assessment.site, operator, secret)?;
    let payload = json!({
        "feed_id": expired.feed_id,
        "seq": expired.seq,
        "expires": expired.expires,
        "command": command,
        "reason": reason,
    });
    let subject = format!(
        "rank on expired feed {} seq {}",
        expired.feed_id, expired.seq
    );
    decision::record(
        &assessment.site.dir,
        &signer,
        EntryKind::FeedOverride,
        &subject,
        &payload,
    )?;
    eprintln!(
        "warning: ranking on EXPIRED feed {} seq {} (expired {}) by {operator}'s journaled override: {reason}",
        expired.feed_id, expired.seq, expired.expires
    );
    assessment.signer = Some(signer);
    assessment.expired_override = Some(ExpiredOverride {
        operator: operator.to_string(),
        reason: reason.to_string(),
    });
    Ok(())
}

/// What the console's status bar shows of the bundles.
pub fn badge(assessment: &Assessment) -> Option<FeedBadge> {
    soonest(assessment).map(|b| FeedBadge {
        feed_id: b.feed_id.clone(),
        seq: b.seq,
        expires_at: b.facts().expires_at(),
        expired_override: assessment.expired_override.clone(),
    })
}
