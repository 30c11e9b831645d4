//! Indexes the city-scale lists need (found by the benchmark and guarded by the query-plan
//! test): the city's record list walks records by visit day instead of sorting all of them,
//! "enterprises of a district" is read by district without scanning every organisation, and a
//! submission finds the outlet's latest records without sorting all of them.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// (index name, table, columns).
const INDEXES: [(&str, &str, &[&str]); 3] = [
    ("record_visit", "record", &["visit_date", "check_in_at"]),
    // A submission compares its photos with the latest records at the outlet.
    (
        "record_outlet_check_in",
        "record",
        &["outlet_id", "check_in_at"],
    ),
    ("organization_district", "organization", &["district_code"]),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            let mut index = Index::create();
            index.name(name).table(Alias::new(table));
            for c in columns {
                index.col(Alias::new(*c));
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(Alias::new(table)).to_owned())
                .await?;
        }
        Ok(())
    }
}
