//! Evidence images (现场照片与签名): the stored, re-encoded photo or signature with the hashes the
//! field loop compares. Rows are never changed; the files live in the blob store under their hash.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Evidence::Table)
                    .col(string(Evidence::Id).primary_key())
                    .col(string(Evidence::Kind))
                    .col(string(Evidence::OrgId))
                    .col(string(Evidence::UploadedBy))
                    .col(string(Evidence::BlobKey))
                    .col(string(Evidence::ContentType))
                    .col(integer(Evidence::Width))
                    .col(integer(Evidence::Height))
                    .col(big_integer(Evidence::Size))
                    .col(string(Evidence::PixelsSha256))
                    .col(string(Evidence::PerceptualHash))
                    .col(timestamp_with_time_zone(Evidence::UploadedAt))
                    .to_owned(),
            )
            .await?;
        // "Was this picture used before?" asks by pixels.
        manager
            .create_index(
                Index::create()
                    .name("evidence_pixels")
                    .table(Evidence::Table)
                    .col(Evidence::PixelsSha256)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(Evidence::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum Evidence {
    Table,
    Id,
    Kind,
    OrgId,
    UploadedBy,
    BlobKey,
    ContentType,
    Width,
    Height,
    Size,
    PixelsSha256,
    PerceptualHash,
    UploadedAt,
}
