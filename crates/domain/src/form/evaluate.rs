//! Server-side evaluation of a filled form against its definition: every input checked, every
//! derived value computed (GB/T 8170 rounding before any comparison), every verdict judged and
//! explained with its value, limit and source. Clients may pre-validate; this is what counts.

use super::comparison;
use super::definition::{Field, FormDefinition, JUDGED_ELSEWHERE, Kind, PeriodGroup, Repeat, Rule};
use super::formula::{self, Formula};
use super::limit::{Confidence, Limit, Outcome};
use super::number::{format_decimal, parse_decimal, round_gb8170};
use super::standard::{StandardMaterial, Standards};
use crate::monitoring::EmissionLimits;
use chrono::{DateTime, FixedOffset, NaiveDate};
use chrono_tz::Asia::Shanghai;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// The values of earlier records that a form may need ("上次校准后测试值"). The field loop
/// answers from the database: the latest earlier submitted, not voided record of the same form
/// type, instrument and parameter, by check-in time.
pub trait PreviousValues: Sync {
    fn previous(
        &self,
        form_code: &str,
        instrument_id: &str,
        parameter: &str,
        field: &str,
    ) -> Option<Decimal>;
}

/// For checking a form with no history (pre-validation, the first calibration).
pub struct NoPrevious;

impl PreviousValues for NoPrevious {
    fn previous(&self, _: &str, _: &str, _: &str, _: &str) -> Option<Decimal> {
        None
    }
}

pub struct Input<'a> {
    /// `{section: {field: value}}`, repeated sections as arrays of objects with `instrument_id`.
    pub fields: &'a Value,
    /// The instruments chosen for the record, when known: each repeated section covers exactly these.
    pub instrument_ids: Option<&'a [String]>,
    pub previous: &'a dyn PreviousValues,
    /// What each chosen instrument's record registers (`parameter`, `range_upper`, …) in the
    /// version the record checked in against, by instrument id. Fields bound to it (`prefill`)
    /// take these values and refuse typed ones that disagree. `None` only where no record
    /// exists yet (a preview): the bound fields are then read as typed.
    pub registered: Option<&'a Registered>,
    /// The agency's standard materials and the day of the visit. `None` only where no record
    /// exists yet (a preview): a chosen material is then neither looked up nor judged.
    pub standards: Option<&'a Standards>,
    /// The outlet's emission limits, for limits that apply only below one (`applies_below`).
    /// `None` only where no record exists yet (a preview): such verdicts are then not judged.
    pub emission_limits: Option<&'a EmissionLimits>,
}

/// Instrument id → registered name (`range_upper`) → value as written.
pub type Registered = HashMap<String, HashMap<String, String>>;

/// One judged verdict, explained.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    /// Where it sits: `analytes[0].zero_drift_verdict`.
    pub path: String,
    pub label: String,
    pub outcome: Outcome,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// The fields as stored: inputs normalised, computed values and verdict outcomes filled in.
    pub fields: Map<String, Value>,
    pub verdicts: Vec<Verdict>,
}

impl Evaluation {
    /// Verdicts that flag the record (不合格, 失控).
    pub fn failures(&self) -> impl Iterator<Item = &Verdict> {
        self.verdicts.iter().filter(|v| v.outcome.is_failure())
    }
}

/// Field path → Chinese message.
pub type Errors = BTreeMap<String, String>;

/// A value during evaluation.
#[derive(Debug, Clone)]
enum V {
    Num(Decimal),
    Date(NaiveDate),
    DateTime(DateTime<FixedOffset>),
    Choice(Vec<String>),
    Rows(Vec<Frame>),
    Verdict(Outcome),
    /// Text as given (a section's `unit`).
    Text(String),
    /// A registered standard material, as chosen.
    Material(Box<StandardMaterial>),
    /// Given but not a number, date or text (photos, checks), or absent with the reason.
    Other,
    Missing(Option<String>),
}

type Frame = HashMap<String, V>;

const FIRST_CALIBRATION: &str = "首次校准，无上次校准后测试值";

/// A typed value as text; None when blank.
fn typed_text(raw: Option<&Value>) -> Option<String> {
    raw.and_then(|v| match v {
        Value::String(s) if s.trim().is_empty() => None,
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        other => Some(other.to_string()),
    })
}

/// The minimum-pairs rule as shown on the record: "有效数据 9 对（至少 9 对：HJ 75-2017 §9）".
fn pairs_rule(l: &Limit, pairs: usize) -> String {
    let need = l.min_pairs.unwrap_or(1);
    let source = l.min_pairs_source.as_deref().unwrap_or(&l.source);
    format!("有效数据 {pairs} 对（至少 {need} 对：{source}）")
}

/// The refusal when there are fewer valid pairs than the limit asks for.
fn too_few_pairs(l: &Limit, pairs: usize) -> Option<String> {
    let need = l.min_pairs.unwrap_or(1);
    (pairs < need as usize).then(|| {
        format!(
            "有效数据 {pairs} 对，少于要求的 {need} 对（{}）：不合格",
            l.min_pairs_source.as_deref().unwrap_or(&l.source)
        )
    })
}

/// A stored evaluation's fields as they were typed: the values the system fills (computed,
/// verdicts, those from the reference record) taken out, so the record can be judged again
/// against another reference (a re-judgement).
pub fn typed_inputs(def: &FormDefinition, stored: &Map<String, Value>) -> Value {
    fn strip(fields: &[Field], obj: &Map<String, Value>) -> Map<String, Value> {
        let mut out = Map::new();
        for (key, value) in obj {
            let Some(f) = fields.iter().find(|f| &f.id == key) else {
                out.insert(key.clone(), value.clone());
                continue;
            };
            if !f.kind.is_input() || f.previous.is_some() {
                continue;
            }
            let value = match (f.kind, value) {
                (Kind::Rows, Value::Array(rows)) => Value::Array(
                    rows.iter()
                        .map(|r| match r {
                            Value::Object(o) => Value::Object(strip(&f.fields, o)),
                            other => other.clone(),
                        })
                        .collect(),
                ),
                // A record keeps the certificate's copy; the choice was its id.
                (Kind::Standard, Value::Object(copy)) => {
                    copy.get("id").cloned().unwrap_or(Value::Null)
                }
                _ => value.clone(),
            };
            out.insert(key.clone(), value);
        }
        out
    }
    let mut out = Map::new();
    for (key, value) in stored {
        let Some(section) = def.sections.iter().find(|s| &s.id == key) else {
            out.insert(key.clone(), value.clone());
            continue;
        };
        let value = match value {
            Value::Object(o) => Value::Object(strip(&section.fields, o)),
            Value::Array(items) => Value::Array(
                items
                    .iter()
                    .map(|i| match i {
                        Value::Object(o) => Value::Object(strip(&section.fields, o)),
                        other => other.clone(),
                    })
                    .collect(),
            ),
            other => other.clone(),
        };
        out.insert(key.clone(), value);
    }
    Value::Object(out)
}

/// Checks and evaluates a filled form: the evaluation when every field is right, otherwise the
/// problems per field. This is what a submission must pass.
pub fn evaluate(def: &FormDefinition, input: &Input) -> Result<Evaluation, Errors> {
    let (evaluation, errors) = evaluate_partly(def, input);
    if errors.is_empty() {
        Ok(evaluation)
    } else {
        Err(errors)
    }
}

/// Everything that can be computed and judged from what is filled in so far, with the problems
/// beside it: the live feedback of a form being filled on site.
pub fn evaluate_partly(def: &FormDefinition, input: &Input) -> (Evaluation, Errors) {
    let mut ev = Evaluator {
        def,
        previous: input.previous,
        registered: input.registered,
        standards: input.standards,
        emission_limits: input.emission_limits,
        instrument_ids: input.instrument_ids,
        errors: Errors::new(),
        verdicts: Vec::new(),
        tabs: HashSet::new(),
        instances: HashMap::new(),
        instrument: None,
    };
    let empty = Map::new();
    let root = match input.fields {
        Value::Object(m) => m,
        Value::Null => &empty,
        _ => {
            ev.errors
                .insert("fields".into(), "表单内容格式不正确".into());
            let nothing = Evaluation {
                fields: Map::new(),
                verdicts: Vec::new(),
            };
            return (nothing, ev.errors);
        }
    };
    ev.read_tabs(root);
    let mut out = Map::new();
    let mut frames = vec![Frame::new()];
    for section in &def.sections {
        let raw = root.get(&section.id).filter(|v| !v.is_null());
        match section.repeat {
            Repeat::Once => {
                let obj = match raw {
                    None => &empty,
                    Some(Value::Object(m)) => m,
                    Some(_) => {
                        ev.errors
                            .insert(section.id.clone(), format!("{}格式不正确", section.title));
                        continue;
                    }
                };
                let mut o = Map::new();
                ev.fields(
                    &section.fields,
                    obj,
                    &section.id,
                    &mut frames,
                    &mut o,
                    false,
                );
                out.insert(section.id.clone(), Value::Object(o));
            }
            Repeat::PerInstrument => {
                let list = ev.instances_of(section.id.as_str(), &section.title, raw);
                let mut arr = Vec::new();
                let mut done = Vec::new();
                for (i, obj) in list.iter().enumerate() {
                    let path = format!("{}[{i}]", section.id);
                    let id = obj
                        .get("instrument_id")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    ev.instrument = Some(id.to_string());
                    frames.push(Frame::new());
                    let mut o = Map::new();
                    o.insert("instrument_id".into(), Value::String(id.into()));
                    ev.fields(&section.fields, obj, &path, &mut frames, &mut o, true);
                    done.push(frames.pop().unwrap_or_default());
                    arr.push(Value::Object(o));
                }
                ev.instrument = None;
                ev.instances.insert(section.id.clone(), done);
                out.insert(section.id.clone(), Value::Array(arr));
            }
        }
    }
    for key in root.keys() {
        if !def.sections.iter().any(|s| &s.id == key) {
            ev.errors.insert(key.clone(), "表单中没有这一部分".into());
        }
    }
    let evaluation = Evaluation {
        fields: out,
        verdicts: ev.verdicts,
    };
    (evaluation, ev.errors)
}

struct Evaluator<'a> {
    def: &'a FormDefinition,
    previous: &'a dyn PreviousValues,
    registered: Option<&'a Registered>,
    standards: Option<&'a Standards>,
    emission_limits: Option<&'a EmissionLimits>,
    instrument_ids: Option<&'a [String]>,
    errors: Errors,
    verdicts: Vec<Verdict>,
    /// The frequency groups this inspection covers.
    tabs: HashSet<PeriodGroup>,
    /// Evaluated instances of each repeated section, for summary verdicts.
    instances: HashMap<String, Vec<Frame>>,
    instrument: Option<String>,
}

fn label_of(f: &Field) -> &str {
    &f.label
}

impl<'a> Evaluator<'a> {
    fn err(&mut self, path: &str, message: impl Into<String>) {
        self.errors
            .entry(path.to_string())
            .or_insert_with(|| message.into());
    }

    /// Reads the frequency tabs first: they decide which check items are required.
    fn read_tabs(&mut self, root: &Map<String, Value>) {
        let groups = self.def.period_groups();
        for s in &self.def.sections {
            for f in s.fields.iter().filter(|f| f.kind == Kind::Tabs) {
                let path = format!("{}.{}", s.id, f.id);
                let raw = root.get(&s.id).and_then(|o| o.get(&f.id));
                let Some(Value::Array(items)) = raw else {
                    if raw.is_some_and(|v| !v.is_null()) {
                        self.err(&path, format!("{}格式不正确", f.label));
                    } else {
                        self.err(&path, format!("请选择{}", f.label));
                    }
                    continue;
                };
                for item in items {
                    match item.as_str().and_then(PeriodGroup::parse) {
                        Some(g) if groups.contains(&g) => {
                            self.tabs.insert(g);
                        }
                        _ => self.err(&path, format!("{}只能是本表单的检查频次", f.label)),
                    }
                }
                if self.tabs.is_empty() {
                    self.err(&path, format!("请选择{}", f.label));
                }
            }
        }
    }

    fn instances_of<'v>(
        &mut self,
        id: &str,
        title: &str,
        raw: Option<&'v Value>,
    ) -> Vec<&'v Map<String, Value>> {
        let items: Vec<&Value> = match raw {
            None => Vec::new(),
            Some(Value::Array(a)) => a.iter().collect(),
            Some(_) => {
                self.err(id, format!("{title}格式不正确"));
                return Vec::new();
            }
        };
        let mut out = Vec::new();
        let mut seen = HashSet::new();
        for (i, v) in items.into_iter().enumerate() {
            let Some(obj) = v.as_object() else {
                self.err(&format!("{id}[{i}]"), format!("{title}格式不正确"));
                continue;
            };
            match obj.get("instrument_id").and_then(Value::as_str) {
                Some(iid) if !iid.trim().is_empty() => {
                    if !seen.insert(iid.to_string()) {
                        self.err(
                            &format!("{id}[{i}].instrument_id"),
                            "同一台仪器只能填写一份",
                        );
                    }
                }
                _ => self.err(&format!("{id}[{i}].instrument_id"), "请选择仪器"),
            }
            out.push(obj);
        }
        match self.instrument_ids {
            Some(chosen) => {
                let chosen: HashSet<String> = chosen.iter().cloned().collect();
                if chosen.is_empty() {
                    self.err(id, "请至少选择一台仪器");
                } else if chosen != seen {
                    self.err(id, format!("须为所选的每台仪器各填写一份{title}"));
                }
            }
            None if out.is_empty() => self.err(id, "请至少选择一台仪器"),
            None => {}
        }
        out
    }

    fn lookup(frames: &[Frame], name: &str) -> V {
        frames
            .iter()
            .rev()
            .find_map(|f| f.get(name).cloned())
            .unwrap_or(V::Missing(None))
    }

    /// Evaluates `fields` of one section instance or row into `out` and the top frame.
    fn fields(
        &mut self,
        fields: &[Field],
        obj: &Map<String, Value>,
        path: &str,
        frames: &mut Vec<Frame>,
        out: &mut Map<String, Value>,
        has_instrument: bool,
    ) {
        for f in fields {
            let fp = format!("{path}.{}", f.id);
            let raw = obj.get(&f.id).filter(|v| !v.is_null());
            let v = if !f.kind.is_input() {
                if raw.is_some() {
                    self.err(&fp, format!("{}由系统计算，不可填写", f.label));
                }
                if f.kind == Kind::Computed {
                    self.computed(f, &fp, frames, out)
                } else {
                    self.verdict(f, &fp, frames, out)
                }
            } else if let Some(from) = &f.previous {
                if raw.is_some() {
                    self.err(
                        &fp,
                        format!("{}由系统按上次校准记录填写，不可填写", f.label),
                    );
                }
                self.previous_value(f, from, frames, out)
            } else if let Some(value) = self.bound_value(f, &fp, raw, frames) {
                match value {
                    Some(registered) => self.input(f, &fp, Some(&registered), frames, out),
                    None => V::Missing(None),
                }
            } else {
                self.input(f, &fp, raw, frames, out)
            };
            if let Some(top) = frames.last_mut() {
                top.insert(f.id.clone(), v);
            }
        }
        for key in obj.keys() {
            let known =
                fields.iter().any(|f| &f.id == key) || (has_instrument && key == "instrument_id");
            if !known {
                self.err(&format!("{path}.{key}"), "表单中没有这一项");
            }
        }
    }

    /// For a field bound to the instrument's record: `Some(Some(value))` to judge with the
    /// registered value, `Some(None)` when it cannot be (refused, with the reason on the field),
    /// `None` when the field is not bound here (no instrument, or a preview without a record).
    fn bound_value(
        &mut self,
        f: &Field,
        fp: &str,
        raw: Option<&Value>,
        frames: &[Frame],
    ) -> Option<Option<Value>> {
        let prefill = f.prefill.as_deref()?;
        if let Some(chooser) = prefill.strip_prefix("standard.") {
            return self.certified_value(f, fp, raw, chooser, frames);
        }
        let name = prefill.strip_prefix("instrument.")?;
        let registered = self.registered?;
        let instrument = self.instrument.as_deref()?;
        let value = registered
            .get(instrument)
            .and_then(|r| r.get(name))
            .map(|v| v.trim())
            .filter(|v| !v.is_empty());
        let Some(value) = value else {
            // Only gaseous CEMS register a principle (抽取/稀释/直接测量); the rest are required
            // when an instrument is registered.
            if f.required && name != "principle" {
                self.err(
                    fp,
                    format!("仪器档案未登记{}，请企业补充仪器信息后再提交", f.label),
                );
            }
            return Some(None);
        };
        if f.kind == Kind::Choice && !f.options.iter().any(|o| o == value) {
            self.err(
                fp,
                format!("仪器档案登记的{}“{value}”不适用于本表单", f.label),
            );
            return Some(None);
        }
        let typed = typed_text(raw);
        let same = |typed: &str| match f.kind {
            Kind::Number => parse_decimal(typed).is_some_and(|t| Some(t) == parse_decimal(value)),
            _ => typed == value,
        };
        if let Some(typed) = typed.filter(|t| !same(t)) {
            self.err(
                fp,
                format!(
                    "{}应与仪器档案一致（登记为 {value}，填写为 {typed}）；现场变更的，请企业先变更仪器档案",
                    f.label
                ),
            );
            return Some(None);
        }
        let value = match f.kind {
            Kind::Number => {
                parse_decimal(value).map_or(value.to_string(), |d| d.normalize().to_string())
            }
            _ => value.to_string(),
        };
        Some(Some(Value::String(value)))
    }

    /// For a number bound to a chosen standard material: its certified value in the section's
    /// unit, rounded to the field's places; a typed value that disagrees is refused. `None`
    /// (typed as before) while no material is chosen.
    fn certified_value(
        &mut self,
        f: &Field,
        fp: &str,
        raw: Option<&Value>,
        chooser: &str,
        frames: &[Frame],
    ) -> Option<Option<Value>> {
        let V::Material(m) = Self::lookup(frames, chooser) else {
            return None;
        };
        let unit = match Self::lookup(frames, "unit") {
            V::Text(u) if !u.trim().is_empty() => u,
            _ => f.unit.clone().unwrap_or_else(|| m.unit.clone()),
        };
        let value = match m.value_in(&unit) {
            Ok((v, _)) => round_gb8170(v, f.decimals.unwrap_or(4)).normalize(),
            Err(message) => {
                self.err(fp, message);
                return Some(None);
            }
        };
        if let Some(typed) = typed_text(raw).filter(|t| parse_decimal(t) != Some(value)) {
            self.err(
                fp,
                format!(
                    "{}应与所选标准物质的证书一致（证书值折算为 {value} {unit}，填写为 {typed}）",
                    f.label
                ),
            );
            return Some(None);
        }
        Some(Some(Value::String(value.to_string())))
    }

    /// A standard material chosen by its id from the agency's registry, whose component must be
    /// the section's parameter. Stored as the certificate's copy.
    fn standard(
        &mut self,
        f: &Field,
        fp: &str,
        raw: &Value,
        frames: &[Frame],
        out: &mut Map<String, Value>,
    ) -> V {
        let id = match raw {
            Value::String(s) => s.trim().to_string(),
            Value::Object(o) => o
                .get("id")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            _ => String::new(),
        };
        if id.is_empty() {
            self.err(fp, format!("{}格式不正确", f.label));
            return V::Missing(None);
        }
        let Some(standards) = self.standards else {
            out.insert(f.id.clone(), Value::String(id));
            return V::Other;
        };
        let Some(m) = standards.materials.get(&id) else {
            self.err(fp, "所选标准物质不在本机构的登记中，请先在备案管理中登记");
            return V::Missing(None);
        };
        if let V::Choice(p) = Self::lookup(frames, "parameter")
            && let Some(parameter) = p.first()
            && parameter != &m.component
        {
            self.err(
                fp,
                format!(
                    "所选标准物质的组分为“{}”，与监测参数“{parameter}”不一致",
                    m.component
                ),
            );
            return V::Missing(None);
        }
        out.insert(f.id.clone(), m.snapshot());
        V::Material(Box::new(m.clone()))
    }

    fn previous_value(
        &mut self,
        f: &Field,
        from: &str,
        frames: &[Frame],
        out: &mut Map<String, Value>,
    ) -> V {
        let parameter = match Self::lookup(frames, "parameter") {
            V::Choice(c) => c.into_iter().next().unwrap_or_default(),
            _ => String::new(),
        };
        let instrument = self.instrument.clone().unwrap_or_default();
        match self
            .previous
            .previous(&self.def.code, &instrument, &parameter, from)
        {
            Some(v) => {
                out.insert(f.id.clone(), Value::String(format_decimal(v, f.decimals)));
                V::Num(v)
            }
            None => V::Missing(Some(FIRST_CALIBRATION.into())),
        }
    }

    fn input(
        &mut self,
        f: &Field,
        fp: &str,
        raw: Option<&Value>,
        frames: &mut Vec<Frame>,
        out: &mut Map<String, Value>,
    ) -> V {
        // Check items of a frequency not chosen are not part of this record.
        if let Some(p) = f.period_days
            && !self.tabs.contains(&PeriodGroup::of(p))
        {
            if raw.is_some() {
                self.err(fp, "未选择该检查频次，不应填写此项");
            }
            return V::Missing(None);
        }
        let blank = match raw {
            None => true,
            Some(Value::String(s)) => s.trim().is_empty(),
            Some(Value::Array(a)) => a.is_empty() && f.kind != Kind::Rows,
            _ => false,
        };
        if blank && f.kind != Kind::Rows {
            let required = f.required
                || f.required_when.as_ref().is_some_and(|c| {
                    matches!(Self::lookup(frames, &c.field), V::Choice(v) if v.contains(&c.equals))
                });
            if required {
                let verb = match f.kind {
                    Kind::Choice | Kind::Check | Kind::Tabs | Kind::Standard => "请选择",
                    Kind::Photos => "请上传",
                    _ => "请填写",
                };
                self.err(fp, format!("{verb}{}", f.label));
            }
            return V::Missing(None);
        }
        let bad = |s: &mut Self| {
            s.err(fp, format!("{}格式不正确", f.label));
            V::Missing(None)
        };
        let raw = raw.unwrap_or(&Value::Null);
        match f.kind {
            Kind::Text => {
                let Some(s) = raw.as_str() else {
                    return bad(self);
                };
                let max = f.max_len.unwrap_or(if f.multiline { 2000 } else { 200 }) as usize;
                if s.chars().count() > max {
                    self.err(fp, format!("{}不能超过 {max} 个字", f.label));
                } else if s
                    .chars()
                    .any(|c| c.is_control() && !(f.multiline && c == '\n'))
                {
                    self.err(fp, format!("{}含有不可见的控制字符", f.label));
                }
                out.insert(f.id.clone(), Value::String(s.trim().to_string()));
                V::Text(s.trim().to_string())
            }
            Kind::Number => self.number(f, fp, raw, frames, out),
            Kind::Date => {
                let Some(d) = raw
                    .as_str()
                    .and_then(|s| NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok())
                else {
                    self.err(fp, format!("{}应为日期，如 2026-11-28", f.label));
                    return V::Missing(None);
                };
                out.insert(f.id.clone(), Value::String(d.to_string()));
                if !self.order(f, fp, &V::Date(d), frames) {
                    return V::Missing(None);
                }
                V::Date(d)
            }
            Kind::Datetime => {
                let Some(t) = raw
                    .as_str()
                    .and_then(|s| DateTime::parse_from_rfc3339(s.trim()).ok())
                else {
                    self.err(
                        fp,
                        format!("{}应为带时区的时间，如 2026-11-28T09:30:00+08:00", f.label),
                    );
                    return V::Missing(None);
                };
                out.insert(f.id.clone(), Value::String(t.to_rfc3339()));
                if !self.order(f, fp, &V::DateTime(t), frames) {
                    return V::Missing(None);
                }
                V::DateTime(t)
            }
            Kind::Choice => {
                let chosen: Vec<String> = match (raw, f.multiple) {
                    (Value::String(s), false) => vec![s.clone()],
                    (Value::Array(a), true) => a
                        .iter()
                        .filter_map(|x| x.as_str().map(String::from))
                        .collect(),
                    _ => return bad(self),
                };
                let unique: HashSet<&String> = chosen.iter().collect();
                if chosen.iter().any(|c| !f.options.contains(c)) || unique.len() != chosen.len() {
                    self.err(fp, format!("{}只能从给定选项中选择", f.label));
                    return V::Missing(None);
                }
                out.insert(f.id.clone(), raw.clone());
                V::Choice(chosen)
            }
            Kind::Check => self.check_item(f, fp, raw, out),
            Kind::Tabs => {
                out.insert(f.id.clone(), raw.clone());
                V::Other
            }
            Kind::Photos => {
                let ids: Option<Vec<&str>> = raw
                    .as_array()
                    .map(|a| a.iter().filter_map(Value::as_str).collect());
                let Some(ids) = ids.filter(|i| Some(i.len()) == raw.as_array().map(Vec::len))
                else {
                    return bad(self);
                };
                let unique: HashSet<&&str> = ids.iter().collect();
                let min = f.min_count.unwrap_or(u32::from(f.required)) as usize;
                let max = f.max_count.unwrap_or(9) as usize;
                if unique.len() != ids.len() || ids.iter().any(|i| i.trim().is_empty()) {
                    self.err(fp, format!("{}中有重复或空的照片", f.label));
                } else if ids.len() < min {
                    self.err(fp, format!("{}至少需要 {min} 张", f.label));
                } else if ids.len() > max {
                    self.err(fp, format!("{}最多 {max} 张", f.label));
                }
                out.insert(f.id.clone(), raw.clone());
                V::Other
            }
            Kind::Rows => self.rows(f, fp, raw, frames, out),
            Kind::Standard => self.standard(f, fp, raw, frames, out),
            Kind::Computed | Kind::Verdict => V::Missing(None),
        }
    }

    fn number(
        &mut self,
        f: &Field,
        fp: &str,
        raw: &Value,
        frames: &[Frame],
        out: &mut Map<String, Value>,
    ) -> V {
        let text = match raw {
            Value::Number(n) => n.to_string(),
            Value::String(s) => s.clone(),
            _ => String::new(),
        };
        let Some(n) = parse_decimal(&text) else {
            self.err(fp, format!("{}应为数字", f.label));
            return V::Missing(None);
        };
        let unit = f
            .unit
            .as_deref()
            .map(|u| format!(" {u}"))
            .unwrap_or_default();
        let dec = f.decimals.unwrap_or(4);
        let too_precise = n.scale() > dec;
        if too_precise && dec == 0 {
            self.err(fp, format!("{}应为整数", f.label));
        } else if too_precise {
            self.err(fp, format!("{}最多保留 {dec} 位小数", f.label));
        }
        let not_greater = match (
            &f.greater_than,
            f.greater_than.as_deref().map(|o| Self::lookup(frames, o)),
        ) {
            (Some(other), Some(V::Num(o))) if n <= o => {
                self.err(
                    fp,
                    format!("{}须大于{}", f.label, field_label(self.def, other)),
                );
                true
            }
            _ => false,
        };
        let below = f
            .min
            .is_some_and(|m| n < m.0 || (f.min_exclusive && n == m.0));
        let above = f.max.is_some_and(|m| n > m.0);
        if below || above {
            let fmt = |d: Decimal| format_decimal(d, None);
            let msg = match (f.min, f.max) {
                (Some(lo), Some(hi)) if f.min_exclusive => format!(
                    "{}应大于 {} 且不大于 {}{unit}",
                    f.label,
                    fmt(lo.0),
                    fmt(hi.0)
                ),
                (Some(lo), Some(hi)) => {
                    format!("{}应在 {} 到 {}{unit} 之间", f.label, fmt(lo.0), fmt(hi.0))
                }
                (Some(lo), None) if f.min_exclusive => {
                    format!("{}应大于 {}{unit}", f.label, fmt(lo.0))
                }
                (Some(lo), None) => format!("{}不能小于 {}{unit}", f.label, fmt(lo.0)),
                (None, Some(hi)) => format!("{}不能大于 {}{unit}", f.label, fmt(hi.0)),
                (None, None) => String::new(),
            };
            self.err(fp, msg);
        }
        out.insert(f.id.clone(), Value::String(n.to_string()));
        // A refused number does not feed computed values: the error is on the field itself.
        if too_precise || below || above || not_greater {
            return V::Missing(None);
        }
        V::Num(n)
    }

    fn check_item(&mut self, f: &Field, fp: &str, raw: &Value, out: &mut Map<String, Value>) -> V {
        let (result, remark) = match raw {
            Value::String(s) => (s.as_str(), ""),
            Value::Object(o) => {
                for k in o.keys() {
                    if k != "result" && k != "remark" {
                        self.err(&format!("{fp}.{k}"), "表单中没有这一项");
                    }
                }
                (
                    o.get("result").and_then(Value::as_str).unwrap_or(""),
                    o.get("remark").and_then(Value::as_str).unwrap_or(""),
                )
            }
            _ => ("", ""),
        };
        let remark = remark.trim();
        match result {
            "正常" | "不正常" => {}
            "" => {
                self.err(fp, format!("请选择{}", f.label));
                return V::Missing(None);
            }
            _ => {
                self.err(fp, format!("{}只能选择“正常”或“不正常”", f.label));
                return V::Missing(None);
            }
        }
        if result == "不正常" && remark.is_empty() {
            self.err(
                &format!("{fp}.remark"),
                format!("{}选择“不正常”时须填写情况说明", f.label),
            );
        }
        if remark.chars().count() > 500 {
            self.err(&format!("{fp}.remark"), "情况说明不能超过 500 个字");
        }
        let mut o = Map::new();
        o.insert("result".into(), Value::String(result.into()));
        if !remark.is_empty() {
            o.insert("remark".into(), Value::String(remark.into()));
        }
        out.insert(f.id.clone(), Value::Object(o));
        V::Other
    }

    fn rows(
        &mut self,
        f: &Field,
        fp: &str,
        raw: &Value,
        frames: &mut Vec<Frame>,
        out: &mut Map<String, Value>,
    ) -> V {
        let empty = Vec::new();
        let list = match raw {
            Value::Null => &empty,
            Value::Array(a) => a,
            _ => {
                self.err(fp, format!("{}格式不正确", f.label));
                return V::Missing(None);
            }
        };
        let min = f.min_count.unwrap_or(u32::from(f.required)) as usize;
        let max = f.max_count.unwrap_or(50) as usize;
        if list.len() < min {
            self.err(fp, format!("{}至少需要 {min} 行", f.label));
        } else if list.len() > max {
            self.err(fp, format!("{}最多 {max} 行", f.label));
            return V::Missing(None);
        }
        let mut done = Vec::new();
        let mut arr = Vec::new();
        for (i, row) in list.iter().enumerate() {
            let rp = format!("{fp}[{i}]");
            let Value::Object(obj) = row else {
                self.err(&rp, format!("{}格式不正确", f.label));
                done.push(Frame::new());
                arr.push(Value::Object(Map::new()));
                continue;
            };
            frames.push(Frame::new());
            let mut o = Map::new();
            self.fields(&f.fields, obj, &rp, frames, &mut o, false);
            done.push(frames.pop().unwrap_or_default());
            arr.push(Value::Object(o));
        }
        out.insert(f.id.clone(), Value::Array(arr));
        V::Rows(done)
    }

    /// not_before / not_after between dates and datetimes; false when the value is out of order.
    fn order(&mut self, f: &Field, fp: &str, v: &V, frames: &[Frame]) -> bool {
        let as_date = |v: &V| match v {
            V::Date(d) => Some((*d, None)),
            V::DateTime(t) => Some((t.with_timezone(&Shanghai).date_naive(), Some(*t))),
            _ => None,
        };
        let label = |id: &str| {
            self.def
                .all_fields()
                .into_iter()
                .find(|(_, x)| x.id == id)
                .map(|(_, x)| x.label.clone())
                .unwrap_or_default()
        };
        let Some(mine) = as_date(v) else { return true };
        let mut in_order = true;
        for (other, before) in [(&f.not_before, true), (&f.not_after, false)] {
            let Some(other) = other else { continue };
            let Some(theirs) = as_date(&Self::lookup(frames, other)) else {
                continue;
            };
            let ordering = match (mine.1, theirs.1) {
                (Some(a), Some(b)) => a.cmp(&b),
                _ => mine.0.cmp(&theirs.0),
            };
            if before && ordering.is_lt() {
                self.err(fp, format!("{}不得早于{}", f.label, label(other)));
                in_order = false;
            }
            if !before && ordering.is_gt() {
                self.err(fp, format!("{}不得晚于{}", f.label, label(other)));
                in_order = false;
            }
        }
        in_order
    }

    fn num_arg(frames: &[Frame], name: &str) -> Result<Decimal, Option<String>> {
        match Self::lookup(frames, name) {
            V::Num(n) => Ok(n),
            V::Missing(reason) => Err(reason),
            _ => Err(None),
        }
    }

    fn computed(
        &mut self,
        f: &Field,
        fp: &str,
        frames: &[Frame],
        out: &mut Map<String, Value>,
    ) -> V {
        let Some(formula) = f.formula else {
            return V::Missing(None);
        };
        let result: Result<Decimal, Option<String>> = (|| {
            if formula == Formula::DurationHours {
                let t = |name: &str| match Self::lookup(frames, name) {
                    V::DateTime(t) => Ok(t),
                    _ => Err(None),
                };
                let from = t(&f.args[0])?;
                let to = t(&f.args[1])?;
                return formula::duration_hours(from, to).map_err(|e| Some(e.to_string()));
            }
            let mut xs = Vec::new();
            for a in &f.args {
                match a.split_once('.') {
                    Some((rows, col)) => {
                        if let V::Rows(rs) = Self::lookup(frames, rows) {
                            xs.extend(rs.iter().filter_map(|r| match r.get(col) {
                                Some(V::Num(n)) => Some(*n),
                                _ => None,
                            }));
                        }
                    }
                    // A mean is of the values given (one lab result may be missing).
                    None if formula == Formula::Mean => {
                        if let Ok(n) = Self::num_arg(frames, a) {
                            xs.push(n);
                        }
                    }
                    None => xs.push(Self::num_arg(frames, a)?),
                }
            }
            let e = |r: Result<Decimal, &str>| r.map_err(|m| Some(m.to_string()));
            match (formula, xs.as_slice()) {
                (Formula::Mean, []) => Err(None),
                (Formula::Mean, _) => e(formula::mean(&xs)),
                (Formula::AbsoluteError, [m, r]) => Ok(formula::absolute_error(*m, *r)),
                (Formula::RelativeError, [m, r]) => e(formula::relative_error(*m, *r)),
                (Formula::Drift, [p, l, lo, hi]) => e(formula::drift(*p, *l, *lo, *hi)),
                (Formula::CalibrationError, [p, r, lo, hi]) => {
                    e(formula::calibration_error(*p, *r, *lo, *hi))
                }
                _ => Err(None),
            }
        })();
        match result {
            Ok(v) => {
                let d = f.decimals.unwrap_or(2);
                let v = round_gb8170(v, d);
                out.insert(f.id.clone(), Value::String(format_decimal(v, Some(d))));
                V::Num(v)
            }
            Err(Some(reason)) if reason != FIRST_CALIBRATION => {
                self.err(fp, format!("无法计算{}：{reason}", f.label));
                V::Missing(Some(reason))
            }
            Err(reason) => V::Missing(reason),
        }
    }

    /// The id of the limit a verdict applies here: fixed, or chosen by the section's parameter.
    fn limit_id<'f>(f: &'f Field, frames: &[Frame]) -> Option<&'f str> {
        if let Some(id) = &f.limit {
            return Some(id);
        }
        let parameter = match Self::lookup(frames, "parameter") {
            V::Choice(c) => c.into_iter().next(),
            _ => None,
        }?;
        f.limit_by_parameter
            .get(&parameter)
            .or_else(|| f.limit_by_parameter.get("*"))
            .map(String::as_str)
    }

    fn verdict(
        &mut self,
        f: &Field,
        fp: &str,
        frames: &[Frame],
        out: &mut Map<String, Value>,
    ) -> V {
        let Some(rule) = f.rule else {
            return V::Missing(None);
        };
        let mut v = Verdict {
            path: fp.to_string(),
            label: f.label.clone(),
            outcome: Outcome::NotApplicable,
            value: None,
            unit: None,
            limit: None,
            source: None,
            confidence: None,
            explanation: String::new(),
        };
        let limit_id = Self::limit_id(f, frames);
        let limit = limit_id.and_then(|id| self.def.limit(id));
        if let Some(l) = limit {
            let text = l.describe();
            v.limit = Some(if text.is_empty() {
                l.label.clone()
            } else {
                text
            });
            v.source = Some(l.source.clone());
            v.confidence = Some(l.confidence);
            v.unit = l.unit.clone();
        }
        let decimals = f.decimals.unwrap_or(1);
        match (rule, limit) {
            (Rule::All, _) => self.judge_all(f, frames, &mut v),
            (_, None) if limit_id == Some(JUDGED_ELSEWHERE) => {
                v.explanation = "该参数不按本项判定，见本表的其他判定项".into();
            }
            (_, None) => {
                v.explanation = "该参数没有适用的限值，未作判定".into();
            }
            (Rule::Within, Some(l)) => {
                let name = f.value.as_deref().unwrap_or("");
                match Self::num_arg(frames, name) {
                    Ok(x) => {
                        v.outcome = l.judge(x);
                        // Shown with the places the value was rounded to: "2.0", not "2".
                        let places = self
                            .def
                            .all_fields()
                            .into_iter()
                            .find(|(_, x)| x.id == name)
                            .and_then(|(_, x)| x.decimals.filter(|_| x.kind == Kind::Computed));
                        v.value = Some(format_decimal(x, places));
                        let unit = v.unit.clone().unwrap_or_default();
                        let tail = match v.outcome {
                            Outcome::Pass => "合格".to_string(),
                            Outcome::OutOfControl => {
                                "超出失控限，自上次合格校准以来的数据无效".to_string()
                            }
                            Outcome::Fail if l.out_of_control_abs.is_some() => {
                                "超出校准限值，须重新校准".to_string()
                            }
                            _ => "不合格".to_string(),
                        };
                        v.explanation = format!(
                            "{} {}{unit}，限值 {}（{}）：{tail}",
                            field_label(self.def, name),
                            v.value.clone().unwrap_or_default(),
                            v.limit.clone().unwrap_or_default(),
                            l.source
                        );
                    }
                    Err(reason) => {
                        v.explanation = reason.unwrap_or_else(|| {
                            format!("{}无数值，未作判定", field_label(self.def, name))
                        });
                    }
                }
            }
            (Rule::Banded, Some(l)) => {
                let m = Self::num_arg(frames, f.value.as_deref().unwrap_or(""));
                let r = Self::num_arg(frames, f.reference.as_deref().unwrap_or(""));
                match (m, r) {
                    (Ok(m), Ok(r)) => {
                        let unit = Self::reading_unit(frames);
                        self.judge_band(l, r, m, &[(r, m)], decimals, unit.as_deref(), &mut v)
                    }
                    _ => v.explanation = "测量值或参比值缺失，未作判定".into(),
                }
            }
            (Rule::Accuracy, Some(l)) => {
                let pairs = Self::pairs(frames, f);
                let mean_of = |xs: Vec<Decimal>| formula::mean(&xs).ok();
                if let Some(short) = too_few_pairs(l, pairs.len()) {
                    v.outcome = Outcome::Fail;
                    v.explanation = short;
                } else if let (Some(rm), Some(cm)) = (
                    mean_of(pairs.iter().map(|p| p.0).collect()),
                    mean_of(pairs.iter().map(|p| p.1).collect()),
                ) {
                    let unit = Self::reading_unit(frames);
                    self.judge_band(l, rm, cm, &pairs, decimals, unit.as_deref(), &mut v);
                    v.explanation = format!("{}；{}", pairs_rule(l, pairs.len()), v.explanation);
                } else {
                    v.explanation = "没有成对数据，未作判定".into();
                }
            }
            (Rule::MeanDifference, Some(l)) => {
                let pairs = Self::pairs(frames, f);
                let differences: Vec<Decimal> = pairs.iter().map(|(r, m)| m - r).collect();
                let filled = matches!(
                    Self::lookup(frames, f.rows.as_deref().unwrap_or("")),
                    V::Rows(_)
                );
                let outside = self.outside_scope(l, &pairs);
                if !filled {
                    v.explanation = format!(
                        "未填写{}（本次未选择其检查频次），未作判定",
                        field_label(self.def, f.rows.as_deref().unwrap_or(""))
                    );
                } else if let Some(why) = outside.clone().filter(|_| !pairs.is_empty()) {
                    v.explanation = why;
                } else if let Some(short) = too_few_pairs(l, pairs.len()) {
                    v.outcome = Outcome::Fail;
                    v.explanation = short;
                } else if let Ok(mean) = formula::mean(&differences) {
                    let mean = round_gb8170(mean, decimals);
                    v.outcome = l.judge(mean);
                    v.value = Some(format_decimal(mean, Some(decimals)));
                    let unit = l.unit.clone().unwrap_or_default();
                    v.explanation = format!(
                        "{} 对比对的差值（{} − {}）平均为 {}{unit}，限值 {}（{}{}）：{}",
                        pairs.len(),
                        field_label(self.def, f.value.as_deref().unwrap_or("")),
                        field_label(self.def, f.reference.as_deref().unwrap_or("")),
                        format_decimal(mean, Some(decimals)),
                        l.describe(),
                        l.source,
                        self.in_scope_note(l, &pairs),
                        v.outcome.label()
                    );
                } else {
                    v.explanation = "没有成对数据，未作判定".into();
                }
            }
            (Rule::PassCount, Some(l)) => {
                let rows = match Self::lookup(frames, f.rows.as_deref().unwrap_or("")) {
                    V::Rows(r) => r,
                    _ => Vec::new(),
                };
                let col = f.value.as_deref().unwrap_or("");
                let judged: Vec<Outcome> = rows
                    .iter()
                    .filter_map(|r| match r.get(col) {
                        Some(V::Verdict(o)) if *o != Outcome::NotApplicable => Some(*o),
                        _ => None,
                    })
                    .collect();
                let n = judged.len() as u32;
                let passed = judged.iter().filter(|o| **o == Outcome::Pass).count() as u32;
                v.value = Some(format!("{passed}/{n}"));
                match l.passes_needed(n) {
                    None => {
                        v.outcome = Outcome::Fail;
                        v.explanation = format!(
                            "比对 {n} 对，少于要求的 {} 对（{}）：不合格",
                            l.min_pairs.unwrap_or(1),
                            l.source
                        );
                    }
                    Some(k) => {
                        v.outcome = if passed >= k {
                            Outcome::Pass
                        } else {
                            Outcome::Fail
                        };
                        v.explanation = format!(
                            "比对 {n} 对，合格 {passed} 对，至少需要 {k} 对（{}）：{}",
                            l.source,
                            v.outcome.label()
                        );
                    }
                }
            }
            (Rule::NotBefore, Some(l)) => {
                let date = |name: &str| match Self::lookup(frames, name) {
                    V::Date(d) => Some(d),
                    V::DateTime(t) => Some(t.with_timezone(&Shanghai).date_naive()),
                    _ => None,
                };
                let a = f.value.as_deref().unwrap_or("");
                let b = f.reference.as_deref().unwrap_or("");
                match (date(a), date(b)) {
                    (Some(x), Some(y)) => {
                        v.value = Some(x.to_string());
                        v.outcome = if x >= y { Outcome::Pass } else { Outcome::Fail };
                        let (la, lb) = (field_label(self.def, a), field_label(self.def, b));
                        v.explanation = if x >= y {
                            format!("{la} {x} 不早于{lb} {y}（{}）：合格", l.source)
                        } else {
                            format!("{la} {x} 早于{lb} {y}，已过期（{}）：不合格", l.source)
                        };
                    }
                    _ => v.explanation = "日期缺失，未作判定".into(),
                }
            }
            (Rule::StandardValid, Some(l)) => self.judge_standard(f, frames, l, &mut v),
        }
        // How sure the limit is travels with the verdict, wherever it is shown.
        if let Some(l) = limit
            && v.outcome != Outcome::NotApplicable
            && rule != Rule::All
        {
            match l.confidence {
                Confidence::Unconfirmed => v.explanation.push_str("（限值未经标准原文确认）"),
                Confidence::Code1 => v
                    .explanation
                    .push_str("（限值仅见于一个公开实现，未经标准原文确认）"),
                _ => {}
            }
        }
        out.insert(
            f.id.clone(),
            serde_json::to_value(v.outcome).unwrap_or(Value::Null),
        );
        let outcome = v.outcome;
        self.verdicts.push(v);
        V::Verdict(outcome)
    }

    /// Why a limit with `applies_below` does not apply to these pairs (the reference mean, or the
    /// outlet's emission limit, is not below its figure, or the limit is not known); None when it
    /// applies.
    fn outside_scope(&self, l: &Limit, pairs: &[(Decimal, Decimal)]) -> Option<String> {
        let below = l.applies_below.as_ref()?;
        let unit = l.unit.clone().unwrap_or_default();
        let edge = format!("{} {unit}", format_decimal(below.value.0, None));
        let references: Vec<Decimal> = pairs.iter().map(|(r, _)| *r).collect();
        if let Ok(mean) = formula::mean(&references) {
            let mean = round_gb8170(mean, 1);
            if mean >= below.value.0 {
                return Some(format!(
                    "参比均值 {} {unit} 不低于 {edge}，{}的该项要求只适用于低于 {edge} 的情形，未判定",
                    format_decimal(mean, Some(1)),
                    l.source
                ));
            }
        }
        let pollutant = below.emission_limit.as_deref()?;
        let Some(limits) = self.emission_limits else {
            return Some("预检查不核对排口的排放限值，提交时判定".into());
        };
        let Some(limit) = limits.get(pollutant) else {
            return Some(format!(
                "排口未登记{pollutant}排放限值（由企业在排口管理中登记），无法确定是否适用{edge}以下的要求，未判定"
            ));
        };
        if !super::unit::same(&limit.unit, &unit) {
            return Some(format!(
                "排口登记的{pollutant}排放限值单位“{}”与限值单位“{unit}”不同，未判定",
                limit.unit
            ));
        }
        (limit.value >= below.value.0).then(|| {
            format!(
                "排口{pollutant}排放限值 {} {unit}（{}）不低于 {edge}，{}的该项要求只适用于低于 {edge} 的情形，未判定",
                format_decimal(limit.value, None),
                limit.source,
                l.source
            )
        })
    }

    /// For a limit with `applies_below` that applies: what made it apply, shown in the verdict.
    fn in_scope_note(&self, l: &Limit, pairs: &[(Decimal, Decimal)]) -> String {
        let Some(below) = &l.applies_below else {
            return String::new();
        };
        let unit = l.unit.clone().unwrap_or_default();
        let references: Vec<Decimal> = pairs.iter().map(|(r, _)| *r).collect();
        let mean = formula::mean(&references)
            .map(|m| format_decimal(round_gb8170(m, 1), Some(1)))
            .unwrap_or_default();
        let emission = below
            .emission_limit
            .as_deref()
            .and_then(|p| self.emission_limits.and_then(|m| m.get(p)).map(|e| (p, e)))
            .map(|(p, e)| {
                format!(
                    "、排口{p}排放限值 {} {unit}（{}）",
                    format_decimal(e.value, None),
                    e.source
                )
            })
            .unwrap_or_default();
        format!(
            "；参比均值 {mean} {unit}{emission}均低于 {} {unit}",
            format_decimal(below.value.0, None)
        )
    }

    /// The certificate of the standard used, held against the day of the visit.
    fn judge_standard(&self, f: &Field, frames: &[Frame], l: &Limit, v: &mut Verdict) {
        let Some(standards) = self.standards else {
            v.explanation = "预检查不核对标准物质的证书，提交时判定".into();
            return;
        };
        let used_on = standards.used_on;
        match Self::lookup(frames, f.value.as_deref().unwrap_or("")) {
            V::Material(m) => {
                v.value = Some(m.certificate_no.clone());
                // A certificate in another unit than the instrument's: how its value was converted.
                let converted = match Self::lookup(frames, "unit") {
                    V::Text(u) if !super::unit::same(&u, &m.unit) => match m.value_in(&u) {
                        Ok((x, Some(how))) => format!(
                            "，证书值 {} {} 折算为 {} {u}（{how}）",
                            format_decimal(m.certified_value, None),
                            m.unit,
                            round_gb8170(x, 6).normalize()
                        ),
                        _ => String::new(),
                    },
                    _ => String::new(),
                };
                let what = format!(
                    "证书 {}（{} {}，{} 批号 {}{converted}）有效期至 {}",
                    m.certificate_no,
                    m.component,
                    m.kind.label(),
                    m.producer,
                    m.lot_no,
                    m.expires_on
                );
                if m.expires_on >= used_on {
                    v.outcome = Outcome::Pass;
                    v.explanation =
                        format!("{what}，使用日 {used_on} 在有效期内（{}）：合格", l.source);
                } else {
                    v.outcome = Outcome::Fail;
                    v.explanation = format!(
                        "{what}，使用日 {used_on} 已过期，校准无效（{}）：不合格",
                        l.source
                    );
                }
            }
            _ => match standards.required_from {
                Some(from) if used_on >= from => {
                    v.outcome = Outcome::Fail;
                    v.explanation = format!(
                        "未选择所用的标准物质；自 {from} 起须选择已登记的标准物质，校准无效：不合格"
                    );
                }
                Some(from) => {
                    v.explanation =
                        format!("未选择所用的标准物质；自 {from} 起须选择，本次未作判定");
                }
                None => {
                    v.explanation =
                        "未选择所用的标准物质；全市尚未规定须选择的起始日期，未作判定".into();
                }
            },
        }
    }

    fn pairs(frames: &[Frame], f: &Field) -> Vec<(Decimal, Decimal)> {
        let rows = match Self::lookup(frames, f.rows.as_deref().unwrap_or("")) {
            V::Rows(r) => r,
            _ => return Vec::new(),
        };
        let (val, refc) = (
            f.value.as_deref().unwrap_or(""),
            f.reference.as_deref().unwrap_or(""),
        );
        rows.iter()
            .filter_map(|r| match (r.get(refc), r.get(val)) {
                (Some(V::Num(a)), Some(V::Num(b))) => Some((*a, *b)),
                _ => None,
            })
            .collect()
    }

    /// The unit the section's readings are in (its `unit` field), when it has one.
    fn reading_unit(frames: &[Frame]) -> Option<String> {
        match Self::lookup(frames, "unit") {
            V::Text(u) if !u.trim().is_empty() => Some(u),
            _ => None,
        }
    }

    /// Comparison against the band chosen by the reference value; a reading unit that cannot
    /// be converted is refused on the field, never compared.
    #[allow(clippy::too_many_arguments)]
    fn judge_band(
        &mut self,
        l: &Limit,
        reference: Decimal,
        measured: Decimal,
        pairs: &[(Decimal, Decimal)],
        decimals: u32,
        reading_unit: Option<&str>,
        v: &mut Verdict,
    ) {
        if let Err(refusal) =
            comparison::judge_band(l, reference, measured, pairs, decimals, reading_unit, v)
        {
            self.err(&v.path, refusal);
        }
    }

    fn judge_all(&self, f: &Field, frames: &[Frame], v: &mut Verdict) {
        let mut outcomes = Vec::new();
        for name in &f.verdicts {
            match name.split_once('.') {
                Some((scope, col)) => {
                    if let Some(instances) = self.instances.get(scope) {
                        outcomes.extend(instances.iter().filter_map(|i| match i.get(col) {
                            Some(V::Verdict(o)) => Some((col.to_string(), *o)),
                            _ => None,
                        }));
                    } else if let V::Rows(rows) = Self::lookup(frames, scope) {
                        outcomes.extend(rows.iter().filter_map(|r| match r.get(col) {
                            Some(V::Verdict(o)) => Some((col.to_string(), *o)),
                            _ => None,
                        }));
                    }
                }
                None => {
                    if let V::Verdict(o) = Self::lookup(frames, name) {
                        outcomes.push((name.clone(), o));
                    }
                }
            }
        }
        let failing: Vec<String> = outcomes
            .iter()
            .filter(|(_, o)| o.is_failure())
            .map(|(n, _)| field_label(self.def, n))
            .collect();
        v.outcome = if outcomes.iter().any(|(_, o)| *o == Outcome::OutOfControl) {
            Outcome::OutOfControl
        } else if !failing.is_empty() {
            Outcome::Fail
        } else if outcomes.iter().any(|(_, o)| *o == Outcome::Pass) {
            Outcome::Pass
        } else {
            Outcome::NotApplicable
        };
        let mut unique: Vec<String> = Vec::new();
        for label in failing {
            if !unique.contains(&label) {
                unique.push(label);
            }
        }
        v.explanation = match v.outcome {
            Outcome::Pass => "各项判定均合格".into(),
            Outcome::NotApplicable => "各项均未作判定".into(),
            _ => format!("不合格项：{}", unique.join("、")),
        };
    }
}

fn field_label(def: &FormDefinition, id: &str) -> String {
    def.all_fields()
        .into_iter()
        .find(|(_, f)| f.id == id)
        .map(|(_, f)| label_of(f).to_string())
        .unwrap_or_else(|| id.to_string())
}
