//! Published versions of the form catalogue. A version, once published, never changes: records
//! keep the version they were filled against and their verdicts must be reproducible from it.

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_GUARDS: &str = "
CREATE TRIGGER form_definition_no_update BEFORE UPDATE ON form_definition
BEGIN SELECT RAISE(ABORT, 'a published form definition never changes'); END;
CREATE TRIGGER form_definition_no_delete BEFORE DELETE ON form_definition
BEGIN SELECT RAISE(ABORT, 'a published form definition never changes'); END;
";

const POSTGRES_GUARDS: &str = "
CREATE FUNCTION emss_published_form_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'a published form definition never changes'; END; $$;
CREATE TRIGGER form_definition_no_change BEFORE UPDATE OR DELETE ON form_definition
FOR EACH ROW EXECUTE FUNCTION emss_published_form_immutable();
CREATE TRIGGER form_definition_no_truncate BEFORE TRUNCATE ON form_definition
FOR EACH STATEMENT EXECUTE FUNCTION emss_published_form_immutable();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(FormDefinition::Table)
                    .col(string(FormDefinition::Code))
                    .col(integer(FormDefinition::Version))
                    .col(string(FormDefinition::Name))
                    .col(string(FormDefinition::OutletKind))
                    .col(text(FormDefinition::Source))
                    .col(string(FormDefinition::Sha256))
                    .col(timestamp_with_time_zone(FormDefinition::PublishedAt))
                    .col(string_null(FormDefinition::PublishedBy))
                    .col(text(FormDefinition::Note))
                    .primary_key(
                        Index::create()
                            .col(FormDefinition::Code)
                            .col(FormDefinition::Version),
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
        manager
            .drop_table(Table::drop().table(FormDefinition::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS emss_published_form_immutable()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum FormDefinition {
    Table,
    Code,
    Version,
    Name,
    OutletKind,
    Source,
    Sha256,
    PublishedAt,
    PublishedBy,
    Note,
}
