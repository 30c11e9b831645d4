//! One form type as data (forms.md "How the system holds them"): read from a TOML file, checked
//! completely before use, so a broken definition is refused with the field named — at start-up
//! for the files shipped with EMSS, at publication for a version a regulator uploads.

use super::formula::Formula;
use super::limit::{Confidence, Limit};
use super::number::Dec;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutletKind {
    Wastewater,
    FlueGas,
}

impl OutletKind {
    pub fn as_str(self) -> &'static str {
        match self {
            OutletKind::Wastewater => "wastewater",
            OutletKind::FlueGas => "flue_gas",
        }
    }

    pub fn parse(s: &str) -> Option<OutletKind> {
        match s {
            "wastewater" => Some(OutletKind::Wastewater),
            "flue_gas" => Some(OutletKind::FlueGas),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OutletKind::Wastewater => "废水",
            OutletKind::FlueGas => "废气",
        }
    }
}

/// How often a form type (or a check item) is due.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frequency {
    /// Days between required records; absent for forms filed when something happens (维修).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub interval_days: Option<u32>,
    pub source: String,
    pub confidence: Confidence,
    /// Set when sources disagree on the interval: what each says. Such intervals are the ones a
    /// regulator is expected to settle by publishing a version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

/// Where a 失控时段 starts (sources disagree, so it is data): at the record that found it, or
/// back at the last passing calibration of the instrument and parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum StartRule {
    #[default]
    Found,
    LastPassing,
}

impl StartRule {
    pub fn as_str(self) -> &'static str {
        match self {
            StartRule::Found => "found",
            StartRule::LastPassing => "last_passing",
        }
    }

    pub fn parse(s: &str) -> Option<StartRule> {
        [StartRule::Found, StartRule::LastPassing]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    pub fn label(self) -> &'static str {
        match self {
            StartRule::Found => "自发现问题的记录签到时起",
            StartRule::LastPassing => "自上一次合格校准的签到时起",
        }
    }
}

/// `[out_of_control]`: how a form type's 失控 results open a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutOfControlRule {
    pub start: StartRule,
    pub source: String,
    pub confidence: Confidence,
    /// Set when sources disagree: what each says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conflict: Option<String>,
}

/// `[follow_up]`: within how many days of a failed result (from the visit's check-in) its
/// follow-up — a later record of the same form type that passes — must be filed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowUp {
    pub days: u32,
    pub source: String,
    pub confidence: Confidence,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Repeat {
    /// The section appears once.
    #[default]
    Once,
    /// The section repeats for each instrument chosen for the record.
    PerInstrument,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Text,
    Number,
    Date,
    Datetime,
    Choice,
    /// 正常 / 不正常 with a remark required for 不正常; inspection items carry a period.
    Check,
    /// Which frequency groups (日/周/月/季) this inspection covers.
    Tabs,
    Rows,
    Photos,
    Computed,
    Verdict,
    /// A standard material (标准气体/标准溶液/标准样品) chosen from the agency's registry.
    Standard,
}

impl Kind {
    /// Kinds the user fills in (the rest are computed by the server).
    pub fn is_input(self) -> bool {
        !matches!(self, Kind::Computed | Kind::Verdict)
    }
}

/// A verdict rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rule {
    /// `value` against the limit's min / max / ±max_abs (and out-of-control threshold).
    Within,
    /// Comparison error of `value` against `reference`, band chosen by the reference value.
    Banded,
    /// Per-parameter accuracy over `rows` (columns `value` and `reference`), band by reference mean.
    Accuracy,
    /// Enough passing pairs among `rows` (judged by the row verdict `value`).
    PassCount,
    /// The mean of the paired differences `value − reference` over `rows` against the limit's
    /// ±max_abs (the pH comparison of HJ 355-2019).
    MeanDifference,
    /// Date `value` (expiry) not before date `reference` (the date it was used).
    NotBefore,
    /// The standard material chosen in `value` was within its certificate's expiry on the day
    /// of the visit; none chosen fails from the city's start date (`form::standard`).
    StandardValid,
    /// Passes when every verdict listed in `verdicts` passes.
    All,
}

/// What an instrument's record registers and a form field may be bound to (`prefill`).
pub const REGISTERED: [&str; 5] = [
    "parameter",
    "principle",
    "range_lower",
    "range_upper",
    "unit",
];

/// In `limit_by_parameter`: this parameter is judged by another verdict of the form, not this one.
pub const JUDGED_ELSEWHERE: &str = "-";

/// One field. The attributes that apply depend on `kind`; the check names any that do not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub id: String,
    pub label: String,
    pub kind: Kind,
    #[serde(default = "yes")]
    pub required: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// The instrument's registered value this field is bound to (e.g. `instrument.range_upper`):
    /// on submission the server takes it from the instrument version the record checked in
    /// against and refuses a typed value that disagrees; the form shows it read-only. Or
    /// `standard.<field>`: the certified value of the standard material chosen in that earlier
    /// field, in the section's unit (typed as before while none is chosen).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefill: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decimals: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Dec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Dec>,
    /// `min` itself is not allowed (quantity > 0).
    #[serde(default, skip_serializing_if = "is_false")]
    pub min_exclusive: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_len: Option<u32>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub multiline: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub multiple: bool,
    /// Check items of an inspection: how often the item is due (days).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_days: Option<u32>,
    /// Date/datetime: must not be earlier than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// Date/datetime: must not be later than this field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// Rows: the columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<Field>,
    /// Rows and photos: how many.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formula: Option<Formula>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rule: Option<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rows: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verdicts: Vec<String>,
    /// The limit a verdict applies.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    /// Or a limit per value of the section's `parameter` field; `*` is the default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub limit_by_parameter: BTreeMap<String, String>,
    /// Number filled by the system from this field of the reference record: the latest earlier
    /// submitted, not voided record of the same form type, instrument and parameter
    /// ("上次校准后测试值"); never typed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// Required when another (earlier) choice has this answer, e.g. 校准时间 when 是否进行校准 = 是.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_when: Option<Condition>,
    /// Number: must be greater than this earlier number field (量程上限 > 量程下限).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub greater_than: Option<String>,
}

/// `{ field = "calibrated", equals = "是" }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub equals: String,
}

fn yes() -> bool {
    true
}

fn is_false(b: &bool) -> bool {
    !*b
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Section {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub repeat: Repeat,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    pub fields: Vec<Field>,
}

/// A form type at one version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    pub code: String,
    pub name: String,
    /// The printed title of the record sheet.
    pub title: String,
    pub outlet_kind: OutletKind,
    pub version: u32,
    /// A visit shorter than this is flagged by the field loop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_visit_minutes: Option<u32>,
    pub frequency: Frequency,
    /// How a 失控 result opens a period; absent: at the record that found it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out_of_control: Option<OutOfControlRule>,
    /// The follow-up deadline of a failed result; absent: `fault::DEFAULT_FOLLOW_UP_DAYS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<FollowUp>,
    #[serde(default)]
    pub limits: Vec<Limit>,
    pub sections: Vec<Section>,
}

/// The check items' frequency groups of an inspection (日/周/月/季 in the seed).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum PeriodGroup {
    #[serde(rename = "日")]
    Daily,
    #[serde(rename = "周")]
    Weekly,
    #[serde(rename = "月")]
    Monthly,
    #[serde(rename = "季")]
    Quarterly,
}

impl PeriodGroup {
    pub const ALL: [PeriodGroup; 4] = [
        PeriodGroup::Daily,
        PeriodGroup::Weekly,
        PeriodGroup::Monthly,
        PeriodGroup::Quarterly,
    ];

    /// 1 d → 日, up to 7 d → 周, up to a month → 月 (15 d and 30 d items), longer → 季.
    pub fn of(period_days: u32) -> PeriodGroup {
        match period_days {
            0..=1 => PeriodGroup::Daily,
            2..=7 => PeriodGroup::Weekly,
            8..=31 => PeriodGroup::Monthly,
            _ => PeriodGroup::Quarterly,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PeriodGroup::Daily => "日",
            PeriodGroup::Weekly => "周",
            PeriodGroup::Monthly => "月",
            PeriodGroup::Quarterly => "季",
        }
    }

    pub fn parse(s: &str) -> Option<PeriodGroup> {
        PeriodGroup::ALL.into_iter().find(|g| g.label() == s)
    }
}

/// What is wrong with a definition: the field (or part) and the problem, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DefinitionError {
    pub at: String,
    pub message: String,
}

impl std::fmt::Display for DefinitionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}：{}", self.at, self.message)
    }
}

/// Resolves a reference from one field: name, kinds wanted, whether it must come earlier.
type Lookup<'a> = dyn Fn(&str, &[Kind], bool) -> Result<Place<'a>, DefinitionError> + 'a;
/// Checks a `rows.column` reference against the kinds wanted.
type ColumnCheck<'a> = dyn Fn(&str, &[Kind]) -> Result<(), DefinitionError> + 'a;

/// Where a field sits, for reference checks.
#[derive(Clone, Copy)]
struct Place<'a> {
    field: &'a Field,
    section: usize,
    /// The rows field it is a column of.
    rows: Option<&'a str>,
    order: usize,
}

impl FormDefinition {
    /// Parses and checks a definition file.
    pub fn parse(text: &str) -> Result<FormDefinition, DefinitionError> {
        let def: FormDefinition = toml::from_str(text).map_err(|e| DefinitionError {
            at: match e.span() {
                Some(span) => format!("第 {} 行", line_of(text, span.start)),
                None => "文件".into(),
            },
            message: e.message().to_string(),
        })?;
        def.check()?;
        Ok(def)
    }

    /// What the engineer wrote about the visit (运维描述 on 运维管理): the multi-line texts of the
    /// form, in its order, each as "标签：内容" (of every instrument, for per-instrument sections).
    pub fn description(&self, fields: &serde_json::Value) -> String {
        let mut parts = Vec::new();
        for s in &self.sections {
            let instances = match (&fields[&s.id], s.repeat) {
                (serde_json::Value::Array(items), Repeat::PerInstrument) => items.iter().collect(),
                (one, Repeat::Once) => vec![one],
                _ => Vec::new(),
            };
            for values in instances {
                for f in s
                    .fields
                    .iter()
                    .filter(|f| f.kind == Kind::Text && f.multiline)
                {
                    if let Some(text) = values[&f.id].as_str().map(str::trim)
                        && !text.is_empty()
                    {
                        parts.push(format!("{}：{text}", f.label));
                    }
                }
            }
        }
        parts.join("；")
    }

    pub fn limit(&self, id: &str) -> Option<&Limit> {
        self.limits.iter().find(|l| l.id == id)
    }

    pub fn start_rule(&self) -> StartRule {
        self.out_of_control
            .as_ref()
            .map(|r| r.start)
            .unwrap_or_default()
    }

    pub fn follow_up_days(&self) -> u32 {
        self.follow_up
            .as_ref()
            .map_or(crate::fault::DEFAULT_FOLLOW_UP_DAYS, |f| f.days)
    }

    /// Every field, columns of rows included, in document order with its section index.
    pub fn all_fields(&self) -> Vec<(usize, &Field)> {
        let mut out = Vec::new();
        for (i, s) in self.sections.iter().enumerate() {
            for f in &s.fields {
                out.push((i, f));
                for c in &f.fields {
                    out.push((i, c));
                }
            }
        }
        out
    }

    /// The frequency groups present in this form's check items, in order.
    pub fn period_groups(&self) -> Vec<PeriodGroup> {
        let mut groups: Vec<PeriodGroup> = self
            .all_fields()
            .iter()
            .filter_map(|(_, f)| f.period_days.map(PeriodGroup::of))
            .collect();
        groups.sort();
        groups.dedup();
        groups
    }

    /// The check items with their periods (for the overdue detector): (section, item, days).
    pub fn item_periods(&self) -> Vec<(&Section, &Field, u32)> {
        let mut out = Vec::new();
        for s in &self.sections {
            for f in &s.fields {
                if let Some(p) = f.period_days {
                    out.push((s, f, p));
                }
            }
        }
        out
    }

    fn check(&self) -> Result<(), DefinitionError> {
        let top = |m: String| DefinitionError {
            at: "表单".into(),
            message: m,
        };
        if self.code.is_empty()
            || !self
                .code
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b == b'_' || b.is_ascii_digit())
        {
            return Err(top(format!(
                "代码“{}”只能由小写字母、数字和下划线组成",
                self.code
            )));
        }
        if self.name.trim().is_empty() || self.title.trim().is_empty() {
            return Err(top("名称和标题不能为空".into()));
        }
        if self.version == 0 {
            return Err(top("版本号从 1 开始".into()));
        }
        if self.frequency.interval_days == Some(0) {
            return Err(top("频次天数须大于 0".into()));
        }
        if self.sections.is_empty() {
            return Err(top("至少需要一个分区".into()));
        }
        if let Some(f) = &self.follow_up
            && !(1..=90).contains(&f.days)
        {
            return Err(top("跟进期限 follow_up.days 须为 1 至 90 天".into()));
        }
        if self.start_rule() == StartRule::LastPassing
            && !self.all_fields().iter().any(|(_, f)| f.previous.is_some())
        {
            return Err(top(
                "失控时段自上一次合格校准起算（last_passing）只适用于取上次校准值的表单".into(),
            ));
        }
        self.check_limits()?;

        // Index every field by id; ids are unique across the whole form.
        let mut places: HashMap<&str, Place> = HashMap::new();
        let mut section_ids = HashSet::new();
        let mut order = 0;
        for (si, s) in self.sections.iter().enumerate() {
            if s.id.is_empty() || !section_ids.insert(s.id.as_str()) {
                return Err(DefinitionError {
                    at: format!("分区 {}", s.id),
                    message: "分区代码为空或重复".into(),
                });
            }
            if s.fields.is_empty() {
                return Err(DefinitionError {
                    at: format!("分区 {}", s.id),
                    message: "分区没有字段".into(),
                });
            }
            for f in &s.fields {
                order += 1;
                insert_place(&mut places, f, si, None, order)?;
                for c in &f.fields {
                    order += 1;
                    insert_place(&mut places, c, si, Some(&f.id), order)?;
                }
            }
        }
        if places.contains_key("instrument_id") {
            return Err(DefinitionError {
                at: "字段 instrument_id".into(),
                message: "instrument_id 由系统使用，不能作为字段代码".into(),
            });
        }

        let mut used_limits = HashSet::new();
        let mut tabs = 0;
        for (si, s) in self.sections.iter().enumerate() {
            for f in &s.fields {
                if f.kind == Kind::Tabs {
                    tabs += 1;
                    if s.repeat != Repeat::Once {
                        return Err(field_err(f, "频次选择须放在不重复的分区"));
                    }
                }
                self.check_field(f, si, None, &places, &mut used_limits)?;
                for c in &f.fields {
                    self.check_field(c, si, Some(&f.id), &places, &mut used_limits)?;
                }
            }
        }
        let has_periods = self
            .all_fields()
            .iter()
            .any(|(_, f)| f.period_days.is_some());
        if has_periods && tabs != 1 {
            return Err(top(
                "带周期的检查项需要且只需要一个频次选择（tabs）字段".into()
            ));
        }
        if !has_periods && tabs > 0 {
            return Err(top("没有带周期的检查项，不需要频次选择字段".into()));
        }
        if let Some(unused) = self
            .limits
            .iter()
            .find(|l| !used_limits.contains(l.id.as_str()))
        {
            return Err(DefinitionError {
                at: format!("限值 {}", unused.id),
                message: "限值未被任何判定使用".into(),
            });
        }
        Ok(())
    }

    /// What a version must also meet to be published (shipped or by the city regulator), beyond
    /// what every stored version meets: each limit states the unit of its figures, so no value is
    /// compared across units. Versions published before this rule still read.
    pub fn check_publishable(&self) -> Result<(), DefinitionError> {
        for l in &self.limits {
            let numeric =
                l.min.is_some() || l.max.is_some() || l.max_abs.is_some() || !l.bands.is_empty();
            if numeric && l.unit.as_deref().is_none_or(|u| u.trim().is_empty()) {
                return Err(DefinitionError {
                    at: format!("限值 {}", l.id),
                    message: "须注明限值的单位 unit（分段限为分段下限的单位）".into(),
                });
            }
        }
        Ok(())
    }

    fn check_limits(&self) -> Result<(), DefinitionError> {
        let mut ids = HashSet::new();
        for l in &self.limits {
            let err = |m: &str| DefinitionError {
                at: format!("限值 {}", l.id),
                message: m.to_string(),
            };
            if l.id.is_empty() || !ids.insert(l.id.as_str()) {
                return Err(err("限值代码为空或重复"));
            }
            if l.source.trim().is_empty() {
                return Err(err("须注明来源（标准及条款）"));
            }
            let kinds = [
                l.min.is_some() || l.max.is_some() || l.max_abs.is_some(),
                !l.bands.is_empty(),
                !l.pass_count.is_empty(),
            ];
            if kinds.iter().filter(|k| **k).count() > 1 {
                return Err(err("数值限、分段限和合格对数规则只能选一种"));
            }
            if let (Some(lo), Some(hi)) = (l.min, l.max)
                && lo.0 > hi.0
            {
                return Err(err("下限大于上限"));
            }
            if l.max_abs.is_some_and(|a| a.0.is_sign_negative()) {
                return Err(err("允许误差不能为负"));
            }
            if let Some(o) = l.out_of_control_abs {
                match l.max_abs {
                    Some(a) if o.0 >= a.0 => {}
                    _ => return Err(err("失控限须与允许误差同时给出且不小于它")),
                }
            }
            for (i, b) in l.bands.iter().enumerate() {
                if (i == 0) != b.from.is_none() {
                    return Err(err("只有第一个分段不写下限，其余分段须写下限"));
                }
                if i > 1 && l.bands[i - 1].from >= b.from {
                    return Err(err("分段下限须从小到大排列"));
                }
                if b.max_abs.0.is_sign_negative() {
                    return Err(err("允许误差不能为负"));
                }
            }
            if let Some(g) = &l.gas
                && super::unit::gas(g).is_none()
            {
                return Err(err("gas 只能是 SO2、NO2、NO 或 CO"));
            }
            for b in &l.bands {
                if let Some(p) = &b.printed
                    && (p.unit.trim().is_empty()
                        || b.from.is_some() != p.from.is_some()
                        || (p.max_abs.is_some() && b.error != super::limit::ErrorKind::Absolute))
                {
                    return Err(err(
                        "printed 须写单位，有下限的分段须写其下限，只有绝对误差分段可写 max_abs",
                    ));
                }
            }
            let mut last = (0, 0);
            for [n, k] in &l.pass_count {
                if *k > *n || *n <= last.0 || *k < last.1 {
                    return Err(err("合格对数规则须按对数从小到大排列，且合格数不超过对数"));
                }
                last = (*n, *k);
            }
        }
        Ok(())
    }

    fn check_field(
        &self,
        f: &Field,
        section: usize,
        rows: Option<&str>,
        places: &HashMap<&str, Place>,
        used_limits: &mut HashSet<String>,
    ) -> Result<(), DefinitionError> {
        let err = |m: String| DefinitionError {
            at: format!("字段 {}", f.id),
            message: m,
        };
        let me = places.get(f.id.as_str()).map(|p| p.order).unwrap_or(0);
        // Only the attributes of the field's kind may be given.
        let given: [(&str, bool); 23] = [
            ("unit", f.unit.is_some()),
            ("decimals", f.decimals.is_some()),
            ("min", f.min.is_some()),
            ("max", f.max.is_some()),
            ("min_exclusive", f.min_exclusive),
            ("max_len", f.max_len.is_some()),
            ("multiline", f.multiline),
            ("options", !f.options.is_empty()),
            ("multiple", f.multiple),
            ("period_days", f.period_days.is_some()),
            ("not_before", f.not_before.is_some()),
            ("not_after", f.not_after.is_some()),
            ("fields", !f.fields.is_empty()),
            ("min_count", f.min_count.is_some()),
            ("max_count", f.max_count.is_some()),
            ("formula", f.formula.is_some()),
            ("args", !f.args.is_empty()),
            ("rule", f.rule.is_some()),
            ("value/reference/rows/verdicts", {
                f.value.is_some()
                    || f.reference.is_some()
                    || f.rows.is_some()
                    || !f.verdicts.is_empty()
            }),
            (
                "limit",
                f.limit.is_some() || !f.limit_by_parameter.is_empty(),
            ),
            ("previous", f.previous.is_some()),
            ("required_when", f.required_when.is_some()),
            ("greater_than", f.greater_than.is_some()),
        ];
        let allowed: &[&str] = match f.kind {
            Kind::Text => &["max_len", "multiline", "required_when"],
            Kind::Number => &[
                "unit",
                "decimals",
                "min",
                "max",
                "min_exclusive",
                "previous",
                "period_days",
                "required_when",
                "greater_than",
            ],
            Kind::Date | Kind::Datetime => &["not_before", "not_after", "required_when"],
            Kind::Choice => &["options", "multiple"],
            Kind::Check => &["period_days"],
            Kind::Tabs => &[],
            Kind::Rows => &["fields", "min_count", "max_count", "period_days"],
            Kind::Photos => &["min_count", "max_count", "required_when"],
            Kind::Computed => &["unit", "decimals", "formula", "args"],
            Kind::Verdict => &["rule", "value/reference/rows/verdicts", "limit", "decimals"],
            Kind::Standard => &[],
        };
        if let Some((name, _)) = given.iter().find(|(n, g)| *g && !allowed.contains(n)) {
            return Err(err(format!("属性 {name} 不适用于此类字段")));
        }
        if f.id.is_empty() || f.label.trim().is_empty() {
            return Err(err("字段代码和名称不能为空".into()));
        }
        if rows.is_some()
            && matches!(
                f.kind,
                Kind::Rows | Kind::Tabs | Kind::Photos | Kind::Standard
            )
        {
            return Err(err("表格的列不能是表格、频次选择、照片或标准物质".into()));
        }
        // A reference: exists, visible from here, defined earlier, of one of the kinds wanted.
        let lookup =
            |name: &str, kinds: &[Kind], earlier: bool| -> Result<Place, DefinitionError> {
                let p = *places
                    .get(name)
                    .ok_or_else(|| err(format!("引用的字段 {name} 不存在")))?;
                let visible = p.rows.is_none_or(|r| rows == Some(r))
                    && (p.section == section || self.sections[p.section].repeat == Repeat::Once);
                if !visible {
                    return Err(err(format!("引用的字段 {name} 不在可见范围内")));
                }
                if !kinds.contains(&p.field.kind) {
                    return Err(err(format!("引用的字段 {name} 类型不符")));
                }
                if earlier && p.order >= me {
                    return Err(err(format!("引用的字段 {name} 须排在本字段之前")));
                }
                Ok(p)
            };
        // A column of rows (`rows.column`), for aggregates.
        let column = |path: &str, kinds: &[Kind]| -> Result<(), DefinitionError> {
            let (r, c) = path
                .split_once('.')
                .ok_or_else(|| err(format!("“{path}”应写成 表格.列")))?;
            let rp = lookup(r, &[Kind::Rows], true)?;
            let col = rp
                .field
                .fields
                .iter()
                .find(|x| x.id == c)
                .ok_or_else(|| err(format!("表格 {r} 没有列 {c}")))?;
            if !kinds.contains(&col.kind) {
                return Err(err(format!("列 {path} 类型不符")));
            }
            Ok(())
        };
        let numeric = [Kind::Number, Kind::Computed];
        if let Some(c) = &f.required_when {
            if f.required {
                return Err(err("有条件必填的字段须写 required = false".into()));
            }
            let p = lookup(&c.field, &[Kind::Choice], true)?;
            if !p.field.options.contains(&c.equals) {
                return Err(err(format!("“{}”不是字段 {} 的选项", c.equals, c.field)));
            }
        }
        if let Some(other) = &f.greater_than {
            lookup(other, &[Kind::Number], true)?;
        }
        if let Some(chooser) = f
            .prefill
            .as_deref()
            .and_then(|p| p.strip_prefix("standard."))
        {
            let p = lookup(chooser, &[Kind::Standard], true)?;
            if f.kind != Kind::Number || p.section != section {
                return Err(err(
                    "取自标准物质证书的字段只能是与所选标准物质同一分区的数字字段".into(),
                ));
            }
        } else if let Some(p) = &f.prefill {
            if !REGISTERED
                .iter()
                .any(|r| p.strip_prefix("instrument.") == Some(*r))
            {
                return Err(err(format!(
                    "prefill 只能是 {}",
                    REGISTERED.map(|r| format!("instrument.{r}")).join("、")
                )));
            }
            if self.sections[section].repeat != Repeat::PerInstrument
                || !matches!(f.kind, Kind::Text | Kind::Number | Kind::Choice)
                || f.multiple
            {
                return Err(err(
                    "取自仪器档案的字段只能是按仪器重复分区中的文本、数字或单选字段".into(),
                ));
            }
        }
        match f.kind {
            Kind::Number => {
                if let (Some(lo), Some(hi)) = (f.min, f.max)
                    && lo.0 > hi.0
                {
                    return Err(err("下限大于上限".into()));
                }
                if f.previous.is_some() {
                    let s = &self.sections[section];
                    if s.repeat != Repeat::PerInstrument
                        || !s.fields.iter().any(|x| x.id == "parameter")
                    {
                        return Err(err(
                            "上次校准值只能用于按仪器重复、且含 parameter 字段的分区".into(),
                        ));
                    }
                }
            }
            Kind::Date | Kind::Datetime => {
                for r in [&f.not_before, &f.not_after].into_iter().flatten() {
                    lookup(r, &[Kind::Date, Kind::Datetime], true)?;
                }
            }
            Kind::Choice => {
                let mut seen = HashSet::new();
                if f.options.is_empty() || !f.options.iter().all(|o| seen.insert(o)) {
                    return Err(err("选项为空或重复".into()));
                }
                if f.options.iter().any(|o| o == "不正常") {
                    return Err(err("“正常/不正常”须用 check 类型，以便要求情况说明".into()));
                }
            }
            Kind::Rows => {
                if f.fields.is_empty() {
                    return Err(err("表格没有列".into()));
                }
                if let (Some(lo), Some(hi)) = (f.min_count, f.max_count)
                    && lo > hi
                {
                    return Err(err("最少行数大于最多行数".into()));
                }
            }
            Kind::Photos => {
                if let (Some(lo), Some(hi)) = (f.min_count, f.max_count)
                    && lo > hi
                {
                    return Err(err("最少张数大于最多张数".into()));
                }
            }
            Kind::Computed => {
                let formula = f
                    .formula
                    .ok_or_else(|| err("计算字段须有 formula".into()))?;
                if f.decimals.is_none() {
                    return Err(err("计算字段须给出修约位数 decimals".into()));
                }
                if let Some(n) = formula.arity()
                    && f.args.len() != n
                {
                    return Err(err(format!("公式需要 {n} 个参数")));
                }
                if f.args.is_empty() {
                    return Err(err("公式至少需要 1 个参数".into()));
                }
                let kinds: &[Kind] = if formula == Formula::DurationHours {
                    &[Kind::Datetime]
                } else {
                    &numeric
                };
                for a in &f.args {
                    if formula == Formula::Mean && a.contains('.') {
                        column(a, &numeric)?;
                    } else {
                        lookup(a, kinds, true)?;
                    }
                }
            }
            Kind::Verdict => self.check_verdict(f, &lookup, &column, used_limits)?,
            Kind::Text | Kind::Check | Kind::Tabs | Kind::Standard => {}
        }
        Ok(())
    }

    fn check_verdict<'a>(
        &self,
        f: &Field,
        lookup: &Lookup<'a>,
        column: &ColumnCheck,
        used_limits: &mut HashSet<String>,
    ) -> Result<(), DefinitionError> {
        let err = |m: String| DefinitionError {
            at: format!("字段 {}", f.id),
            message: m,
        };
        let rule = f.rule.ok_or_else(|| err("判定字段须有 rule".into()))?;
        let need = |name: &Option<String>, what: &str| {
            name.clone()
                .ok_or_else(|| err(format!("此判定须给出 {what}")))
        };
        let numeric = [Kind::Number, Kind::Computed];
        let dates = [Kind::Date, Kind::Datetime];
        // Which kind of limit the rule needs.
        let wants: fn(&Limit) -> bool = match rule {
            Rule::Within => |l| l.min.is_some() || l.max.is_some() || l.max_abs.is_some(),
            Rule::MeanDifference => |l| l.max_abs.is_some(),
            Rule::Banded | Rule::Accuracy => |l| !l.bands.is_empty(),
            Rule::PassCount => |l| !l.pass_count.is_empty(),
            Rule::NotBefore | Rule::StandardValid => {
                |l| l.bands.is_empty() && l.pass_count.is_empty()
            }
            Rule::All => |_| false,
        };
        match rule {
            Rule::Within => {
                lookup(&need(&f.value, "value")?, &numeric, true)?;
            }
            Rule::Banded => {
                lookup(&need(&f.value, "value")?, &numeric, true)?;
                lookup(&need(&f.reference, "reference")?, &numeric, true)?;
            }
            Rule::Accuracy | Rule::MeanDifference => {
                let rows = need(&f.rows, "rows")?;
                column(&format!("{rows}.{}", need(&f.value, "value")?), &numeric)?;
                column(
                    &format!("{rows}.{}", need(&f.reference, "reference")?),
                    &numeric,
                )?;
            }
            Rule::PassCount => {
                let rows = need(&f.rows, "rows")?;
                column(
                    &format!("{rows}.{}", need(&f.value, "value")?),
                    &[Kind::Verdict],
                )?;
            }
            Rule::NotBefore => {
                lookup(&need(&f.value, "value")?, &dates, true)?;
                lookup(&need(&f.reference, "reference")?, &dates, true)?;
            }
            Rule::StandardValid => {
                lookup(&need(&f.value, "value")?, &[Kind::Standard], true)?;
            }
            Rule::All => {
                if f.verdicts.is_empty() {
                    return Err(err("须列出参与汇总的判定 verdicts".into()));
                }
                for v in &f.verdicts {
                    match v.split_once('.') {
                        // A verdict of a repeated section or a column, all instances.
                        Some((scope, col)) => {
                            let owner = self
                                .sections
                                .iter()
                                .find(|s| s.id == scope)
                                .and_then(|s| s.fields.iter().find(|x| x.id == col));
                            match owner {
                                Some(x) if x.kind == Kind::Verdict => {}
                                Some(_) => return Err(err(format!("{v} 不是判定字段"))),
                                None => column(v, &[Kind::Verdict])?,
                            }
                        }
                        None => {
                            lookup(v, &[Kind::Verdict], true)?;
                        }
                    }
                }
                if f.limit.is_some() || !f.limit_by_parameter.is_empty() {
                    return Err(err("汇总判定不使用限值".into()));
                }
                return Ok(());
            }
        }
        let mut limit_ids: Vec<&String> = f.limit.iter().collect();
        limit_ids.extend(f.limit_by_parameter.values());
        if limit_ids.is_empty() {
            return Err(err("判定须给出限值 limit 或 limit_by_parameter".into()));
        }
        if f.limit.is_some() && !f.limit_by_parameter.is_empty() {
            return Err(err("limit 与 limit_by_parameter 只能选一种".into()));
        }
        if !f.limit_by_parameter.is_empty() {
            lookup("parameter", &[Kind::Choice], true)?;
        }
        for id in limit_ids {
            if id == JUDGED_ELSEWHERE {
                continue;
            }
            let l = self
                .limit(id)
                .ok_or_else(|| err(format!("限值“{id}”不存在")))?;
            if !wants(l) {
                return Err(err(format!("限值“{id}”不适用于此判定规则")));
            }
            if l.applies_below.is_some() && rule != Rule::MeanDifference {
                return Err(err(format!(
                    "限值“{id}”的 applies_below 只适用于 mean_difference 判定"
                )));
            }
            used_limits.insert(id.clone());
        }
        Ok(())
    }
}

fn insert_place<'a>(
    places: &mut HashMap<&'a str, Place<'a>>,
    f: &'a Field,
    section: usize,
    rows: Option<&'a str>,
    order: usize,
) -> Result<(), DefinitionError> {
    let ok = !f.id.is_empty()
        && f.id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
    if !ok {
        return Err(field_err(f, "字段代码只能由小写字母、数字和下划线组成"));
    }
    let place = Place {
        field: f,
        section,
        rows,
        order,
    };
    if places.insert(f.id.as_str(), place).is_some() {
        return Err(field_err(f, "字段代码重复"));
    }
    Ok(())
}

fn field_err(f: &Field, m: &str) -> DefinitionError {
    DefinitionError {
        at: format!("字段 {}", f.id),
        message: m.to_string(),
    }
}

fn line_of(text: &str, offset: usize) -> usize {
    text.get(..offset)
        .map(|t| t.matches('\n').count() + 1)
        .unwrap_or(1)
}
