//! Published form definition versions. The table is small (15 form types × a few versions).

use crate::entity::form_definition::{self, Column, Entity};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect,
};

/// The latest published version of every form type: (code, version).
pub async fn latest_versions(db: &impl ConnectionTrait) -> Result<Vec<(String, i32)>, DbErr> {
    Entity::find()
        .select_only()
        .column(Column::Code)
        .column_as(Column::Version.max(), "version")
        .group_by(Column::Code)
        .order_by_asc(Column::Code)
        .into_tuple()
        .all(db)
        .await
}

pub async fn get(
    db: &impl ConnectionTrait,
    code: &str,
    version: i32,
) -> Result<Option<form_definition::Model>, DbErr> {
    Entity::find_by_id((code.to_string(), version))
        .one(db)
        .await
}

/// Every version of one form type, newest first.
pub async fn versions(
    db: &impl ConnectionTrait,
    code: &str,
) -> Result<Vec<form_definition::Model>, DbErr> {
    Entity::find()
        .filter(Column::Code.eq(code))
        .order_by_desc(Column::Version)
        .all(db)
        .await
}

/// Inserts a version; a version already present (another instance got there first) is left as
/// it is, and the caller reads it back.
pub async fn insert(db: &impl ConnectionTrait, row: form_definition::Model) -> Result<(), DbErr> {
    let active: form_definition::ActiveModel = row.into();
    Entity::insert(active)
        .on_conflict(
            OnConflict::columns([Column::Code, Column::Version])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Inserts a version that must not exist yet (a regulator's publication): a concurrent
/// publication of the same version fails with a unique-constraint error.
pub async fn insert_new(
    db: &impl ConnectionTrait,
    row: form_definition::Model,
) -> Result<(), DbErr> {
    let active: form_definition::ActiveModel = row.into();
    Entity::insert(active).exec_without_returning(db).await?;
    Ok(())
}
