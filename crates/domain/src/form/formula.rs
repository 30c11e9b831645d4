//! The formulas a computed field may use (forms.md §5, standards-research.md §2). Each returns
//! None, with the reason, when its inputs do not allow a value (a zero reference, an empty range).

use chrono::{DateTime, FixedOffset};
use rust_decimal::{Decimal, MathematicalOps};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Formula {
    /// Mean of the arguments, or of a column of rows (`pairs.lab`).
    Mean,
    /// measured − reference.
    AbsoluteError,
    /// (measured − reference) / reference × 100.
    RelativeError,
    /// (pre-calibration − last post-calibration) / (upper − lower) × 100, in %F.S.
    Drift,
    /// (reading − reference) / (upper − lower) × 100, in %F.S.
    CalibrationError,
    /// Hours from the first datetime to the second (downtime).
    DurationHours,
}

impl Formula {
    /// How many arguments the formula takes (None = one or more).
    pub fn arity(self) -> Option<usize> {
        match self {
            Formula::Mean => None,
            Formula::AbsoluteError | Formula::RelativeError | Formula::DurationHours => Some(2),
            Formula::Drift | Formula::CalibrationError => Some(4),
        }
    }

    /// The formula as users read it next to the computed value.
    pub fn describe(self) -> &'static str {
        match self {
            Formula::Mean => "平均值",
            Formula::AbsoluteError => "测量值 − 参比值",
            Formula::RelativeError => "(测量值 − 参比值) ÷ 参比值 × 100%",
            Formula::Drift => "(校前测试值 − 上次校准后测试值) ÷ (量程上限 − 量程下限) × 100%",
            Formula::CalibrationError => "(校前测试值 − 标准值) ÷ (量程上限 − 量程下限) × 100%",
            Formula::DurationHours => "恢复正常时间 − 故障发生时间",
        }
    }
}

const HUNDRED: Decimal = Decimal::ONE_HUNDRED;

pub fn mean(values: &[Decimal]) -> Result<Decimal, &'static str> {
    if values.is_empty() {
        return Err("没有可计算平均值的数据");
    }
    let sum: Decimal = values.iter().sum();
    Ok(sum / Decimal::from(values.len()))
}

pub fn absolute_error(measured: Decimal, reference: Decimal) -> Decimal {
    measured - reference
}

pub fn relative_error(measured: Decimal, reference: Decimal) -> Result<Decimal, &'static str> {
    if reference.is_zero() {
        return Err("参比值为 0，无法计算相对误差");
    }
    Ok((measured - reference) / reference * HUNDRED)
}

fn full_scale(lower: Decimal, upper: Decimal) -> Result<Decimal, &'static str> {
    if upper <= lower {
        return Err("量程上限须大于量程下限");
    }
    Ok(upper - lower)
}

pub fn drift(
    pre: Decimal,
    last_post: Decimal,
    lower: Decimal,
    upper: Decimal,
) -> Result<Decimal, &'static str> {
    Ok((pre - last_post) / full_scale(lower, upper)? * HUNDRED)
}

pub fn calibration_error(
    reading: Decimal,
    reference: Decimal,
    lower: Decimal,
    upper: Decimal,
) -> Result<Decimal, &'static str> {
    Ok((reading - reference) / full_scale(lower, upper)? * HUNDRED)
}

pub fn duration_hours(
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
) -> Result<Decimal, &'static str> {
    let minutes = (to - from).num_minutes();
    if minutes < 0 {
        return Err("恢复正常时间早于故障发生时间");
    }
    Ok(Decimal::from(minutes) / Decimal::from(60))
}

/// Two-sided Student t at 97.5 % for f = 1..=30 degrees of freedom.
const T_975: [&str; 30] = [
    "12.706", "4.303", "3.182", "2.776", "2.571", "2.447", "2.365", "2.306", "2.262", "2.228",
    "2.201", "2.179", "2.160", "2.145", "2.131", "2.120", "2.110", "2.101", "2.093", "2.086",
    "2.080", "2.074", "2.069", "2.064", "2.060", "2.056", "2.052", "2.048", "2.045", "2.042",
];

/// t(0.975, f); beyond 30 degrees of freedom the value for 30 is used, which is conservative.
pub fn t_975(degrees_of_freedom: usize) -> Option<Decimal> {
    let i = degrees_of_freedom.clamp(1, T_975.len()) - 1;
    if degrees_of_freedom == 0 {
        return None;
    }
    T_975.get(i).and_then(|s| s.parse().ok())
}

/// Relative accuracy of paired data (reference, CEMS):
/// RA = (|d̄| + |cc|) / RM̄ × 100 %, d = reference − CEMS, cc = t(0.975, n−1) · Sd / √n.
pub fn relative_accuracy(pairs: &[(Decimal, Decimal)]) -> Result<Decimal, &'static str> {
    let n = pairs.len();
    if n < 2 {
        return Err("相对准确度至少需要 2 对数据");
    }
    let diffs: Vec<Decimal> = pairs.iter().map(|(r, c)| r - c).collect();
    let d_mean = mean(&diffs)?;
    let ref_mean = mean(&pairs.iter().map(|(r, _)| *r).collect::<Vec<_>>())?;
    if ref_mean.is_zero() {
        return Err("参比方法平均值为 0，无法计算相对准确度");
    }
    let n_dec = Decimal::from(n);
    let ss: Decimal = diffs.iter().map(|d| (d - d_mean) * (d - d_mean)).sum();
    let sd = (ss / (n_dec - Decimal::ONE))
        .sqrt()
        .ok_or("无法计算标准偏差")?;
    let t = t_975(n - 1).ok_or("数据对数不足")?;
    let cc = t * sd / n_dec.sqrt().ok_or("无法计算标准偏差")?;
    Ok((d_mean.abs() + cc.abs()) / ref_mean.abs() * HUNDRED)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::number::{parse_decimal, round_gb8170};

    fn d(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn drift_is_change_since_the_last_calibration_over_full_scale() {
        // Range 0–200, last post-calibration 1.0, pre-calibration 6.0: +2.5 %F.S.
        assert_eq!(
            drift(d("6.0"), d("1.0"), d("0"), d("200")).unwrap(),
            d("2.5")
        );
        // Negative drift.
        assert_eq!(
            drift(d("-4.2"), d("1.0"), d("0"), d("200")).unwrap(),
            d("-2.6")
        );
        // A non-zero lower range edge narrows the full scale.
        assert_eq!(
            drift(d("110"), d("100"), d("50"), d("450")).unwrap(),
            d("2.5")
        );
        assert!(drift(d("1"), d("1"), d("100"), d("100")).is_err());
        assert!(drift(d("1"), d("1"), d("100"), d("50")).is_err());
    }

    #[test]
    fn calibration_error_is_against_the_reference_gas() {
        assert_eq!(
            calibration_error(d("162"), d("160"), d("0"), d("200")).unwrap(),
            d("1")
        );
        assert_eq!(
            calibration_error(d("155"), d("160"), d("0"), d("200")).unwrap(),
            d("-2.5")
        );
    }

    #[test]
    fn relative_and_absolute_errors() {
        assert_eq!(relative_error(d("110"), d("100")).unwrap(), d("10"));
        assert_eq!(relative_error(d("85"), d("100")).unwrap(), d("-15"));
        assert!(relative_error(d("1"), d("0")).is_err());
        assert_eq!(absolute_error(d("1.2"), d("1.5")), d("-0.3"));
        // 1/3 is rounded only where the form says so.
        let e = relative_error(d("4"), d("3")).unwrap();
        assert_eq!(round_gb8170(e, 1), d("33.3"));
    }

    #[test]
    fn mean_of_values() {
        assert_eq!(mean(&[d("10.1"), d("10.4")]).unwrap(), d("10.25"));
        assert!(mean(&[]).is_err());
    }

    #[test]
    fn downtime_in_hours() {
        let at = |s: &str| DateTime::parse_from_rfc3339(s).unwrap();
        let h = duration_hours(
            at("2026-11-20T08:00:00+08:00"),
            at("2026-11-20T11:30:00+08:00"),
        );
        assert_eq!(h.unwrap(), d("3.5"));
        // Across midnight and a month end.
        let h = duration_hours(
            at("2026-11-30T22:00:00+08:00"),
            at("2026-12-01T01:15:00+08:00"),
        );
        assert_eq!(h.unwrap(), d("3.25"));
        assert_eq!(
            duration_hours(
                at("2026-11-20T08:00:00+08:00"),
                at("2026-11-20T08:00:00+08:00")
            )
            .unwrap(),
            d("0")
        );
        assert!(
            duration_hours(
                at("2026-11-20T08:00:00+08:00"),
                at("2026-11-20T07:59:00+08:00")
            )
            .is_err()
        );
    }

    #[test]
    fn student_t_values() {
        assert_eq!(t_975(8), Some(d("2.306")));
        assert_eq!(t_975(5), Some(d("2.571")));
        assert_eq!(t_975(100), Some(d("2.042")));
        assert_eq!(t_975(0), None);
    }

    #[test]
    fn relative_accuracy_of_nine_pairs() {
        // Reference 100 each, CEMS alternating 98 and 102 except one 100: d̄ = 0,
        // Sd = sqrt(32/8) = 2, cc = 2.306 × 2 / 3 = 1.5373…, RA = 1.537… %.
        let cems = ["98", "102", "98", "102", "100", "98", "102", "98", "102"];
        let pairs: Vec<_> = cems.iter().map(|c| (d("100"), d(c))).collect();
        let ra = relative_accuracy(&pairs).unwrap();
        assert_eq!(round_gb8170(ra, 2), d("1.54"));
        // A constant bias of 10 on 100: d̄ = 10, Sd = 0, RA = 10 %.
        let pairs: Vec<_> = (0..6).map(|_| (d("100"), d("90"))).collect();
        assert_eq!(round_gb8170(relative_accuracy(&pairs).unwrap(), 2), d("10"));
        assert!(relative_accuracy(&pairs[..1]).is_err());
    }
}
