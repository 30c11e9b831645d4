//! The files of a contract (合同附件): the signed contract's scan, price lists, annexes. Rows are
//! never changed; the files live in the blob store under their hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ContractAttachment::Table)
                    .col(string(ContractAttachment::Id).primary_key())
                    .col(string(ContractAttachment::ContractId))
                    .col(string(ContractAttachment::BlobKey))
                    .col(string(ContractAttachment::FileName))
                    .col(string(ContractAttachment::ContentType))
                    .col(big_integer(ContractAttachment::Size))
                    .col(string(ContractAttachment::UploadedBy))
                    .col(timestamp_with_time_zone(ContractAttachment::UploadedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("contract_attachment_contract")
                    .table(ContractAttachment::Table)
                    .col(ContractAttachment::ContractId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ContractAttachment::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum ContractAttachment {
    Table,
    Id,
    ContractId,
    BlobKey,
    FileName,
    ContentType,
    Size,
    UploadedBy,
    UploadedAt,
}
