//! Phones bound to accounts.

use crate::entity::device_binding;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

pub async fn insert(db: &impl ConnectionTrait, model: device_binding::Model) -> Result<(), DbErr> {
    device_binding::ActiveModel {
        id: Set(model.id),
        account_id: Set(model.account_id),
        label: Set(model.label),
        created_at: Set(model.created_at),
        last_used_at: Set(model.last_used_at),
        expires_at: Set(model.expires_at),
        revoked_at: Set(model.revoked_at),
    }
    .insert(db)
    .await?;
    Ok(())
}

/// The binding, if it is still in force at `now`.
pub async fn find_active(
    db: &impl ConnectionTrait,
    id: &str,
    now: DateTime<Utc>,
) -> Result<Option<device_binding::Model>, DbErr> {
    Ok(device_binding::Entity::find_by_id(id.to_string())
        .one(db)
        .await?
        .filter(|b| b.revoked_at.is_none() && b.expires_at > now))
}

pub async fn touch(db: &impl ConnectionTrait, id: &str, at: DateTime<Utc>) -> Result<(), DbErr> {
    device_binding::Entity::update_many()
        .col_expr(device_binding::Column::LastUsedAt, Expr::value(at))
        .filter(device_binding::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// An account's bindings in force, newest first.
pub async fn active_for_account(
    db: &impl ConnectionTrait,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<device_binding::Model>, DbErr> {
    device_binding::Entity::find()
        .filter(device_binding::Column::AccountId.eq(account_id))
        .filter(device_binding::Column::RevokedAt.is_null())
        .filter(device_binding::Column::ExpiresAt.gt(now))
        .order_by_desc(device_binding::Column::CreatedAt)
        .all(db)
        .await
}

/// Revokes one binding of `account_id`; returns whether there was one to revoke.
pub async fn revoke(
    db: &impl ConnectionTrait,
    id: &str,
    account_id: &str,
    at: DateTime<Utc>,
) -> Result<bool, DbErr> {
    Ok(device_binding::Entity::update_many()
        .col_expr(device_binding::Column::RevokedAt, Expr::value(at))
        .filter(device_binding::Column::Id.eq(id))
        .filter(device_binding::Column::AccountId.eq(account_id))
        .filter(device_binding::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected
        > 0)
}

/// Revokes every binding of an account (disabled, password changed or reset).
pub async fn revoke_for_account(
    db: &impl ConnectionTrait,
    account_id: &str,
    at: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(device_binding::Entity::update_many()
        .col_expr(device_binding::Column::RevokedAt, Expr::value(at))
        .filter(device_binding::Column::AccountId.eq(account_id))
        .filter(device_binding::Column::RevokedAt.is_null())
        .exec(db)
        .await?
        .rows_affected)
}
