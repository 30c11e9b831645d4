//! Idempotency keys (api.md): a phone that retries a write with the same key gets the first
//! answer again instead of a second write.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKey::Table)
                    .col(string(IdempotencyKey::AccountId))
                    .col(string(IdempotencyKey::Key))
                    .col(string(IdempotencyKey::Route))
                    // Kept with the answer, in the transaction of the write it answers.
                    .col(integer(IdempotencyKey::Status))
                    .col(text(IdempotencyKey::Body))
                    .col(timestamp_with_time_zone(IdempotencyKey::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKey::AccountId)
                            .col(IdempotencyKey::Key),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(IdempotencyKey::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum IdempotencyKey {
    Table,
    AccountId,
    Key,
    Route,
    Status,
    Body,
    CreatedAt,
}
