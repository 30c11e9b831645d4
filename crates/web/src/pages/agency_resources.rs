//! 备案管理 → 人员管理 · 设备管理 · 备品备件 · 标准物质: the agency's main account keeps its
//! personnel, equipment, spare parts and standard materials. Each page lists the records with a
//! form below it, which adds a record or, with `?edit=<id>`, edits one.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::AppError;
use emss_app::agency_resources::{
    EquipmentInput, Resources, SparePartInput, StaffInput, StandardMaterialInput, components,
    linkable_accounts, of_agency,
};
use emss_domain::form::standard::MaterialKind;
use emss_domain::personnel::{EDUCATION, GENDERS};
use emss_domain::{Actor, ErrorCode};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
pub struct EditQuery {
    pub edit: Option<String>,
    pub done: Option<String>,
}

fn notice(done: Option<&str>) -> Option<&'static str> {
    done.map(|d| match d {
        "created" => "已添加",
        "updated" => "已保存",
        "deleted" => "已删除",
        _ => "已完成",
    })
}

/// What a resource page shows besides its form.
pub struct Common {
    pub res: Resources,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
    /// The record being edited; None: the form adds one.
    pub editing: Option<String>,
}

impl Common {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

async fn common(
    state: &AppState,
    ctx: &Ctx,
    route: &'static str,
    title: &'static str,
    errors: BTreeMap<String, String>,
    q: &EditQuery,
) -> Result<(Shell, Common, Actor), PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?.clone();
    let res = of_agency(&state.app, &actor, &actor.org_id).await?;
    Ok((
        Shell::portal(ctx, route, title, &["备案管理", title]),
        Common {
            res,
            errors,
            notice: notice(q.done.as_deref()),
            editing: q.edit.clone().filter(|e| !e.is_empty()),
        },
        actor,
    ))
}

/// A failed save shows the page again with the typed values and the errors; anything else is
/// an error page.
fn failed(e: AppError) -> Result<BTreeMap<String, String>, PageError> {
    if e.code == ErrorCode::ValidationFailed {
        Ok(e.fields)
    } else {
        Err(e.into())
    }
}

fn not_found() -> PageError {
    AppError::new(ErrorCode::NotFound).into()
}

// ---- 人员 ----

#[derive(Debug, Default, Deserialize)]
pub struct StaffForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub gender: String,
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub education: String,
    #[serde(default)]
    pub post: String,
    pub technician: Option<String>,
    #[serde(default)]
    pub title: String,
    pub resigned: Option<String>,
    #[serde(default)]
    pub resigned_on: String,
    #[serde(default)]
    pub account_id: String,
}

impl StaffForm {
    fn input(&self) -> StaffInput {
        StaffInput {
            name: self.name.clone(),
            gender: self.gender.clone(),
            id_number: self.id_number.clone(),
            education: self.education.clone(),
            post: self.post.clone(),
            technician: self.technician.is_some(),
            title: self.title.clone(),
            resigned: self.resigned.is_some(),
            resigned_on: self.resigned_on.clone(),
            account_id: self.account_id.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/staff.html")]
pub struct StaffPage {
    pub shell: Shell,
    pub c: Common,
    pub form: StaffForm,
    pub genders: Vec<(&'static str, &'static str)>,
    pub education: Vec<&'static str>,
    pub accounts: Vec<(String, String)>,
}

impl StaffPage {
    pub fn account_label(&self, id: &Option<String>) -> String {
        id.as_ref()
            .and_then(|id| self.accounts.iter().find(|(a, _)| a == id))
            .map(|(_, l)| l.clone())
            .unwrap_or_else(|| "—".to_string())
    }
}

async fn staff_page(
    state: &AppState,
    ctx: &Ctx,
    q: EditQuery,
    form: Option<StaffForm>,
    errors: BTreeMap<String, String>,
) -> Result<StaffPage, PageError> {
    let (shell, c, actor) = common(state, ctx, "page.filing.staff", "人员管理", errors, &q).await?;
    let form = match (form, &c.editing) {
        (Some(f), _) => f,
        (None, Some(id)) => {
            let s = c
                .res
                .staff
                .iter()
                .find(|s| &s.id == id)
                .ok_or_else(not_found)?;
            StaffForm {
                name: s.name.clone(),
                gender: s.gender.clone(),
                id_number: String::new(),
                education: s.education.clone(),
                post: s.post.clone(),
                technician: s.technician.then(|| "on".to_string()),
                title: s.title.clone().unwrap_or_default(),
                resigned: s.resigned.then(|| "on".to_string()),
                resigned_on: s.resigned_on.map(|d| d.to_string()).unwrap_or_default(),
                account_id: s.account_id.clone().unwrap_or_default(),
            }
        }
        (None, None) => StaffForm::default(),
    };
    Ok(StaffPage {
        shell,
        accounts: linkable_accounts(&state.app, &actor).await?,
        c,
        form,
        genders: GENDERS.to_vec(),
        education: EDUCATION.to_vec(),
    })
}

pub async fn staff(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<EditQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &staff_page(&state, &ctx, q, None, BTreeMap::new()).await?,
    ))
}

async fn save_staff(
    state: AppState,
    ctx: Ctx,
    id: Option<String>,
    form: StaffForm,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::agency_resources::save_staff(&state.app, actor, id.as_deref(), form.input())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/filing/staff?done={}",
            if id.is_some() { "updated" } else { "created" }
        ))
        .into_response()),
        Err(e) => {
            let errors = failed(e)?;
            let q = EditQuery {
                edit: id,
                done: None,
            };
            let page = staff_page(&state, &ctx, q, Some(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

pub async fn create_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<StaffForm>,
) -> Result<Response, PageError> {
    save_staff(state, ctx, None, form).await
}

pub async fn update_staff(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<StaffForm>,
) -> Result<Response, PageError> {
    save_staff(state, ctx, Some(id), form).await
}

// ---- 运维设备 ----

#[derive(Debug, Default, Deserialize)]
pub struct EquipmentForm {
    #[serde(default)]
    pub device_no: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub serial_no: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub description: String,
}

impl EquipmentForm {
    fn input(&self) -> EquipmentInput {
        EquipmentInput {
            device_no: self.device_no.clone(),
            name: self.name.clone(),
            serial_no: self.serial_no.clone(),
            model: self.model.clone(),
            description: self.description.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/equipment.html")]
pub struct EquipmentPage {
    pub shell: Shell,
    pub c: Common,
    pub form: EquipmentForm,
}

async fn equipment_page(
    state: &AppState,
    ctx: &Ctx,
    q: EditQuery,
    form: Option<EquipmentForm>,
    errors: BTreeMap<String, String>,
) -> Result<EquipmentPage, PageError> {
    let (shell, c, _) = common(state, ctx, "page.filing.equipment", "设备管理", errors, &q).await?;
    let form = match (form, &c.editing) {
        (Some(f), _) => f,
        (None, Some(id)) => {
            let e = c
                .res
                .equipment
                .iter()
                .find(|e| &e.id == id)
                .ok_or_else(not_found)?;
            EquipmentForm {
                device_no: e.device_no.clone(),
                name: e.name.clone(),
                serial_no: e.serial_no.clone(),
                model: e.model.clone(),
                description: e.description.clone(),
            }
        }
        (None, None) => EquipmentForm::default(),
    };
    Ok(EquipmentPage { shell, c, form })
}

pub async fn equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<EditQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &equipment_page(&state, &ctx, q, None, BTreeMap::new()).await?,
    ))
}

async fn save_equipment(
    state: AppState,
    ctx: Ctx,
    id: Option<String>,
    form: EquipmentForm,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::agency_resources::save_equipment(&state.app, actor, id.as_deref(), form.input())
        .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/filing/equipment?done={}",
            if id.is_some() { "updated" } else { "created" }
        ))
        .into_response()),
        Err(e) => {
            let errors = failed(e)?;
            let q = EditQuery {
                edit: id,
                done: None,
            };
            let page = equipment_page(&state, &ctx, q, Some(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

pub async fn create_equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<EquipmentForm>,
) -> Result<Response, PageError> {
    save_equipment(state, ctx, None, form).await
}

pub async fn update_equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<EquipmentForm>,
) -> Result<Response, PageError> {
    save_equipment(state, ctx, Some(id), form).await
}

pub async fn delete_equipment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::agency_resources::delete_equipment(&state.app, actor, &id).await?;
    Ok(Redirect::to("/filing/equipment?done=deleted").into_response())
}

// ---- 备品备件 ----

#[derive(Debug, Default, Deserialize)]
pub struct SparePartForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub model: String,
    #[serde(default)]
    pub quantity: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub description: String,
}

impl SparePartForm {
    fn input(&self) -> SparePartInput {
        SparePartInput {
            name: self.name.clone(),
            model: self.model.clone(),
            quantity: self.quantity.clone(),
            unit: self.unit.clone(),
            description: self.description.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/spare_parts.html")]
pub struct SparePartsPage {
    pub shell: Shell,
    pub c: Common,
    pub form: SparePartForm,
}

async fn spare_parts_page(
    state: &AppState,
    ctx: &Ctx,
    q: EditQuery,
    form: Option<SparePartForm>,
    errors: BTreeMap<String, String>,
) -> Result<SparePartsPage, PageError> {
    let (shell, c, _) = common(
        state,
        ctx,
        "page.filing.spare_parts",
        "备品备件",
        errors,
        &q,
    )
    .await?;
    let form = match (form, &c.editing) {
        (Some(f), _) => f,
        (None, Some(id)) => {
            let p = c
                .res
                .spare_parts
                .iter()
                .find(|p| &p.id == id)
                .ok_or_else(not_found)?;
            SparePartForm {
                name: p.name.clone(),
                model: p.model.clone(),
                quantity: p.quantity.to_string(),
                unit: p.unit.clone(),
                description: p.description.clone(),
            }
        }
        (None, None) => SparePartForm::default(),
    };
    Ok(SparePartsPage { shell, c, form })
}

pub async fn spare_parts(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<EditQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &spare_parts_page(&state, &ctx, q, None, BTreeMap::new()).await?,
    ))
}

async fn save_spare_part(
    state: AppState,
    ctx: Ctx,
    id: Option<String>,
    form: SparePartForm,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::agency_resources::save_spare_part(
        &state.app,
        actor,
        id.as_deref(),
        form.input(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/filing/spare-parts?done={}",
            if id.is_some() { "updated" } else { "created" }
        ))
        .into_response()),
        Err(e) => {
            let errors = failed(e)?;
            let q = EditQuery {
                edit: id,
                done: None,
            };
            let page = spare_parts_page(&state, &ctx, q, Some(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

pub async fn create_spare_part(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<SparePartForm>,
) -> Result<Response, PageError> {
    save_spare_part(state, ctx, None, form).await
}

pub async fn update_spare_part(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<SparePartForm>,
) -> Result<Response, PageError> {
    save_spare_part(state, ctx, Some(id), form).await
}

pub async fn delete_spare_part(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::agency_resources::delete_spare_part(&state.app, actor, &id).await?;
    Ok(Redirect::to("/filing/spare-parts?done=deleted").into_response())
}

// ---- 标准物质 ----

#[derive(Debug, Default, Deserialize)]
pub struct StandardMaterialForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub certificate_no: String,
    #[serde(default)]
    pub producer: String,
    #[serde(default)]
    pub lot_no: String,
    #[serde(default)]
    pub component: String,
    #[serde(default)]
    pub certified_value: String,
    #[serde(default)]
    pub uncertainty: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub expires_on: String,
}

impl StandardMaterialForm {
    fn input(&self) -> StandardMaterialInput {
        StandardMaterialInput {
            kind: self.kind.clone(),
            certificate_no: self.certificate_no.clone(),
            producer: self.producer.clone(),
            lot_no: self.lot_no.clone(),
            component: self.component.clone(),
            certified_value: self.certified_value.clone(),
            uncertainty: self.uncertainty.clone(),
            unit: self.unit.clone(),
            expires_on: self.expires_on.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "portal/standard_materials.html")]
pub struct StandardMaterialsPage {
    pub shell: Shell,
    pub c: Common,
    pub form: StandardMaterialForm,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub components: Vec<&'static str>,
}

async fn standard_materials_page(
    state: &AppState,
    ctx: &Ctx,
    q: EditQuery,
    form: Option<StandardMaterialForm>,
    errors: BTreeMap<String, String>,
) -> Result<StandardMaterialsPage, PageError> {
    let (shell, c, _) = common(
        state,
        ctx,
        "page.filing.standard_materials",
        "标准物质",
        errors,
        &q,
    )
    .await?;
    let form = match (form, &c.editing) {
        (Some(f), _) => f,
        (None, Some(id)) => {
            let m = c
                .res
                .standard_materials
                .iter()
                .find(|m| &m.id == id && !m.used)
                .ok_or_else(not_found)?;
            StandardMaterialForm {
                kind: m.kind.clone(),
                certificate_no: m.certificate_no.clone(),
                producer: m.producer.clone(),
                lot_no: m.lot_no.clone(),
                component: m.component.clone(),
                certified_value: m.certified_value.clone(),
                uncertainty: m.uncertainty.clone(),
                unit: m.unit.clone(),
                expires_on: m.expires_on.to_string(),
            }
        }
        (None, None) => StandardMaterialForm::default(),
    };
    Ok(StandardMaterialsPage {
        shell,
        c,
        form,
        kinds: MaterialKind::ALL
            .into_iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        components: components().collect(),
    })
}

pub async fn standard_materials(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<EditQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &standard_materials_page(&state, &ctx, q, None, BTreeMap::new()).await?,
    ))
}

async fn save_standard_material(
    state: AppState,
    ctx: Ctx,
    id: Option<String>,
    form: StandardMaterialForm,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::agency_resources::save_standard_material(
        &state.app,
        actor,
        id.as_deref(),
        form.input(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/filing/standard-materials?done={}",
            if id.is_some() { "updated" } else { "created" }
        ))
        .into_response()),
        Err(e) => {
            let errors = failed(e)?;
            // A material chosen meanwhile can no longer be edited: the form adds a new one.
            let edit = id.filter(|_| !errors.contains_key("state"));
            let q = EditQuery { edit, done: None };
            let page = standard_materials_page(&state, &ctx, q, Some(form), errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
    }
}

pub async fn create_standard_material(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<StandardMaterialForm>,
) -> Result<Response, PageError> {
    save_standard_material(state, ctx, None, form).await
}

pub async fn update_standard_material(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<StandardMaterialForm>,
) -> Result<Response, PageError> {
    save_standard_material(state, ctx, Some(id), form).await
}
