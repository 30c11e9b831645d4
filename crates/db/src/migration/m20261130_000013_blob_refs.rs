//! Indexes on the file keys, so the sweep of files without a row asks the database by key
//! instead of reading whole tables.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table) of every table whose rows refer to stored files.
const TABLES: [(&str, &str); 4] = [
    ("evidence_blob_key", "evidence"),
    ("filing_attachment_blob_key", "filing_attachment"),
    ("contract_attachment_blob_key", "contract_attachment"),
    ("task_report_blob_key", "task_report"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in TABLES {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Alias::new(table))
                        .col(Alias::new("blob_key"))
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in TABLES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
