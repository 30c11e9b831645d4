//! Instants are stored in UTC and shown in Asia/Shanghai (product.md §12).

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
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

/// The instant a Shanghai calendar day begins (Shanghai keeps no daylight saving time).
pub fn day_start(day: NaiveDate) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    Shanghai
        .from_local_datetime(&midnight)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| midnight.and_utc() - chrono::Duration::hours(8))
}

/// The wall-clock time in Shanghai at `at` (for spreadsheets, which keep no time zone).
pub fn shanghai_time(at: DateTime<Utc>) -> NaiveDateTime {
    at.with_timezone(&Shanghai).naive_local()
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
        assert_eq!(shanghai_time(at).to_string(), "2026-11-29 00:30:05");
        assert_eq!(
            day_start(shanghai_date(at)),
            Utc.with_ymd_and_hms(2026, 11, 28, 16, 0, 0).unwrap()
        );
        assert_eq!(format_optional(None), "—");
    }
}
