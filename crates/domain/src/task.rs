//! 运维任务 (maintenance tasks, product.md §4): one contract of nature 运维, one enterprise, a
//! type (废水 / 废气), the agency's own number, dates inside the contract. Saved as a draft (保存),
//! submitted to run (提交 → 进行中), completed when its last day has passed or the agency closes it.
//! Its plans expand into due occurrences (`plan`); this module says what the dates and numbers
//! must be and how an occurrence stands.

use crate::plan::Period;
use chrono::{Datelike, Days, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    Draft,
    InProgress,
    Completed,
}

impl TaskState {
    pub const ALL: [TaskState; 3] = [
        TaskState::Draft,
        TaskState::InProgress,
        TaskState::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskState::Draft => "draft",
            TaskState::InProgress => "in_progress",
            TaskState::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<TaskState> {
        TaskState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            TaskState::Draft => "草稿",
            TaskState::InProgress => "进行中",
            TaskState::Completed => "已完结",
        }
    }

    /// How a stored state reads on `today`: a running task whose last day has passed is over.
    pub fn on(self, end: NaiveDate, today: NaiveDate) -> TaskState {
        match self {
            TaskState::InProgress if today > end => TaskState::Completed,
            s => s,
        }
    }
}

/// 任务编号: the agency's own (`HYS-OC-2023-1023`), letters, digits and `-_/.`, at most 40.
pub fn number_problem(number: &str) -> Option<&'static str> {
    if number.is_empty() {
        Some("请填写任务编号")
    } else if number.chars().count() > 40 {
        Some("任务编号不能超过 40 个字符")
    } else if !number
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_/.".contains(c))
    {
        Some("任务编号只能含字母、数字和 - _ / .")
    } else {
        None
    }
}

/// The task's days must lie inside the contract's performance period (履行期限).
pub fn dates_problem(
    start: NaiveDate,
    end: NaiveDate,
    contract_start: NaiveDate,
    contract_end: NaiveDate,
) -> Option<(&'static str, String)> {
    if end < start {
        Some(("end_date", "任务结束日期不能早于开始日期".to_string()))
    } else if start < contract_start {
        Some((
            "start_date",
            format!("任务开始日期不能早于合同履行开始时间（{contract_start}）"),
        ))
    } else if end > contract_end {
        Some((
            "end_date",
            format!("任务结束日期不能晚于合同履行结束时间（{contract_end}）"),
        ))
    } else {
        None
    }
}

/// A plan's execution time (执行时间) must lie inside the task's days.
pub fn plan_dates_problem(
    start: NaiveDate,
    end: NaiveDate,
    task_start: NaiveDate,
    task_end: NaiveDate,
) -> Option<String> {
    if end < start {
        Some("执行结束日期不能早于开始日期".to_string())
    } else if start < task_start || end > task_end {
        Some(format!(
            "执行时间须在任务期限内（{task_start} 至 {task_end}）"
        ))
    } else {
        None
    }
}

/// The quick filters of 运维管理.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    Week,
    Month,
    All,
    Overdue,
}

impl Window {
    pub const ALL: [Window; 4] = [Window::Week, Window::Month, Window::All, Window::Overdue];

    pub fn as_str(self) -> &'static str {
        match self {
            Window::Week => "week",
            Window::Month => "month",
            Window::All => "all",
            Window::Overdue => "overdue",
        }
    }

    pub fn parse(s: &str) -> Option<Window> {
        Window::ALL.into_iter().find(|w| w.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            Window::Week => "本周",
            Window::Month => "本月",
            Window::All => "全部",
            Window::Overdue => "超期",
        }
    }

    /// The days an occurrence's period must touch to be listed (本周: Monday to Sunday; 本月:
    /// the calendar month); None: no date bound.
    pub fn days(self, today: NaiveDate) -> Option<Period> {
        match self {
            Window::Week => {
                let monday = today.checked_sub_days(Days::new(u64::from(
                    today.weekday().num_days_from_monday(),
                )))?;
                Some(Period {
                    start: monday,
                    end: monday.checked_add_days(Days::new(6))?,
                })
            }
            Window::Month => {
                let start = today.with_day(1)?;
                let next = if today.month() == 12 {
                    NaiveDate::from_ymd_opt(today.year() + 1, 1, 1)?
                } else {
                    NaiveDate::from_ymd_opt(today.year(), today.month() + 1, 1)?
                };
                Some(Period {
                    start,
                    end: next.pred_opt()?,
                })
            }
            Window::All | Window::Overdue => None,
        }
    }
}

/// Where an occurrence stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OccurrenceState {
    /// A record for it was submitted and not voided.
    Done,
    /// Its period has not ended.
    Due,
    /// 超期: its period ended without a record.
    Overdue,
}

impl OccurrenceState {
    pub fn of(period: Period, has_record: bool, today: NaiveDate) -> OccurrenceState {
        if has_record {
            OccurrenceState::Done
        } else if period.is_over(today) {
            OccurrenceState::Overdue
        } else {
            OccurrenceState::Due
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            OccurrenceState::Done => "done",
            OccurrenceState::Due => "due",
            OccurrenceState::Overdue => "overdue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OccurrenceState::Done => "已完成",
            OccurrenceState::Due => "待完成",
            OccurrenceState::Overdue => "超期",
        }
    }
}

/// 报告类别 of an uploaded report (上传报告).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportCategory {
    Monthly,
    Quarterly,
    Annual,
    Comparison,
    Repair,
    Other,
}

impl ReportCategory {
    pub const ALL: [ReportCategory; 6] = [
        ReportCategory::Monthly,
        ReportCategory::Quarterly,
        ReportCategory::Annual,
        ReportCategory::Comparison,
        ReportCategory::Repair,
        ReportCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportCategory::Monthly => "monthly",
            ReportCategory::Quarterly => "quarterly",
            ReportCategory::Annual => "annual",
            ReportCategory::Comparison => "comparison",
            ReportCategory::Repair => "repair",
            ReportCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ReportCategory> {
        ReportCategory::ALL.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            ReportCategory::Monthly => "月度运维报告",
            ReportCategory::Quarterly => "季度运维报告",
            ReportCategory::Annual => "年度运维报告",
            ReportCategory::Comparison => "比对监测报告",
            ReportCategory::Repair => "故障维修报告",
            ReportCategory::Other => "其他",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn task_numbers_are_the_agencys_own_codes() {
        assert_eq!(number_problem("HYS-OC-2023-1023"), None);
        assert_eq!(number_problem(""), Some("请填写任务编号"));
        assert!(number_problem("任务一").is_some());
        assert!(number_problem(&"A".repeat(41)).is_some());
    }

    #[test]
    fn task_days_stay_inside_the_contract() {
        let (cs, ce) = (d("2027-01-01"), d("2027-12-31"));
        assert_eq!(
            dates_problem(d("2027-01-01"), d("2027-12-31"), cs, ce),
            None
        );
        assert_eq!(
            dates_problem(d("2026-12-31"), d("2027-03-01"), cs, ce).map(|p| p.0),
            Some("start_date")
        );
        assert_eq!(
            dates_problem(d("2027-02-01"), d("2028-01-01"), cs, ce).map(|p| p.0),
            Some("end_date")
        );
        assert_eq!(
            dates_problem(d("2027-03-01"), d("2027-02-01"), cs, ce).map(|p| p.1),
            Some("任务结束日期不能早于开始日期".to_string())
        );
        let (ts, te) = (d("2027-02-01"), d("2027-02-28"));
        assert!(plan_dates_problem(ts, te, ts, te).is_none());
        assert!(plan_dates_problem(d("2027-01-31"), te, ts, te).is_some());
    }

    #[test]
    fn a_running_task_is_over_after_its_last_day() {
        let end = d("2027-06-30");
        assert_eq!(
            TaskState::InProgress.on(end, d("2027-06-30")),
            TaskState::InProgress
        );
        assert_eq!(
            TaskState::InProgress.on(end, d("2027-07-01")),
            TaskState::Completed
        );
        assert_eq!(TaskState::Draft.on(end, d("2027-07-01")), TaskState::Draft);
    }

    #[test]
    fn this_week_and_this_month_are_calendar_spans() {
        // 2028-02-29 is a Tuesday in a leap year.
        let week = Window::Week.days(d("2028-02-29")).unwrap();
        assert_eq!((week.start, week.end), (d("2028-02-28"), d("2028-03-05")));
        let month = Window::Month.days(d("2028-02-29")).unwrap();
        assert_eq!((month.start, month.end), (d("2028-02-01"), d("2028-02-29")));
        let december = Window::Month.days(d("2026-12-31")).unwrap();
        assert_eq!(december.end, d("2026-12-31"));
        assert_eq!(Window::All.days(d("2026-12-31")), None);
    }

    #[test]
    fn an_occurrence_is_overdue_only_after_its_period_without_a_record() {
        let p = Period {
            start: d("2027-03-01"),
            end: d("2027-03-07"),
        };
        assert_eq!(
            OccurrenceState::of(p, false, d("2027-03-07")),
            OccurrenceState::Due
        );
        assert_eq!(
            OccurrenceState::of(p, false, d("2027-03-08")),
            OccurrenceState::Overdue
        );
        assert_eq!(
            OccurrenceState::of(p, true, d("2027-03-08")),
            OccurrenceState::Done
        );
    }
}
