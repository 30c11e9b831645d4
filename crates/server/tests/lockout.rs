//! Test design T4: brute force and lockout with a manual clock (AUTH-04).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{DEMO_PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn attempt(t: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    let mut body: Value = res.json().await.unwrap();
    body.as_object_mut().unwrap().remove("request_id");
    (status, body)
}

#[tokio::test]
async fn five_failures_lock_for_thirty_minutes_with_the_same_answer() {
    let t = TestApp::spawn().await.unwrap();
    let wrong = attempt(&t, "filer_a", "wrong-password").await;
    assert_eq!(wrong.0, StatusCode::UNAUTHORIZED);
    for _ in 0..4 {
        assert_eq!(attempt(&t, "filer_a", "wrong-password").await, wrong);
    }
    // Locked: the right password gets exactly the answer of a wrong one.
    assert_eq!(attempt(&t, "filer_a", DEMO_PASSWORD).await, wrong);
    assert_eq!(attempt(&t, "no_such_user", DEMO_PASSWORD).await, wrong);
    t.clock.advance(chrono::Duration::minutes(29));
    assert_eq!(attempt(&t, "filer_a", DEMO_PASSWORD).await, wrong);
    t.clock
        .advance(chrono::Duration::minutes(1) + chrono::Duration::seconds(1));
    assert_eq!(
        attempt(&t, "filer_a", DEMO_PASSWORD).await.0,
        StatusCode::OK
    );
    // Other accounts were never affected.
    assert!(t.token("filer_a2").await.is_ok());
}

#[tokio::test]
async fn a_success_resets_the_count() {
    let t = TestApp::spawn().await.unwrap();
    for _ in 0..4 {
        attempt(&t, "reviewer_a", "wrong-password").await;
    }
    assert_eq!(
        attempt(&t, "reviewer_a", DEMO_PASSWORD).await.0,
        StatusCode::OK
    );
    t.clock.advance(chrono::Duration::seconds(61));
    for _ in 0..4 {
        attempt(&t, "reviewer_a", "wrong-password").await;
    }
    assert_eq!(
        attempt(&t, "reviewer_a", DEMO_PASSWORD).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn failures_spread_over_more_than_the_window_do_not_lock() {
    let t = TestApp::spawn().await.unwrap();
    for _ in 0..8 {
        attempt(&t, "city", "wrong-password").await;
        t.clock.advance(chrono::Duration::minutes(4));
    }
    assert_eq!(attempt(&t, "city", DEMO_PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn username_variants_count_for_one_account() {
    let t = TestApp::spawn().await.unwrap();
    for variant in [
        "FILER_B",
        "filer_b ",
        " Filer_B",
        "ｆｉｌｅｒ＿ｂ",
        "filer_b",
    ] {
        attempt(&t, variant, "wrong-password").await;
    }
    assert_eq!(
        attempt(&t, "filer_b", DEMO_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn unknown_users_lock_like_known_ones() {
    let t = TestApp::spawn().await.unwrap();
    let first = attempt(&t, "ghost_user", "x").await;
    for _ in 0..6 {
        assert_eq!(attempt(&t, "ghost_user", "x").await, first);
    }
}

#[tokio::test]
async fn one_address_gets_twenty_attempts_a_minute() {
    let t = TestApp::spawn().await.unwrap();
    for i in 0..20 {
        let (status, _) = attempt(&t, &format!("user{i}"), "x").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let (status, body) = attempt(&t, "filer_a", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(body["code"], "rate_limited");
    t.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        attempt(&t, "filer_a", DEMO_PASSWORD).await.0,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_security_administrator_sets_the_threshold() {
    let t = TestApp::spawn().await.unwrap();
    let sec = t.token("secadmin").await.unwrap();
    let c = reqwest::Client::new();
    let mut policy: Value = c
        .get(t.url("/api/v1/security-policy"))
        .bearer_auth(&sec)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    policy["lockout_threshold"] = json!(3);
    let res = c
        .put(t.url("/api/v1/security-policy"))
        .bearer_auth(&sec)
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    for _ in 0..3 {
        attempt(&t, "ent_a", "wrong-password").await;
    }
    assert_eq!(
        attempt(&t, "ent_a", DEMO_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );

    policy["lockout_threshold"] = json!(1);
    policy["portal_idle_minutes"] = json!(45);
    let res = c
        .put(t.url("/api/v1/security-policy"))
        .bearer_auth(&sec)
        .json(&policy)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body: Value = res.json().await.unwrap();
    assert!(body["fields"]["lockout_threshold"].is_string());
    assert!(body["fields"]["portal_idle_minutes"].is_string());
}
