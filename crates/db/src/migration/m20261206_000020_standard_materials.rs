//! 标准物质 an agency keeps (`standard_material`): one row per certificate and component, with
//! the certified value, its uncertainty and unit, and the expiry. `used_at` is set by the first
//! record that chose it; from then on the row no longer changes (the records keep their copy,
//! and what the registry shows stays what they used).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use StandardMaterial as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(string(S::Id).primary_key())
                    .col(string(S::OrgId))
                    .col(string(S::Kind))
                    .col(string(S::CertificateNo))
                    .col(string(S::Producer))
                    .col(string(S::LotNo))
                    .col(string(S::Component))
                    .col(string(S::CertifiedValue))
                    .col(string(S::Uncertainty))
                    .col(string(S::Unit))
                    .col(date(S::ExpiresOn))
                    .col(timestamp_with_time_zone_null(S::UsedAt))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // A certificate's component is registered once per agency, also when two saves race.
        manager
            .create_index(
                Index::create()
                    .name("standard_material_certificate")
                    .table(S::Table)
                    .col(S::OrgId)
                    .col(S::CertificateNo)
                    .col(S::Component)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(StandardMaterial::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum StandardMaterial {
    Table,
    Id,
    OrgId,
    Kind,
    CertificateNo,
    Producer,
    LotNo,
    Component,
    CertifiedValue,
    Uncertainty,
    Unit,
    ExpiresOn,
    UsedAt,
    CreatedAt,
    UpdatedAt,
}
