//! Evidence images. Reads take who may see them: the uploader, until the field loop attaches
//! them to records others may see.

use crate::entity::evidence;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter};

pub async fn insert(db: &impl ConnectionTrait, model: evidence::Model) -> Result<(), DbErr> {
    evidence::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn get(
    db: &impl ConnectionTrait,
    uploaded_by: &str,
    id: &str,
) -> Result<Option<evidence::Model>, DbErr> {
    evidence::Entity::find_by_id(id)
        .filter(evidence::Column::UploadedBy.eq(uploaded_by))
        .one(db)
        .await
}
