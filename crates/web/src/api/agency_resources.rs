//! An agency's personnel (人员), equipment (运维设备), spare parts (备品备件) and standard
//! materials (标准物质).

use super::ApiJson;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use emss_app::agency_resources::{
    EquipmentInput, EquipmentView, Resources, SparePartInput, SparePartView, StaffInput, StaffView,
    StandardMaterialInput, StandardMaterialView,
};
use emss_domain::ErrorCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StaffBody {
    pub name: String,
    /// `male` | `female`.
    pub gender: String,
    /// 18-character resident ID number; may be left out on an edit to keep the filed one.
    #[serde(default)]
    pub id_number: String,
    /// 学历: 博士研究生 | 硕士研究生 | 大学本科 | 大学专科 | 中等职业教育 | 普通高中 | 初中 | 其他.
    pub education: String,
    /// 岗位.
    pub post: String,
    /// 是否专业技术人员.
    #[serde(default)]
    pub technician: bool,
    /// 专业技术人员职称 (required for technicians).
    pub title: Option<String>,
    /// 是否离职. Marking a person resigned disables their login.
    #[serde(default)]
    pub resigned: bool,
    /// Required when resigned.
    pub resigned_on: Option<NaiveDate>,
    /// The person's login in this agency.
    pub account_id: Option<String>,
}

impl From<StaffBody> for StaffInput {
    fn from(b: StaffBody) -> Self {
        StaffInput {
            name: b.name,
            gender: b.gender,
            id_number: b.id_number,
            education: b.education,
            post: b.post,
            technician: b.technician,
            title: b.title.unwrap_or_default(),
            resigned: b.resigned,
            resigned_on: b.resigned_on.map(|d| d.to_string()).unwrap_or_default(),
            account_id: b.account_id.unwrap_or_default(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Staff {
    pub id: String,
    pub name: String,
    pub gender: String,
    pub gender_label: String,
    /// Masked.
    pub id_number: String,
    pub education: String,
    pub post: String,
    pub technician: bool,
    pub title: Option<String>,
    pub resigned: bool,
    pub resigned_on: Option<NaiveDate>,
    pub account_id: Option<String>,
}

impl From<StaffView> for Staff {
    fn from(v: StaffView) -> Self {
        Staff {
            id: v.id,
            name: v.name,
            gender: v.gender,
            gender_label: v.gender_label,
            id_number: v.id_number,
            education: v.education,
            post: v.post,
            technician: v.technician,
            title: v.title,
            resigned: v.resigned,
            resigned_on: v.resigned_on,
            account_id: v.account_id,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EquipmentBody {
    /// 设备编号, unique within the agency.
    pub device_no: String,
    pub name: String,
    /// 出厂编号.
    pub serial_no: String,
    /// 型号/规格.
    pub model: String,
    #[serde(default)]
    pub description: String,
}

impl From<EquipmentBody> for EquipmentInput {
    fn from(b: EquipmentBody) -> Self {
        EquipmentInput {
            device_no: b.device_no,
            name: b.name,
            serial_no: b.serial_no,
            model: b.model,
            description: b.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Equipment {
    pub id: String,
    pub device_no: String,
    pub name: String,
    pub serial_no: String,
    pub model: String,
    pub description: String,
}

impl From<EquipmentView> for Equipment {
    fn from(v: EquipmentView) -> Self {
        Equipment {
            id: v.id,
            device_no: v.device_no,
            name: v.name,
            serial_no: v.serial_no,
            model: v.model,
            description: v.description,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SparePartBody {
    pub name: String,
    /// 型号/规格.
    pub model: String,
    /// 0 to 1000000.
    pub quantity: i64,
    /// 个, 套, 支 …
    pub unit: String,
    #[serde(default)]
    pub description: String,
}

impl From<SparePartBody> for SparePartInput {
    fn from(b: SparePartBody) -> Self {
        SparePartInput {
            name: b.name,
            model: b.model,
            quantity: b.quantity.to_string(),
            unit: b.unit,
            description: b.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SparePart {
    pub id: String,
    pub name: String,
    pub model: String,
    pub quantity: i32,
    pub unit: String,
    pub description: String,
}

impl From<SparePartView> for SparePart {
    fn from(v: SparePartView) -> Self {
        SparePart {
            id: v.id,
            name: v.name,
            model: v.model,
            quantity: v.quantity,
            unit: v.unit,
            description: v.description,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AgencyResources {
    pub staff: Vec<Staff>,
    pub equipment: Vec<Equipment>,
    pub spare_parts: Vec<SparePart>,
    /// 标准物质, the latest expiry first.
    pub standard_materials: Vec<StandardMaterialView>,
    /// Whether the agency may start tasks (filed, with at least one active staff member).
    pub can_start_tasks: bool,
    /// Why not, in Chinese.
    pub task_start_problem: Option<String>,
}

impl From<Resources> for AgencyResources {
    fn from(r: Resources) -> Self {
        AgencyResources {
            staff: r.staff.into_iter().map(Into::into).collect(),
            equipment: r.equipment.into_iter().map(Into::into).collect(),
            spare_parts: r.spare_parts.into_iter().map(Into::into).collect(),
            standard_materials: r.standard_materials,
            can_start_tasks: r.task_start_problem.is_none(),
            task_start_problem: r.task_start_problem,
        }
    }
}

/// An agency's personnel, equipment, spare parts and standard materials: for the agency itself
/// and regulators.
#[utoipa::path(
    get,
    path = "/api/v1/agencies/{id}/resources",
    tag = "filing",
    summary = "机构人员、设备、备品备件与标准物质",
    params(("id" = String, Path, description = "机构编号")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AgencyResources), (status = 404, body = ErrorBody))
)]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AgencyResources>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(
        emss_app::agency_resources::of_agency(&state.app, actor, &id)
            .await?
            .into(),
    ))
}

/// Adds a staff member to the own agency.
#[utoipa::path(
    post,
    path = "/api/v1/filing/staff",
    tag = "filing",
    summary = "新增人员",
    request_body = StaffBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Staff), (status = 422, body = ErrorBody))
)]
pub async fn create_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<StaffBody>,
) -> Result<(StatusCode, Json<Staff>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::agency_resources::save_staff(&state.app, actor, None, body.into()).await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

/// Edits a staff member; marking them resigned disables their login.
#[utoipa::path(
    put,
    path = "/api/v1/filing/staff/{id}",
    tag = "filing",
    summary = "修改人员",
    params(("id" = String, Path, description = "人员编号")),
    request_body = StaffBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Staff), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn update_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StaffBody>,
) -> Result<Json<Staff>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::agency_resources::save_staff(&state.app, actor, Some(&id), body.into()).await?;
    Ok(Json(done.into()))
}

/// Adds a piece of equipment.
#[utoipa::path(
    post,
    path = "/api/v1/filing/equipment",
    tag = "filing",
    summary = "新增运维设备",
    request_body = EquipmentBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Equipment), (status = 422, body = ErrorBody))
)]
pub async fn create_equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<EquipmentBody>,
) -> Result<(StatusCode, Json<Equipment>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::agency_resources::save_equipment(&state.app, actor, None, body.into()).await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

#[utoipa::path(
    put,
    path = "/api/v1/filing/equipment/{id}",
    tag = "filing",
    summary = "修改运维设备",
    params(("id" = String, Path, description = "设备编号（系统）")),
    request_body = EquipmentBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Equipment), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn update_equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EquipmentBody>,
) -> Result<Json<Equipment>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::agency_resources::save_equipment(&state.app, actor, Some(&id), body.into())
            .await?;
    Ok(Json(done.into()))
}

#[utoipa::path(
    delete,
    path = "/api/v1/filing/equipment/{id}",
    tag = "filing",
    summary = "删除运维设备",
    params(("id" = String, Path, description = "设备编号（系统）")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = ErrorBody))
)]
pub async fn delete_equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::agency_resources::delete_equipment(&state.app, actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a spare part.
#[utoipa::path(
    post,
    path = "/api/v1/filing/spare-parts",
    tag = "filing",
    summary = "新增备品备件",
    request_body = SparePartBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = SparePart), (status = 422, body = ErrorBody))
)]
pub async fn create_spare_part(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<SparePartBody>,
) -> Result<(StatusCode, Json<SparePart>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::agency_resources::save_spare_part(&state.app, actor, None, body.into()).await?;
    Ok((StatusCode::CREATED, Json(done.into())))
}

#[utoipa::path(
    put,
    path = "/api/v1/filing/spare-parts/{id}",
    tag = "filing",
    summary = "修改备品备件",
    params(("id" = String, Path, description = "备品备件编号")),
    request_body = SparePartBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = SparePart), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn update_spare_part(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<SparePartBody>,
) -> Result<Json<SparePart>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::agency_resources::save_spare_part(&state.app, actor, Some(&id), body.into())
            .await?;
    Ok(Json(done.into()))
}

#[utoipa::path(
    delete,
    path = "/api/v1/filing/spare-parts/{id}",
    tag = "filing",
    summary = "删除备品备件",
    params(("id" = String, Path, description = "备品备件编号")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 204), (status = 404, body = ErrorBody))
)]
pub async fn delete_spare_part(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::agency_resources::delete_spare_part(&state.app, actor, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A standard material as registered from its certificate (one component of it).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StandardMaterialBody {
    /// `gas` (标准气体) | `solution` (标准溶液) | `sample` (标准样品).
    pub kind: String,
    /// 证书编号.
    pub certificate_no: String,
    /// 生产单位.
    pub producer: String,
    /// 批号.
    pub lot_no: String,
    /// 组分, named as instruments name their parameter (二氧化硫, 氨氮 …).
    pub component: String,
    /// 标准值, a decimal string.
    pub certified_value: String,
    /// 不确定度 as the certificate prints it.
    pub uncertainty: String,
    /// 计量单位 (mg/m³, µmol/mol, mg/L …).
    pub unit: String,
    /// 有效期至.
    pub expires_on: String,
}

impl From<StandardMaterialBody> for StandardMaterialInput {
    fn from(b: StandardMaterialBody) -> Self {
        StandardMaterialInput {
            kind: b.kind,
            certificate_no: b.certificate_no,
            producer: b.producer,
            lot_no: b.lot_no,
            component: b.component,
            certified_value: b.certified_value,
            uncertainty: b.uncertainty,
            unit: b.unit,
            expires_on: b.expires_on,
        }
    }
}

/// Registers a standard material.
#[utoipa::path(
    post,
    path = "/api/v1/filing/standard-materials",
    tag = "filing",
    summary = "登记标准物质",
    request_body = StandardMaterialBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = StandardMaterialView), (status = 422, body = ErrorBody))
)]
pub async fn create_standard_material(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<StandardMaterialBody>,
) -> Result<(StatusCode, Json<StandardMaterialView>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done =
        emss_app::agency_resources::save_standard_material(&state.app, actor, None, body.into())
            .await?;
    Ok((StatusCode::CREATED, Json(done)))
}

/// Corrects a standard material no record has chosen yet; one already chosen is refused (422,
/// field `state`).
#[utoipa::path(
    put,
    path = "/api/v1/filing/standard-materials/{id}",
    tag = "filing",
    summary = "修改标准物质",
    params(("id" = String, Path, description = "标准物质编号（系统）")),
    request_body = StandardMaterialBody,
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = StandardMaterialView), (status = 422, body = ErrorBody), (status = 404, body = ErrorBody))
)]
pub async fn update_standard_material(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<StandardMaterialBody>,
) -> Result<Json<StandardMaterialView>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = emss_app::agency_resources::save_standard_material(
        &state.app,
        actor,
        Some(&id),
        body.into(),
    )
    .await?;
    Ok(Json(done))
}
