//! 信用评价: the indicator systems, and the ratings of a year with their per-indicator breakdown
//! and the objects behind each indicator; after a year, its publicity, the agencies' objections
//! and the city's decisions. Regulators read every agency; an agency its own.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use emss_app::credit::{
    Activity, ComputeOutcome, DecisionInput, ObjectionDetail, ObjectionInput, ObjectionView,
    PublicationView, RatingDetail, RatingFilter, RatingRow, SystemView,
};
use emss_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

/// Every indicator system (drafts for regulators only), newest version first in each kind.
#[utoipa::path(get, path = "/api/v1/credit/systems", tag = "credit", summary = "评价指标体系",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<SystemView>)))]
pub async fn systems(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<SystemView>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(emss_app::credit::systems(&state.app, actor).await?))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RatingsQuery {
    /// The year, e.g. `2026` (default: the running year).
    pub period: Option<String>,
    /// `maintenance` (运维类) | `testing` (监测类).
    pub kind: Option<String>,
    /// A grade code (`A`, `B` …), or `excluded` for the agencies not rated.
    pub grade: Option<String>,
    /// Part of the agency's name.
    pub keyword: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RatingPage {
    pub items: Vec<RatingRow>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// The ratings of a year: rated agencies by score, then those not rated with the reason.
#[utoipa::path(get, path = "/api/v1/credit/ratings", tag = "credit", summary = "信用评价结果",
    params(RatingsQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RatingPage), (status = 422, body = ErrorBody)))]
pub async fn ratings(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<RatingsQuery>,
) -> Result<Json<RatingPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let paging = super::paging(q.page, q.page_size)?;
    if q.kind
        .as_deref()
        .is_some_and(|k| !k.is_empty() && emss_domain::credit::SystemKind::parse(k).is_none())
    {
        return Err(emss_app::AppError::field("kind", "类别应为 maintenance 或 testing").into());
    }
    let filter = RatingFilter {
        period: q.period,
        kind: q.kind,
        grade: q.grade,
        keyword: q.keyword,
    };
    let all = emss_app::credit::ratings(&state.app, actor, &filter).await?;
    let total = all.len() as u64;
    let skip = usize::try_from((paging.page - 1) * paging.page_size).unwrap_or(usize::MAX);
    let take = usize::try_from(paging.page_size).unwrap_or(usize::MAX);
    Ok(Json(RatingPage {
        items: all.into_iter().skip(skip).take(take).collect(),
        total,
        page: paging.page,
        page_size: paging.page_size,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PeriodQuery {
    /// The year, e.g. `2026` (default: the running year).
    pub period: Option<String>,
}

/// One agency's ratings of a year (one per kind it is rated under) with every indicator, its
/// fact, score and reason, and the records, orders, inspections … behind it.
#[utoipa::path(get, path = "/api/v1/credit/ratings/{agency_id}", tag = "credit", summary = "机构信用评价明细",
    params(("agency_id" = String, Path, description = "机构 id"), PeriodQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<RatingDetail>), (status = 404, body = ErrorBody)))]
pub async fn rating(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(agency_id): Path<String>,
    ApiQuery(q): ApiQuery<PeriodQuery>,
) -> Result<Json<Vec<RatingDetail>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::credit::rating(&state.app, actor, &agency_id, q.period.as_deref()).await?,
    ))
}

/// Publishes a draft indicator system as its version (the city), once every problem is put
/// right; a published version never changes.
#[utoipa::path(post, path = "/api/v1/credit/systems/{id}/publish", tag = "credit", summary = "发布评价指标体系",
    params(("id" = String, Path, description = "指标体系 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SystemView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<SystemView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::credit::publish(&state.app, actor, &id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ComputationBody {
    /// The year to rate, e.g. `2026`: the running year as far as today, or a closed year (rated
    /// once, then frozen).
    pub period: String,
}

/// Rates every agency for a year now (the city); the nightly run does the same.
#[utoipa::path(post, path = "/api/v1/credit/computations", tag = "credit", summary = "计算信用评价",
    request_body = ComputationBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ComputeOutcome), (status = 422, body = ErrorBody)))]
pub async fn compute(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<ComputationBody>,
) -> Result<Json<ComputeOutcome>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let period = emss_domain::credit::Period::parse(&body.period)
        .ok_or_else(|| emss_app::AppError::field("period", "请填写四位数的年度，如 2026"))?;
    Ok(Json(
        emss_app::credit::compute(&state.app, Some(actor), period).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ObjectionsQuery {
    /// The year, e.g. `2026` (default: every year).
    pub period: Option<String>,
    /// `pending` | `accepted` | `rejected`.
    pub state: Option<String>,
}

/// Objections to final ratings, newest first: every agency's for the regulators, its own for an
/// agency.
#[utoipa::path(get, path = "/api/v1/credit/objections", tag = "credit", summary = "信用评价异议",
    params(ObjectionsQuery), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<ObjectionView>), (status = 422, body = ErrorBody)))]
pub async fn objections(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<ObjectionsQuery>,
) -> Result<Json<Vec<ObjectionView>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(emss_app::credit::year_of(&state.app, Some(p))?),
        None => None,
    };
    let state_filter = q.state.as_deref().filter(|s| !s.is_empty());
    if state_filter.is_some_and(|s| emss_domain::credit::ObjectionState::parse(s).is_none()) {
        return Err(
            emss_app::AppError::field("state", "状态应为 pending、accepted 或 rejected").into(),
        );
    }
    Ok(Json(
        emss_app::credit::objections(&state.app, actor, year, state_filter).await?,
    ))
}

/// One objection with its documents and the last day of its year's publicity.
#[utoipa::path(get, path = "/api/v1/credit/objections/{id}", tag = "credit", summary = "异议详情",
    params(("id" = String, Path, description = "异议 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ObjectionDetail), (status = 404, body = ErrorBody)))]
pub async fn objection(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ObjectionDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::credit::objection(&state.app, actor, &id).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ObjectionBody {
    /// The year of the final rating, e.g. `2026`.
    pub period: String,
    /// `maintenance` (运维类) | `testing` (监测类).
    pub kind: String,
    /// The indicator's code, as in the rating's breakdown.
    pub code: String,
    /// 异议理由: what is wrong and the facts it rests on (10 to 2000 characters).
    pub reasons: String,
}

/// 提出异议 (the agency's main account) to one indicator of its final rating while the year is in
/// publicity, until the last day; documents are added on the page.
#[utoipa::path(post, path = "/api/v1/credit/ratings/{agency_id}/objections", tag = "credit", summary = "提出异议",
    params(("agency_id" = String, Path, description = "机构 id")), request_body = ObjectionBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ObjectionView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn object(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(agency_id): Path<String>,
    ApiJson(body): ApiJson<ObjectionBody>,
) -> Result<Json<ObjectionView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = ObjectionInput {
        period: body.period,
        kind: body.kind,
        code: body.code,
        reasons: body.reasons,
    };
    Ok(Json(
        emss_app::credit::object(&state.app, actor, &agency_id, &input).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionBody {
    /// `accept` (采纳: the indicator is corrected) | `reject` (不予采纳).
    pub decision: String,
    /// Accepted: the indicator's corrected score ("-2", "18.5"), towards the agency and no
    /// further than the indicator gives.
    #[serde(default)]
    pub scored: Option<String>,
    /// 处理意见, shown to the agency.
    pub note: String,
}

/// 处理异议 (the city): accept with the corrected score, or reject with the reasons. Decided once.
#[utoipa::path(post, path = "/api/v1/credit/objections/{id}/decision", tag = "credit", summary = "处理异议",
    params(("id" = String, Path, description = "异议 id")), request_body = DecisionBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = ObjectionView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<DecisionBody>,
) -> Result<Json<ObjectionView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = DecisionInput {
        decision: body.decision,
        scored: body.scored.unwrap_or_default(),
        note: body.note,
    };
    Ok(Json(
        emss_app::credit::decide(&state.app, actor, &id, &input).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicityBody {
    /// The closed year whose final ratings are put up, e.g. `2026`.
    pub year: i32,
    /// The last day objections are received (`YYYY-MM-DD`, 5 to 60 days ahead).
    pub objection_deadline: chrono::NaiveDate,
}

/// 发起公示 (the city): a closed year's final ratings open to objections until the last day.
#[utoipa::path(post, path = "/api/v1/credit/publications", tag = "credit", summary = "发起公示",
    request_body = PublicityBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = PublicationView), (status = 422, body = ErrorBody)))]
pub async fn start_publicity(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<PublicityBody>,
) -> Result<Json<PublicationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::credit::start_publicity(
            &state.app,
            actor,
            body.year,
            Some(body.objection_deadline),
        )
        .await?,
    ))
}

/// 公布 (the city): after the last day, with every objection decided, the year's grades go to
/// the public register.
#[utoipa::path(post, path = "/api/v1/credit/publications/{year}/publish", tag = "credit", summary = "公布评价结果",
    params(("year" = String, Path, description = "年度，如 2026")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = PublicationView), (status = 422, body = ErrorBody)))]
pub async fn publish_year(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(year): Path<String>,
) -> Result<Json<PublicationView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = emss_domain::credit::Period::parse(&year)
        .ok_or_else(|| emss_app::AppError::field("year", "请填写四位数的年度，如 2026"))?
        .year;
    Ok(Json(
        emss_app::credit::publish_year(&state.app, actor, year).await?,
    ))
}

/// 业务实施动态: one agency's work of the last twelve weeks, week by week (records and what
/// became of them, plans due and overdue, tasks started and closed, orders received and closed,
/// inspections), its running tasks, open orders and latest events — in the caller's scope.
#[utoipa::path(get, path = "/api/v1/credit/activity/{agency_id}", tag = "credit", summary = "业务实施动态",
    params(("agency_id" = String, Path, description = "机构 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Activity), (status = 404, body = ErrorBody)))]
pub async fn activity(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(agency_id): Path<String>,
) -> Result<Json<Activity>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::credit::activity(&state.app, actor, &agency_id).await?,
    ))
}
