//! 监督检查 (supervisory inspections): the inspection with its scope columns and checklist, the
//! comparison sampling results (比对抽测) with their verdicts, the findings, and the files.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use Inspection as I;
        manager
            .create_table(
                Table::create()
                    .table(I::Table)
                    .col(string(I::Id).primary_key())
                    .col(string(I::Kind))
                    .col(string(I::State))
                    .col(date(I::InspectedOn))
                    .col(string(I::InspectorOrgId))
                    .col(text(I::Inspectors))
                    .col(string(I::AgencyId))
                    .col(string(I::EnterpriseId))
                    .col(string(I::DistrictCode))
                    .col(string(I::OutletId))
                    .col(string_null(I::TaskId))
                    .col(string(I::Origin))
                    .col(string(I::OriginId))
                    .col(integer(I::ChecklistVersion))
                    .col(text(I::Checklist))
                    .col(text(I::Summary))
                    .col(string(I::CreatedBy))
                    .col(string_null(I::CompletedBy))
                    .col(timestamp_with_time_zone_null(I::CompletedAt))
                    .col(integer(I::Version))
                    .col(timestamp_with_time_zone(I::CreatedAt))
                    .col(timestamp_with_time_zone(I::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, column) in [
            ("inspection_agency", I::AgencyId),
            ("inspection_enterprise", I::EnterpriseId),
            ("inspection_district", I::DistrictCode),
            ("inspection_state", I::State),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(I::Table)
                        .col(column)
                        .col(I::InspectedOn)
                        .to_owned(),
                )
                .await?;
        }
        use InspectionComparison as C;
        manager
            .create_table(
                Table::create()
                    .table(C::Table)
                    .col(string(C::Id).primary_key())
                    .col(string(C::InspectionId))
                    .col(integer(C::Position))
                    .col(string(C::InstrumentId))
                    .col(string(C::FormCode))
                    .col(integer(C::FormVersion))
                    .col(string(C::LimitId))
                    .col(string(C::Reference))
                    .col(string(C::Measured))
                    .col(string(C::Unit))
                    .col(timestamp_with_time_zone(C::SampledAt))
                    .col(string(C::Outcome))
                    .col(text(C::Verdict))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inspection_comparison_inspection")
                    .table(C::Table)
                    .col(C::InspectionId)
                    .col(C::Position)
                    .to_owned(),
            )
            .await?;
        use InspectionFinding as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(string(F::Id).primary_key())
                    .col(string(F::InspectionId))
                    .col(integer(F::Position))
                    .col(string(F::Subject))
                    .col(string(F::SubjectId))
                    .col(string(F::SubjectText))
                    .col(string(F::Severity))
                    .col(text(F::Description))
                    .col(string(F::CreatedBy))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("inspection_finding_inspection")
                    .table(F::Table)
                    .col(F::InspectionId)
                    .col(F::Position)
                    .to_owned(),
            )
            .await?;
        use InspectionAttachment as A;
        manager
            .create_table(
                Table::create()
                    .table(A::Table)
                    .col(string(A::Id).primary_key())
                    .col(string(A::InspectionId))
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
            ("inspection_attachment_inspection", A::InspectionId),
            ("inspection_attachment_blob", A::BlobKey),
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
        for table in [
            InspectionAttachment::Table.into_iden(),
            InspectionFinding::Table.into_iden(),
            InspectionComparison::Table.into_iden(),
            Inspection::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Inspection {
    Table,
    Id,
    Kind,
    State,
    InspectedOn,
    InspectorOrgId,
    Inspectors,
    AgencyId,
    EnterpriseId,
    DistrictCode,
    OutletId,
    TaskId,
    Origin,
    OriginId,
    ChecklistVersion,
    Checklist,
    Summary,
    CreatedBy,
    CompletedBy,
    CompletedAt,
    Version,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum InspectionComparison {
    Table,
    Id,
    InspectionId,
    Position,
    InstrumentId,
    FormCode,
    FormVersion,
    LimitId,
    Reference,
    Measured,
    Unit,
    SampledAt,
    Outcome,
    Verdict,
}

#[derive(DeriveIden)]
enum InspectionFinding {
    Table,
    Id,
    InspectionId,
    Position,
    Subject,
    SubjectId,
    SubjectText,
    Severity,
    Description,
    CreatedBy,
    CreatedAt,
}

#[derive(DeriveIden)]
enum InspectionAttachment {
    Table,
    Id,
    InspectionId,
    BlobKey,
    FileName,
    ContentType,
    Size,
    UploadedBy,
    UploadedAt,
}
