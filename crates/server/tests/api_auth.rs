//! Signing in and out through the API, bearer tokens and cookie sessions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{DEMO_PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn login(t: &TestApp, username: &str, password: &str) -> reqwest::Response {
    reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({ "username": username, "password": password }))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn login_returns_token_user_and_cookie() {
    let t = TestApp::spawn().await.unwrap();
    let res = login(&t, "filer_a", DEMO_PASSWORD).await;
    assert_eq!(res.status(), StatusCode::OK);
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(cookie.starts_with("emss_sid="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax") && cookie.contains("Path=/")
    );
    let body: Value = res.json().await.unwrap();
    assert!(body["token"].as_str().unwrap().len() >= 43);
    assert!(body["expires_at"].as_str().unwrap().contains('T'));
    let user = &body["user"];
    assert_eq!(user["username"], "filer_a");
    assert_eq!(user["name"], "张伟");
    assert_eq!(user["org_kind"], "agency");
    assert_eq!(user["roles"], json!(["filer"]));
    assert_eq!(user["is_main"], false);
    assert_eq!(user["id"].as_str().unwrap().len(), 32);
}

#[tokio::test]
async fn bearer_token_identifies_the_user_until_logout() {
    let t = TestApp::spawn().await.unwrap();
    let token = t.token("district_a").await.unwrap();
    let client = reqwest::Client::new();
    let me: Value = client
        .get(t.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "district_a");
    assert_eq!(me["org_kind"], "district_regulator");
    assert_eq!(me["district_code"], "310115");

    let out = client
        .post(t.url("/api/v1/auth/logout"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::NO_CONTENT);
    let after = client
        .get(t.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["code"], "unauthenticated");
}

#[tokio::test]
async fn failures_look_the_same_whatever_the_reason() {
    let t = TestApp::spawn().await.unwrap();
    let wrong = login(&t, "filer_a", "Wrong-Pass-2026").await;
    let unknown = login(&t, "nobody_here", DEMO_PASSWORD).await;
    let empty = login(&t, "", "").await;
    for res in [wrong, unknown, empty] {
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["code"], "invalid_credentials");
        assert_eq!(body["message"], "用户名或密码错误");
        assert!(body.get("fields").is_none());
    }
}

#[tokio::test]
async fn username_variants_reach_the_same_account() {
    let t = TestApp::spawn().await.unwrap();
    for variant in ["FILER_A", "  filer_a ", "ｆｉｌｅｒ＿ａ"] {
        let res = login(&t, variant, DEMO_PASSWORD).await;
        assert_eq!(res.status(), StatusCode::OK, "{variant:?}");
    }
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_token_but_bearer_writes_do_not() {
    let t = TestApp::spawn().await.unwrap();
    let browser = t.client().unwrap();
    let res = browser
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({ "username": "reviewer_a", "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    // The cookie alone signs in for reads…
    let me = browser.get(t.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    // …but a write without the token is refused and changes nothing.
    let out = browser
        .post(t.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status(), StatusCode::FORBIDDEN);
    let body: Value = out.json().await.unwrap();
    assert_eq!(body["code"], "csrf_failed");
    let still = browser.get(t.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(still.status(), StatusCode::OK);
    // A write from another site is refused even before the token is looked at.
    let cross = browser
        .post(t.url("/api/v1/auth/logout"))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(cross.status(), StatusCode::FORBIDDEN);

    let token = t.token("reviewer_a").await.unwrap();
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/auth/logout"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
}

#[tokio::test]
async fn a_new_login_never_keeps_the_old_session() {
    let t = TestApp::spawn().await.unwrap();
    let browser = t.client().unwrap();
    let first = browser
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({ "username": "filer_a", "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    let first_token = first.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string();
    let second = browser
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({ "username": "filer_a", "password": DEMO_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(second.status(), StatusCode::OK);
    let old = reqwest::Client::new()
        .get(t.url("/api/v1/me"))
        .bearer_auth(first_token)
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sessions_end_when_idle_and_at_their_absolute_end() {
    let t = TestApp::spawn().await.unwrap();
    let client = reqwest::Client::new();
    let me = |token: String| {
        let client = client.clone();
        let url = t.url("/api/v1/me");
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };

    let token = t.token("city").await.unwrap();
    t.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(me(token.clone()).await.status(), StatusCode::OK);
    // Activity moved the idle window: 14 more minutes is still fine…
    t.clock.advance(chrono::Duration::minutes(14));
    assert_eq!(me(token.clone()).await.status(), StatusCode::OK);
    // …but 15 idle minutes and one second end it.
    t.clock
        .advance(chrono::Duration::minutes(15) + chrono::Duration::seconds(1));
    let expired = me(token.clone()).await;
    assert_eq!(expired.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        expired.json::<Value>().await.unwrap()["code"],
        "session_expired"
    );

    // However active, a session ends after 12 hours.
    let token = t.token("city").await.unwrap();
    for _ in 0..59 {
        t.clock.advance(chrono::Duration::minutes(12));
        assert_eq!(me(token.clone()).await.status(), StatusCode::OK);
    }
    t.clock
        .advance(chrono::Duration::minutes(11) + chrono::Duration::seconds(59));
    assert_eq!(me(token.clone()).await.status(), StatusCode::OK);
    t.clock.advance(chrono::Duration::seconds(2));
    assert_eq!(me(token).await.status(), StatusCode::UNAUTHORIZED);
}
