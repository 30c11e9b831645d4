//! Change requests (信息变更申请) for a filed agency: the agency proposes, the city regulator's
//! filing reviewer approves or rejects.

use super::agencies::FilingBody;
use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use emss_app::filing_change::ChangeView;
use emss_domain::ErrorCode;
use emss_domain::change_request::ChangeState;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangeRequestBody {
    /// The whole filing as it should read after the change. A blank `contact_phone` keeps the
    /// filed number.
    pub filing: FilingBody,
    /// 变更原因 (required, up to 500 characters).
    pub reason: String,
}

/// One changed field, as the reviewer compares it.
#[derive(Debug, Serialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    pub before: String,
    pub after: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequest {
    pub id: String,
    pub agency_id: String,
    pub agency_name: String,
    /// `pending` | `approved` | `rejected`.
    pub state: String,
    pub state_label: String,
    pub reason: String,
    pub changes: Vec<FieldChange>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_comment: Option<String>,
}

impl From<ChangeView> for ChangeRequest {
    fn from(v: ChangeView) -> Self {
        ChangeRequest {
            id: v.id,
            agency_id: v.org_id,
            agency_name: v.org_name,
            state: v.state,
            state_label: v.state_label,
            reason: v.reason,
            changes: v
                .changes
                .into_iter()
                .map(|c| FieldChange {
                    field: c.field,
                    label: c.label,
                    before: c.before,
                    after: c.after,
                })
                .collect(),
            requested_at: v.requested_at,
            decided_at: v.decided_at,
            decision_comment: v.decision_comment,
        }
    }
}

/// Proposes a change to the own filed information (takes effect when approved).
#[utoipa::path(
    post,
    path = "/api/v1/filing/changes",
    tag = "filing",
    summary = "提交备案变更申请",
    request_body = ChangeRequestBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = ChangeRequest), (status = 422, body = ErrorBody))
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ChangeRequestBody>,
) -> Result<(StatusCode, Json<ChangeRequest>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::filing_change::request(&state.app, actor, body.filing.into(), &body.reason)
            .await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// The own filing's change requests, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/filing/changes",
    tag = "filing",
    summary = "本机构变更申请",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<ChangeRequest>))
)]
pub async fn own(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<ChangeRequest>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let list = emss_app::filing_change::of_filing(&state.app, actor, &actor.org_id.clone()).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct QueueQuery {
    /// `pending` (default) | `approved` | `rejected` | `all`.
    pub state: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ChangeRequestPage {
    pub items: Vec<ChangeRequest>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// Parses the queue's state filter: pending unless asked otherwise; `all` for every state.
pub(crate) fn queue_state(raw: Option<&str>) -> Result<Option<ChangeState>, ApiError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(Some(ChangeState::Pending)),
        Some("all") => Ok(None),
        Some(s) => ChangeState::parse(s)
            .map(Some)
            .ok_or_else(|| emss_app::AppError::field("state", "审核状态不正确").into()),
    }
}

/// The city regulator's change-request queue, oldest first.
#[utoipa::path(
    get,
    path = "/api/v1/change-requests",
    tag = "filing",
    summary = "变更申请审核队列",
    params(QueueQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ChangeRequestPage), (status = 422, body = ErrorBody))
)]
pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<QueueQuery>,
) -> Result<Json<ChangeRequestPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = emss_app::filing_change::queue(
        &state.app,
        actor,
        queue_state(q.state.as_deref())?,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(ChangeRequestPage {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    /// `approve` | `reject`.
    pub decision: String,
    /// Required to reject.
    pub comment: Option<String>,
}

/// Approves (the filing takes the proposed values, a new version of its trail) or rejects.
#[utoipa::path(
    post,
    path = "/api/v1/change-requests/{id}/decision",
    tag = "filing",
    summary = "审核变更申请",
    params(("id" = String, Path, description = "变更申请编号")),
    request_body = DecisionRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ChangeRequest), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionRequest>,
) -> Result<Json<ChangeRequest>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let approve = emss_app::filing_change::approves(&body.decision)?;
    let done = emss_app::filing_change::decide(
        &state.app,
        actor,
        &id,
        approve,
        body.comment.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok(Json(done.into()))
}
