//! Agency filings (备案), their capabilities (searchable), and every version of each filing (the
//! trail; append-only).

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_GUARDS: &str = "
CREATE TRIGGER filing_version_no_update BEFORE UPDATE ON filing_version
BEGIN SELECT RAISE(ABORT, 'filing versions never change'); END;
CREATE TRIGGER filing_version_no_delete BEFORE DELETE ON filing_version
BEGIN SELECT RAISE(ABORT, 'filing versions never change'); END;
";

const POSTGRES_GUARDS: &str = "
CREATE FUNCTION emss_filing_version_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'filing versions never change'; END; $$;
CREATE TRIGGER filing_version_no_change BEFORE UPDATE OR DELETE ON filing_version
FOR EACH ROW EXECUTE FUNCTION emss_filing_version_immutable();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Filing::Table)
                    .col(string(Filing::OrgId).primary_key())
                    .col(string(Filing::Kind))
                    .col(string(Filing::State))
                    .col(boolean(Filing::Published))
                    .col(string(Filing::Name))
                    .col(string(Filing::Uscc).unique_key())
                    .col(string(Filing::Category))
                    .col(string(Filing::LegalRepresentative))
                    .col(string(Filing::ContactName))
                    .col(text(Filing::ContactPhoneCipher))
                    .col(string(Filing::ContactPhoneKey))
                    .col(string(Filing::ContactPhoneMasked))
                    .col(string(Filing::RegisteredAddress))
                    .col(string_null(Filing::LabAddress))
                    .col(string(Filing::DistrictCode))
                    .col(string_null(Filing::RejectReason))
                    .col(integer(Filing::Version))
                    .col(timestamp_with_time_zone_null(Filing::SubmittedAt))
                    .col(timestamp_with_time_zone_null(Filing::FiledAt))
                    .col(timestamp_with_time_zone_null(Filing::PublishedAt))
                    .col(timestamp_with_time_zone(Filing::CreatedAt))
                    .col(timestamp_with_time_zone(Filing::UpdatedAt))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("filing_state", Filing::State),
            ("filing_category", Filing::Category),
            ("filing_published", Filing::Published),
            ("filing_name", Filing::Name),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Filing::Table)
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(FilingCapability::Table)
                    .col(string(FilingCapability::OrgId))
                    .col(string(FilingCapability::Area))
                    .col(string(FilingCapability::Item))
                    .primary_key(
                        Index::create()
                            .col(FilingCapability::OrgId)
                            .col(FilingCapability::Area)
                            .col(FilingCapability::Item),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("filing_capability_item")
                    .table(FilingCapability::Table)
                    .col(FilingCapability::Area)
                    .col(FilingCapability::Item)
                    .col(FilingCapability::OrgId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(FilingVersion::Table)
                    .col(string(FilingVersion::OrgId))
                    .col(integer(FilingVersion::Version))
                    .col(timestamp_with_time_zone(FilingVersion::At))
                    .col(string_null(FilingVersion::ActorId))
                    .col(string(FilingVersion::Event))
                    .col(string(FilingVersion::State))
                    .col(text(FilingVersion::Snapshot))
                    .primary_key(
                        Index::create()
                            .col(FilingVersion::OrgId)
                            .col(FilingVersion::Version),
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
            FilingVersion::Table.into_iden(),
            FilingCapability::Table.into_iden(),
            Filing::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(t).to_owned())
                .await?;
        }
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS emss_filing_version_immutable()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Filing {
    Table,
    OrgId,
    Kind,
    State,
    Published,
    Name,
    Uscc,
    Category,
    LegalRepresentative,
    ContactName,
    ContactPhoneCipher,
    ContactPhoneKey,
    ContactPhoneMasked,
    RegisteredAddress,
    LabAddress,
    DistrictCode,
    RejectReason,
    Version,
    SubmittedAt,
    FiledAt,
    PublishedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum FilingCapability {
    Table,
    OrgId,
    Area,
    Item,
}

#[derive(DeriveIden)]
enum FilingVersion {
    Table,
    OrgId,
    Version,
    At,
    ActorId,
    Event,
    State,
    Snapshot,
}
