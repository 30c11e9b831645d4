//! 整改建议: orders EMSS proposes to a regulator from what it sees (weeks missed, failed or 失控
//! results without their follow-up, repeated flags), each kept with its evidence so the same
//! evidence is never proposed twice, and with the regulator's decision (a draft made, or
//! dismissed with its reason).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RectificationSuggestion as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(string(S::Id).primary_key())
                    .col(string(S::IssuerOrgId))
                    .col(string(S::AgencyId))
                    .col(string(S::EnterpriseId))
                    .col(string(S::DistrictCode))
                    .col(text(S::Problems))
                    .col(string(S::State))
                    .col(text_null(S::Reason))
                    .col(string_null(S::DecidedBy))
                    .col(timestamp_with_time_zone_null(S::DecidedAt))
                    .col(string_null(S::OrderId))
                    .col(timestamp_with_time_zone(S::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rectification_suggestion_issuer")
                    .table(S::Table)
                    .col(S::IssuerOrgId)
                    .col(S::State)
                    .col(S::CreatedAt)
                    .to_owned(),
            )
            .await?;
        // One suggestion per piece of evidence, whichever instance and day made it.
        use RectificationSuggestionEvidence as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(string(E::Key).primary_key())
                    .col(string(E::SuggestionId))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rectification_suggestion_evidence_suggestion")
                    .table(E::Table)
                    .col(E::SuggestionId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(RectificationSuggestionEvidence::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(RectificationSuggestion::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum RectificationSuggestion {
    Table,
    Id,
    IssuerOrgId,
    AgencyId,
    EnterpriseId,
    DistrictCode,
    Problems,
    State,
    Reason,
    DecidedBy,
    DecidedAt,
    OrderId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum RectificationSuggestionEvidence {
    Table,
    Key,
    SuggestionId,
}
