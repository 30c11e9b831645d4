//! Contracts (合同) between agencies and enterprises, and every version of each (the trail;
//! append-only).

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_GUARDS: &str = "
CREATE TRIGGER contract_version_no_update BEFORE UPDATE ON contract_version
BEGIN SELECT RAISE(ABORT, 'contract versions never change'); END;
CREATE TRIGGER contract_version_no_delete BEFORE DELETE ON contract_version
BEGIN SELECT RAISE(ABORT, 'contract versions never change'); END;
";

const POSTGRES_GUARDS: &str = "
CREATE FUNCTION emss_contract_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'contract versions never change'; END; $$;
CREATE TRIGGER contract_version_no_change BEFORE UPDATE OR DELETE ON contract_version
FOR EACH ROW EXECUTE FUNCTION emss_contract_version_immutable();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Contract::Table)
                    .col(string(Contract::Id).primary_key())
                    .col(string(Contract::AgencyId))
                    .col(string(Contract::EnterpriseId))
                    .col(string(Contract::Title))
                    .col(string(Contract::Nature))
                    .col(big_integer(Contract::AmountFen))
                    .col(date(Contract::PerformanceStart))
                    .col(date(Contract::PerformanceEnd))
                    .col(string(Contract::State))
                    .col(string_null(Contract::RejectReason))
                    .col(integer(Contract::Version))
                    .col(timestamp_with_time_zone_null(Contract::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Contract::DecidedAt))
                    .col(timestamp_with_time_zone(Contract::CreatedAt))
                    .col(timestamp_with_time_zone(Contract::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("contract_agency", Contract::AgencyId),
            ("contract_enterprise", Contract::EnterpriseId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Contract::Table)
                        .col(col)
                        .col(Contract::State)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(ContractVersion::Table)
                    .col(string(ContractVersion::ContractId))
                    .col(integer(ContractVersion::Version))
                    .col(timestamp_with_time_zone(ContractVersion::At))
                    .col(string_null(ContractVersion::ActorId))
                    .col(string(ContractVersion::Event))
                    .col(string(ContractVersion::State))
                    .col(text(ContractVersion::Snapshot))
                    .primary_key(
                        Index::create()
                            .col(ContractVersion::ContractId)
                            .col(ContractVersion::Version),
                    )
                    .to_owned(),
            )
            .await?;
        let guards = match manager.get_database_backend() {
            DbBackend::Postgres => POSTGRES_GUARDS,
            _ => SQLITE_GUARDS,
        };
        manager.get_connection().execute_unprepared(guards).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ContractVersion::Table.into_iden(),
            Contract::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS emss_contract_version_immutable()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Contract {
    Table,
    Id,
    AgencyId,
    EnterpriseId,
    Title,
    Nature,
    AmountFen,
    PerformanceStart,
    PerformanceEnd,
    State,
    RejectReason,
    Version,
    SubmittedAt,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ContractVersion {
    Table,
    ContractId,
    Version,
    At,
    ActorId,
    Event,
    State,
    Snapshot,
}
