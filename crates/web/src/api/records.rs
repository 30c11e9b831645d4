//! 运维记录 (api.md core routes): check-in starts a record, the draft is saved as the filer
//! types, submission is judged by the server; the enterprise confirms its days, the agency's
//! reviewer approves or voids. Writes from phones take `Idempotency-Key`.

use super::{ApiJson, ApiQuery, keyed};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderMap, StatusCode};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use emss_app::AppError;
use emss_app::records::faults::{FaultPeriodView, FaultQuery};
use emss_app::records::{
    ConfirmInput, NewRecord, PendingDay, RecordDetail, RecordView, ReviewInput, StampInput,
    SubmitInput, Submitted,
};
use emss_db::repo::record::RecordFilter;
use emss_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// Where and when the phone was: WGS-84 degrees as the phone reports them, the accuracy it
/// claims, its clock. `sent_at`: for a stamp taken offline, when the phone sent it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StampBody {
    pub at: Option<DateTime<FixedOffset>>,
    pub sent_at: Option<DateTime<FixedOffset>>,
    pub lat: Option<f64>,
    pub lon: Option<f64>,
    pub accuracy_m: Option<f64>,
}

/// No position, no stamp: an earlier position is never reused.
fn stamp(field: &str, body: Option<StampBody>) -> Result<StampInput, ApiError> {
    let missing = || -> ApiError {
        AppError::field(field, "未取得手机定位，请打开定位（高精度）后重试").into()
    };
    let b = body.ok_or_else(missing)?;
    let (Some(at), Some(lat), Some(lon), Some(accuracy_m)) = (b.at, b.lat, b.lon, b.accuracy_m)
    else {
        return Err(missing());
    };
    Ok(StampInput {
        at: at.with_timezone(&Utc),
        sent_at: b.sent_at.map(|s| s.with_timezone(&Utc)),
        lat,
        lon,
        accuracy_m,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateBody {
    pub task_id: String,
    pub outlet_id: String,
    /// A form type code of the outlet's kind.
    pub form_type: String,
    /// The outlet's instruments the record covers; the form repeats per instrument.
    #[serde(default)]
    pub instrument_ids: Vec<String>,
    pub check_in: Option<StampBody>,
}

/// 签到: starts a draft record at an outlet of a running task.
#[utoipa::path(post, path = "/api/v1/records", tag = "records", summary = "签到并开始填报",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body = CreateBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = RecordView), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<CreateBody>,
) -> Result<(StatusCode, Json<RecordView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = NewRecord {
        check_in: stamp("check_in", body.check_in)?,
        task_id: body.task_id,
        outlet_id: body.outlet_id,
        form_type: body.form_type,
        instrument_ids: body.instrument_ids,
    };
    let keyed = keyed("api.records.create", &headers);
    let done = emss_app::records::create(&state.app, actor, input, keyed.as_ref()).await?;
    Ok((StatusCode::CREATED, Json(done)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateBody {
    /// The form's fields as typed so far: `{section: {field: value}}`, repeated sections as
    /// arrays with `instrument_id`.
    #[schema(value_type = Object)]
    pub fields: Value,
}

/// 保存: keeps the filer's draft (only the filer's own, only while a draft).
#[utoipa::path(put, path = "/api/v1/records/{id}", tag = "records", summary = "保存草稿",
    params(("id" = String, Path, description = "记录 id")), request_body = UpdateBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RecordView), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<UpdateBody>,
) -> Result<Json<RecordView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::records::save_draft(&state.app, actor, &id, body.fields).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SubmitBody {
    pub check_out: Option<StampBody>,
    #[serde(default)]
    pub work_photo_id: String,
    #[serde(default)]
    pub signature_id: String,
}

/// 结束签到并上传: judged in full; the answer carries the verdicts and the flags raised.
#[utoipa::path(post, path = "/api/v1/records/{id}/submit", tag = "records", summary = "结束签到并上传",
    params(("id" = String, Path, description = "记录 id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body = SubmitBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Submitted), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SubmitBody>,
) -> Result<Json<Submitted>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = SubmitInput {
        check_out: stamp("check_out", body.check_out)?,
        work_photo_id: body.work_photo_id,
        signature_id: body.signature_id,
    };
    let keyed = keyed("api.records.submit", &headers);
    Ok(Json(
        emss_app::records::submit(&state.app, actor, &id, input, keyed.as_ref()).await?,
    ))
}

/// A photo or signature for the filer's draft record (the same form as `/api/v1/attachments`);
/// it is bound to the record when the record is submitted.
#[utoipa::path(post, path = "/api/v1/records/{id}/attachments", tag = "records", summary = "为记录上传照片或签名",
    params(("id" = String, Path, description = "记录 id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body(content = super::evidence::AttachmentForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = super::evidence::Attachment), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<axum::response::Response, ApiError> {
    super::evidence::upload_for(state, ctx, Some(&id), req).await
}

/// 记录详情: fields, derived values, verdicts, flags, evidence, state and trail.
#[utoipa::path(get, path = "/api/v1/records/{id}", tag = "records", summary = "记录详情",
    params(("id" = String, Path, description = "记录 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RecordDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<RecordDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::records::detail(&state.app, actor, &id).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RecordParams {
    /// `draft` | `submitted` | `confirmed` | `approved` | `voided`.
    pub state: Option<String>,
    pub task_id: Option<String>,
    pub outlet_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub form_type: Option<String>,
    /// Visit days, inclusive.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only records carrying this flag: `far_from_outlet` | `imprecise_location` |
    /// `check_out_before_check_in` | `short_visit` | `clock_skew` | `failed_verdict` |
    /// `duplicate_photo` | `late_upload` | `rejudged`.
    pub flag: Option<String>,
    /// `pass`: every verdict passed; `fail`: a verdict failed.
    pub verdict: Option<String>,
    /// `true`: any flag raised; `false`: none.
    pub flagged: Option<bool>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RecordPage {
    pub items: Vec<RecordView>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

pub(crate) fn filter_of(q: &RecordParams) -> Result<RecordFilter, ApiError> {
    let pick = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(String::from)
    };
    let failed = match pick(&q.verdict).as_deref() {
        None => None,
        Some("pass") => Some(false),
        Some("fail") => Some(true),
        Some(_) => return Err(AppError::field("verdict", "判定只能是 pass 或 fail").into()),
    };
    Ok(RecordFilter {
        state: pick(&q.state),
        task_id: pick(&q.task_id),
        outlet_id: pick(&q.outlet_id),
        enterprise_id: pick(&q.enterprise_id),
        form_code: pick(&q.form_type),
        from: q.from,
        to: q.to,
        flag: pick(&q.flag),
        failed,
        flagged: q.flagged,
        ..RecordFilter::default()
    })
}

/// Records in scope, the latest visit first.
#[utoipa::path(get, path = "/api/v1/records", tag = "records", summary = "运维记录",
    params(RecordParams), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = RecordPage), (status = 422, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<RecordParams>,
) -> Result<Json<RecordPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let filter = filter_of(&q)?;
    let page = emss_app::records::list(
        &state.app,
        actor,
        filter,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(RecordPage {
        items: page.items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FaultParams {
    pub outlet_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub instrument_id: Option<String>,
    /// `out_of_control` (失控) | `failed` (不合格待处理).
    pub kind: Option<String>,
    /// `open` (overdue ones included) | `overdue` | `closed` | `cancelled`.
    pub status: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FaultPage {
    pub items: Vec<FaultPeriodView>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// 失控与不合格: the 失控时段 and failed results awaiting their follow-up in scope, open ones
/// first.
#[utoipa::path(get, path = "/api/v1/fault-periods", tag = "records", summary = "失控时段与不合格待处理",
    params(FaultParams), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FaultPage), (status = 422, body = ErrorBody)))]
pub async fn fault_periods(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<FaultParams>,
) -> Result<Json<FaultPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = super::paging(q.page, q.page_size)?;
    let query = FaultQuery {
        outlet_id: q.outlet_id,
        enterprise_id: q.enterprise_id,
        instrument_id: q.instrument_id,
        kind: q.kind,
        status: q.status,
    };
    let page = emss_app::records::faults::list(&state.app, actor, query, page).await?;
    Ok(Json(FaultPage {
        items: page.items,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// 待确认日期: days with submitted records on the enterprise's outlets.
#[utoipa::path(get, path = "/api/v1/confirmations/pending", tag = "records", summary = "待确认日期",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Vec<PendingDay>)))]
pub async fn pending(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<PendingDay>>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::records::pending_days(&state.app, actor).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmBody {
    pub date: NaiveDate,
    /// Chosen records of that day; empty or absent: all of the day's.
    #[serde(default)]
    pub record_ids: Vec<String>,
    #[serde(default)]
    pub signature_id: String,
    #[serde(default)]
    pub work_photo_id: String,
}

/// 确认: the day's records (or those chosen), with the confirmer's signature and work photo.
#[utoipa::path(post, path = "/api/v1/confirmations", tag = "records", summary = "企业确认",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body = ConfirmBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = emss_app::records::Confirmed), (status = 422, body = ErrorBody)))]
pub async fn confirm(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ConfirmBody>,
) -> Result<Json<emss_app::records::Confirmed>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = ConfirmInput {
        date: body.date,
        record_ids: body.record_ids,
        signature_id: body.signature_id,
        work_photo_id: body.work_photo_id,
    };
    let keyed = keyed("api.confirmations.create", &headers);
    Ok(Json(
        emss_app::records::confirm(&state.app, actor, input, keyed.as_ref()).await?,
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReviewBody {
    /// One to 200 confirmed records.
    pub record_ids: Vec<String>,
    /// `approve` | `void`.
    pub decision: String,
    /// Required to void.
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub signature_id: String,
    /// The reviewer's work photo taken at review (an upload of kind `work_photo`); required.
    #[serde(default)]
    pub work_photo_id: String,
    /// Required, per record, to approve a record with a failed or 失控 verdict: the reviewer's
    /// 处理意见 (otherwise that record is refused with `acknowledgement_required`).
    #[serde(default)]
    pub acknowledgements: Vec<emss_app::records::Acknowledgement>,
}

/// 审核: approve or void a batch; the filer's own records, records not confirmed and failed
/// records approved without an acknowledgement are refused one by one (`results`), the rest go
/// through.
#[utoipa::path(post, path = "/api/v1/reviews", tag = "records", summary = "审核通过或作废",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body = ReviewBody, security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = emss_app::records::Reviewed), (status = 422, body = ErrorBody)))]
pub async fn review(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ReviewBody>,
) -> Result<Json<emss_app::records::Reviewed>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = ReviewInput {
        record_ids: body.record_ids,
        decision: body.decision,
        reason: body.reason,
        signature_id: body.signature_id,
        work_photo_id: body.work_photo_id,
        acknowledgements: body.acknowledgements,
    };
    let keyed = keyed("api.reviews.create", &headers);
    Ok(Json(
        emss_app::records::review(&state.app, actor, input, keyed.as_ref()).await?,
    ))
}
