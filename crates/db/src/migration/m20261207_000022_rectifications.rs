//! 整改单 (rectification orders): the order with its scope columns, its problems (each naming
//! what it is about and, once answered, what was done), and the files of its issue and response.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Rectification as R;
        manager
            .create_table(
                Table::create()
                    .table(R::Table)
                    .col(string(R::Id).primary_key())
                    .col(string_null(R::Number))
                    .col(integer_null(R::Year))
                    .col(integer_null(R::Seq))
                    .col(string(R::IssuerOrgId))
                    .col(string(R::AgencyId))
                    .col(string(R::EnterpriseId))
                    .col(string(R::DistrictCode))
                    .col(string(R::Title))
                    .col(text(R::Basis))
                    .col(date(R::Deadline))
                    .col(string(R::State))
                    .col(string(R::CreatedBy))
                    .col(string_null(R::IssuedBy))
                    .col(timestamp_with_time_zone_null(R::IssuedAt))
                    .col(string_null(R::SignedBy))
                    .col(timestamp_with_time_zone_null(R::SignedAt))
                    .col(text_null(R::Response))
                    .col(string_null(R::RespondedBy))
                    .col(timestamp_with_time_zone_null(R::RespondedAt))
                    .col(integer_null(R::DaysLate))
                    .col(integer(R::Returns))
                    .col(text_null(R::ReturnReason))
                    .col(string_null(R::ClosedBy))
                    .col(timestamp_with_time_zone_null(R::ClosedAt))
                    .col(text_null(R::ClosingComment))
                    .col(integer(R::Version))
                    .col(timestamp_with_time_zone(R::CreatedAt))
                    .col(timestamp_with_time_zone(R::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // One number per authority and year: two orders issued at once cannot share one (the
        // loser's transaction fails and is retried with the next).
        manager
            .create_index(
                Index::create()
                    .name("rectification_number")
                    .table(R::Table)
                    .col(R::IssuerOrgId)
                    .col(R::Year)
                    .col(R::Seq)
                    .unique()
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("rectification_agency", R::AgencyId),
            ("rectification_enterprise", R::EnterpriseId),
            ("rectification_district", R::DistrictCode),
            ("rectification_issuer", R::IssuerOrgId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(R::Table)
                        .col(column)
                        .col(R::State)
                        .col(R::Deadline)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("rectification_state")
                    .table(R::Table)
                    .col(R::State)
                    .col(R::Deadline)
                    .to_owned(),
            )
            .await?;
        use RectificationProblem as P;
        manager
            .create_table(
                Table::create()
                    .table(P::Table)
                    .col(string(P::Id).primary_key())
                    .col(string(P::RectificationId))
                    .col(integer(P::Position))
                    .col(string(P::Source))
                    .col(string(P::SourceId))
                    .col(string(P::SourceLabel))
                    .col(text(P::Description))
                    .col(text_null(P::Measures))
                    .col(text(P::RecordIds))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rectification_problem_order")
                    .table(P::Table)
                    .col(P::RectificationId)
                    .col(P::Position)
                    .to_owned(),
            )
            .await?;
        // Which orders name a record (shown on the record).
        manager
            .create_index(
                Index::create()
                    .name("rectification_problem_source")
                    .table(P::Table)
                    .col(P::SourceId)
                    .to_owned(),
            )
            .await?;
        use RectificationAttachment as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(string(A::Id).primary_key())
                    .col(string(A::RectificationId))
                    .col(string(A::Stage))
                    .col(string(A::BlobKey))
                    .col(string(A::FileName))
                    .col(string(A::ContentType))
                    .col(big_integer(A::Size))
                    .col(string(A::UploadedBy))
                    .col(timestamp_with_time_zone(A::UploadedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("rectification_attachment_order", A::RectificationId),
            ("rectification_attachment_blob", A::BlobKey),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(A::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(RectificationAttachment::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(Table::drop().table(RectificationProblem::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Rectification::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Rectification {
    Table,
    Id,
    Number,
    Year,
    Seq,
    IssuerOrgId,
    AgencyId,
    EnterpriseId,
    DistrictCode,
    Title,
    Basis,
    Deadline,
    State,
    CreatedBy,
    IssuedBy,
    IssuedAt,
    SignedBy,
    SignedAt,
    Response,
    RespondedBy,
    RespondedAt,
    DaysLate,
    Returns,
    ReturnReason,
    ClosedBy,
    ClosedAt,
    ClosingComment,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RectificationProblem {
    Table,
    Id,
    RectificationId,
    Position,
    Source,
    SourceId,
    SourceLabel,
    Description,
    Measures,
    RecordIds,
}

#[derive(DeriveIden)]
enum RectificationAttachment {
    Table,
    Id,
    RectificationId,
    Stage,
    BlobKey,
    FileName,
    ContentType,
    Size,
    UploadedBy,
    UploadedAt,
}
