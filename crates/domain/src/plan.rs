//! 运维计划 (maintenance plans): how often a task's work is due, and the due occurrences a plan
//! generates — every point × form type × period of the task's days (product.md §4). Periods are
//! calendar periods (a week runs Monday to Sunday, quarters start in January, April, July and
//! October), the first and last cut to the task's first and last day: what 本周 / 本月 mean to
//! the people doing the work. An occurrence is overdue (超期) once its period has ended without
//! a submitted record.

use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanFrequency {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
}

impl PlanFrequency {
    pub const ALL: [PlanFrequency; 5] = [
        PlanFrequency::Daily,
        PlanFrequency::Weekly,
        PlanFrequency::Monthly,
        PlanFrequency::Quarterly,
        PlanFrequency::Yearly,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlanFrequency::Daily => "daily",
            PlanFrequency::Weekly => "weekly",
            PlanFrequency::Monthly => "monthly",
            PlanFrequency::Quarterly => "quarterly",
            PlanFrequency::Yearly => "yearly",
        }
    }

    pub fn parse(s: &str) -> Option<PlanFrequency> {
        PlanFrequency::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// 计划执行频次, as the current system words it.
    pub fn label(self) -> &'static str {
        match self {
            PlanFrequency::Daily => "每日",
            PlanFrequency::Weekly => "每周",
            PlanFrequency::Monthly => "每月",
            PlanFrequency::Quarterly => "每季度",
            PlanFrequency::Yearly => "每年",
        }
    }

    /// The nominal length of one period in days, compared with a form's required interval.
    pub fn nominal_days(self) -> u32 {
        match self {
            PlanFrequency::Daily => 1,
            PlanFrequency::Weekly => 7,
            PlanFrequency::Monthly => 30,
            PlanFrequency::Quarterly => 90,
            PlanFrequency::Yearly => 365,
        }
    }
}

/// A due period, both ends inclusive (dates in Asia/Shanghai).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.start <= day && day <= self.end
    }

    /// 超期: the period has ended (its last day is over) — to be asked only when no record for it
    /// was submitted.
    pub fn is_over(&self, today: NaiveDate) -> bool {
        today > self.end
    }
}

fn first_of_month(year: i32, month: u32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, month, 1)
}

/// The first day of the month `months` after (year, month).
fn months_later(year: i32, month: u32, months: u32) -> Option<NaiveDate> {
    let index = month - 1 + months;
    first_of_month(year + (index / 12) as i32, index % 12 + 1)
}

/// The whole calendar period of `frequency` that holds `day`.
fn calendar_period(frequency: PlanFrequency, day: NaiveDate) -> Option<Period> {
    let (start, next) = match frequency {
        PlanFrequency::Daily => (day, day.succ_opt()?),
        PlanFrequency::Weekly => {
            let monday =
                day.checked_sub_days(Days::new(u64::from(day.weekday().num_days_from_monday())))?;
            (monday, monday.checked_add_days(Days::new(7))?)
        }
        PlanFrequency::Monthly => (
            first_of_month(day.year(), day.month())?,
            months_later(day.year(), day.month(), 1)?,
        ),
        PlanFrequency::Quarterly => {
            let first_month = (day.month() - 1) / 3 * 3 + 1;
            (
                first_of_month(day.year(), first_month)?,
                months_later(day.year(), first_month, 3)?,
            )
        }
        PlanFrequency::Yearly => (
            first_of_month(day.year(), 1)?,
            first_of_month(day.year() + 1, 1)?,
        ),
    };
    Some(Period {
        start,
        end: next.pred_opt()?,
    })
}

/// The periods of a task running from `first` to `last` (both inclusive), in order; the first
/// and the last are cut to the task's days. Nothing when `last` is before `first`.
pub fn periods(frequency: PlanFrequency, first: NaiveDate, last: NaiveDate) -> Vec<Period> {
    let mut out = Vec::new();
    let mut day = first;
    while day <= last {
        let Some(p) = calendar_period(frequency, day) else {
            break;
        };
        out.push(Period {
            start: p.start.max(first),
            end: p.end.min(last),
        });
        match p.end.succ_opt() {
            Some(next) => day = next,
            None => break,
        }
    }
    out
}

/// Why a form cannot be planned at `frequency`: a form filed on demand (维修, 耗材更换 …) is never
/// planned, and a plan may not be rarer than the interval the form's standard asks for.
pub fn plan_problem(
    frequency: PlanFrequency,
    form_name: &str,
    interval_days: Option<u32>,
) -> Option<String> {
    match interval_days {
        None => Some(format!("“{form_name}”按需填报，不列入运维计划")),
        Some(days) if frequency.nominal_days() > days => Some(format!(
            "“{form_name}”须至少每 {days} 天一次，计划频次不能为“{}”",
            frequency.label()
        )),
        Some(_) => None,
    }
}

/// One due occurrence: a point (outlet), a form type, a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence<'a> {
    pub outlet_id: &'a str,
    pub form_code: &'a str,
    pub period: Period,
}

/// Every occurrence a plan generates for a task's points and days, ordered by period, then
/// point, then form type.
pub fn occurrences<'a>(
    outlet_ids: &'a [String],
    form_codes: &'a [String],
    frequency: PlanFrequency,
    first: NaiveDate,
    last: NaiveDate,
) -> Vec<Occurrence<'a>> {
    let mut out = Vec::new();
    for period in periods(frequency, first, last) {
        for outlet_id in outlet_ids {
            for form_code in form_codes {
                out.push(Occurrence {
                    outlet_id,
                    form_code,
                    period,
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use PlanFrequency::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn spans(f: PlanFrequency, first: &str, last: &str) -> Vec<(String, String)> {
        periods(f, d(first), d(last))
            .into_iter()
            .map(|p| (p.start.to_string(), p.end.to_string()))
            .collect()
    }

    fn s(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn daily_periods_include_the_leap_day() {
        assert_eq!(
            spans(Daily, "2028-02-27", "2028-03-01"),
            s(&[
                ("2028-02-27", "2028-02-27"),
                ("2028-02-28", "2028-02-28"),
                ("2028-02-29", "2028-02-29"),
                ("2028-03-01", "2028-03-01"),
            ])
        );
    }

    #[test]
    fn weeks_run_monday_to_sunday_across_the_year_end_cut_to_the_task() {
        // 2026-12-30 is a Wednesday; 2027-01-13 a Wednesday.
        assert_eq!(
            spans(Weekly, "2026-12-30", "2027-01-13"),
            s(&[
                ("2026-12-30", "2027-01-03"),
                ("2027-01-04", "2027-01-10"),
                ("2027-01-11", "2027-01-13"),
            ])
        );
    }

    #[test]
    fn months_end_on_their_last_day_in_leap_and_common_years() {
        assert_eq!(
            spans(Monthly, "2027-01-31", "2027-03-01"),
            s(&[
                ("2027-01-31", "2027-01-31"),
                ("2027-02-01", "2027-02-28"),
                ("2027-03-01", "2027-03-01"),
            ])
        );
        assert_eq!(
            spans(Monthly, "2028-02-15", "2028-03-10"),
            s(&[("2028-02-15", "2028-02-29"), ("2028-03-01", "2028-03-10")])
        );
        assert_eq!(
            spans(Monthly, "2026-11-30", "2027-01-01"),
            s(&[
                ("2026-11-30", "2026-11-30"),
                ("2026-12-01", "2026-12-31"),
                ("2027-01-01", "2027-01-01"),
            ])
        );
    }

    #[test]
    fn quarters_start_in_january_april_july_and_october() {
        assert_eq!(
            spans(Quarterly, "2026-11-15", "2027-07-01"),
            s(&[
                ("2026-11-15", "2026-12-31"),
                ("2027-01-01", "2027-03-31"),
                ("2027-04-01", "2027-06-30"),
                ("2027-07-01", "2027-07-01"),
            ])
        );
    }

    #[test]
    fn years_are_calendar_years_ending_on_a_leap_day_when_the_task_does() {
        assert_eq!(
            spans(Yearly, "2026-06-01", "2028-02-29"),
            s(&[
                ("2026-06-01", "2026-12-31"),
                ("2027-01-01", "2027-12-31"),
                ("2028-01-01", "2028-02-29"),
            ])
        );
    }

    #[test]
    fn a_one_day_task_has_one_period_and_a_backwards_task_none() {
        for f in PlanFrequency::ALL {
            assert_eq!(
                spans(f, "2027-03-31", "2027-03-31"),
                s(&[("2027-03-31", "2027-03-31")]),
                "{f:?}"
            );
            assert!(spans(f, "2027-04-01", "2027-03-31").is_empty(), "{f:?}");
        }
    }

    #[test]
    fn periods_cover_every_day_of_the_task_once() {
        for f in PlanFrequency::ALL {
            let ps = periods(f, d("2027-12-20"), d("2029-03-03"));
            assert_eq!(ps[0].start, d("2027-12-20"));
            assert_eq!(ps.last().unwrap().end, d("2029-03-03"));
            for pair in ps.windows(2) {
                assert_eq!(pair[0].end.succ_opt(), Some(pair[1].start), "{f:?}");
            }
        }
    }

    #[test]
    fn overdue_only_after_the_last_day() {
        let p = Period {
            start: d("2027-01-04"),
            end: d("2027-01-10"),
        };
        assert!(!p.is_over(d("2027-01-10")));
        assert!(p.is_over(d("2027-01-11")));
        assert!(p.contains(d("2027-01-04")) && !p.contains(d("2027-01-11")));
    }

    #[test]
    fn plans_are_as_frequent_as_the_standard_asks() {
        assert_eq!(plan_problem(Weekly, "日常巡检", Some(7)), None);
        assert_eq!(plan_problem(Daily, "校准", Some(15)), None);
        assert_eq!(
            plan_problem(Monthly, "校准", Some(15)),
            Some("“校准”须至少每 15 天一次，计划频次不能为“每月”".to_string())
        );
        assert_eq!(plan_problem(Quarterly, "定期校验", Some(90)), None);
        assert_eq!(
            plan_problem(Weekly, "维修", None),
            Some("“维修”按需填报，不列入运维计划".to_string())
        );
    }

    #[test]
    fn occurrences_are_points_times_forms_times_periods() {
        let outlets = vec!["o1".to_string(), "o2".to_string()];
        let forms = vec!["ww_inspection".to_string()];
        let all = occurrences(&outlets, &forms, Weekly, d("2027-01-01"), d("2027-01-31"));
        // 1 Jan 2027 is a Friday: five periods (1–3, 4–10, 11–17, 18–24, 25–31).
        assert_eq!(all.len(), 2 * 5);
        assert_eq!(all[0].outlet_id, "o1");
        assert_eq!(all[1].outlet_id, "o2");
        assert_eq!(all[1].period, all[0].period);
    }

    #[test]
    fn frequencies_round_trip() {
        for f in PlanFrequency::ALL {
            assert_eq!(PlanFrequency::parse(f.as_str()), Some(f));
        }
        assert_eq!(Quarterly.label(), "每季度");
    }
}
