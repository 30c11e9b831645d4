//! 监督检查 (supervisory inspections): a city or district regulator plans an inspection of an
//! agency's work at an outlet, or records one after the fact — 现场检查, 比对抽测 or 资料检查 — with
//! its checklist, the comparison results judged by the catalogue's rules, findings with their
//! severity, photos and documents. A failed comparison is a finding by itself. Orders
//! (整改单) are issued from the findings. The inspected agency and enterprise read a recorded
//! inspection; a planned one is the regulators' alone.

mod attachments;
mod check;
mod demo;

pub use attachments::{InspectionAttachmentView, attachment_file, may_upload, upload_attachment};
pub use check::{ChecklistInput, ComparisonInput, FindingInput, InspectionInput, ResultsInput};
pub(crate) use demo::load_demo;

use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::idempotency::{self, Keyed};
use crate::rectifications::{OrderTrailLine, RectificationView};
use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::entity::{
    inspection, inspection_comparison, inspection_finding, instrument, maintenance_task, outlet,
};
use emss_db::repo;
use emss_db::repo::inspection::InspectionFilter;
use emss_domain::form::{FormDefinition, Limit, OutletKind, Verdict};
use emss_domain::inspection::{
    Answer, CheckedItem, Checklist, FindingSubject, InspectionKind, InspectionState, Severity,
    comparison_severity, parse_checklists,
};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::{Actor, ErrorCode, Permission, Role};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::sync::{Arc, OnceLock};

/// The checklists, built into the binary from `catalogue/inspection_checklists.toml`.
const CHECKLISTS: &str = include_str!("../../../../catalogue/inspection_checklists.toml");

/// The shipped checklists, parsed once (the server refuses to start when they do not parse).
pub fn checklists() -> Result<&'static [Checklist], String> {
    static PARSED: OnceLock<Result<Vec<Checklist>, String>> = OnceLock::new();
    PARSED
        .get_or_init(|| parse_checklists(CHECKLISTS))
        .as_deref()
        .map_err(Clone::clone)
}

pub(crate) fn checklist_of(kind: InspectionKind) -> Result<&'static Checklist, AppError> {
    checklists()
        .map_err(AppError::internal)?
        .iter()
        .find(|c| c.kind == kind)
        .ok_or_else(|| AppError::internal(format!("no checklist for {}", kind.as_str())))
}

/// The form type whose limits judge a 比对抽测 at an outlet of this kind: the monthly water
/// sample comparison (HJ 355) or the CEMS periodic verification (HJ 75).
pub(crate) async fn comparison_form(
    app: &App,
    kind: OutletKind,
) -> Result<Arc<FormDefinition>, AppError> {
    let code = match kind {
        OutletKind::Wastewater => "ww_sample_comparison",
        OutletKind::FlueGas => "fg_periodic_verification",
    };
    app.form_type(code, None).await
}

/// Limits one reading against one reference value can be judged by (not a pass count).
pub(crate) fn comparable(l: &Limit) -> bool {
    !l.bands.is_empty() || l.max_abs.is_some()
}

/// A comparison item offered on the page: the limit's id, label, unit and rule with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComparisonItem {
    pub limit_id: String,
    pub label: String,
    pub unit: String,
    pub rule: String,
    pub source: String,
}

/// The comparison items of an outlet kind.
pub async fn comparison_items(
    app: &App,
    kind: OutletKind,
) -> Result<Vec<ComparisonItem>, AppError> {
    Ok(comparison_form(app, kind)
        .await?
        .limits
        .iter()
        .filter(|l| comparable(l))
        .map(|l| ComparisonItem {
            limit_id: l.id.clone(),
            label: l.label.clone(),
            unit: l.unit.clone().unwrap_or_default(),
            rule: l.describe(),
            source: l.source.clone(),
        })
        .collect())
}

pub(crate) fn instrument_text(i: &instrument::Model) -> String {
    format!("{} {} {}（{}）", i.parameter, i.maker, i.model, i.serial_no)
}

/// Where an inspection looks: the task (the agency and the enterprise) and one of its outlets.
#[derive(Debug, Clone)]
pub(crate) struct Scene {
    pub task: maintenance_task::Model,
    pub outlet: outlet::Model,
    pub district_code: String,
}

/// The task and outlet in the regulator's scope, or the field and message that say why not.
pub(crate) async fn scene(
    app: &App,
    actor: &Actor,
    task_id: &str,
    outlet_id: &str,
) -> Result<Result<Scene, (&'static str, &'static str)>, AppError> {
    let db = &app.db().conn;
    let Some(task) = repo::task::get(db, &actor.scope(), task_id)
        .await?
        .filter(|t| t.state != "draft")
    else {
        return Ok(Err(("task_id", "请选择本辖区内的运维任务")));
    };
    let bound = repo::task::bindings(db, &task.id)
        .await?
        .into_iter()
        .any(|b| b.kind == "outlet" && b.ref_id == outlet_id);
    let outlet = match repo::outlet::get(db, &actor.scope(), outlet_id).await? {
        Some(o) if bound => o,
        _ => return Ok(Err(("outlet_id", "请选择该任务运维的排口"))),
    };
    let district_code = repo::organization::find(db, &task.enterprise_id)
        .await?
        .and_then(|e| e.district_code)
        .unwrap_or_default();
    Ok(Ok(Scene {
        task,
        outlet,
        district_code,
    }))
}

/// The regulator's own people who may be named inspectors: (account id, name).
pub async fn inspectors(app: &App, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
    if !Permission::Inspect.allows(Some(actor)) {
        return Ok(Vec::new());
    }
    Ok(repo::account::enabled_with_roles(
        &app.db().conn,
        &actor.org_id,
        &[Role::CityRegulator, Role::DistrictRegulator],
    )
    .await?
    .into_iter()
    .map(|a| (a.id, a.name))
    .collect())
}

/// An inspection as lists and its page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InspectionView {
    pub id: String,
    /// `on_site` | `comparison` | `document`.
    pub kind: String,
    pub kind_label: String,
    /// `planned` | `done`.
    pub state: String,
    pub state_label: String,
    pub inspected_on: NaiveDate,
    pub inspector_org_id: String,
    pub inspector_org_name: String,
    /// The inspectors' names.
    pub inspectors: Vec<String>,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub district_code: String,
    pub outlet_id: String,
    pub outlet_name: String,
    pub task_id: String,
    pub task_number: String,
    /// `record` | `occurrence` | `fault_period` | `none`.
    pub origin: String,
    pub origin_id: String,
    /// 检查情况.
    pub summary: String,
    /// How many findings, and how many of them are serious.
    pub findings: i64,
    pub completed_at: Option<DateTime<Utc>>,
    pub completed_by_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i32,
}

/// One checklist item as recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ChecklistItemView {
    pub id: String,
    pub label: String,
    /// `conform` | `non_conform` | `not_applicable`; none while planned.
    pub answer: Option<String>,
    pub answer_label: String,
    pub note: String,
}

/// One judged comparison result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ComparisonView {
    pub id: String,
    pub instrument_id: String,
    pub instrument: String,
    pub form_code: String,
    pub form_version: i32,
    pub limit_id: String,
    pub reference: String,
    pub measured: String,
    pub unit: String,
    pub sampled_at: DateTime<Utc>,
    /// `pass` | `fail` | `out_of_control` | `not_applicable`.
    pub outcome: String,
    pub outcome_label: String,
    /// The verdict with its value, limit, source and explanation.
    #[schema(value_type = Object)]
    pub verdict: Verdict,
}

/// One finding (检查发现).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FindingView {
    pub id: String,
    /// `record` | `occurrence` | `instrument` | `staff` | `equipment` | `other`.
    pub subject: String,
    pub subject_label: String,
    pub subject_id: String,
    pub subject_text: String,
    /// `minor` | `major` | `serious`.
    pub severity: String,
    pub severity_label: String,
    pub description: String,
    pub created_at: DateTime<Utc>,
}

/// An inspection with what was checked and found, its files, the orders issued from it and
/// its trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InspectionDetail {
    #[serde(flatten)]
    pub inspection: InspectionView,
    pub checklist_version: i32,
    pub checklist: Vec<ChecklistItemView>,
    pub comparisons: Vec<ComparisonView>,
    pub findings_list: Vec<FindingView>,
    pub attachments: Vec<InspectionAttachmentView>,
    /// 整改单 naming its findings, in the caller's scope.
    pub orders: Vec<RectificationView>,
    pub trail: Vec<OrderTrailLine>,
}

/// What the caller may do with an inspection now.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InspectionAllowed {
    /// Record the results of a planned inspection.
    pub complete: bool,
    pub add_finding: bool,
    pub upload: bool,
    /// Issue an order from its findings.
    pub order: bool,
}

/// The inspecting regulator acts on its own inspections; others in scope read them.
pub fn allowed(actor: &Actor, i: &InspectionView) -> InspectionAllowed {
    let own = Permission::Inspect.allows(Some(actor)) && i.inspector_org_id == actor.org_id;
    let done = i.state == InspectionState::Done.as_str();
    InspectionAllowed {
        complete: own && !done,
        add_finding: own && done,
        upload: own,
        order: Permission::IssueRectifications.allows(Some(actor)) && done && i.findings > 0,
    }
}

fn today(app: &App) -> NaiveDate {
    emss_domain::time::shanghai_date(app.now())
}

/// An inspection the actor may see; 404 otherwise.
pub(crate) async fn visible(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<inspection::Model, AppError> {
    if !Permission::ViewInspections.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    repo::inspection::get(&app.db().conn, &actor.scope(), id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))
}

fn own(actor: &Actor, i: &inspection::Model) -> Result<(), AppError> {
    if !Permission::Inspect.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    if i.inspector_org_id != actor.org_id {
        return Err(AppError::field("state", "只有进行该检查的部门可以修改"));
    }
    Ok(())
}

async fn views(app: &App, rows: Vec<inspection::Model>) -> Result<Vec<InspectionView>, AppError> {
    let db = &app.db().conn;
    let mut org_ids: Vec<String> = rows
        .iter()
        .flat_map(|i| {
            [
                i.inspector_org_id.clone(),
                i.agency_id.clone(),
                i.enterprise_id.clone(),
            ]
        })
        .collect();
    org_ids.sort();
    org_ids.dedup();
    let orgs = repo::organization::names(db, &org_ids).await?;
    let mut inspectors: Vec<Vec<String>> = Vec::new();
    let mut people: Vec<String> = Vec::new();
    for i in &rows {
        let ids: Vec<String> = serde_json::from_str(&i.inspectors).map_err(AppError::internal)?;
        people.extend(ids.iter().cloned());
        people.extend(i.completed_by.iter().cloned());
        inspectors.push(ids);
    }
    people.sort();
    people.dedup();
    let accounts = repo::account::names(db, &people).await?;
    let outlet_ids: Vec<String> = rows.iter().map(|i| i.outlet_id.clone()).collect();
    let outlets = repo::outlet::names(db, &outlet_ids).await?;
    let task_ids: Vec<String> = rows.iter().filter_map(|i| i.task_id.clone()).collect();
    let tasks: std::collections::HashMap<String, String> = repo::task::by_ids(db, &task_ids)
        .await?
        .into_iter()
        .map(|t| (t.id, t.number))
        .collect();
    let ids: Vec<String> = rows.iter().map(|i| i.id.clone()).collect();
    let counts = repo::inspection::finding_counts(db, &ids).await?;
    let org = |id: &str| orgs.get(id).cloned().unwrap_or_default();
    let person = |id: &String| accounts.get(id).map(|(_, name)| name.clone());
    rows.into_iter()
        .zip(inspectors)
        .map(|(i, names)| {
            let kind = InspectionKind::parse(&i.kind)
                .ok_or_else(|| AppError::internal(format!("inspection {} has no kind", i.id)))?;
            let state = InspectionState::parse(&i.state)
                .ok_or_else(|| AppError::internal(format!("inspection {} has no state", i.id)))?;
            Ok(InspectionView {
                kind: kind.as_str().to_string(),
                kind_label: kind.label().to_string(),
                state: state.as_str().to_string(),
                state_label: state.label().to_string(),
                inspector_org_name: org(&i.inspector_org_id),
                agency_name: org(&i.agency_id),
                enterprise_name: org(&i.enterprise_id),
                inspectors: names.iter().filter_map(person).collect(),
                outlet_name: outlets.get(&i.outlet_id).cloned().unwrap_or_default(),
                task_number: i
                    .task_id
                    .as_ref()
                    .and_then(|t| tasks.get(t))
                    .cloned()
                    .unwrap_or_default(),
                findings: counts.get(&i.id).copied().unwrap_or(0),
                completed_by_name: i.completed_by.as_ref().and_then(person),
                id: i.id,
                inspected_on: i.inspected_on,
                inspector_org_id: i.inspector_org_id,
                agency_id: i.agency_id,
                enterprise_id: i.enterprise_id,
                district_code: i.district_code,
                outlet_id: i.outlet_id,
                task_id: i.task_id.unwrap_or_default(),
                origin: i.origin,
                origin_id: i.origin_id,
                summary: i.summary,
                completed_at: i.completed_at,
                created_at: i.created_at,
                version: i.version,
            })
        })
        .collect()
}

async fn view(app: &App, i: inspection::Model) -> Result<InspectionView, AppError> {
    views(app, vec![i])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("an inspection without its view"))
}

/// Inspections in the caller's scope, the latest day first.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: InspectionFilter,
    page: PageRequest,
) -> Result<Page<InspectionView>, AppError> {
    if !Permission::ViewInspections.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = repo::inspection::list(&app.db().conn, &actor.scope(), &filter, page).await?;
    Ok(Page {
        items: views(app, found.items).await?,
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    })
}

/// How many inspections in scope match (the home page's counts).
pub async fn count(app: &App, actor: &Actor, filter: InspectionFilter) -> Result<u64, AppError> {
    if !Permission::ViewInspections.allows(Some(actor)) {
        return Ok(0);
    }
    Ok(repo::inspection::count(&app.db().conn, &actor.scope(), &filter).await?)
}

fn checklist_views(text: &str) -> Result<Vec<ChecklistItemView>, AppError> {
    let items: Vec<CheckedItem> = serde_json::from_str(text).map_err(AppError::internal)?;
    Ok(items
        .into_iter()
        .map(|c| ChecklistItemView {
            answer: c.answer.map(|a| a.as_str().to_string()),
            answer_label: c.answer.map(Answer::label).unwrap_or("未检查").to_string(),
            id: c.id,
            label: c.label,
            note: c.note,
        })
        .collect())
}

fn finding_view(f: inspection_finding::Model) -> FindingView {
    FindingView {
        subject_label: FindingSubject::parse(&f.subject)
            .map(FindingSubject::label)
            .unwrap_or_default()
            .to_string(),
        severity_label: Severity::parse(&f.severity)
            .map(Severity::label)
            .unwrap_or_default()
            .to_string(),
        id: f.id,
        subject: f.subject,
        subject_id: f.subject_id,
        subject_text: f.subject_text,
        severity: f.severity,
        description: f.description,
        created_at: f.created_at,
    }
}

/// 检查详情 with the checklist, comparison results, findings, files, orders and trail.
pub async fn detail(app: &App, actor: &Actor, id: &str) -> Result<InspectionDetail, AppError> {
    let found = visible(app, actor, id).await?;
    let db = &app.db().conn;
    let comparisons = repo::inspection::comparisons(db, &found.id).await?;
    let instrument_ids: Vec<String> = comparisons
        .iter()
        .map(|c| c.instrument_id.clone())
        .collect();
    let instruments = repo::outlet::instruments_by_ids(db, &instrument_ids).await?;
    let comparisons = comparisons
        .into_iter()
        .map(|c| {
            let verdict: Verdict = serde_json::from_str(&c.verdict).map_err(AppError::internal)?;
            Ok(ComparisonView {
                instrument: instruments
                    .iter()
                    .find(|x| x.id == c.instrument_id)
                    .map(instrument_text)
                    .unwrap_or_default(),
                outcome_label: verdict.outcome.label().to_string(),
                id: c.id,
                instrument_id: c.instrument_id,
                form_code: c.form_code,
                form_version: c.form_version,
                limit_id: c.limit_id,
                reference: c.reference,
                measured: c.measured,
                unit: c.unit,
                sampled_at: c.sampled_at,
                outcome: c.outcome,
                verdict,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let findings: Vec<FindingView> = repo::inspection::findings(db, &found.id)
        .await?
        .into_iter()
        .map(finding_view)
        .collect();
    let mut orders: Vec<RectificationView> = Vec::new();
    for f in &findings {
        for o in crate::rectifications::naming(app, actor, &f.id).await? {
            if !orders.iter().any(|x| x.id == o.id) {
                orders.push(o);
            }
        }
    }
    Ok(InspectionDetail {
        checklist_version: found.checklist_version,
        checklist: checklist_views(&found.checklist)?,
        comparisons,
        findings_list: findings,
        attachments: attachments::of_inspection(app, &found.id).await?,
        orders,
        trail: crate::rectifications::trail(app, "inspection", &found.id, trail_detail).await?,
        inspection: view(app, found).await?,
    })
}

fn trail_detail(_action: &str, detail: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(detail) else {
        return String::new();
    };
    ["result", "finding", "file_name"]
        .iter()
        .filter_map(|k| v.get(*k).and_then(|x| x.as_str()).filter(|s| !s.is_empty()))
        .collect::<Vec<_>>()
        .join("；")
}

/// The findings a failed comparison makes by itself: the instrument, major or (失控) serious.
fn comparison_findings(results: &check::CheckedResults) -> Vec<check::CheckedFinding> {
    results
        .comparisons
        .iter()
        .filter(|c| c.verdict.outcome.is_failure())
        .map(|c| check::CheckedFinding {
            subject: FindingSubject::Instrument,
            subject_id: c.instrument_id.clone(),
            subject_text: c.instrument_text.clone(),
            severity: comparison_severity(
                c.verdict.outcome == emss_domain::form::Outcome::OutOfControl,
            ),
            description: format!(
                "比对抽测{}：{}，{}",
                c.verdict.outcome.label(),
                c.verdict.label,
                c.verdict.explanation
            ),
        })
        .collect()
}

fn result_rows(
    app: &App,
    actor: &Actor,
    inspection_id: &str,
    results: &check::CheckedResults,
    first_finding: usize,
) -> Result<
    (
        Vec<inspection_comparison::Model>,
        Vec<inspection_finding::Model>,
    ),
    AppError,
> {
    let position = |n: usize| i32::try_from(n).unwrap_or(i32::MAX);
    let comparisons = results
        .comparisons
        .iter()
        .enumerate()
        .map(|(n, c)| {
            Ok(inspection_comparison::Model {
                id: emss_domain::ids::new_id(),
                inspection_id: inspection_id.to_string(),
                position: position(n),
                instrument_id: c.instrument_id.clone(),
                form_code: c.form_code.clone(),
                form_version: i32::try_from(c.form_version).unwrap_or(i32::MAX),
                limit_id: c.limit_id.clone(),
                reference: c.reference.clone(),
                measured: c.measured.clone(),
                unit: c.unit.clone(),
                sampled_at: c.sampled_at,
                outcome: serde_json::to_value(c.verdict.outcome)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                verdict: serde_json::to_string(&c.verdict).map_err(AppError::internal)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let findings = comparison_findings(results)
        .iter()
        .chain(results.findings.iter())
        .enumerate()
        .map(|(n, f)| finding_row(app, actor, inspection_id, first_finding + n, f))
        .collect();
    Ok((comparisons, findings))
}

fn finding_row(
    app: &App,
    actor: &Actor,
    inspection_id: &str,
    position: usize,
    f: &check::CheckedFinding,
) -> inspection_finding::Model {
    inspection_finding::Model {
        id: emss_domain::ids::new_id(),
        inspection_id: inspection_id.to_string(),
        position: i32::try_from(position).unwrap_or(i32::MAX),
        subject: f.subject.as_str().to_string(),
        subject_id: f.subject_id.clone(),
        subject_text: f.subject_text.clone(),
        severity: f.severity.as_str().to_string(),
        description: f.description.clone(),
        created_by: actor.account_id.clone(),
        created_at: app.now(),
    }
}

/// How a result reads on the trail: "比对 3 项，不合格 1 项；发现 2 条".
fn result_words(comparisons: &[inspection_comparison::Model], findings: usize) -> String {
    let failed = comparisons
        .iter()
        .filter(|c| c.outcome == "fail" || c.outcome == "out_of_control")
        .count();
    let mut words = Vec::new();
    if !comparisons.is_empty() {
        words.push(format!("比对 {} 项，不合格 {failed} 项", comparisons.len()));
    }
    words.push(format!("检查发现 {findings} 条"));
    words.join("；")
}

/// Plans an inspection, or records one held already with its results. With an Idempotency-Key
/// a retry gets the first answer.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: InspectionInput,
    keyed: Option<&Keyed>,
) -> Result<InspectionView, AppError> {
    if !Permission::Inspect.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    idempotency::once(app, actor, keyed, || create_once(app, actor, input, keyed)).await
}

async fn create_once(
    app: &App,
    actor: &Actor,
    input: InspectionInput,
    keyed: Option<&Keyed>,
) -> Result<InspectionView, AppError> {
    let c = check::check(app, actor, &input).await?;
    let now = app.now();
    let planned = input.planned;
    let checklist = checklist_of(c.kind)?;
    let model = inspection::Model {
        id: emss_domain::ids::new_id(),
        kind: c.kind.as_str().to_string(),
        state: if planned {
            InspectionState::Planned
        } else {
            InspectionState::Done
        }
        .as_str()
        .to_string(),
        inspected_on: c.inspected_on,
        inspector_org_id: actor.org_id.clone(),
        inspectors: serde_json::to_string(&c.inspectors).map_err(AppError::internal)?,
        agency_id: c.scene.task.agency_id.clone(),
        enterprise_id: c.scene.task.enterprise_id.clone(),
        district_code: c.scene.district_code.clone(),
        outlet_id: c.scene.outlet.id.clone(),
        task_id: Some(c.scene.task.id.clone()),
        origin: c.origin.clone(),
        origin_id: c.origin_id.clone(),
        checklist_version: i32::try_from(checklist.version).unwrap_or(i32::MAX),
        checklist: serde_json::to_string(&c.results.checklist).map_err(AppError::internal)?,
        summary: c.results.summary.clone(),
        created_by: actor.account_id.clone(),
        completed_by: (!planned).then(|| actor.account_id.clone()),
        completed_at: (!planned).then_some(now),
        version: 1,
        created_at: now,
        updated_at: now,
    };
    let (comparisons, findings) = result_rows(app, actor, &model.id, &c.results, 0)?;
    let words = result_words(&comparisons, findings.len());
    let txn = app.db().begin_write().await?;
    repo::inspection::insert(&txn, model.clone(), comparisons, findings).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "inspection.create",
        Some(("inspection", &model.id)),
        Outcome::Ok,
        json!({
            "kind": c.kind.label(),
            "state": if planned { InspectionState::Planned } else { InspectionState::Done }.label(),
            "inspected_on": model.inspected_on.to_string(),
            "result": if planned { String::new() } else { words },
        }),
    )
    .await?;
    let answer = view(app, model).await?;
    idempotency::keep(&txn, app, actor, keyed, &answer).await?;
    txn.commit().await?;
    Ok(answer)
}

/// Records the results of a planned inspection on or after its day.
pub async fn complete(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ResultsInput,
) -> Result<InspectionView, AppError> {
    let found = visible(app, actor, id).await?;
    own(actor, &found)?;
    if found.state != InspectionState::Planned.as_str() {
        return Err(AppError::field("state", "检查结果已记录"));
    }
    if found.inspected_on > today(app) {
        return Err(AppError::field(
            "inspected_on",
            "检查日期未到，当天或之后才能记录检查结果",
        ));
    }
    let kind = InspectionKind::parse(&found.kind)
        .ok_or_else(|| AppError::internal("an inspection without its kind"))?;
    let task_id = found.task_id.clone().unwrap_or_default();
    let scene = match scene(app, actor, &task_id, &found.outlet_id).await? {
        Ok(s) => s,
        Err((field, message)) => return Err(AppError::field(field, message)),
    };
    let mut errors = FieldErrors::new();
    let results = check::check_results(
        app,
        actor,
        kind,
        &scene,
        Some(found.inspected_on),
        &input,
        &mut errors,
    )
    .await?;
    errors.into_result()?;
    let now = app.now();
    let done = inspection::Model {
        state: InspectionState::Done.as_str().to_string(),
        checklist: serde_json::to_string(&results.checklist).map_err(AppError::internal)?,
        summary: results.summary.clone(),
        completed_by: Some(actor.account_id.clone()),
        completed_at: Some(now),
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    let (comparisons, findings) = result_rows(app, actor, &found.id, &results, 0)?;
    let words = result_words(&comparisons, findings.len());
    let txn = app.db().begin_write().await?;
    if !repo::inspection::save(&txn, done.clone(), found.version).await? {
        return Err(AppError::field("state", "检查刚被他人处理，请刷新后查看"));
    }
    repo::inspection::insert_results(&txn, comparisons, findings).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "inspection.complete",
        Some(("inspection", &found.id)),
        Outcome::Ok,
        json!({"result": words}),
    )
    .await?;
    txn.commit().await?;
    view(app, done).await
}

/// Adds a finding to a recorded inspection.
pub async fn add_finding(
    app: &App,
    actor: &Actor,
    id: &str,
    input: FindingInput,
) -> Result<FindingView, AppError> {
    let found = visible(app, actor, id).await?;
    own(actor, &found)?;
    if found.state != InspectionState::Done.as_str() {
        return Err(AppError::field("state", "请先记录检查结果，再添加检查发现"));
    }
    let task_id = found.task_id.clone().unwrap_or_default();
    let scene = match scene(app, actor, &task_id, &found.outlet_id).await? {
        Ok(s) => s,
        Err((field, message)) => return Err(AppError::field(field, message)),
    };
    let mut errors = FieldErrors::new();
    if input.description.trim().is_empty() {
        errors.add("description", "请描述检查发现的问题");
    }
    let mut checked = check::check_findings(
        app,
        actor,
        &scene,
        std::slice::from_ref(&input),
        &mut errors,
    )
    .await?;
    // The single finding's errors are named by its own fields.
    let errors = errors.renamed("findings[0].", "");
    errors.into_result()?;
    let Some(f) = checked.pop() else {
        return Err(AppError::internal(
            "a finding passed its checks without a row",
        ));
    };
    let existing = repo::inspection::findings(&app.db().conn, &found.id).await?;
    let row = finding_row(app, actor, &found.id, existing.len(), &f);
    let txn = app.db().begin_write().await?;
    repo::inspection::insert_results(&txn, Vec::new(), vec![row.clone()]).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "inspection.finding",
        Some(("inspection", &found.id)),
        Outcome::Ok,
        json!({"finding": format!("{}：{}", f.severity.label(), f.description)}),
    )
    .await?;
    txn.commit().await?;
    Ok(finding_view(row))
}

/// A new inspection filled from what it is started from: a record, an overdue occurrence or an
/// out-of-control period, each with a finding about it to complete.
pub async fn prefill(
    app: &App,
    actor: &Actor,
    origin: &str,
    id: &str,
) -> Result<InspectionInput, AppError> {
    if !Permission::Inspect.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let scope = actor.scope();
    let (task_id, outlet_id, finding) = match origin {
        "record" => {
            let r = crate::records::detail(app, actor, id).await?.record;
            let flags = r
                .flags
                .iter()
                .map(|f| format!("{}：{}", f.label, f.reason))
                .collect::<Vec<_>>()
                .join("；");
            (
                r.task_id.clone(),
                r.outlet_id.clone(),
                FindingInput {
                    subject: FindingSubject::Record.as_str().to_string(),
                    subject_id: r.id.clone(),
                    severity: Severity::Major.as_str().to_string(),
                    description: flags,
                },
            )
        }
        "occurrence" => {
            let o = repo::rectification::occurrence_in_scope(db, &scope, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?;
            let text = crate::rectifications::occurrence_text(app, &o).await?;
            (
                o.task_id.clone(),
                o.outlet_id.clone(),
                FindingInput {
                    subject: FindingSubject::Occurrence.as_str().to_string(),
                    subject_id: o.id.clone(),
                    severity: Severity::Major.as_str().to_string(),
                    description: format!("超期未运维：{text}"),
                },
            )
        }
        "fault_period" => {
            let f = repo::fault::get(db, &scope, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?;
            let task_id = repo::record::get(db, &scope, &actor.account_id, &f.opened_by)
                .await?
                .map(|r| r.task_id)
                .unwrap_or_default();
            (
                task_id,
                f.outlet_id.clone(),
                FindingInput {
                    subject: FindingSubject::Instrument.as_str().to_string(),
                    subject_id: f.instrument_id.clone(),
                    severity: Severity::Serious.as_str().to_string(),
                    description: f.reason.clone(),
                },
            )
        }
        _ => return Err(AppError::new(ErrorCode::NotFound)),
    };
    Ok(InspectionInput {
        kind: InspectionKind::OnSite.as_str().to_string(),
        inspected_on: today(app).to_string(),
        task_id,
        outlet_id,
        inspector_ids: vec![actor.account_id.clone()],
        origin: origin.to_string(),
        origin_id: id.to_string(),
        planned: false,
        results: ResultsInput {
            findings: vec![finding],
            ..Default::default()
        },
    })
}

/// The tasks a regulator may inspect under (running or ended, in scope) with their outlets:
/// (task id, task label, [(outlet id, outlet name)]).
pub async fn task_choices(
    app: &App,
    actor: &Actor,
) -> Result<Vec<(String, String, Vec<(String, String)>)>, AppError> {
    if !Permission::Inspect.allows(Some(actor)) {
        return Ok(Vec::new());
    }
    let db = &app.db().conn;
    let tasks = repo::task::inspectable(db, &actor.scope()).await?;
    let mut out = Vec::new();
    for t in tasks {
        let outlet_ids: Vec<String> = repo::task::bindings(db, &t.id)
            .await?
            .into_iter()
            .filter(|b| b.kind == "outlet")
            .map(|b| b.ref_id)
            .collect();
        let names = repo::outlet::names(db, &outlet_ids).await?;
        let outlets = outlet_ids
            .into_iter()
            .map(|id| {
                let name = names.get(&id).cloned().unwrap_or_default();
                (id, name)
            })
            .collect();
        out.push((t.id, format!("{} {}", t.number, t.name), outlets));
    }
    Ok(out)
}

/// What an inspection's page needs to offer a finding's subject or a comparison: the outlet's
/// instruments and the agency's staff and equipment, (id, text).
pub struct Subjects {
    pub instruments: Vec<(String, String)>,
    pub staff: Vec<(String, String)>,
    pub equipment: Vec<(String, String)>,
    pub outlet_kind: OutletKind,
}

pub async fn subjects(app: &App, i: &InspectionView) -> Result<Subjects, AppError> {
    let db = &app.db().conn;
    let outlet = repo::outlet::by_ids(db, std::slice::from_ref(&i.outlet_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("an inspection's outlet is gone"))?;
    Ok(Subjects {
        instruments: repo::outlet::instruments(db, &i.outlet_id)
            .await?
            .iter()
            .map(|x| (x.id.clone(), instrument_text(x)))
            .collect(),
        staff: repo::agency_resources::staff(db, &i.agency_id)
            .await?
            .into_iter()
            .filter(|s| !s.resigned)
            .map(|s| (s.id, s.name))
            .collect(),
        equipment: repo::agency_resources::equipment(db, &i.agency_id)
            .await?
            .into_iter()
            .map(|e| (e.id, format!("{}（{}）", e.name, e.device_no)))
            .collect(),
        outlet_kind: OutletKind::parse(&outlet.kind).unwrap_or(OutletKind::Wastewater),
    })
}
