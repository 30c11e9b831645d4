//! Units of the limits and of the readings, and the exact conversions between the gas
//! concentration units: HJ 75-2017 states SO₂ and NOx bands in µmol/mol while analysers and
//! reference methods report mg/m³ (standard conditions, dry). mg/m³ = µmol/mol × M ÷ Vm, with
//! Vm = 22.4 L/mol at 273.15 K and 101.325 kPa and NOx counted as NO₂ (HJ 75-2017 §3,
//! GB 13223 "以 NO₂ 计"). Arithmetic is decimal; nothing is compared across units unconverted.

use rust_decimal::Decimal;

/// Molar volume of an ideal gas at standard conditions (273.15 K, 101.325 kPa), L/mol.
pub const MOLAR_VOLUME: Decimal = Decimal::from_parts(224, 0, 0, false, 1);

/// A gas whose concentration can be converted between mg/m³ and µmol/mol.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Gas {
    /// As written in the catalogue (`gas = "NO2"`).
    pub code: &'static str,
    pub label: &'static str,
    /// g/mol, from the standard atomic weights (IUPAC 2021).
    pub molar_mass: Decimal,
}

/// The gases the catalogue may name.
pub const GASES: [Gas; 4] = [
    Gas {
        code: "SO2",
        label: "SO₂",
        // 32.06 + 2 × 15.999
        molar_mass: Decimal::from_parts(64058, 0, 0, false, 3),
    },
    Gas {
        code: "NO2",
        label: "NO₂",
        // 14.007 + 2 × 15.999
        molar_mass: Decimal::from_parts(46005, 0, 0, false, 3),
    },
    Gas {
        code: "NO",
        label: "NO",
        // 14.007 + 15.999
        molar_mass: Decimal::from_parts(30006, 0, 0, false, 3),
    },
    Gas {
        code: "CO",
        label: "CO",
        // 12.011 + 15.999
        molar_mass: Decimal::from_parts(28010, 0, 0, false, 3),
    },
];

pub fn gas(code: &str) -> Option<Gas> {
    GASES.into_iter().find(|g| g.code == code)
}

/// The canonical spelling of a unit: `mg/m3` and `mg/Nm³` are `mg/m³`, `ppm` and `umol/mol`
/// are `µmol/mol`. Other units are kept as written (trimmed).
pub fn canonical(unit: &str) -> String {
    let u = unit.trim();
    match u {
        "mg/m3" | "mg/m³" | "mg/Nm3" | "mg/Nm³" | "mg/m^3" => "mg/m³".to_string(),
        "µmol/mol" | "μmol/mol" | "umol/mol" | "ppm" => "µmol/mol".to_string(),
        _ => u.to_string(),
    }
}

/// Whether two units are the same once spelled alike.
pub fn same(a: &str, b: &str) -> bool {
    canonical(a) == canonical(b)
}

/// `value` in unit `from` expressed in unit `to`, exactly; the message when it cannot be.
pub fn convert(value: Decimal, from: &str, to: &str, gas: Option<Gas>) -> Result<Decimal, String> {
    let (from, to) = (canonical(from), canonical(to));
    if from == to {
        return Ok(value);
    }
    let Some(g) = gas else {
        return Err(format!("单位“{from}”不能换算为限值的单位“{to}”"));
    };
    match (from.as_str(), to.as_str()) {
        ("mg/m³", "µmol/mol") => Ok(value * MOLAR_VOLUME / g.molar_mass),
        ("µmol/mol", "mg/m³") => Ok(value * g.molar_mass / MOLAR_VOLUME),
        _ => Err(format!(
            "单位“{from}”不能换算为限值的单位“{to}”（{}）",
            g.label
        )),
    }
}

/// How the conversion was made, as shown beside a verdict.
pub fn describe(gas: Gas) -> String {
    format!(
        "{} 按摩尔质量 {} g/mol、标准状态摩尔体积 {} L/mol 换算",
        gas.label, gas.molar_mass, MOLAR_VOLUME
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::form::number::parse_decimal;

    fn d(s: &str) -> Decimal {
        parse_decimal(s).unwrap_or_default()
    }

    #[test]
    fn so2_and_nox_convert_exactly_both_ways() {
        let so2 = gas("SO2");
        // 20 µmol/mol of SO₂ is 20 × 64.058 ÷ 22.4 = 57.1946… mg/m³.
        let mg = convert(d("20"), "µmol/mol", "mg/m³", so2).unwrap();
        assert_eq!(mg.round_dp(4), d("57.1946"));
        assert_eq!(
            convert(mg, "mg/m3", "ppm", so2).unwrap().round_dp(10),
            d("20")
        );
        // NOx as NO₂: 50 µmol/mol is 102.69 mg/m³.
        let nox = convert(d("50"), "µmol/mol", "mg/m³", gas("NO2")).unwrap();
        assert_eq!(nox.round_dp(2), d("102.69"));
    }

    #[test]
    fn what_cannot_be_converted_is_named() {
        assert_eq!(convert(d("5"), "mg/L", "mg/L", None), Ok(d("5")));
        let e = convert(d("5"), "mg/m³", "µmol/mol", None).unwrap_err();
        assert!(e.contains("不能换算"), "{e}");
        let e = convert(d("5"), "%", "µmol/mol", gas("SO2")).unwrap_err();
        assert!(e.contains("“%”"), "{e}");
        assert!(same(" mg/m3", "mg/m³"));
        assert!(!same("mg/L", "mg/m³"));
    }
}
