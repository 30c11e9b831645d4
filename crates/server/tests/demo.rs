//! Demo data: fixed logins, and never on a database that holds real data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_db::repo;
use emss_db::repo::account::NewAccount;
use emss_db::repo::organization::NewOrganization;
use emss_domain::ids::new_id;
use emss_domain::{OrgKind, Role};
use emss_testkit::TestApp;
use reqwest::StatusCode;

#[tokio::test]
async fn every_documented_demo_login_works() {
    let t = TestApp::spawn().await.unwrap();
    for username in emss_app::demo::usernames() {
        t.token(username).await.unwrap();
    }
    assert_eq!(emss_app::demo::usernames().count(), 19);
}

#[tokio::test]
async fn loading_again_changes_the_password_and_nothing_else() {
    let t = TestApp::spawn().await.unwrap();
    emss_app::demo::load(&t.app, "Another-Pass-99")
        .await
        .unwrap();
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&serde_json::json!({"username": "city", "password": "Another-Pass-99"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert!(
        t.token("city").await.is_err(),
        "the old password no longer works"
    );
    let admin = t.app.db();
    let count = repo::account::list(
        &admin.conn,
        &repo::account::AccountScope::All,
        &Default::default(),
        Default::default(),
    )
    .await
    .unwrap()
    .total;
    assert_eq!(count, 19);
}

#[tokio::test]
async fn demo_loading_refuses_a_database_with_real_data() {
    let t = TestApp::spawn_empty().await.unwrap();
    let db = &t.app.db().conn;
    let org = repo::organization::insert(
        db,
        NewOrganization {
            id: new_id(),
            kind: OrgKind::Enterprise,
            name: "上海某真实企业有限公司",
            district_code: Some("310101"),
            agency_category: None,
            uscc: None,
            created_at: t.app.now(),
        },
    )
    .await
    .unwrap();
    repo::account::insert(
        db,
        NewAccount {
            id: new_id(),
            org_id: &org.id,
            username: "real_user",
            name: "真实用户",
            password_hash: "x".into(),
            is_main: true,
            must_change_password: false,
            is_demo: false,
            roles: &[Role::EnterpriseAdmin],
            created_at: t.app.now(),
            password_expires_at: None,
            phone: None,
        },
    )
    .await
    .unwrap();
    let err = emss_app::demo::load(&t.app, "Demo-Pass-2026")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("拒绝载入演示数据"), "{err}");
    assert!(t.token("city").await.is_err(), "nothing was loaded");
}
