//! Contracts (合同): the agency drafts and submits, party A confirms or sends back, regulators
//! read those of enterprises in their scope.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use emss_app::contracts::{
    ContractAttachmentView, ContractInput, ContractVersionView, ContractView,
};
use emss_db::repo::contract::ContractFilter;
use emss_domain::ErrorCode;
use emss_domain::contract::{ContractAction, ContractState};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractBody {
    /// Party A (甲方): an enterprise's id.
    pub enterprise_id: String,
    pub title: String,
    /// `testing` (监测) | `maintenance` (运维).
    pub nature: String,
    /// Yuan as a string, at most two decimals (`"12800.50"`), exact.
    pub amount: String,
    pub performance_start: NaiveDate,
    pub performance_end: NaiveDate,
    /// On creation: submit to party A at once (default: keep a draft).
    #[serde(default)]
    pub submit: bool,
}

impl From<&ContractBody> for ContractInput {
    fn from(b: &ContractBody) -> Self {
        ContractInput {
            enterprise_id: b.enterprise_id.clone(),
            title: b.title.clone(),
            nature: b.nature.clone(),
            amount: b.amount.clone(),
            performance_start: b.performance_start.to_string(),
            performance_end: b.performance_end.to_string(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Contract {
    pub id: String,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub title: String,
    pub nature: String,
    pub nature_label: String,
    /// Yuan with two decimals.
    pub amount: String,
    pub performance_start: NaiveDate,
    pub performance_end: NaiveDate,
    /// `draft` | `submitted` | `approved` | `rejected`.
    pub state: String,
    pub state_label: String,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
}

impl From<ContractView> for Contract {
    fn from(v: ContractView) -> Self {
        Contract {
            id: v.id,
            agency_id: v.agency_id,
            agency_name: v.agency_name,
            enterprise_id: v.enterprise_id,
            enterprise_name: v.enterprise_name,
            title: v.title,
            nature: v.nature,
            nature_label: v.nature_label,
            amount: v.amount,
            performance_start: v.performance_start,
            performance_end: v.performance_end,
            state: v.state,
            state_label: v.state_label,
            reject_reason: v.reject_reason,
            version: v.version,
            submitted_at: v.submitted_at,
            decided_at: v.decided_at,
        }
    }
}

/// One version of the trail (查看留痕).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractVersion {
    pub version: i32,
    pub at: DateTime<Utc>,
    pub actor_id: Option<String>,
    pub event: String,
    pub event_label: String,
    pub state: String,
    #[schema(value_type = Object)]
    pub snapshot: Value,
}

impl From<ContractVersionView> for ContractVersion {
    fn from(v: ContractVersionView) -> Self {
        ContractVersion {
            version: v.version,
            at: v.at,
            actor_id: v.actor_id,
            event: v.event,
            event_label: v.event_label,
            state: v.state,
            snapshot: v.snapshot,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractDetail {
    pub contract: Contract,
    /// Every version, oldest first.
    pub trail: Vec<ContractVersion>,
    /// 合同附件, oldest first.
    pub attachments: Vec<ContractAttachment>,
}

/// A file of a contract (合同附件).
#[derive(Debug, Serialize, ToSchema)]
pub struct ContractAttachment {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

impl From<ContractAttachmentView> for ContractAttachment {
    fn from(a: ContractAttachmentView) -> Self {
        ContractAttachment {
            id: a.id,
            file_name: a.file_name,
            content_type: a.content_type,
            size: a.size,
            uploaded_at: a.uploaded_at,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ContractQuery {
    /// Party A (甲方).
    pub enterprise_id: Option<String>,
    /// `draft` | `submitted` | `approved` | `rejected`.
    pub state: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ContractPage {
    pub items: Vec<Contract>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// Checks the filter values, so a typo is reported rather than silently matching nothing.
pub(crate) fn filter_of(
    enterprise_id: Option<&str>,
    state: Option<&str>,
) -> Result<ContractFilter, ApiError> {
    let pick = |v: Option<&str>| v.map(str::trim).filter(|s| !s.is_empty()).map(String::from);
    let state = pick(state);
    if state
        .as_deref()
        .is_some_and(|s| ContractState::parse(s).is_none())
    {
        return Err(emss_app::AppError::field("state", "合同状态不正确").into());
    }
    Ok(ContractFilter {
        enterprise_id: pick(enterprise_id),
        state,
        ..Default::default()
    })
}

/// 合同管理: contracts in the caller's scope, newest first.
#[utoipa::path(get, path = "/api/v1/contracts", tag = "contracts", summary = "合同列表",
    params(ContractQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ContractPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ContractQuery>,
) -> Result<Json<ContractPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let filter = filter_of(q.enterprise_id.as_deref(), q.state.as_deref())?;
    let page = emss_app::contracts::list(
        &state.app,
        actor,
        filter,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(ContractPage {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// Drafts a contract of the caller's agency (or submits it at once with `submit`).
#[utoipa::path(post, path = "/api/v1/contracts", tag = "contracts", summary = "新建合同",
    request_body = ContractBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Contract), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ContractBody>,
) -> Result<(StatusCode, Json<Contract>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::contracts::create(&state.app, actor, (&body).into(), body.submit).await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// One contract with its trail.
#[utoipa::path(get, path = "/api/v1/contracts/{id}", tag = "contracts", summary = "合同详情",
    params(("id" = String, Path, description = "合同编号")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ContractDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ContractDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (c, trail) = emss_app::contracts::detail(&state.app, actor, &id).await?;
    let attachments = emss_app::contracts::attachments(&state.app, actor, &id).await?;
    Ok(Json(ContractDetail {
        contract: c.into(),
        trail: trail.into_iter().map(Into::into).collect(),
        attachments: attachments.into_iter().map(Into::into).collect(),
    }))
}

/// Edits a draft or a contract sent back (`submit` is ignored here).
#[utoipa::path(put, path = "/api/v1/contracts/{id}", tag = "contracts", summary = "修改合同",
    params(("id" = String, Path, description = "合同编号")), request_body = ContractBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Contract), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ContractBody>,
) -> Result<Json<Contract>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::contracts::update(&state.app, actor, &id, (&body).into()).await?;
    Ok(Json(done.into()))
}

/// Submits a draft (or a contract sent back) to party A.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/submit", tag = "contracts", summary = "提交合同",
    params(("id" = String, Path, description = "合同编号")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Contract), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Contract>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::contracts::act(&state.app, actor, &id, ContractAction::Submit, "").await?;
    Ok(Json(done.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractDecision {
    /// `approve` (确认) | `reject` (退回).
    pub decision: String,
    /// Required to send back.
    pub reason: Option<String>,
}

/// Party A confirms or sends back a submitted contract.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/decision", tag = "contracts", summary = "甲方确认合同",
    params(("id" = String, Path, description = "合同编号")), request_body = ContractDecision,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Contract), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ContractDecision>,
) -> Result<Json<Contract>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let action = if emss_app::filing_change::approves(&body.decision)? {
        ContractAction::Approve
    } else {
        ContractAction::Reject
    };
    let done = emss_app::contracts::act(
        &state.app,
        actor,
        &id,
        action,
        body.reason.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(done.into()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContractChangeBody {
    /// The whole contract as it should read after the change (party A unchanged; `submit` is
    /// ignored).
    pub contract: ContractBody,
    /// 变更原因.
    pub reason: String,
}

/// Proposes a change to a confirmed contract; party A approves or rejects it.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/changes", tag = "contracts", summary = "提交合同变更申请",
    params(("id" = String, Path, description = "合同编号")), request_body = ContractChangeBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = super::filing_changes::ChangeRequest), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn request_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ContractChangeBody>,
) -> Result<(StatusCode, Json<super::filing_changes::ChangeRequest>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::contracts::request_change(
        &state.app,
        actor,
        &id,
        (&body.contract).into(),
        &body.reason,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// The change requests of a contract, newest first.
#[utoipa::path(get, path = "/api/v1/contracts/{id}/changes", tag = "contracts", summary = "合同变更申请",
    params(("id" = String, Path, description = "合同编号")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<super::filing_changes::ChangeRequest>), (status = 404, body = ErrorBody)))]
pub async fn changes(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<super::filing_changes::ChangeRequest>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let list = emss_app::contracts::changes_of(&state.app, actor, &id).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Party A approves (the contract takes the values, a new version of its trail) or rejects.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/changes/{change_id}/decision", tag = "contracts",
    summary = "甲方审核合同变更申请",
    params(("id" = String, Path, description = "合同编号"), ("change_id" = String, Path, description = "变更申请编号")),
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
    let done = emss_app::contracts::decide_change(
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

/// A contract file, as `multipart/form-data`. Only describes the body in the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct ContractAttachmentForm {
    /// PDF, Word (docx), Excel (xlsx), JPG or PNG, at most 10 MB; macro-enabled files are refused.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Attaches a file (the signed scan, a price list) to a draft or a contract sent back.
#[utoipa::path(post, path = "/api/v1/contracts/{id}/attachments", tag = "contracts", summary = "上传合同附件",
    params(("id" = String, Path, description = "合同编号")),
    request_body(content = ContractAttachmentForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = ContractAttachment), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<(StatusCode, Json<ContractAttachment>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let file = files.into_iter().find(|f| f.kind == "file");
    let done = emss_app::contracts::upload_attachment(&state.app, actor, &id, file).await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// Downloads a file of a contract.
#[utoipa::path(get, path = "/api/v1/contracts/{id}/attachments/{attachment_id}", tag = "contracts",
    summary = "下载合同附件",
    params(("id" = String, Path, description = "合同编号"), ("attachment_id" = String, Path, description = "附件编号")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "the file"), (status = 404, body = ErrorBody)))]
pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (a, bytes) =
        emss_app::contracts::attachment_file(&state.app, actor, &id, &attachment_id).await?;
    Ok(super::download(&a.file_name, &a.content_type, bytes))
}
