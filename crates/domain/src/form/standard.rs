//! 标准物质 (standard gases, solutions and samples): what an agency registers from each
//! certificate, and what a calibration or check reads from it. A form field of kind `standard`
//! chooses one; the certified value then comes from the registry (a number field with
//! `prefill = "standard.<field>"`), and a `standard_valid` verdict holds the certificate's expiry
//! against the day it was used — an expired standard invalidates the calibration (standards-research
//! §G7, S29). A record keeps a copy of what the certificate said, so later edits elsewhere change
//! nothing it shows.

use super::definition::{FormDefinition, Kind};
use super::number::{format_decimal, parse_decimal};
use super::unit::{self, Gas};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// What the material is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MaterialKind {
    /// 标准气体 (a cylinder for a CEMS span).
    Gas,
    /// 标准溶液 (a wastewater analyser's check solution).
    Solution,
    /// 标准样品 (a certified sample).
    Sample,
}

impl MaterialKind {
    pub const ALL: [MaterialKind; 3] = [
        MaterialKind::Gas,
        MaterialKind::Solution,
        MaterialKind::Sample,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MaterialKind::Gas => "gas",
            MaterialKind::Solution => "solution",
            MaterialKind::Sample => "sample",
        }
    }

    pub fn parse(s: &str) -> Option<MaterialKind> {
        MaterialKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            MaterialKind::Gas => "标准气体",
            MaterialKind::Solution => "标准溶液",
            MaterialKind::Sample => "标准样品",
        }
    }
}

/// One registered certificate (one component of it: a multi-component cylinder is registered
/// once per component under the same certificate number).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandardMaterial {
    pub id: String,
    pub kind: MaterialKind,
    pub certificate_no: String,
    pub producer: String,
    pub lot_no: String,
    /// The component certified, named as the instruments' parameters are (二氧化硫, 氨氮 …).
    pub component: String,
    pub certified_value: Decimal,
    /// As the certificate prints it (e.g. "U = 2 %，k = 2").
    pub uncertainty: String,
    pub unit: String,
    pub expires_on: NaiveDate,
}

impl StandardMaterial {
    /// "证书 GBW(E)061234 · 二氧化硫 80.5 µmol/mol · 有效期至 2027-06-30".
    pub fn label(&self) -> String {
        format!(
            "证书 {} · {} {} {} · 有效期至 {}",
            self.certificate_no,
            self.component,
            format_decimal(self.certified_value, None),
            self.unit,
            self.expires_on
        )
    }

    /// What a record keeps of the certificate.
    pub fn snapshot(&self) -> Value {
        json!({
            "id": self.id,
            "kind": self.kind.as_str(),
            "certificate_no": self.certificate_no,
            "producer": self.producer,
            "lot_no": self.lot_no,
            "component": self.component,
            "certified_value": format_decimal(self.certified_value, None),
            "uncertainty": self.uncertainty,
            "unit": self.unit,
            "expires_on": self.expires_on.to_string(),
        })
    }

    /// The material a record's copy describes; None when it is not one.
    pub fn from_snapshot(v: &Map<String, Value>) -> Option<StandardMaterial> {
        let s = |k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
        Some(StandardMaterial {
            id: s("id")?,
            kind: MaterialKind::parse(&s("kind")?)?,
            certificate_no: s("certificate_no")?,
            producer: s("producer")?,
            lot_no: s("lot_no")?,
            component: s("component")?,
            certified_value: parse_decimal(&s("certified_value")?)?,
            uncertainty: s("uncertainty")?,
            unit: s("unit")?,
            expires_on: NaiveDate::parse_from_str(&s("expires_on")?, "%Y-%m-%d").ok()?,
        })
    }

    /// The certified value in `to` (the instrument's unit): exact where the component is a gas
    /// the catalogue can convert, else the units must agree. With how it was converted.
    pub fn value_in(&self, to: &str) -> Result<(Decimal, Option<String>), String> {
        if unit::same(&self.unit, to) {
            return Ok((self.certified_value, None));
        }
        let gas = gas_of(&self.component);
        unit::convert(self.certified_value, &self.unit, to, gas)
            .map(|v| (v, gas.map(unit::describe)))
            .map_err(|_| {
                format!(
                    "标准物质的单位“{}”不能换算为仪器的单位“{to}”，请核对证书或仪器档案",
                    self.unit
                )
            })
    }
}

/// The gas a component names, for converting its concentration (NOx counted as NO₂).
fn gas_of(component: &str) -> Option<Gas> {
    let code = match component {
        "二氧化硫" => "SO2",
        "氮氧化物" | "二氧化氮" => "NO2",
        "一氧化氮" => "NO",
        "一氧化碳" => "CO",
        _ => return None,
    };
    unit::gas(code)
}

/// What judging a record needs to know of standard materials.
#[derive(Debug, Clone)]
pub struct Standards {
    /// The agency's registered materials, by id: only these may be chosen.
    pub materials: HashMap<String, StandardMaterial>,
    /// The day they were used (the visit's check-in, Shanghai time).
    pub used_on: NaiveDate,
    /// From this day a calibration without a chosen standard fails (set by the city, so the
    /// rollout does not fail every calibration at once); None: not yet required.
    pub required_from: Option<NaiveDate>,
}

/// The ids of the standard materials an evaluated record chose (its stored copies).
pub fn chosen(def: &FormDefinition, fields: &Map<String, Value>) -> Vec<String> {
    let mut out = Vec::new();
    for s in &def.sections {
        let instances: Vec<&Value> = match fields.get(&s.id) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(one) => vec![one],
            None => Vec::new(),
        };
        for f in s.fields.iter().filter(|f| f.kind == Kind::Standard) {
            for i in &instances {
                if let Some(id) = i
                    .get(&f.id)
                    .and_then(|c| c.get("id"))
                    .and_then(Value::as_str)
                    && !out.iter().any(|o| o == id)
                {
                    out.push(id.to_string());
                }
            }
        }
    }
    out
}

/// The key of the city's start date in the settings.
pub const REQUIRED_FROM_SETTING: &str = "standard_material_required_from";

#[cfg(test)]
mod tests {
    use super::*;

    fn so2(unit: &str, value: &str) -> StandardMaterial {
        StandardMaterial {
            id: "m1".into(),
            kind: MaterialKind::Gas,
            certificate_no: "GBW(E)061234".into(),
            producer: "大连大特气体".into(),
            lot_no: "L2026-01".into(),
            component: "二氧化硫".into(),
            certified_value: parse_decimal(value).unwrap(),
            uncertainty: "U = 2 %，k = 2".into(),
            unit: unit.into(),
            expires_on: NaiveDate::from_ymd_opt(2027, 6, 30).unwrap(),
        }
    }

    #[test]
    fn a_snapshot_reads_back_as_the_same_material() {
        let m = so2("µmol/mol", "80.5");
        let Value::Object(copy) = m.snapshot() else {
            panic!("a snapshot is an object")
        };
        assert_eq!(StandardMaterial::from_snapshot(&copy), Some(m));
    }

    #[test]
    fn the_certified_value_is_converted_exactly_to_the_instruments_unit() {
        // 22.4 µmol/mol SO₂ × 64.058 / 22.4 = 64.058 mg/m³.
        let (v, how) = so2("ppm", "22.4").value_in("mg/m³").unwrap();
        assert_eq!(v, parse_decimal("64.058").unwrap());
        assert!(how.unwrap().contains("64.058"));
        let (same, how) = so2("mg/m3", "100").value_in("mg/m³").unwrap();
        assert_eq!((same, how), (parse_decimal("100").unwrap(), None));
        let refused = so2("mg/L", "100").value_in("mg/m³").unwrap_err();
        assert!(refused.contains("不能换算"), "{refused}");
    }
}
