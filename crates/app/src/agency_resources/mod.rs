//! What a filed agency keeps on record (product.md §2): personnel (人员, ID numbers sealed and
//! shown masked; a resigned person's login is disabled), equipment (运维设备), spare parts
//! (备品备件) and standard materials (标准物质, chosen on calibration and check forms). The agency's main account maintains them once the filing has passed; regulators
//! read them on the agency's detail.

mod demo;
mod equipment;
mod spare_parts;
mod staff;
mod standard_materials;

pub(crate) use demo::load_demo;
pub(crate) use equipment::view as equipment_view;
pub use equipment::{EquipmentInput, EquipmentView, delete_equipment, save_equipment};
pub use spare_parts::{SparePartInput, SparePartView, delete_spare_part, save_spare_part};
pub(crate) use staff::view as staff_view;
pub use staff::{StaffInput, StaffView, linkable_accounts, save_staff};
pub(crate) use standard_materials::material;
pub use standard_materials::{
    StandardMaterialInput, StandardMaterialView, components, save_standard_material,
};

use crate::error::FieldErrors;
use crate::{App, AppError};
use emss_db::repo;
use emss_domain::filing::FilingState;
use emss_domain::personnel::task_start_problem;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;

/// Everything an agency keeps, and whether it may start tasks.
#[derive(Debug, Clone, Serialize)]
pub struct Resources {
    pub staff: Vec<StaffView>,
    pub equipment: Vec<EquipmentView>,
    pub spare_parts: Vec<SparePartView>,
    pub standard_materials: Vec<StandardMaterialView>,
    /// Why it cannot start tasks yet; None when it can.
    pub task_start_problem: Option<String>,
}

/// A required one-line text: trimmed, not empty, at most `max` characters, no control characters.
pub(super) fn text(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &str,
    max: usize,
) -> String {
    let t = raw.trim().to_string();
    if t.is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else {
        optional_text(errors, field, label, &t, max);
    }
    t
}

pub(super) fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &str,
    max: usize,
) -> String {
    let t = raw.trim().to_string();
    if t.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    } else if t.chars().any(char::is_control) {
        errors.add(field, format!("{label}含有不可见的控制字符"));
    }
    t
}

/// Why an agency may not start tasks yet (not filed, or no active staff member), or None. Shown
/// on 备案管理 and in the API; starting a task is to refuse with this reason.
pub(crate) async fn task_start_check(app: &App, org_id: &str) -> Result<Option<String>, AppError> {
    let db = &app.db().conn;
    let filed = repo::filing::get(db, org_id)
        .await?
        .is_some_and(|f| f.state == FilingState::Filed.as_str());
    let active = repo::agency_resources::active_staff_count(db, org_id).await?;
    Ok(task_start_problem(filed, active).map(str::to_string))
}

/// The agency's records: for its own main account and for regulators; 404 for anyone else.
pub async fn of_agency(app: &App, actor: &Actor, org_id: &str) -> Result<Resources, AppError> {
    if !crate::filing::sees_everything(Some(actor), org_id) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let db = &app.db().conn;
    if repo::filing::get(db, org_id).await?.is_none() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok(Resources {
        staff: repo::agency_resources::staff(db, org_id)
            .await?
            .into_iter()
            .map(staff::view)
            .collect(),
        equipment: repo::agency_resources::equipment(db, org_id)
            .await?
            .into_iter()
            .map(equipment::view)
            .collect(),
        spare_parts: repo::agency_resources::spare_parts(db, org_id)
            .await?
            .into_iter()
            .map(spare_parts::view)
            .collect(),
        standard_materials: standard_materials_of(app, org_id).await?,
        task_start_problem: task_start_check(app, org_id).await?,
    })
}

/// The agency's standard materials, the latest expiry first.
pub(crate) async fn standard_materials_of(
    app: &App,
    org_id: &str,
) -> Result<Vec<StandardMaterialView>, AppError> {
    let today = emss_domain::time::shanghai_date(app.now());
    Ok(repo::standard_material::of_agency(&app.db().conn, org_id)
        .await?
        .into_iter()
        .map(|m| standard_materials::view(m, today))
        .collect())
}

/// The acting main account's agency, which must be filed to keep these records.
pub(super) async fn writable_org(app: &App, actor: &Actor) -> Result<String, AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let filed = repo::filing::get(&app.db().conn, &actor.org_id)
        .await?
        .is_some_and(|f| f.state == FilingState::Filed.as_str());
    if !filed {
        return Err(AppError::field(
            "state",
            "备案通过二审后方可登记人员、设备、备品备件和标准物质",
        ));
    }
    Ok(actor.org_id.clone())
}
