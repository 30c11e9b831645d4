//! Server-side sessions.

use crate::entity::session;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    Set,
};

pub async fn insert(
    db: &impl ConnectionTrait,
    model: session::Model,
) -> Result<session::Model, DbErr> {
    session::ActiveModel {
        id: Set(model.id),
        account_id: Set(model.account_id),
        kind: Set(model.kind),
        csrf_token: Set(model.csrf_token),
        created_at: Set(model.created_at),
        last_seen_at: Set(model.last_seen_at),
        expires_at: Set(model.expires_at),
        ip: Set(model.ip),
        user_agent: Set(model.user_agent),
        ended_reason: Set(model.ended_reason),
    }
    .insert(db)
    .await
}

pub async fn find(db: &impl ConnectionTrait, id: &str) -> Result<Option<session::Model>, DbErr> {
    session::Entity::find_by_id(id.to_string()).one(db).await
}

pub async fn touch(db: &impl ConnectionTrait, id: &str, at: DateTime<Utc>) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::LastSeenAt, Expr::value(at))
        .filter(session::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

pub async fn delete(db: &impl ConnectionTrait, id: &str) -> Result<(), DbErr> {
    session::Entity::delete_by_id(id.to_string())
        .exec(db)
        .await?;
    Ok(())
}

/// The open sessions of an account, oldest first.
pub async fn open_for_account(
    db: &impl ConnectionTrait,
    account_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<session::Model>, DbErr> {
    session::Entity::find()
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::EndedReason.is_null())
        .filter(session::Column::ExpiresAt.gt(now))
        .order_by_asc(session::Column::CreatedAt)
        .all(db)
        .await
}

/// Ends one session, remembering why, so its next request can tell the user.
pub async fn end(db: &impl ConnectionTrait, id: &str, reason: &str) -> Result<(), DbErr> {
    session::Entity::update_many()
        .col_expr(session::Column::EndedReason, Expr::value(reason))
        .filter(session::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// Ends every open session of an account, except `keep`.
pub async fn end_for_account(
    db: &impl ConnectionTrait,
    account_id: &str,
    reason: &str,
    keep: Option<&str>,
) -> Result<u64, DbErr> {
    let mut q = session::Entity::update_many()
        .col_expr(session::Column::EndedReason, Expr::value(reason))
        .filter(session::Column::AccountId.eq(account_id))
        .filter(session::Column::EndedReason.is_null());
    if let Some(keep) = keep {
        q = q.filter(session::Column::Id.ne(keep));
    }
    Ok(q.exec(db).await?.rows_affected)
}

/// Removes sessions past their absolute end.
pub async fn delete_expired(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(session::Entity::delete_many()
        .filter(session::Column::ExpiresAt.lte(now))
        .exec(db)
        .await?
        .rows_affected)
}
