//! Fills a fresh, migrated database to a scale with generated data that looks like Shanghai's:
//! agencies with their filing, staff and accounts; enterprises with outlets and instruments;
//! running tasks with their contract, points, staff, plan and weekly occurrences; two years of
//! records in every state with their flags, evidence metadata (the files themselves are not
//! written: no scenario reads them) and one audit entry each, chained like the live log.
//! Rows go in large transactions of multi-row inserts, never through HTTP.

mod organisations;
mod records;
mod tasks;

use crate::scale::Scale;
use anyhow::{Context, Result, anyhow};
use chrono::Utc;
use emss_db::Database;
use emss_db::entity::form_definition;
use emss_domain::district::Districts;
use emss_domain::password_policy::SecurityPolicy;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable,
    QueryFilter, QueryOrder,
};
use serde::{Deserialize, Serialize};

const DISTRICTS: &str = include_str!("../../../../catalogue/districts.toml");
/// The one form every generated record is filed on (its fields are filled as a filer would).
const FORM: &str = "ww_standard_replacement";
/// Records older than this are approved (or voided); newer ones wait for confirmation or review.
const SETTLED_DAYS: i64 = 30;
/// The first agency keeps a review backlog of this many days, for the batch-review scenario.
pub const BACKLOG_DAYS: i64 = 400;
/// Filers per agency.
pub const FILERS: usize = 3;
/// Records per write transaction.
const RECORDS_PER_TXN: usize = 20_000;

/// Who the benchmark signs in as: the accounts the generator made, all with one password.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct People {
    pub password: String,
    /// Where each client files: the first agency's tasks first.
    pub sites: Vec<Site>,
    pub reviewer: String,
    pub enterprise: String,
    pub district: String,
    pub city: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Site {
    pub task_id: String,
    pub filer: String,
    pub outlet_id: String,
    pub instrument_id: String,
    pub lat: f64,
    pub lon: f64,
}

struct Ids {
    agencies: Vec<String>,
    /// Per enterprise: (id, district code, its administrator's account id and name).
    enterprises: Vec<(String, String, String, String)>,
    /// Per agency: its reviewer's account id and name.
    reviewers: Vec<(String, String)>,
    /// Per enterprise: its (wastewater outlet id, lat, lon, instrument ids).
    outlets: Vec<(String, f64, f64, Vec<String>)>,
    /// Per agency: its filers' account ids and names, and staff ids.
    filers: Vec<Vec<(String, String, String)>>,
}

pub async fn fill(db: &Database, scale: &Scale, seed: u64) -> Result<People> {
    allow_logins_from_one_address(db).await?;
    let mut rng = fastrand::Rng::with_seed(seed);
    let now = Utc::now();
    let password = format!("Bench-{}", uuid::Uuid::new_v4().simple());
    let hash = emss_app::password::hash(password.clone())
        .await
        .map_err(|e| anyhow!("hashing the benchmark password: {e}"))?;
    let version = form_definition::Entity::find()
        .filter(form_definition::Column::Code.eq(FORM))
        .order_by_desc(form_definition::Column::Version)
        .one(&db.conn)
        .await?
        .context("the form catalogue is not published (start EMSS once first)")?
        .version;
    let districts = Districts::parse(DISTRICTS).map_err(|e| anyhow!(e))?;
    let codes: Vec<String> = districts.all().iter().map(|d| d.code.clone()).collect();

    let bar = progress(scale.agencies + scale.enterprises, "机构与企业");
    let txn = db.begin_write().await?;
    let ids = organisations::organisations(&txn, scale, &codes, &hash, now, &mut rng, &bar).await?;
    txn.commit().await?;
    bar.finish();

    let bar = progress(scale.tasks, "运维任务");
    let txn = db.begin_write().await?;
    let tasks = tasks::tasks(&txn, scale, &ids, now, &bar).await?;
    txn.commit().await?;
    bar.finish();

    records::records(db, scale, &ids, &tasks, version, now, &mut rng).await?;
    // A database that grew over two years has planner statistics and a visibility map
    // (autovacuum keeps both on PostgreSQL); a bulk load has neither until it is vacuumed and
    // analysed, and without the map PostgreSQL cannot answer from an index alone.
    if db.backend == emss_db::Backend::Postgres {
        db.conn.execute_unprepared("VACUUM ANALYZE").await?;
    }

    let sites = tasks
        .iter()
        .filter(|t| t.agency == 0)
        .chain(tasks.iter().filter(|t| t.agency != 0))
        .map(|t| {
            let (outlet, lat, lon, instruments) = &ids.outlets[t.enterprise];
            Site {
                task_id: t.id.clone(),
                filer: format!("bench_a{}_f{}", t.agency, t.number % FILERS),
                outlet_id: outlet.clone(),
                instrument_id: instruments[0].clone(),
                lat: *lat,
                lon: *lon,
            }
        })
        .collect();
    Ok(People {
        password,
        sites,
        reviewer: "bench_a0_review".into(),
        enterprise: format!("bench_e{}", tasks[0].enterprise),
        district: format!("bench_d{}", codes[0]),
        city: "bench_city".into(),
    })
}

fn progress(len: usize, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len as u64);
    bar.set_style(
        ProgressStyle::with_template("{msg:10} [{bar:40}] {pos}/{len} {per_sec} ETA {eta}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(what.to_string());
    bar
}

/// Inserts rows in statements as large as both databases take (65 535 parameters on
/// PostgreSQL, 32 766 on SQLite).
async fn put<A>(db: &impl ConnectionTrait, rows: Vec<impl IntoActiveModel<A>>) -> Result<()>
where
    A: ActiveModelTrait + Send,
    <A::Entity as EntityTrait>::Column: Iterable,
{
    let columns = <<A::Entity as EntityTrait>::Column as Iterable>::iter().count();
    let per = (30_000 / columns.max(1)).max(1);
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<A> = rows
            .by_ref()
            .take(per)
            .map(IntoActiveModel::into_active_model)
            .collect();
        <A::Entity as EntityTrait>::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

fn hex_of(rng: &mut fastrand::Rng, bytes: usize) -> String {
    let raw: Vec<u8> = (0..bytes).map(|_| rng.u8(..)).collect();
    hex::encode(raw)
}

/// Every benchmark client signs in from 127.0.0.1: the per-address login throttle (a security
/// policy setting, 20 a minute by default) is raised for this database only.
async fn allow_logins_from_one_address(db: &Database) -> Result<()> {
    let stored = emss_db::repo::setting::get(&db.conn, "security_policy").await?;
    let mut policy: SecurityPolicy = stored
        .and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default();
    policy.ip_attempts_per_minute = 10_000;
    let json = serde_json::to_string(&policy)?;
    emss_db::repo::setting::set(&db.conn, "security_policy", &json, Utc::now()).await?;
    Ok(())
}
