//! A reading compared with a reference value (参比值) by the catalogue's comparison rules: the band
//! chosen by the reference value, the error rounded (GB/T 8170) and held against the band's limit,
//! readings in another unit judged by the standard's printed figures or converted exactly. Used by
//! the forms' verdicts and by the regulators' comparison sampling (比对抽测).

use super::evaluate::Verdict;
use super::formula;
use super::limit::{Band, ErrorKind, Limit, Outcome};
use super::number::{format_decimal, round_gb8170};
use rust_decimal::Decimal;

/// A comparison made ready for its band: values in the unit the band's figures are in.
struct Judging<'l> {
    band: &'l Band,
    reference: Decimal,
    measured: Decimal,
    pairs: Vec<(Decimal, Decimal)>,
    /// The absolute limit the error is held against (the band's, or its printed figure).
    max_abs: Decimal,
    /// The unit `reference` is shown in.
    unit: Option<String>,
    /// The unit of an absolute error.
    absolute_unit: String,
    /// How the units were handled, for the explanation.
    how: Option<String>,
}

/// Comparison against the band chosen by the reference value. Readings in another unit than
/// the limit's are judged with the figures the standard prints in their unit, or else
/// converted exactly; a unit that cannot be converted is refused, never compared: Err says why,
/// for the field that gave the unit.
#[allow(clippy::too_many_arguments)]
pub fn judge_band(
    l: &Limit,
    reference: Decimal,
    measured: Decimal,
    pairs: &[(Decimal, Decimal)],
    decimals: u32,
    reading_unit: Option<&str>,
    v: &mut Verdict,
) -> Result<(), String> {
    let limit_unit = l.unit.as_deref();
    // A single relative band has neither an edge nor an absolute figure: units do not enter.
    let unit_matters = l.bands.len() > 1 || l.bands.iter().any(|b| b.error == ErrorKind::Absolute);
    let judging = match (reading_unit, limit_unit) {
        (Some(r), Some(u)) if unit_matters && !super::unit::same(r, u) => {
            match in_other_unit(l, reference, measured, pairs, r, u, v)? {
                Some(j) => j,
                None => return Ok(()),
            }
        }
        _ => match l.band_for(reference) {
            Some(band) => Judging {
                band,
                reference,
                measured,
                pairs: pairs.to_vec(),
                max_abs: band.max_abs.0,
                unit: reading_unit.or(limit_unit).map(str::to_string),
                absolute_unit: band.unit.clone(),
                how: None,
            },
            None => {
                v.explanation = "参比值不在任何浓度段内，未作判定".into();
                return Ok(());
            }
        },
    };
    let band = judging.band;
    let error = match band.error {
        ErrorKind::Absolute => Ok(formula::absolute_error(judging.measured, judging.reference)),
        ErrorKind::Relative => formula::relative_error(judging.measured, judging.reference),
        ErrorKind::RelativeAccuracy => formula::relative_accuracy(&judging.pairs),
    };
    let decimals = band.decimals.unwrap_or(decimals);
    let e = match error {
        Ok(e) => round_gb8170(e, decimals),
        Err(reason) => {
            v.explanation = format!("{reason}，未作判定");
            return Ok(());
        }
    };
    v.outcome = band.judge_against(e, judging.max_abs);
    let error_unit = match band.error {
        ErrorKind::Absolute => judging.absolute_unit.clone(),
        _ => band.unit.clone(),
    };
    let shown = band.describe_in(limit_unit);
    v.value = Some(format_decimal(e, Some(decimals)));
    v.unit = Some(error_unit.clone());
    v.limit = Some(shown.clone());
    let how = judging.how.map(|h| format!("{h}；")).unwrap_or_default();
    let unit = judging.unit.map(|u| format!(" {u}")).unwrap_or_default();
    v.explanation = format!(
        "{how}参比值 {}{unit}，适用“{shown}”（{}）；{} {}{error_unit}：{}",
        format_decimal(judging.reference, None),
        l.source,
        band.error.label(),
        format_decimal(e, Some(decimals)),
        v.outcome.label()
    );
    Ok(())
}

/// How readings in `r_unit` meet a limit stated in `l_unit`: by the standard's printed
/// figures in `r_unit` when it has them for every band, else converted exactly. None (with
/// the reason on the verdict, and refused when the unit cannot be converted) when they cannot.
#[allow(clippy::too_many_arguments)]
fn in_other_unit<'l>(
    l: &'l Limit,
    reference: Decimal,
    measured: Decimal,
    pairs: &[(Decimal, Decimal)],
    r_unit: &str,
    l_unit: &str,
    v: &mut Verdict,
) -> Result<Option<Judging<'l>>, String> {
    if let Some(band) = l.band_by_printed(reference, r_unit) {
        let printed_max = band.printed.as_ref().and_then(|p| p.max_abs).map(|m| m.0);
        let max_abs = match (band.error, printed_max) {
            (ErrorKind::Absolute, Some(m)) => m,
            (ErrorKind::Absolute, None) => {
                v.explanation = format!(
                    "标准未列出该浓度段的 {r_unit} 限值，读数单位 {r_unit} 与限值单位 {l_unit} 不同，未作判定"
                );
                return Ok(None);
            }
            _ => band.max_abs.0,
        };
        return Ok(Some(Judging {
            band,
            reference,
            measured,
            pairs: pairs.to_vec(),
            max_abs,
            unit: Some(r_unit.to_string()),
            absolute_unit: r_unit.to_string(),
            how: Some(format!(
                "读数单位 {r_unit}，按标准所列 {r_unit} 数值选段和判定"
            )),
        }));
    }
    let gas = l.gas.as_deref().and_then(super::unit::gas);
    let to = |x: Decimal| super::unit::convert(x, r_unit, l_unit, gas);
    let converted = to(reference).and_then(|r| {
        let m = to(measured)?;
        let ps = pairs
            .iter()
            .map(|(a, b)| Ok((to(*a)?, to(*b)?)))
            .collect::<Result<Vec<_>, String>>()?;
        Ok((r, m, ps))
    });
    let (r, m, ps) = match converted {
        Ok(c) => c,
        Err(reason) => {
            // Refused until the instrument's record states a unit the catalogue converts.
            v.explanation = format!("{reason}，未作判定");
            return Err(format!(
                "{reason}，无法判定；请企业核对仪器档案中的计量单位"
            ));
        }
    };
    let Some(band) = l.band_for(r) else {
        v.explanation = "参比值不在任何浓度段内，未作判定".into();
        return Ok(None);
    };
    let by = gas
        .map(|g| format!("（{}）", super::unit::describe(g)))
        .unwrap_or_default();
    Ok(Some(Judging {
        band,
        reference: r,
        measured: m,
        pairs: ps,
        max_abs: band.max_abs.0,
        unit: Some(l_unit.to_string()),
        absolute_unit: band.unit.clone(),
        how: Some(format!(
            "读数单位 {r_unit}，参比值 {} {r_unit} = {} {l_unit}{by}",
            format_decimal(reference, None),
            format_decimal(round_gb8170(r, 2), None),
        )),
    }))
}

/// One reading of a comparison sampling (比对抽测) judged by a limit of the catalogue, exactly as
/// a record's verdict: a banded limit by the band its reference value falls in, a plain limit
/// (pH) by the difference reading − reference. Err: the reading's unit cannot be compared.
pub fn judge_pair(
    l: &Limit,
    reference: Decimal,
    measured: Decimal,
    reading_unit: Option<&str>,
    path: &str,
) -> Result<Verdict, String> {
    let mut v = Verdict {
        path: path.to_string(),
        label: l.label.clone(),
        outcome: Outcome::NotApplicable,
        value: None,
        unit: l.unit.clone(),
        limit: Some(l.describe()),
        source: Some(l.source.clone()),
        confidence: Some(l.confidence),
        explanation: String::new(),
    };
    if !l.bands.is_empty() {
        judge_band(
            l,
            reference,
            measured,
            &[(reference, measured)],
            1,
            reading_unit,
            &mut v,
        )?;
        return Ok(v);
    }
    if let (Some(r), Some(u)) = (reading_unit, l.unit.as_deref())
        && !super::unit::same(r, u)
    {
        return Err(format!("读数单位 {r} 与限值单位 {u} 不同，无法判定"));
    }
    let difference = round_gb8170(measured - reference, PLAIN_DECIMALS);
    v.outcome = l.judge(difference);
    v.value = Some(format_decimal(difference, Some(PLAIN_DECIMALS)));
    let unit = l
        .unit
        .as_deref()
        .map(|u| format!(" {u}"))
        .unwrap_or_default();
    v.explanation = format!(
        "参比值 {}{unit}，测量值 {}{unit}，差值 {}{unit}，限值 {}（{}）：{}",
        format_decimal(reference, None),
        format_decimal(measured, None),
        format_decimal(difference, Some(PLAIN_DECIMALS)),
        l.describe(),
        l.source,
        v.outcome.label()
    );
    Ok(v)
}

/// Places a plain difference is rounded to before it is compared (pH to 0.01).
const PLAIN_DECIMALS: u32 = 2;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::number::parse_decimal;

    fn d(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    fn cod() -> Limit {
        toml::from_str(
            r#"id = "cod"
            label = "化学需氧量比对"
            unit = "mg/L"
            source = "HJ 355-2019 表1"
            confidence = "code_1"
            bands = [
              { error = "absolute", max_abs = 5, unit = "mg/L", decimals = 1 },
              { from = 30, error = "relative", max_abs = 30, unit = "%" },
              { from = 60, error = "relative", max_abs = 20, unit = "%" },
              { from = 100, error = "relative", max_abs = 15, unit = "%" },
            ]"#,
        )
        .unwrap()
    }

    fn judge(reference: &str, measured: &str) -> Verdict {
        judge_pair(
            &cod(),
            d(reference),
            d(measured),
            Some("mg/L"),
            "comparisons[0]",
        )
        .unwrap()
    }

    #[test]
    fn the_reference_value_chooses_the_band_at_its_edges() {
        // 29.9 mg/L: absolute band, ±5 mg/L.
        let v = judge("29.9", "34.9");
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(v.value.as_deref(), Some("5.0"));
        assert_eq!(judge("29.9", "35.0").outcome, Outcome::Fail);
        // 30 mg/L is the relative band's own edge: ±30 %.
        let v = judge("30", "39");
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(v.unit.as_deref(), Some("%"));
        assert_eq!(judge("30", "39.1").outcome, Outcome::Fail);
        // 60 mg/L: ±20 %; 100 mg/L: ±15 %.
        assert_eq!(judge("60", "72").outcome, Outcome::Pass);
        assert_eq!(judge("60", "72.1").outcome, Outcome::Fail);
        assert_eq!(judge("100", "85").outcome, Outcome::Pass);
        let v = judge("100", "84.9");
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.explanation.contains("HJ 355-2019 表1"),
            "{}",
            v.explanation
        );
        assert!(
            v.explanation.contains("相对误差 -15.1%：不合格"),
            "{}",
            v.explanation
        );
    }

    #[test]
    fn relative_accuracy_needs_more_than_one_pair_and_is_not_judged() {
        let l: Limit = toml::from_str(
            r#"id = "o2"
            label = "氧气准确度"
            unit = "%"
            source = "HJ 75-2017"
            confidence = "unconfirmed"
            bands = [
              { error = "absolute", max_abs = 1.0, unit = "%", decimals = 1 },
              { from = 5.0, from_op = ">", error = "relative_accuracy", max_abs = 15, unit = "%" },
            ]"#,
        )
        .unwrap();
        let v = judge_pair(&l, d("8"), d("9"), None, "c").unwrap();
        assert_eq!(v.outcome, Outcome::NotApplicable);
        assert!(v.explanation.contains("至少需要 2 对"), "{}", v.explanation);
        assert_eq!(
            judge_pair(&l, d("5.0"), d("6.0"), None, "c")
                .unwrap()
                .outcome,
            Outcome::Pass
        );
        assert_eq!(
            judge_pair(&l, d("5.0"), d("6.1"), None, "c")
                .unwrap()
                .outcome,
            Outcome::Fail
        );
    }

    #[test]
    fn a_plain_limit_judges_the_difference_and_a_foreign_unit_is_refused() {
        let ph: Limit = toml::from_str(
            r#"id = "ph"
            label = "pH 比对"
            unit = "pH"
            max_abs = 0.5
            source = "HJ 355-2019 表1"
            confidence = "code_2""#,
        )
        .unwrap();
        assert_eq!(
            judge_pair(&ph, d("7.2"), d("7.7"), None, "c")
                .unwrap()
                .outcome,
            Outcome::Pass
        );
        assert_eq!(
            judge_pair(&ph, d("7.2"), d("6.69"), None, "c")
                .unwrap()
                .outcome,
            Outcome::Fail
        );
        assert!(judge_pair(&ph, d("7.2"), d("7.3"), Some("mg/L"), "c").is_err());
        assert!(judge_pair(&cod(), d("50"), d("51"), Some("kg"), "c").is_err());
    }
}
