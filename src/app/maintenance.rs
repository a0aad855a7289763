//! Whether a maintenance window is open now, and for how long, from the policy's windows.
//! Pure: the time arrives as an argument.

use chrono::{DateTime, Datelike, Days, Duration, Utc};

use crate::core::policy::MaintenanceWindow;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WindowStatus {
    /// The policy defines no windows.
    NoWindows,
    Open {
        name: String,
        left: Duration,
    },
    Closed {
        next: String,
        opens_in: Duration,
    },
}

/// Every start of `window` from `days_back` days before `now` to a week after it.
fn starts(window: &MaintenanceWindow, now: DateTime<Utc>, days_back: u64) -> Vec<DateTime<Utc>> {
    let today = now.date_naive();
    let first = today
        .checked_sub_days(Days::new(days_back))
        .unwrap_or(today);
    (0..=days_back + 8)
        .filter_map(|offset| first.checked_add_days(Days::new(offset)))
        .filter(|day| window.days.contains(&day.weekday()))
        .map(|day| day.and_time(window.start).and_utc())
        .collect()
}

/// The open window that stays open longest, else the next one to open.
pub fn window_status(windows: &[MaintenanceWindow], now: DateTime<Utc>) -> WindowStatus {
    let mut open: Option<(String, Duration)> = None;
    let mut next: Option<(String, Duration)> = None;
    for window in windows {
        let length = Duration::minutes(i64::from(window.duration_minutes));
        let days_back = u64::from(window.duration_minutes / (24 * 60)) + 1;
        for start in starts(window, now, days_back) {
            let end = start + length;
            if start <= now && now < end {
                let left = end - now;
                if open.as_ref().is_none_or(|(_, best)| left > *best) {
                    open = Some((window.name.clone(), left));
                }
            } else if start > now {
                let wait = start - now;
                if next.as_ref().is_none_or(|(_, best)| wait < *best) {
                    next = Some((window.name.clone(), wait));
                }
            }
        }
    }
    match (open, next) {
        (Some((name, left)), _) => WindowStatus::Open { name, left },
        (None, Some((next, opens_in))) => WindowStatus::Closed { next, opens_in },
        (None, None) => WindowStatus::NoWindows,
    }
}

/// `2h05m`, `45m`, `3d04h`: short enough for the status bar, in whole minutes.
pub fn short_duration(d: Duration) -> String {
    let minutes = d.num_minutes().max(0);
    let (days, hours, mins) = (minutes / 1440, (minutes / 60) % 24, minutes % 60);
    if days > 0 {
        format!("{days}d{hours:02}h")
    } else if hours > 0 {
        format!("{hours}h{mins:02}m")
    } else {
        format!("{mins}m")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::asset::Environment;
    use chrono::{NaiveTime, TimeZone, Weekday};

    fn weekend() -> MaintenanceWindow {
        MaintenanceWindow {
            name: "weekend".into(),
            days: vec![Weekday::Sat, Weekday::Sun],
            start: NaiveTime::from_hms_opt(22, 0, 0).unwrap(),
            duration_minutes: 240,
            environments: vec![Environment::Production],
        }
    }

    #[test]
    fn a_window_that_started_yesterday_is_still_open_after_midnight() {
        // Saturday 2026-11-28 22:00 + 4h runs to Sunday 02:00.
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 1, 0, 0).unwrap();
        assert_eq!(
            window_status(&[weekend()], now),
            WindowStatus::Open {
                name: "weekend".into(),
                left: Duration::hours(1)
            }
        );
    }

    #[test]
    fn a_closed_window_says_when_the_next_opens() {
        let now = Utc.with_ymd_and_hms(2026, 11, 26, 22, 0, 0).unwrap(); // Thursday
        assert_eq!(
            window_status(&[weekend()], now),
            WindowStatus::Closed {
                next: "weekend".into(),
                opens_in: Duration::days(2)
            }
        );
        assert_eq!(window_status(&[], now), WindowStatus::NoWindows);
    }

    #[test]
    fn durations_read_in_whole_minutes() {
        assert_eq!(short_duration(Duration::minutes(125)), "2h05m");
        assert_eq!(short_duration(Duration::seconds(59)), "0m");
        assert_eq!(short_duration(Duration::minutes(3 * 1440 + 240)), "3d04h");
    }
}
