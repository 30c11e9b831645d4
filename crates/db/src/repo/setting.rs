//! System settings and markers.

use crate::entity::setting;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait, Set};

pub async fn get(db: &impl ConnectionTrait, key: &str) -> Result<Option<String>, DbErr> {
    Ok(setting::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
        .map(|s| s.value))
}

pub async fn set(
    db: &impl ConnectionTrait,
    key: &str,
    value: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    setting::Entity::insert(setting::ActiveModel {
        key: Set(key.to_string()),
        value: Set(value.to_string()),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .update_columns([setting::Column::Value, setting::Column::UpdatedAt])
            .to_owned(),
    )
    .exec(db)
    .await?;
    Ok(())
}

/// Claims `key` for this instance: true for the one instance whose insert went in first (a job
/// that runs once a day across instances claims its day), false for every other.
pub async fn claim(db: &impl ConnectionTrait, key: &str, at: DateTime<Utc>) -> Result<bool, DbErr> {
    let inserted = setting::Entity::insert(setting::ActiveModel {
        key: Set(key.to_string()),
        value: Set(at.to_rfc3339()),
        updated_at: Set(at),
    })
    .on_conflict(
        OnConflict::column(setting::Column::Key)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(inserted == 1)
}
