//! Test design T16: the three separated administrators (三员), and the first start without default
//! credentials (AUTH-06).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    t: &TestApp,
    token: &str,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .request(method, t.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn id_of(t: &TestApp, username: &str) -> String {
    let admin = t.token("sysadmin").await.unwrap();
    let (_, list) = call(
        t,
        &admin,
        Method::GET,
        &format!("/api/v1/accounts?keyword={username}"),
        json!(null),
    )
    .await;
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["username"] == username)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn each_administrator_does_its_own_duty_only() {
    let t = TestApp::spawn().await.unwrap();
    let filer = id_of(&t, "filer_b").await;
    let policy = json!({"min_length": 12, "require_three_classes": true, "lockout_threshold": 5,
        "lockout_window_minutes": 15, "lockout_minutes": 30, "portal_idle_minutes": 15,
        "mobile_idle_minutes": 30, "ip_attempts_per_minute": 20});
    // (function, method, path, body)
    let functions: Vec<(&str, Method, String, Value)> = vec![
        (
            "list accounts",
            Method::GET,
            "/api/v1/accounts".into(),
            json!(null),
        ),
        (
            "create account",
            Method::POST,
            "/api/v1/accounts".into(),
            json!({"username": "x_new", "name": "新人", "org_id": null}),
        ),
        (
            "grant role",
            Method::PUT,
            format!("/api/v1/accounts/{filer}/roles"),
            json!({"roles": ["filer", "reviewer"]}),
        ),
        (
            "disable account",
            Method::PUT,
            format!("/api/v1/accounts/{filer}/enabled"),
            json!({"enabled": true}),
        ),
        (
            "end sessions",
            Method::POST,
            format!("/api/v1/accounts/{filer}/end-sessions"),
            json!(null),
        ),
        (
            "read security policy",
            Method::GET,
            "/api/v1/security-policy".into(),
            json!(null),
        ),
        (
            "set security policy",
            Method::PUT,
            "/api/v1/security-policy".into(),
            policy,
        ),
    ];
    // Expected: allowed (true) or refused, per administrator, in the order of `functions`.
    let expected: [(&str, [bool; 7]); 3] = [
        ("sysadmin", [true, true, false, true, true, false, false]),
        ("secadmin", [true, false, true, false, true, true, true]),
        (
            "auditadmin",
            [false, false, false, false, false, false, false],
        ),
    ];
    for (admin, allowed) in expected {
        let token = t.token(admin).await.unwrap();
        for ((name, method, path, body), allow) in functions.iter().zip(allowed) {
            let (status, body) = call(&t, &token, method.clone(), path, body.clone()).await;
            if allow {
                // A validation answer (the create without an organisation) still means "may".
                assert!(
                    status.is_success() || status == StatusCode::UNPROCESSABLE_ENTITY,
                    "{admin} should be able to {name}: {status} {body}"
                );
            } else {
                // Refused: 403, or 404 for an account the administrator may not even see.
                assert!(
                    status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                    "{admin} must not {name}: {status} {body}"
                );
            }
        }
    }
}

#[tokio::test]
async fn nobody_holds_two_administrator_roles() {
    let t = TestApp::spawn().await.unwrap();
    let sec = t.token("secadmin").await.unwrap();
    let audit = id_of(&t, "auditadmin").await;
    let (status, body) = call(
        &t,
        &sec,
        Method::PUT,
        &format!("/api/v1/accounts/{audit}/roles"),
        json!({"roles": ["audit_admin", "system_admin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["roles"]
            .as_str()
            .unwrap()
            .contains("不能由同一人兼任")
    );

    // Administrator roles belong to accounts of the system only…
    let main = id_of(&t, "agency_a").await;
    let (status, _) = call(
        &t,
        &sec,
        Method::PUT,
        &format!("/api/v1/accounts/{main}/roles"),
        json!({"roles": ["system_admin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // …and only the security administrator grants them.
    let agency = t.token("agency_a").await.unwrap();
    let sub = id_of(&t, "filer_a2").await;
    let (status, body) = call(
        &t,
        &agency,
        Method::PUT,
        &format!("/api/v1/accounts/{sub}/roles"),
        json!({"roles": ["audit_admin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    // A security administrator cannot change their own roles.
    let own = id_of(&t, "secadmin").await;
    let (status, _) = call(
        &t,
        &sec,
        Method::PUT,
        &format!("/api/v1/accounts/{own}/roles"),
        json!({"roles": ["security_admin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_system_administrator_creates_the_person_and_the_security_administrator_authorises() {
    let t = TestApp::spawn().await.unwrap();
    let sys = t.token("sysadmin").await.unwrap();
    let (_, me) = call(&t, &sys, Method::GET, "/api/v1/me", json!(null)).await;
    let (status, created) = call(
        &t,
        &sys,
        Method::POST,
        "/api/v1/accounts",
        json!({"org_id": me["org_id"], "username": "auditor2", "name": "赵审计"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    // The system administrator cannot grant the role…
    let (status, _) = call(
        &t,
        &sys,
        Method::PUT,
        &format!("/api/v1/accounts/{id}/roles"),
        json!({"roles": ["audit_admin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // …the security administrator can.
    let sec = t.token("secadmin").await.unwrap();
    let (status, body) = call(
        &t,
        &sec,
        Method::PUT,
        &format!("/api/v1/accounts/{id}/roles"),
        json!({"roles": ["audit_admin"]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["roles"], json!(["audit_admin"]));
    // A role granted or removed applies on the next request.
    let filer = id_of(&t, "filer_a").await;
    let filer_token = t.token("filer_a").await.unwrap();
    call(
        &t,
        &sec,
        Method::PUT,
        &format!("/api/v1/accounts/{filer}/roles"),
        json!({"roles": ["reviewer"]}),
    )
    .await;
    let (_, me) = call(&t, &filer_token, Method::GET, "/api/v1/me", json!(null)).await;
    assert_eq!(me["roles"], json!(["reviewer"]));
}

#[tokio::test]
async fn a_fresh_database_has_no_default_credentials() {
    let t = TestApp::spawn_empty().await.unwrap();
    let admins = emss_app::bootstrap::ensure_administrators(&t.app)
        .await
        .unwrap();
    assert_eq!(admins.len(), 3);
    assert!(
        emss_app::bootstrap::ensure_administrators(&t.app)
            .await
            .unwrap()
            .is_empty(),
        "only once"
    );
    let c = reqwest::Client::new();
    for (user, password) in [
        ("admin", "admin"),
        ("root", "root"),
        ("sa", "sa"),
        ("test", "test"),
        ("sysadmin", "sysadmin"),
        ("sysadmin", "admin"),
        ("secadmin", "123456"),
    ] {
        let res = c
            .post(t.url("/api/v1/auth/login"))
            .json(&json!({"username": user, "password": password}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{user}/{password}");
    }
    t.clock.advance(chrono::Duration::seconds(61));
    for admin in &admins {
        let body: Value = c
            .post(t.url("/api/v1/auth/login"))
            .json(&json!({"username": admin.username, "password": admin.one_time_password}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(body["must_change_password"], true, "{}", admin.username);
        assert_eq!(body["user"]["roles"], json!([admin.role.as_str()]));
    }
    t.clock
        .advance(chrono::Duration::hours(72) + chrono::Duration::seconds(1));
    let res = c
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": admins[0].username, "password": admins[0].one_time_password}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNAUTHORIZED,
        "the one-time password expired"
    );
}
