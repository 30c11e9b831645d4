//! 带标记的记录: one row per record and flag kind, carrying the record's scope and visit time, so
//! "records with this flag" in a regulator's list is counted and paged from one index instead of
//! looking every flagged record up (the benchmark's city list timed out on it). A record's scope
//! and visit never change once it has flags (flags are raised at submission), so the copies stay
//! true. Existing flags are copied over.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, the scope column after the kind): one per kind of scope, the city's without.
const INDEXES: [(&str, Option<FlaggedRecord>); 4] = [
    ("flagged_record_city", None),
    ("flagged_record_district", Some(FlaggedRecord::DistrictCode)),
    ("flagged_record_agency", Some(FlaggedRecord::AgencyId)),
    (
        "flagged_record_enterprise",
        Some(FlaggedRecord::EnterpriseId),
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use FlaggedRecord as F;
        manager
            .create_table(
                Table::create()
                    .table(F::Table)
                    .col(string(F::RecordId))
                    .col(string(F::Kind))
                    .col(string(F::AgencyId))
                    .col(string(F::EnterpriseId))
                    .col(string(F::DistrictCode))
                    .col(date(F::VisitDate))
                    .col(timestamp_with_time_zone(F::CheckInAt))
                    .primary_key(Index::create().col(F::RecordId).col(F::Kind))
                    .to_owned(),
            )
            .await?;
        for (name, scope) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(F::Table).col(F::Kind);
            if let Some(column) = scope {
                index.col(column);
            }
            index.col(F::VisitDate).col(F::CheckInAt).col(F::RecordId);
            manager.create_index(index.to_owned()).await?;
        }
        let existing = Query::select()
            .distinct()
            .column((RecordFlag::Table, RecordFlag::RecordId))
            .column((RecordFlag::Table, RecordFlag::Kind))
            .columns(
                [
                    Record::AgencyId,
                    Record::EnterpriseId,
                    Record::DistrictCode,
                    Record::VisitDate,
                    Record::CheckInAt,
                ]
                .map(|c| (Record::Table, c)),
            )
            .from(RecordFlag::Table)
            .inner_join(
                Record::Table,
                Expr::col((Record::Table, Record::Id))
                    .equals((RecordFlag::Table, RecordFlag::RecordId)),
            )
            .to_owned();
        let copy = Query::insert()
            .into_table(F::Table)
            .columns([
                F::RecordId,
                F::Kind,
                F::AgencyId,
                F::EnterpriseId,
                F::DistrictCode,
                F::VisitDate,
                F::CheckInAt,
            ])
            .select_from(existing)
            .map_err(|e| DbErr::Migration(e.to_string()))?
            .to_owned();
        manager.exec_stmt(copy).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(FlaggedRecord::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum FlaggedRecord {
    Table,
    RecordId,
    Kind,
    AgencyId,
    EnterpriseId,
    DistrictCode,
    VisitDate,
    CheckInAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RecordFlag {
    Table,
    RecordId,
    Kind,
}

#[derive(DeriveIden, Clone, Copy)]
enum Record {
    Table,
    Id,
    AgencyId,
    EnterpriseId,
    DistrictCode,
    VisitDate,
    CheckInAt,
}
