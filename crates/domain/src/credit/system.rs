//! The indicator system document (评价指标体系), written in TOML: categories, indicators, grade
//! bands and who is rated. `catalogue/credit/` ships the starting drafts; the city edits a draft
//! and publishes it as a new version, which never changes after.

use super::measure::{Measure, Unit};
use super::points::Points;
use super::rule::{Band, Rule};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;

/// Which agencies a system rates: 运维类 (maintenance of automatic monitoring equipment) or 监测类
/// (commissioned testing). An agency filed for both is rated under each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SystemKind {
    Maintenance,
    Testing,
}

impl SystemKind {
    pub const ALL: [SystemKind; 2] = [SystemKind::Maintenance, SystemKind::Testing];

    pub fn as_str(self) -> &'static str {
        match self {
            SystemKind::Maintenance => "maintenance",
            SystemKind::Testing => "testing",
        }
    }

    pub fn parse(s: &str) -> Option<SystemKind> {
        SystemKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            SystemKind::Maintenance => "运维类",
            SystemKind::Testing => "监测类",
        }
    }

    /// Whether an agency filed as `category` is rated under this kind.
    pub fn rates(self, category: crate::AgencyCategory) -> bool {
        use crate::AgencyCategory as C;
        match self {
            SystemKind::Maintenance => matches!(category, C::Maintenance | C::TestingMaintenance),
            SystemKind::Testing => matches!(category, C::Testing | C::TestingMaintenance),
        }
    }
}

/// How an indicator counts towards the total.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    /// 得分项: scores 0 to its points; the points of all of them add up to 100.
    #[default]
    Score,
    /// 扣分项 (e.g. 诚信记录): subtracted from the total, up to its cap.
    Deduction,
    /// 加分项: added to the total, up to its cap.
    Bonus,
}

impl Effect {
    pub fn label(self) -> &'static str {
        match self {
            Effect::Score => "得分项",
            Effect::Deduction => "扣分项",
            Effect::Bonus => "加分项",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Effect::Score => "score",
            Effect::Deduction => "deduction",
            Effect::Bonus => "bonus",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Category {
    pub name: String,
}

/// One indicator as written: the rule's parameters sit next to it and `rule()` reads them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    pub code: String,
    pub name: String,
    pub category: String,
    #[serde(default)]
    pub effect: Effect,
    /// The most a 得分项 scores.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub points: Option<Points>,
    pub measure: String,
    /// `per_unit`, `bands` or `threshold`.
    pub rule: String,
    /// per_unit: points per unit counted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub each: Option<Points>,
    /// per_unit: the most deducted or added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Points>,
    /// bands: the first band the value reaches gives its points.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
    /// threshold: the value must reach at least / stay at most this for full points.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_least: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at_most: Option<f64>,
    /// bands and threshold: the points when no band is reached / the threshold is missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub otherwise: Option<Points>,
    /// Where the rule comes from, for readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub basis: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    pub code: String,
    pub name: String,
    pub at_least: Points,
}

/// Who is rated for a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Eligibility {
    /// Rated for a year only after this many full natural years of filing before it ends: with 1,
    /// an agency filed during 2025 is first rated for 2026.
    pub full_years_filed: u32,
    /// Not rated for a period in which it filed nothing and had nothing due (未上传业务数据).
    pub requires_business: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndicatorSystem {
    pub kind: SystemKind,
    pub name: String,
    /// The rules it follows (文号), and what is not confirmed.
    pub basis: String,
    pub eligibility: Eligibility,
    #[serde(rename = "category")]
    pub categories: Vec<Category>,
    #[serde(rename = "indicator")]
    pub indicators: Vec<Indicator>,
    #[serde(rename = "grade")]
    pub grades: Vec<Grade>,
}

/// What is wrong with a document, in words the city's editor acts on.
pub type Problems = Vec<String>;

impl IndicatorSystem {
    pub fn parse(text: &str) -> Result<IndicatorSystem, Problems> {
        toml::from_str(text).map_err(|e| vec![format!("格式有误：{}", e.message().trim())])
    }

    /// The document as the editor shows it.
    pub fn to_toml(&self) -> Result<String, String> {
        toml::to_string_pretty(self).map_err(|e| e.to_string())
    }

    /// Every problem that keeps the document from being published (none: it may be).
    pub fn problems(&self) -> Problems {
        let mut out = Vec::new();
        if self.name.trim().is_empty() {
            out.push("请填写指标体系名称".into());
        }
        let categories: HashSet<&str> = self.categories.iter().map(|c| c.name.as_str()).collect();
        if categories.len() != self.categories.len() {
            out.push("类别名称不能重复".into());
        }
        if self.indicators.is_empty() {
            out.push("至少需要一项指标".into());
        }
        let mut codes = HashSet::new();
        let mut total = Points::ZERO;
        for i in &self.indicators {
            let at = format!("指标 {}（{}）", i.code, i.name);
            if i.code.trim().is_empty() || i.name.trim().is_empty() {
                out.push(format!("{at}：代码和名称都要填写"));
            }
            if !codes.insert(i.code.as_str()) {
                out.push(format!("{at}：代码重复"));
            }
            if !categories.contains(i.category.as_str()) {
                out.push(format!("{at}：类别“{}”不在类别清单中", i.category));
            }
            match Measure::parse(&i.measure) {
                None => out.push(format!("{at}：没有名为 {} 的事实", i.measure)),
                Some(m) if !m.applies_to(self.kind) => {
                    out.push(format!("{at}：{}只适用于运维类机构", m.label()))
                }
                Some(_) => {}
            }
            match self.rule(i) {
                Ok(_) => {}
                Err(e) => out.push(format!("{at}：{e}")),
            }
            if i.effect == Effect::Score {
                total = Points(total.0 + i.points.unwrap_or_default().0);
            }
        }
        if total != Points::whole(100) {
            out.push(format!("得分项分值合计应为 100 分，现为 {total} 分"));
        }
        if self.grades.is_empty() {
            out.push("至少需要一个等级".into());
        }
        for pair in self.grades.windows(2) {
            if pair[1].at_least >= pair[0].at_least {
                out.push(format!(
                    "等级 {} 的分数线应低于等级 {}",
                    pair[1].code, pair[0].code
                ));
            }
        }
        if self
            .grades
            .last()
            .is_some_and(|g| g.at_least > Points::ZERO)
        {
            out.push("最低等级的分数线应为 0，每个分数都要有等级".into());
        }
        out
    }

    /// The rule of an indicator, checked against its effect and its measure's unit.
    pub fn rule(&self, i: &Indicator) -> Result<Rule, String> {
        let unit = Measure::parse(&i.measure).map_or(Unit::Count, Measure::unit);
        let rule = Rule::read(i, unit)?;
        match (i.effect, &rule) {
            (Effect::Score, _) => {
                let points = i
                    .points
                    .filter(|p| *p > Points::ZERO)
                    .ok_or("请填写大于 0 的分值")?;
                rule.check_within(points)?;
            }
            (_, Rule::PerUnit { cap: None, .. }) => return Err("扣分项和加分项要写上限 cap".into()),
            (_, Rule::PerUnit { .. }) => {
                if i.points.is_some() {
                    return Err("扣分项和加分项不写分值 points，只写每项分值和上限".into());
                }
            }
            _ => return Err("扣分项和加分项只能按项计分（per_unit）".into()),
        }
        Ok(rule)
    }

    /// The grade a total reaches.
    pub fn grade(&self, total: Points) -> Option<&Grade> {
        self.grades.iter().find(|g| total >= g.at_least)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SMALL: &str = r#"
kind = "maintenance"
name = "测试指标体系"
basis = "测试"

[eligibility]
full_years_filed = 1
requires_business = true

[[category]]
name = "业务管理"

[[category]]
name = "诚信记录"

[[indicator]]
code = "B01"
name = "按时完成"
category = "业务管理"
points = 60
measure = "on_time_rate"
rule = "bands"
bands = [{ at_least = 98, points = 60 }, { at_least = 90, points = 40 }]
otherwise = 0

[[indicator]]
code = "B02"
name = "整改逾期"
category = "业务管理"
points = 40
measure = "orders_overdue"
rule = "per_unit"
each = 10

[[indicator]]
code = "D01"
name = "严重问题"
category = "诚信记录"
effect = "deduction"
measure = "findings.serious"
rule = "per_unit"
each = 5
cap = 20

[[grade]]
code = "A"
name = "守信"
at_least = 90

[[grade]]
code = "B"
name = "基本守信"
at_least = 0
"#;

    #[test]
    fn a_sound_document_has_no_problems() {
        let s = IndicatorSystem::parse(SMALL).unwrap();
        assert_eq!(s.problems(), Vec::<String>::new());
        let again = IndicatorSystem::parse(&s.to_toml().unwrap()).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn publishing_names_each_problem() {
        let text = SMALL
            .replace("points = 40", "points = 30")
            .replace("measure = \"orders_overdue\"", "measure = \"nothing\"")
            .replace("cap = 20", "")
            .replace("at_least = 0\n", "at_least = 10\n");
        let problems = IndicatorSystem::parse(&text).unwrap().problems();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("没有名为 nothing 的事实")),
            "{problems:?}"
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("合计应为 100 分，现为 90 分"))
        );
        assert!(
            problems
                .iter()
                .any(|p| p.contains("D01") && p.contains("上限"))
        );
        assert!(problems.iter().any(|p| p.contains("最低等级")));
    }

    #[test]
    fn testing_systems_refuse_maintenance_facts() {
        let text = SMALL.replace("kind = \"maintenance\"", "kind = \"testing\"");
        let problems = IndicatorSystem::parse(&text).unwrap().problems();
        assert!(
            problems
                .iter()
                .any(|p| p.contains("B01") && p.contains("只适用于运维类"))
        );
    }

    #[test]
    fn the_shipped_drafts_are_publishable() {
        for text in [
            include_str!("../../../../catalogue/credit/maintenance.toml"),
            include_str!("../../../../catalogue/credit/testing.toml"),
        ] {
            let s = IndicatorSystem::parse(text).unwrap();
            assert_eq!(s.problems(), Vec::<String>::new(), "{}", s.name);
        }
    }

    #[test]
    fn unknown_fields_are_refused() {
        let text = SMALL.replace("each = 10", "each = 10\nweight = 3");
        assert!(IndicatorSystem::parse(&text).is_err());
    }
}
