//! The feed part of the status bar (age of the data, the bundle's expiry) and the banner on
//! the tab line while the operator ranks on an expired feed.

use chrono::{DateTime, Utc};
use ratatui::text::Span;

use crate::app::fleet::SiteFacts;
use crate::app::maintenance::short_duration;
use crate::tui::style::Look;

/// `feeds 3h old`, then `#7 exp 5d` for a bundle, or `FEED EXPIRED 2d` in the error style.
pub fn feed_spans(site: &SiteFacts, now: DateTime<Utc>, look: &Look) -> Vec<Span<'static>> {
    let s = &look.styles;
    let age = match site.feeds_loaded_at {
        None => "feeds: none loaded".to_string(),
        Some(at) => format!("feeds {} old", short_duration(now - at)),
    };
    let mut spans = vec![Span::raw(age)];
    if let Some(badge) = &site.feed_bundle {
        if badge.is_expired(now) {
            spans.push(Span::styled(
                format!(" FEED EXPIRED {}", short_duration(now - badge.expires_at)),
                s.status.patch(s.error),
            ));
        } else {
            spans.push(Span::raw(format!(
                " #{} exp {}",
                badge.seq,
                short_duration(badge.expires_at - now)
            )));
        }
    }
    spans
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

    fn text(spans: &[Span]) -> String {
        spans.iter().map(|s| s.content.as_ref()).collect()
    }

    #[test]
    fn a_current_bundle_shows_its_seq_and_time_to_expiry() {
        let look = Look::new(&load_theme("mono", None).unwrap(), true);
        let spans = feed_spans(&site(Duration::days(5), None), now(), &look);
        assert_eq!(text(&spans), "feeds 3h00m old #7 exp 5d00h");
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
        assert_eq!(
            text(&feed_spans(&expired, now(), &look)),
            "feeds 3h00m old FEED EXPIRED 2d00h"
        );
        let banner = override_banner(&expired, &look).unwrap();
        assert!(banner.content.contains("RANKED ON EXPIRED FEED"));
    }
}
