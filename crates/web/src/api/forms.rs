//! The form catalogue (api.md): the form types, the full definition a client renders, a check of a
//! filled form as the server will judge it, and publication of a new version.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use emss_app::AppError;
use emss_domain::ErrorCode;
use emss_domain::form::{FormDefinition, NoPrevious, OutletKind};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct FormTypeQuery {
    /// `wastewater` or `flue_gas`.
    pub outlet_kind: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// A catalogue entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormTypeItem {
    pub code: String,
    pub name: String,
    pub outlet_kind: String,
    /// The current (latest published) version.
    pub version: u32,
    /// The printed title of the record sheet.
    pub title: String,
    /// Days between required records; absent for forms filed when something happens.
    pub interval_days: Option<u32>,
    /// The sources of the interval disagree (see the definition's `frequency.conflict`).
    pub interval_conflict: bool,
}

impl From<&FormDefinition> for FormTypeItem {
    fn from(d: &FormDefinition) -> Self {
        FormTypeItem {
            code: d.code.clone(),
            name: d.name.clone(),
            outlet_kind: d.outlet_kind.as_str().to_string(),
            version: d.version,
            title: d.title.clone(),
            interval_days: d.frequency.interval_days,
            interval_conflict: d.frequency.conflict.is_some(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FormTypePage {
    pub items: Vec<FormTypeItem>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

pub(crate) fn outlet_kind(raw: Option<&str>) -> Result<Option<OutletKind>, AppError> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => OutletKind::parse(s)
            .map(Some)
            .ok_or_else(|| AppError::field("outlet_kind", "排口类型只能是 wastewater 或 flue_gas")),
    }
}

/// The form types (current versions), optionally of one outlet kind: 6 wastewater, 9 flue gas.
#[utoipa::path(
    get,
    path = "/api/v1/form-types",
    tag = "forms",
    summary = "表单类型目录",
    params(FormTypeQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = FormTypePage), (status = 422, body = ErrorBody))
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<FormTypeQuery>,
) -> Result<Json<FormTypePage>, ApiError> {
    let kind = outlet_kind(q.outlet_kind.as_deref())?;
    let all = state.app.form_types(kind).await?;
    let request = super::paging(q.page, q.page_size)?;
    let items = all
        .iter()
        .skip(usize::try_from(request.offset()).unwrap_or(usize::MAX))
        .take(usize::try_from(request.page_size).unwrap_or(usize::MAX))
        .map(|d| FormTypeItem::from(d.as_ref()))
        .collect();
    Ok(Json(FormTypePage {
        items,
        total: all.len() as u64,
        page: request.page,
        page_size: request.page_size,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct VersionQuery {
    /// A published version; the current one when absent.
    pub version: Option<u32>,
}

/// The full definition: sections, fields (kinds, units, decimals, bounds, options, periods),
/// formulas, verdict rules and limits with their source and confidence. Decimal numbers of
/// limits and bounds are strings, so no precision is lost.
#[utoipa::path(
    get,
    path = "/api/v1/form-types/{code}",
    tag = "forms",
    summary = "表单定义",
    params(("code" = String, Path, description = "表单代码，如 fg_calibration"), VersionQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, description = "表单定义（与 catalogue/forms 中的 TOML 同构）", body = Object),
        (status = 404, body = ErrorBody)
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(code): Path<String>,
    ApiQuery(q): ApiQuery<VersionQuery>,
) -> Result<Json<FormDefinition>, ApiError> {
    let def = state.app.form_type(&code, q.version).await?;
    Ok(Json(def.as_ref().clone()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckRequest {
    /// `{section: {field: value}}`; sections repeated per instrument are arrays of objects with
    /// `instrument_id`.
    #[schema(value_type = Object)]
    pub fields: Value,
    /// The instruments chosen; when given, each repeated section must cover exactly these.
    pub instrument_ids: Option<Vec<String>>,
    /// The version to check against; the current one when absent.
    pub version: Option<u32>,
    /// The caller's own draft these fields belong to: then the draft's form version and
    /// instruments are used, fields bound to the instruments' records take the registered
    /// values, and drift is judged against the reference calibration, as on submission.
    pub record_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheckResult {
    pub code: String,
    pub version: u32,
    /// Whether the form would be accepted as it is.
    pub valid: bool,
    /// Field path → Chinese message, as a submission would be refused.
    pub errors: std::collections::BTreeMap<String, String>,
    /// The fields as the server would store them, with computed values and verdict outcomes.
    #[schema(value_type = Object)]
    pub fields: serde_json::Map<String, Value>,
    /// Every verdict with value, limit, source, confidence and explanation.
    #[schema(value_type = Vec<Object>)]
    pub verdicts: Vec<emss_domain::form::Verdict>,
}

/// Checks a filled form exactly as a submission will be checked, without saving anything: the
/// problems per field (`valid` false), and the derived values and verdicts of whatever is filled
/// in so far. With `record_id` (the caller's draft) it is checked as that draft will be on
/// submission; without, fields bound to an instrument's record are read as typed and
/// "上次校准后测试值" is not known, so drift is judged only on submission.
#[utoipa::path(
    post,
    path = "/api/v1/form-types/{code}/check",
    tag = "forms",
    summary = "预校验表单",
    params(("code" = String, Path, description = "表单代码")),
    request_body = CheckRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = CheckResult),
        (status = 422, description = "请求格式有误", body = ErrorBody),
        (status = 404, body = ErrorBody)
    )
)]
pub async fn check(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<CheckRequest>,
) -> Result<Json<CheckResult>, ApiError> {
    let (def, evaluation, errors) = match &body.record_id {
        Some(id) => {
            let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
            emss_app::records::check_draft(&state.app, actor, id, &code, &body.fields).await?
        }
        None => {
            emss_app::catalogue::check(
                &state.app,
                &code,
                body.version,
                &body.fields,
                body.instrument_ids.as_deref(),
                &NoPrevious,
            )
            .await?
        }
    };
    Ok(Json(CheckResult {
        code: def.code.clone(),
        version: def.version,
        valid: errors.is_empty(),
        errors,
        fields: evaluation.fields,
        verdicts: evaluation.verdicts,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublishRequest {
    /// The complete definition in TOML, with `version` one above the current version.
    pub source: String,
    /// What changed and why (shown in the version list and the audit log).
    pub note: String,
}

/// Publishes a new version (city regulator). The definition is checked in full before it takes
/// effect; records already filed keep the version they were filled against.
#[utoipa::path(
    post,
    path = "/api/v1/form-types/{code}/versions",
    tag = "forms",
    summary = "发布表单新版本",
    params(("code" = String, Path, description = "表单代码")),
    request_body = PublishRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, body = FormTypeItem),
        (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)
    )
)]
pub async fn publish(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(code): Path<String>,
    ApiJson(body): ApiJson<PublishRequest>,
) -> Result<(StatusCode, Json<FormTypeItem>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let def =
        emss_app::catalogue::publish(&state.app, actor, &code, &body.source, &body.note).await?;
    Ok((StatusCode::CREATED, Json(FormTypeItem::from(def.as_ref()))))
}

/// The city's rule for standard materials on calibration and check forms.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardRule {
    /// From this day (Shanghai) a calibration or check that names no registered standard material
    /// is judged 不合格; null: not yet required (the verdict says 未作判定). Only a day after today
    /// may be set, and a day already begun no longer changes.
    pub required_from: Option<chrono::NaiveDate>,
}

#[utoipa::path(
    get,
    path = "/api/v1/standard-material-rule",
    tag = "catalogue",
    summary = "标准物质必选起始日期",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = StandardRule))
)]
pub async fn standard_rule(State(state): State<AppState>) -> Result<Json<StandardRule>, ApiError> {
    let required_from = emss_app::catalogue::standard_required_from(&state.app.db().conn).await?;
    Ok(Json(StandardRule { required_from }))
}

#[utoipa::path(
    put,
    path = "/api/v1/standard-material-rule",
    tag = "catalogue",
    summary = "设置标准物质必选起始日期（市级）",
    request_body = StandardRule,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = StandardRule), (status = 422, body = ErrorBody))
)]
pub async fn set_standard_rule(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<StandardRule>,
) -> Result<Json<StandardRule>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let required_from =
        emss_app::catalogue::set_standard_required_from(&state.app, actor, body.required_from)
            .await?;
    Ok(Json(StandardRule { required_from }))
}
