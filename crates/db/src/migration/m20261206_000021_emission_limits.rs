//! An outlet's emission limits (`emission_limit`): one row per outlet and pollutant, kept by the
//! enterprise (each change in the audit log), for the rules that apply only below a
//! concentration the limit must also be below (the NMHC accuracy of HJ 1286-2023).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use EmissionLimit as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(string(E::Id).primary_key())
                    .col(string(E::OutletId))
                    .col(string(E::Parameter))
                    .col(string(E::Value))
                    .col(string(E::Unit))
                    .col(string(E::Source))
                    .col(string_null(E::UpdatedBy))
                    .col(timestamp_with_time_zone(E::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("emission_limit_outlet")
                    .table(E::Table)
                    .col(E::OutletId)
                    .col(E::Parameter)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(EmissionLimit::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum EmissionLimit {
    Table,
    Id,
    OutletId,
    Parameter,
    Value,
    Unit,
    Source,
    UpdatedBy,
    UpdatedAt,
}
