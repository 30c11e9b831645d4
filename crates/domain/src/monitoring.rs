//! An enterprise's outlets (排口) and their monitoring instruments: what may be filed for them, and
//! the checks every write passes (coordinates inside Shanghai, a range whose lower limit is below
//! its upper limit, parameters of the outlet's kind).

use crate::form::OutletKind;
use crate::form::number::parse_decimal;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Parameters an instrument may measure, by outlet kind (the names the form catalogue uses).
pub const WASTEWATER_PARAMETERS: [&str; 9] = [
    "化学需氧量",
    "总有机碳",
    "氨氮",
    "总磷",
    "总氮",
    "pH值",
    "水温",
    "流量",
    "液位",
];
pub const FLUE_GAS_PARAMETERS: [&str; 11] = [
    "二氧化硫",
    "氮氧化物",
    "一氧化氮",
    "氧气",
    "一氧化碳",
    "氯化氢",
    "非甲烷总烃",
    "颗粒物",
    "流速",
    "温度",
    "湿度",
];
/// Measuring principles of gaseous CEMS (the three inspection forms follow them).
pub const CEMS_PRINCIPLES: [&str; 3] = ["完全抽取法", "稀释采样法", "直接测量法"];

/// An outlet's emission limit for one pollutant (排放限值), as its permit or standard states it:
/// some rules apply only below a concentration that the limit must also be below.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmissionLimit {
    pub value: Decimal,
    pub unit: String,
    /// Where it comes from (排污许可证编号, the discharge standard and its clause).
    pub source: String,
}

/// An outlet's emission limits by pollutant (the parameter's name).
pub type EmissionLimits = std::collections::HashMap<String, EmissionLimit>;

/// Shanghai's bounding box (security-reliability.md INP-03, proposed figures).
pub const LATITUDE: (&str, &str) = ("30.6", "31.9");
pub const LONGITUDE: (&str, &str) = ("120.8", "122.1");

pub fn parameters(kind: OutletKind) -> &'static [&'static str] {
    match kind {
        OutletKind::Wastewater => &WASTEWATER_PARAMETERS,
        OutletKind::FlueGas => &FLUE_GAS_PARAMETERS,
    }
}

/// The outlet kind as users write it (废水 / 废气) or as the API sends it.
pub fn parse_kind(raw: &str) -> Option<OutletKind> {
    match raw.trim() {
        "废水" | "wastewater" => Some(OutletKind::Wastewater),
        "废气" | "flue_gas" => Some(OutletKind::FlueGas),
        _ => None,
    }
}

/// An outlet as typed.
#[derive(Debug, Clone, Default)]
pub struct OutletInput {
    pub kind: String,
    pub name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
    pub parameters: Vec<String>,
}

/// An outlet that passed its checks.
#[derive(Debug, Clone, PartialEq)]
pub struct Outlet {
    pub kind: OutletKind,
    pub name: String,
    pub address: String,
    pub latitude: Decimal,
    pub longitude: Decimal,
    pub parameters: Vec<String>,
}

/// An instrument as typed.
#[derive(Debug, Clone, Default)]
pub struct InstrumentInput {
    pub parameter: String,
    pub maker: String,
    pub model: String,
    pub serial_no: String,
    pub principle: String,
    pub range_lower: String,
    pub range_upper: String,
    pub unit: String,
    pub installed_on: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Instrument {
    pub parameter: String,
    pub maker: String,
    pub model: String,
    pub serial_no: String,
    pub principle: Option<String>,
    pub range_lower: Decimal,
    pub range_upper: Decimal,
    pub unit: String,
    pub installed_on: NaiveDate,
}

/// Field → message.
pub type Problems = BTreeMap<String, String>;

fn text(p: &mut Problems, field: &str, label: &str, raw: &str, max: usize) -> String {
    let t = raw.trim().to_string();
    if t.is_empty() {
        p.entry(field.into()).or_insert(format!("请填写{label}"));
    } else if t.chars().count() > max {
        p.entry(field.into())
            .or_insert(format!("{label}不能超过 {max} 个字"));
    } else if t.chars().any(char::is_control) {
        p.entry(field.into())
            .or_insert(format!("{label}含有不可见的控制字符"));
    }
    t
}

fn coordinate(
    p: &mut Problems,
    field: &str,
    label: &str,
    raw: &str,
    (lo, hi): (&str, &str),
) -> Decimal {
    let Some(v) = parse_decimal(raw) else {
        p.insert(field.into(), format!("{label}应为数字，如 31.22312"));
        return Decimal::ZERO;
    };
    let (lo, hi) = (
        parse_decimal(lo).unwrap_or_default(),
        parse_decimal(hi).unwrap_or_default(),
    );
    if v < lo || v > hi {
        p.insert(
            field.into(),
            format!("{label}不在上海市范围内（{lo}–{hi}）"),
        );
    } else if v.scale() > 6 {
        p.insert(field.into(), format!("{label}最多保留 6 位小数"));
    }
    v
}

pub fn check_outlet(input: &OutletInput) -> Result<Outlet, Problems> {
    let mut p = Problems::new();
    let kind = parse_kind(&input.kind);
    if kind.is_none() {
        p.insert("kind".into(), "排口类型只能是废水或废气".into());
    }
    let name = text(&mut p, "name", "排口名称", &input.name, 100);
    let address = text(&mut p, "address", "排口地址", &input.address, 200);
    let latitude = coordinate(&mut p, "latitude", "纬度", &input.latitude, LATITUDE);
    let longitude = coordinate(&mut p, "longitude", "经度", &input.longitude, LONGITUDE);
    let mut chosen: Vec<String> = Vec::new();
    for raw in &input.parameters {
        let t = raw.trim().to_string();
        if let Some(k) = kind
            && !parameters(k).contains(&t.as_str())
        {
            p.insert(
                "parameters".into(),
                format!("“{t}”不是{}排口的监测参数", k.label()),
            );
        }
        if !chosen.contains(&t) {
            chosen.push(t);
        }
    }
    if chosen.is_empty() {
        p.entry("parameters".into())
            .or_insert("请至少选择一项监测参数".into());
    }
    match kind {
        Some(kind) if p.is_empty() => Ok(Outlet {
            kind,
            name,
            address,
            latitude,
            longitude,
            parameters: chosen,
        }),
        _ => Err(p),
    }
}

pub fn check_instrument(kind: OutletKind, input: &InstrumentInput) -> Result<Instrument, Problems> {
    let mut p = Problems::new();
    let parameter = input.parameter.trim().to_string();
    if !parameters(kind).contains(&parameter.as_str()) {
        p.insert(
            "parameter".into(),
            format!("请选择{}排口的监测参数", kind.label()),
        );
    }
    let maker = text(&mut p, "maker", "生产厂家", &input.maker, 100);
    let model = text(&mut p, "model", "规格型号", &input.model, 100);
    let serial_no = text(&mut p, "serial_no", "出厂编号", &input.serial_no, 100);
    let principle = input.principle.trim().to_string();
    let gaseous = kind == OutletKind::FlueGas
        && !matches!(parameter.as_str(), "颗粒物" | "流速" | "温度" | "湿度");
    let principle = if gaseous {
        if !CEMS_PRINCIPLES.contains(&principle.as_str()) {
            p.insert(
                "principle".into(),
                "气态污染物 CEMS 须选择测量原理：完全抽取法、稀释采样法或直接测量法".into(),
            );
        }
        Some(principle)
    } else if principle.is_empty() {
        None
    } else {
        Some(text(&mut p, "principle", "测量原理", &principle, 50))
    };
    let number = |p: &mut Problems, field: &str, label: &str, raw: &str| match parse_decimal(raw) {
        Some(v) => v,
        None => {
            p.insert(field.into(), format!("{label}应为数字"));
            Decimal::ZERO
        }
    };
    let range_lower = number(&mut p, "range_lower", "量程下限", &input.range_lower);
    let range_upper = number(&mut p, "range_upper", "量程上限", &input.range_upper);
    if !p.contains_key("range_lower")
        && !p.contains_key("range_upper")
        && range_lower >= range_upper
    {
        p.insert("range_upper".into(), "量程上限须大于量程下限".into());
    }
    let unit = text(&mut p, "unit", "计量单位", &input.unit, 20);
    let installed_on = match NaiveDate::parse_from_str(input.installed_on.trim(), "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => {
            p.insert(
                "installed_on".into(),
                "安装日期应为日期，如 2024-05-20".into(),
            );
            NaiveDate::MIN
        }
    };
    if p.is_empty() {
        Ok(Instrument {
            parameter,
            maker,
            model,
            serial_no,
            principle,
            range_lower,
            range_upper,
            unit,
            installed_on,
        })
    } else {
        Err(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outlet() -> OutletInput {
        OutletInput {
            kind: "废气".into(),
            name: "1号锅炉排口".into(),
            address: "上海市浦东新区临港大道 1 号".into(),
            latitude: "30.90".into(),
            longitude: "121.90".into(),
            parameters: vec!["二氧化硫".into(), "氮氧化物".into()],
        }
    }

    fn instrument() -> InstrumentInput {
        InstrumentInput {
            parameter: "二氧化硫".into(),
            maker: "聚光科技".into(),
            model: "CEMS-2000".into(),
            serial_no: "JG2024001".into(),
            principle: "完全抽取法".into(),
            range_lower: "0".into(),
            range_upper: "200".into(),
            unit: "mg/m³".into(),
            installed_on: "2024-05-20".into(),
        }
    }

    #[test]
    fn coordinates_inside_shanghai_on_the_edges() {
        assert!(check_outlet(&outlet()).is_ok());
        for (lat, lon, ok) in [
            ("30.6", "120.8", true),
            ("31.9", "122.1", true),
            ("30.59", "121.5", false),
            ("31.91", "121.5", false),
            ("31.2", "120.79", false),
            ("31.2", "122.11", false),
            ("39.9", "116.4", false),
        ] {
            let mut o = outlet();
            o.latitude = lat.into();
            o.longitude = lon.into();
            assert_eq!(check_outlet(&o).is_ok(), ok, "{lat},{lon}");
        }
        let mut o = outlet();
        o.latitude = "北纬31度".into();
        assert_eq!(
            check_outlet(&o).unwrap_err()["latitude"],
            "纬度应为数字，如 31.22312"
        );
    }

    #[test]
    fn parameters_must_fit_the_outlet_kind() {
        let mut o = outlet();
        o.parameters = vec!["氨氮".into()];
        assert_eq!(
            check_outlet(&o).unwrap_err()["parameters"],
            "“氨氮”不是废气排口的监测参数"
        );
        o.parameters.clear();
        assert_eq!(
            check_outlet(&o).unwrap_err()["parameters"],
            "请至少选择一项监测参数"
        );
        o.kind = "雨水".into();
        assert!(check_outlet(&o).unwrap_err().contains_key("kind"));
    }

    #[test]
    fn instrument_range_and_principle() {
        assert!(check_instrument(OutletKind::FlueGas, &instrument()).is_ok());
        let mut i = instrument();
        i.range_lower = "200".into();
        assert_eq!(
            check_instrument(OutletKind::FlueGas, &i).unwrap_err()["range_upper"],
            "量程上限须大于量程下限"
        );
        i.range_lower = "250".into();
        assert!(check_instrument(OutletKind::FlueGas, &i).is_err());
        let mut i = instrument();
        i.principle = String::new();
        assert!(
            check_instrument(OutletKind::FlueGas, &i)
                .unwrap_err()
                .contains_key("principle")
        );
        // Particulate monitors have no extractive/dilution/direct principle.
        i.parameter = "颗粒物".into();
        assert!(check_instrument(OutletKind::FlueGas, &i).is_ok());
        // A wastewater outlet cannot hold an SO2 analyser.
        assert!(
            check_instrument(OutletKind::Wastewater, &instrument())
                .unwrap_err()
                .contains_key("parameter")
        );
    }
}
