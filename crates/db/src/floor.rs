//! The benchmark floor's table: one row per request, written the way every real write is (a
//! write transaction of the shared pool). Created at start only when the floor is mounted
//! (`bench_floor`); EMSS never reads it.

use crate::Database;
use sea_orm::{ConnectionTrait, DbErr, Statement};

/// Creates the floor's table when missing.
pub async fn create_table(db: &Database) -> Result<(), DbErr> {
    db.conn
        .execute_unprepared(
            "CREATE TABLE IF NOT EXISTS bench_floor (id VARCHAR(36) PRIMARY KEY, body TEXT NOT NULL)",
        )
        .await
        .map(|_| ())
}

/// Commits `body` as one new row.
pub async fn commit(db: &Database, body: &str) -> Result<(), DbErr> {
    let txn = db.begin_write().await?;
    let sql = match db.backend {
        crate::Backend::Postgres => "INSERT INTO bench_floor (id, body) VALUES ($1, $2)",
        crate::Backend::Sqlite => "INSERT INTO bench_floor (id, body) VALUES (?, ?)",
    };
    txn.execute_raw(Statement::from_sql_and_values(
        txn.get_database_backend(),
        sql,
        [uuid::Uuid::new_v4().to_string().into(), body.into()],
    ))
    .await?;
    txn.commit().await
}
