//! 整改单管理: the regulators' list, new order (blank or from a record), the order's page with
//! 签收, 提交整改, 销号 and 退回, its files and trail, the printable A4 order, and the export.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::assets;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, ExportFormat, audit_export, export_response, whole_export};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use emss_app::rectifications::{
    Allowed, ProblemInput, RectificationDetail, RectificationInput, RectificationView,
    ResponseInput, ResponseProblem,
};
use emss_db::repo::rectification::RectificationFilter;
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::rectification::{ProblemSource, RectificationState};
use emss_domain::time::{format_datetime, format_optional};
use emss_domain::{Actor, ErrorCode, OrgKind, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

/// Blank problem rows a new order offers besides those filled from a record.
const BLANK_PROBLEMS: usize = 2;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// A state, or `overdue` (逾期) / `to_answer` (待处理).
    pub tab: Option<String>,
    pub keyword: Option<String>,
    pub agency_id: Option<String>,
    pub district_code: Option<String>,
    pub deadline_from: Option<String>,
    pub deadline_to: Option<String>,
    pub issued_from: Option<String>,
    pub issued_to: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// The list's tabs: (value, label).
const TABS: &[(&str, &str)] = &[
    ("", "全部"),
    ("draft", "草稿"),
    ("issued", "待签收"),
    ("in_progress", "整改中"),
    ("submitted", "待销号"),
    ("closed", "已销号"),
    ("overdue", "逾期"),
];

/// The tab of the issuing regulators' waiting extension requests.
const EXTENSION_TAB: (&str, &str) = ("extension", "延期申请");
/// The tab of the agency's orders to sign for or answer.
const TO_ANSWER_TAB: (&str, &str) = ("to_answer", "待处理");

fn filter_of(q: &ListQuery) -> (RectificationFilter, Vec<(&'static str, String)>) {
    let pick = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let tab = pick(&q.tab).unwrap_or_default();
    let day = |v: &Option<String>| v.as_deref().and_then(|d| d.trim().parse().ok());
    let filter = RectificationFilter {
        state: RectificationState::parse(&tab).map(|s| s.as_str().to_string()),
        overdue: tab == "overdue",
        to_answer: tab == TO_ANSWER_TAB.0,
        extension_pending: tab == EXTENSION_TAB.0,
        agency_id: pick(&q.agency_id),
        district_code: pick(&q.district_code),
        keyword: emss_db::repo::keyword(q.keyword.as_deref()),
        deadline_from: day(&q.deadline_from),
        deadline_to: day(&q.deadline_to),
        issued_from: day(&q.issued_from),
        issued_to: day(&q.issued_to),
        ..Default::default()
    };
    let shown = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let pairs = vec![
        ("tab", tab),
        ("keyword", filter.keyword.clone().unwrap_or_default()),
        ("agency_id", filter.agency_id.clone().unwrap_or_default()),
        (
            "district_code",
            filter.district_code.clone().unwrap_or_default(),
        ),
        ("deadline_from", shown(filter.deadline_from)),
        ("deadline_to", shown(filter.deadline_to)),
        ("issued_from", shown(filter.issued_from)),
        ("issued_to", shown(filter.issued_to)),
    ];
    (filter, pairs)
}

#[derive(Template)]
#[template(path = "portal/rectifications.html")]
pub struct ListPage {
    pub shell: Shell,
    pub rows: Vec<(u64, RectificationView)>,
    pub pager: Pager,
    /// (value, label, href, current).
    pub tabs: Vec<(&'static str, &'static str, String, bool)>,
    pub tab: String,
    pub keyword: String,
    pub deadline_from: String,
    pub deadline_to: String,
    pub issued_from: String,
    pub issued_to: String,
    pub agencies: Vec<(String, String, bool)>,
    /// (code, name, selected), for the city.
    pub districts: Vec<(String, String, bool)>,
    pub can_create: bool,
    /// The Excel export of the current filter (the pager holds the CSV one).
    /// 整改建议 waiting for the regulator.
    pub suggestions: u64,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(&q);
    let page = emss_app::rectifications::list(
        &state.app,
        actor,
        filter.clone(),
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(
        &page,
        "/rectifications",
        &pairs,
        Some("/rectifications/export.csv"),
    );
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, o)| (first + i as u64, o))
        .collect();
    let tab = pairs[0].1.clone();
    let issuer = Permission::IssueRectifications.allows(Some(actor));
    // Drafts are seen only by the authority drafting them.
    let tabs = TABS
        .iter()
        .filter(|(v, _)| issuer || *v != RectificationState::Draft.as_str())
        .chain(
            Permission::RespondRectifications
                .allows(Some(actor))
                .then_some(&TO_ANSWER_TAB),
        )
        .chain(
            Permission::IssueRectifications
                .allows(Some(actor))
                .then_some(&EXTENSION_TAB),
        )
        .map(|(v, l)| {
            let href = if v.is_empty() {
                "/rectifications".to_string()
            } else {
                format!("/rectifications?tab={v}")
            };
            (*v, *l, href, tab == *v)
        })
        .collect();
    let regulator = actor.org_kind.is_regulator();
    let agencies = if regulator {
        super::agency_choices(&state, filter.agency_id.as_deref()).await?
    } else {
        Vec::new()
    };
    let districts = super::district_choices(&state, actor, filter.district_code.as_deref());
    let suggestions = emss_app::rectifications::suggestions::count(&state.app, actor).await?;
    Ok(render(&ListPage {
        suggestions,
        shell: Shell::portal(
            &ctx,
            "page.rectifications",
            "整改单",
            &["任务管理", "整改单管理", "整改单"],
        ),
        rows,
        pager,
        tabs,
        tab,
        keyword: filter.keyword.unwrap_or_default(),
        deadline_from: pairs[4].1.clone(),
        deadline_to: pairs[5].1.clone(),
        issued_from: pairs[6].1.clone(),
        issued_to: pairs[7].1.clone(),
        agencies,
        districts,
        can_create: Permission::IssueRectifications.allows(Some(actor)),
    }))
}

/// The columns of the list's exports.
const EXPORT_HEADER: &[&str] = &[
    "序号",
    "整改单编号",
    "标题",
    "下发部门",
    "被整改单位",
    "涉及企业",
    "整改期限",
    "状态",
    "逾期",
    "逾期提交天数",
    "下发时间",
    "提交整改时间",
    "销号时间",
];

crate::export::export_handlers!(export, export_xlsx, ListQuery, export_as);

/// The orders as filtered, refused past the export limit (a spreadsheet that silently stops
/// would read as the whole list), audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(q);
    let page =
        emss_app::rectifications::list(&state.app, actor, filter, PageRequest::export()).await?;
    whole_export(
        page.total,
        MAX_EXPORT_ROWS,
        "deadline_from",
        ("份", "整改单"),
        "缩小期限范围或加筛选条件",
    )?;
    audit_export(
        &state.app,
        actor,
        "rectification.export",
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
                o.number.into(),
                o.title.into(),
                o.issuer_name.into(),
                o.agency_name.into(),
                o.enterprise_name.into(),
                Cell::Date(o.deadline),
                o.state_label.into(),
                Cell::Text(if o.overdue { "逾期" } else { "" }.to_string()),
                match o.days_late.filter(|d| *d > 0) {
                    Some(d) => Cell::Number(f64::from(d)),
                    None => Cell::Text(String::new()),
                },
                Cell::at(o.issued_at),
                Cell::at(o.responded_at),
                Cell::at(o.closed_at),
            ]
        })
        .collect();
    Ok(export_response(format, "整改单", EXPORT_HEADER, rows).await?)
}

/// One problem row of the order form.
#[derive(Debug, Clone, Default)]
pub struct ProblemRow {
    pub source: String,
    pub source_id: String,
    pub description: String,
}

/// The order form as typed; problem rows arrive as repeated fields in their order.
#[derive(Debug, Clone, Default)]
pub struct OrderForm {
    pub agency_id: String,
    pub enterprise_id: String,
    pub title: String,
    pub basis: String,
    pub deadline: String,
    pub problems: Vec<ProblemRow>,
    /// 下发 rather than 保存.
    pub issue: bool,
    /// The inspection the order was started from (named above the form).
    pub from_inspection: Option<String>,
}

impl OrderForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> OrderForm {
        let mut f = OrderForm::default();
        let (mut sources, mut ids, mut texts) = (Vec::new(), Vec::new(), Vec::new());
        for (k, v) in pairs {
            match k.as_str() {
                "agency_id" => f.agency_id = v,
                "enterprise_id" => f.enterprise_id = v,
                "title" => f.title = v,
                "basis" => f.basis = v,
                "deadline" => f.deadline = v,
                "problem_source" => sources.push(v),
                "problem_source_id" => ids.push(v),
                "problem_description" => texts.push(v),
                "issue" => f.issue = true,
                "from_inspection" if !v.is_empty() => f.from_inspection = Some(v),
                _ => {}
            }
        }
        f.problems = texts
            .into_iter()
            .enumerate()
            .map(|(i, description)| ProblemRow {
                source: sources.get(i).cloned().unwrap_or_default(),
                source_id: ids.get(i).cloned().unwrap_or_default(),
                description,
            })
            .collect();
        f
    }

    fn of_input(i: RectificationInput) -> OrderForm {
        OrderForm {
            agency_id: i.agency_id,
            enterprise_id: i.enterprise_id,
            title: i.title,
            basis: i.basis,
            deadline: i.deadline,
            problems: i
                .problems
                .into_iter()
                .map(|p| ProblemRow {
                    source: p.source,
                    source_id: p.source_id,
                    description: p.description,
                })
                .collect(),
            issue: false,
            from_inspection: None,
        }
    }

    fn input(&self) -> RectificationInput {
        RectificationInput {
            agency_id: self.agency_id.clone(),
            enterprise_id: self.enterprise_id.clone(),
            title: self.title.clone(),
            basis: self.basis.clone(),
            deadline: self.deadline.clone(),
            problems: self
                .problems
                .iter()
                .map(|p| ProblemInput {
                    source: p.source.clone(),
                    source_id: p.source_id.clone(),
                    description: p.description.clone(),
                })
                .collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/rectification_new.html")]
pub struct NewPage {
    pub shell: Shell,
    pub form: OrderForm,
    /// (id, name) of the agencies and self-maintaining enterprises.
    pub agencies: Vec<(String, String)>,
    /// (id, name) of the enterprises in the regulator's scope.
    pub enterprises: Vec<(String, String)>,
    pub errors: BTreeMap<String, String>,
    /// Where the form posts.
    pub action: String,
    /// The record the order was started from, named above the form.
    pub from_record: Option<String>,
    /// It was started from a missed occurrence on 运维管理.
    pub from_occurrence: bool,
    /// The inspection whose findings it was started from.
    pub from_inspection: Option<String>,
}

impl NewPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn problem_error(&self, n: &usize, field: &str) -> Option<&str> {
        self.error(&format!("problems[{n}].{field}"))
    }

    pub fn source_label(&self, p: &ProblemRow) -> &'static str {
        ProblemSource::parse(&p.source)
            .unwrap_or(ProblemSource::Free)
            .label()
    }
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    mut form: OrderForm,
    errors: BTreeMap<String, String>,
    action: String,
) -> Result<NewPage, PageError> {
    let blanks = form
        .problems
        .iter()
        .filter(|p| p.description.trim().is_empty() && p.source_id.is_empty())
        .count();
    for _ in blanks..BLANK_PROBLEMS {
        form.problems.push(ProblemRow {
            source: ProblemSource::Free.as_str().to_string(),
            ..Default::default()
        });
    }
    let agencies = super::agency_choices(state, None)
        .await?
        .into_iter()
        .map(|(id, name, _)| (id, name))
        .collect();
    let enterprises = emss_db::repo::organization::list_by_kinds(
        &state.app.db().conn,
        &[OrgKind::Enterprise, OrgKind::SelfMaintainingEnterprise],
    )
    .await
    .map_err(emss_app::AppError::from)?
    .into_iter()
    .filter(|o| {
        actor.org_kind != OrgKind::DistrictRegulator || o.district_code == actor.district_code
    })
    .map(|o| (o.id, o.name))
    .collect();
    let from_record = form
        .problems
        .iter()
        .find(|p| p.source == ProblemSource::Record.as_str())
        .map(|p| p.source_id.clone());
    let from_occurrence = form
        .problems
        .iter()
        .any(|p| p.source == ProblemSource::Occurrence.as_str());
    let from_inspection = form.from_inspection.clone();
    let title = if action == "/rectifications" {
        "新增整改单"
    } else {
        "修改整改单"
    };
    Ok(NewPage {
        shell: Shell::portal(
            ctx,
            "page.rectifications.new",
            title,
            &["任务管理", "整改单管理", title],
        ),
        form,
        agencies,
        enterprises,
        errors,
        action,
        from_record,
        from_occurrence,
        from_inspection,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    /// Start from this record: its agency, enterprise and flags fill the form.
    pub record_id: Option<String>,
    /// Start from this missed occurrence (超期 on 运维管理).
    pub occurrence_id: Option<String>,
    /// Start from this inspection: one problem per finding.
    pub inspection_id: Option<String>,
}

pub async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<NewQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let record = q.record_id.as_deref().filter(|r| !r.is_empty());
    let occurrence = q.occurrence_id.as_deref().filter(|o| !o.is_empty());
    let inspection = q.inspection_id.as_deref().filter(|i| !i.is_empty());
    let form = match (record, occurrence, inspection) {
        (Some(record_id), _, _) => OrderForm::of_input(
            emss_app::rectifications::prefill_from_record(&state.app, actor, record_id).await?,
        ),
        (None, Some(occurrence_id), _) => OrderForm::of_input(
            emss_app::rectifications::prefill_from_occurrence(&state.app, actor, occurrence_id)
                .await?,
        ),
        (None, None, Some(inspection_id)) => OrderForm {
            from_inspection: Some(inspection_id.to_string()),
            ..OrderForm::of_input(
                emss_app::rectifications::prefill_from_inspection(&state.app, actor, inspection_id)
                    .await?,
            )
        },
        (None, None, None) => OrderForm {
            deadline: (emss_domain::time::shanghai_date(state.app.now())
                + chrono::Duration::days(15))
            .to_string(),
            ..Default::default()
        },
    };
    let page = new_page(
        &state,
        &ctx,
        actor,
        form,
        BTreeMap::new(),
        "/rectifications".into(),
    )
    .await?;
    Ok(render(&page))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = OrderForm::from_pairs(pairs);
    match emss_app::rectifications::create(&state.app, actor, form.input(), form.issue, None).await
    {
        Ok(o) => Ok(Redirect::to(&format!(
            "/rectifications/{}?done={}",
            o.id,
            if form.issue { "issued" } else { "saved" }
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = new_page(
                &state,
                &ctx,
                actor,
                form,
                e.fields,
                "/rectifications".into(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The issuing regulator saves its draft again, and may issue it.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = OrderForm::from_pairs(pairs);
    let saved = match emss_app::rectifications::update(&state.app, actor, &id, form.input()).await {
        Ok(_) if form.issue => emss_app::rectifications::issue(&state.app, actor, &id).await,
        other => other,
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!(
            "/rectifications/{id}?done={}",
            if form.issue { "issued" } else { "saved" }
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = new_page(
                &state,
                &ctx,
                actor,
                form,
                e.fields,
                format!("/rectifications/{id}"),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// The answer form as typed: `measures_{problem}` and `records_{problem}` per problem.
#[derive(Debug, Clone, Default)]
pub struct AnswerForm {
    pub summary: String,
    pub measures: BTreeMap<String, String>,
    pub records: BTreeMap<String, String>,
}

impl AnswerForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> AnswerForm {
        let mut f = AnswerForm::default();
        for (k, v) in pairs {
            if k == "summary" {
                f.summary = v;
            } else if let Some(id) = k.strip_prefix("measures_") {
                f.measures.insert(id.to_string(), v);
            } else if let Some(id) = k.strip_prefix("records_") {
                f.records.insert(id.to_string(), v);
            }
        }
        f
    }

    fn input(&self, detail: &RectificationDetail) -> ResponseInput {
        ResponseInput {
            summary: self.summary.clone(),
            problems: detail
                .problems
                .iter()
                .map(|p| ResponseProblem {
                    problem_id: p.id.clone(),
                    measures: self.measures.get(&p.id).cloned().unwrap_or_default(),
                    record_numbers: self
                        .records
                        .get(&p.id)
                        .map(|r| {
                            r.split([',', '，', '、', ' ', '\n'])
                                .map(str::trim)
                                .filter(|n| !n.is_empty())
                                .map(String::from)
                                .collect()
                        })
                        .unwrap_or_default(),
                })
                .collect(),
        }
    }

    pub fn measures_of(&self, id: &str) -> &str {
        self.measures
            .get(id)
            .map(String::as_str)
            .unwrap_or_default()
    }

    pub fn records_of(&self, id: &str) -> &str {
        self.records.get(id).map(String::as_str).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "portal/rectification_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub detail: RectificationDetail,
    pub may: Allowed,
    /// The order's state, for the steps bar.
    pub state: RectificationState,
    pub answer: AnswerForm,
    /// The decision comment as typed.
    pub comment: String,
    /// 延期申请 as typed: the deadline asked for, the reasons; and a refusal's reasons.
    pub extension: ExtensionForm,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
}

/// The extension forms as typed.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ExtensionForm {
    #[serde(default)]
    pub extension_deadline: String,
    #[serde(default)]
    pub extension_reason: String,
    #[serde(default)]
    pub extension_comment: String,
}

impl ShowPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn problem_error(&self, n: &usize, field: &str) -> Option<&str> {
        self.error(&format!("problems[{n}].{field}"))
    }

    pub fn at(&self, at: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        format_optional(*at)
    }

    pub fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        format_datetime(*at)
    }

    pub fn size(&self, bytes: &i64) -> String {
        size_label(*bytes)
    }
}

/// `1.2 MB`, `35 KB`.
pub fn size_label(bytes: i64) -> String {
    if bytes >= 1024 * 1024 {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    } else {
        format!("{} KB", (bytes + 1023) / 1024)
    }
}

/// What was typed on the order's page besides the answer: a decision's comment, an extension.
#[derive(Debug, Clone, Default)]
struct Typed {
    comment: String,
    extension: ExtensionForm,
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    answer: AnswerForm,
    typed: Typed,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::rectifications::detail(&state.app, actor, id).await?;
    let may = emss_app::rectifications::allowed(actor, &detail.order);
    let state_now =
        RectificationState::parse(&detail.order.state).unwrap_or(RectificationState::Draft);
    // A returned answer is typed again from what was sent.
    let answer = if answer.summary.is_empty() && answer.measures.is_empty() {
        AnswerForm {
            summary: detail.order.response.clone().unwrap_or_default(),
            measures: detail
                .problems
                .iter()
                .map(|p| (p.id.clone(), p.measures.clone().unwrap_or_default()))
                .collect(),
            records: detail
                .problems
                .iter()
                .map(|p| {
                    let numbers: Vec<&str> = p.records.iter().map(|r| r.number.as_str()).collect();
                    (p.id.clone(), numbers.join("，"))
                })
                .collect(),
        }
    } else {
        answer
    };
    Ok(ShowPage {
        shell: Shell::portal(
            ctx,
            "page.rectifications",
            "整改单详情",
            &["任务管理", "整改单管理", "整改单详情"],
        ),
        state: state_now,
        may,
        detail,
        answer,
        comment: typed.comment,
        extension: typed.extension,
        errors,
        notice,
    })
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    done.map(|d| match d {
        "saved" => "整改单草稿已保存",
        "issued" => "整改单已下发",
        "signed" => "已签收整改单，请按期整改并提交整改情况",
        "responded" => "整改情况已提交，等待监管部门审核",
        "accept" => "整改单已销号",
        "return" => "已退回整改情况",
        "attached" => "附件已上传",
        "extension_requested" => "延期申请已提交，等待监管部门审核",
        "grant" => "已同意延期，整改期限已更新",
        "refuse" => "已不同意延期",
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
        AnswerForm::default(),
        Typed::default(),
        BTreeMap::new(),
        notice_of(q.done.as_deref()),
    )
    .await?;
    Ok(render(&page))
}

/// A step's answer: back to the order with its notice, or the order again with the problems
/// next to their fields and what was typed kept.
async fn after<T>(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    done: Result<T, emss_app::AppError>,
    notice: &str,
    answer: AnswerForm,
    typed: Typed,
) -> Result<Response, PageError> {
    match done {
        Ok(_) => Ok(Redirect::to(&format!("/rectifications/{id}?done={notice}")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(state, ctx, id, answer, typed, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::rectifications::issue(&state.app, actor, &id).await;
    after(
        &state,
        &ctx,
        &id,
        done,
        "issued",
        AnswerForm::default(),
        Typed::default(),
    )
    .await
}

pub async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::rectifications::sign(&state.app, actor, &id).await;
    after(
        &state,
        &ctx,
        &id,
        done,
        "signed",
        AnswerForm::default(),
        Typed::default(),
    )
    .await
}

pub async fn respond(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = AnswerForm::from_pairs(pairs);
    let detail = emss_app::rectifications::detail(&state.app, actor, &id).await?;
    let done = emss_app::rectifications::respond(&state.app, actor, &id, form.input(&detail)).await;
    after(&state, &ctx, &id, done, "responded", form, Typed::default()).await
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    /// `accept` (销号) | `return` (退回).
    pub decision: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let accept = match form.decision.as_str() {
        "accept" => true,
        "return" => false,
        _ => return Err(emss_app::AppError::field("decision", "请选择销号或退回").into()),
    };
    let done =
        emss_app::rectifications::decide(&state.app, actor, &id, accept, &form.comment).await;
    let notice = if accept { "accept" } else { "return" };
    let typed = Typed {
        comment: form.comment,
        ..Typed::default()
    };
    after(
        &state,
        &ctx,
        &id,
        done,
        notice,
        AnswerForm::default(),
        typed,
    )
    .await
}

pub async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    // Who may not attach here is told so before the upload is read.
    emss_app::rectifications::may_upload(&state.app, actor, &id).await?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let file = files.into_iter().find(|f| f.kind == "file");
    match emss_app::rectifications::upload_attachment(&state.app, actor, &id, file).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/rectifications/{id}?done=attached#attachments"))
                .into_response(),
        ),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(
                &state,
                &ctx,
                &id,
                AnswerForm::default(),
                Typed::default(),
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
        emss_app::rectifications::attachment_file(&state.app, actor, &id, &attachment_id).await?;
    Ok(crate::api::download(&a.file_name, &a.content_type, bytes))
}

/// The extension form's problems under its own field names, so they stand next to its fields
/// and not the order's.
fn extension_fields(e: emss_app::AppError) -> emss_app::AppError {
    if e.code != ErrorCode::ValidationFailed {
        return e;
    }
    let fields = e
        .fields
        .into_iter()
        .map(|(k, v)| match k.as_str() {
            "deadline" | "reason" | "comment" => (format!("extension_{k}"), v),
            _ => (k, v),
        })
        .collect();
    emss_app::AppError::validation(fields)
}

/// 延期申请 from the order's page.
pub async fn request_extension(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<ExtensionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::rectifications::request_extension(
        &state.app,
        actor,
        &id,
        &form.extension_deadline,
        &form.extension_reason,
    )
    .await
    .map_err(extension_fields);
    let typed = Typed {
        extension: form,
        ..Typed::default()
    };
    after(
        &state,
        &ctx,
        &id,
        done,
        "extension_requested",
        AnswerForm::default(),
        typed,
    )
    .await
}

#[derive(Debug, Default, Deserialize)]
pub struct ExtensionDecisionForm {
    /// `grant` | `refuse`.
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub extension_comment: String,
}

/// The issuing regulator grants or refuses a waiting extension request.
pub async fn decide_extension(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, extension_id)): Path<(String, String)>,
    PageForm(form): PageForm<ExtensionDecisionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::rectifications::decide_extension(
        &state.app,
        actor,
        &id,
        &extension_id,
        &form.decision,
        &form.extension_comment,
    )
    .await
    .map_err(extension_fields);
    let typed = Typed {
        extension: ExtensionForm {
            extension_comment: form.extension_comment.clone(),
            ..ExtensionForm::default()
        },
        ..Typed::default()
    };
    let notice = if form.decision == "grant" {
        "grant"
    } else {
        "refuse"
    };
    after(
        &state,
        &ctx,
        &id,
        done,
        notice,
        AnswerForm::default(),
        typed,
    )
    .await
}

/// The issuing regulator edits its draft on this page.
pub async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::rectifications::detail(&state.app, actor, &id).await?;
    if !emss_app::rectifications::allowed(actor, &detail.order).edit {
        return Err(emss_app::AppError::field("state", "整改单已下发，不能再修改").into());
    }
    let o = &detail.order;
    let form = OrderForm {
        agency_id: o.agency_id.clone(),
        enterprise_id: o.enterprise_id.clone(),
        title: o.title.clone(),
        basis: o.basis.clone(),
        deadline: o.deadline.to_string(),
        problems: detail
            .problems
            .iter()
            .map(|p| ProblemRow {
                source: p.source.clone(),
                source_id: p.source_id.clone(),
                description: p.description.clone(),
            })
            .collect(),
        issue: false,
        from_inspection: None,
    };
    let page = new_page(
        &state,
        &ctx,
        actor,
        form,
        BTreeMap::new(),
        format!("/rectifications/{id}"),
    )
    .await?;
    Ok(render(&page))
}

#[derive(Template)]
#[template(path = "print/rectification.html")]
pub struct PrintPage {
    pub css: String,
    pub js: String,
    pub detail: RectificationDetail,
    pub issued: String,
}

/// The order on an A4 sheet: the issuing authority, the number, the problems and the deadline.
pub async fn print(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::rectifications::detail(&state.app, actor, &id).await?;
    Ok(render(&PrintPage {
        css: assets::href("app.css"),
        js: assets::href("app.js"),
        issued: detail
            .order
            .issued_at
            .map(|at| {
                emss_domain::time::shanghai_date(at)
                    .format("%Y年%-m月%-d日")
                    .to_string()
            })
            .unwrap_or_default(),
        detail,
    }))
}

#[derive(Template)]
#[template(path = "portal/rectification_suggestions.html")]
pub struct SuggestionsPage {
    pub shell: Shell,
    pub suggestions: Vec<emss_app::rectifications::suggestions::SuggestionView>,
    /// The suggestion whose dismissal was refused, with the reason as typed.
    pub refused: Option<(String, String)>,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
}

impl SuggestionsPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn typed_reason(&self, id: &str) -> &str {
        match &self.refused {
            Some((x, reason)) if x == id => reason,
            _ => "",
        }
    }

    pub fn refused_here(&self, id: &str) -> bool {
        self.refused.as_ref().is_some_and(|(x, _)| x == id)
    }

    pub fn when(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        format_datetime(*at)
    }
}

async fn suggestions_page(
    state: &AppState,
    ctx: &Ctx,
    refused: Option<(String, String)>,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
) -> Result<SuggestionsPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(SuggestionsPage {
        shell: Shell::portal(
            ctx,
            "page.rectifications.suggestions",
            "整改建议",
            &["任务管理", "整改单管理", "整改建议"],
        ),
        suggestions: emss_app::rectifications::suggestions::list(&state.app, actor).await?,
        refused,
        errors,
        notice,
    })
}

/// 整改建议: what EMSS proposes to the regulator, to make a draft of or dismiss.
pub async fn suggestions(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let notice = q.done.as_deref().map(|_| "已不采纳该整改建议，理由已保存");
    let page = suggestions_page(&state, &ctx, None, BTreeMap::new(), notice).await?;
    Ok(render(&page))
}

/// Makes a draft of a suggestion and opens it for editing.
pub async fn adopt_suggestion(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let order = emss_app::rectifications::suggestions::adopt(&state.app, actor, &id).await?;
    Ok(Redirect::to(&format!("/rectifications/{}/edit", order.id)).into_response())
}

#[derive(Debug, Default, Deserialize)]
pub struct DismissForm {
    #[serde(default)]
    pub reason: String,
}

/// Dismisses a suggestion with its reason.
pub async fn dismiss_suggestion(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<DismissForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::rectifications::suggestions::dismiss(&state.app, actor, &id, &form.reason).await
    {
        Ok(_) => Ok(Redirect::to("/rectifications/suggestions?done=dismissed").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page =
                suggestions_page(&state, &ctx, Some((id, form.reason)), e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
