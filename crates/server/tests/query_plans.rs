//! The shape of the benchmark's list queries, not their speed: each is planned by the database
//! (EXPLAIN QUERY PLAN on SQLite; EXPLAIN with sequential scans discouraged on PostgreSQL, so a
//! sequential scan only appears where no index can serve) and must not read a large table whole.
//! A million records make any such scan seconds long (performance.md).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::NaiveDate;
use emss_db::repo::{self, audit, record::RecordFilter, task::OccurrenceFilter, task::TaskFilter};
use emss_db::{Backend, Database};
use emss_domain::Scope;
use emss_testkit::TestApp;
use sea_orm::{ConnectionTrait, QuerySelect, QueryTrait, Statement, TransactionTrait};

/// Tables that grow with the records (or with the city): none may be scanned whole.
const LARGE: &[&str] = &[
    "record",
    "record_flag",
    "flagged_record",
    "record_evidence",
    "evidence",
    "audit_entry",
    "occurrence",
    "maintenance_task",
    "organization",
    "account",
    "calibration_reading",
    "rejudgement",
];

async fn plan(db: &Database, stmt: Statement) -> Vec<String> {
    let explain = |prefix: &str| Statement {
        sql: format!("{prefix} {}", stmt.sql),
        values: stmt.values.clone(),
        db_backend: stmt.db_backend,
    };
    match db.backend {
        Backend::Sqlite => db
            .conn
            .query_all_raw(explain("EXPLAIN QUERY PLAN"))
            .await
            .unwrap()
            .iter()
            .map(|row| row.try_get::<String>("", "detail").unwrap())
            .collect(),
        Backend::Postgres => {
            let txn = db.conn.begin().await.unwrap();
            txn.execute_unprepared("SET LOCAL enable_seqscan = off")
                .await
                .unwrap();
            let rows = txn.query_all_raw(explain("EXPLAIN")).await.unwrap();
            let lines = rows
                .iter()
                .map(|row| row.try_get::<String>("", "QUERY PLAN").unwrap())
                .collect();
            txn.rollback().await.unwrap();
            lines
        }
    }
}

/// The large tables the plan reads whole.
fn full_scans(lines: &[String]) -> Vec<String> {
    lines
        .iter()
        .filter_map(|line| {
            let line = line.trim();
            let table = if let Some(rest) = line.split("Seq Scan on ").nth(1) {
                rest.split_whitespace().next()
            } else if let Some(rest) = line.strip_prefix("SCAN ") {
                // `SCAN t USING INDEX i` walks an index in order (stopped by LIMIT);
                // `SCAN t` alone reads the table.
                (!rest.contains(" USING ")).then(|| rest.split_whitespace().next())?
            } else {
                None
            }?;
            LARGE.contains(&table).then(|| table.to_string())
        })
        .collect()
}

async fn check(db: &Database, name: &str, stmt: Statement, problems: &mut Vec<String>) {
    let count = Statement {
        sql: format!("SELECT COUNT(*) AS n FROM ({}) AS counted", stmt.sql),
        values: stmt.values.clone(),
        db_backend: stmt.db_backend,
    };
    for (what, stmt) in [("list", stmt), ("count", count)] {
        let lines = plan(db, stmt.clone()).await;
        let scans = full_scans(&lines);
        if !scans.is_empty() {
            problems.push(format!(
                "{name} ({what}) scans {scans:?}:\n  {}\n  {}",
                stmt.sql,
                lines.join("\n  ")
            ));
        }
    }
}

/// The statement of a list's first page of 20.
fn first_page<E: sea_orm::EntityTrait>(
    q: sea_orm::Select<E>,
    backend: sea_orm::DbBackend,
) -> Statement {
    q.limit(20).offset(0).build(backend)
}

#[tokio::test]
async fn the_benchmark_list_queries_use_indexes_on_both_databases() {
    let t = TestApp::spawn_empty().await.unwrap();
    let db = t.app.db();
    let backend = db.conn.get_database_backend();
    let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
    let district = Scope::District("310115".into());
    let mut problems = Vec::new();
    let reading = repo::calibration::ReadingKey {
        instrument_id: "i1".into(),
        parameter: "二氧化硫".into(),
        form_code: "fg_calibration".into(),
    };
    let now = chrono::Utc::now();
    let flag_only = RecordFilter {
        flag: Some("short_visit".into()),
        ..Default::default()
    };

    let queries = [
        (
            "enterprise: 待确认日期",
            repo::record::pending_days_query("e1").build(backend),
        ),
        (
            "reviewer: queue",
            first_page(
                repo::record::list_query(
                    &Scope::Agency("a1".into()),
                    "viewer",
                    &RecordFilter {
                        state: Some("confirmed".into()),
                        ..Default::default()
                    },
                ),
                backend,
            ),
        ),
        (
            "enterprise: records",
            first_page(
                repo::record::list_query(
                    &Scope::Enterprise("e1".into()),
                    "viewer",
                    &RecordFilter::default(),
                ),
                backend,
            ),
        ),
        (
            "district: records by state",
            first_page(
                repo::record::list_query(
                    &district,
                    "viewer",
                    &RecordFilter {
                        state: Some("submitted".into()),
                        ..Default::default()
                    },
                ),
                backend,
            ),
        ),
        (
            "city: records",
            first_page(
                repo::record::list_query(&Scope::City, "viewer", &RecordFilter::default()),
                backend,
            ),
        ),
        (
            "city: records with a flag",
            first_page(
                repo::record::flagged_query(&Scope::City, &flag_only).unwrap(),
                backend,
            ),
        ),
        (
            "district: records with a flag in a month",
            first_page(
                repo::record::flagged_query(
                    &district,
                    &RecordFilter {
                        from: NaiveDate::from_ymd_opt(2026, 11, 1),
                        to: Some(today),
                        ..flag_only.clone()
                    },
                )
                .unwrap(),
                backend,
            ),
        ),
        (
            "city: confirmed records with a flag",
            first_page(
                repo::record::list_query(
                    &Scope::City,
                    "viewer",
                    &RecordFilter {
                        state: Some("confirmed".into()),
                        ..flag_only.clone()
                    },
                ),
                backend,
            ),
        ),
        (
            "district: running tasks by keyword",
            repo::task::list_query(
                &district,
                &TaskFilter {
                    state: Some("in_progress".into()),
                    keyword: Some("运维".into()),
                    ..Default::default()
                },
                today,
            )
            .limit(20)
            .build(backend),
        ),
        (
            "district: overdue occurrences",
            first_page(
                repo::task::occurrences_query(
                    &district,
                    &OccurrenceFilter {
                        overdue_on: Some(today),
                        ..Default::default()
                    },
                ),
                backend,
            ),
        ),
        (
            "record detail: trail",
            audit::trail_query("record", "r1").build(backend),
        ),
        (
            "submission: reference calibration",
            repo::calibration::reference_query(&reading, now, "r1")
                .limit(1)
                .build(backend),
        ),
        (
            "submission: the next calibration after a late one",
            repo::calibration::next_query(&reading, now, "r1")
                .limit(1)
                .build(backend),
        ),
        (
            "void: the records judged against it",
            repo::calibration::referencing_query(&["r1".to_string()]).build(backend),
        ),
        (
            "district: overdue 失控与不合格",
            first_page(
                repo::fault::list_query(
                    &district,
                    &repo::fault::FaultFilter {
                        status: Some(repo::fault::Status::Overdue),
                        ..Default::default()
                    },
                    now,
                ),
                backend,
            ),
        ),
        (
            "enterprise: 失控与不合格 of an outlet",
            first_page(
                repo::fault::list_query(
                    &Scope::Enterprise("e1".into()),
                    &repo::fault::FaultFilter {
                        outlet_id: Some("o1".into()),
                        ..Default::default()
                    },
                    now,
                ),
                backend,
            ),
        ),
        (
            "city: overdue 失控与不合格",
            first_page(
                repo::fault::list_query(
                    &Scope::City,
                    &repo::fault::FaultFilter {
                        status: Some(repo::fault::Status::Overdue),
                        ..Default::default()
                    },
                    now,
                ),
                backend,
            ),
        ),
        (
            "district: 逾期整改单",
            first_page(
                repo::rectification::list_query(
                    &repo::rectification::Viewer {
                        scope: district.clone(),
                        org_id: "d1".into(),
                    },
                    &repo::rectification::RectificationFilter {
                        overdue: true,
                        ..Default::default()
                    },
                    now.date_naive(),
                ),
                backend,
            ),
        ),
        (
            "agency: 待处理整改单",
            first_page(
                repo::rectification::list_query(
                    &repo::rectification::Viewer {
                        scope: Scope::Agency("a1".into()),
                        org_id: "a1".into(),
                    },
                    &repo::rectification::RectificationFilter {
                        to_answer: true,
                        ..Default::default()
                    },
                    now.date_naive(),
                ),
                backend,
            ),
        ),
    ];
    for (name, stmt) in queries {
        check(db, name, stmt, &mut problems).await;
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}
