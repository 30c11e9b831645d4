//! 信用评价: the indicator systems (a draft and the published versions of each kind), the ratings
//! per year, kind and agency, their per-indicator items, and the objects behind each item.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CreditSystem as S;
        manager
            .create_table(
                Table::create()
                    .table(S::Table)
                    .col(string(S::Id).primary_key())
                    .col(string(S::Kind))
                    .col(integer(S::Version))
                    .col(string(S::State))
                    .col(string(S::Name))
                    .col(text(S::Document))
                    .col(string(S::UpdatedBy))
                    .col(timestamp_with_time_zone(S::UpdatedAt))
                    .col(string_null(S::PublishedBy))
                    .col(timestamp_with_time_zone_null(S::PublishedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_system_kind_version")
                    .table(S::Table)
                    .col(S::Kind)
                    .col(S::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;
        use CreditRating as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(string(R::Id).primary_key())
                    .col(integer(R::Year))
                    .col(string(R::Kind))
                    .col(string(R::AgencyId))
                    .col(string(R::SystemId))
                    .col(integer(R::SystemVersion))
                    .col(string(R::Standing))
                    .col(date(R::FactsTo))
                    .col(string_null(R::Exclusion))
                    .col(string_null(R::ExclusionText))
                    .col(big_integer(R::Base))
                    .col(big_integer(R::Deductions))
                    .col(big_integer(R::Bonuses))
                    .col(big_integer(R::Total))
                    .col(string_null(R::GradeCode))
                    .col(string_null(R::GradeName))
                    .col(timestamp_with_time_zone(R::ComputedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_rating_year_kind_agency")
                    .table(R::Table)
                    .col(R::Year)
                    .col(R::Kind)
                    .col(R::AgencyId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_rating_agency")
                    .table(R::Table)
                    .col(R::AgencyId)
                    .col(R::Year)
                    .to_owned(),
            )
            .await?;
        use CreditRatingItem as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(string(I::Id).primary_key())
                    .col(string(I::RatingId))
                    .col(integer(I::Position))
                    .col(string(I::Code))
                    .col(string(I::Name))
                    .col(string(I::Category))
                    .col(string(I::Effect))
                    .col(big_integer_null(I::Points))
                    .col(string(I::Measure))
                    .col(big_integer_null(I::Value))
                    .col(big_integer(I::Scored))
                    .col(text(I::Why))
                    .col(big_integer(I::EvidenceTotal))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_rating_item_rating")
                    .table(I::Table)
                    .col(I::RatingId)
                    .col(I::Position)
                    .to_owned(),
            )
            .await?;
        use CreditEvidence as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(string(E::Id).primary_key())
                    .col(string(E::RatingId))
                    .col(string(E::Code))
                    .col(integer(E::Position))
                    .col(string(E::ObjectKind))
                    .col(string(E::ObjectId))
                    .col(string(E::Label))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_evidence_rating")
                    .table(E::Table)
                    .col(E::RatingId)
                    .col(E::Code)
                    .col(E::Position)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CreditEvidence::Table.into_iden(),
            CreditRatingItem::Table.into_iden(),
            CreditRating::Table.into_iden(),
            CreditSystem::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CreditSystem {
    Table,
    Id,
    Kind,
    Version,
    State,
    Name,
    Document,
    UpdatedBy,
    UpdatedAt,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum CreditRating {
    Table,
    Id,
    Year,
    Kind,
    AgencyId,
    SystemId,
    SystemVersion,
    Standing,
    FactsTo,
    Exclusion,
    ExclusionText,
    Base,
    Deductions,
    Bonuses,
    Total,
    GradeCode,
    GradeName,
    ComputedAt,
}

#[derive(DeriveIden)]
enum CreditRatingItem {
    Table,
    Id,
    RatingId,
    Position,
    Code,
    Name,
    Category,
    Effect,
    Points,
    Measure,
    Value,
    Scored,
    Why,
    EvidenceTotal,
}

#[derive(DeriveIden)]
enum CreditEvidence {
    Table,
    Id,
    RatingId,
    Code,
    Position,
    ObjectKind,
    ObjectId,
    Label,
}
