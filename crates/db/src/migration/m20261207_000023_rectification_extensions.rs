//! 延期申请: the agency asks the issuing regulator to move an order's deadline, with reasons; the
//! regulator grants (the order's deadline moves) or refuses it, with a comment. Every request is
//! kept.

use sea_orm::ConnectionTrait;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        use RectificationExtension as E;
        manager
            .create_table(
                Table::create()
                    .table(E::Table)
                    .col(string(E::Id).primary_key())
                    .col(string(E::RectificationId))
                    .col(date(E::FromDeadline))
                    .col(date(E::ToDeadline))
                    .col(text(E::Reason))
                    .col(string(E::State))
                    .col(string(E::RequestedBy))
                    .col(timestamp_with_time_zone(E::RequestedAt))
                    .col(string_null(E::DecidedBy))
                    .col(timestamp_with_time_zone_null(E::DecidedAt))
                    .col(text_null(E::Comment))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("rectification_extension_order")
                    .table(E::Table)
                    .col(E::RectificationId)
                    .col(E::RequestedAt)
                    .to_owned(),
            )
            .await?;
        // At most one request waits per order, whatever two requests race: the loser's insert
        // fails. Partial indexes read the same on SQLite and PostgreSQL.
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX rectification_extension_one_pending ON \
                 rectification_extension (rectification_id) WHERE state = 'pending'",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(
                Table::drop()
                    .table(RectificationExtension::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum RectificationExtension {
    Table,
    Id,
    RectificationId,
    FromDeadline,
    ToDeadline,
    Reason,
    State,
    RequestedBy,
    RequestedAt,
    DecidedBy,
    DecidedAt,
    Comment,
}
