//! Idempotency keys, per account.

use crate::entity::idempotency_key;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter};

/// Claims a key; the unique key answers a second claim with a constraint violation.
pub async fn claim(db: &impl ConnectionTrait, model: idempotency_key::Model) -> Result<(), DbErr> {
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

/// Keeps the answer of the first request.
pub async fn finish(
    db: &impl ConnectionTrait,
    account_id: &str,
    key: &str,
    status: i32,
    body: &str,
) -> Result<(), DbErr> {
    idempotency_key::Entity::update_many()
        .col_expr(idempotency_key::Column::Status, Expr::value(status))
        .col_expr(idempotency_key::Column::Body, Expr::value(body))
        .filter(idempotency_key::Column::AccountId.eq(account_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}

/// Frees a key whose request failed: nothing was written, the phone may try again.
pub async fn release(db: &impl ConnectionTrait, account_id: &str, key: &str) -> Result<(), DbErr> {
    idempotency_key::Entity::delete_many()
        .filter(idempotency_key::Column::AccountId.eq(account_id))
        .filter(idempotency_key::Column::Key.eq(key))
        .exec(db)
        .await?;
    Ok(())
}
