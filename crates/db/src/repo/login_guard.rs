//! Lockout after repeated failed logins (AUTH-04), and the per-address throttle.

use crate::entity::{login_attempt, login_guard};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, Set,
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

/// What the guard of a username says about one more password check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reservation {
    /// Check it; it is the `n`-th attempt of the window (counted already, as a failure until
    /// [`clear`] says otherwise).
    Check(i32),
    /// Locked, or the window's attempts are all taken by checks still running: refuse without
    /// checking.
    Refuse,
}

/// Counts one password check of `username` before the password is checked, so that checks sent
/// together cannot outrun the lockout: at most `threshold` are checked per window. Call in a
/// write transaction (the row is locked on PostgreSQL; SQLite's write transaction is exclusive).
pub async fn reserve(
    db: &impl ConnectionTrait,
    username: &str,
    now: DateTime<Utc>,
    threshold: u32,
    window: Duration,
) -> Result<Reservation, DbErr> {
    login_guard::Entity::insert(login_guard::ActiveModel {
        username: Set(username.to_string()),
        failures: Set(0),
        window_start: Set(None),
        locked_until: Set(None),
    })
    .on_conflict(
        OnConflict::column(login_guard::Column::Username)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    let Some(guard) = login_guard::Entity::find_by_id(username.to_string())
        .lock_exclusive()
        .one(db)
        .await?
    else {
        return Ok(Reservation::Refuse);
    };
    if guard.locked_until.is_some_and(|until| until > now) {
        return Ok(Reservation::Refuse);
    }
    let (n, start) = match guard.window_start {
        Some(start) if now - start <= window => (guard.failures + 1, start),
        _ => (1, now),
    };
    login_guard::Entity::update(login_guard::ActiveModel {
        username: Set(username.to_string()),
        failures: Set(n),
        window_start: Set(Some(start)),
        locked_until: Set(None),
    })
    .exec(db)
    .await?;
    Ok(if n > threshold as i32 {
        Reservation::Refuse
    } else {
        Reservation::Check(n)
    })
}

/// The check reserved as attempt `n` failed: the last attempt the window allows (`n` =
/// `threshold`) locks the username for `lock_for`. Returns whether it did.
pub async fn settle_failure(
    db: &impl ConnectionTrait,
    username: &str,
    n: i32,
    threshold: u32,
    now: DateTime<Utc>,
    lock_for: Duration,
) -> Result<bool, DbErr> {
    if n < threshold as i32 {
        return Ok(false);
    }
    login_guard::Entity::insert(login_guard::ActiveModel {
        username: Set(username.to_string()),
        failures: Set(0),
        window_start: Set(None),
        locked_until: Set(Some(now + lock_for)),
    })
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
    Ok(true)
}

/// A right password clears the failures counted, those of checks still running included.
pub async fn clear(db: &impl ConnectionTrait, username: &str) -> Result<(), DbErr> {
    login_guard::Entity::delete_by_id(username.to_string())
        .exec(db)
        .await?;
    Ok(())
}

/// Records an attempt from `ip` (`ip` may carry a prefix naming what is throttled); returns its
/// id, to forget it when it succeeds.
pub async fn record_attempt(
    db: &impl ConnectionTrait,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<i32, DbErr> {
    Ok(login_attempt::ActiveModel {
        ip: Set(ip.to_string()),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?
    .id)
}

/// Forgets one recorded attempt (a login that succeeded does not count towards the throttle).
pub async fn forget_attempt(db: &impl ConnectionTrait, id: i32) -> Result<(), DbErr> {
    login_attempt::Entity::delete_by_id(id).exec(db).await?;
    Ok(())
}

/// How many attempts `ip` recorded in the minute up to `now`.
pub async fn recent_attempts(
    db: &impl ConnectionTrait,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    login_attempt::Entity::find()
        .filter(login_attempt::Column::Ip.eq(ip))
        .filter(login_attempt::Column::At.gt(now - Duration::minutes(1)))
        .count(db)
        .await
}

/// Records an attempt from `ip` and returns how many attempts it made in the minute up to `now`.
pub async fn count_attempt(
    db: &impl ConnectionTrait,
    ip: &str,
    now: DateTime<Utc>,
) -> Result<u64, DbErr> {
    record_attempt(db, ip, now).await?;
    recent_attempts(db, ip, now).await
}

/// Forgets attempts older than a day.
pub async fn purge_attempts(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, DbErr> {
    Ok(login_attempt::Entity::delete_many()
        .filter(login_attempt::Column::At.lt(now - Duration::days(1)))
        .exec(db)
        .await?
        .rows_affected)
}
