//! Evidence images. Who may see one is decided by the caller: its uploader, and the readers of
//! the records that carry it.

use crate::entity::evidence;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter};

pub async fn insert(db: &impl ConnectionTrait, model: evidence::Model) -> Result<(), DbErr> {
    evidence::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// An image, whoever may see it: the caller decides.
pub async fn get(db: &impl ConnectionTrait, id: &str) -> Result<Option<evidence::Model>, DbErr> {
    evidence::Entity::find_by_id(id).one(db).await
}

/// Images by id.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<evidence::Model>, DbErr> {
    evidence::Entity::find()
        .filter(evidence::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(db)
        .await
}
