//! 信用评价 after the year: the city's publicity of a closed year's ratings (公示, with the last
//! day for objections, then 公布 to the public register), the agencies' objections to an
//! indicator with their documents, and the city's decision — an accepted objection carries the
//! corrected score and the total and grade after it, appended beside the frozen rating.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use CreditPublication as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(integer(P::Year).primary_key())
                    .col(string(P::State))
                    .col(date(P::ObjectionDeadline))
                    .col(string(P::StartedBy))
                    .col(timestamp_with_time_zone(P::StartedAt))
                    .col(string_null(P::PublishedBy))
                    .col(timestamp_with_time_zone_null(P::PublishedAt))
                    .to_owned(),
            )
            .await?;
        use CreditObjection as O;
        manager
            .create_table(
                Table::create()
                    .table(O::Table)
                    .col(string(O::Id).primary_key())
                    .col(string(O::RatingId))
                    .col(integer(O::Year))
                    .col(string(O::Kind))
                    .col(string(O::AgencyId))
                    .col(string(O::Code))
                    .col(string(O::IndicatorName))
                    .col(big_integer(O::ScoredBefore))
                    .col(text(O::Reasons))
                    .col(string(O::State))
                    .col(string(O::FiledBy))
                    .col(timestamp_with_time_zone(O::FiledAt))
                    .col(string_null(O::DecidedBy))
                    .col(timestamp_with_time_zone_null(O::DecidedAt))
                    .col(text_null(O::DecisionNote))
                    .col(big_integer_null(O::ScoredAfter))
                    .col(big_integer_null(O::TotalAfter))
                    .col(string_null(O::GradeCodeAfter))
                    .col(string_null(O::GradeNameAfter))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_objection_rating_code")
                    .table(O::Table)
                    .col(O::RatingId)
                    .col(O::Code)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_objection_year_agency")
                    .table(O::Table)
                    .col(O::Year)
                    .col(O::AgencyId)
                    .to_owned(),
            )
            .await?;
        use CreditObjectionDocument as D;
        manager
            .create_table(
                Table::create()
                    .table(D::Table)
                    .col(string(D::Id).primary_key())
                    .col(string(D::ObjectionId))
                    .col(string(D::BlobKey))
                    .col(string(D::FileName))
                    .col(string(D::ContentType))
                    .col(big_integer(D::Size))
                    .col(string(D::UploadedBy))
                    .col(timestamp_with_time_zone(D::UploadedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("credit_objection_document_objection")
                    .table(D::Table)
                    .col(D::ObjectionId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            CreditObjectionDocument::Table.into_iden(),
            CreditObjection::Table.into_iden(),
            CreditPublication::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum CreditPublication {
    Table,
    Year,
    State,
    ObjectionDeadline,
    StartedBy,
    StartedAt,
    PublishedBy,
    PublishedAt,
}

#[derive(DeriveIden)]
enum CreditObjection {
    Table,
    Id,
    RatingId,
    Year,
    Kind,
    AgencyId,
    Code,
    IndicatorName,
    ScoredBefore,
    Reasons,
    State,
    FiledBy,
    FiledAt,
    DecidedBy,
    DecidedAt,
    DecisionNote,
    ScoredAfter,
    TotalAfter,
    GradeCodeAfter,
    GradeNameAfter,
}

#[derive(DeriveIden)]
enum CreditObjectionDocument {
    Table,
    Id,
    ObjectionId,
    BlobKey,
    FileName,
    ContentType,
    Size,
    UploadedBy,
    UploadedAt,
}
