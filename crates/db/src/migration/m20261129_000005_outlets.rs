//! Enterprises' outlets (排口) and the monitoring instruments at each.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Outlet::Table)
                    .col(string(Outlet::Id).primary_key())
                    .col(string(Outlet::EnterpriseId))
                    .col(string(Outlet::Kind))
                    .col(string(Outlet::Name))
                    .col(string(Outlet::Address))
                    .col(string(Outlet::Latitude))
                    .col(string(Outlet::Longitude))
                    .col(text(Outlet::Parameters))
                    .col(timestamp_with_time_zone(Outlet::CreatedAt))
                    .col(timestamp_with_time_zone(Outlet::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("outlet_enterprise_name")
                    .table(Outlet::Table)
                    .col(Outlet::EnterpriseId)
                    .col(Outlet::Name)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Instrument::Table)
                    .col(string(Instrument::Id).primary_key())
                    .col(string(Instrument::OutletId))
                    .col(string(Instrument::EnterpriseId))
                    .col(string(Instrument::Parameter))
                    .col(string(Instrument::Maker))
                    .col(string(Instrument::Model))
                    .col(string(Instrument::SerialNo))
                    .col(string_null(Instrument::Principle))
                    .col(string(Instrument::RangeLower))
                    .col(string(Instrument::RangeUpper))
                    .col(string(Instrument::Unit))
                    .col(date(Instrument::InstalledOn))
                    .col(timestamp_with_time_zone(Instrument::CreatedAt))
                    .col(timestamp_with_time_zone(Instrument::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Instrument::Table, Instrument::OutletId)
                            .to(Outlet::Table, Outlet::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("instrument_outlet")
                    .table(Instrument::Table)
                    .col(Instrument::OutletId)
                    .col(Instrument::Parameter)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Instrument::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Outlet::Table).to_owned())
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Outlet {
    Table,
    Id,
    EnterpriseId,
    Kind,
    Name,
    Address,
    Latitude,
    Longitude,
    Parameters,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Instrument {
    Table,
    Id,
    OutletId,
    EnterpriseId,
    Parameter,
    Maker,
    Model,
    SerialNo,
    Principle,
    RangeLower,
    RangeUpper,
    Unit,
    InstalledOn,
    CreatedAt,
    UpdatedAt,
}
