//! 统计查询 tells 按时 from 补做 (`emss_domain::statistics`): a due occurrence keeps the day
//! (Asia/Shanghai) its fulfilling record was submitted, so the statistics compare two dates in one
//! grouped query on either database. Existing fulfilled occurrences take their record's
//! submission day.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm_migration::{prelude::*, schema::*};
use std::collections::BTreeMap;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Occurrence::Table)
                    .add_column(date_null(Occurrence::FulfilledOn))
                    .to_owned(),
            )
            .await?;
        let db = manager.get_connection();
        let fulfilled = Query::select()
            .column((Occurrence::Table, Occurrence::Id))
            .column((Record::Table, Record::SubmittedAt))
            .from(Occurrence::Table)
            .inner_join(
                Record::Table,
                Expr::col((Record::Table, Record::Id))
                    .equals((Occurrence::Table, Occurrence::RecordId)),
            )
            .to_owned();
        let mut by_day: BTreeMap<NaiveDate, Vec<String>> = BTreeMap::new();
        for row in db.query_all(&fulfilled).await? {
            let id: String = row.try_get("", "id")?;
            let at: Option<DateTime<Utc>> = row.try_get("", "submitted_at")?;
            if let Some(at) = at {
                let day = emss_domain::time::shanghai_date(at);
                by_day.entry(day).or_default().push(id);
            }
        }
        for (day, ids) in by_day {
            for chunk in ids.chunks(500) {
                let set = Query::update()
                    .table(Occurrence::Table)
                    .value(Occurrence::FulfilledOn, day)
                    .and_where(Expr::col(Occurrence::Id).is_in(chunk.iter().cloned()))
                    .to_owned();
                manager.exec_stmt(set).await?;
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Occurrence::Table)
                    .drop_column(Occurrence::FulfilledOn)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Occurrence {
    Table,
    Id,
    RecordId,
    FulfilledOn,
}

#[derive(DeriveIden)]
enum Record {
    Table,
    Id,
    SubmittedAt,
}
