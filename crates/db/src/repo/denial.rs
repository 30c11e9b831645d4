//! Refusals counted per principal, route and window (see the `denial_window` migration).

use crate::entity::denial_window::{self, Column as C, Entity};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};

/// Who was refused where, and when the window began.
#[derive(Debug, Clone)]
pub struct DenialKey {
    pub principal: String,
    pub route: String,
    pub window_start: DateTime<Utc>,
}

/// The refused actor, as the window's first audit entry records it.
#[derive(Debug, Clone)]
pub struct Refused {
    pub action: String,
    pub actor_id: Option<String>,
    pub org_id: Option<String>,
    pub roles: String,
    pub ip: Option<String>,
}

fn of_key(key: &DenialKey) -> sea_orm::Condition {
    sea_orm::Condition::all()
        .add(C::Principal.eq(key.principal.as_str()))
        .add(C::Route.eq(key.route.as_str()))
        .add(C::WindowStart.eq(key.window_start))
}

/// Counts one refusal answered with `code` at `at`. True when it is the first of its window: the
/// caller writes it to the audit log in the same transaction.
pub async fn count(
    db: &impl ConnectionTrait,
    key: &DenialKey,
    refused: Refused,
    at: DateTime<Utc>,
    code: &str,
) -> Result<bool, DbErr> {
    let inserted = Entity::insert(denial_window::ActiveModel {
        principal: Set(key.principal.clone()),
        route: Set(key.route.clone()),
        window_start: Set(key.window_start),
        action: Set(refused.action),
        actor_id: Set(refused.actor_id),
        org_id: Set(refused.org_id),
        roles: Set(refused.roles),
        ip: Set(refused.ip),
        count: Set(1),
        reported: Set(1),
        first_at: Set(at),
        last_at: Set(at),
        codes: Set(code.to_string()),
    })
    .on_conflict(
        OnConflict::columns([C::Principal, C::Route, C::WindowStart])
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    if inserted > 0 {
        return Ok(true);
    }
    Entity::update_many()
        .col_expr(C::Count, Expr::col(C::Count).add(1))
        .col_expr(C::LastAt, Expr::value(at))
        .filter(of_key(key))
        .exec(db)
        .await?;
    if let Some(row) = Entity::find().filter(of_key(key)).one(db).await?
        && !row.codes.split(',').any(|c| c == code)
    {
        Entity::update_many()
            .col_expr(C::Codes, Expr::value(format!("{},{code}", row.codes)))
            .filter(of_key(key))
            .exec(db)
            .await?;
    }
    Ok(false)
}

/// Windows holding refusals the audit log does not report yet: those begun before
/// `closed_before`, or every one when it is `None` (an instance stopping).
pub async fn unreported(
    db: &impl ConnectionTrait,
    closed_before: Option<DateTime<Utc>>,
) -> Result<Vec<denial_window::Model>, DbErr> {
    let mut query = Entity::find().filter(Expr::col(C::Count).gt(Expr::col(C::Reported)));
    if let Some(before) = closed_before {
        query = query.filter(C::WindowStart.lt(before));
    }
    query.order_by_asc(C::WindowStart).all(db).await
}

/// Marks everything `row` counted as reported, unless another instance did meanwhile (or the
/// count grew): returns whether this call did.
pub async fn mark_reported(
    db: &impl ConnectionTrait,
    row: &denial_window::Model,
) -> Result<bool, DbErr> {
    let done = Entity::update_many()
        .col_expr(C::Reported, Expr::value(row.count))
        .filter(C::Principal.eq(row.principal.as_str()))
        .filter(C::Route.eq(row.route.as_str()))
        .filter(C::WindowStart.eq(row.window_start))
        .filter(C::Reported.eq(row.reported))
        .filter(C::Count.eq(row.count))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// Removes windows begun before `before` whose refusals are all reported.
pub async fn forget_reported(
    db: &impl ConnectionTrait,
    before: DateTime<Utc>,
) -> Result<u64, DbErr> {
    Ok(Entity::delete_many()
        .filter(C::WindowStart.lt(before))
        .filter(Expr::col(C::Count).eq(Expr::col(C::Reported)))
        .exec(db)
        .await?
        .rows_affected)
}
