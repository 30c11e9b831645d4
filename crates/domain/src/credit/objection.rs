//! After a year is closed: the city puts its ratings up for publicity (公示) with a last day for
//! objections, an agency objects to an indicator (异议) until then, the city decides, and then
//! publishes the grades (公布). An accepted objection corrects one indicator's score in the
//! agency's favour — never beyond what the indicator can give — and the total and grade follow;
//! the frozen rating stays as computed, the correction is appended beside it.

use super::points::Points;
use super::system::{Effect, Indicator, IndicatorSystem};
use chrono::NaiveDate;

/// Where a year's publicity stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publicity {
    /// 公示中: the ratings are shown to the agencies, objections are received until the deadline.
    Open,
    /// 已公布: the grades are on the public register.
    Published,
}

impl Publicity {
    pub fn parse(s: &str) -> Option<Publicity> {
        match s {
            "publicity" => Some(Publicity::Open),
            "published" => Some(Publicity::Published),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Publicity::Open => "publicity",
            Publicity::Published => "published",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Publicity::Open => "公示中",
            Publicity::Published => "已公布",
        }
    }
}

/// The shortest and longest publicity the city may set, in days from today.
pub const MIN_PUBLICITY_DAYS: u64 = 5;
pub const MAX_PUBLICITY_DAYS: u64 = 60;

/// Why a deadline cannot be set on `today`, if it cannot.
pub fn deadline_problem(today: NaiveDate, deadline: NaiveDate) -> Option<String> {
    let days = (deadline - today).num_days();
    if days < MIN_PUBLICITY_DAYS as i64 {
        Some(format!(
            "异议截止日期至少在今天之后 {MIN_PUBLICITY_DAYS} 天"
        ))
    } else if days > MAX_PUBLICITY_DAYS as i64 {
        Some(format!("公示期不超过 {MAX_PUBLICITY_DAYS} 天"))
    } else {
        None
    }
}

/// Whether an objection or a document given on `today` is received: until the deadline's end.
pub fn in_time(today: NaiveDate, deadline: NaiveDate) -> bool {
    today <= deadline
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ObjectionState {
    Pending,
    Accepted,
    Rejected,
}

impl ObjectionState {
    pub fn parse(s: &str) -> Option<ObjectionState> {
        match s {
            "pending" => Some(ObjectionState::Pending),
            "accepted" => Some(ObjectionState::Accepted),
            "rejected" => Some(ObjectionState::Rejected),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ObjectionState::Pending => "pending",
            ObjectionState::Accepted => "accepted",
            ObjectionState::Rejected => "rejected",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ObjectionState::Pending => "待处理",
            ObjectionState::Accepted => "已采纳",
            ObjectionState::Rejected => "不予采纳",
        }
    }
}

/// The most an indicator can give: a 得分项 its points, a 扣分项 nothing deducted, a 加分项 its
/// cap (or its best band).
pub fn best(indicator: &Indicator) -> Points {
    match indicator.effect {
        Effect::Score => indicator.points.unwrap_or_default(),
        Effect::Deduction => Points::ZERO,
        Effect::Bonus => indicator
            .cap
            .or(indicator.points)
            .or_else(|| indicator.bands.iter().map(|b| b.points).max())
            .unwrap_or_default(),
    }
}

/// Why `corrected` cannot replace `scored` for the indicator, if it cannot: a correction moves
/// the score towards the agency, and no further than the indicator gives.
pub fn correction_problem(
    indicator: &Indicator,
    scored: Points,
    corrected: Points,
) -> Option<String> {
    let top = best(indicator);
    if corrected == scored {
        Some("采纳异议须更正该指标的得分；不更正请选择不予采纳".into())
    } else if corrected < scored {
        Some(format!("更正后的得分不能低于原得分 {scored}"))
    } else if corrected > top {
        Some(format!("更正后的得分不能高于该指标的最高得分 {top}"))
    } else {
        None
    }
}

/// The total and grade after the accepted corrections (differences in tenths) to a rating whose
/// items summed to `raw` (得分项 + 扣分项 + 加分项, before the total is kept from going below 0).
pub fn adjusted(
    system: &IndicatorSystem,
    raw: Points,
    corrections: impl IntoIterator<Item = Points>,
) -> (Points, Option<(String, String)>) {
    let sum: i64 = corrections.into_iter().map(|p| p.0).sum();
    let after = Points((raw.0 + sum).max(0));
    let grade = system
        .grade(after)
        .map(|g| (g.code.clone(), g.name.clone()));
    (after, grade)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit::system::tests::SMALL;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn the_deadline_is_a_reasonable_time_ahead() {
        let today = day(2027, 1, 10);
        assert!(deadline_problem(today, day(2027, 1, 14)).is_some());
        assert!(deadline_problem(today, day(2027, 1, 15)).is_none());
        assert!(deadline_problem(today, day(2027, 3, 11)).is_none());
        assert!(deadline_problem(today, day(2027, 3, 12)).is_some());
    }

    #[test]
    fn the_last_day_still_counts_the_next_does_not() {
        let deadline = day(2027, 1, 25);
        assert!(in_time(day(2027, 1, 25), deadline));
        assert!(!in_time(day(2027, 1, 26), deadline));
    }

    #[test]
    fn a_correction_only_moves_towards_the_agency_and_within_the_indicator() {
        let system = IndicatorSystem::parse(SMALL).unwrap();
        for i in &system.indicators {
            let top = best(i);
            let low = Points(top.0 - 30);
            assert!(
                correction_problem(i, low, low).is_some(),
                "{}: unchanged",
                i.code
            );
            assert!(
                correction_problem(i, low, Points(low.0 - 10)).is_some(),
                "{}: lower",
                i.code
            );
            assert!(
                correction_problem(i, low, Points(top.0 + 10)).is_some(),
                "{}: above best",
                i.code
            );
            assert!(
                correction_problem(i, low, top).is_none(),
                "{}: to best",
                i.code
            );
        }
    }

    #[test]
    fn an_accepted_correction_moves_the_total_and_the_grade() {
        let system = IndicatorSystem::parse(SMALL).unwrap();
        let next = system.grades[system.grades.len() - 2].clone();
        let total = Points(next.at_least.0 - 5);
        let (after, grade) = adjusted(&system, total, [Points(5)]);
        assert_eq!(after, next.at_least);
        assert_eq!(grade.unwrap().0, next.code);
        let (after, grade) = adjusted(&system, total, []);
        assert_eq!(after, total);
        assert_ne!(grade.unwrap().0, next.code);
        // A rating whose items summed below zero is corrected from that sum, not from the 0 shown.
        let (after, _) = adjusted(&system, Points(-50), [Points(30)]);
        assert_eq!(after, Points::ZERO);
        let (after, _) = adjusted(&system, Points(-50), [Points(80)]);
        assert_eq!(after, Points(30));
    }
}
