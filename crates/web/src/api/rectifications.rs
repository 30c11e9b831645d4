//! 整改单 (rectification orders): regulators draft, issue, accept (销号) or return them; the
//! addressed agency signs for them (签收) and answers (提交整改); the enterprise reads those about
//! its outlets.

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
use emss_app::rectifications::suggestions::{self, SuggestionView};
use emss_app::rectifications::{
    ExtensionView, OrderAttachmentView, ProblemInput, RectificationDetail, RectificationInput,
    RectificationView, ResponseInput, ResponseProblem,
};
use emss_db::repo::rectification::RectificationFilter;
use emss_domain::ErrorCode;
use emss_domain::rectification::RectificationState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProblemBody {
    /// `record` (a maintenance record), `occurrence` (a missed period), `finding` (an
    /// inspection finding): give `source_id`; or `free`.
    pub source: String,
    /// The record's, occurrence's or finding's id.
    #[serde(default)]
    pub source_id: String,
    pub description: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RectificationBody {
    /// The agency or self-maintaining enterprise addressed.
    pub agency_id: String,
    /// The enterprise concerned (抄送); may be left out for a self-maintaining enterprise.
    #[serde(default)]
    pub enterprise_id: String,
    pub title: String,
    /// 整改依据.
    pub basis: String,
    /// 整改期限, inclusive; today or later.
    pub deadline: NaiveDate,
    pub problems: Vec<ProblemBody>,
    /// 下发 at once rather than keep a draft.
    #[serde(default)]
    pub issue: bool,
}

impl From<&RectificationBody> for RectificationInput {
    fn from(b: &RectificationBody) -> Self {
        RectificationInput {
            agency_id: b.agency_id.clone(),
            enterprise_id: b.enterprise_id.clone(),
            title: b.title.clone(),
            basis: b.basis.clone(),
            deadline: b.deadline.to_string(),
            problems: b
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

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RectificationQuery {
    /// `draft` | `issued` | `in_progress` | `submitted` | `closed`.
    pub state: Option<String>,
    /// Only those waiting for the answer past their deadline (逾期).
    pub overdue: Option<bool>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    /// Part of the number or title.
    pub keyword: Option<String>,
    /// Deadline on or after this day.
    pub deadline_from: Option<NaiveDate>,
    /// Deadline on or before this day.
    pub deadline_to: Option<NaiveDate>,
    /// Issued (下发) on or after this day (Shanghai).
    pub issued_from: Option<NaiveDate>,
    /// Issued on or before this day (Shanghai).
    pub issued_to: Option<NaiveDate>,
    /// Only those with an extension request waiting (延期申请).
    pub extension_pending: Option<bool>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RectificationPage {
    pub items: Vec<RectificationView>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

fn filter_of(q: &RectificationQuery) -> Result<RectificationFilter, ApiError> {
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let state = pick(&q.state);
    if state
        .as_deref()
        .is_some_and(|s| RectificationState::parse(s).is_none())
    {
        return Err(AppError::field("state", "整改单状态不正确").into());
    }
    Ok(RectificationFilter {
        state,
        overdue: q.overdue.unwrap_or(false),
        agency_id: pick(&q.agency_id),
        enterprise_id: pick(&q.enterprise_id),
        keyword: emss_db::repo::keyword(q.keyword.as_deref()),
        deadline_from: q.deadline_from,
        deadline_to: q.deadline_to,
        issued_from: q.issued_from,
        issued_to: q.issued_to,
        extension_pending: q.extension_pending.unwrap_or(false),
        ..Default::default()
    })
}

/// Orders in the caller's scope: open ones by their deadline, then the newest.
#[utoipa::path(get, path = "/api/v1/rectifications", tag = "rectifications", summary = "整改单列表",
    params(RectificationQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<RectificationQuery>,
) -> Result<Json<RectificationPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let filter = filter_of(&q)?;
    let page = emss_app::rectifications::list(
        &state.app,
        actor,
        filter,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(RectificationPage {
        items: page.items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// Drafts an order to an agency, or issues it at once with `issue`.
#[utoipa::path(post, path = "/api/v1/rectifications", tag = "rectifications", summary = "新建整改单",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body = RectificationBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = RectificationView), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<RectificationBody>,
) -> Result<(StatusCode, Json<RectificationView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let keyed = keyed("api.rectifications.create", &headers);
    let done = emss_app::rectifications::create(
        &state.app,
        actor,
        (&body).into(),
        body.issue,
        keyed.as_ref(),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// 整改单详情 with its problems, files and trail (查看留痕).
#[utoipa::path(get, path = "/api/v1/rectifications/{id}", tag = "rectifications", summary = "整改单详情",
    params(("id" = String, Path, description = "整改单 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<RectificationDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::rectifications::detail(&state.app, actor, &id).await?,
    ))
}

/// Saves a draft again (the issuing regulator's, before it is issued).
#[utoipa::path(put, path = "/api/v1/rectifications/{id}", tag = "rectifications", summary = "修改整改单草稿",
    params(("id" = String, Path, description = "整改单 id")), request_body = RectificationBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RectificationBody>,
) -> Result<Json<RectificationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let mut done = emss_app::rectifications::update(&state.app, actor, &id, (&body).into()).await?;
    if body.issue {
        done = emss_app::rectifications::issue(&state.app, actor, &id).await?;
    }
    Ok(Json(done))
}

/// 下发: the draft gets its number (per authority and year) and goes to the agency.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/issue", tag = "rectifications", summary = "下发整改单",
    params(("id" = String, Path, description = "整改单 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn issue(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<RectificationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::rectifications::issue(&state.app, actor, &id).await?,
    ))
}

/// 签收: the agency's main account or a task manager signs for an issued order (opening the
/// order is not receipt).
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/sign", tag = "rectifications", summary = "签收整改单",
    params(("id" = String, Path, description = "整改单 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sign(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<RectificationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::rectifications::sign(&state.app, actor, &id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseProblemBody {
    pub problem_id: String,
    /// 整改措施.
    pub measures: String,
    /// 运维编号 of the agency's submitted records that show the work (e.g. the recalibration).
    #[serde(default)]
    pub record_numbers: Vec<String>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseBody {
    /// 整改情况.
    pub summary: String,
    /// One answer per problem of the order. Photos and documents are uploaded to
    /// `/api/v1/rectifications/{id}/attachments` before.
    pub problems: Vec<ResponseProblemBody>,
}

/// 提交整改: what was done per problem; a late answer is taken and carries its days late.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/response", tag = "rectifications", summary = "提交整改情况",
    params(("id" = String, Path, description = "整改单 id")), request_body = ResponseBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn respond(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResponseBody>,
) -> Result<Json<RectificationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = ResponseInput {
        summary: body.summary,
        problems: body
            .problems
            .into_iter()
            .map(|p| ResponseProblem {
                problem_id: p.problem_id,
                measures: p.measures,
                record_numbers: p.record_numbers,
            })
            .collect(),
    };
    Ok(Json(
        emss_app::rectifications::respond(&state.app, actor, &id, input).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// 销号意见 (optional) or 退回原因 (required).
    #[serde(default)]
    pub comment: String,
}

/// 销号: the issuing regulator accepts the answer.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/accept", tag = "rectifications", summary = "整改单销号",
    params(("id" = String, Path, description = "整改单 id")), request_body = DecisionBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn accept(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RectificationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::rectifications::decide(&state.app, actor, &id, true, &body.comment).await?,
    ))
}

/// 退回: the issuing regulator sends the answer back with reasons; the order is 整改中 again.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/return", tag = "rectifications", summary = "退回整改情况",
    params(("id" = String, Path, description = "整改单 id")), request_body = DecisionBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn return_answer(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<RectificationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::rectifications::decide(&state.app, actor, &id, false, &body.comment).await?,
    ))
}

/// Attaches a photo or document (multipart field `file`): the issuing regulator to its draft,
/// the agency to its answer while the order is 整改中.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/attachments", tag = "rectifications",
    summary = "上传整改单附件",
    params(("id" = String, Path, description = "整改单 id")),
    request_body(content_type = "multipart/form-data", description = "field `file`: PDF, docx, xlsx, JPG or PNG, at most 10 MB"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = OrderAttachmentView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<(StatusCode, Json<OrderAttachmentView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    // Who may not attach here is told so before the upload is read.
    emss_app::rectifications::may_upload(&state.app, actor, &id).await?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let file = files.into_iter().find(|f| f.kind == "file");
    let done = emss_app::rectifications::upload_attachment(&state.app, actor, &id, file).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Downloads a file of an order.
#[utoipa::path(get, path = "/api/v1/rectifications/{id}/attachments/{attachment_id}", tag = "rectifications",
    summary = "下载整改单附件",
    params(("id" = String, Path, description = "整改单 id"), ("attachment_id" = String, Path, description = "附件 id")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (a, bytes) =
        emss_app::rectifications::attachment_file(&state.app, actor, &id, &attachment_id).await?;
    Ok(super::download(&a.file_name, &a.content_type, bytes))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionBody {
    /// 延期后的期限: later than the order's deadline, not past, within a year of it.
    pub deadline: NaiveDate,
    /// 延期理由.
    pub reason: String,
}

/// 延期申请: the agency asks for a later deadline while the order waits for its answer; one
/// request waits at a time.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/extensions", tag = "rectifications",
    summary = "申请延期",
    params(("id" = String, Path, description = "整改单 id")), request_body = ExtensionBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = ExtensionView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_extension(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ExtensionBody>,
) -> Result<(StatusCode, Json<ExtensionView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::rectifications::request_extension(
        &state.app,
        actor,
        &id,
        &body.deadline.to_string(),
        &body.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtensionDecisionBody {
    /// `grant` (the deadline moves) | `refuse`.
    pub decision: String,
    /// Required to refuse.
    #[serde(default)]
    pub comment: String,
}

/// The issuing regulator grants or refuses a waiting extension request.
#[utoipa::path(post, path = "/api/v1/rectifications/{id}/extensions/{extension_id}/decision",
    tag = "rectifications", summary = "审核延期申请",
    params(("id" = String, Path, description = "整改单 id"), ("extension_id" = String, Path, description = "延期申请 id")),
    request_body = ExtensionDecisionBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide_extension(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, extension_id)): Path<(String, String)>,
    ApiJson(body): ApiJson<ExtensionDecisionBody>,
) -> Result<Json<RectificationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::rectifications::decide_extension(
            &state.app,
            actor,
            &id,
            &extension_id,
            &body.decision,
            &body.comment,
        )
        .await?,
    ))
}

/// 整改建议 waiting for the regulator: orders EMSS proposes from weeks missed, overdue
/// follow-ups and repeated flags, newest first.
#[utoipa::path(get, path = "/api/v1/rectifications/suggestions", tag = "rectifications",
    summary = "整改建议", security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<SuggestionView>)))]
pub async fn suggestions(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<SuggestionView>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(suggestions::list(&state.app, actor).await?))
}

/// Makes a draft order of a suggestion, to edit and issue as any order.
#[utoipa::path(post, path = "/api/v1/rectifications/suggestions/{id}/adopt", tag = "rectifications",
    summary = "采纳整改建议",
    params(("id" = String, Path, description = "整改建议 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = RectificationView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn adopt_suggestion(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<RectificationView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let order = suggestions::adopt(&state.app, actor, &id).await?;
    Ok((StatusCode::CREATED, Json(order)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DismissBody {
    /// 不采纳的理由, kept with the suggestion.
    pub reason: String,
}

/// Dismisses a suggestion with a reason; its evidence is not proposed again.
#[utoipa::path(post, path = "/api/v1/rectifications/suggestions/{id}/dismiss", tag = "rectifications",
    summary = "不采纳整改建议",
    params(("id" = String, Path, description = "整改建议 id")), request_body = DismissBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SuggestionView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn dismiss_suggestion(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DismissBody>,
) -> Result<Json<SuggestionView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        suggestions::dismiss(&state.app, actor, &id, &body.reason).await?,
    ))
}
