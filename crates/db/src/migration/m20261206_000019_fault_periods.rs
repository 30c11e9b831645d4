//! 失控时段 and failed results awaiting their follow-up (`fault_period`), and the reviewer's
//! acknowledgement of a failed record (`record.acknowledgement`).
//! - A period is opened by a submitted record whose verdicts failed at an instrument and parameter
//!   (or at the outlet) and closed by the next record of the same form type that passes there.
//!   It carries its scope columns, copied from the record, so scoped lists need no join.
//! - Periods begin with the records submitted after this migration: a record filed before it
//!   keeps its flag and failed mark, as it always had.

use sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use FaultPeriod as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(string(F::Id).primary_key())
                    .col(string(F::Kind))
                    .col(string(F::State))
                    .col(string(F::AgencyId))
                    .col(string(F::EnterpriseId))
                    .col(string(F::DistrictCode))
                    .col(string(F::OutletId))
                    .col(string(F::InstrumentId))
                    .col(string(F::Parameter))
                    .col(string(F::FormCode))
                    .col(text(F::Reason))
                    .col(string(F::OpenedBy))
                    .col(timestamp_with_time_zone(F::FoundAt))
                    .col(timestamp_with_time_zone(F::StartsAt))
                    .col(string(F::StartRule))
                    .col(text(F::StartSource))
                    .col(timestamp_with_time_zone(F::DueAt))
                    .col(string_null(F::ClosedBy))
                    .col(timestamp_with_time_zone_null(F::ClosedAt))
                    .col(text_null(F::CancelReason))
                    .col(timestamp_with_time_zone(F::CreatedAt))
                    .col(timestamp_with_time_zone(F::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        // The open period at a place, found when a record is submitted there.
        manager
            .create_index(
                Index::create()
                    .name("fault_period_place")
                    .table(F::Table)
                    .col(F::OutletId)
                    .col(F::FormCode)
                    .col(F::InstrumentId)
                    .col(F::Parameter)
                    .col(F::State)
                    .to_owned(),
            )
            .await?;
        // At most one open period per place, whatever two submissions race to open: the loser's
        // transaction fails and its retry finds the winner's period. Partial indexes read the
        // same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX fault_period_one_open ON fault_period \
                 (outlet_id, form_code, instrument_id, parameter) WHERE state = 'open'",
            )
            .await?;
        for (name, column) in [
            ("fault_period_opened_by", F::OpenedBy),
            ("fault_period_closed_by", F::ClosedBy),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(F::Table)
                        .col(column)
                        .to_owned(),
                )
                .await?;
        }
        // The scoped lists: newest first, open ones by their deadline.
        for (name, column) in [
            ("fault_period_agency", F::AgencyId),
            ("fault_period_enterprise", F::EnterpriseId),
            ("fault_period_district", F::DistrictCode),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(F::Table)
                        .col(column)
                        .col(F::State)
                        .col(F::DueAt)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("fault_period_state")
                    .table(F::Table)
                    .col(F::State)
                    .col(F::DueAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Record::Table)
                    .add_column(text_null(Record::Acknowledgement))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FaultPeriod::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Record::Table)
                    .drop_column(Record::Acknowledgement)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum FaultPeriod {
    Table,
    Id,
    Kind,
    State,
    AgencyId,
    EnterpriseId,
    DistrictCode,
    OutletId,
    InstrumentId,
    Parameter,
    FormCode,
    Reason,
    OpenedBy,
    FoundAt,
    StartsAt,
    StartRule,
    StartSource,
    DueAt,
    ClosedBy,
    ClosedAt,
    CancelReason,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Record {
    Table,
    Acknowledgement,
}
