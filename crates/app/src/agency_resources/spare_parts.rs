//! 备品备件: the spare parts an agency keeps.

use super::{optional_text, text, writable_org};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use emss_db::entity::agency_spare_part;
use emss_db::repo;
use emss_domain::{Actor, ErrorCode};
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Default)]
pub struct SparePartInput {
    pub name: String,
    pub model: String,
    pub quantity: String,
    pub unit: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SparePartView {
    pub id: String,
    pub name: String,
    pub model: String,
    pub quantity: i32,
    pub unit: String,
    pub description: String,
}

pub(super) fn view(p: agency_spare_part::Model) -> SparePartView {
    SparePartView {
        id: p.id,
        name: p.name,
        model: p.model,
        quantity: p.quantity,
        unit: p.unit,
        description: p.description,
    }
}

fn check_spare_part(input: &SparePartInput) -> Result<(SparePartInput, i32), AppError> {
    let mut errors = FieldErrors::new();
    let checked = SparePartInput {
        name: text(&mut errors, "name", "备件名称", &input.name, 100),
        model: text(&mut errors, "model", "型号/规格", &input.model, 100),
        quantity: input.quantity.trim().to_string(),
        unit: text(&mut errors, "unit", "单位", &input.unit, 10),
        description: optional_text(&mut errors, "description", "说明", &input.description, 500),
    };
    let quantity = match checked.quantity.parse::<i32>() {
        Ok(q) if (0..=1_000_000).contains(&q) => q,
        _ => {
            errors.add("quantity", "数量须为 0 到 1000000 之间的整数");
            0
        }
    };
    errors.into_result()?;
    Ok((checked, quantity))
}

/// Adds (`id` None) or edits a spare part.
pub async fn save_spare_part(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    input: SparePartInput,
) -> Result<SparePartView, AppError> {
    let org_id = writable_org(app, actor).await?;
    let db = &app.db().conn;
    let existing = match id {
        Some(id) => Some(
            repo::agency_resources::spare_part(db, &org_id, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?,
        ),
        None => None,
    };
    let (c, quantity) = check_spare_part(&input)?;
    if let Some(other) =
        repo::agency_resources::spare_part_by_name(db, &org_id, &c.name, &c.model).await?
        && existing.as_ref().is_none_or(|e| e.id != other.id)
    {
        return Err(AppError::field(
            "model",
            "同名同型号的备品备件已登记，请修改其数量",
        ));
    }
    let now = app.now();
    let model = agency_spare_part::Model {
        id: existing
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_else(emss_domain::ids::new_id),
        org_id,
        name: c.name,
        model: c.model,
        quantity,
        unit: c.unit,
        description: c.description,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    };
    let txn = app.db().begin_write().await?;
    if existing.is_some() {
        repo::agency_resources::save_spare_part(&txn, model.clone()).await?;
    } else {
        repo::agency_resources::insert_spare_part(&txn, model.clone()).await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if existing.is_some() {
            "spare_part.update"
        } else {
            "spare_part.create"
        },
        Some(("spare_part", &model.id)),
        Outcome::Ok,
        json!({"name": model.name, "model": model.model, "quantity": model.quantity}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(model))
}

pub async fn delete_spare_part(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    let org_id = writable_org(app, actor).await?;
    let txn = app.db().begin_write().await?;
    let Some(found) = repo::agency_resources::spare_part(&txn, &org_id, id).await? else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    repo::agency_resources::delete_spare_part(&txn, &org_id, id).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "spare_part.delete",
        Some(("spare_part", id)),
        Outcome::Ok,
        json!({"name": found.name, "model": found.model}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}
