//! An agency's standard materials. Every query names the agency: an agency reaches only its own.

use crate::entity::standard_material;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, QueryOrder,
};

/// The agency's materials, the latest expiry first.
pub async fn of_agency(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<standard_material::Model>, DbErr> {
    standard_material::Entity::find()
        .filter(standard_material::Column::OrgId.eq(org_id))
        .order_by_desc(standard_material::Column::ExpiresOn)
        .order_by_asc(standard_material::Column::CertificateNo)
        .order_by_asc(standard_material::Column::Component)
        .all(db)
        .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    org_id: &str,
    id: &str,
) -> Result<Option<standard_material::Model>, DbErr> {
    standard_material::Entity::find_by_id(id)
        .filter(standard_material::Column::OrgId.eq(org_id))
        .one(db)
        .await
}

pub async fn by_certificate(
    db: &impl ConnectionTrait,
    org_id: &str,
    certificate_no: &str,
    component: &str,
) -> Result<Option<standard_material::Model>, DbErr> {
    standard_material::Entity::find()
        .filter(standard_material::Column::OrgId.eq(org_id))
        .filter(standard_material::Column::CertificateNo.eq(certificate_no))
        .filter(standard_material::Column::Component.eq(component))
        .one(db)
        .await
}

pub async fn insert(
    db: &impl ConnectionTrait,
    model: standard_material::Model,
) -> Result<(), DbErr> {
    standard_material::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Writes an unused row whole; false when a record chose it meanwhile (it then stays as used).
pub async fn save_unused(
    db: &impl ConnectionTrait,
    model: standard_material::Model,
) -> Result<bool, DbErr> {
    let id = model.id.clone();
    let done = standard_material::Entity::update_many()
        .set(model.into_active_model().reset_all())
        .filter(standard_material::Column::Id.eq(id))
        .filter(standard_material::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Marks the materials a record chose as used, the first time.
pub async fn mark_used(
    db: &impl ConnectionTrait,
    org_id: &str,
    ids: &[String],
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    if ids.is_empty() {
        return Ok(());
    }
    standard_material::Entity::update_many()
        .col_expr(standard_material::Column::UsedAt, Expr::value(at))
        .filter(standard_material::Column::OrgId.eq(org_id))
        .filter(standard_material::Column::Id.is_in(ids.iter().cloned()))
        .filter(standard_material::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
