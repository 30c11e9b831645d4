//! Outlets (排口) and their monitoring instruments, and their import from CSV or XLSX.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use emss_app::outlets::{InstrumentView, OutletView};
use emss_domain::ErrorCode;
use emss_domain::monitoring::{InstrumentInput, OutletInput};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutletBody {
    /// `wastewater` | `flue_gas` (or 废水 / 废气).
    pub kind: String,
    pub name: String,
    pub address: String,
    /// Decimal degrees inside Shanghai (30.6–31.9), as a string to keep it exact.
    pub latitude: String,
    /// Decimal degrees inside Shanghai (120.8–122.1).
    pub longitude: String,
    /// Monitoring parameters of the outlet's kind, e.g. `化学需氧量`.
    pub parameters: Vec<String>,
}

impl From<OutletBody> for OutletInput {
    fn from(b: OutletBody) -> Self {
        OutletInput {
            kind: b.kind,
            name: b.name,
            address: b.address,
            latitude: b.latitude,
            longitude: b.longitude,
            parameters: b.parameters,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Outlet {
    pub id: String,
    pub enterprise_id: String,
    pub kind: String,
    pub kind_label: String,
    pub name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
    pub parameters: Vec<String>,
}

impl From<OutletView> for Outlet {
    fn from(v: OutletView) -> Self {
        Outlet {
            id: v.id,
            enterprise_id: v.enterprise_id,
            kind: v.kind,
            kind_label: v.kind_label,
            name: v.name,
            address: v.address,
            latitude: v.latitude,
            longitude: v.longitude,
            parameters: v.parameters,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InstrumentBody {
    /// One of the outlet kind's parameters.
    pub parameter: String,
    pub maker: String,
    pub model: String,
    pub serial_no: String,
    /// Gaseous CEMS: 完全抽取法 | 稀释采样法 | 直接测量法.
    #[serde(default)]
    pub principle: String,
    pub range_lower: String,
    pub range_upper: String,
    pub unit: String,
    /// `YYYY-MM-DD`.
    pub installed_on: String,
}

impl From<InstrumentBody> for InstrumentInput {
    fn from(b: InstrumentBody) -> Self {
        InstrumentInput {
            parameter: b.parameter,
            maker: b.maker,
            model: b.model,
            serial_no: b.serial_no,
            principle: b.principle,
            range_lower: b.range_lower,
            range_upper: b.range_upper,
            unit: b.unit,
            installed_on: b.installed_on,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Instrument {
    pub id: String,
    pub outlet_id: String,
    pub parameter: String,
    pub maker: String,
    pub model: String,
    pub serial_no: String,
    pub principle: Option<String>,
    pub range_lower: String,
    pub range_upper: String,
    pub unit: String,
    pub installed_on: chrono::NaiveDate,
    /// The version of the instrument's record: each change adds one. A maintenance record is
    /// judged with the version it checked in against.
    pub version: i32,
}

impl From<InstrumentView> for Instrument {
    fn from(v: InstrumentView) -> Self {
        Instrument {
            id: v.id,
            outlet_id: v.outlet_id,
            parameter: v.parameter,
            maker: v.maker,
            model: v.model,
            serial_no: v.serial_no,
            principle: v.principle,
            range_lower: v.range_lower,
            range_upper: v.range_upper,
            unit: v.unit,
            installed_on: v.installed_on,
            version: v.version,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OutletQuery {
    pub enterprise_id: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutletPage {
    pub items: Vec<Outlet>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentList {
    pub items: Vec<Instrument>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutletDetail {
    pub outlet: Outlet,
    pub instruments: Vec<Instrument>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ImportResult {
    pub outlets: usize,
    pub instruments: usize,
}

/// Outlets in the caller's scope: an enterprise its own, a district regulator its district's.
#[utoipa::path(get, path = "/api/v1/outlets", tag = "outlets", summary = "排口列表", params(OutletQuery),
    security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = OutletPage)))]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<OutletQuery>,
) -> Result<Json<OutletPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = emss_app::outlets::list(
        &state.app,
        actor,
        q.enterprise_id.as_deref(),
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(OutletPage {
        items: page.items.into_iter().map(Into::into).collect(),
        total: page.total,
        page: page.page,
        page_size: page.page_size,
    }))
}

/// Adds an outlet to the caller's enterprise.
#[utoipa::path(post, path = "/api/v1/outlets", tag = "outlets", summary = "新增排口", request_body = OutletBody,
    security(("bearer" = []), ("cookie" = [])), responses((status = 201, body = Outlet), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<OutletBody>,
) -> Result<(StatusCode, Json<Outlet>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let o = emss_app::outlets::create(&state.app, actor, body.into()).await?;
    Ok((StatusCode::CREATED, Json(o.into())))
}

/// One outlet with its instruments.
#[utoipa::path(get, path = "/api/v1/outlets/{id}", tag = "outlets", summary = "排口详情",
    params(("id" = String, Path, description = "排口编号")),
    security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = OutletDetail), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<OutletDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (o, instruments) = emss_app::outlets::get(&state.app, actor, &id).await?;
    Ok(Json(OutletDetail {
        outlet: o.into(),
        instruments: instruments.into_iter().map(Into::into).collect(),
    }))
}

/// Changes an outlet of the caller's enterprise.
#[utoipa::path(put, path = "/api/v1/outlets/{id}", tag = "outlets", summary = "修改排口", request_body = OutletBody,
    params(("id" = String, Path, description = "排口编号")),
    security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = Outlet), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<OutletBody>,
) -> Result<Json<Outlet>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::outlets::update(&state.app, actor, &id, body.into())
            .await?
            .into(),
    ))
}

/// The enterprise's instruments at that outlet (api.md): what the field engineer chooses from.
#[utoipa::path(get, path = "/api/v1/outlets/{id}/instruments", tag = "outlets", summary = "排口的监测仪器",
    params(("id" = String, Path, description = "排口编号")),
    security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = InstrumentList), (status = 404, body = ErrorBody)))]
pub async fn instruments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<InstrumentList>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let items: Vec<Instrument> = emss_app::outlets::instruments(&state.app, actor, &id)
        .await?
        .into_iter()
        .map(Into::into)
        .collect();
    let total = items.len() as u64;
    Ok(Json(InstrumentList {
        items,
        total,
        page: 1,
        page_size: total.max(1),
    }))
}

/// Adds an instrument to an outlet of the caller's enterprise.
#[utoipa::path(post, path = "/api/v1/outlets/{id}/instruments", tag = "outlets", summary = "新增监测仪器", request_body = InstrumentBody,
    params(("id" = String, Path, description = "排口编号")),
    security(("bearer" = []), ("cookie" = [])), responses((status = 201, body = Instrument), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn add_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InstrumentBody>,
) -> Result<(StatusCode, Json<Instrument>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let i = emss_app::outlets::add_instrument(&state.app, actor, &id, body.into()).await?;
    Ok((StatusCode::CREATED, Json(i.into())))
}

/// Changes an instrument.
#[utoipa::path(put, path = "/api/v1/instruments/{id}", tag = "outlets", summary = "修改监测仪器", request_body = InstrumentBody,
    params(("id" = String, Path, description = "仪器编号")),
    security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = Instrument), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn update_instrument(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<InstrumentBody>,
) -> Result<Json<Instrument>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::outlets::update_instrument(&state.app, actor, &id, body.into())
            .await?
            .into(),
    ))
}

/// Imports outlets and instruments from a CSV (UTF-8) or XLSX file sent as the request body. The
/// first row names the columns: 排口名称, 排口类型, 排口地址, 纬度, 经度, 监测参数, 仪器监测参数,
/// 生产厂家, 规格型号, 出厂编号, 测量原理, 量程下限, 量程上限, 计量单位, 安装日期. All rows or none:
/// every problem comes back as `rows[n].field` with the row and column named.
#[utoipa::path(post, path = "/api/v1/outlets/import", tag = "outlets", summary = "导入排口及仪器",
    request_body(content = Vec<u8>, content_type = "text/csv"),
    security(("bearer" = []), ("cookie" = [])), responses((status = 201, body = ImportResult), (status = 422, body = ErrorBody)))]
pub async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<(StatusCode, Json<ImportResult>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::outlets::import(&state.app, actor, &body).await?;
    Ok((
        StatusCode::CREATED,
        Json(ImportResult {
            outlets: done.outlets,
            instruments: done.instruments,
        }),
    ))
}

/// An outlet's emission limit of one pollutant, as set by the enterprise.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EmissionLimitBody {
    /// One of the outlet's monitoring parameters (非甲烷总烃 …).
    pub parameter: String,
    /// A decimal string.
    pub value: String,
    pub unit: String,
    /// 排污许可证编号, or the discharge standard and clause.
    pub source: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EmissionLimitList {
    pub items: Vec<emss_app::outlets::EmissionLimitView>,
}

/// The outlet's emission limits (排放限值), by pollutant.
#[utoipa::path(get, path = "/api/v1/outlets/{id}/emission-limits", tag = "outlets", summary = "排口的排放限值",
    params(("id" = String, Path, description = "排口编号")),
    security(("bearer" = []), ("cookie" = [])), responses((status = 200, body = EmissionLimitList), (status = 404, body = ErrorBody)))]
pub async fn emission_limits(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<EmissionLimitList>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(EmissionLimitList {
        items: emss_app::outlets::emission_limits(&state.app, actor, &id).await?,
    }))
}

/// Sets (or replaces) the outlet's emission limit of one of its parameters: the enterprise.
#[utoipa::path(put, path = "/api/v1/outlets/{id}/emission-limits", tag = "outlets", summary = "登记排放限值",
    params(("id" = String, Path, description = "排口编号")), request_body = EmissionLimitBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = EmissionLimitList), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn set_emission_limit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EmissionLimitBody>,
) -> Result<Json<EmissionLimitList>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = emss_app::outlets::EmissionLimitInput {
        parameter: body.parameter,
        value: body.value,
        unit: body.unit,
        source: body.source,
    };
    Ok(Json(EmissionLimitList {
        items: emss_app::outlets::set_emission_limit(&state.app, actor, &id, input).await?,
    }))
}
