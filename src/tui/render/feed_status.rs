//! The feed part of the status bar (age of the data, the bundle's expiry) and the banner on
//! the tab line while the operator ranks on an expired feed.

use chrono::{DateTime, Utc};
use ratatui::style::Style;
use ratatui::text::Span;

use super::status_fit::StatusPart;
use crate::app::fleet::SiteFacts;
use crate::app::maintenance::short_duration;
use crate::tui::style::Look;

/// `feeds 3h00m old`, then for a bundle `#7 exp 5d00h`, or `FEED EXPIRED 2d00h` in the error
/// style, which is never dropped from a narrow status bar.
pub fn feed_parts(site: &SiteFacts, now: DateTime<Utc>, look: &Look) -> Vec<StatusPart> {
    let s = &look.styles;
    let age = match site.feeds_loaded_at {
        None => StatusPart {
            text: "feeds: none loaded".to_string(),
            short: Some("no feeds".to_string()),
            style: Style::default(),
            give_way: Some(0),
        },
        Some(at) => {
            let age = short_duration(now - at);
            StatusPart {
                text: format!("feeds {age} old"),
                short: Some(format!("feeds {age}")),
                style: Style::default(),
                give_way: Some(0),
            }
        }
    };
    let mut parts = vec![age];
    if let Some(badge) = &site.feed_bundle {
        parts.push(if badge.is_expired(now) {
            StatusPart {
                text: format!("FEED EXPIRED {}", short_duration(now - badge.expires_at)),
                short: Some("FEED EXPIRED".to_string()),
                style: s.status.patch(s.error),
                give_way: None,
            }
        } else {
            let left = short_duration(badge.expires_at - now);
            StatusPart {
                text: format!("#{} exp {left}", badge.seq),
                short: Some(format!("exp {left}")),
                style: Style::default(),
                give_way: Some(0),
            }
        });
    }
    parts
}

/// ` ! RANKED ON EXPIRED FEED (override)` while an override lasts.
pub fn override_banner(site: &SiteFacts, look: &Look) -> Option<Span<'static>> {
    let badge = site.feed_bundle.as_ref()?;
    badge.expired_override.as_ref()?;
    let s = &look.styles;
    Some(Span::styled(
        "  ! RANKED ON EXPIRED FEED (override)",
        s.error,
    ))
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;
    use crate::app::feed_badge::{ExpiredOverride, FeedBadge};
    use crate::app::fleet::RolloutSummary;
    use crate::config::load_theme;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 26, 12, 0, 0).unwrap()
    }

    fn site(expires_in: Duration, expired_override: Option<ExpiredOverride>) -> SiteFacts {
        SiteFacts {
            name: "site".into(),
            operator: None,
            feeds_loaded_at: Some(now() - Duration::hours(3)),
            feed_bundle: Some(FeedBadge {
                feed_id: "northwind".into(),
                seq: 7,
                expires_at: now() + expires_in,
                expired_override,
            }),
            windows: Vec::new(),
            rollout: RolloutSummary::default(),
        }
    }

    fn text(parts: &[StatusPart]) -> String {
        parts
            .iter()
            .map(|p| p.text.as_str())
            .collect::<Vec<_>>()
            .join(" | ")
    }

    #[test]
    fn a_current_bundle_shows_its_seq_and_time_to_expiry() {
        let look = Look::new(&load_theme("mono", None).unwrap(), true);
        let parts = feed_parts(&site(Duration::days(5), None), now(), &look);
        assert_eq!(text(&parts), "feeds 3h00m old | #7 exp 5d00h");
        assert!(override_banner(&site(Duration::days(5), None), &look).is_none());
    }

    #[test]
    fn an_expired_bundle_says_so_and_an_override_raises_the_banner() {
        let look = Look::new(&load_theme("mono", None).unwrap(), true);
        let reason = ExpiredOverride {
            operator: "alice".into(),
            reason: "courier late".into(),
        };
        let expired = site(-Duration::days(2), Some(reason));
        let parts = feed_parts(&expired, now(), &look);
        assert_eq!(text(&parts), "feeds 3h00m old | FEED EXPIRED 2d00h");
        assert_eq!(parts[1].give_way, None, "never dropped from a narrow bar");
        let banner = override_banner(&expired, &look).unwrap();
        assert!(banner.content.contains("RANKED ON EXPIRED FEED"));
    }
}
