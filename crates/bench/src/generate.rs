//! Fills a fresh, migrated database to a scale with generated data that looks like Shanghai's:
//! agencies with their filing, staff and accounts; enterprises with outlets and instruments;
//! running tasks with their contract, points, staff, plan and weekly occurrences; two years of
//! records in every state with their flags, evidence metadata (the files themselves are not
//! written: no scenario reads them) and one audit entry each, chained like the live log.
//! Rows go in large transactions of multi-row inserts, never through HTTP.

use crate::scale::Scale;
use anyhow::{Context, Result, anyhow};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use emss_db::Database;
use emss_db::entity::{
    account, account_role, agency_staff, audit_entry, contract, evidence, filing, form_definition,
    instrument, maintenance_task, occurrence, organization, outlet, record, record_evidence,
    record_flag, task_binding, task_plan,
};
use emss_domain::audit::{self, Entry, GENESIS, Hash};
use emss_domain::district::Districts;
use emss_domain::password_policy::SecurityPolicy;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, Iterable,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

const DISTRICTS: &str = include_str!("../../../catalogue/districts.toml");
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
    let ids = organisations(&txn, scale, &codes, &hash, now, &mut rng, &bar).await?;
    txn.commit().await?;
    bar.finish();

    let bar = progress(scale.tasks, "运维任务");
    let txn = db.begin_write().await?;
    let tasks = tasks(&txn, scale, &ids, now, &bar).await?;
    txn.commit().await?;
    bar.finish();

    records(db, scale, &ids, &tasks, version, now, &mut rng).await?;
    // A database that grew over two years has planner statistics (autovacuum keeps them on
    // PostgreSQL); a bulk load has none until it is analysed.
    if db.backend == emss_db::Backend::Postgres {
        db.conn.execute_unprepared("ANALYZE").await?;
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

fn org(
    id: &str,
    kind: &str,
    name: String,
    district: Option<&str>,
    at: DateTime<Utc>,
) -> organization::Model {
    organization::Model {
        id: id.to_string(),
        kind: kind.into(),
        name,
        district_code: district.map(String::from),
        agency_category: (kind == "agency").then(|| "testing_maintenance".into()),
        uscc: None,
        created_at: at,
    }
}

#[allow(clippy::too_many_arguments)]
fn login(
    accounts: &mut Vec<account::Model>,
    roles: &mut Vec<account_role::Model>,
    org_id: &str,
    username: String,
    name: String,
    is_main: bool,
    grants: &[&str],
    hash: &str,
    at: DateTime<Utc>,
) -> String {
    let id = emss_domain::ids::new_id();
    accounts.push(account::Model {
        id: id.clone(),
        org_id: org_id.to_string(),
        username,
        name,
        password_hash: hash.to_string(),
        is_main,
        disabled: false,
        must_change_password: false,
        is_demo: false,
        created_at: at,
        last_login_at: None,
        password_changed_at: Some(at),
        password_expires_at: None,
        phone_cipher: None,
        phone_key: None,
        phone_index: None,
        phone_masked: None,
    });
    for role in grants {
        roles.push(account_role::Model {
            account_id: id.clone(),
            role: role.to_string(),
            granted_at: at,
        });
    }
    id
}

const SURNAMES: &[&str] = &[
    "张", "王", "李", "赵", "陈", "刘", "杨", "黄", "周", "吴", "徐", "孙",
];
const GIVEN: &[&str] = &[
    "伟", "静", "敏", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛",
];
const TRADES: &[&str] = &[
    "化工",
    "电镀",
    "印染",
    "制药",
    "热电",
    "造纸",
    "食品",
    "污水处理",
    "钢铁",
    "涂装",
];
const FIRMS: &[&str] = &[
    "浦清", "沪闵", "申环", "沪东", "蓝天", "碧水", "华测", "谱尼", "清源", "绿洲",
];

fn person(rng: &mut fastrand::Rng) -> String {
    format!(
        "{}{}",
        SURNAMES[rng.usize(..SURNAMES.len())],
        GIVEN[rng.usize(..GIVEN.len())]
    )
}

async fn organisations(
    db: &impl ConnectionTrait,
    scale: &Scale,
    codes: &[String],
    hash: &str,
    at: DateTime<Utc>,
    rng: &mut fastrand::Rng,
    bar: &ProgressBar,
) -> Result<Ids> {
    let (mut orgs, mut accounts, mut roles) = (Vec::new(), Vec::new(), Vec::new());
    let city = emss_domain::ids::new_id();
    orgs.push(org(
        &city,
        "city_regulator",
        "上海市生态环境局（基准）".into(),
        None,
        at,
    ));
    login(
        &mut accounts,
        &mut roles,
        &city,
        "bench_city".into(),
        "市级监管".into(),
        true,
        &["city_regulator", "filing_reviewer"],
        hash,
        at,
    );
    for code in codes {
        let id = emss_domain::ids::new_id();
        orgs.push(org(
            &id,
            "district_regulator",
            format!("区生态环境局 {code}"),
            Some(code),
            at,
        ));
        login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_d{code}"),
            "区级监管".into(),
            true,
            &["district_regulator"],
            hash,
            at,
        );
    }
    let (mut staff, mut filings) = (Vec::new(), Vec::new());
    let mut ids = Ids {
        agencies: Vec::new(),
        enterprises: Vec::new(),
        reviewers: Vec::new(),
        outlets: Vec::new(),
        filers: Vec::new(),
    };
    for a in 0..scale.agencies {
        let id = emss_domain::ids::new_id();
        let district = &codes[a % codes.len()];
        let name = format!(
            "上海{}{}环境技术有限公司{}",
            FIRMS[a % FIRMS.len()],
            ["检测", "运维", "环保"][a % 3],
            a
        );
        orgs.push(org(&id, "agency", name.clone(), Some(district), at));
        login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_a{a}"),
            name.clone(),
            true,
            &["contract_manager", "task_manager"],
            hash,
            at,
        );
        let reviewer = person(rng);
        let reviewer_id = login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_a{a}_review"),
            reviewer.clone(),
            false,
            &["reviewer"],
            hash,
            at,
        );
        ids.reviewers.push((reviewer_id, reviewer));
        let mut filers = Vec::new();
        for f in 0..FILERS {
            let who = person(rng);
            let account_id = login(
                &mut accounts,
                &mut roles,
                &id,
                format!("bench_a{a}_f{f}"),
                who.clone(),
                false,
                &["filer"],
                hash,
                at,
            );
            let staff_id = emss_domain::ids::new_id();
            staff.push(agency_staff::Model {
                id: staff_id.clone(),
                org_id: id.clone(),
                name: who.clone(),
                gender: ["男", "女"][f % 2].into(),
                // Generated people have no identity number to protect: only its masked form.
                id_number_cipher: String::new(),
                id_number_key: String::new(),
                id_number_index: hex_of(rng, 16),
                id_number_masked: "310***********0000".into(),
                education: "本科".into(),
                post: "现场运维".into(),
                technician: true,
                title: None,
                resigned: false,
                resigned_on: None,
                account_id: Some(account_id.clone()),
                created_at: at,
                updated_at: at,
            });
            filers.push((account_id, who, staff_id));
        }
        filings.push(filing::Model {
            org_id: id.clone(),
            kind: "agency".into(),
            state: "filed".into(),
            published: a % 10 != 9,
            name,
            uscc: format!("91310{:013}", a),
            category: "testing_maintenance".into(),
            legal_representative: person(rng),
            contact_name: person(rng),
            contact_phone_cipher: String::new(),
            contact_phone_key: String::new(),
            contact_phone_masked: "138****0000".into(),
            registered_address: format!("上海市{}路{}号", TRADES[a % TRADES.len()], a + 1),
            lab_address: None,
            district_code: district.clone(),
            reject_reason: None,
            version: 3,
            submitted_at: Some(at),
            filed_at: Some(at),
            published_at: (a % 10 != 9).then_some(at),
            created_at: at,
            updated_at: at,
        });
        ids.agencies.push(id);
        ids.filers.push(filers);
        bar.inc(1);
    }
    put(db, orgs.split_off(0)).await?;
    put(db, std::mem::take(&mut filings)).await?;
    put(db, std::mem::take(&mut staff)).await?;

    let (mut outlets, mut instruments) = (Vec::new(), Vec::new());
    let per_outlet = scale.instruments as f64 / scale.outlets.max(1) as f64;
    let mut placed = 0usize;
    for e in 0..scale.enterprises {
        let id = emss_domain::ids::new_id();
        let district = codes[e % codes.len()].clone();
        let name = format!(
            "上海{}{}有限公司{}",
            ["金山", "宝山", "浦东", "闵行", "松江"][e % 5],
            TRADES[e % TRADES.len()],
            e
        );
        orgs.push(org(&id, "enterprise", name.clone(), Some(&district), at));
        let admin = person(rng);
        let admin_id = login(
            &mut accounts,
            &mut roles,
            &id,
            format!("bench_e{e}"),
            admin.clone(),
            true,
            &["enterprise_admin", "confirmer"],
            hash,
            at,
        );
        let lat = 30.9 + rng.f64() * 0.5;
        let lon = 121.2 + rng.f64() * 0.6;
        let outlets_here = (scale.outlets / scale.enterprises.max(1)).max(1);
        let mut first = None;
        for o in 0..outlets_here {
            let outlet_id = emss_domain::ids::new_id();
            let kind = if o % 2 == 0 { "wastewater" } else { "flue_gas" };
            let (olat, olon) = (lat + o as f64 * 0.001, lon);
            outlets.push(outlet::Model {
                id: outlet_id.clone(),
                enterprise_id: id.clone(),
                kind: kind.into(),
                name: if kind == "wastewater" {
                    format!("DW-{:03} 废水总排口", o + 1)
                } else {
                    format!("DA-{:03} 废气排口", o + 1)
                },
                address: format!("上海市某工业区{}号", e + 1),
                latitude: format!("{olat:.6}"),
                longitude: format!("{olon:.6}"),
                parameters: if kind == "wastewater" {
                    r#"["COD","NH3-N","TP"]"#
                } else {
                    r#"["SO2","NOx","颗粒物"]"#
                }
                .into(),
                created_at: at,
                updated_at: at,
            });
            // Spread the instruments so the total comes out at the scale's count.
            let target = (((e * outlets_here + o + 1) as f64) * per_outlet).round() as usize;
            let mut mine = Vec::new();
            // At least one per outlet.
            while mine.is_empty() || placed < target {
                let instrument_id = emss_domain::ids::new_id();
                let parameter = if kind == "wastewater" {
                    ["COD", "NH3-N", "TP"][mine.len() % 3]
                } else {
                    ["SO2", "NOx", "颗粒物"][mine.len() % 3]
                };
                instruments.push(instrument::Model {
                    id: instrument_id.clone(),
                    outlet_id: outlet_id.clone(),
                    enterprise_id: id.clone(),
                    parameter: parameter.into(),
                    maker: ["哈希", "聚光科技", "雪迪龙", "力合科技"][placed % 4].into(),
                    model: format!("M-{}", 100 + placed % 50),
                    serial_no: format!("SN{placed:08}"),
                    principle: (kind == "flue_gas").then(|| "完全抽取法".into()),
                    range_lower: "0".into(),
                    range_upper: "500".into(),
                    unit: if kind == "wastewater" {
                        "mg/L"
                    } else {
                        "mg/m³"
                    }
                    .into(),
                    installed_on: NaiveDate::from_ymd_opt(2022, 1 + (placed % 12) as u32, 1)
                        .unwrap_or_default(),
                    created_at: at,
                    updated_at: at,
                });
                mine.push(instrument_id);
                placed += 1;
            }
            if first.is_none() {
                first = Some((outlet_id, olat, olon, mine));
            }
        }
        let first = first.ok_or_else(|| anyhow!("an enterprise without outlets"))?;
        ids.enterprises.push((id, district, admin_id, admin));
        ids.outlets.push(first);
        if outlets.len() >= 5_000 {
            put(db, orgs.split_off(0)).await?;
            put(db, outlets.split_off(0)).await?;
            put(db, instruments.split_off(0)).await?;
        }
        bar.inc(1);
    }
    put(db, orgs).await?;
    put(db, outlets).await?;
    put(db, instruments).await?;
    put(db, accounts).await?;
    put(db, roles).await?;
    Ok(ids)
}

struct Task {
    id: String,
    number: usize,
    agency: usize,
    enterprise: usize,
    plan_id: String,
}

async fn tasks(
    db: &impl ConnectionTrait,
    scale: &Scale,
    ids: &Ids,
    at: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<Vec<Task>> {
    let today = emss_domain::time::shanghai_date(at);
    let start = today - Duration::days(730);
    let end = today + Duration::days(365);
    let (mut contracts, mut tasks, mut bindings, mut plans) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut out = Vec::new();
    for t in 0..scale.tasks {
        let agency = t % scale.agencies;
        let enterprise = t % scale.enterprises;
        let (agency_id, enterprise_id) = (&ids.agencies[agency], &ids.enterprises[enterprise].0);
        let contract_id = emss_domain::ids::new_id();
        contracts.push(contract::Model {
            id: contract_id.clone(),
            agency_id: agency_id.clone(),
            enterprise_id: enterprise_id.clone(),
            title: format!("自动监测设备运维服务合同 {t}"),
            nature: "maintenance".into(),
            amount_fen: 12_000_000,
            performance_start: start,
            performance_end: end,
            state: "approved".into(),
            reject_reason: None,
            version: 2,
            submitted_at: Some(at),
            decided_at: Some(at),
            created_at: at,
            updated_at: at,
        });
        let id = emss_domain::ids::new_id();
        tasks.push(maintenance_task::Model {
            id: id.clone(),
            agency_id: agency_id.clone(),
            enterprise_id: enterprise_id.clone(),
            contract_id,
            name: format!("废水在线监测设备运维 {t}"),
            number: format!("YW-{t:05}"),
            kind: "wastewater".into(),
            start_date: start,
            end_date: end,
            state: "in_progress".into(),
            version: 2,
            submitted_at: Some(at),
            closed_at: None,
            created_at: at,
            updated_at: at,
        });
        bindings.push(task_binding::Model {
            task_id: id.clone(),
            kind: "outlet".into(),
            ref_id: ids.outlets[enterprise].0.clone(),
            position: 0,
        });
        for (i, (_, _, staff_id)) in ids.filers[agency].iter().enumerate() {
            bindings.push(task_binding::Model {
                task_id: id.clone(),
                kind: "staff".into(),
                ref_id: staff_id.clone(),
                position: i as i32,
            });
        }
        let plan_id = emss_domain::ids::new_id();
        plans.push(task_plan::Model {
            id: plan_id.clone(),
            task_id: id.clone(),
            position: 0,
            title: "标准样品更换".into(),
            frequency: "weekly".into(),
            form_codes: json!([FORM]).to_string(),
            start_date: start,
            end_date: end,
        });
        out.push(Task {
            id,
            number: t,
            agency,
            enterprise,
            plan_id,
        });
        bar.inc(1);
    }
    put(db, contracts).await?;
    put(db, tasks).await?;
    put(db, bindings).await?;
    put(db, plans).await?;
    Ok(out)
}

/// One record's rows, and the audit entry of its submission.
#[derive(Default)]
struct Batch {
    records: Vec<record::Model>,
    flags: Vec<record_flag::Model>,
    evidence: Vec<evidence::Model>,
    links: Vec<record_evidence::Model>,
    occurrences: Vec<occurrence::Model>,
    audit: Vec<audit_entry::Model>,
}

impl Batch {
    async fn write(self, db: &Database) -> Result<()> {
        let txn = db.begin_write().await?;
        put(&txn, self.records).await?;
        put(&txn, self.flags).await?;
        put(&txn, self.evidence).await?;
        put(&txn, self.links).await?;
        put(&txn, self.occurrences).await?;
        put(&txn, self.audit).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// The audit chain as it stands: next position and the last chain hash.
async fn chain_head(db: &Database) -> Result<(u64, Hash)> {
    let last: Option<(i64, String)> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::Seq)
        .column(audit_entry::Column::ChainHash)
        .order_by_desc(audit_entry::Column::Seq)
        .into_tuple()
        .one(&db.conn)
        .await?;
    Ok(match last {
        None => (0, GENESIS),
        Some((seq, hash)) => {
            let mut out = GENESIS;
            hex::decode_to_slice(&hash, &mut out)?;
            (seq as u64 + 1, out)
        }
    })
}

/// Two years of records, day by day so the audit log runs forward in time; each task gets its
/// share, one record fulfils each of the last eight weeks' occurrences except about one in ten
/// (those show as 超期).
async fn records(
    db: &Database,
    scale: &Scale,
    ids: &Ids,
    tasks: &[Task],
    form_version: i32,
    now: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) -> Result<()> {
    let today = emss_domain::time::shanghai_date(now);
    let days = 730i64;
    let per_day = scale.records as f64 / (tasks.len().max(1) as f64 * days as f64);
    let bar = progress(scale.records, "运维记录");
    let (mut seq, mut previous) = chain_head(db).await?;
    let mut batch = Batch::default();
    let mut made = 0usize;
    for ago in (0..days).rev() {
        let day = today - Duration::days(ago);
        for task in tasks {
            let week = (ago + 6) / 7;
            let occurrence_day = ago % 7 == 5 && (1..=8).contains(&week);
            let due = occurrence_day && (task.number as i64 + week) % 10 != 0;
            let mut count = per_day.floor() as usize + usize::from(rng.f64() < per_day.fract());
            if due {
                count = count.max(1);
            }
            if made + count > scale.records && !due {
                count = scale.records.saturating_sub(made);
            }
            for n in 0..count {
                let occurrence = (due && n == 0).then(|| occurrence_of(task, ids, day));
                let row = one_record(ids, task, day, ago, form_version, occurrence.as_ref(), rng);
                let entry = Entry {
                    seq,
                    at: audit::format_at(row.record.submitted_at.unwrap_or(now)),
                    actor_id: Some(row.record.filer_id.clone()),
                    org_id: Some(row.record.agency_id.clone()),
                    roles: "filer".into(),
                    action: "record.submit".into(),
                    object_type: Some("record".into()),
                    object_id: Some(row.record.id.clone()),
                    outcome: "ok".into(),
                    request_id: None,
                    ip: Some("127.0.0.1".into()),
                    detail: json!({"number": row.record.number, "flags": row.flags.len()}),
                };
                let leaf = entry.leaf_hash();
                previous = audit::chain(&previous, &leaf);
                let mut detail = String::new();
                audit::write_canonical(&entry.detail, &mut detail);
                batch.audit.push(audit_entry::Model {
                    seq: seq as i64,
                    at: audit::truncate_to_micros(row.record.submitted_at.unwrap_or(now)),
                    actor_id: entry.actor_id,
                    org_id: entry.org_id,
                    roles: entry.roles,
                    action: entry.action,
                    object_type: entry.object_type,
                    object_id: entry.object_id,
                    outcome: entry.outcome,
                    request_id: None,
                    ip: entry.ip,
                    detail,
                    leaf_hash: hex::encode(leaf),
                    chain_hash: hex::encode(previous),
                });
                seq += 1;
                if let Some(mut o) = occurrence {
                    o.record_id = Some(row.record.id.clone());
                    batch.occurrences.push(o);
                }
                batch.records.push(row.record);
                batch.flags.extend(row.flags);
                batch.evidence.extend(row.evidence);
                batch.links.extend(row.links);
                made += 1;
                bar.inc(1);
            }
            if occurrence_day && !due {
                batch.occurrences.push(occurrence_of(task, ids, day));
            }
            if batch.records.len() >= RECORDS_PER_TXN {
                std::mem::take(&mut batch).write(db).await?;
            }
        }
    }
    batch.write(db).await?;
    bar.finish();
    Ok(())
}

fn occurrence_of(task: &Task, ids: &Ids, day: NaiveDate) -> occurrence::Model {
    let period_start = day - Duration::days(2);
    occurrence::Model {
        id: emss_domain::ids::new_id(),
        task_id: task.id.clone(),
        plan_id: task.plan_id.clone(),
        agency_id: ids.agencies[task.agency].clone(),
        enterprise_id: ids.enterprises[task.enterprise].0.clone(),
        outlet_id: ids.outlets[task.enterprise].0.clone(),
        form_code: FORM.into(),
        period_start,
        period_end: period_start + Duration::days(6),
        record_id: None,
    }
}

struct OneRecord {
    record: record::Model,
    flags: Vec<record_flag::Model>,
    evidence: Vec<evidence::Model>,
    links: Vec<record_evidence::Model>,
}

fn one_record(
    ids: &Ids,
    task: &Task,
    day: NaiveDate,
    ago: i64,
    form_version: i32,
    occurrence: Option<&occurrence::Model>,
    rng: &mut fastrand::Rng,
) -> OneRecord {
    let id = emss_domain::ids::new_id();
    let (filer_id, filer_name, _) = &ids.filers[task.agency][rng.usize(..FILERS)];
    let (enterprise_id, district, admin_id, admin_name) = &ids.enterprises[task.enterprise];
    let (outlet_id, lat, lon, instruments) = &ids.outlets[task.enterprise];
    let (reviewer_id, reviewer_name) = &ids.reviewers[task.agency];
    // 08:30–16:30 Shanghai time is 00:30–08:30 UTC.
    let check_in = day.and_hms_opt(0, 30, 0).unwrap_or_default().and_utc()
        + Duration::minutes(rng.i64(0..480));
    let short = rng.f64() < 0.04;
    let minutes = if short {
        rng.i64(3..10)
    } else {
        rng.i64(12..90)
    };
    let check_out = check_in + Duration::minutes(minutes);
    let failed = rng.f64() < 0.01;
    let state = if task.agency == 0 && ago < BACKLOG_DAYS {
        "confirmed"
    } else if ago < 7 {
        ["submitted", "confirmed"][rng.usize(..2)]
    } else if ago < SETTLED_DAYS {
        ["confirmed", "approved", "approved"][rng.usize(..3)]
    } else if rng.f64() < 0.01 {
        "voided"
    } else {
        "approved"
    };
    let confirmed = state != "submitted";
    let reviewed = state == "approved" || state == "voided";
    let mut flags = Vec::new();
    if short {
        flags.push(record_flag::Model {
            record_id: id.clone(),
            position: 0,
            kind: "short_visit".into(),
            reason: format!("现场停留 {minutes} 分钟，少于该表单要求的 10 分钟"),
        });
    }
    if failed {
        flags.push(record_flag::Model {
            record_id: id.clone(),
            position: flags.len() as i32,
            kind: "failed_verdict".into(),
            reason: "标准样品有效期早于更换日期".into(),
        });
    }
    let mut evidence = Vec::new();
    let mut links = Vec::new();
    for (kind, w, h, size) in [
        ("work_photo", 1280, 960, 180_000),
        ("signature", 600, 200, 9_000),
        ("evidence_photo", 1280, 960, 210_000),
    ] {
        let evidence_id = emss_domain::ids::new_id();
        evidence.push(evidence::Model {
            id: evidence_id.clone(),
            kind: kind.into(),
            org_id: ids.agencies[task.agency].clone(),
            uploaded_by: filer_id.clone(),
            blob_key: hex_of(rng, 32),
            content_type: if kind == "signature" {
                "image/png"
            } else {
                "image/jpeg"
            }
            .into(),
            width: w,
            height: h,
            size: size + rng.i64(0..20_000),
            pixels_sha256: hex_of(rng, 32),
            perceptual_hash: hex_of(rng, 8),
            uploaded_at: check_in + Duration::minutes(minutes / 2),
        });
        links.push(record_evidence::Model {
            record_id: id.clone(),
            evidence_id,
            role: kind.into(),
            field_path: if kind == "evidence_photo" {
                "items.photos".into()
            } else {
                String::new()
            },
        });
    }
    let photo = links[2].evidence_id.clone();
    let replaced = day.format("%Y-%m-%d").to_string();
    let fields = json!({"items": {
        "standards": [{
            "name": "化学需氧量标准溶液（邻苯二甲酸氢钾）", "concentration": "250",
            "concentration_unit": "mg/L", "quantity": "1",
            "prepared_on": (day - Duration::days(2)).format("%Y-%m-%d").to_string(),
            "prepared_by": filer_name, "replaced_on": replaced, "replaced_by": filer_name,
            "expiry": (day + if failed { Duration::days(-1) } else { Duration::days(30) })
                .format("%Y-%m-%d").to_string()
        }],
        "photos": [photo]
    }});
    let stamp = |lat: f64, jitter: f64| format!("{:.7}", lat + jitter);
    let record = record::Model {
        number: format!("YW{}-{}", day.format("%Y%m%d"), id[..6].to_uppercase()),
        id: id.clone(),
        task_id: task.id.clone(),
        agency_id: ids.agencies[task.agency].clone(),
        enterprise_id: enterprise_id.clone(),
        district_code: district.clone(),
        outlet_id: outlet_id.clone(),
        form_code: FORM.into(),
        form_version,
        instrument_ids: json!([instruments[0]]).to_string(),
        fields: fields.to_string(),
        // No judged values on this form's generated fields; the flag carries the failure.
        verdicts: "[]".into(),
        failed,
        flagged: !flags.is_empty(),
        state: state.into(),
        filer_id: filer_id.clone(),
        filer_name: filer_name.clone(),
        visit_date: day,
        check_in_lat: stamp(*lat, rng.f64() * 0.0004),
        check_in_lon: stamp(*lon, rng.f64() * 0.0004),
        check_in_accuracy_m: format!("{:.1}", 5.0 + rng.f64() * 20.0),
        check_in_at: check_in,
        check_in_sent_at: None,
        check_in_server_at: check_in,
        check_out_lat: Some(stamp(*lat, rng.f64() * 0.0004)),
        check_out_lon: Some(stamp(*lon, rng.f64() * 0.0004)),
        check_out_accuracy_m: Some(format!("{:.1}", 5.0 + rng.f64() * 20.0)),
        check_out_at: Some(check_out),
        check_out_sent_at: None,
        check_out_server_at: Some(check_out),
        occurrence_id: occurrence.map(|o| o.id.clone()),
        submitted_at: Some(check_out),
        confirmed_by: confirmed.then(|| admin_id.clone()),
        confirmed_by_name: confirmed.then(|| admin_name.clone()),
        confirmed_at: confirmed.then(|| check_out + Duration::hours(20)),
        reviewed_by: reviewed.then(|| reviewer_id.clone()),
        reviewed_by_name: reviewed.then(|| reviewer_name.clone()),
        reviewed_at: reviewed.then(|| check_out + Duration::hours(44)),
        void_reason: (state == "voided").then(|| "现场照片与记录不符，作废".into()),
        version: if reviewed {
            4
        } else if confirmed {
            3
        } else {
            2
        },
        created_at: check_in,
        updated_at: check_out,
    };
    OneRecord {
        record,
        flags,
        evidence,
        links,
    }
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
