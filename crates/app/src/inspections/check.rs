//! What a regulator types on an inspection: checked whole, every problem named next to its field.
//! Comparison results are judged here by the catalogue's comparison rules, as a record's verdicts.

use super::{Scene, checklist_of, comparison_form};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use emss_db::repo;
use emss_domain::Actor;
use emss_domain::form::comparison::judge_pair;
use emss_domain::form::number::parse_decimal;
use emss_domain::form::{OutletKind, Verdict};
use emss_domain::inspection::{Answer, CheckedItem, FindingSubject, InspectionKind, Severity};

const SUMMARY_MAX: usize = 2000;
const NOTE_MAX: usize = 200;
const FINDING_MAX: usize = 1000;
const FINDINGS_MAX: usize = 30;
const COMPARISONS_MAX: usize = 30;
const INSPECTORS_MAX: usize = 10;

/// One checklist answer as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChecklistInput {
    pub id: String,
    /// `conform` | `non_conform` | `not_applicable`.
    pub answer: String,
    pub note: String,
}

/// One comparison result as typed: the regulator's reference value and the online value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ComparisonInput {
    pub instrument_id: String,
    /// A limit of the outlet kind's comparison form (`cod`, `so2`).
    pub limit_id: String,
    pub reference: String,
    pub measured: String,
    /// Empty: the instrument's unit.
    pub unit: String,
    /// `YYYY-MM-DDTHH:MM` (Shanghai) or RFC 3339.
    pub sampled_at: String,
}

/// One finding as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingInput {
    /// `FindingSubject::as_str`.
    pub subject: String,
    pub subject_id: String,
    /// `Severity::as_str`.
    pub severity: String,
    pub description: String,
}

/// What was found: the checklist, comparison results, findings and the summary.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ResultsInput {
    pub checklist: Vec<ChecklistInput>,
    pub comparisons: Vec<ComparisonInput>,
    pub findings: Vec<FindingInput>,
    /// 检查情况.
    pub summary: String,
}

/// A new inspection as typed: planned (计划) or recorded after the fact with its results.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InspectionInput {
    /// `InspectionKind::as_str`.
    pub kind: String,
    /// `YYYY-MM-DD`.
    pub inspected_on: String,
    pub task_id: String,
    pub outlet_id: String,
    /// Accounts of the inspecting regulator.
    pub inspector_ids: Vec<String>,
    /// What it was started from: `record` | `occurrence` | `fault_period`, or empty.
    pub origin: String,
    pub origin_id: String,
    /// Planned in advance: no results yet.
    pub planned: bool,
    pub results: ResultsInput,
}

pub(super) struct CheckedComparison {
    pub instrument_id: String,
    pub instrument_text: String,
    pub form_code: String,
    pub form_version: u32,
    pub limit_id: String,
    pub reference: String,
    pub measured: String,
    pub unit: String,
    pub sampled_at: DateTime<Utc>,
    pub verdict: Verdict,
}

pub(super) struct CheckedFinding {
    pub subject: FindingSubject,
    pub subject_id: String,
    pub subject_text: String,
    pub severity: Severity,
    pub description: String,
}

pub(super) struct CheckedResults {
    pub checklist: Vec<CheckedItem>,
    pub comparisons: Vec<CheckedComparison>,
    pub findings: Vec<CheckedFinding>,
    pub summary: String,
}

pub(super) struct Checked {
    pub kind: InspectionKind,
    pub inspected_on: NaiveDate,
    pub scene: Scene,
    pub inspectors: Vec<String>,
    pub origin: String,
    pub origin_id: String,
    pub results: CheckedResults,
}

fn long(errors: &mut FieldErrors, field: &str, text: &str, max: usize) {
    if text.chars().count() > max {
        errors.add(field, format!("不能超过 {max} 字"));
    }
}

fn today(app: &App) -> NaiveDate {
    emss_domain::time::shanghai_date(app.now())
}

/// Checks a new inspection in the actor's scope.
pub(super) async fn check(
    app: &App,
    actor: &Actor,
    input: &InspectionInput,
) -> Result<Checked, AppError> {
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let kind = InspectionKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.add("kind", "请选择检查类型");
    }
    let inspected_on = match input.inspected_on.trim() {
        "" => {
            errors.add("inspected_on", "请选择检查日期");
            None
        }
        d => match d.parse::<NaiveDate>() {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add("inspected_on", "检查日期须为日期（年-月-日）");
                None
            }
        },
    };
    if let Some(d) = inspected_on {
        let today = today(app);
        if input.planned && d < today {
            errors.add("inspected_on", "计划检查的日期不能早于今天");
        } else if !input.planned && d > today {
            errors.add(
                "inspected_on",
                "检查日期不能晚于今天；尚未进行的检查请选择“计划检查”",
            );
        } else if (d - today).num_days().abs() > 366 {
            errors.add("inspected_on", "检查日期须在一年之内");
        }
    }
    let scene = super::scene(app, actor, input.task_id.trim(), input.outlet_id.trim()).await?;
    if let Err((field, message)) = &scene {
        errors.add(field, *message);
    }
    let mut inspectors: Vec<String> = Vec::new();
    for id in input.inspector_ids.iter().map(|s| s.trim()) {
        if !id.is_empty() && !inspectors.iter().any(|x| x == id) {
            inspectors.push(id.to_string());
        }
    }
    if inspectors.is_empty() {
        errors.add("inspector_ids", "请选择检查人员");
    } else if inspectors.len() > INSPECTORS_MAX {
        errors.add("inspector_ids", format!("最多 {INSPECTORS_MAX} 名检查人员"));
    } else {
        let allowed: Vec<String> = super::inspectors(app, actor)
            .await?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        if inspectors.iter().any(|id| !allowed.contains(id)) {
            errors.add("inspector_ids", "检查人员须为本部门的监管人员");
        }
    }
    let (origin, origin_id) = match (input.origin.trim(), input.origin_id.trim()) {
        ("" | "none", _) | (_, "") => ("none".to_string(), String::new()),
        (o, id) => {
            let scope = actor.scope();
            let outlet = input.outlet_id.trim();
            let found = match o {
                "record" => repo::record::get(db, &scope, &actor.account_id, id)
                    .await?
                    .is_some_and(|r| r.outlet_id == outlet),
                "occurrence" => repo::rectification::occurrence_in_scope(db, &scope, id)
                    .await?
                    .is_some_and(|x| x.outlet_id == outlet),
                "fault_period" => repo::fault::get(db, &scope, id)
                    .await?
                    .is_some_and(|x| x.outlet_id == outlet),
                _ => false,
            };
            if !found {
                errors.add("origin_id", "检查来源不存在或不是该排口的");
            }
            (o.to_string(), id.to_string())
        }
    };
    let results = match (&scene, kind) {
        (Ok(scene), Some(kind)) if !input.planned => {
            check_results(
                app,
                actor,
                kind,
                scene,
                inspected_on,
                &input.results,
                &mut errors,
            )
            .await?
        }
        (Ok(_), Some(kind)) => CheckedResults {
            checklist: blank_checklist(kind)?,
            comparisons: Vec::new(),
            findings: Vec::new(),
            summary: String::new(),
        },
        _ => CheckedResults {
            checklist: Vec::new(),
            comparisons: Vec::new(),
            findings: Vec::new(),
            summary: String::new(),
        },
    };
    errors.into_result()?;
    let (Some(kind), Some(inspected_on), Ok(scene)) = (kind, inspected_on, scene) else {
        return Err(AppError::internal(
            "an inspection passed its checks incomplete",
        ));
    };
    Ok(Checked {
        kind,
        inspected_on,
        scene,
        inspectors,
        origin,
        origin_id,
        results,
    })
}

fn blank_checklist(kind: InspectionKind) -> Result<Vec<CheckedItem>, AppError> {
    Ok(checklist_of(kind)?
        .items
        .iter()
        .map(|i| CheckedItem {
            id: i.id.clone(),
            label: i.label.clone(),
            answer: None,
            note: String::new(),
        })
        .collect())
}

/// Checks what was found: every checklist item answered, a summary, the comparisons of a 比对抽测
/// judged, each finding's subject belonging to the inspected agency and outlet.
pub(super) async fn check_results(
    app: &App,
    actor: &Actor,
    kind: InspectionKind,
    scene: &Scene,
    inspected_on: Option<NaiveDate>,
    input: &ResultsInput,
    errors: &mut FieldErrors,
) -> Result<CheckedResults, AppError> {
    let summary = input.summary.trim().to_string();
    if summary.is_empty() {
        errors.add("summary", "请填写检查情况");
    }
    long(errors, "summary", &summary, SUMMARY_MAX);
    let mut checklist = blank_checklist(kind)?;
    for (i, item) in checklist.iter_mut().enumerate() {
        let field = format!("checklist[{i}].answer");
        let given = input.checklist.iter().find(|c| c.id == item.id);
        match given.and_then(|g| Answer::parse(g.answer.trim())) {
            Some(a) => item.answer = Some(a),
            None => errors.add(&field, "请选择检查结果"),
        }
        let note = given.map(|g| g.note.trim()).unwrap_or_default().to_string();
        if item.answer == Some(Answer::NonConform) && note.is_empty() {
            errors.add(&format!("checklist[{i}].note"), "不符合的检查项请说明情况");
        }
        long(errors, &format!("checklist[{i}].note"), &note, NOTE_MAX);
        item.note = note;
    }
    let comparisons = check_comparisons(app, kind, scene, inspected_on, input, errors).await?;
    let findings = check_findings(app, actor, scene, &input.findings, errors).await?;
    Ok(CheckedResults {
        checklist,
        comparisons,
        findings,
        summary,
    })
}

/// A time as typed: `YYYY-MM-DDTHH:MM` in Shanghai, or RFC 3339.
fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let t = text.trim();
    if let Ok(at) = DateTime::parse_from_rfc3339(t) {
        return Some(at.with_timezone(&Utc));
    }
    ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .and_then(|n| Shanghai.from_local_datetime(&n).single())
        .map(|at| at.with_timezone(&Utc))
}

async fn check_comparisons(
    app: &App,
    kind: InspectionKind,
    scene: &Scene,
    inspected_on: Option<NaiveDate>,
    input: &ResultsInput,
    errors: &mut FieldErrors,
) -> Result<Vec<CheckedComparison>, AppError> {
    let typed: Vec<(usize, &ComparisonInput)> = input
        .comparisons
        .iter()
        .enumerate()
        // A row offered for an instrument and left without values was not compared.
        .filter(|(_, c)| !(c.reference.trim().is_empty() && c.measured.trim().is_empty()))
        .collect();
    if kind != InspectionKind::Comparison {
        if !typed.is_empty() {
            errors.add("comparisons", "只有比对抽测填写比对结果");
        }
        return Ok(Vec::new());
    }
    if typed.is_empty() {
        errors.add("comparisons", "比对抽测请至少填写一项比对结果");
    }
    if typed.len() > COMPARISONS_MAX {
        errors.add("comparisons", format!("最多 {COMPARISONS_MAX} 项比对结果"));
    }
    let outlet_kind = OutletKind::parse(&scene.outlet.kind).unwrap_or(OutletKind::Wastewater);
    let form = comparison_form(app, outlet_kind).await?;
    let instruments = repo::outlet::instruments(&app.db().conn, &scene.outlet.id).await?;
    let now = app.now();
    let mut out = Vec::new();
    for (i, c) in typed.into_iter().take(COMPARISONS_MAX) {
        let field = |name: &str| format!("comparisons[{i}].{name}");
        let instrument = instruments.iter().find(|x| x.id == c.instrument_id.trim());
        if instrument.is_none() {
            errors.add(&field("instrument_id"), "请选择该排口的仪器");
        }
        let limit = form
            .limits
            .iter()
            .filter(|l| super::comparable(l))
            .find(|l| l.id == c.limit_id.trim());
        if limit.is_none() {
            errors.add(&field("limit_id"), "请选择比对项目");
        }
        let number = |name: &str, text: &str, errors: &mut FieldErrors| match text.trim() {
            "" => {
                errors.add(&field(name), "请填写数值");
                None
            }
            t => {
                let n = parse_decimal(t);
                if n.is_none() {
                    errors.add(&field(name), "须为数字");
                }
                n
            }
        };
        let reference = number("reference", &c.reference, errors);
        let measured = number("measured", &c.measured, errors);
        let sampled_at = match parse_time(&c.sampled_at) {
            Some(at) if at > now => {
                errors.add(&field("sampled_at"), "采样时间不能晚于现在");
                None
            }
            Some(at) if inspected_on.is_some_and(|d| emss_domain::time::shanghai_date(at) != d) => {
                errors.add(&field("sampled_at"), "采样时间须在检查当日");
                None
            }
            Some(at) => Some(at),
            None => {
                errors.add(&field("sampled_at"), "请填写采样时间（年-月-日 时:分）");
                None
            }
        };
        let unit = match (c.unit.trim(), instrument) {
            ("", Some(x)) => x.unit.clone(),
            (u, _) => u.to_string(),
        };
        let (Some(instrument), Some(limit), Some(r), Some(m), Some(at)) =
            (instrument, limit, reference, measured, sampled_at)
        else {
            continue;
        };
        let unit_given = (!unit.trim().is_empty()).then_some(unit.as_str());
        match judge_pair(limit, r, m, unit_given, &field("verdict")) {
            Ok(verdict) => out.push(CheckedComparison {
                instrument_id: instrument.id.clone(),
                instrument_text: super::instrument_text(instrument),
                form_code: form.code.clone(),
                form_version: form.version,
                limit_id: limit.id.clone(),
                reference: c.reference.trim().to_string(),
                measured: c.measured.trim().to_string(),
                unit,
                sampled_at: at,
                verdict,
            }),
            Err(refusal) => errors.add(&field("unit"), refusal),
        }
    }
    Ok(out)
}

/// Checks findings against the inspected agency and outlet.
pub(super) async fn check_findings(
    app: &App,
    actor: &Actor,
    scene: &Scene,
    findings: &[FindingInput],
    errors: &mut FieldErrors,
) -> Result<Vec<CheckedFinding>, AppError> {
    let db = &app.db().conn;
    let typed: Vec<(usize, &FindingInput)> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.description.trim().is_empty() || !f.subject_id.trim().is_empty())
        .collect();
    if typed.len() > FINDINGS_MAX {
        errors.add("findings", format!("最多 {FINDINGS_MAX} 条检查发现"));
    }
    let mut out = Vec::new();
    for (i, f) in typed.into_iter().take(FINDINGS_MAX) {
        let field = |name: &str| format!("findings[{i}].{name}");
        let description = f.description.trim().to_string();
        if description.is_empty() {
            errors.add(&field("description"), "请描述检查发现的问题");
        }
        long(errors, &field("description"), &description, FINDING_MAX);
        let severity = Severity::parse(f.severity.trim());
        if severity.is_none() {
            errors.add(&field("severity"), "请选择严重程度");
        }
        let subject = FindingSubject::parse(f.subject.trim()).unwrap_or(FindingSubject::Other);
        let id = f.subject_id.trim();
        let agency = scene.task.agency_id.as_str();
        let text = match subject {
            FindingSubject::Other => Some(String::new()),
            FindingSubject::Record => repo::record::get(db, &actor.scope(), &actor.account_id, id)
                .await?
                .filter(|r| r.state != "draft" && r.agency_id == agency)
                .filter(|r| r.outlet_id == scene.outlet.id)
                .map(|r| r.number),
            FindingSubject::Occurrence => {
                match repo::rectification::occurrence_in_scope(db, &actor.scope(), id)
                    .await?
                    .filter(|o| o.agency_id == agency && o.outlet_id == scene.outlet.id)
                {
                    Some(o) => Some(crate::rectifications::occurrence_text(app, &o).await?),
                    None => None,
                }
            }
            FindingSubject::Instrument => repo::outlet::instruments(db, &scene.outlet.id)
                .await?
                .iter()
                .find(|x| x.id == id)
                .map(super::instrument_text),
            FindingSubject::Staff => repo::agency_resources::staff_member(db, agency, id)
                .await?
                .map(|s| s.name),
            FindingSubject::Equipment => repo::agency_resources::equipment_item(db, agency, id)
                .await?
                .map(|e| format!("{}（{}）", e.name, e.device_no)),
        };
        let Some(subject_text) = text else {
            errors.add(
                &field("subject_id"),
                format!("所涉{}不存在或不属于被检查的机构和排口", subject.label()),
            );
            continue;
        };
        let Some(severity) = severity else { continue };
        out.push(CheckedFinding {
            subject,
            subject_id: if subject == FindingSubject::Other {
                String::new()
            } else {
                id.to_string()
            },
            subject_text,
            severity,
            description,
        });
    }
    Ok(out)
}
