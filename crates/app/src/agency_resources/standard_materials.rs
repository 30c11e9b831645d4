//! 标准物质: the standard gases, solutions and samples an agency keeps, each from its
//! certificate. Field staff choose them on calibration and check forms, which then take the
//! certified value from here and judge the expiry on the day of the visit. A material a record
//! has chosen no longer changes: a wrong certificate is registered again, correctly.

use super::{text, writable_org};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::standard_material;
use emss_db::repo;
use emss_domain::form::number::{format_decimal, parse_decimal};
use emss_domain::form::standard::{MaterialKind, StandardMaterial};
use emss_domain::monitoring::{FLUE_GAS_PARAMETERS, WASTEWATER_PARAMETERS};
use emss_domain::{Actor, ErrorCode};
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::json;

#[derive(Debug, Clone, Default)]
pub struct StandardMaterialInput {
    pub kind: String,
    pub certificate_no: String,
    pub producer: String,
    pub lot_no: String,
    pub component: String,
    pub certified_value: String,
    pub uncertainty: String,
    pub unit: String,
    pub expires_on: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StandardMaterialView {
    pub id: String,
    /// gas | solution | sample.
    pub kind: String,
    pub kind_label: String,
    pub certificate_no: String,
    pub producer: String,
    pub lot_no: String,
    pub component: String,
    pub certified_value: String,
    pub uncertainty: String,
    pub unit: String,
    pub expires_on: NaiveDate,
    /// Past its expiry today.
    pub expired: bool,
    /// A record has chosen it: it no longer changes.
    pub used: bool,
}

/// The components a material may certify: the parameters instruments measure.
pub fn components() -> impl Iterator<Item = &'static str> {
    WASTEWATER_PARAMETERS.into_iter().chain(FLUE_GAS_PARAMETERS)
}

pub(crate) fn view(m: standard_material::Model, today: NaiveDate) -> StandardMaterialView {
    StandardMaterialView {
        kind_label: MaterialKind::parse(&m.kind)
            .map(MaterialKind::label)
            .unwrap_or_default()
            .to_string(),
        expired: m.expires_on < today,
        used: m.used_at.is_some(),
        id: m.id,
        kind: m.kind,
        certificate_no: m.certificate_no,
        producer: m.producer,
        lot_no: m.lot_no,
        component: m.component,
        certified_value: m.certified_value,
        uncertainty: m.uncertainty,
        unit: m.unit,
        expires_on: m.expires_on,
    }
}

/// A stored row as the form evaluation reads it; None for a row that does not read (never
/// written so: every write is checked).
pub(crate) fn material(m: &standard_material::Model) -> Option<StandardMaterial> {
    Some(StandardMaterial {
        id: m.id.clone(),
        kind: MaterialKind::parse(&m.kind)?,
        certificate_no: m.certificate_no.clone(),
        producer: m.producer.clone(),
        lot_no: m.lot_no.clone(),
        component: m.component.clone(),
        certified_value: parse_decimal(&m.certified_value)?,
        uncertainty: m.uncertainty.clone(),
        unit: m.unit.clone(),
        expires_on: m.expires_on,
    })
}

struct Checked {
    kind: MaterialKind,
    certificate_no: String,
    producer: String,
    lot_no: String,
    component: String,
    certified_value: Decimal,
    uncertainty: String,
    unit: String,
    expires_on: NaiveDate,
}

fn check(input: &StandardMaterialInput) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::new();
    let kind = MaterialKind::parse(input.kind.trim());
    if kind.is_none() {
        errors.add("kind", "请选择类别（标准气体、标准溶液或标准样品）");
    }
    let component = input.component.trim().to_string();
    if !components().any(|c| c == component) {
        errors.add("component", "请选择组分（与仪器的监测参数同名）");
    }
    let value = parse_decimal(input.certified_value.trim())
        .filter(|v| v.is_sign_positive() && !v.is_zero() && v.scale() <= 6);
    if value.is_none() {
        errors.add("certified_value", "标准值须为大于 0 的数字，最多 6 位小数");
    }
    let expires_on = NaiveDate::parse_from_str(input.expires_on.trim(), "%Y-%m-%d").ok();
    if expires_on.is_none() {
        errors.add("expires_on", "有效期应为日期，如 2027-06-30");
    }
    let checked = Checked {
        kind: kind.unwrap_or(MaterialKind::Gas),
        certificate_no: text(
            &mut errors,
            "certificate_no",
            "证书编号",
            &input.certificate_no,
            50,
        ),
        producer: text(&mut errors, "producer", "生产单位", &input.producer, 100),
        lot_no: text(&mut errors, "lot_no", "批号", &input.lot_no, 50),
        component,
        certified_value: value.unwrap_or_default(),
        uncertainty: text(
            &mut errors,
            "uncertainty",
            "不确定度",
            &input.uncertainty,
            50,
        ),
        unit: text(&mut errors, "unit", "计量单位", &input.unit, 20),
        expires_on: expires_on.unwrap_or_default(),
    };
    errors.into_result()?;
    Ok(checked)
}

/// Adds (`id` None) or corrects a standard material; one a record has chosen is refused.
pub async fn save_standard_material(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    input: StandardMaterialInput,
) -> Result<StandardMaterialView, AppError> {
    let org_id = writable_org(app, actor).await?;
    let db = &app.db().conn;
    let existing = match id {
        Some(id) => Some(
            repo::standard_material::get(db, &org_id, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?,
        ),
        None => None,
    };
    const IN_USE: &str =
        "该标准物质已被运维记录选用，不能再修改；证书信息有误的，请按正确信息另行登记";
    if existing.as_ref().is_some_and(|e| e.used_at.is_some()) {
        return Err(AppError::field("state", IN_USE));
    }
    let c = check(&input)?;
    if let Some(other) =
        repo::standard_material::by_certificate(db, &org_id, &c.certificate_no, &c.component)
            .await?
        && existing.as_ref().is_none_or(|e| e.id != other.id)
    {
        return Err(AppError::field("certificate_no", "该证书的这一组分已登记"));
    }
    let now = app.now();
    let model = standard_material::Model {
        id: existing
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_else(emss_domain::ids::new_id),
        org_id,
        kind: c.kind.as_str().to_string(),
        certificate_no: c.certificate_no,
        producer: c.producer,
        lot_no: c.lot_no,
        component: c.component,
        certified_value: format_decimal(c.certified_value, None),
        uncertainty: c.uncertainty,
        unit: c.unit,
        expires_on: c.expires_on,
        used_at: None,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    };
    let txn = app.db().begin_write().await?;
    if existing.is_some() {
        if !repo::standard_material::save_unused(&txn, model.clone()).await? {
            return Err(AppError::field("state", IN_USE));
        }
    } else {
        repo::standard_material::insert(&txn, model.clone()).await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if existing.is_some() {
            "standard_material.update"
        } else {
            "standard_material.create"
        },
        Some(("standard_material", &model.id)),
        Outcome::Ok,
        json!({
            "certificate_no": model.certificate_no,
            "component": model.component,
            "certified_value": model.certified_value,
            "unit": model.unit,
            "expires_on": model.expires_on,
        }),
    )
    .await?;
    txn.commit().await?;
    Ok(view(model, emss_domain::time::shanghai_date(now)))
}
