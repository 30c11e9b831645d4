//! The checkpoints this instance witnesses for other EMSS logs.

use crate::entity::witnessed_checkpoint;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, DbErr, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// The newest checkpoint held for the log key `key_id` (hex).
pub async fn latest(
    db: &impl ConnectionTrait,
    key_id: &str,
) -> Result<Option<witnessed_checkpoint::Model>, DbErr> {
    witnessed_checkpoint::Entity::find()
        .filter(witnessed_checkpoint::Column::KeyId.eq(key_id))
        .order_by_desc(witnessed_checkpoint::Column::Size)
        .one(db)
        .await
}

/// Serialises witnesses of the same database until the end of the transaction `db`, so the
/// newest checkpoint read before an insert is still the newest when it commits. On SQLite the
/// write transaction already does this.
pub async fn lock(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        db.execute_unprepared("SELECT pg_advisory_xact_lock(7731003)")
            .await?;
    }
    Ok(())
}

pub async fn insert(
    db: &impl ConnectionTrait,
    key_id: &str,
    size: u64,
    root_hex: &str,
    note: &str,
    at: DateTime<Utc>,
) -> Result<(), DbErr> {
    witnessed_checkpoint::Entity::insert(witnessed_checkpoint::ActiveModel {
        key_id: Set(key_id.to_string()),
        size: Set(size as i64),
        root: Set(root_hex.to_string()),
        note: Set(note.to_string()),
        received_at: Set(at),
    })
    .exec_without_returning(db)
    .await?;
    Ok(())
}
