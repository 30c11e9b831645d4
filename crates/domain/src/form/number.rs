//! Exact decimal numbers for form values and limits. Verdicts are computed in decimal, never in
//! binary floating point, so a value exactly on a limit is judged as the standard intends
//! (−15 % against ±15 % passes).

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::str::FromStr;

/// GB/T 8170 修约 to `decimals` places: 四舍六入五成双 on the exact value (a 5 followed by nothing
/// rounds to the even neighbour; a 5 followed by any non-zero digit rounds up in magnitude).
pub fn round_gb8170(value: Decimal, decimals: u32) -> Decimal {
    value.round_dp_with_strategy(decimals, RoundingStrategy::MidpointNearestEven)
}

/// Parses a decimal as users and clients write it: optional sign, digits, optional fraction.
/// Exponents, thousands separators and spaces inside are refused.
pub fn parse_decimal(text: &str) -> Option<Decimal> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    let mut parts = digits.splitn(2, '.');
    let int = parts.next().unwrap_or("");
    let frac = parts.next();
    let ok = !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()));
    if !ok || digits.len() > 28 {
        return None;
    }
    Decimal::from_str_exact(t).ok()
}

/// The number of decimal places the user wrote ("12.30" has two).
pub fn written_decimals(value: Decimal) -> u32 {
    value.scale()
}

/// A decimal in a definition file: written as a string (`"2.5"`), an integer or a TOML float.
/// Floats are read through their shortest decimal form, so `2.5` is exactly 2.5.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Dec(pub Decimal);

impl<'de> Deserialize<'de> for Dec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Int(i64),
            Float(f64),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::Int(i) => i.to_string(),
            Raw::Float(f) => f.to_string(),
            Raw::Text(s) => s,
        };
        parse_decimal(&text)
            .map(Dec)
            .ok_or_else(|| serde::de::Error::custom(format!("“{text}”不是有效的数值")))
    }
}

impl Serialize for Dec {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0.normalize().to_string())
    }
}

impl FromStr for Dec {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        parse_decimal(s).map(Dec).ok_or(())
    }
}

/// A decimal for display: trailing zeros kept to `decimals` places when given.
pub fn format_decimal(value: Decimal, decimals: Option<u32>) -> String {
    match decimals {
        Some(d) => {
            let mut v = round_gb8170(value, d);
            v.rescale(d);
            v.to_string()
        }
        None => value.normalize().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        parse_decimal(s).unwrap()
    }

    #[test]
    fn gb8170_rounding_examples() {
        // Examples in the style of GB/T 8170-2008 §3.3.
        assert_eq!(round_gb8170(d("12.1498"), 1), d("12.1"));
        assert_eq!(round_gb8170(d("1268"), 0), d("1268"));
        assert_eq!(round_gb8170(d("10.5002"), 0), d("11"));
        assert_eq!(round_gb8170(d("1.050"), 1), d("1.0"));
        assert_eq!(round_gb8170(d("0.35"), 1), d("0.4"));
        assert_eq!(round_gb8170(d("2.25"), 1), d("2.2"));
        assert_eq!(round_gb8170(d("2.35"), 1), d("2.4"));
        assert_eq!(round_gb8170(d("2.2501"), 1), d("2.3"));
        // Negative numbers round their magnitude the same way.
        assert_eq!(round_gb8170(d("-2.25"), 1), d("-2.2"));
        assert_eq!(round_gb8170(d("-0.0365"), 3), d("-0.036"));
        assert_eq!(round_gb8170(d("-0.0375"), 3), d("-0.038"));
    }

    #[test]
    fn parses_what_people_write_and_nothing_else() {
        assert_eq!(parse_decimal("12.30").unwrap().to_string(), "12.30");
        assert_eq!(written_decimals(d("12.30")), 2);
        assert_eq!(parse_decimal(" -0.5 "), Some(d("-0.5")));
        for bad in [
            "", "-", "1e3", "1,000", "1.", ".5", "1.2.3", "NaN", "12 3", "+1", "0x10",
        ] {
            assert_eq!(parse_decimal(bad), None, "{bad}");
        }
        assert_eq!(parse_decimal(&"9".repeat(40)), None);
    }

    #[test]
    fn decimal_arithmetic_judges_band_edges_exactly() {
        // TN −15 %: online 1.7 against lab 2.0 is exactly −15 %.
        let e = (d("1.7") - d("2.0")) / d("2.0") * d("100");
        assert_eq!(e, d("-15"));
        // The same in binary floating point misses the edge.
        let f = (1.7_f64 - 2.0) / 2.0 * 100.0;
        assert!(f.abs() > 15.0);
        // NH3-N +0.3 mg/L absolute.
        assert_eq!(d("1.5") - d("1.2"), d("0.3"));
    }

    #[test]
    fn definition_decimals_read_floats_exactly() {
        #[derive(Deserialize)]
        struct T {
            a: Dec,
            b: Dec,
            c: Dec,
        }
        let t: T = toml::from_str("a = 2.5\nb = \"0.04\"\nc = 350").unwrap();
        assert_eq!(t.a.0, d("2.5"));
        assert_eq!(t.b.0, d("0.04"));
        assert_eq!(t.c.0, d("350"));
        assert!(toml::from_str::<T>("a = \"x\"\nb = 1\nc = 1").is_err());
    }

    #[test]
    fn formats_with_fixed_places() {
        assert_eq!(format_decimal(d("2.6"), Some(2)), "2.60");
        assert_eq!(format_decimal(d("2.625"), Some(2)), "2.62");
        assert_eq!(format_decimal(d("2.500"), None), "2.5");
    }
}
