//! Rating periods: a natural year (Asia/Shanghai). While the year runs its rating is 滚动 (a
//! rolling view of the year so far, recomputed); from the first day after it, it is 年度 and
//! computed once with the facts as of its last day — evidence arriving later is not counted, and
//! the rating is frozen.

use chrono::{Datelike, Days, NaiveDate};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period {
    pub year: i32,
}

/// Where a period stands on a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// The year is running: facts so far.
    Rolling,
    /// The year is over: the final rating.
    Closed,
}

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Rolling => "rolling",
            Standing::Closed => "final",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Standing::Rolling => "年度滚动",
            Standing::Closed => "年度评价",
        }
    }
}

/// The days whose facts a rating counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub standing: Standing,
    pub from: NaiveDate,
    /// The last day counted (today while the year runs).
    pub to: NaiveDate,
    /// 超期 and 逾期 are judged as of this day: what was not done before it is late.
    pub as_of: NaiveDate,
}

impl Period {
    pub fn of(day: NaiveDate) -> Period {
        Period { year: day.year() }
    }

    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 1, 1).unwrap_or(NaiveDate::MIN)
    }

    pub fn last_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, 12, 31).unwrap_or(NaiveDate::MAX)
    }

    /// The window rated on `today`; None for a year that has not begun.
    pub fn window(self, today: NaiveDate) -> Option<Window> {
        let (from, last) = (self.first_day(), self.last_day());
        if today < from {
            None
        } else if today <= last {
            Some(Window {
                standing: Standing::Rolling,
                from,
                to: today,
                as_of: today,
            })
        } else {
            Some(Window {
                standing: Standing::Closed,
                from,
                to: last,
                as_of: last.checked_add_days(Days::new(1)).unwrap_or(last),
            })
        }
    }

    /// Reads "2026".
    pub fn parse(s: &str) -> Option<Period> {
        let year: i32 = s.trim().parse().ok()?;
        (2000..=2200).contains(&year).then_some(Period { year })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_year_rolls_through_its_last_day_and_closes_the_day_after() {
        let p = Period { year: 2026 };
        assert_eq!(p.window(day(2025, 12, 31)), None);
        let first = p.window(day(2026, 1, 1)).unwrap();
        assert_eq!(
            (first.standing, first.to),
            (Standing::Rolling, day(2026, 1, 1))
        );
        let last = p.window(day(2026, 12, 31)).unwrap();
        assert_eq!(last.standing, Standing::Rolling);
        let after = p.window(day(2027, 1, 1)).unwrap();
        assert_eq!(after.standing, Standing::Closed);
        assert_eq!(
            (after.from, after.to, after.as_of),
            (day(2026, 1, 1), day(2026, 12, 31), day(2027, 1, 1))
        );
        assert_eq!(p.window(day(2030, 6, 1)), Some(after));
    }

    #[test]
    fn periods_read_as_years() {
        assert_eq!(Period::parse("2026"), Some(Period { year: 2026 }));
        assert_eq!(Period::parse("26x"), None);
        assert_eq!(Period::parse("1900"), None);
    }
}
