//! The benchmark's floor handlers: absent unless `bench_floor` is set; when set, the commit floor
//! stores what it is sent, one row per request, in the deployment's database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[tokio::test]
async fn the_floor_is_not_served_by_default() {
    let t = TestApp::spawn_empty().await.unwrap();
    let client = reqwest::Client::new();
    let json = client.get(t.url("/bench/floor/json")).send().await.unwrap();
    assert_eq!(json.status(), StatusCode::NOT_FOUND);
    let commit = client
        .post(t.url("/bench/floor/commit"))
        .json(&serde_json::json!({"a": 1}))
        .send()
        .await
        .unwrap();
    assert_eq!(commit.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn with_bench_floor_set_the_floor_answers_and_commits() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_emss"));
    for (k, _) in std::env::vars() {
        if k.starts_with("EMSS_") || k == "DATABASE_URL" {
            cmd.env_remove(k);
        }
    }
    let mut child = cmd
        .arg("serve")
        .env("EMSS_LISTEN", format!("127.0.0.1:{port}"))
        .env("EMSS_DATA_DIR", dir.path())
        .env("EMSS_BENCH_FLOOR", "true")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    let ready = loop {
        if let Ok(res) = client.get(format!("{base}/readyz")).send().await
            && res.status().is_success()
        {
            break true;
        }
        if Instant::now() > deadline {
            break false;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let json = client.get(format!("{base}/bench/floor/json")).send().await;
    let commits: Vec<StatusCode> = {
        let mut out = Vec::new();
        for i in 0..3 {
            let res = client
                .post(format!("{base}/bench/floor/commit"))
                .json(&serde_json::json!({"work_photo_id": format!("p{i}")}))
                .send()
                .await
                .unwrap();
            out.push(res.status());
        }
        out
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(ready, "emss did not become ready");
    assert_eq!(json.unwrap().status(), StatusCode::OK);
    assert_eq!(commits, vec![StatusCode::CREATED; 3]);

    let db = emss_db::Database::connect(&emss_db::DatabaseSettings {
        url: format!("sqlite://{}", dir.path().join("emss.db").display()),
        pool_size: 1,
        connect_timeout: Duration::from_secs(5),
    })
    .await
    .unwrap();
    use sea_orm::ConnectionTrait;
    let row = db
        .conn
        .query_one_raw(sea_orm::Statement::from_string(
            db.conn.get_database_backend(),
            "SELECT COUNT(*) AS n FROM bench_floor",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get::<i64>("", "n").unwrap(), 3);
}
