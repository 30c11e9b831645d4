//! Idempotency keys, per account, each with the answer of the write it was sent with.

use crate::entity::idempotency_key;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter};

/// Keeps a key and its answer; a key already kept answers with a constraint violation.
pub async fn insert(db: &impl ConnectionTrait, model: idempotency_key::Model) -> Result<(), DbErr> {
    idempotency_key::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn get(
    db: &impl ConnectionTrait,
    account_id: &str,
    key: &str,
) -> Result<Option<idempotency_key::Model>, DbErr> {
    idempotency_key::Entity::find_by_id((account_id.to_string(), key.to_string()))
        .one(db)
        .await
}

pub async fn delete_before(db: &impl ConnectionTrait, before: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::CreatedAt.lt(before))
        .exec(db)
        .await?
        .rows_affected)
}
