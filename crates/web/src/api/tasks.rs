//! 运维任务 (maintenance tasks): the agency applies (draft, then submit), everyone in scope reads
//! them and their due occurrences (运维管理, 超期).

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use emss_app::AppError;
use emss_app::tasks::{
    OccurrenceQuery, OccurrenceView, PlanInput, PlanView, PointView, ReportInput, ReportView,
    TaskDetail, TaskInput, TaskView,
};
use emss_db::repo::task::TaskFilter;
use emss_domain::ErrorCode;
use emss_domain::task::{TaskState, Window};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanBody {
    /// 计划标题.
    pub title: String,
    /// `daily` | `weekly` | `monthly` | `quarterly` | `yearly` (计划执行频次).
    pub frequency: String,
    /// Form type codes (运维内容), of the task's type.
    pub form_types: Vec<String>,
    /// 执行时间; absent: the task's own days.
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskBody {
    /// A confirmed contract of nature `maintenance`.
    pub contract_id: String,
    /// 任务名称.
    pub name: String,
    /// 任务编号, unique within the agency.
    pub number: String,
    /// `wastewater` | `flue_gas`.
    pub kind: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// 运维点位: outlets of the contract's party A, of the task's type.
    pub outlet_ids: Vec<String>,
    /// 运维人员: filed staff of the agency who have not left.
    pub staff_ids: Vec<String>,
    /// 运维设备: the agency's filed equipment.
    #[serde(default)]
    pub equipment_ids: Vec<String>,
    pub plans: Vec<PlanBody>,
    /// 提交 (start the task) rather than 保存 (keep a draft).
    #[serde(default)]
    pub submit: bool,
}

impl From<&TaskBody> for TaskInput {
    fn from(b: &TaskBody) -> Self {
        let day = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        TaskInput {
            contract_id: b.contract_id.clone(),
            name: b.name.clone(),
            number: b.number.clone(),
            kind: b.kind.clone(),
            start_date: b.start_date.to_string(),
            end_date: b.end_date.to_string(),
            outlet_ids: b.outlet_ids.clone(),
            staff_ids: b.staff_ids.clone(),
            equipment_ids: b.equipment_ids.clone(),
            plans: b
                .plans
                .iter()
                .map(|p| PlanInput {
                    title: p.title.clone(),
                    frequency: p.frequency.clone(),
                    form_types: p.form_types.clone(),
                    start_date: day(p.start_date),
                    end_date: day(p.end_date),
                })
                .collect(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Task {
    pub id: String,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub contract_id: String,
    pub name: String,
    pub number: String,
    /// `wastewater` | `flue_gas`.
    pub kind: String,
    pub kind_label: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// `draft` | `in_progress` | `completed`, as it reads today.
    pub state: String,
    pub state_label: String,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

impl From<TaskView> for Task {
    fn from(v: TaskView) -> Self {
        Task {
            id: v.id,
            agency_id: v.agency_id,
            agency_name: v.agency_name,
            enterprise_id: v.enterprise_id,
            enterprise_name: v.enterprise_name,
            contract_id: v.contract_id,
            name: v.name,
            number: v.number,
            kind: v.kind,
            kind_label: v.kind_label,
            start_date: v.start_date,
            end_date: v.end_date,
            state: v.state,
            state_label: v.state_label,
            version: v.version,
            submitted_at: v.submitted_at,
            closed_at: v.closed_at,
        }
    }
}

/// 运维点位.
#[derive(Debug, Serialize, ToSchema)]
pub struct Point {
    pub outlet_id: String,
    pub name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
}

impl From<PointView> for Point {
    fn from(p: PointView) -> Self {
        Point {
            outlet_id: p.outlet_id,
            name: p.name,
            address: p.address,
            latitude: p.latitude,
            longitude: p.longitude,
        }
    }
}

/// 运维人员 (ID number masked).
#[derive(Debug, Serialize, ToSchema)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub gender_label: String,
    pub id_number: String,
    pub education: String,
    pub post: String,
    pub technician: bool,
    pub title: Option<String>,
    pub resigned: bool,
}

/// 运维设备.
#[derive(Debug, Serialize, ToSchema)]
pub struct Device {
    pub id: String,
    pub device_no: String,
    pub name: String,
    pub serial_no: String,
    pub model: String,
    pub description: String,
}

/// A form type a plan holds.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanForm {
    pub code: String,
    pub name: String,
}

/// 运维计划.
#[derive(Debug, Serialize, ToSchema)]
pub struct Plan {
    pub id: String,
    pub title: String,
    pub frequency: String,
    pub frequency_label: String,
    pub form_types: Vec<PlanForm>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

impl From<PlanView> for Plan {
    fn from(p: PlanView) -> Self {
        Plan {
            id: p.id,
            title: p.title,
            frequency: p.frequency,
            frequency_label: p.frequency_label,
            form_types: p
                .form_types
                .into_iter()
                .map(|(code, name)| PlanForm { code, name })
                .collect(),
            start_date: p.start_date,
            end_date: p.end_date,
        }
    }
}

/// 任务详情: the task with its points, personnel, equipment and plans.
#[derive(Debug, Serialize, ToSchema)]
pub struct TaskDetailBody {
    #[serde(flatten)]
    pub task: Task,
    pub contract_title: String,
    pub points: Vec<Point>,
    pub personnel: Vec<Person>,
    pub equipment: Vec<Device>,
    pub plans: Vec<Plan>,
}

impl From<TaskDetail> for TaskDetailBody {
    fn from(d: TaskDetail) -> Self {
        TaskDetailBody {
            task: d.task.into(),
            contract_title: d.contract_title,
            points: d.points.into_iter().map(Into::into).collect(),
            personnel: d
                .staff
                .into_iter()
                .map(|s| Person {
                    id: s.id,
                    name: s.name,
                    gender_label: s.gender_label,
                    id_number: s.id_number,
                    education: s.education,
                    post: s.post,
                    technician: s.technician,
                    title: s.title,
                    resigned: s.resigned,
                })
                .collect(),
            equipment: d
                .equipment
                .into_iter()
                .map(|e| Device {
                    id: e.id,
                    device_no: e.device_no,
                    name: e.name,
                    serial_no: e.serial_no,
                    model: e.model,
                    description: e.description,
                })
                .collect(),
            plans: d.plans.into_iter().map(Into::into).collect(),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct TaskQuery {
    /// `draft` | `in_progress` | `completed`.
    pub state: Option<String>,
    /// Part of the task's name or number.
    pub keyword: Option<String>,
    pub contract_id: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TaskPage {
    pub items: Vec<Task>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// Checks the filter values, so a typo is reported rather than silently matching nothing.
pub(crate) fn filter_of(q: &TaskQuery) -> Result<TaskFilter, ApiError> {
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let state = pick(&q.state);
    if state
        .as_deref()
        .is_some_and(|s| TaskState::parse(s).is_none())
    {
        return Err(AppError::field("state", "任务状态不正确").into());
    }
    Ok(TaskFilter {
        state,
        keyword: emss_db::repo::keyword(q.keyword.as_deref()),
        contract_id: pick(&q.contract_id),
        pending_change: false,
    })
}

/// Tasks in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks", summary = "运维任务列表",
    params(TaskQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = TaskPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<TaskQuery>,
) -> Result<Json<TaskPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let filter = filter_of(&q)?;
    let page = emss_app::tasks::list(
        &state.app,
        actor,
        filter,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(TaskPage {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// 运维任务申请: saves a draft, or starts the task at once with `submit`.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", summary = "运维任务申请",
    request_body = TaskBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Task), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<TaskBody>,
) -> Result<(StatusCode, Json<Task>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::tasks::create(&state.app, actor, (&body).into(), body.submit).await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// 任务详情 with points, personnel, equipment and plans.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", summary = "任务详情",
    params(("id" = String, Path, description = "任务 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = TaskDetailBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<TaskDetailBody>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let detail = emss_app::tasks::detail(&state.app, actor, &id).await?;
    Ok(Json(detail.into()))
}

/// Saves a draft again (and submits it with `submit`); a running task is changed only through a
/// change request.
#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "tasks", summary = "修改任务草稿",
    params(("id" = String, Path, description = "任务 id")), request_body = TaskBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Task), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TaskBody>,
) -> Result<Json<Task>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::tasks::update(&state.app, actor, &id, (&body).into(), body.submit).await?;
    Ok(Json(done.into()))
}

/// 提交 a saved draft: checked again as things now stand, then its occurrences are written.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/submit", tag = "tasks", summary = "提交任务",
    params(("id" = String, Path, description = "任务 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Task), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::tasks::submit(&state.app, actor, &id).await?;
    Ok(Json(done.into()))
}

/// 结束任务: closes a running task; occurrences after today are dropped.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/close", tag = "tasks", summary = "结束任务",
    params(("id" = String, Path, description = "任务 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Task), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Task>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::tasks::close(&state.app, actor, &id).await?;
    Ok(Json(done.into()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OccurrenceParams {
    /// `week` (本周) | `month` (本月) | `all` (全部, the default) | `overdue` (超期).
    pub window: Option<String>,
    /// Only this task's (on `/api/v1/occurrences`).
    pub task_id: Option<String>,
    /// Only this plan's.
    pub plan_id: Option<String>,
    /// Periods touching these days.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// One due occurrence (point × form type × period) and its record.
#[derive(Debug, Serialize, ToSchema)]
pub struct Occurrence {
    pub id: String,
    pub task_id: String,
    pub task_name: String,
    pub task_number: String,
    pub agency_name: String,
    pub enterprise_name: String,
    pub plan_id: String,
    pub plan_title: String,
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub outlet_id: String,
    pub outlet_name: String,
    pub form_type: String,
    pub form_name: String,
    /// `done` | `due` | `overdue` (超期).
    pub state: String,
    pub state_label: String,
    /// The submitted, not voided record that fulfils it.
    pub record_id: Option<String>,
    /// What that record says of the visit (运维时间, 运维人员, 运维设备, 上传附件, 运维描述).
    pub visit: Option<emss_app::tasks::Visit>,
}

impl From<OccurrenceView> for Occurrence {
    fn from(o: OccurrenceView) -> Self {
        Occurrence {
            id: o.id,
            task_id: o.task_id,
            task_name: o.task_name,
            task_number: o.task_number,
            agency_name: o.agency_name,
            enterprise_name: o.enterprise_name,
            plan_id: o.plan_id,
            plan_title: o.plan_title,
            period_start: o.period_start,
            period_end: o.period_end,
            outlet_id: o.outlet_id,
            outlet_name: o.outlet_name,
            form_type: o.form_type,
            form_name: o.form_name,
            state: o.state,
            state_label: o.state_label,
            record_id: o.record_id,
            visit: o.visit,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrencePage {
    pub items: Vec<Occurrence>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

pub(crate) fn window_of(raw: Option<&str>) -> Result<Window, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Window::All),
        Some(w) => Window::parse(w).ok_or_else(|| {
            AppError::field("window", "时间范围只能是 week、month、all 或 overdue").into()
        }),
    }
}

async fn occurrence_page(
    state: &AppState,
    ctx: &Ctx,
    task_id: Option<String>,
    q: OccurrenceParams,
) -> Result<Json<OccurrencePage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let query = OccurrenceQuery {
        window: window_of(q.window.as_deref())?,
        task_id,
        plan_id: q.plan_id.filter(|p| !p.trim().is_empty()),
        from: q.from,
        to: q.to,
        narrow: Default::default(),
    };
    let page = emss_app::tasks::occurrences(
        &state.app,
        actor,
        query,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(OccurrencePage {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// 运维管理 of one task: its due occurrences and their records.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/occurrences", tag = "tasks", summary = "任务的运维计划执行情况",
    params(("id" = String, Path, description = "任务 id"), OccurrenceParams),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = OccurrencePage), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn task_occurrences(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<OccurrenceParams>,
) -> Result<Json<OccurrencePage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    // The task must be in scope: 404 like any other object the caller may not see.
    emss_app::tasks::visible(&state.app, actor, &id).await?;
    occurrence_page(&state, &ctx, Some(id), q).await
}

/// 运维管理 across every task in scope; `window=overdue` is the regulators' 超期 list.
#[utoipa::path(get, path = "/api/v1/occurrences", tag = "tasks", summary = "运维管理（全部任务）",
    params(OccurrenceParams), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = OccurrencePage), (status = 422, body = ErrorBody)))]
pub async fn occurrences(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<OccurrenceParams>,
) -> Result<Json<OccurrencePage>, ApiError> {
    let task_id = q.task_id.clone().filter(|t| !t.trim().is_empty());
    occurrence_page(&state, &ctx, task_id, q).await
}

/// A report uploaded for a task (上传报告).
#[derive(Debug, Serialize, ToSchema)]
pub struct Report {
    pub id: String,
    pub task_id: String,
    pub name: String,
    /// `monthly` | `quarterly` | `annual` | `comparison` | `repair` | `other`.
    pub category: String,
    pub category_label: String,
    pub description: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    /// 关联表单: the task's records it covers.
    pub record_ids: Vec<String>,
    pub uploaded_at: DateTime<Utc>,
}

impl From<ReportView> for Report {
    fn from(r: ReportView) -> Self {
        Report {
            id: r.id,
            task_id: r.task_id,
            name: r.name,
            category: r.category,
            category_label: r.category_label,
            description: r.description,
            file_name: r.file_name,
            content_type: r.content_type,
            size: r.size,
            record_ids: r.record_ids,
            uploaded_at: r.uploaded_at,
        }
    }
}

/// A report, as `multipart/form-data`. Only describes the body in the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ReportForm {
    /// 上传报告名称.
    name: String,
    /// `monthly` | `quarterly` | `annual` | `comparison` | `repair` | `other`.
    category: String,
    description: Option<String>,
    /// Repeated: ids of the task's records the report covers.
    record_ids: Option<Vec<String>>,
    /// PDF, Word (docx), Excel (xlsx), JPG or PNG, at most 10 MB; macro-enabled files are refused.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// The report fields of a multipart form, and its file.
pub(crate) fn report_input(
    fields: Vec<(String, String)>,
    files: Vec<emss_app::filing::Upload>,
) -> (ReportInput, Option<emss_app::filing::Upload>) {
    let mut input = ReportInput::default();
    for (k, v) in fields {
        match k.as_str() {
            "name" => input.name = v,
            "category" => input.category = v,
            "description" => input.description = v,
            "record_ids" => input.record_ids.push(v),
            _ => {}
        }
    }
    (input, files.into_iter().find(|f| f.kind == "file"))
}

/// 上传报告 for a running or finished task of the caller's agency.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/reports", tag = "tasks", summary = "上传报告",
    params(("id" = String, Path, description = "任务 id")),
    request_body(content = ReportForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Report), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn upload_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<(StatusCode, Json<Report>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (fields, files) = crate::upload::form(req, &state).await?;
    let (input, file) = report_input(fields, files);
    let done = emss_app::tasks::upload_report(&state.app, actor, &id, input, file).await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// A task's reports, newest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/reports", tag = "tasks", summary = "报告清单",
    params(("id" = String, Path, description = "任务 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<Report>), (status = 404, body = ErrorBody)))]
pub async fn reports(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<Report>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let list = emss_app::tasks::reports(&state.app, actor, &id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// The file of a report.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/reports/{report_id}/file", tag = "tasks", summary = "下载报告",
    params(("id" = String, Path, description = "任务 id"), ("report_id" = String, Path, description = "报告 id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn report_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, report_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (r, bytes) = emss_app::tasks::report_file(&state.app, actor, &id, &report_id).await?;
    Ok(super::download(&r.file_name, &r.content_type, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskChangeBody {
    /// The whole task as it should read from now on (contract, number, type and start date
    /// unchanged; `submit` is ignored).
    pub task: TaskBody,
    /// 变更原因.
    pub reason: String,
}

/// Proposes a change to a running task; party A approves or rejects it.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/changes", tag = "tasks", summary = "提交任务变更申请",
    params(("id" = String, Path, description = "任务 id")), request_body = TaskChangeBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = super::filing_changes::ChangeRequest), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<TaskChangeBody>,
) -> Result<(StatusCode, Json<super::filing_changes::ChangeRequest>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::tasks::request_change(&state.app, actor, &id, (&body.task).into(), &body.reason)
            .await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// The change requests of a task, newest first.
#[utoipa::path(get, path = "/api/v1/tasks/{id}/changes", tag = "tasks", summary = "任务变更申请",
    params(("id" = String, Path, description = "任务 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<super::filing_changes::ChangeRequest>), (status = 404, body = ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<super::filing_changes::ChangeRequest>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let list = emss_app::tasks::changes_of(&state.app, actor, &id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Party A approves (the task reads as proposed from today) or rejects.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/changes/{change_id}/decision", tag = "tasks",
    summary = "甲方审核任务变更申请",
    params(("id" = String, Path, description = "任务 id"), ("change_id" = String, Path, description = "变更申请编号")),
    request_body = super::filing_changes::DecisionRequest, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = super::filing_changes::ChangeRequest), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, change_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<super::filing_changes::DecisionRequest>,
) -> Result<Json<super::filing_changes::ChangeRequest>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let approve = emss_app::filing_change::approves(&body.decision)?;
    let done = emss_app::tasks::decide_change(
        &state.app,
        actor,
        &id,
        &change_id,
        approve,
        body.comment.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(done.into()))
}
