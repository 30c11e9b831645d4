//! The audit log and its checkpoints. Both are append-only: triggers refuse every UPDATE and
//! DELETE (and on PostgreSQL TRUNCATE), whoever the database user is.

use sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const SQLITE_GUARDS: &str = "
CREATE TRIGGER audit_entry_no_update BEFORE UPDATE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_entry_no_delete BEFORE DELETE ON audit_entry
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoint_no_update BEFORE UPDATE ON audit_checkpoint
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_checkpoint_no_delete BEFORE DELETE ON audit_checkpoint
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

const POSTGRES_GUARDS: &str = "
CREATE FUNCTION emss_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$;
CREATE TRIGGER audit_entry_no_change BEFORE UPDATE OR DELETE ON audit_entry
FOR EACH ROW EXECUTE FUNCTION emss_append_only();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON audit_entry
FOR EACH STATEMENT EXECUTE FUNCTION emss_append_only();
CREATE TRIGGER audit_checkpoint_no_change BEFORE UPDATE OR DELETE ON audit_checkpoint
FOR EACH ROW EXECUTE FUNCTION emss_append_only();
CREATE TRIGGER audit_checkpoint_no_truncate BEFORE TRUNCATE ON audit_checkpoint
FOR EACH STATEMENT EXECUTE FUNCTION emss_append_only();
";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuditEntry::Table)
                    .col(big_integer(AuditEntry::Seq).primary_key())
                    .col(timestamp_with_time_zone(AuditEntry::At))
                    .col(string_null(AuditEntry::ActorId))
                    .col(string_null(AuditEntry::OrgId))
                    .col(string(AuditEntry::Roles))
                    .col(string(AuditEntry::Action))
                    .col(string_null(AuditEntry::ObjectType))
                    .col(string_null(AuditEntry::ObjectId))
                    .col(string(AuditEntry::Outcome))
                    .col(string_null(AuditEntry::RequestId))
                    .col(string_null(AuditEntry::Ip))
                    .col(text(AuditEntry::Detail))
                    .col(string(AuditEntry::LeafHash))
                    .col(string(AuditEntry::ChainHash))
                    .to_owned(),
            )
            .await?;
        for (name, cols) in [
            (
                "audit_entry_object",
                vec![AuditEntry::ObjectType, AuditEntry::ObjectId],
            ),
            ("audit_entry_at", vec![AuditEntry::At]),
            (
                "audit_entry_actor",
                vec![AuditEntry::ActorId, AuditEntry::At],
            ),
            (
                "audit_entry_action",
                vec![AuditEntry::Action, AuditEntry::At],
            ),
        ] {
            let mut index = Index::create();
            index.name(name).table(AuditEntry::Table);
            for c in cols {
                index.col(c);
            }
            manager.create_index(index.to_owned()).await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(AuditCheckpoint::Table)
                    .col(big_integer(AuditCheckpoint::Size).primary_key())
                    .col(string(AuditCheckpoint::Root))
                    .col(timestamp_with_time_zone(AuditCheckpoint::At))
                    .col(text(AuditCheckpoint::Note))
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
            .drop_table(Table::drop().table(AuditCheckpoint::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AuditEntry::Table).to_owned())
            .await?;
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared("DROP FUNCTION IF EXISTS emss_append_only()")
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum AuditEntry {
    Table,
    Seq,
    At,
    ActorId,
    OrgId,
    Roles,
    Action,
    ObjectType,
    ObjectId,
    Outcome,
    RequestId,
    Ip,
    Detail,
    LeafHash,
    ChainHash,
}

#[derive(DeriveIden)]
enum AuditCheckpoint {
    Table,
    Size,
    Root,
    At,
    Note,
}
