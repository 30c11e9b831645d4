//! Limits are data with provenance (forms.md §3): every number carries the standard and clause it
//! comes from and how sure we are of it (standards-research.md §0).

use super::number::{Dec, format_decimal};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How well a figure is sourced (standards-research.md §0).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Confidence {
    Seed,
    Official,
    #[serde(rename = "code_2")]
    Code2,
    #[serde(rename = "code_1")]
    Code1,
    Verified,
    Unconfirmed,
}

impl Confidence {
    pub fn label(self) -> &'static str {
        match self {
            Confidence::Seed => "培训资料",
            Confidence::Official => "官方文件",
            Confidence::Code2 => "两个以上公开实现",
            Confidence::Code1 => "一个公开实现",
            Confidence::Verified => "已核验",
            Confidence::Unconfirmed => "未经原文确认",
        }
    }

    /// Whether the figure still needs checking against the primary text.
    pub fn is_unconfirmed(self) -> bool {
        matches!(self, Confidence::Unconfirmed | Confidence::Code1)
    }
}

/// How a comparison error is measured inside a concentration band.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// (measured − reference) / reference × 100 %.
    Relative,
    /// measured − reference, in the analyte's unit.
    Absolute,
    /// RA = (|d̄| + |cc|) / RM̄ × 100 %, over the pairs (HJ 75 periodic validation).
    RelativeAccuracy,
}

impl ErrorKind {
    pub fn label(self) -> &'static str {
        match self {
            ErrorKind::Relative => "相对误差",
            ErrorKind::Absolute => "绝对误差",
            ErrorKind::RelativeAccuracy => "相对准确度",
        }
    }
}

/// How a band's lower edge is compared, from the standard's wording: "≥ 250" or "> 200".
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Edge {
    /// The edge belongs to this band (≥); L25's convention where the wording does not say.
    #[default]
    #[serde(rename = ">=")]
    AtLeast,
    /// The edge belongs to the band below (>).
    #[serde(rename = ">")]
    Above,
}

impl Edge {
    pub fn symbol(self) -> &'static str {
        match self {
            Edge::AtLeast => "≥",
            Edge::Above => ">",
        }
    }

    fn holds(self, value: Decimal, edge: Decimal) -> bool {
        match self {
            Edge::AtLeast => value >= edge,
            Edge::Above => value > edge,
        }
    }
}

/// How an error is held against its limit: "不超过 ±6" (≤) or "小于 ±6" (<).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Bound {
    #[default]
    #[serde(rename = "<=")]
    AtMost,
    #[serde(rename = "<")]
    Below,
}

impl Bound {
    fn holds(self, value: Decimal, limit: Decimal) -> bool {
        match self {
            Bound::AtMost => value <= limit,
            Bound::Below => value < limit,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Bound::AtMost => "±",
            Bound::Below => "小于 ±",
        }
    }
}

fn is_default<T: Default + PartialEq>(t: &T) -> bool {
    *t == T::default()
}

/// A band's figures as the standard prints them in another unit, e.g. "20 µmol/mol（57 mg/m³）".
/// A reading in that unit is judged with these, not with an exact conversion: the two can
/// differ at the edge, and the printed figure is the standard's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Printed {
    pub unit: String,
    /// The lower edge in `unit` (bands that have one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Dec>,
    /// The absolute limit in `unit` (absolute-error bands).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_abs: Option<Dec>,
}

/// One concentration band: applies when the reference value passes `from` (by `from_op`) and
/// not the next band's edge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Lower edge, in the limit's unit; absent on the lowest band.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Dec>,
    /// "≥" (default) or ">" at the lower edge, as the standard words it.
    #[serde(default, skip_serializing_if = "is_default")]
    pub from_op: Edge,
    pub error: ErrorKind,
    pub max_abs: Dec,
    /// "≤" (default) or "<" against `max_abs`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub max_op: Bound,
    pub unit: String,
    /// Places the error is rounded to (GB/T 8170) before it is compared; default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    /// The standard's own figures in another unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printed: Option<Printed>,
}

/// A limit of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limit {
    pub id: String,
    pub label: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Standard and clause, as users see it next to the verdict.
    pub source: String,
    pub confidence: Confidence,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Dec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Dec>,
    /// |value| ≤ max_abs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_abs: Option<Dec>,
    /// The wider out-of-control (失控) threshold: beyond it the data since the last passing
    /// calibration are invalid. Distinct from `max_abs`, which only calls for recalibration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_control_abs: Option<Dec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
    /// Pairs → passes needed, e.g. [[3, 2], [4, 3], [5, 4]]: the last entry covers larger counts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pass_count: Vec<[u32; 2]>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pairs: Option<u32>,
    /// Where the minimum number of pairs comes from, shown on the record beside the count.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_pairs_source: Option<String>,
    /// The gas a concentration limit is stated for (`SO2`, `NO2` for NOx): readings in another
    /// unit are converted with its molar mass (form::unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gas: Option<String>,
    /// "≤" (default) or "<" against `max_abs` and `max`.
    #[serde(default, skip_serializing_if = "is_default")]
    pub max_op: Bound,
    /// The limit applies only while the reference mean — and, where named, the outlet's emission
    /// limit of a pollutant — is below a figure; otherwise the verdict says why it is not judged.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub applies_below: Option<AppliesBelow>,
}

/// `applies_below = { value = 50, emission_limit = "非甲烷总烃" }` (HJ 1286-2023's NMHC
/// accuracy: both the reference mean and the emission limit below 50 mg/m³), in the limit's unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppliesBelow {
    pub value: Dec,
    /// The pollutant whose emission limit at the outlet must also be below `value`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emission_limit: Option<String>,
}

/// The outcome of one verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    /// Beyond the out-of-control limit (失控).
    OutOfControl,
    /// Cannot be judged (first calibration, no limit for this parameter, too few pairs to judge).
    NotApplicable,
}

impl Outcome {
    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "合格",
            Outcome::Fail => "不合格",
            Outcome::OutOfControl => "失控",
            Outcome::NotApplicable => "不适用",
        }
    }

    /// "不合格" and "失控" flag the record.
    pub fn is_failure(self) -> bool {
        matches!(self, Outcome::Fail | Outcome::OutOfControl)
    }
}

impl Limit {
    fn unit_suffix(&self) -> String {
        self.unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default()
    }

    /// The limit as shown to users: "±2.5 %F.S.", "≥ 350 ℃", "0.4–0.6 MPa".
    pub fn describe(&self) -> String {
        let u = self.unit_suffix();
        let f = |d: Dec| format_decimal(d.0, None);
        let mut text = match (self.min, self.max, self.max_abs) {
            (_, _, Some(a)) => format!("{}{}{u}", self.max_op.symbol(), f(a)),
            (Some(lo), Some(hi), None) => format!("{}–{}{u}", f(lo), f(hi)),
            (Some(lo), None, None) => format!("≥ {}{u}", f(lo)),
            (None, Some(hi), None) => format!("≤ {}{u}", f(hi)),
            (None, None, None) => String::new(),
        };
        if let Some(o) = self.out_of_control_abs {
            text.push_str(&format!("（失控限 ±{}{u}）", f(o)));
        }
        if !self.bands.is_empty() {
            text = self
                .bands
                .iter()
                .map(|b| b.describe_in(self.unit.as_deref()))
                .collect::<Vec<_>>()
                .join("；");
            if let Some(m) = self.min_pairs {
                text.push_str(&format!("（至少 {m} 对）"));
            }
        }
        if !self.pass_count.is_empty() {
            text = self
                .pass_count
                .iter()
                .map(|[n, k]| format!("{n} 对中至少 {k} 对合格"))
                .collect::<Vec<_>>()
                .join("，");
            if let Some(m) = self.min_pairs {
                text.push_str(&format!("（至少 {m} 对）"));
            }
        }
        text
    }

    /// Judges a value against min/max/max_abs and the out-of-control threshold.
    pub fn judge(&self, value: Decimal) -> Outcome {
        if let Some(o) = self.out_of_control_abs
            && value.abs() > o.0
        {
            return Outcome::OutOfControl;
        }
        let ok = self
            .max_abs
            .is_none_or(|a| self.max_op.holds(value.abs(), a.0))
            && self.min.is_none_or(|m| value >= m.0)
            && self.max.is_none_or(|m| self.max_op.holds(value, m.0));
        if ok { Outcome::Pass } else { Outcome::Fail }
    }

    /// The band for a reference value in the limit's unit: the highest band whose lower edge
    /// the value passes (≥ or >, per band).
    pub fn band_for(&self, reference: Decimal) -> Option<&Band> {
        self.bands
            .iter()
            .rev()
            .find(|b| b.from.is_none_or(|f| b.from_op.holds(reference, f.0)))
    }

    /// The band for a reference value in `unit` by the figures the standard prints in that
    /// unit, when every band's edge is printed in it.
    pub fn band_by_printed(&self, reference: Decimal, unit: &str) -> Option<&Band> {
        fn printed<'b>(b: &'b Band, unit: &str) -> Option<&'b Printed> {
            b.printed
                .as_ref()
                .filter(|p| super::unit::same(&p.unit, unit))
        }
        let all = self
            .bands
            .iter()
            .all(|b| printed(b, unit).is_some_and(|p| b.from.is_none() || p.from.is_some()));
        if !all {
            return None;
        }
        self.bands.iter().rev().find(|b| {
            printed(b, unit)
                .and_then(|p| p.from)
                .is_none_or(|f| b.from_op.holds(reference, f.0))
        })
    }

    /// How many passing pairs `pairs` comparisons need, or None when there are too few pairs.
    pub fn passes_needed(&self, pairs: u32) -> Option<u32> {
        if pairs < self.min_pairs.unwrap_or(1) {
            return None;
        }
        self.pass_count
            .iter()
            .rev()
            .find(|[n, _]| pairs >= *n)
            .map(|[_, k]| *k)
    }
}

impl Band {
    pub fn describe(&self) -> String {
        self.describe_in(None)
    }

    /// The band as shown to users, its edge in `edge_unit` when known, with the printed figures:
    /// "≥ 20 µmol/mol（57 mg/m³）：相对误差 ±30 %".
    pub fn describe_in(&self, edge_unit: Option<&str>) -> String {
        let f = |d: Dec| format_decimal(d.0, None);
        let unit = edge_unit.map(|u| format!(" {u}")).unwrap_or_default();
        let printed = self.printed.as_ref();
        let range = match self.from {
            Some(edge) => {
                let also = printed
                    .and_then(|p| p.from.map(|x| format!("（{} {}）", f(x), p.unit)))
                    .unwrap_or_default();
                format!("{} {}{unit}{also}", self.from_op.symbol(), f(edge))
            }
            None => "其余".to_string(),
        };
        let also = printed
            .and_then(|p| p.max_abs.map(|x| format!("（{} {}）", f(x), p.unit)))
            .unwrap_or_default();
        format!(
            "{range}：{} {}{} {}{also}",
            self.error.label(),
            self.max_op.symbol(),
            f(self.max_abs),
            self.unit
        )
    }

    pub fn judge(&self, error: Decimal) -> Outcome {
        self.judge_against(error, self.max_abs.0)
    }

    /// Judges an error against `limit` (the band's own, or its printed figure) by the band's
    /// operator.
    pub fn judge_against(&self, error: Decimal, limit: Decimal) -> Outcome {
        if self.max_op.holds(error.abs(), limit) {
            Outcome::Pass
        } else {
            Outcome::Fail
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::number::parse_decimal;

    fn d(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    fn limit(toml_text: &str) -> Limit {
        toml::from_str(toml_text).unwrap()
    }

    const DRIFT: &str = r#"
        id = "drift_gas_zero"
        label = "气态污染物零点漂移"
        unit = "%F.S."
        source = "HJ 75-2017"
        confidence = "unconfirmed"
        max_abs = 2.5
        out_of_control_abs = 5
    "#;

    #[test]
    fn drift_has_a_calibration_limit_and_a_wider_out_of_control_limit() {
        let l = limit(DRIFT);
        assert_eq!(l.judge(d("2.5")), Outcome::Pass);
        assert_eq!(l.judge(d("-2.5")), Outcome::Pass);
        assert_eq!(l.judge(d("2.4")), Outcome::Pass);
        assert_eq!(l.judge(d("2.6")), Outcome::Fail);
        assert_eq!(l.judge(d("-2.6")), Outcome::Fail);
        assert_eq!(l.judge(d("5.0")), Outcome::Fail);
        assert_eq!(l.judge(d("5.1")), Outcome::OutOfControl);
        assert_eq!(l.judge(d("-5.1")), Outcome::OutOfControl);
        assert_eq!(l.describe(), "±2.5 %F.S.（失控限 ±5 %F.S.）");
    }

    #[test]
    fn minimum_and_range_limits() {
        let l = limit(
            r#"id = "t"
            label = "除烃装置温度"
            unit = "℃"
            source = "S10"
            confidence = "code_1"
            min = 350"#,
        );
        assert_eq!(l.judge(d("350")), Outcome::Pass);
        assert_eq!(l.judge(d("349.9")), Outcome::Fail);
        assert_eq!(l.describe(), "≥ 350 ℃");
        let p = limit(
            r#"id = "p"
            label = "反吹气源压力"
            unit = "MPa"
            source = "S10"
            confidence = "code_1"
            min = 0.4
            max = 0.6"#,
        );
        assert_eq!(p.judge(d("0.4")), Outcome::Pass);
        assert_eq!(p.judge(d("0.6")), Outcome::Pass);
        assert_eq!(p.judge(d("0.61")), Outcome::Fail);
        assert_eq!(p.judge(d("0.39")), Outcome::Fail);
        assert_eq!(p.describe(), "0.4–0.6 MPa");
    }

    #[test]
    fn bands_are_chosen_by_the_reference_value_with_inclusive_lower_edges() {
        let l = limit(
            r#"id = "cod"
            label = "化学需氧量比对"
            source = "HJ 355-2019 表1"
            confidence = "code_1"
            bands = [
              { error = "absolute", max_abs = 5, unit = "mg/L" },
              { from = 30, error = "relative", max_abs = 30, unit = "%" },
              { from = 60, error = "relative", max_abs = 20, unit = "%" },
              { from = 100, error = "relative", max_abs = 15, unit = "%" },
            ]"#,
        );
        assert_eq!(l.band_for(d("29.99")).unwrap().error, ErrorKind::Absolute);
        assert_eq!(l.band_for(d("30")).unwrap().max_abs.0, d("30"));
        assert_eq!(l.band_for(d("59.9")).unwrap().max_abs.0, d("30"));
        assert_eq!(l.band_for(d("60")).unwrap().max_abs.0, d("20"));
        assert_eq!(l.band_for(d("100")).unwrap().max_abs.0, d("15"));
        assert_eq!(l.band_for(d("0")).unwrap().error, ErrorKind::Absolute);
        let b = l.band_for(d("150")).unwrap();
        assert_eq!(b.judge(d("-15")), Outcome::Pass);
        assert_eq!(b.judge(d("15")), Outcome::Pass);
        assert_eq!(b.judge(d("15.1")), Outcome::Fail);
        assert_eq!(b.judge(d("-15.1")), Outcome::Fail);
        assert!(
            l.describe()
                .starts_with("其余：绝对误差 ±5 mg/L；≥ 30：相对误差 ±30 %")
        );
    }

    #[test]
    fn operators_follow_the_wording_at_the_edge() {
        let l = limit(
            r#"id = "o2"
            label = "氧气准确度"
            unit = "%"
            source = "HJ 75-2017"
            confidence = "unconfirmed"
            bands = [
              { error = "absolute", max_abs = 1.0, unit = "%", max_op = "<" },
              { from = 5.0, from_op = ">", error = "relative_accuracy", max_abs = 15, unit = "%" },
            ]"#,
        );
        // "> 5.0 %": 5.0 itself is in the absolute band, 5.01 in the upper one.
        assert_eq!(l.band_for(d("5.0")).unwrap().error, ErrorKind::Absolute);
        assert_eq!(
            l.band_for(d("5.01")).unwrap().error,
            ErrorKind::RelativeAccuracy
        );
        // "小于 ±1.0": 1.0 itself fails.
        let low = l.band_for(d("3")).unwrap();
        assert_eq!(low.judge(d("0.99")), Outcome::Pass);
        assert_eq!(low.judge(d("1.0")), Outcome::Fail);
        assert_eq!(
            l.describe(),
            "其余：绝对误差 小于 ±1 %；> 5 %：相对准确度 ±15 %"
        );
    }

    #[test]
    fn pass_count_rule() {
        let l = limit(
            r#"id = "n"
            label = "比对合格对数"
            source = "HJ 355-2019"
            confidence = "code_1"
            min_pairs = 3
            pass_count = [[3, 2], [4, 3], [5, 4]]"#,
        );
        assert_eq!(l.passes_needed(2), None);
        assert_eq!(l.passes_needed(3), Some(2));
        assert_eq!(l.passes_needed(4), Some(3));
        assert_eq!(l.passes_needed(5), Some(4));
        assert_eq!(l.passes_needed(9), Some(4));
        assert_eq!(
            l.describe(),
            "3 对中至少 2 对合格，4 对中至少 3 对合格，5 对中至少 4 对合格（至少 3 对）"
        );
    }
}
