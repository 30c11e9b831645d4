//! 监督检查: the regulators' list and exports, a new inspection (from scratch, or from a record, a
//! missed occurrence or an out-of-control period), the inspection's page with its checklist,
//! comparison verdicts, findings, files and trail, recording a planned one's results, adding a
//! finding, and 下发整改单 from its findings.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, ExportFormat, audit_export, export_response, whole_export};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::inspections::{
    ChecklistInput, ComparisonInput, ComparisonItem, FindingInput, InspectionAllowed,
    InspectionDetail, InspectionInput, InspectionView, ResultsInput,
};
use emss_db::repo::inspection::InspectionFilter;
use emss_domain::inspection::{Answer, ChecklistItem, FindingSubject, InspectionKind, Severity};
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::time::{format_datetime, format_optional};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Blank finding rows the form offers besides those filled in.
const BLANK_FINDINGS: usize = 2;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// `planned` | `done`.
    pub tab: Option<String>,
    pub kind: Option<String>,
    pub agency_id: Option<String>,
    pub district_code: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

const TABS: &[(&str, &str)] = &[("", "全部"), ("planned", "计划"), ("done", "已完成")];

fn filter_of(q: &ListQuery) -> (InspectionFilter, Vec<(&'static str, String)>) {
    let pick = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let day = |v: &Option<String>| v.as_deref().and_then(|d| d.trim().parse().ok());
    let tab = pick(&q.tab)
        .filter(|t| TABS.iter().any(|(v, _)| v == t))
        .unwrap_or_default();
    let filter = InspectionFilter {
        state: (!tab.is_empty()).then(|| tab.clone()),
        kind: pick(&q.kind).filter(|k| InspectionKind::parse(k).is_some()),
        agency_id: pick(&q.agency_id),
        district_code: pick(&q.district_code),
        from: day(&q.from),
        to: day(&q.to),
        ..Default::default()
    };
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let pairs = vec![
        ("tab", tab),
        ("kind", filter.kind.clone().unwrap_or_default()),
        ("agency_id", filter.agency_id.clone().unwrap_or_default()),
        (
            "district_code",
            filter.district_code.clone().unwrap_or_default(),
        ),
        ("from", date(filter.from)),
        ("to", date(filter.to)),
    ];
    (filter, pairs)
}

#[derive(Template)]
#[template(path = "portal/inspections.html")]
pub struct ListPage {
    pub shell: Shell,
    pub rows: Vec<(u64, InspectionView)>,
    pub pager: Pager,
    /// (label, href, current).
    pub tabs: Vec<(&'static str, String, bool)>,
    pub tab: String,
    /// (value, label, selected).
    pub kinds: Vec<(&'static str, &'static str, bool)>,
    pub from: String,
    pub to: String,
    pub agencies: Vec<(String, String, bool)>,
    pub districts: Vec<(String, String, bool)>,
    pub can_create: bool,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(&q);
    let page = emss_app::inspections::list(
        &state.app,
        actor,
        filter.clone(),
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(
        &page,
        "/inspections",
        &pairs,
        Some("/inspections/export.csv"),
    );
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, o)| (first + i as u64, o))
        .collect();
    let tab = pairs[0].1.clone();
    let regulator = Permission::Inspect.allows(Some(actor));
    // The inspected see only what was recorded: no tabs to choose from.
    let tabs = if regulator {
        TABS.iter()
            .map(|(v, l)| {
                let href = if v.is_empty() {
                    "/inspections".to_string()
                } else {
                    format!("/inspections?tab={v}")
                };
                (*l, href, tab == *v)
            })
            .collect()
    } else {
        Vec::new()
    };
    let kinds = InspectionKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str(),
                k.label(),
                filter.kind.as_deref() == Some(k.as_str()),
            )
        })
        .collect();
    let agencies = if regulator {
        super::agency_choices(&state, filter.agency_id.as_deref()).await?
    } else {
        Vec::new()
    };
    let districts = super::district_choices(&state, actor, filter.district_code.as_deref());
    Ok(render(&ListPage {
        shell: Shell::portal(
            &ctx,
            "page.inspections",
            "监督检查",
            &["任务管理", "监督检查"],
        ),
        rows,
        pager,
        tabs,
        tab,
        kinds,
        from: pairs[4].1.clone(),
        to: pairs[5].1.clone(),
        agencies,
        districts,
        can_create: regulator,
    }))
}

const EXPORT_HEADER: &[&str] = &[
    "序号",
    "检查日期",
    "检查类型",
    "状态",
    "检查部门",
    "检查人员",
    "运维机构",
    "企业",
    "排口",
    "运维任务",
    "检查发现",
    "检查情况",
    "记录时间",
];

crate::export::export_handlers!(export, export_xlsx, ListQuery, export_as);

/// The inspections as filtered, refused past the export limit, audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(q);
    let page =
        emss_app::inspections::list(&state.app, actor, filter, PageRequest::export()).await?;
    whole_export(
        page.total,
        MAX_EXPORT_ROWS,
        "from",
        ("次", "检查"),
        "缩小日期范围或加筛选条件",
    )?;
    audit_export(
        &state.app,
        actor,
        "inspection.export",
        pairs,
        page.total,
        format,
    )
    .await?;
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, o)| {
            vec![
                Cell::count(i as u64 + 1),
                Cell::Date(o.inspected_on),
                o.kind_label.into(),
                o.state_label.into(),
                o.inspector_org_name.into(),
                o.inspectors.join("、").into(),
                o.agency_name.into(),
                o.enterprise_name.into(),
                o.outlet_name.into(),
                o.task_number.into(),
                Cell::Number(o.findings as f64),
                o.summary.into(),
                Cell::at(o.completed_at),
            ]
        })
        .collect();
    Ok(export_response(format, "监督检查", EXPORT_HEADER, rows).await?)
}

/// One comparison row as typed.
#[derive(Debug, Clone, Default)]
pub struct ComparisonRow {
    pub instrument_id: String,
    pub limit_id: String,
    pub reference: String,
    pub measured: String,
    pub unit: String,
    pub sampled_at: String,
}

/// One finding row as typed: `subject` is `kind:id` (`instrument:…`, `other:`).
#[derive(Debug, Clone, Default)]
pub struct FindingRow {
    pub subject: String,
    pub severity: String,
    pub description: String,
}

/// What was found, as typed: answers by checklist item, rows in their order.
#[derive(Debug, Clone, Default)]
pub struct ResultsForm {
    pub answers: BTreeMap<String, String>,
    pub notes: BTreeMap<String, String>,
    pub comparisons: Vec<ComparisonRow>,
    pub findings: Vec<FindingRow>,
    pub summary: String,
}

/// Rows of repeated fields, by position.
fn rows_of(columns: &BTreeMap<&str, Vec<String>>, key: &str, n: usize) -> String {
    columns
        .get(key)
        .and_then(|v| v.get(n))
        .cloned()
        .unwrap_or_default()
}

impl ResultsForm {
    fn from_pairs(pairs: &[(String, String)]) -> ResultsForm {
        let mut f = ResultsForm::default();
        let mut columns: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for (k, v) in pairs {
            if let Some(id) = k.strip_prefix("answer_") {
                f.answers.insert(id.to_string(), v.clone());
            } else if let Some(id) = k.strip_prefix("note_") {
                f.notes.insert(id.to_string(), v.clone());
            } else if k == "summary" {
                f.summary = v.clone();
            } else if k.starts_with("cmp_") || k.starts_with("finding_") {
                columns.entry(k.as_str()).or_default().push(v.clone());
            }
        }
        let count = |key: &str| columns.get(key).map(Vec::len).unwrap_or(0);
        f.comparisons = (0..count("cmp_instrument"))
            .map(|n| ComparisonRow {
                instrument_id: rows_of(&columns, "cmp_instrument", n),
                limit_id: rows_of(&columns, "cmp_limit", n),
                reference: rows_of(&columns, "cmp_reference", n),
                measured: rows_of(&columns, "cmp_measured", n),
                unit: rows_of(&columns, "cmp_unit", n),
                sampled_at: rows_of(&columns, "cmp_sampled_at", n),
            })
            .collect();
        f.findings = (0..count("finding_description"))
            .map(|n| FindingRow {
                subject: rows_of(&columns, "finding_subject", n),
                severity: rows_of(&columns, "finding_severity", n),
                description: rows_of(&columns, "finding_description", n),
            })
            .collect();
        f
    }

    fn input(&self) -> ResultsInput {
        ResultsInput {
            checklist: self
                .answers
                .iter()
                .map(|(id, answer)| ChecklistInput {
                    id: id.clone(),
                    answer: answer.clone(),
                    note: self.notes.get(id).cloned().unwrap_or_default(),
                })
                .collect(),
            comparisons: self
                .comparisons
                .iter()
                .map(|c| ComparisonInput {
                    instrument_id: c.instrument_id.clone(),
                    limit_id: c.limit_id.clone(),
                    reference: c.reference.clone(),
                    measured: c.measured.clone(),
                    unit: c.unit.clone(),
                    sampled_at: c.sampled_at.clone(),
                })
                .collect(),
            findings: self.findings.iter().map(finding_input).collect(),
            summary: self.summary.clone(),
        }
    }
}

fn finding_input(f: &FindingRow) -> FindingInput {
    let (subject, id) = f.subject.split_once(':').unwrap_or(("other", ""));
    FindingInput {
        subject: subject.to_string(),
        subject_id: id.to_string(),
        severity: f.severity.clone(),
        description: f.description.clone(),
    }
}

fn finding_row(f: &FindingInput) -> FindingRow {
    FindingRow {
        subject: format!("{}:{}", f.subject, f.subject_id),
        severity: f.severity.clone(),
        description: f.description.clone(),
    }
}

/// What the results part of a form offers: the checklist, the outlet's instruments, the
/// comparison items, who or what a finding may be about.
pub struct ResultsOptions {
    pub kind: InspectionKind,
    pub checklist: Vec<ChecklistItem>,
    pub instruments: Vec<(String, String)>,
    pub items: Vec<ComparisonItem>,
    /// (value `kind:id`, label).
    pub subjects: Vec<(String, String)>,
}

async fn results_options(
    state: &AppState,
    kind: InspectionKind,
    view: &InspectionView,
    extra_subjects: Vec<(String, String)>,
) -> Result<ResultsOptions, PageError> {
    let subjects_of = emss_app::inspections::subjects(&state.app, view).await?;
    let mut subjects = vec![("other:".to_string(), "其他".to_string())];
    subjects.extend(extra_subjects);
    let group = |label: &str, xs: &[(String, String)], kind: FindingSubject| {
        xs.iter()
            .map(|(id, text)| {
                (
                    format!("{}:{id}", kind.as_str()),
                    format!("{label}：{text}"),
                )
            })
            .collect::<Vec<_>>()
    };
    subjects.extend(group(
        "仪器",
        &subjects_of.instruments,
        FindingSubject::Instrument,
    ));
    subjects.extend(group("运维人员", &subjects_of.staff, FindingSubject::Staff));
    subjects.extend(group(
        "运维设备",
        &subjects_of.equipment,
        FindingSubject::Equipment,
    ));
    let items = if kind == InspectionKind::Comparison {
        emss_app::inspections::comparison_items(&state.app, subjects_of.outlet_kind).await?
    } else {
        Vec::new()
    };
    let checklist = emss_app::inspections::checklists()
        .map_err(emss_app::AppError::internal)?
        .iter()
        .find(|c| c.kind == kind)
        .map(|c| c.items.clone())
        .unwrap_or_default();
    Ok(ResultsOptions {
        kind,
        checklist,
        instruments: subjects_of.instruments,
        items,
        subjects,
    })
}

/// Offers a row per instrument (its comparison item chosen by its parameter) and blank finding
/// rows, keeping what was typed.
fn offer_rows(form: &mut ResultsForm, options: &ResultsOptions) {
    if options.kind == InspectionKind::Comparison && form.comparisons.is_empty() {
        form.comparisons = options
            .instruments
            .iter()
            .map(|(id, text)| ComparisonRow {
                instrument_id: id.clone(),
                limit_id: options
                    .items
                    .iter()
                    .find(|i| {
                        text.split_whitespace()
                            .next()
                            .is_some_and(|p| i.label.starts_with(p))
                    })
                    .map(|i| i.limit_id.clone())
                    .unwrap_or_default(),
                // The sampling time is typed: a default would be accepted as evidence.
                ..Default::default()
            })
            .collect();
    }
    let blanks = form
        .findings
        .iter()
        .filter(|f| f.description.trim().is_empty())
        .count();
    for _ in blanks..BLANK_FINDINGS {
        form.findings.push(FindingRow {
            subject: "other:".into(),
            severity: Severity::Minor.as_str().into(),
            description: String::new(),
        });
    }
}

/// Helpers the results part of the templates calls.
pub trait ResultsView {
    fn errors(&self) -> &BTreeMap<String, String>;
    fn results(&self) -> &ResultsForm;

    fn error(&self, field: &str) -> Option<&str> {
        self.errors().get(field).map(String::as_str)
    }

    fn row_error(&self, list: &str, n: &usize, field: &str) -> Option<&str> {
        self.error(&format!("{list}[{n}].{field}"))
    }

    fn answer_of(&self, id: &str) -> &str {
        self.results()
            .answers
            .get(id)
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn note_of(&self, id: &str) -> &str {
        self.results()
            .notes
            .get(id)
            .map(String::as_str)
            .unwrap_or_default()
    }

    fn answers(&self) -> Vec<(&'static str, &'static str)> {
        Answer::ALL
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect()
    }

    fn severities(&self) -> Vec<(&'static str, &'static str)> {
        Severity::ALL
            .iter()
            .map(|a| (a.as_str(), a.label()))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "portal/inspection_new.html")]
pub struct NewPage {
    pub shell: Shell,
    pub kinds: Vec<(&'static str, &'static str)>,
    /// (value `task:outlet`, label).
    pub scenes: Vec<(String, String)>,
    pub inspectors: Vec<(String, String)>,
    pub kind: String,
    pub scene: String,
    pub mode: String,
    pub inspected_on: String,
    pub chosen_inspectors: Vec<String>,
    pub origin: String,
    pub origin_id: String,
    /// Shown once the kind and the task's outlet are chosen.
    pub options: Option<ResultsOptions>,
    pub form: ResultsForm,
    pub errors: BTreeMap<String, String>,
}

impl ResultsView for NewPage {
    fn errors(&self) -> &BTreeMap<String, String> {
        &self.errors
    }
    fn results(&self) -> &ResultsForm {
        &self.form
    }
}

impl NewPage {
    pub fn chosen(&self, id: &str) -> bool {
        self.chosen_inspectors.iter().any(|x| x == id)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    pub kind: Option<String>,
    /// `task_id:outlet_id`.
    pub scene: Option<String>,
    /// `record` | `occurrence` | `fault_period`, with `origin_id`.
    pub origin: Option<String>,
    pub origin_id: Option<String>,
}

/// The new-inspection form's typed head.
#[derive(Debug, Clone, Default)]
struct Head {
    kind: String,
    scene: String,
    mode: String,
    inspected_on: String,
    inspectors: Vec<String>,
    origin: String,
    origin_id: String,
}

impl Head {
    fn from_pairs(pairs: &[(String, String)]) -> Head {
        let mut h = Head::default();
        for (k, v) in pairs {
            match k.as_str() {
                "kind" => h.kind = v.clone(),
                "scene" => h.scene = v.clone(),
                "mode" => h.mode = v.clone(),
                "inspected_on" => h.inspected_on = v.clone(),
                "inspector" => h.inspectors.push(v.clone()),
                "origin" => h.origin = v.clone(),
                "origin_id" => h.origin_id = v.clone(),
                _ => {}
            }
        }
        h
    }

    fn input(&self, results: &ResultsForm) -> InspectionInput {
        let (task_id, outlet_id) = self.scene.split_once(':').unwrap_or_default();
        InspectionInput {
            kind: self.kind.clone(),
            inspected_on: self.inspected_on.clone(),
            task_id: task_id.to_string(),
            outlet_id: outlet_id.to_string(),
            inspector_ids: self.inspectors.clone(),
            origin: self.origin.clone(),
            origin_id: self.origin_id.clone(),
            planned: self.mode == "plan",
            results: results.input(),
        }
    }
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    head: Head,
    mut form: ResultsForm,
    extra_subjects: Vec<(String, String)>,
    errors: BTreeMap<String, String>,
) -> Result<NewPage, PageError> {
    let choices = emss_app::inspections::task_choices(&state.app, actor).await?;
    let scenes: Vec<(String, String)> = choices
        .iter()
        .flat_map(|(task_id, task, outlets)| {
            outlets
                .iter()
                .map(move |(id, name)| (format!("{task_id}:{id}"), format!("{task} — {name}")))
        })
        .collect();
    let kind = InspectionKind::parse(&head.kind);
    let scene_known = scenes.iter().any(|(v, _)| *v == head.scene);
    let options = match (kind, scene_known) {
        (Some(kind), true) => {
            let (task_id, outlet_id) = head.scene.split_once(':').unwrap_or_default();
            let view = scene_view(actor, task_id, outlet_id, &head.inspected_on);
            let options = results_options(state, kind, &view, extra_subjects).await?;
            offer_rows(&mut form, &options);
            Some(options)
        }
        _ => None,
    };
    Ok(NewPage {
        shell: Shell::portal(
            ctx,
            "page.inspections.new",
            "登记监督检查",
            &["任务管理", "监督检查", "登记监督检查"],
        ),
        kinds: InspectionKind::ALL
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        scenes,
        inspectors: emss_app::inspections::inspectors(&state.app, actor).await?,
        kind: head.kind,
        scene: head.scene,
        mode: head.mode,
        inspected_on: head.inspected_on,
        chosen_inspectors: head.inspectors,
        origin: head.origin,
        origin_id: head.origin_id,
        options,
        form,
        errors,
    })
}

/// A view standing for the inspection being typed, for what its form offers.
fn scene_view(actor: &Actor, task_id: &str, outlet_id: &str, day: &str) -> InspectionView {
    InspectionView {
        id: String::new(),
        kind: String::new(),
        kind_label: String::new(),
        state: String::new(),
        state_label: String::new(),
        inspected_on: day.parse().unwrap_or_default(),
        inspector_org_id: actor.org_id.clone(),
        inspector_org_name: String::new(),
        inspectors: Vec::new(),
        agency_id: String::new(),
        agency_name: String::new(),
        enterprise_id: String::new(),
        enterprise_name: String::new(),
        district_code: String::new(),
        outlet_id: outlet_id.to_string(),
        outlet_name: String::new(),
        task_id: task_id.to_string(),
        task_number: String::new(),
        origin: String::new(),
        origin_id: String::new(),
        summary: String::new(),
        findings: 0,
        completed_at: None,
        completed_by_name: None,
        created_at: chrono::DateTime::default(),
        version: 0,
    }
}

pub async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<NewQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    if !Permission::Inspect.allows(Some(actor)) {
        return Err(ErrorCode::Forbidden.into());
    }
    let today = emss_domain::time::shanghai_date(state.app.now()).to_string();
    let mut head = Head {
        kind: q.kind.clone().unwrap_or_default(),
        scene: q.scene.clone().unwrap_or_default(),
        mode: "record".into(),
        inspected_on: today,
        inspectors: vec![actor.account_id.clone()],
        origin: q.origin.clone().unwrap_or_default(),
        origin_id: q.origin_id.clone().unwrap_or_default(),
    };
    let mut form = ResultsForm::default();
    let mut extra = Vec::new();
    if !head.origin.is_empty() && !head.origin_id.is_empty() {
        let pre = emss_app::inspections::prefill(&state.app, actor, &head.origin, &head.origin_id)
            .await?;
        if head.kind.is_empty() {
            head.kind = pre.kind.clone();
        }
        if head.scene.is_empty() {
            head.scene = format!("{}:{}", pre.task_id, pre.outlet_id);
        }
        for f in &pre.results.findings {
            // A record or occurrence is offered as the subject it was started from.
            if f.subject == FindingSubject::Record.as_str()
                || f.subject == FindingSubject::Occurrence.as_str()
            {
                let label = FindingSubject::parse(&f.subject)
                    .map(FindingSubject::label)
                    .unwrap_or_default();
                extra.push((
                    format!("{}:{}", f.subject, f.subject_id),
                    format!("{label}（检查来源）"),
                ));
            }
            form.findings.push(finding_row(f));
        }
    }
    let page = new_page(&state, &ctx, actor, head, form, extra, BTreeMap::new()).await?;
    Ok(render(&page))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let head = Head::from_pairs(&pairs);
    let form = ResultsForm::from_pairs(&pairs);
    match emss_app::inspections::create(&state.app, actor, head.input(&form), None).await {
        Ok(i) => Ok(Redirect::to(&format!("/inspections/{}?done=created", i.id)).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let extra = form
                .findings
                .iter()
                .filter(|f| {
                    f.subject.starts_with("record:") || f.subject.starts_with("occurrence:")
                })
                .map(|f| (f.subject.clone(), "检查来源".to_string()))
                .collect();
            let page = new_page(&state, &ctx, actor, head, form, extra, e.fields).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/inspection_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub detail: InspectionDetail,
    pub may: InspectionAllowed,
    /// The results form of a planned inspection, and what a finding may be about.
    pub options: Option<ResultsOptions>,
    pub form: ResultsForm,
    /// The finding being added, as typed.
    pub finding: FindingRow,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
}

impl ResultsView for ShowPage {
    fn errors(&self) -> &BTreeMap<String, String> {
        &self.errors
    }
    fn results(&self) -> &ResultsForm {
        &self.form
    }
}

impl ShowPage {
    pub fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        format_datetime(*at)
    }

    pub fn at(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        format_optional(*at)
    }

    pub fn size(&self, bytes: &i64) -> String {
        super::rectifications::size_label(*bytes)
    }
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut form: ResultsForm,
    finding: FindingRow,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::inspections::detail(&state.app, actor, id).await?;
    let may = emss_app::inspections::allowed(actor, &detail.inspection);
    let options = if may.complete || may.add_finding {
        let kind = InspectionKind::parse(&detail.inspection.kind).unwrap_or(InspectionKind::OnSite);
        let options = results_options(state, kind, &detail.inspection, Vec::new()).await?;
        if may.complete {
            offer_rows(&mut form, &options);
        }
        Some(options)
    } else {
        None
    };
    Ok(ShowPage {
        shell: Shell::portal(
            ctx,
            "page.inspections",
            "监督检查详情",
            &["任务管理", "监督检查", "监督检查详情"],
        ),
        detail,
        may,
        options,
        form,
        finding,
        errors,
        notice,
    })
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    done.map(|d| match d {
        "created" => "监督检查已登记",
        "completed" => "检查结果已记录",
        "finding" => "检查发现已添加",
        "attached" => "附件已上传",
        _ => "已完成",
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    pub done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let page = show_page(
        &state,
        &ctx,
        &id,
        ResultsForm::default(),
        FindingRow::default(),
        BTreeMap::new(),
        notice_of(q.done.as_deref()),
    )
    .await?;
    Ok(render(&page))
}

/// Records a planned inspection's results.
pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = ResultsForm::from_pairs(&pairs);
    match emss_app::inspections::complete(&state.app, actor, &id, form.input()).await {
        Ok(_) => Ok(Redirect::to(&format!("/inspections/{id}?done=completed")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(
                &state,
                &ctx,
                &id,
                form,
                FindingRow::default(),
                e.fields,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct FindingForm {
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub severity: String,
    #[serde(default)]
    pub description: String,
}

/// Adds a finding to a recorded inspection.
pub async fn add_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(f): PageForm<FindingForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let row = FindingRow {
        subject: f.subject,
        severity: f.severity,
        description: f.description,
    };
    match emss_app::inspections::add_finding(&state.app, actor, &id, finding_input(&row)).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/inspections/{id}?done=finding#findings")).into_response())
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(
                &state,
                &ctx,
                &id,
                ResultsForm::default(),
                row,
                e.fields,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::inspections::may_upload(&state.app, actor, &id).await?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let file = files.into_iter().find(|f| f.kind == "file");
    match emss_app::inspections::upload_attachment(&state.app, actor, &id, file).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/inspections/{id}?done=attached#attachments")).into_response(),
        ),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(
                &state,
                &ctx,
                &id,
                ResultsForm::default(),
                FindingRow::default(),
                e.fields,
                None,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (a, bytes) =
        emss_app::inspections::attachment_file(&state.app, actor, &id, &attachment_id).await?;
    Ok(crate::api::download(&a.file_name, &a.content_type, bytes))
}
