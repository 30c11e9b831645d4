//! A rating: every indicator of a system applied to one agency's facts of one period, the total
//! and the grade — or why the agency is not rated for the period.

use super::measure::Measure;
use super::period::Period;
use super::points::Points;
use super::system::{Effect, Eligibility, IndicatorSystem};
use chrono::{Datelike, NaiveDate};

/// Why an agency is not rated for a period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exclusion {
    /// Its filing is not (or no longer) 二审通过.
    NotFiled,
    /// Filed for fewer full natural years than the system asks; rated from `first_year`.
    FiledTooRecently { first_year: i32 },
    /// Nothing filed and nothing due in the period (未上传业务数据).
    NoBusiness,
}

impl Exclusion {
    pub fn as_str(&self) -> &'static str {
        match self {
            Exclusion::NotFiled => "not_filed",
            Exclusion::FiledTooRecently { .. } => "filed_too_recently",
            Exclusion::NoBusiness => "no_business",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Exclusion::NotFiled => "未备案或备案未通过，不参加评价".into(),
            Exclusion::FiledTooRecently { first_year } => {
                format!("备案未满完整自然年度，自 {first_year} 年度起参加评价")
            }
            Exclusion::NoBusiness => "本期未上传业务数据，不参加评价".into(),
        }
    }

    /// Why `period` does not rate an agency filed on `filed_on` (None: not filed), with
    /// `business` telling whether it filed or owed anything in the period.
    pub fn of(
        rules: &Eligibility,
        period: Period,
        filed_on: Option<NaiveDate>,
        business: bool,
    ) -> Option<Exclusion> {
        let Some(filed_on) = filed_on else {
            return Some(Exclusion::NotFiled);
        };
        // Filed on 1 January: that whole year counts.
        let first_full = if filed_on.ordinal() == 1 {
            filed_on.year()
        } else {
            filed_on.year() + 1
        };
        let first_year = first_full + i32::try_from(rules.full_years_filed).unwrap_or(i32::MAX) - 1;
        if period.year < first_year.max(first_full) && rules.full_years_filed > 0 {
            return Some(Exclusion::FiledTooRecently { first_year });
        }
        if rules.requires_business && !business {
            return Some(Exclusion::NoBusiness);
        }
        None
    }
}

/// One indicator's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemScore {
    pub code: String,
    pub name: String,
    pub category: String,
    pub effect: Effect,
    /// The most a 得分项 scores.
    pub points: Option<Points>,
    pub measure: Measure,
    pub value: Option<i64>,
    /// What it adds to the total (negative for a deduction).
    pub scored: Points,
    pub why: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rating {
    pub items: Vec<ItemScore>,
    /// 得分项 summed, deductions (negative) and bonuses.
    pub base: Points,
    pub deductions: Points,
    pub bonuses: Points,
    /// Never below zero.
    pub total: Points,
    pub grade_code: String,
    pub grade_name: String,
}

/// Rates one agency: `fact` gives a measure's value for it (None: a share of nothing).
pub fn rate(
    system: &IndicatorSystem,
    fact: impl Fn(Measure) -> Option<i64>,
) -> Result<Rating, String> {
    let mut items = Vec::new();
    let (mut base, mut deductions, mut bonuses) = (Points::ZERO, Points::ZERO, Points::ZERO);
    for i in &system.indicators {
        let measure =
            Measure::parse(&i.measure).ok_or_else(|| format!("没有名为 {} 的事实", i.measure))?;
        let rule = system.rule(i)?;
        let value = fact(measure);
        let scored = rule.apply(i.effect, i.points.unwrap_or_default(), measure, value);
        let sum = match i.effect {
            Effect::Score => &mut base,
            Effect::Deduction => &mut deductions,
            Effect::Bonus => &mut bonuses,
        };
        *sum = Points(sum.0 + scored.points.0);
        items.push(ItemScore {
            code: i.code.clone(),
            name: i.name.clone(),
            category: i.category.clone(),
            effect: i.effect,
            points: i.points,
            measure,
            value,
            scored: scored.points,
            why: scored.why,
        });
    }
    let total = Points((base.0 + deductions.0 + bonuses.0).max(0));
    let grade = system.grade(total).ok_or("没有与总分对应的等级")?;
    Ok(Rating {
        items,
        base,
        deductions,
        bonuses,
        total,
        grade_code: grade.code.clone(),
        grade_name: grade.name.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::credit::system::tests::SMALL;
    use crate::inspection::Severity;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn a_rating_sums_scores_deductions_and_grades() {
        let s = IndicatorSystem::parse(SMALL).unwrap();
        let r = rate(&s, |m| match m {
            Measure::OnTimeRate => Some(985),
            Measure::OrdersOverdue => Some(1),
            Measure::Findings(Some(Severity::Serious)) => Some(1),
            _ => Some(0),
        })
        .unwrap();
        assert_eq!(r.base, Points::whole(90));
        assert_eq!(r.deductions, Points::whole(-5));
        assert_eq!(r.total, Points::whole(85));
        assert_eq!(r.grade_code, "B");
        assert_eq!(r.items[1].why, "1 份 × 10 分，扣 10 分");
    }

    #[test]
    fn a_total_never_goes_below_zero() {
        let s = IndicatorSystem::parse(SMALL).unwrap();
        let r = rate(&s, |m| match m {
            Measure::OnTimeRate => Some(100),
            _ => Some(9),
        })
        .unwrap();
        assert_eq!(r.total, Points::ZERO);
        assert_eq!(r.grade_code, "B");
    }

    #[test]
    fn the_first_rated_year_follows_a_full_natural_year_of_filing() {
        let rules = Eligibility {
            full_years_filed: 1,
            requires_business: true,
        };
        let y = |year| Period { year };
        let filed = Some(day(2025, 3, 10));
        assert_eq!(
            Exclusion::of(&rules, y(2025), filed, true),
            Some(Exclusion::FiledTooRecently { first_year: 2026 })
        );
        assert_eq!(Exclusion::of(&rules, y(2026), filed, true), None);
        assert_eq!(
            Exclusion::of(&rules, y(2025), Some(day(2025, 1, 1)), true),
            None
        );
        assert_eq!(
            Exclusion::of(&rules, y(2025), Some(day(2024, 12, 31)), false),
            Some(Exclusion::NoBusiness)
        );
        assert_eq!(
            Exclusion::of(&rules, y(2026), None, true),
            Some(Exclusion::NotFiled)
        );
        let two = Eligibility {
            full_years_filed: 2,
            requires_business: false,
        };
        assert_eq!(
            Exclusion::of(&two, y(2026), filed, false),
            Some(Exclusion::FiledTooRecently { first_year: 2027 })
        );
        assert_eq!(Exclusion::of(&two, y(2027), filed, false), None);
    }
}
