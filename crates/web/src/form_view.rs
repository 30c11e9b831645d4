//! The renderers of a form, driven only by its definition: the editable mobile form and the
//! read-only detail/print view. Both are built from the same view model, with or without the
//! values of an evaluated record.

use emss_app::agency_resources::StandardMaterialView;
use emss_domain::form::standard::StandardMaterial;
use emss_domain::form::{
    Evaluation, Field, FormDefinition, Kind, Outcome, PeriodGroup, Repeat, Verdict,
};
use emss_domain::time::EMPTY;
use serde_json::{Map, Value};

pub struct FormView {
    pub code: String,
    pub name: String,
    pub title: String,
    pub version: u32,
    pub outlet_label: &'static str,
    /// The frequency groups of an inspection (日/周/月/季), empty for other forms.
    pub tabs: Vec<&'static str>,
    pub sections: Vec<SectionView>,
}

pub struct SectionView {
    pub id: String,
    pub title: String,
    pub note: Option<String>,
    pub repeated: bool,
    pub instances: Vec<InstanceView>,
}

pub struct InstanceView {
    /// "仪器 1：…" for repeated sections.
    pub heading: Option<String>,
    /// The instrument a repeated section is filled for.
    pub instrument_id: Option<String>,
    pub items: Vec<ItemView>,
}

pub struct ItemView {
    /// Field path, as in error messages: `analytes[0].zero_pre`.
    pub path: String,
    pub label: String,
    pub kind: &'static str,
    pub required: bool,
    pub value: String,
    pub has_value: bool,
    pub remark: Option<String>,
    pub unit: Option<String>,
    pub help: Option<String>,
    /// Why the user does not type this (computed, from the previous calibration, from the
    /// instrument record).
    pub system_note: Option<String>,
    /// "周 · 7 天" for check items.
    pub period: Option<String>,
    /// 日/周/月/季 for check items, so the page can show the chosen tabs only.
    pub group: Option<&'static str>,
    pub options: Vec<String>,
    pub multiple: bool,
    pub multiline: bool,
    /// Filled by the system from the previous calibration, never typed.
    pub system_filled: bool,
    /// Taken from the instrument's record (parameter, range, unit): read-only on a draft.
    pub bound: bool,
    /// A standard material field: the agency's materials of the section's parameter that may be
    /// chosen, (id, label), filled for a draft by `offer_standards`.
    pub choices: Vec<(String, String)>,
    pub verdict: Option<VerdictView>,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<ItemView>>,
}

pub struct VerdictView {
    pub outcome: &'static str,
    pub class: &'static str,
    pub explanation: String,
}

impl ItemView {
    pub fn is(&self, kind: &str) -> bool {
        self.kind == kind
    }
}

fn kind_name(k: Kind) -> &'static str {
    match k {
        Kind::Text => "text",
        Kind::Number => "number",
        Kind::Date => "date",
        Kind::Datetime => "datetime",
        Kind::Choice => "choice",
        Kind::Check => "check",
        Kind::Tabs => "tabs",
        Kind::Rows => "rows",
        Kind::Photos => "photos",
        Kind::Computed => "computed",
        Kind::Verdict => "verdict",
        Kind::Standard => "standard",
    }
}

fn verdict_view(v: &Verdict) -> VerdictView {
    VerdictView {
        outcome: v.outcome.label(),
        class: match v.outcome {
            Outcome::Pass => "pass",
            Outcome::Fail | Outcome::OutOfControl => "fail",
            Outcome::NotApplicable => "na",
        },
        explanation: v.explanation.clone(),
    }
}

/// Builds the view of `def`. With an evaluation, values, remarks and verdicts are filled in;
/// without one, each repeated section shows one blank instance.
pub fn build(def: &FormDefinition, evaluation: Option<&Evaluation>) -> FormView {
    let empty = Map::new();
    let fields = evaluation.map(|e| &e.fields).unwrap_or(&empty);
    let verdicts: &[Verdict] = evaluation.map(|e| e.verdicts.as_slice()).unwrap_or(&[]);
    let sections = def
        .sections
        .iter()
        .map(|s| {
            let instances = match s.repeat {
                Repeat::Once => {
                    let obj = fields
                        .get(&s.id)
                        .and_then(Value::as_object)
                        .unwrap_or(&empty);
                    vec![InstanceView {
                        heading: None,
                        instrument_id: None,
                        items: items(&s.fields, obj, &s.id, verdicts),
                    }]
                }
                Repeat::PerInstrument => {
                    let list: Vec<&Map<String, Value>> = fields
                        .get(&s.id)
                        .and_then(Value::as_array)
                        .map(|a| a.iter().filter_map(Value::as_object).collect())
                        .unwrap_or_default();
                    if list.is_empty() {
                        vec![InstanceView {
                            heading: Some("每台所选仪器各填一份".into()),
                            instrument_id: None,
                            items: items(&s.fields, &empty, &format!("{}[0]", s.id), verdicts),
                        }]
                    } else {
                        list.iter()
                            .enumerate()
                            .map(|(i, obj)| {
                                let id = obj.get("instrument_id").and_then(Value::as_str);
                                InstanceView {
                                    heading: Some(format!(
                                        "仪器 {}：{}",
                                        i + 1,
                                        id.unwrap_or(EMPTY)
                                    )),
                                    instrument_id: id.map(str::to_string),
                                    items: items(
                                        &s.fields,
                                        obj,
                                        &format!("{}[{i}]", s.id),
                                        verdicts,
                                    ),
                                }
                            })
                            .collect()
                    }
                }
            };
            SectionView {
                id: s.id.clone(),
                title: s.title.clone(),
                note: s.note.clone(),
                repeated: s.repeat == Repeat::PerInstrument,
                instances,
            }
        })
        .collect();
    FormView {
        code: def.code.clone(),
        name: def.name.clone(),
        title: def.title.clone(),
        version: def.version,
        outlet_label: def.outlet_kind.label(),
        tabs: def
            .period_groups()
            .into_iter()
            .map(PeriodGroup::label)
            .collect(),
        sections,
    }
}

/// Names each repeated section's instrument as the enterprise listed it.
pub fn name_instruments(form: &mut FormView, instruments: &[emss_app::records::InstrumentRef]) {
    for s in form.sections.iter_mut().filter(|s| s.repeated) {
        for (i, inst) in s.instances.iter_mut().enumerate() {
            if let Some(id) = &inst.instrument_id
                && let Some(found) = instruments.iter().find(|r| &r.id == id)
            {
                inst.heading = Some(format!("仪器 {}：{}", i + 1, found.label));
            }
        }
    }
}

/// A number taken from a chosen standard material's certificate (typed while none is chosen).
fn is_certified(f: &Field) -> bool {
    f.prefill
        .as_deref()
        .is_some_and(|p| p.starts_with("standard."))
}

/// Offers each standard material field of a draft the agency's materials whose component is
/// the instance's parameter (all of them where the section has none), still valid ones first.
pub fn offer_standards(form: &mut FormView, materials: &[StandardMaterialView]) {
    for s in &mut form.sections {
        for inst in &mut s.instances {
            let parameter = inst
                .items
                .iter()
                .find(|i| i.path.ends_with(".parameter"))
                .map(|i| i.value.clone())
                .filter(|p| !p.is_empty());
            for it in inst.items.iter_mut().filter(|i| i.kind == "standard") {
                let mut offered: Vec<&StandardMaterialView> = materials
                    .iter()
                    .filter(|m| parameter.as_ref().is_none_or(|p| &m.component == p))
                    .collect();
                offered.sort_by_key(|m| m.expired);
                it.choices = offered
                    .into_iter()
                    .map(|m| {
                        let expired = if m.expired { "（已过期）" } else { "" };
                        let label = format!(
                            "{} {} {} {} · 证书 {} · 有效期至 {}{expired}",
                            m.kind_label,
                            m.component,
                            m.certified_value,
                            m.unit,
                            m.certificate_no,
                            m.expires_on
                        );
                        (m.id.clone(), label)
                    })
                    .collect();
            }
        }
    }
}

fn items(
    fields: &[Field],
    obj: &Map<String, Value>,
    path: &str,
    verdicts: &[Verdict],
) -> Vec<ItemView> {
    fields
        .iter()
        .map(|f| item(f, obj.get(&f.id), &format!("{path}.{}", f.id), verdicts))
        .collect()
}

fn text_of(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        Value::Array(a) => a.iter().map(text_of).collect::<Vec<_>>().join("、"),
        Value::Bool(b) => if *b { "是" } else { "否" }.to_string(),
        _ => String::new(),
    }
}

fn item(f: &Field, raw: Option<&Value>, path: &str, verdicts: &[Verdict]) -> ItemView {
    let raw = raw.filter(|v| !v.is_null());
    let (mut value, mut remark) = (raw.map(text_of).unwrap_or_default(), None);
    if f.kind == Kind::Check
        && let Some(Value::Object(o)) = raw
    {
        value = o.get("result").map(text_of).unwrap_or_default();
        remark = o.get("remark").map(text_of).filter(|r| !r.is_empty());
    }
    // A time as people read it, in Shanghai time: 2026-12-04 09:44.
    if f.kind == Kind::Datetime
        && let Some(t) = raw
            .and_then(Value::as_str)
            .and_then(|s| chrono::DateTime::parse_from_rfc3339(s).ok())
    {
        value = emss_domain::time::format_datetime(t.with_timezone(&chrono::Utc));
    }
    // A chosen standard material as the record keeps it: its certificate.
    if f.kind == Kind::Standard
        && let Some(m) = raw
            .and_then(Value::as_object)
            .and_then(StandardMaterial::from_snapshot)
    {
        value = format!("{}（{}，批号 {}）", m.label(), m.producer, m.lot_no);
    }
    if f.kind == Kind::Photos {
        let n = raw.and_then(Value::as_array).map(Vec::len).unwrap_or(0);
        value = if n > 0 {
            format!("{n} 张")
        } else {
            String::new()
        };
    }
    let verdict = verdicts.iter().find(|v| v.path == path);
    if let Some(v) = verdict {
        value = v.outcome.label().to_string();
    }
    let system_note = match f.kind {
        Kind::Computed => f.formula.map(|x| format!("由系统计算：{}", x.describe())),
        Kind::Verdict => Some("由系统判定".into()),
        _ if f.previous.is_some() => Some("由系统取该仪器上一次已提交的校准记录，不可填写".into()),
        _ if is_certified(f) => Some(
            "选择标准物质后取自其证书（折算为仪器的单位），填写的值须与之一致；未选择时填写".into(),
        ),
        _ => f.prefill.as_ref().map(|_| {
            "取自仪器档案（签到时的版本），不可填写；现场变更须由企业变更仪器档案".to_string()
        }),
    };
    let (columns, rows) = if f.kind == Kind::Rows {
        let list: Vec<&Map<String, Value>> = raw
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_object).collect())
            .unwrap_or_default();
        let empty = Map::new();
        let rows: Vec<Vec<ItemView>> = if list.is_empty() {
            vec![items(&f.fields, &empty, &format!("{path}[0]"), verdicts)]
        } else {
            list.iter()
                .enumerate()
                .map(|(i, r)| items(&f.fields, r, &format!("{path}[{i}]"), verdicts))
                .collect()
        };
        (f.fields.iter().map(|c| c.label.clone()).collect(), rows)
    } else {
        (Vec::new(), Vec::new())
    };
    // A verdict shows its outcome; its value and unit are in the explanation ("合格", not "合格 %").
    let unit = f.unit.clone();
    ItemView {
        path: path.to_string(),
        label: f.label.clone(),
        kind: kind_name(f.kind),
        required: f.required && f.kind.is_input() && f.previous.is_none(),
        has_value: !value.is_empty(),
        value,
        remark,
        unit,
        // Where a value from the reference record comes from is the system note's to say.
        help: f.help.clone().filter(|_| f.previous.is_none()),
        system_note,
        period: f
            .period_days
            .map(|d| format!("{} · {d} 天", PeriodGroup::of(d).label())),
        group: f.period_days.map(|d| PeriodGroup::of(d).label()),
        options: f.options.clone(),
        multiple: f.multiple,
        multiline: f.multiline,
        system_filled: f.previous.is_some(),
        bound: f.prefill.is_some() && !is_certified(f),
        choices: Vec::new(),
        verdict: verdict.map(verdict_view),
        columns,
        rows,
    }
}
