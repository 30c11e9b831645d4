//! Instants are stored in UTC and shown in Asia/Shanghai (product.md §12).

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Asia::Shanghai;

/// `2026-11-28 21:05` in Shanghai time.
pub fn format_datetime(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// `2026-11-28 21:05:09` in Shanghai time.
pub fn format_datetime_seconds(at: DateTime<Utc>) -> String {
    at.with_timezone(&Shanghai)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// The calendar date in Shanghai on which `at` falls.
pub fn shanghai_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Shanghai).date_naive()
}

/// An optional instant for display: empty values show as "—", never as "null" or a placeholder date.
pub fn format_optional(at: Option<DateTime<Utc>>) -> String {
    at.map(format_datetime).unwrap_or_else(|| EMPTY.to_string())
}

/// What an empty value looks like on every page and in every export.
pub const EMPTY: &str = "—";

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn shows_shanghai_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 28, 16, 30, 5).unwrap();
        assert_eq!(format_datetime(at), "2026-11-29 00:30");
        assert_eq!(format_datetime_seconds(at), "2026-11-29 00:30:05");
        assert_eq!(shanghai_date(at).to_string(), "2026-11-29");
        assert_eq!(format_optional(None), "—");
    }
}
