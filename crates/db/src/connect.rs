//! Opening the database named by `DATABASE_URL`: SQLite (embedded, the default) or PostgreSQL
//! (production, several instances). Both come from one binary; the URL's scheme decides.

use crate::migration::Migrator;
use sea_orm::sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sea_orm::sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous,
};
use sea_orm::sqlx::{self, ConnectOptions as _};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, ExecResult,
    QueryResult, SqliteTransactionMode, SqlxPostgresConnector, SqlxSqliteConnector, Statement,
    TransactionOptions, TransactionTrait,
};
use sea_orm_migration::MigratorTrait;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "SQLite",
            Backend::Postgres => "PostgreSQL",
        }
    }
}

/// How to reach the database.
#[derive(Clone)]
pub struct DatabaseSettings {
    pub url: String,
    pub pool_size: u32,
    pub connect_timeout: Duration,
}

impl std::fmt::Debug for DatabaseSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DatabaseSettings")
            .field("url", &redact_url(&self.url))
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .finish()
    }
}

/// A URL fit for logs and messages: any password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            // Setting a password only fails for URLs that cannot carry one, which this one did.
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

/// Why the database could not be opened. Each reads as one line for the operator.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("数据库地址无效（{url}）：{detail}")]
    InvalidUrl { url: String, detail: String },
    #[error("无法打开 SQLite 数据库 {path}：{detail}")]
    Sqlite { path: String, detail: String },
    #[error("无法连接 PostgreSQL（{target}）：{detail}")]
    Postgres { target: String, detail: String },
    #[error("数据库自检失败：{0}")]
    SelfCheck(String),
    #[error("数据库迁移失败：{0}")]
    Migrate(String),
}

/// The open database: the SeaORM connection pool and which backend it is.
#[derive(Debug, Clone)]
pub struct Database {
    pub conn: DatabaseConnection,
    pub backend: Backend,
    /// SQLite has one writer at a time: this instance's writers take turns here, without a
    /// pooled connection, before asking SQLite for its lock. None on PostgreSQL.
    writers: Option<Arc<Semaphore>>,
}

/// A write transaction (see [`Database::begin_write`]). Used like a transaction: pass `&txn` to
/// queries, then `commit`; dropped without commit, it rolls back.
pub struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<OwnedSemaphorePermit>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }

    pub async fn rollback(self) -> Result<(), DbErr> {
        self.txn.rollback().await
    }
}

#[async_trait::async_trait]
impl ConnectionTrait for WriteTxn {
    fn get_database_backend(&self) -> DbBackend {
        self.txn.get_database_backend()
    }

    async fn execute_raw(&self, stmt: Statement) -> Result<ExecResult, DbErr> {
        self.txn.execute_raw(stmt).await
    }

    async fn execute_unprepared(&self, sql: &str) -> Result<ExecResult, DbErr> {
        self.txn.execute_unprepared(sql).await
    }

    async fn query_one_raw(&self, stmt: Statement) -> Result<Option<QueryResult>, DbErr> {
        self.txn.query_one_raw(stmt).await
    }

    async fn query_all_raw(&self, stmt: Statement) -> Result<Vec<QueryResult>, DbErr> {
        self.txn.query_all_raw(stmt).await
    }
}

impl Database {
    /// Opens the database and checks its durability settings. Does not migrate.
    pub async fn connect(settings: &DatabaseSettings) -> Result<Database, ConnectError> {
        match Backend::of_url(&settings.url) {
            Some(Backend::Sqlite) => connect_sqlite(settings).await,
            Some(Backend::Postgres) => connect_postgres(settings).await,
            None => Err(ConnectError::InvalidUrl {
                url: redact_url(&settings.url),
                detail: "只支持以 sqlite: 或 postgres:// 开头的地址".into(),
            }),
        }
    }

    /// Applies pending migrations. On PostgreSQL an advisory lock makes instances that start
    /// together migrate one after the other.
    pub async fn migrate(&self) -> Result<(), ConnectError> {
        let err = |e: DbErr| ConnectError::Migrate(e.to_string());
        match self.backend {
            Backend::Sqlite => Migrator::up(&self.conn, None).await.map_err(err),
            Backend::Postgres => {
                let txn = self.conn.begin().await.map_err(err)?;
                txn.execute_unprepared("SELECT pg_advisory_xact_lock(7731001)")
                    .await
                    .map_err(err)?;
                Migrator::up(&txn, None).await.map_err(err)?;
                txn.commit().await.map_err(err)
            }
        }
    }

    /// How many migrations this binary knows that the database has not applied.
    pub async fn pending_migrations(&self) -> Result<usize, DbErr> {
        Ok(Migrator::get_pending_migrations(&self.conn).await?.len())
    }

    /// A quick liveness probe of the database.
    pub async fn ping(&self) -> Result<(), DbErr> {
        self.conn.ping().await
    }

    /// Starts a write transaction. On SQLite the writers of this instance first take turns —
    /// a writer waiting for SQLite's lock while holding a pooled connection could starve the
    /// holder of the lock of the connection it needs — and then take the write lock at once
    /// (`BEGIN IMMEDIATE`), so a read never has to upgrade; the busy timeout is left for other
    /// processes. PostgreSQL writers run side by side.
    pub async fn begin_write(&self) -> Result<WriteTxn, DbErr> {
        let turn = match &self.writers {
            Some(writers) => Some(
                writers
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(|e| DbErr::Custom(e.to_string()))?,
            ),
            None => None,
        };
        let txn = self
            .conn
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await?;
        Ok(WriteTxn { txn, _turn: turn })
    }
}

async fn connect_sqlite(settings: &DatabaseSettings) -> Result<Database, ConnectError> {
    let options =
        SqliteConnectOptions::from_str(&settings.url).map_err(|e| ConnectError::InvalidUrl {
            url: settings.url.clone(),
            detail: e.to_string(),
        })?;
    let path = options.get_filename().display().to_string();
    let options = options
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        // FULL: a commit survives power loss; NORMAL may lose the last ones (REL-03).
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10))
        .log_statements(log::LevelFilter::Trace)
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(1));
    let pool = SqlitePoolOptions::new()
        .max_connections(settings.pool_size.max(1))
        .acquire_timeout(settings.connect_timeout.max(Duration::from_secs(30)))
        .connect_with(options)
        .await
        .map_err(|e| ConnectError::Sqlite {
            path: path.clone(),
            detail: describe_sqlx(&e),
        })?;
    let db = Database {
        conn: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
        backend: Backend::Sqlite,
        writers: Some(Arc::new(Semaphore::new(1))),
    };
    check_sqlite_pragmas(&db).await?;
    Ok(db)
}

/// Reads the durability settings back: a pragma silently ignored would otherwise go unnoticed.
async fn check_sqlite_pragmas(db: &Database) -> Result<(), ConnectError> {
    let expect = [
        ("journal_mode", "wal"),
        ("synchronous", "2"),
        ("foreign_keys", "1"),
    ];
    for (pragma, want) in expect {
        let row = db
            .conn
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                format!("PRAGMA {pragma}"),
            ))
            .await
            .map_err(|e| ConnectError::SelfCheck(e.to_string()))?;
        let got = row
            .and_then(|r| {
                r.try_get_by_index::<String>(0)
                    .ok()
                    .or_else(|| r.try_get_by_index::<i64>(0).ok().map(|v| v.to_string()))
            })
            .unwrap_or_default();
        if !got.eq_ignore_ascii_case(want) {
            return Err(ConnectError::SelfCheck(format!(
                "SQLite PRAGMA {pragma} 为 {got:?}，应为 {want}"
            )));
        }
    }
    Ok(())
}

async fn connect_postgres(settings: &DatabaseSettings) -> Result<Database, ConnectError> {
    let options =
        PgConnectOptions::from_str(&settings.url).map_err(|e| ConnectError::InvalidUrl {
            url: redact_url(&settings.url),
            detail: e.to_string(),
        })?;
    let target = format!(
        "{}:{}/{}",
        options.get_host(),
        options.get_port(),
        options.get_database().unwrap_or("")
    );
    let options = options
        .log_statements(log::LevelFilter::Trace)
        .log_slow_statements(log::LevelFilter::Warn, Duration::from_secs(1));
    let pool = PgPoolOptions::new()
        .max_connections(settings.pool_size.max(1))
        .acquire_timeout(settings.connect_timeout)
        .connect_with(options)
        .await
        .map_err(|e| ConnectError::Postgres {
            target: target.clone(),
            detail: describe_sqlx(&e),
        })?;
    Ok(Database {
        conn: SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
        backend: Backend::Postgres,
        writers: None,
    })
}

/// sqlx errors in words an operator can act on.
fn describe_sqlx(e: &sqlx::Error) -> String {
    match e {
        sqlx::Error::PoolTimedOut => "连接超时（服务器无响应或地址不可达）".into(),
        sqlx::Error::Io(io) => format!("网络或文件错误：{io}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backends_by_scheme() {
        assert_eq!(
            Backend::of_url("sqlite://data/emss.db"),
            Some(Backend::Sqlite)
        );
        assert_eq!(
            Backend::of_url("postgres://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(
            Backend::of_url("postgresql://u@h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::of_url("mysql://u@h/db"), None);
    }

    #[test]
    fn passwords_never_show() {
        let r = redact_url("postgres://emss:s3cret@db.example:5432/emss");
        assert!(!r.contains("s3cret"));
        assert!(r.contains("***"));
        let settings = DatabaseSettings {
            url: "postgres://emss:s3cret@db.example/emss".into(),
            pool_size: 4,
            connect_timeout: Duration::from_secs(1),
        };
        assert!(!format!("{settings:?}").contains("s3cret"));
    }

    #[tokio::test]
    async fn sqlite_opens_with_durable_settings_and_migrates_up_down_up() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/t.db", dir.path().display());
        let db = Database::connect(&DatabaseSettings {
            url,
            pool_size: 2,
            connect_timeout: Duration::from_secs(5),
        })
        .await
        .unwrap();
        assert_eq!(
            db.pending_migrations().await.unwrap(),
            Migrator::migrations().len()
        );
        db.migrate().await.unwrap();
        assert_eq!(db.pending_migrations().await.unwrap(), 0);
        Migrator::down(&db.conn, None).await.unwrap();
        db.migrate().await.unwrap();
        assert_eq!(db.pending_migrations().await.unwrap(), 0);
    }

    #[tokio::test]
    async fn unsupported_schemes_are_named() {
        let err = Database::connect(&DatabaseSettings {
            url: "mysql://root@localhost/emss".into(),
            pool_size: 1,
            connect_timeout: Duration::from_secs(1),
        })
        .await
        .unwrap_err();
        assert!(err.to_string().contains("只支持"), "{err}");
    }
}
