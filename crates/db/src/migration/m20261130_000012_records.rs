//! 运维记录 (maintenance records): the record with its check-in and check-out, its raised flags,
//! and the evidence images it carries (the filer's, the enterprise's confirmation, the reviewer's
//! signature). Positions are kept as the decimal text the phone sent.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Record::Table)
                    .col(string(Record::Id).primary_key())
                    .col(string(Record::Number))
                    .col(string(Record::TaskId))
                    .col(string(Record::AgencyId))
                    .col(string(Record::EnterpriseId))
                    .col(string(Record::DistrictCode))
                    .col(string(Record::OutletId))
                    .col(string(Record::FormCode))
                    .col(integer(Record::FormVersion))
                    .col(text(Record::InstrumentIds))
                    .col(text(Record::Fields))
                    .col(text(Record::Verdicts))
                    .col(boolean(Record::Failed))
                    .col(boolean(Record::Flagged))
                    .col(string(Record::State))
                    .col(string(Record::FilerId))
                    .col(string(Record::FilerName))
                    .col(date(Record::VisitDate))
                    .col(string(Record::CheckInLat))
                    .col(string(Record::CheckInLon))
                    .col(string(Record::CheckInAccuracyM))
                    .col(timestamp_with_time_zone(Record::CheckInAt))
                    .col(timestamp_with_time_zone_null(Record::CheckInSentAt))
                    .col(timestamp_with_time_zone(Record::CheckInServerAt))
                    .col(string_null(Record::CheckOutLat))
                    .col(string_null(Record::CheckOutLon))
                    .col(string_null(Record::CheckOutAccuracyM))
                    .col(timestamp_with_time_zone_null(Record::CheckOutAt))
                    .col(timestamp_with_time_zone_null(Record::CheckOutSentAt))
                    .col(timestamp_with_time_zone_null(Record::CheckOutServerAt))
                    .col(string_null(Record::OccurrenceId))
                    .col(timestamp_with_time_zone_null(Record::SubmittedAt))
                    .col(string_null(Record::ConfirmedBy))
                    .col(string_null(Record::ConfirmedByName))
                    .col(timestamp_with_time_zone_null(Record::ConfirmedAt))
                    .col(string_null(Record::ReviewedBy))
                    .col(string_null(Record::ReviewedByName))
                    .col(timestamp_with_time_zone_null(Record::ReviewedAt))
                    .col(text_null(Record::VoidReason))
                    .col(integer(Record::Version))
                    .col(timestamp_with_time_zone(Record::CreatedAt))
                    .col(timestamp_with_time_zone(Record::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // The scoped lists: each kind of reader by state, newest visit first.
        for (name, col) in [
            ("record_agency", Record::AgencyId),
            ("record_enterprise", Record::EnterpriseId),
            ("record_district", Record::DistrictCode),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Record::Table)
                        .col(col)
                        .col(Record::State)
                        .col(Record::VisitDate)
                        .to_owned(),
                )
                .await?;
        }
        // A task's records; the previous approved record of a form at an outlet.
        manager
            .create_index(
                Index::create()
                    .name("record_task")
                    .table(Record::Table)
                    .col(Record::TaskId)
                    .col(Record::VisitDate)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("record_outlet_form")
                    .table(Record::Table)
                    .col(Record::OutletId)
                    .col(Record::FormCode)
                    .col(Record::State)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecordFlag::Table)
                    .col(string(RecordFlag::RecordId))
                    .col(string(RecordFlag::Kind))
                    .col(text(RecordFlag::Reason))
                    .col(integer(RecordFlag::Position))
                    .primary_key(
                        Index::create()
                            .col(RecordFlag::RecordId)
                            .col(RecordFlag::Position),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("record_flag_kind")
                    .table(RecordFlag::Table)
                    .col(RecordFlag::Kind)
                    .col(RecordFlag::RecordId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RecordEvidence::Table)
                    .col(string(RecordEvidence::RecordId))
                    .col(string(RecordEvidence::EvidenceId))
                    .col(string(RecordEvidence::Role))
                    .col(string(RecordEvidence::FieldPath))
                    .primary_key(
                        Index::create()
                            .col(RecordEvidence::RecordId)
                            .col(RecordEvidence::EvidenceId)
                            .col(RecordEvidence::Role),
                    )
                    .to_owned(),
            )
            .await?;
        // "Which records carry this image?" (who may see it, was it used before).
        manager
            .create_index(
                Index::create()
                    .name("record_evidence_evidence")
                    .table(RecordEvidence::Table)
                    .col(RecordEvidence::EvidenceId)
                    .to_owned(),
            )
            .await?;
        // Near-duplicate photos are looked up by perceptual hash.
        manager
            .create_index(
                Index::create()
                    .name("evidence_perceptual")
                    .table(Evidence::Table)
                    .col(Evidence::PerceptualHash)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("evidence_perceptual")
                    .table(Evidence::Table)
                    .to_owned(),
            )
            .await?;
        for t in [
            RecordEvidence::Table.into_iden(),
            RecordFlag::Table.into_iden(),
            Record::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Evidence {
    Table,
    PerceptualHash,
}

#[derive(DeriveIden)]
enum Record {
    Table,
    Id,
    Number,
    TaskId,
    AgencyId,
    EnterpriseId,
    DistrictCode,
    OutletId,
    FormCode,
    FormVersion,
    InstrumentIds,
    Fields,
    Verdicts,
    Failed,
    Flagged,
    State,
    FilerId,
    FilerName,
    VisitDate,
    CheckInLat,
    CheckInLon,
    CheckInAccuracyM,
    CheckInAt,
    CheckInSentAt,
    CheckInServerAt,
    CheckOutLat,
    CheckOutLon,
    CheckOutAccuracyM,
    CheckOutAt,
    CheckOutSentAt,
    CheckOutServerAt,
    OccurrenceId,
    SubmittedAt,
    ConfirmedBy,
    ConfirmedByName,
    ConfirmedAt,
    ReviewedBy,
    ReviewedByName,
    ReviewedAt,
    VoidReason,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum RecordFlag {
    Table,
    RecordId,
    Kind,
    Reason,
    Position,
}

#[derive(DeriveIden)]
enum RecordEvidence {
    Table,
    RecordId,
    EvidenceId,
    Role,
    FieldPath,
}
