//! The fixed library of scoring rules: 按项扣分 (so many points per unit, up to a cap), 分档
//! (bands of the value) and 达标 (a threshold). An indicator names one and gives its parameters.

use super::measure::{Measure, Unit};
use super::points::Points;
use super::system::{Effect, Indicator};
use serde::{Deserialize, Serialize};

/// One band as written: the value reaches `at_least` or stays within `at_most`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    pub points: Points,
}

/// A bound on a fact's value, in the fact's own unit (per mille for shares).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    AtLeast(i64),
    AtMost(i64),
}

impl Bound {
    fn read(at_least: Option<f64>, at_most: Option<f64>, unit: Unit) -> Result<Bound, String> {
        let value = |x: f64| -> Result<i64, String> {
            let scaled = match unit {
                Unit::Permille => x * 10.0,
                Unit::Count => x,
            };
            let whole = scaled.round();
            if !scaled.is_finite() || (scaled - whole).abs() > 1e-6 || !(0.0..=1e9).contains(&whole)
            {
                return Err(match unit {
                    Unit::Permille => format!("{x} 不是最多一位小数的百分数"),
                    Unit::Count => format!("{x} 不是非负整数"),
                });
            }
            // Finite, whole and in range: the cast is exact.
            Ok(whole as i64)
        };
        match (at_least, at_most) {
            (Some(x), None) => Ok(Bound::AtLeast(value(x)?)),
            (None, Some(x)) => Ok(Bound::AtMost(value(x)?)),
            _ => Err("每一档要写且只写 at_least 或 at_most 之一".into()),
        }
    }

    fn holds(self, value: i64) -> bool {
        match self {
            Bound::AtLeast(b) => value >= b,
            Bound::AtMost(b) => value <= b,
        }
    }

    fn show(self, m: Measure) -> String {
        match self {
            Bound::AtLeast(b) => format!("≥{}", m.show(Some(b))),
            Bound::AtMost(b) => format!("≤{}", m.show(Some(b))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    /// 按项计分: `each` point per unit, at most `cap` (a 得分项 at most its points).
    PerUnit { each: Points, cap: Option<Points> },
    /// 分档: the first band the value reaches; `otherwise` when none.
    Bands {
        bands: Vec<(Bound, Points)>,
        otherwise: Points,
    },
    /// 达标: full points when the value meets the bound, `otherwise` when not.
    Threshold { bound: Bound, otherwise: Points },
}

/// What an indicator scored and why, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scored {
    /// Points this indicator adds to the total (negative for a deduction).
    pub points: Points,
    pub why: String,
}

impl Rule {
    pub fn read(i: &Indicator, unit: Unit) -> Result<Rule, String> {
        match i.rule.as_str() {
            "per_unit" => {
                if unit != Unit::Count {
                    return Err("按项计分只能用于计数的事实，比率请用分档或达标".into());
                }
                let each = i
                    .each
                    .filter(|e| *e > Points::ZERO)
                    .ok_or("请填写大于 0 的每项分值 each")?;
                if i.cap.is_some_and(|c| c <= Points::ZERO) {
                    return Err("上限 cap 应大于 0".into());
                }
                Ok(Rule::PerUnit { each, cap: i.cap })
            }
            "bands" => {
                if i.bands.is_empty() {
                    return Err("分档计分至少要有一档".into());
                }
                let mut bands = Vec::new();
                for b in &i.bands {
                    bands.push((Bound::read(b.at_least, b.at_most, unit)?, b.points));
                }
                for pair in bands.windows(2) {
                    let ordered = match (pair[0].0, pair[1].0) {
                        (Bound::AtLeast(a), Bound::AtLeast(b)) => b < a,
                        (Bound::AtMost(a), Bound::AtMost(b)) => b > a,
                        _ => return Err("各档要么都用 at_least，要么都用 at_most".into()),
                    };
                    if !ordered || pair[1].1 > pair[0].1 {
                        return Err("各档应从最好到最差排列，分数逐档不增".into());
                    }
                }
                Ok(Rule::Bands {
                    bands,
                    otherwise: i.otherwise.unwrap_or_default(),
                })
            }
            "threshold" => Ok(Rule::Threshold {
                bound: Bound::read(i.at_least, i.at_most, unit)?,
                otherwise: i.otherwise.unwrap_or_default(),
            }),
            other => Err(format!(
                "没有名为 {other} 的计分规则（可用 per_unit、bands、threshold）"
            )),
        }
    }

    /// A 得分项's rule never gives more than its points.
    pub fn check_within(&self, points: Points) -> Result<(), String> {
        let too_much = |p: Points| p < Points::ZERO || p > points;
        match self {
            Rule::PerUnit { cap, .. } if cap.is_some_and(|c| c > points) => {
                Err(format!("扣分上限不能超过分值 {points}"))
            }
            Rule::Bands { bands, otherwise }
                if bands.iter().any(|b| too_much(b.1)) || too_much(*otherwise) =>
            {
                Err(format!("各档得分应在 0 到 {points} 之间"))
            }
            Rule::Threshold { otherwise, .. } if too_much(*otherwise) => {
                Err(format!("未达标得分应在 0 到 {points} 之间"))
            }
            _ => Ok(()),
        }
    }

    /// Scores `value` of `measure` (None: a share with nothing to divide).
    pub fn apply(&self, effect: Effect, points: Points, m: Measure, value: Option<i64>) -> Scored {
        match self {
            Rule::PerUnit { each, cap } => {
                let units = value.unwrap_or(0).max(0);
                let limit = cap.unwrap_or(points);
                let raw = Points(units.saturating_mul(each.0));
                let applied = raw.min(limit);
                let verb = if effect == Effect::Bonus {
                    "加"
                } else {
                    "扣"
                };
                let why = if units == 0 {
                    format!("无，不{verb}分")
                } else if raw > limit {
                    format!(
                        "{} × {each} 分，{verb} {applied} 分（已到上限）",
                        m.show(value)
                    )
                } else {
                    format!("{} × {each} 分，{verb} {applied} 分", m.show(value))
                };
                let points = match effect {
                    Effect::Score => Points(points.0 - applied.0),
                    Effect::Deduction => Points(-applied.0),
                    Effect::Bonus => applied,
                };
                Scored { points, why }
            }
            Rule::Bands { bands, otherwise } => match value {
                None => full_without_data(points),
                Some(v) => match bands.iter().find(|(b, _)| b.holds(v)) {
                    Some((b, p)) => Scored {
                        points: *p,
                        why: format!("{}，达到 {} 一档，得 {p} 分", m.show(value), b.show(m)),
                    },
                    None => Scored {
                        points: *otherwise,
                        why: format!("{}，未达到任一档，得 {otherwise} 分", m.show(value)),
                    },
                },
            },
            Rule::Threshold { bound, otherwise } => match value {
                None => full_without_data(points),
                Some(v) if bound.holds(v) => Scored {
                    points,
                    why: format!("{}，满足 {}，得 {points} 分", m.show(value), bound.show(m)),
                },
                Some(_) => Scored {
                    points: *otherwise,
                    why: format!(
                        "{}，未满足 {}，得 {otherwise} 分",
                        m.show(value),
                        bound.show(m)
                    ),
                },
            },
        }
    }
}

/// A share with nothing to divide (no occurrence was due, no record filed) costs nothing.
fn full_without_data(points: Points) -> Scored {
    Scored {
        points,
        why: format!("本期无可计算的数据，得满分 {points} 分"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(rule: &str) -> Indicator {
        Indicator {
            code: "X".into(),
            name: "X".into(),
            category: "C".into(),
            effect: Effect::Score,
            points: Some(Points::whole(20)),
            measure: "orders_overdue".into(),
            rule: rule.into(),
            each: None,
            cap: None,
            bands: Vec::new(),
            at_least: None,
            at_most: None,
            otherwise: None,
            basis: None,
        }
    }

    #[test]
    fn per_unit_deducts_each_unit_up_to_the_points() {
        let mut i = indicator("per_unit");
        i.each = Some(Points::whole(3));
        let rule = Rule::read(&i, Unit::Count).unwrap();
        let m = Measure::OrdersOverdue;
        let p = Points::whole(20);
        assert_eq!(rule.apply(Effect::Score, p, m, Some(0)).points, p);
        let two = rule.apply(Effect::Score, p, m, Some(2));
        assert_eq!(two.points, Points::whole(14));
        assert_eq!(two.why, "2 份 × 3 分，扣 6 分");
        assert_eq!(
            rule.apply(Effect::Score, p, m, Some(9)).points,
            Points::ZERO
        );
    }

    #[test]
    fn deductions_and_bonuses_stop_at_their_cap() {
        let mut i = indicator("per_unit");
        i.each = Some(Points::whole(5));
        i.cap = Some(Points::whole(12));
        let rule = Rule::read(&i, Unit::Count).unwrap();
        let m = Measure::Findings(None);
        let d = rule.apply(Effect::Deduction, Points::ZERO, m, Some(3));
        assert_eq!(d.points, Points::whole(-12));
        assert!(d.why.contains("已到上限"));
        assert_eq!(
            rule.apply(Effect::Bonus, Points::ZERO, m, Some(1)).points,
            Points::whole(5)
        );
    }

    #[test]
    fn bands_take_the_first_band_reached_with_boundaries_inclusive() {
        let mut i = indicator("bands");
        i.bands = vec![
            Band {
                at_least: Some(98.0),
                at_most: None,
                points: Points::whole(20),
            },
            Band {
                at_least: Some(95.5),
                at_most: None,
                points: Points::whole(12),
            },
        ];
        i.otherwise = Some(Points::whole(2));
        let rule = Rule::read(&i, Unit::Permille).unwrap();
        let m = Measure::OnTimeRate;
        let p = Points::whole(20);
        assert_eq!(
            rule.apply(Effect::Score, p, m, Some(980)).points,
            Points::whole(20)
        );
        assert_eq!(
            rule.apply(Effect::Score, p, m, Some(979)).points,
            Points::whole(12)
        );
        assert_eq!(
            rule.apply(Effect::Score, p, m, Some(955)).points,
            Points::whole(12)
        );
        let low = rule.apply(Effect::Score, p, m, Some(954));
        assert_eq!(low.points, Points::whole(2));
        assert_eq!(low.why, "95.4%，未达到任一档，得 2 分");
        assert_eq!(rule.apply(Effect::Score, p, m, None).points, p);
    }

    #[test]
    fn bands_out_of_order_or_mixed_are_refused() {
        let mut i = indicator("bands");
        i.bands = vec![
            Band {
                at_least: Some(90.0),
                at_most: None,
                points: Points::whole(10),
            },
            Band {
                at_least: Some(95.0),
                at_most: None,
                points: Points::whole(20),
            },
        ];
        assert!(Rule::read(&i, Unit::Permille).is_err());
        i.bands[1] = Band {
            at_least: None,
            at_most: Some(5.0),
            points: Points::whole(5),
        };
        assert!(Rule::read(&i, Unit::Permille).is_err());
    }

    #[test]
    fn thresholds_hold_at_the_bound() {
        let mut i = indicator("threshold");
        i.at_most = Some(2.0);
        let rule = Rule::read(&i, Unit::Permille).unwrap();
        let m = Measure::VoidedRate;
        let p = Points::whole(20);
        assert_eq!(rule.apply(Effect::Score, p, m, Some(20)).points, p);
        assert_eq!(
            rule.apply(Effect::Score, p, m, Some(21)).points,
            Points::ZERO
        );
        i.at_most = Some(2.5);
        assert_eq!(Rule::read(&i, Unit::Count), Err("2.5 不是非负整数".into()));
    }

    #[test]
    fn per_unit_needs_a_count() {
        let mut i = indicator("per_unit");
        i.each = Some(Points::whole(1));
        assert!(Rule::read(&i, Unit::Permille).is_err());
    }
}
