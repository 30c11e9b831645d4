//! Outlets' emission limits. Callers check the outlet is in scope first.

use crate::entity::emission_limit;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
};

pub async fn of_outlet(
    db: &impl ConnectionTrait,
    outlet_id: &str,
) -> Result<Vec<emission_limit::Model>, DbErr> {
    emission_limit::Entity::find()
        .filter(emission_limit::Column::OutletId.eq(outlet_id))
        .order_by_asc(emission_limit::Column::Parameter)
        .all(db)
        .await
}

/// Sets the outlet's limit of the pollutant, replacing the one it had.
pub async fn upsert(db: &impl ConnectionTrait, model: emission_limit::Model) -> Result<(), DbErr> {
    emission_limit::Entity::insert(model.into_active_model())
        .on_conflict(
            OnConflict::columns([
                emission_limit::Column::OutletId,
                emission_limit::Column::Parameter,
            ])
            .update_columns([
                emission_limit::Column::Value,
                emission_limit::Column::Unit,
                emission_limit::Column::Source,
                emission_limit::Column::UpdatedBy,
                emission_limit::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(db)
        .await?;
    Ok(())
}
