//! Lockout after repeated failed logins (AUTH-04), and the per-address throttle.

use crate::entity::{login_attempt, login_guard};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};

/// Until when `username` is locked, if it is locked at `now`.
pub async fn locked_until(
    db: &impl ConnectionTrait,
    username: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, DbErr> {
    Ok(login_guard::Entity::find_by_id(username.to_string())
        .one(db)
        .await?
        .and_then(|g| g.locked_until)
        .filter(|until| *until > now))
}

/// Counts a failure. Returns true when this failure locks the username.
pub async fn record_failure(
    db: &impl ConnectionTrait,
    username: &str,
    now: DateTime<Utc>,
    threshold: u32,
    window: Duration,
    lock_for: Duration,
) -> Result<bool, DbErr> {
    let current = login_guard::Entity::find_by_id(username.to_string())
        .one(db)
        .await?;
    let (failures, window_start) =
        match current.and_then(|g| g.window_start.map(|w| (g.failures, w))) {
            Some((n, start)) if now - start <= window => (n + 1, start),
            _ => (1, now),
        };
    let locks = failures >= threshold as i32;
    let model = login_guard::ActiveModel {
        username: Set(username.to_string()),
        failures: Set(if locks { 0 } else { failures }),
        window_start: Set(if locks { None } else { Some(window_start) }),
        locked_until: Set(locks.then(|| now + lock_for)),
    };
    login_guard::Entity::insert(model)
        .on_conflict(
            OnConflict::column(login_guard::Column::Username)
                .update_columns([
                    login_guard::Column::Failures,
                    login_guard::Column::WindowStart,
                    login_guard::Column::LockedUntil,
                ])
                .to_owned(),
        )
        .exec(db)
        .await?;
    Ok(locks)
}

/// A successful login clears the failures.
pub async fn clear(db: &impl ConnectionTrait, username: &str) -> Result<(), DbErr> {
    login_guard::Entity::delete_by_id(username.to_string())
        .exec(db)
        .await?;
    Ok(())
}

/// Records an attempt from `ip` and returns how many attempts it made in the minute up to `now`.
pub async fn count_attempt(
    db: &impl ConnectionTrait,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    login_attempt::ActiveModel {
        ip: Set(ip.to_string()),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    login_attempt::Entity::find()
        .filter(login_attempt::Column::Ip.eq(ip))
        .filter(login_attempt::Column::At.gt(now - Duration::minutes(1)))
        .count(db)
        .await
}

/// Forgets attempts older than a day.
pub async fn purge_attempts(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected)
}
