//! The documents of a filing (备案附件); what an agency keeps after filing — personnel (人员), equipment (运维设备), spare parts (备品备件) —
//! and change requests (信息变更申请) for filed information.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ChangeRequest::Table)
                    .col(string(ChangeRequest::Id).primary_key())
                    .col(string(ChangeRequest::SubjectKind))
                    .col(string(ChangeRequest::SubjectId))
                    .col(string(ChangeRequest::OrgId))
                    .col(string(ChangeRequest::State))
                    .col(text(ChangeRequest::Proposed))
                    .col(text(ChangeRequest::Changes))
                    .col(string(ChangeRequest::Reason))
                    .col(integer(ChangeRequest::BaseVersion))
                    .col(string(ChangeRequest::RequestedBy))
                    .col(timestamp_with_time_zone(ChangeRequest::RequestedAt))
                    .col(string_null(ChangeRequest::DecidedBy))
                    .col(timestamp_with_time_zone_null(ChangeRequest::DecidedAt))
                    .col(string_null(ChangeRequest::DecisionComment))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "change_request_queue",
                [ChangeRequest::State, ChangeRequest::SubjectKind],
            ),
            (
                "change_request_subject",
                [ChangeRequest::SubjectKind, ChangeRequest::SubjectId],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(ChangeRequest::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        // One request per subject waits at a time, also when two arrive together.
        manager
            .create_index(
                Index::create()
                    .name("change_request_one_pending")
                    .table(ChangeRequest::Table)
                    .col(ChangeRequest::SubjectKind)
                    .col(ChangeRequest::SubjectId)
                    .unique()
                    .and_where(Expr::col(ChangeRequest::State).eq("pending"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FilingAttachment::Table)
                    .col(string(FilingAttachment::Id).primary_key())
                    .col(string(FilingAttachment::OrgId))
                    .col(string(FilingAttachment::Kind))
                    .col(string(FilingAttachment::BlobKey))
                    .col(string(FilingAttachment::FileName))
                    .col(string(FilingAttachment::ContentType))
                    .col(big_integer(FilingAttachment::Size))
                    .col(string_null(FilingAttachment::UploadedBy))
                    .col(timestamp_with_time_zone(FilingAttachment::UploadedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("filing_attachment_org")
                    .table(FilingAttachment::Table)
                    .col(FilingAttachment::OrgId)
                    .col(FilingAttachment::Kind)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgencyStaff::Table)
                    .col(string(AgencyStaff::Id).primary_key())
                    .col(string(AgencyStaff::OrgId))
                    .col(string(AgencyStaff::Name))
                    .col(string(AgencyStaff::Gender))
                    .col(text(AgencyStaff::IdNumberCipher))
                    .col(string(AgencyStaff::IdNumberKey))
                    .col(string(AgencyStaff::IdNumberIndex))
                    .col(string(AgencyStaff::IdNumberMasked))
                    .col(string(AgencyStaff::Education))
                    .col(string(AgencyStaff::Post))
                    .col(boolean(AgencyStaff::Technician))
                    .col(string_null(AgencyStaff::Title))
                    .col(boolean(AgencyStaff::Resigned))
                    .col(date_null(AgencyStaff::ResignedOn))
                    .col(string_null(AgencyStaff::AccountId))
                    .col(timestamp_with_time_zone(AgencyStaff::CreatedAt))
                    .col(timestamp_with_time_zone(AgencyStaff::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // A login belongs to one staff record at most.
        manager
            .create_index(
                Index::create()
                    .name("agency_staff_account")
                    .table(AgencyStaff::Table)
                    .col(AgencyStaff::AccountId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("agency_staff_person")
                    .table(AgencyStaff::Table)
                    .col(AgencyStaff::OrgId)
                    .col(AgencyStaff::IdNumberIndex)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgencyEquipment::Table)
                    .col(string(AgencyEquipment::Id).primary_key())
                    .col(string(AgencyEquipment::OrgId))
                    .col(string(AgencyEquipment::DeviceNo))
                    .col(string(AgencyEquipment::Name))
                    .col(string(AgencyEquipment::SerialNo))
                    .col(string(AgencyEquipment::Model))
                    .col(string(AgencyEquipment::Description))
                    .col(timestamp_with_time_zone(AgencyEquipment::CreatedAt))
                    .col(timestamp_with_time_zone(AgencyEquipment::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("agency_equipment_device_no")
                    .table(AgencyEquipment::Table)
                    .col(AgencyEquipment::OrgId)
                    .col(AgencyEquipment::DeviceNo)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AgencySparePart::Table)
                    .col(string(AgencySparePart::Id).primary_key())
                    .col(string(AgencySparePart::OrgId))
                    .col(string(AgencySparePart::Name))
                    .col(string(AgencySparePart::Model))
                    .col(integer(AgencySparePart::Quantity))
                    .col(string(AgencySparePart::Unit))
                    .col(string(AgencySparePart::Description))
                    .col(timestamp_with_time_zone(AgencySparePart::CreatedAt))
                    .col(timestamp_with_time_zone(AgencySparePart::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("agency_spare_part_org")
                    .table(AgencySparePart::Table)
                    .col(AgencySparePart::OrgId)
                    .col(AgencySparePart::Name)
                    .col(AgencySparePart::Model)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            AgencySparePart::Table.into_iden(),
            AgencyEquipment::Table.into_iden(),
            AgencyStaff::Table.into_iden(),
            ChangeRequest::Table.into_iden(),
            FilingAttachment::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum ChangeRequest {
    Table,
    Id,
    SubjectKind,
    SubjectId,
    OrgId,
    State,
    Proposed,
    Changes,
    Reason,
    BaseVersion,
    RequestedBy,
    RequestedAt,
    DecidedBy,
    DecidedAt,
    DecisionComment,
}

#[derive(DeriveIden)]
enum FilingAttachment {
    Table,
    Id,
    OrgId,
    Kind,
    BlobKey,
    FileName,
    ContentType,
    Size,
    UploadedBy,
    UploadedAt,
}

#[derive(DeriveIden)]
enum AgencyStaff {
    Table,
    Id,
    OrgId,
    Name,
    Gender,
    IdNumberCipher,
    IdNumberKey,
    IdNumberIndex,
    IdNumberMasked,
    Education,
    Post,
    Technician,
    Title,
    Resigned,
    ResignedOn,
    AccountId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgencyEquipment {
    Table,
    Id,
    OrgId,
    DeviceNo,
    Name,
    SerialNo,
    Model,
    Description,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AgencySparePart {
    Table,
    Id,
    OrgId,
    Name,
    Model,
    Quantity,
    Unit,
    Description,
    CreatedAt,
    UpdatedAt,
}
