//! 运维设备: the instruments an agency brings to site.

use super::{optional_text, text, writable_org};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use emss_db::entity::agency_equipment;
use emss_db::repo;
use emss_domain::{Actor, ErrorCode};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Default)]
pub struct EquipmentInput {
    pub device_no: String,
    pub name: String,
    pub serial_no: String,
    pub model: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EquipmentView {
    pub id: String,
    pub device_no: String,
    pub name: String,
    pub serial_no: String,
    pub model: String,
    pub description: String,
}

pub(crate) fn view(e: agency_equipment::Model) -> EquipmentView {
    EquipmentView {
        id: e.id,
        device_no: e.device_no,
        name: e.name,
        serial_no: e.serial_no,
        model: e.model,
        description: e.description,
    }
}

fn check_equipment(input: &EquipmentInput) -> Result<EquipmentInput, AppError> {
    let mut errors = FieldErrors::new();
    let checked = EquipmentInput {
        device_no: text(&mut errors, "device_no", "设备编号", &input.device_no, 50),
        name: text(&mut errors, "name", "设备名称", &input.name, 100),
        serial_no: text(&mut errors, "serial_no", "出厂编号", &input.serial_no, 100),
        model: text(&mut errors, "model", "型号/规格", &input.model, 100),
        description: optional_text(
            &mut errors,
            "description",
            "设备描述",
            &input.description,
            500,
        ),
    };
    errors.into_result()?;
    Ok(checked)
}

/// Adds (`id` None) or edits a piece of equipment.
pub async fn save_equipment(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    input: EquipmentInput,
) -> Result<EquipmentView, AppError> {
    let org_id = writable_org(app, actor).await?;
    let db = &app.db().conn;
    let existing = match id {
        Some(id) => Some(
            repo::agency_resources::equipment_item(db, &org_id, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?,
        ),
        None => None,
    };
    let c = check_equipment(&input)?;
    if let Some(other) =
        repo::agency_resources::equipment_by_device_no(db, &org_id, &c.device_no).await?
        && existing.as_ref().is_none_or(|e| e.id != other.id)
    {
        return Err(AppError::field("device_no", "该设备编号已登记"));
    }
    let now = app.now();
    let model = agency_equipment::Model {
        id: existing
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_else(emss_domain::ids::new_id),
        org_id,
        device_no: c.device_no,
        name: c.name,
        serial_no: c.serial_no,
        model: c.model,
        description: c.description,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    };
    let txn = app.db().begin_write().await?;
    if existing.is_some() {
        repo::agency_resources::save_equipment(&txn, model.clone()).await?;
    } else {
        repo::agency_resources::insert_equipment(&txn, model.clone()).await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if existing.is_some() {
            "equipment.update"
        } else {
            "equipment.create"
        },
        Some(("equipment", &model.id)),
        Outcome::Ok,
        json!({"device_no": model.device_no, "name": model.name}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(model))
}

pub async fn delete_equipment(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    let org_id = writable_org(app, actor).await?;
    let txn = app.db().begin_write().await?;
    let Some(found) = repo::agency_resources::equipment_item(&txn, &org_id, id).await? else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    // A task's 运维设备 table names it: it stays on record.
    if let Some(task) = repo::task::bound_in_tasks(&txn, crate::tasks::EQUIPMENT, id)
        .await?
        .first()
    {
        return Err(AppError::field(
            "equipment",
            &format!("该设备已用于运维任务“{}”，不能删除", task.name),
        ));
    }
    repo::agency_resources::delete_equipment(&txn, &org_id, id).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "equipment.delete",
        Some(("equipment", id)),
        Outcome::Ok,
        json!({"device_no": found.device_no, "name": found.name}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
