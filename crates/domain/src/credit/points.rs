//! Points in tenths: an indicator system writes scores with at most one decimal, and sums of
//! tenths stay exact where floats would not.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Points(pub i64);

impl Points {
    pub const ZERO: Points = Points(0);

    pub fn whole(n: i64) -> Points {
        Points(n * 10)
    }

    pub fn tenths(self) -> i64 {
        self.0
    }

    /// A number as written in a document, with at most one decimal.
    pub fn from_number(x: f64) -> Result<Points, String> {
        let tenths = (x * 10.0).round();
        if !x.is_finite() || (x * 10.0 - tenths).abs() > 1e-6 || tenths.abs() > 1e9 {
            return Err(format!("{x} 不是最多一位小数的分值"));
        }
        // In range and whole: the cast is exact.
        Ok(Points(tenths as i64))
    }
}

impl fmt::Display for Points {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        if abs.is_multiple_of(10) {
            write!(f, "{sign}{}", abs / 10)
        } else {
            write!(f, "{sign}{}.{}", abs / 10, abs % 10)
        }
    }
}

impl Serialize for Points {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if self.0 % 10 == 0 {
            s.serialize_i64(self.0 / 10)
        } else {
            // One decimal: exact enough for any reader.
            s.serialize_f64(self.0 as f64 / 10.0)
        }
    }
}

impl<'de> Deserialize<'de> for Points {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Points, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Number {
            Int(i64),
            Float(f64),
        }
        match Number::deserialize(d)? {
            Number::Int(n) => Ok(Points::whole(n)),
            Number::Float(x) => Points::from_number(x).map_err(serde::de::Error::custom),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenths_print_as_people_write_them() {
        assert_eq!(Points(125).to_string(), "12.5");
        assert_eq!(Points(120).to_string(), "12");
        assert_eq!(Points(-5).to_string(), "-0.5");
        assert_eq!(Points::from_number(2.5), Ok(Points(25)));
        assert!(Points::from_number(2.25).is_err());
    }
}
