//! An agency's personnel, equipment and spare parts. Every query names the agency: an agency
//! reaches only its own rows.

use crate::entity::{agency_equipment, agency_spare_part, agency_staff};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder,
};

pub async fn staff(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<agency_staff::Model>, DbErr> {
    agency_staff::Entity::find()
        .filter(agency_staff::Column::OrgId.eq(org_id))
        .order_by_asc(agency_staff::Column::Resigned)
        .order_by_asc(agency_staff::Column::CreatedAt)
        .order_by_asc(agency_staff::Column::Id)
        .all(db)
        .await
}

pub async fn staff_member(
    db: &impl ConnectionTrait,
    org_id: &str,
    id: &str,
) -> Result<Option<agency_staff::Model>, DbErr> {
    agency_staff::Entity::find_by_id(id)
        .filter(agency_staff::Column::OrgId.eq(org_id))
        .one(db)
        .await
}

/// The staff member with this ID number (by blind index) in the agency, if any.
pub async fn staff_by_id_number(
    db: &impl ConnectionTrait,
    org_id: &str,
    index: &str,
) -> Result<Option<agency_staff::Model>, DbErr> {
    agency_staff::Entity::find()
        .filter(agency_staff::Column::OrgId.eq(org_id))
        .filter(agency_staff::Column::IdNumberIndex.eq(index))
        .one(db)
        .await
}

/// The staff record that holds this login, if any.
pub async fn staff_by_account(
    db: &impl ConnectionTrait,
    account_id: &str,
) -> Result<Option<agency_staff::Model>, DbErr> {
    agency_staff::Entity::find()
        .filter(agency_staff::Column::AccountId.eq(account_id))
        .one(db)
        .await
}

pub async fn active_staff_count(db: &impl ConnectionTrait, org_id: &str) -> Result<u64, DbErr> {
    agency_staff::Entity::find()
        .filter(agency_staff::Column::OrgId.eq(org_id))
        .filter(agency_staff::Column::Resigned.eq(false))
        .count(db)
        .await
}

pub async fn insert_staff(
    db: &impl ConnectionTrait,
    model: agency_staff::Model,
) -> Result<(), DbErr> {
    agency_staff::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn save_staff(
    db: &impl ConnectionTrait,
    model: agency_staff::Model,
) -> Result<(), DbErr> {
    // Every column is written: the caller passes the whole row.
    model.into_active_model().reset_all().update(db).await?;
    Ok(())
}

pub async fn equipment(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<agency_equipment::Model>, DbErr> {
    agency_equipment::Entity::find()
        .filter(agency_equipment::Column::OrgId.eq(org_id))
        .order_by_asc(agency_equipment::Column::DeviceNo)
        .all(db)
        .await
}

pub async fn equipment_item(
    db: &impl ConnectionTrait,
    org_id: &str,
    id: &str,
) -> Result<Option<agency_equipment::Model>, DbErr> {
    agency_equipment::Entity::find_by_id(id)
        .filter(agency_equipment::Column::OrgId.eq(org_id))
        .one(db)
        .await
}

pub async fn equipment_by_device_no(
    db: &impl ConnectionTrait,
    org_id: &str,
    device_no: &str,
) -> Result<Option<agency_equipment::Model>, DbErr> {
    agency_equipment::Entity::find()
        .filter(agency_equipment::Column::OrgId.eq(org_id))
        .filter(agency_equipment::Column::DeviceNo.eq(device_no))
        .one(db)
        .await
}

pub async fn insert_equipment(
    db: &impl ConnectionTrait,
    model: agency_equipment::Model,
) -> Result<(), DbErr> {
    agency_equipment::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn save_equipment(
    db: &impl ConnectionTrait,
    model: agency_equipment::Model,
) -> Result<(), DbErr> {
    // Every column is written: the caller passes the whole row.
    model.into_active_model().reset_all().update(db).await?;
    Ok(())
}

pub async fn delete_equipment(
    db: &impl ConnectionTrait,
    org_id: &str,
    id: &str,
) -> Result<bool, DbErr> {
    let done = agency_equipment::Entity::delete_many()
        .filter(agency_equipment::Column::OrgId.eq(org_id))
        .filter(agency_equipment::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

pub async fn spare_parts(
    db: &impl ConnectionTrait,
    org_id: &str,
) -> Result<Vec<agency_spare_part::Model>, DbErr> {
    agency_spare_part::Entity::find()
        .filter(agency_spare_part::Column::OrgId.eq(org_id))
        .order_by_asc(agency_spare_part::Column::Name)
        .order_by_asc(agency_spare_part::Column::Model)
        .all(db)
        .await
}

pub async fn spare_part(
    db: &impl ConnectionTrait,
    org_id: &str,
    id: &str,
) -> Result<Option<agency_spare_part::Model>, DbErr> {
    agency_spare_part::Entity::find_by_id(id)
        .filter(agency_spare_part::Column::OrgId.eq(org_id))
        .one(db)
        .await
}

pub async fn spare_part_by_name(
    db: &impl ConnectionTrait,
    org_id: &str,
    name: &str,
    model: &str,
) -> Result<Option<agency_spare_part::Model>, DbErr> {
    agency_spare_part::Entity::find()
        .filter(agency_spare_part::Column::OrgId.eq(org_id))
        .filter(agency_spare_part::Column::Name.eq(name))
        .filter(agency_spare_part::Column::Model.eq(model))
        .one(db)
        .await
}

pub async fn insert_spare_part(
    db: &impl ConnectionTrait,
    model: agency_spare_part::Model,
) -> Result<(), DbErr> {
    agency_spare_part::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn save_spare_part(
    db: &impl ConnectionTrait,
    model: agency_spare_part::Model,
) -> Result<(), DbErr> {
    // Every column is written: the caller passes the whole row.
    model.into_active_model().reset_all().update(db).await?;
    Ok(())
}

pub async fn delete_spare_part(
    db: &impl ConnectionTrait,
    org_id: &str,
    id: &str,
) -> Result<bool, DbErr> {
    let done = agency_spare_part::Entity::delete_many()
        .filter(agency_spare_part::Column::OrgId.eq(org_id))
        .filter(agency_spare_part::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Every staff ID number ciphertext with its key id: (staff id, key id, cipher).
pub async fn id_number_ciphers(
    db: &impl ConnectionTrait,
) -> Result<Vec<(String, String, String)>, DbErr> {
    Ok(agency_staff::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s.id_number_key, s.id_number_cipher))
        .collect())
}

/// Replaces an ID number's ciphertext (same number, new key).
pub async fn set_id_number_cipher(
    db: &impl ConnectionTrait,
    id: &str,
    cipher: &str,
    key_id: &str,
) -> Result<(), DbErr> {
    agency_staff::Entity::update_many()
        .col_expr(agency_staff::Column::IdNumberCipher, Expr::value(cipher))
        .col_expr(agency_staff::Column::IdNumberKey, Expr::value(key_id))
        .filter(agency_staff::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}
