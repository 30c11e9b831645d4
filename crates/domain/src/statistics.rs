//! 统计查询: the measures every figure of the statistics pages and the regulators' dashboard
//! counts, defined once (`docs/measures.md` explains them with examples). The database sums the
//! same rules in `repo::statistics`; a test checks its sums against these functions.
//!
//! - A due occurrence belongs to the statistics period holding its last day (Asia/Shanghai).
//! - 按时: a submitted, not voided record fulfils it and was submitted by the period's last day.
//! - 补做: the record was checked in within the period but submitted after it ended (a visit
//!   filed late, e.g. from a phone that was offline).
//! - 超期: its period ended and no record fulfils it; a voided record fulfils nothing.
//! - 待完成: its period has not ended and nothing fulfils it yet; not counted in the rate.
//! - A record belongs to the period holding its visit day; drafts are not counted.

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

/// How a due occurrence stands for the statistics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    OnTime,
    MadeUp,
    Overdue,
    Due,
}

impl Outcome {
    /// `fulfilled_on`: the day (Asia/Shanghai) the fulfilling record was submitted, if one is.
    pub fn of(period_end: NaiveDate, fulfilled_on: Option<NaiveDate>, today: NaiveDate) -> Outcome {
        match fulfilled_on {
            Some(day) if day > period_end => Outcome::MadeUp,
            Some(_) => Outcome::OnTime,
            None if period_end < today => Outcome::Overdue,
            None => Outcome::Due,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::OnTime => "按时",
            Outcome::MadeUp => "补做",
            Outcome::Overdue => "超期",
            Outcome::Due => "待完成",
        }
    }
}

/// The counts behind one row of a statistics table (or one card of the dashboard).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    /// Records filed (submitted, in any later state).
    pub records: u64,
    /// Of them, by the state each is in now: 待企业确认, 待审核, 审核通过, 已作废.
    pub submitted: u64,
    pub confirmed: u64,
    pub approved: u64,
    pub voided: u64,
    /// Records carrying at least one flag.
    pub flagged: u64,
    /// Records with a failed (不合格 / 失控) verdict.
    pub failed: u64,
    pub on_time: u64,
    pub made_up: u64,
    pub overdue: u64,
    pub due: u64,
}

impl Tally {
    pub fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::OnTime => self.on_time += 1,
            Outcome::MadeUp => self.made_up += 1,
            Outcome::Overdue => self.overdue += 1,
            Outcome::Due => self.due += 1,
        }
    }

    pub fn add(&mut self, other: &Tally) {
        self.records += other.records;
        self.submitted += other.submitted;
        self.confirmed += other.confirmed;
        self.approved += other.approved;
        self.voided += other.voided;
        self.flagged += other.flagged;
        self.failed += other.failed;
        self.on_time += other.on_time;
        self.made_up += other.made_up;
        self.overdue += other.overdue;
        self.due += other.due;
    }

    /// 应完成: the occurrences whose period ended or that are done.
    pub fn expected(&self) -> u64 {
        self.on_time + self.made_up + self.overdue
    }

    /// 超期率 in per mille of 应完成; None when nothing was expected.
    pub fn overdue_permille(&self) -> Option<u64> {
        let expected = self.expected();
        (expected > 0).then(|| (self.overdue * 1000 + expected / 2) / expected)
    }

    /// 超期率 as users read it: "12.5%", or "—" when nothing was expected.
    pub fn overdue_rate(&self) -> String {
        match self.overdue_permille() {
            Some(p) => format!("{}.{}%", p / 10, p % 10),
            None => "—".to_string(),
        }
    }
}

/// What a statistics table groups by; each grouping but the last of a line drills to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Dimension {
    District,
    Agency,
    Enterprise,
    Outlet,
    FormType,
    Month,
    Week,
}

impl Dimension {
    pub const ALL: [Dimension; 7] = [
        Dimension::District,
        Dimension::Agency,
        Dimension::Enterprise,
        Dimension::Outlet,
        Dimension::FormType,
        Dimension::Month,
        Dimension::Week,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Dimension::District => "district",
            Dimension::Agency => "agency",
            Dimension::Enterprise => "enterprise",
            Dimension::Outlet => "outlet",
            Dimension::FormType => "form_type",
            Dimension::Month => "month",
            Dimension::Week => "week",
        }
    }

    pub fn parse(s: &str) -> Option<Dimension> {
        Dimension::ALL.into_iter().find(|d| d.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Dimension::District => "区",
            Dimension::Agency => "运维机构",
            Dimension::Enterprise => "企业",
            Dimension::Outlet => "排口",
            Dimension::FormType => "运维内容",
            Dimension::Month => "月份",
            Dimension::Week => "周",
        }
    }

    /// The grouping a row drills down to (区 → 机构 → 企业 → 排口; 月 → 周); None: its figures
    /// lead to the lists themselves.
    pub fn next(self) -> Option<Dimension> {
        match self {
            Dimension::District => Some(Dimension::Agency),
            Dimension::Agency => Some(Dimension::Enterprise),
            Dimension::Enterprise => Some(Dimension::Outlet),
            Dimension::Month => Some(Dimension::Week),
            Dimension::Outlet | Dimension::FormType | Dimension::Week => None,
        }
    }

    /// Grouped by time rather than by a party.
    pub fn is_time(self) -> bool {
        matches!(self, Dimension::Month | Dimension::Week)
    }
}

/// A calendar bucket of the time groupings: its first and last day and how it is named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub label: String,
}

/// The month (`2026年3月`) or the week (Monday to Sunday, `2026-03-02 周`) holding `day`.
pub fn bucket(dimension: Dimension, day: NaiveDate) -> Option<Bucket> {
    match dimension {
        Dimension::Week => {
            let start =
                day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))?;
            Some(Bucket {
                start,
                end: start.checked_add_days(Days::new(6))?,
                label: format!("{}当周", start.format("%m-%d")),
            })
        }
        _ => {
            let start = day.with_day(1)?;
            let next = start.checked_add_months(chrono::Months::new(1))?;
            Some(Bucket {
                start,
                end: next.pred_opt()?,
                label: format!("{}年{}月", start.year(), start.month()),
            })
        }
    }
}

/// The twelve months ending with the one holding `today`, oldest first (the dashboard's trend).
pub fn last_twelve_months(today: NaiveDate) -> Vec<Bucket> {
    (0..12u32)
        .rev()
        .filter_map(|back| {
            let day = today
                .with_day(1)?
                .checked_sub_months(chrono::Months::new(back))?;
            bucket(Dimension::Month, day)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_occurrence_is_on_time_made_up_overdue_or_due() {
        let end = d(2026, 3, 8);
        let today = d(2026, 3, 20);
        assert_eq!(
            Outcome::of(end, Some(d(2026, 3, 8)), today),
            Outcome::OnTime
        );
        assert_eq!(
            Outcome::of(end, Some(d(2026, 3, 2)), today),
            Outcome::OnTime
        );
        assert_eq!(
            Outcome::of(end, Some(d(2026, 3, 9)), today),
            Outcome::MadeUp
        );
        assert_eq!(Outcome::of(end, None, today), Outcome::Overdue);
        // The period's last day is still on time: 超期 comes with the next day.
        assert_eq!(Outcome::of(end, None, d(2026, 3, 8)), Outcome::Due);
        assert_eq!(Outcome::of(end, None, d(2026, 3, 9)), Outcome::Overdue);
    }

    #[test]
    fn the_overdue_rate_counts_only_what_was_expected() {
        let mut t = Tally::default();
        assert_eq!(t.overdue_rate(), "—");
        for o in [
            Outcome::OnTime,
            Outcome::OnTime,
            Outcome::MadeUp,
            Outcome::Overdue,
            Outcome::Due,
            Outcome::Due,
        ] {
            t.count(o);
        }
        assert_eq!(t.expected(), 4);
        assert_eq!(t.overdue_rate(), "25.0%");
        t.count(Outcome::OnTime);
        t.count(Outcome::OnTime);
        // 1 of 6, rounded to a tenth of a per cent.
        assert_eq!(t.overdue_rate(), "16.7%");
        let mut sum = Tally::default();
        sum.add(&t);
        sum.add(&t);
        assert_eq!(sum.overdue, 2);
        assert_eq!(sum.overdue_rate(), "16.7%");
    }

    #[test]
    fn groupings_drill_down_to_the_outlet_and_the_week() {
        let mut line = vec![Dimension::District];
        while let Some(next) = line.last().and_then(|d| d.next()) {
            line.push(next);
        }
        assert_eq!(
            line,
            [
                Dimension::District,
                Dimension::Agency,
                Dimension::Enterprise,
                Dimension::Outlet
            ]
        );
        assert_eq!(Dimension::Month.next(), Some(Dimension::Week));
        for dim in Dimension::ALL {
            assert_eq!(Dimension::parse(dim.as_str()), Some(dim));
        }
    }

    #[test]
    fn buckets_are_calendar_months_and_monday_weeks() {
        let m = bucket(Dimension::Month, d(2026, 2, 14)).unwrap();
        assert_eq!((m.start, m.end), (d(2026, 2, 1), d(2026, 2, 28)));
        assert_eq!(m.label, "2026年2月");
        let w = bucket(Dimension::Week, d(2026, 12, 6)).unwrap();
        assert_eq!((w.start, w.end), (d(2026, 11, 30), d(2026, 12, 6)));
        assert_eq!(w.label, "11-30当周");
        let year = last_twelve_months(d(2026, 12, 7));
        assert_eq!(year.len(), 12);
        assert_eq!(year[0].start, d(2026, 1, 1));
        assert_eq!(year[11].end, d(2026, 12, 31));
        let across = last_twelve_months(d(2026, 3, 31));
        assert_eq!(across[0].start, d(2025, 4, 1));
    }
}
