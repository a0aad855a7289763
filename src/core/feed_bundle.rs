//! The rules a signed feed bundle must pass against what the site already has (The Update
//! Framework's rollback, freeze and equivocation cases). Pure: the clock comes in as `now`.

use chrono::{DateTime, NaiveDate, Utc};
use thiserror::Error;

/// What the rules look at in a bundle (already signature-checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BundleFacts {
    pub feed_id: String,
    pub seq: u64,
    /// SHA-256 (hex) of the signed manifest.
    pub manifest_sha256: String,
    pub created: DateTime<Utc>,
    /// The bundle is valid until the start (00:00 UTC) of this day.
    pub expires: NaiveDate,
}

impl BundleFacts {
    /// The instant the bundle stops being valid.
    pub fn expires_at(&self) -> DateTime<Utc> {
        self.expires.and_time(chrono::NaiveTime::MIN).and_utc()
    }

    /// Whether the bundle has expired at `now`.
    pub fn is_expired(&self, now: DateTime<Utc>) -> bool {
        now >= self.expires_at()
    }
}

/// A bundle that passes the rules: import it, or it is the one already imported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BundleVerdict {
    Import,
    AlreadyImported,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BundleRefusal {
    #[error(
        "rollback refused: feed {feed_id} seq {seq} is older than seq {last} already imported; bring a newer bundle"
    )]
    Rollback {
        feed_id: String,
        seq: u64,
        last: u64,
    },
    #[error(
        "ALERT: equivocation: feed {feed_id} seq {seq} was already imported with manifest SHA-256 {imported}, and this bundle's manifest is {offered}; two different bundles carry one sequence number: report it to the feed's publisher"
    )]
    Equivocation {
        feed_id: String,
        seq: u64,
        imported: String,
        offered: String,
    },
    #[error("expired: feed {feed_id} seq {seq} expired at {expires_at}; bring a current bundle")]
    Expired {
        feed_id: String,
        seq: u64,
        expires_at: DateTime<Utc>,
    },
    #[error(
        "created {created} is older than the newest bundle already seen ({floor}): a replayed or back-dated bundle is refused"
    )]
    OlderThanFloor {
        created: DateTime<Utc>,
        floor: DateTime<Utc>,
    },
}

/// Judges `bundle` against the last bundle imported for its feed id (`last`), the newest
/// `created` of any bundle imported (`floor`, the clock for sites without a trusted one) and the
/// local clock `now`.
pub fn judge_bundle(
    bundle: &BundleFacts,
    last: Option<&BundleFacts>,
    floor: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<BundleVerdict, BundleRefusal> {
    if let Some(last) = last {
        if bundle.seq == last.seq {
            return if bundle.manifest_sha256 == last.manifest_sha256 {
                Ok(BundleVerdict::AlreadyImported)
            } else {
                Err(BundleRefusal::Equivocation {
                    feed_id: bundle.feed_id.clone(),
                    seq: bundle.seq,
                    imported: last.manifest_sha256.clone(),
                    offered: bundle.manifest_sha256.clone(),
                })
            };
        }
        if bundle.seq < last.seq {
            return Err(BundleRefusal::Rollback {
                feed_id: bundle.feed_id.clone(),
                seq: bundle.seq,
                last: last.seq,
            });
        }
    }
    if bundle.is_expired(now) {
        return Err(BundleRefusal::Expired {
            feed_id: bundle.feed_id.clone(),
            seq: bundle.seq,
            expires_at: bundle.expires_at(),
        });
    }
    if let Some(floor) = floor
        && bundle.created < floor
    {
        return Err(BundleRefusal::OlderThanFloor {
            created: bundle.created,
            floor,
        });
    }
    Ok(BundleVerdict::Import)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, day, 12, 0, 0).unwrap()
    }

    fn bundle(seq: u64, hash: &str, created: u32) -> BundleFacts {
        BundleFacts {
            feed_id: "f".into(),
            seq,
            manifest_sha256: hash.into(),
            created: at(created),
            expires: NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        }
    }

    #[test]
    fn a_newer_bundle_is_imported_and_the_same_one_again_is_a_no_op() {
        let last = bundle(1, "a", 1);
        assert_eq!(
            judge_bundle(&bundle(2, "b", 2), Some(&last), Some(at(1)), at(3)),
            Ok(BundleVerdict::Import)
        );
        assert_eq!(
            judge_bundle(&last, Some(&last), Some(at(1)), at(3)),
            Ok(BundleVerdict::AlreadyImported)
        );
    }

    #[test]
    fn rollback_equivocation_expiry_and_the_clock_floor_are_refused() {
        let last = bundle(5, "a", 5);
        assert!(matches!(
            judge_bundle(&bundle(4, "b", 6), Some(&last), None, at(7)),
            Err(BundleRefusal::Rollback { last: 5, .. })
        ));
        assert!(matches!(
            judge_bundle(&bundle(5, "b", 5), Some(&last), None, at(7)),
            Err(BundleRefusal::Equivocation { .. })
        ));
        assert!(matches!(
            judge_bundle(&bundle(6, "b", 6), Some(&last), None, at(20)),
            Err(BundleRefusal::Expired { .. })
        ));
        assert!(matches!(
            judge_bundle(&bundle(6, "b", 4), Some(&last), Some(at(5)), at(7)),
            Err(BundleRefusal::OlderThanFloor { .. })
        ));
    }

    #[test]
    fn a_bundle_expires_at_the_start_of_its_expiry_day() {
        let b = bundle(1, "a", 1);
        let last_second = Utc.with_ymd_and_hms(2026, 11, 19, 23, 59, 59).unwrap();
        assert!(!b.is_expired(last_second));
        assert!(b.is_expired(Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap()));
    }
}
