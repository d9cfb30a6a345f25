//! Usage per account: the request log's exchanges summed per UTC day, model and source, for
//! one caller (a scoped store) or the whole server (an unscoped one), with their total.

use crate::store::{self, LOCAL_OWNER, Store, UsageDay};
use serde::Serialize;
use std::collections::HashMap;

/// The longest window asked for at once: the daily sums outlive the log, not forever.
pub const MAX_DAYS: u32 = 3660;

/// Which days: the last `days` (today included), or from a `YYYY-MM-DD` on.
#[derive(Debug, Clone, PartialEq)]
pub enum Window {
    Days(u32),
    Since(String),
}

impl Default for Window {
    fn default() -> Self {
        Window::Days(30)
    }
}

impl Window {
    /// `days` (1 to [`MAX_DAYS`]) or `since` (a date), not both; neither is the last 30 days.
    pub fn parse(days: Option<&str>, since: Option<&str>) -> Result<Self, String> {
        match (days, since) {
            (Some(_), Some(_)) => Err("give `days` or `since`, not both".into()),
            (Some(d), None) => match d.trim().parse::<u32>() {
                Ok(n) if (1..=MAX_DAYS).contains(&n) => Ok(Window::Days(n)),
                _ => Err(format!(
                    "`days` must be a whole number from 1 to {MAX_DAYS}, not {d:?}"
                )),
            },
            (None, Some(s)) => match s.trim().parse::<jiff::civil::Date>() {
                Ok(day) => Ok(Window::Since(day.to_string())),
                Err(_) => Err(format!("`since` must be a date, YYYY-MM-DD, not {s:?}")),
            },
            (None, None) => Ok(Window::default()),
        }
    }

    /// The first day counted, `YYYY-MM-DD` (UTC).
    pub fn first_day(&self) -> String {
        match self {
            Window::Since(d) => d.clone(),
            Window::Days(n) => {
                let today = jiff::Timestamp::now()
                    .to_zoned(jiff::tz::TimeZone::UTC)
                    .date();
                today
                    .checked_sub(jiff::Span::new().days(i64::from(*n) - 1))
                    .unwrap_or(today)
                    .to_string()
            }
        }
    }
}

/// Sums over a report's rows.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct UsageTotal {
    pub requests: u64,
    pub errors: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub cost_usd: f64,
}

/// One row of a report: a day's usage, with the account's email when it has one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageRow {
    #[serde(flatten)]
    pub day: UsageDay,
    /// The account's email (none for the local owner or a deleted account).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// What `GET /v1/usage`, `GET /api/admin/usage` and `clauded usage` show.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UsageReport {
    /// The first day counted (UTC).
    pub since: String,
    pub total: UsageTotal,
    /// Per owner, day, model and source; newest day first.
    pub data: Vec<UsageRow>,
}

/// The usage `store` sees (its owner's, or everyone's when unscoped) in `window`.
pub async fn report(store: &Store, window: &Window) -> store::Result<UsageReport> {
    let since = window.first_day();
    let days = store.usage(&since).await?;
    let emails: HashMap<String, String> = if days.iter().any(|d| d.owner != LOCAL_OWNER) {
        store
            .unscoped()
            .users()
            .await?
            .into_iter()
            .map(|u| (u.id, u.email))
            .collect()
    } else {
        HashMap::new()
    };
    let mut total = UsageTotal::default();
    for d in &days {
        total.requests += d.requests;
        total.errors += d.errors;
        total.input_tokens += d.input_tokens;
        total.output_tokens += d.output_tokens;
        total.cost_usd += d.cost_usd;
    }
    let data = days
        .into_iter()
        .map(|day| UsageRow {
            email: emails.get(&day.owner).cloned(),
            day,
        })
        .collect();
    Ok(UsageReport { since, total, data })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_days_or_a_date_and_says_what_is_wrong() {
        assert_eq!(Window::parse(None, None), Ok(Window::Days(30)));
        assert_eq!(Window::parse(Some("7"), None), Ok(Window::Days(7)));
        assert_eq!(
            Window::parse(None, Some("2026-02-03")),
            Ok(Window::Since("2026-02-03".into()))
        );
        for bad in ["0", "-1", "x", "99999"] {
            let e = Window::parse(Some(bad), None).unwrap_err();
            assert!(e.contains("days"), "{e}");
        }
        for bad in ["2026-02-30", "yesterday", "2026-2-3x"] {
            let e = Window::parse(None, Some(bad)).unwrap_err();
            assert!(e.contains("YYYY-MM-DD"), "{e}");
        }
        assert!(Window::parse(Some("1"), Some("2026-01-01")).is_err());
    }

    #[test]
    fn one_day_is_today_and_more_go_back() {
        let today = jiff::Timestamp::now()
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date();
        assert_eq!(Window::Days(1).first_day(), today.to_string());
        let week: jiff::civil::Date = Window::Days(7).first_day().parse().unwrap();
        assert_eq!((today - week).get_days(), 6);
    }
}
