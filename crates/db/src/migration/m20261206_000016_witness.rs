//! 见证检查点: the checkpoints of other EMSS logs this instance witnesses (LOG-08). One row per
//! log key and size, append-only like the audit log itself, so a witness keeps every checkpoint
//! it accepted and a later one must extend the newest.

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_GUARDS: &str = "
CREATE TRIGGER witnessed_checkpoint_no_update BEFORE UPDATE ON witnessed_checkpoint
BEGIN SELECT RAISE(ABORT, 'witnessed checkpoints are append-only'); END;
CREATE TRIGGER witnessed_checkpoint_no_delete BEFORE DELETE ON witnessed_checkpoint
BEGIN SELECT RAISE(ABORT, 'witnessed checkpoints are append-only'); END;
";

/// `emss_append_only()` comes from the audit migration.
const POSTGRES_GUARDS: &str = "
CREATE TRIGGER witnessed_checkpoint_no_change BEFORE UPDATE OR DELETE ON witnessed_checkpoint
FOR EACH ROW EXECUTE FUNCTION emss_append_only();
CREATE TRIGGER witnessed_checkpoint_no_truncate BEFORE TRUNCATE ON witnessed_checkpoint
FOR EACH STATEMENT EXECUTE FUNCTION emss_append_only();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use WitnessedCheckpoint as W;
        manager
            .create_table(
                Table::create()
                    .table(W::Table)
                    .col(string(W::KeyId))
                    .col(big_integer(W::Size))
                    .col(string(W::Root))
                    .col(text(W::Note))
                    .col(timestamp_with_time_zone(W::ReceivedAt))
                    .primary_key(Index::create().col(W::KeyId).col(W::Size))
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
            .drop_table(Table::drop().table(WitnessedCheckpoint::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum WitnessedCheckpoint {
    Table,
    KeyId,
    Size,
    Root,
    Note,
    ReceivedAt,
}
