//! T8: kill -9 during concurrent submissions. The `emss` binary runs as its own process on a
//! fresh data folder (SQLite, or a scratch PostgreSQL database with `TEST_DATABASE_URL`); 50
//! clients each file records — check-in, work photo, site photo, signature, fields,
//! 结束签到并上传, every write with its idempotency key — while the server is killed with SIGKILL
//! at a random moment. After the restart, every submission acknowledged before the kill is there;
//! the clients then redo their unfinished work with the same keys, and every record exists
//! exactly once, submitted, with all its files present and intact, no file is left without its
//! row after the start-up sweep, SQLite's integrity check passes, and the audit log verifies
//! offline. `EMSS_CRASH_ITERATIONS` sets the number of kills (3 by default).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_db::blob::{BlobKey, BlobStore, LocalBlobStore};
use emss_testkit::{DEMO_PASSWORD, Remote, ScratchDatabase, image_for};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Mutex;

const CLIENTS: usize = 50;
const RECORDS_PER_CLIENT: usize = 2;

/// One record a client files, with the keys it keeps for every write.
#[derive(Debug, Clone)]
struct Job {
    create_key: String,
    photo_keys: [String; 3],
    submit_key: String,
    seed: u64,
    record_id: Option<String>,
    submitted: bool,
}

impl Job {
    fn new(seed: u64) -> Job {
        let key = || uuid::Uuid::new_v4().to_string();
        Job {
            create_key: key(),
            photo_keys: [key(), key(), key()],
            submit_key: key(),
            seed,
            record_id: None,
            submitted: false,
        }
    }
}

struct Server {
    child: Child,
    remote: Remote,
}

fn start(data_dir: &Path, database_url: &str, port: u16, demo: bool, log: &Path) -> Server {
    let log_file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emss"));
    cmd.arg("serve");
    if demo {
        cmd.arg("--demo");
    }
    let child = cmd
        .env_clear()
        .env("EMSS_LISTEN", format!("127.0.0.1:{port}"))
        .env("EMSS_DATA_DIR", data_dir)
        .env("EMSS_DATABASE_URL", database_url)
        .env("EMSS_DEMO_PASSWORD", DEMO_PASSWORD)
        .env("EMSS_ORPHAN_FILE_GRACE_SECONDS", "0")
        .env("EMSS_LOG_LEVEL", "info")
        .stdout(Stdio::from(log_file.try_clone().unwrap()))
        .stderr(Stdio::from(log_file))
        .spawn()
        .unwrap();
    Server {
        child,
        remote: Remote {
            base: format!("http://127.0.0.1:{port}"),
        },
    }
}

async fn wait_healthy(remote: &Remote, log: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Ok(res) = reqwest::get(remote.url("/healthz")).await
            && res.status().is_success()
        {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "EMSS did not become healthy: {}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits for the start-up sweep of files without rows to finish (it runs beside serving).
async fn wait_swept(log: &Path, sweeps_before: usize) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while sweeps(log) <= sweeps_before {
        assert!(Instant::now() < deadline, "no orphan file sweep in the log");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn sweeps(log: &Path) -> usize {
    std::fs::read_to_string(log)
        .unwrap_or_default()
        .matches("orphan file sweep done")
        .count()
}

/// The fields of a 标准溶液更换 record carrying its site photo.
fn fields(photo: &str) -> Value {
    json!({"items": {
        "standards": [{
            "name": "化学需氧量标准溶液（邻苯二甲酸氢钾）", "concentration": "250",
            "concentration_unit": "mg/L", "quantity": "1", "prepared_on": "2026-11-17",
            "prepared_by": "陈静", "replaced_on": "2026-11-19", "replaced_by": "张伟",
            "expiry": "2026-12-17"
        }],
        "photos": [photo]
    }})
}

fn stamp(lat: f64, lon: f64) -> Value {
    json!({"at": chrono::Utc::now().to_rfc3339(), "lat": lat, "lon": lon, "accuracy_m": 10.0})
}

/// A request that reached the server and was answered, or `None` when the connection broke.
async fn send(
    remote: &Remote,
    token: &str,
    method: Method,
    path: &str,
    key: &str,
    body: Value,
) -> Option<(StatusCode, Value)> {
    let res = reqwest::Client::new()
        .request(method, remote.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .ok()?;
    let status = res.status();
    Some((status, res.json().await.unwrap_or(Value::Null)))
}

async fn upload(
    remote: &Remote,
    token: &str,
    record: &str,
    kind: &str,
    key: &str,
    seed: u64,
) -> Option<String> {
    let form = reqwest::multipart::Form::new()
        .text("kind", kind.to_string())
        .part(
            "file",
            reqwest::multipart::Part::bytes(image_for(kind, seed)).file_name("a.jpg"),
        );
    let res = reqwest::Client::new()
        .post(remote.url(&format!("/api/v1/records/{record}/attachments")))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .multipart(form)
        .timeout(Duration::from_secs(60))
        .send()
        .await
        .ok()?;
    let status = res.status();
    let body: Value = res.json().await.ok()?;
    assert_eq!(status, StatusCode::CREATED, "upload {kind}: {body}");
    body["id"].as_str().map(String::from)
}

struct Site {
    task_id: String,
    outlet_id: String,
    instrument: String,
    lat: f64,
    lon: f64,
}

/// Files one record from wherever it stopped; false when the server went away.
async fn file_record(remote: &Remote, token: &str, site: &Site, job: &mut Job) -> bool {
    if job.record_id.is_none() {
        let body = json!({"task_id": site.task_id, "outlet_id": site.outlet_id,
            "form_type": "ww_standard_replacement", "instrument_ids": [site.instrument],
            "check_in": stamp(site.lat, site.lon)});
        let Some((status, answer)) = send(
            remote,
            token,
            Method::POST,
            "/api/v1/records",
            &job.create_key,
            body,
        )
        .await
        else {
            return false;
        };
        assert_eq!(status, StatusCode::CREATED, "check-in: {answer}");
        job.record_id = answer["id"].as_str().map(String::from);
    }
    let Some(id) = job.record_id.clone() else {
        return false;
    };
    let mut images = Vec::new();
    for (i, kind) in ["work_photo", "evidence_photo", "signature"]
        .iter()
        .enumerate()
    {
        let Some(image) = upload(
            remote,
            token,
            &id,
            kind,
            &job.photo_keys[i],
            job.seed * 3 + i as u64,
        )
        .await
        else {
            return false;
        };
        images.push(image);
    }
    let path = format!("/api/v1/records/{id}");
    let Some((status, answer)) = send(
        remote,
        token,
        Method::PUT,
        &path,
        &uuid::Uuid::new_v4().to_string(),
        json!({"fields": fields(&images[1])}),
    )
    .await
    else {
        return false;
    };
    // Saved, or already submitted by an attempt whose answer was lost.
    assert!(
        status == StatusCode::OK
            || (status == StatusCode::UNPROCESSABLE_ENTITY
                && answer["fields"]["state"].is_string()),
        "save: {status} {answer}"
    );
    let Some((status, answer)) = send(
        remote,
        token,
        Method::POST,
        &format!("{path}/submit"),
        &job.submit_key,
        json!({"check_out": stamp(site.lat, site.lon), "work_photo_id": images[0],
            "signature_id": images[2]}),
    )
    .await
    else {
        return false;
    };
    assert_eq!(status, StatusCode::OK, "submit: {answer}");
    assert_eq!(answer["id"], json!(id));
    job.submitted = true;
    true
}

async fn run_clients(
    remote: &Remote,
    tokens: &[String],
    site: &Arc<Site>,
    jobs: &Arc<Mutex<Vec<Vec<Job>>>>,
    acks: &Arc<AtomicUsize>,
) {
    let mut handles = Vec::new();
    for c in 0..CLIENTS {
        let (remote, token, site, jobs, acks) = (
            remote.clone(),
            tokens[c % tokens.len()].clone(),
            site.clone(),
            jobs.clone(),
            acks.clone(),
        );
        handles.push(tokio::spawn(async move {
            let mut mine = jobs.lock().await[c].clone();
            for i in 0..mine.len() {
                if mine[i].submitted {
                    continue;
                }
                let ok = file_record(&remote, &token, &site, &mut mine[i]).await;
                jobs.lock().await[c] = mine.clone();
                if ok {
                    acks.fetch_add(1, Ordering::SeqCst);
                }
                if !ok {
                    return;
                }
            }
        }));
    }
    for h in handles {
        h.await.unwrap();
    }
}

async fn site_of(remote: &Remote, token: &str) -> Site {
    let demo = remote.demo_site(token).await.unwrap();
    Site {
        task_id: demo.task_id,
        outlet_id: demo.outlet_id,
        instrument: demo.instruments[0].0.clone(),
        lat: demo.lat,
        lon: demo.lon,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_during_submissions_loses_and_doubles_nothing() {
    let iterations: usize = std::env::var("EMSS_CRASH_ITERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let tmp = tempfile::tempdir().unwrap();
    // EMSS_CRASH_KEEP=1 keeps the data folder and the server's log for a look after a failure.
    let (work, _cleanup) = if std::env::var_os("EMSS_CRASH_KEEP").is_some() {
        let kept = tmp.keep();
        println!("T8 data and log in {}", kept.display());
        (kept, None)
    } else {
        (tmp.path().to_path_buf(), Some(tmp))
    };
    let data_dir = work.join("data");
    let log = work.join("emss.log");
    let (database_url, scratch) = match std::env::var("TEST_DATABASE_URL") {
        Ok(admin) if !admin.is_empty() => {
            let s = ScratchDatabase::create(&admin).await.unwrap();
            (s.url.clone(), Some(s))
        }
        _ => (
            format!("sqlite://{}", data_dir.join("emss.db").display()),
            None,
        ),
    };
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = start(&data_dir, &database_url, port, true, &log);
    let remote = server.remote.clone();
    wait_healthy(&remote, &log).await;
    let tokens = vec![
        remote.token("filer_a").await.unwrap(),
        remote.token("filer_a2").await.unwrap(),
    ];
    let site = Arc::new(site_of(&remote, &tokens[0]).await);
    let db = emss_db::Database::connect(&emss_db::connect::DatabaseSettings {
        url: database_url.clone(),
        pool_size: 2,
        connect_timeout: Duration::from_secs(10),
    })
    .await
    .unwrap();
    let before: HashSet<String> = all_record_ids(&db).await;
    let mut seed = 50_000;
    let mut report = Vec::new();

    for iteration in 1..=iterations {
        let jobs: Vec<Vec<Job>> = (0..CLIENTS)
            .map(|_| {
                (0..RECORDS_PER_CLIENT)
                    .map(|_| {
                        seed += 1;
                        Job::new(seed)
                    })
                    .collect()
            })
            .collect();
        let jobs = Arc::new(Mutex::new(jobs));
        let acks = Arc::new(AtomicUsize::new(0));
        let load = {
            let (remote, tokens, site, jobs, acks) = (
                remote.clone(),
                tokens.clone(),
                site.clone(),
                jobs.clone(),
                acks.clone(),
            );
            tokio::spawn(async move { run_clients(&remote, &tokens, &site, &jobs, &acks).await })
        };
        // The kill comes in the middle of the load, wherever that is on this machine: once a
        // random number of submissions (1–80 of 100, from the randomness UUIDs already carry) is
        // acknowledged, then 0–100 ms on.
        let random = uuid::Uuid::new_v4().as_u128();
        let wanted = 1 + (random % 80) as usize;
        let delay = ((random >> 64) % 101) as u64;
        let deadline = Instant::now() + Duration::from_secs(300);
        while acks.load(Ordering::SeqCst) < wanted && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tokio::time::sleep(Duration::from_millis(delay)).await;
        server.child.kill().unwrap();
        server.child.wait().unwrap();
        load.await.unwrap();
        let acknowledged: Vec<String> = jobs
            .lock()
            .await
            .iter()
            .flatten()
            .filter(|j| j.submitted)
            .filter_map(|j| j.record_id.clone())
            .collect();

        // Restart; what was acknowledged is there, submitted.
        let swept_before = sweeps(&log);
        server = start(&data_dir, &database_url, port, false, &log);
        wait_healthy(&remote, &log).await;
        wait_swept(&log, swept_before).await;
        for id in &acknowledged {
            let (status, body) = remote
                .call(
                    Method::GET,
                    &tokens[0],
                    &format!("/api/v1/records/{id}"),
                    None,
                )
                .await
                .unwrap();
            assert_eq!(status, StatusCode::OK, "acknowledged record {id} lost");
            assert_eq!(
                body["record"]["state"], "submitted",
                "acknowledged record {id}"
            );
        }
        // No file without its row after the sweep.
        let store = LocalBlobStore::open(data_dir.join("blobs")).unwrap();
        let files: Vec<String> = store
            .older_than(Duration::ZERO)
            .await
            .unwrap()
            .iter()
            .map(BlobKey::to_string)
            .collect();
        let referenced = emss_db::repo::blob_refs::referenced(&db.conn, &files)
            .await
            .unwrap();
        let orphans = files.iter().filter(|f| !referenced.contains(*f)).count();
        assert_eq!(orphans, 0, "files without a row after the start-up sweep");

        // Every client redoes its unfinished work with the same keys (up to 3 tries).
        for _ in 0..3 {
            run_clients(&remote, &tokens, &site, &jobs, &acks).await;
        }
        let jobs = jobs.lock().await.clone();
        let held: Vec<String> = jobs
            .iter()
            .flatten()
            .map(|j| {
                assert!(j.submitted, "a record was not filed after three retries");
                j.record_id.clone().unwrap()
            })
            .collect();
        let now = all_record_ids(&db).await;
        let created: HashSet<String> = now.difference(&before).cloned().collect();
        let expected = iteration * CLIENTS * RECORDS_PER_CLIENT;
        assert_eq!(created.len(), expected, "records exist exactly once");
        assert!(held.iter().all(|id| created.contains(id)));
        verify_records(&db, &store, &held).await;
        if scratch.is_none() {
            sqlite_checks(&db).await;
        }
        report.push(format!(
            "iteration {iteration}: killed {delay} ms after acknowledgement {wanted}; {} of {} submissions acknowledged before the kill",
            acknowledged.len(),
            CLIENTS * RECORDS_PER_CLIENT
        ));
    }
    server.child.kill().unwrap();
    server.child.wait().unwrap();
    audit_verifies(&data_dir, &database_url, &work);
    for line in report {
        println!("T8 {line}");
    }
    db.conn.close().await.unwrap();
    if let Some(s) = scratch {
        s.drop_blocking();
    }
}

async fn all_record_ids(db: &emss_db::Database) -> HashSet<String> {
    use sea_orm::{EntityTrait, QuerySelect};
    emss_db::entity::record::Entity::find()
        .select_only()
        .column(emss_db::entity::record::Column::Id)
        .into_tuple::<String>()
        .all(&db.conn)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

/// Each record is submitted, carries its three images whose files are present and intact, and
/// has exactly one submission in the audit log.
async fn verify_records(db: &emss_db::Database, store: &LocalBlobStore, ids: &[String]) {
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    let mut roles: HashMap<String, usize> = HashMap::new();
    for id in ids {
        let evidence = emss_db::repo::record::evidence_of(&db.conn, id)
            .await
            .unwrap();
        assert_eq!(evidence.len(), 3, "record {id} carries its three images");
        for (link, image) in evidence {
            *roles.entry(link.role).or_default() += 1;
            let key = BlobKey::parse(&image.blob_key).unwrap();
            let bytes = store.get(&key).await.unwrap();
            assert!(bytes.is_some(), "record {id}: file {key} missing");
        }
        let submits = emss_db::entity::audit_entry::Entity::find()
            .filter(emss_db::entity::audit_entry::Column::Action.eq("record.submit"))
            .filter(emss_db::entity::audit_entry::Column::ObjectId.eq(id.as_str()))
            .count(&db.conn)
            .await
            .unwrap();
        assert_eq!(submits, 1, "record {id}: one submission in the audit log");
    }
    assert_eq!(roles.len(), 3, "{roles:?}");
}

async fn sqlite_checks(db: &emss_db::Database) {
    use sea_orm::{ConnectionTrait, Statement};
    let backend = db.conn.get_database_backend();
    let rows = db
        .conn
        .query_all_raw(Statement::from_string(backend, "PRAGMA integrity_check"))
        .await
        .unwrap();
    let first: String = rows[0].try_get_by_index(0).unwrap();
    assert_eq!(first, "ok");
    let problems = db
        .conn
        .query_all_raw(Statement::from_string(backend, "PRAGMA foreign_key_check"))
        .await
        .unwrap();
    assert!(problems.is_empty(), "foreign key problems");
}

/// Exports the audit log with the binary and checks the export offline.
fn audit_verifies(data_dir: &Path, database_url: &str, work: &Path) {
    let file: PathBuf = work.join("audit-export.json");
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_emss"))
            .args(args)
            .env_clear()
            .env("EMSS_DATA_DIR", data_dir)
            .env("EMSS_DATABASE_URL", database_url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "emss {args:?}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    };
    let path = file.display().to_string();
    run(&["audit", "export", &path]);
    // The key the log was signed with, read from its key file as its holder would.
    let secret = std::fs::read_to_string(data_dir.join("keys/audit-sm2.key")).unwrap();
    let signer =
        emss_domain::crypto::SoftwareSigner::from_bytes(&hex::decode(secret.trim()).unwrap())
            .unwrap();
    let key = hex::encode(emss_domain::crypto::Signer::public_key(&signer));
    run(&["audit", "verify", &path, "--public-key", &key]);
}
