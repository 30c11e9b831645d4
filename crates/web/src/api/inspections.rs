//! 监督检查 (supervisory inspections): regulators plan or record inspections of an agency's work
//! at an outlet, with checklist, comparison results judged by the server and findings; the
//! inspected agency and enterprise read recorded ones.

use super::{ApiJson, ApiQuery, keyed};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::NaiveDate;
use emss_app::AppError;
use emss_app::inspections::{
    ChecklistInput, ComparisonInput, FindingInput, FindingView, InspectionAttachmentView,
    InspectionDetail, InspectionInput, InspectionView, ResultsInput,
};
use emss_db::repo::inspection::InspectionFilter;
use emss_domain::ErrorCode;
use emss_domain::inspection::{InspectionKind, InspectionState};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChecklistAnswerBody {
    /// The checklist item's id.
    pub id: String,
    /// `conform` | `non_conform` (explain in `note`) | `not_applicable`.
    pub answer: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComparisonBody {
    /// An instrument of the inspected outlet.
    pub instrument_id: String,
    /// A comparison item of the outlet kind (`cod`, `nh3n`, `so2` …: GET /api/v1/forms/… limits).
    pub limit_id: String,
    /// 参比值 (the regulator's monitoring), as a decimal.
    pub reference: String,
    /// 在线值 at the same time, as a decimal.
    pub measured: String,
    /// The readings' unit; empty: the instrument's.
    #[serde(default)]
    pub unit: String,
    /// 采样时间 on the inspection day (RFC 3339, or `YYYY-MM-DDTHH:MM` Shanghai).
    pub sampled_at: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindingBody {
    /// `record` | `occurrence` | `instrument` | `staff` | `equipment` | `other`.
    pub subject: String,
    /// The id of what it is about (not for `other`).
    #[serde(default)]
    pub subject_id: String,
    /// `minor` | `major` | `serious`.
    pub severity: String,
    pub description: String,
}

impl From<&FindingBody> for FindingInput {
    fn from(f: &FindingBody) -> Self {
        FindingInput {
            subject: f.subject.clone(),
            subject_id: f.subject_id.clone(),
            severity: f.severity.clone(),
            description: f.description.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResultsBody {
    /// An answer for every item of the kind's checklist.
    #[serde(default)]
    pub checklist: Vec<ChecklistAnswerBody>,
    /// 比对抽测 only: at least one.
    #[serde(default)]
    pub comparisons: Vec<ComparisonBody>,
    #[serde(default)]
    pub findings: Vec<FindingBody>,
    /// 检查情况.
    #[serde(default)]
    pub summary: String,
}

impl From<&ResultsBody> for ResultsInput {
    fn from(b: &ResultsBody) -> Self {
        ResultsInput {
            checklist: b
                .checklist
                .iter()
                .map(|c| ChecklistInput {
                    id: c.id.clone(),
                    answer: c.answer.clone(),
                    note: c.note.clone(),
                })
                .collect(),
            comparisons: b
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
            findings: b.findings.iter().map(FindingInput::from).collect(),
            summary: b.summary.clone(),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectionBody {
    /// `on_site` (现场检查) | `comparison` (比对抽测) | `document` (资料检查).
    pub kind: String,
    /// 检查日期: today or later when planned, today or earlier when recorded.
    pub inspected_on: NaiveDate,
    /// The maintenance task inspected (in the regulator's scope).
    pub task_id: String,
    /// One of the task's outlets.
    pub outlet_id: String,
    /// The regulator's own accounts.
    pub inspector_ids: Vec<String>,
    /// Started from: `record` | `occurrence` | `fault_period` (with `origin_id`).
    #[serde(default)]
    pub origin: String,
    #[serde(default)]
    pub origin_id: String,
    /// Planned in advance (计划): no results yet, unseen by the inspected.
    #[serde(default)]
    pub planned: bool,
    /// What was found, when recorded.
    #[serde(default)]
    pub results: ResultsBody,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InspectionQuery {
    /// `planned` | `done`.
    pub state: Option<String>,
    /// `on_site` | `comparison` | `document`.
    pub kind: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    /// Inspected on or after this day.
    pub from: Option<NaiveDate>,
    /// Inspected on or before this day.
    pub to: Option<NaiveDate>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InspectionPage {
    pub items: Vec<InspectionView>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

fn filter_of(q: &InspectionQuery) -> Result<InspectionFilter, ApiError> {
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let state = pick(&q.state);
    if state
        .as_deref()
        .is_some_and(|s| InspectionState::parse(s).is_none())
    {
        return Err(AppError::field("state", "检查状态不正确").into());
    }
    let kind = pick(&q.kind);
    if kind
        .as_deref()
        .is_some_and(|s| InspectionKind::parse(s).is_none())
    {
        return Err(AppError::field("kind", "检查类型不正确").into());
    }
    Ok(InspectionFilter {
        state,
        kind,
        agency_id: pick(&q.agency_id),
        enterprise_id: pick(&q.enterprise_id),
        from: q.from,
        to: q.to,
        ..Default::default()
    })
}

/// Inspections in the caller's scope, the latest day first.
#[utoipa::path(get, path = "/api/v1/inspections", tag = "inspections", summary = "监督检查列表",
    params(InspectionQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = InspectionPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<InspectionQuery>,
) -> Result<Json<InspectionPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let filter = filter_of(&q)?;
    let page = emss_app::inspections::list(
        &state.app,
        actor,
        filter,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(InspectionPage {
        items: page.items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// Plans an inspection, or records one held with its results (a failed comparison becomes a
/// finding by itself).
#[utoipa::path(post, path = "/api/v1/inspections", tag = "inspections", summary = "登记监督检查",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body = InspectionBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = InspectionView), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<InspectionBody>,
) -> Result<(StatusCode, Json<InspectionView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let keyed = keyed("api.inspections.create", &headers);
    let input = InspectionInput {
        kind: body.kind.clone(),
        inspected_on: body.inspected_on.to_string(),
        task_id: body.task_id.clone(),
        outlet_id: body.outlet_id.clone(),
        inspector_ids: body.inspector_ids.clone(),
        origin: body.origin.clone(),
        origin_id: body.origin_id.clone(),
        planned: body.planned,
        results: (&body.results).into(),
    };
    let done = emss_app::inspections::create(&state.app, actor, input, keyed.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// 检查详情: checklist, comparison results with their verdicts, findings, files, the orders
/// issued from it and its trail.
#[utoipa::path(get, path = "/api/v1/inspections/{id}", tag = "inspections", summary = "监督检查详情",
    params(("id" = String, Path, description = "检查 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = InspectionDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<InspectionDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::inspections::detail(&state.app, actor, &id).await?,
    ))
}

/// Records the results of a planned inspection, on or after its day.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/results", tag = "inspections", summary = "记录检查结果",
    params(("id" = String, Path, description = "检查 id")), request_body = ResultsBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = InspectionView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn complete(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResultsBody>,
) -> Result<Json<InspectionView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::inspections::complete(&state.app, actor, &id, (&body).into()).await?,
    ))
}

/// Adds a finding to a recorded inspection.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/findings", tag = "inspections", summary = "添加检查发现",
    params(("id" = String, Path, description = "检查 id")), request_body = FindingBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = FindingView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_finding(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<FindingBody>,
) -> Result<(StatusCode, Json<FindingView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::inspections::add_finding(&state.app, actor, &id, (&body).into()).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Attaches a photo or document (multipart field `file`) to the regulator's own inspection.
#[utoipa::path(post, path = "/api/v1/inspections/{id}/attachments", tag = "inspections",
    summary = "上传检查附件",
    params(("id" = String, Path, description = "检查 id")),
    request_body(content_type = "multipart/form-data", description = "field `file`: PDF, docx, xlsx, JPG or PNG, at most 10 MB"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = InspectionAttachmentView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<(StatusCode, Json<InspectionAttachmentView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::inspections::may_upload(&state.app, actor, &id).await?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let file = files.into_iter().find(|f| f.kind == "file");
    let done = emss_app::inspections::upload_attachment(&state.app, actor, &id, file).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Downloads a file of an inspection.
#[utoipa::path(get, path = "/api/v1/inspections/{id}/attachments/{attachment_id}", tag = "inspections",
    summary = "下载检查附件",
    params(("id" = String, Path, description = "检查 id"), ("attachment_id" = String, Path, description = "附件 id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (a, bytes) =
        emss_app::inspections::attachment_file(&state.app, actor, &id, &attachment_id).await?;
    Ok(super::download(&a.file_name, &a.content_type, bytes))
}
