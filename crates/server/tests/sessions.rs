//! Test design T5 (session lifecycle) and the account actions that end sessions.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{DEMO_PASSWORD, TestApp};
use reqwest::StatusCode;
use serde_json::{Value, json};

async fn login(t: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn me(t: &TestApp, token: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .get(t.url("/api/v1/me"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    (res.status(), res.json().await.unwrap())
}

async fn account_id(t: &TestApp, admin: &str, username: &str) -> String {
    let list: Value = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/accounts?keyword={username}")))
        .bearer_auth(admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
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
async fn a_fourth_login_ends_the_oldest_session_and_says_so() {
    let t = TestApp::spawn().await.unwrap();
    let mut tokens = Vec::new();
    for i in 0..4 {
        t.clock.advance(chrono::Duration::seconds(1));
        let (status, body) = login(&t, "filer_a", DEMO_PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["replaced_sessions"], if i == 3 { 1 } else { 0 });
        tokens.push(body["token"].as_str().unwrap().to_string());
    }
    let (status, body) = me(&t, &tokens[0]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["code"], "session_replaced");
    for token in &tokens[1..] {
        assert_eq!(me(&t, token).await.0, StatusCode::OK);
    }
}

#[tokio::test]
async fn disabling_an_account_ends_its_sessions_at_once() {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("agency_a").await.unwrap();
    let filer = t.token("filer_a2").await.unwrap();
    let id = account_id(&t, &main, "filer_a2").await;
    let c = reqwest::Client::new();
    let res = c
        .put(t.url(&format!("/api/v1/accounts/{id}/enabled")))
        .bearer_auth(&main)
        .json(&json!({"enabled": false}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.json::<Value>().await.unwrap()["disabled"], true);
    assert_eq!(me(&t, &filer).await.0, StatusCode::UNAUTHORIZED);
    let (status, body) = login(&t, "filer_a2", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        body["code"], "invalid_credentials",
        "same answer as a wrong password"
    );

    c.put(t.url(&format!("/api/v1/accounts/{id}/enabled")))
        .bearer_auth(&main)
        .json(&json!({"enabled": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(login(&t, "filer_a2", DEMO_PASSWORD).await.0, StatusCode::OK);
}

#[tokio::test]
async fn an_administrator_ends_all_sessions_of_an_account() {
    let t = TestApp::spawn().await.unwrap();
    let admin = t.token("sysadmin").await.unwrap();
    let phone = t.phone("filer_b").await.unwrap();
    let token = t.token("filer_b").await.unwrap();
    let id = account_id(&t, &admin, "filer_b").await;
    let res: Value = reqwest::Client::new()
        .post(t.url(&format!("/api/v1/accounts/{id}/end-sessions")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(res["ended"], 2);
    assert_eq!(me(&t, &token).await.0, StatusCode::UNAUTHORIZED);
    let res = phone.get("/m/").await.unwrap();
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("&ended=1"), "{to}");
    assert!(
        phone
            .page(&to)
            .await
            .unwrap()
            .contains("您的账户已在别处登录或被结束会话")
    );
}

#[tokio::test]
async fn changing_the_password_ends_the_other_sessions_only() {
    let t = TestApp::spawn().await.unwrap();
    let other = t.token("reviewer_a").await.unwrap();
    let this = t.browser("reviewer_a").await.unwrap();
    let res = this
        .post_form(
            "/account/password",
            &[
                ("current_password", DEMO_PASSWORD),
                ("new_password", "Kq7#Lm2@Rt9x"),
                ("confirm_password", "Kq7#Lm2@Rt9x"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        this.page("/account?done=password")
            .await
            .unwrap()
            .contains("密码已修改")
    );
    assert_eq!(me(&t, &other).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        login(&t, "reviewer_a", "Kq7#Lm2@Rt9x").await.0,
        StatusCode::OK
    );
    assert_eq!(
        login(&t, "reviewer_a", DEMO_PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn weak_new_passwords_are_refused_next_to_the_field() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("filer_a").await.unwrap();
    let cases = [
        ("short1A!", "new_password", "至少 12 个字符"),
        ("alllowercaseletters", "new_password", "至少三类"),
        ("Password2026!", "new_password", "过于常见"),
        ("Filer_a-2026-x", "new_password", "个人信息"),
    ];
    for (new, field, message) in cases {
        let res = b
            .post_form(
                "/account/password",
                &[
                    ("current_password", DEMO_PASSWORD),
                    ("new_password", new),
                    ("confirm_password", new),
                ],
            )
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{new}");
        let html = res.text().await.unwrap();
        assert!(
            html.contains(message),
            "{new}: {field} should say {message}"
        );
    }
    let res = b
        .post_form(
            "/account/password",
            &[
                ("current_password", "wrong"),
                ("new_password", "Kq7#Lm2@Rt9x"),
                ("confirm_password", "Kq7#Lm2@Rt9y"),
            ],
        )
        .await
        .unwrap();
    let html = res.text().await.unwrap();
    assert!(html.contains("当前密码不正确"));
    assert!(html.contains("两次输入的新密码不一致"));
    assert_eq!(
        login(&t, "filer_a", DEMO_PASSWORD).await.0,
        StatusCode::OK,
        "nothing changed"
    );
}

#[tokio::test]
async fn a_reset_password_works_once_must_be_changed_and_expires() {
    let t = TestApp::spawn().await.unwrap();
    let admin = t.browser("sysadmin").await.unwrap();
    let admin_token = t.token("sysadmin").await.unwrap();
    let id = account_id(&t, &admin_token, "filer_b").await;
    let html = admin
        .post_form(&format!("/accounts/{id}/reset-password"), &[])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("一次性密码：").unwrap() + "一次性密码：".len();
    let one_time: String = html[start..].chars().take_while(|c| *c != '（').collect();
    assert_eq!(one_time.len(), 14, "{one_time}");

    let (status, body) = login(&t, "filer_b", &one_time).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["must_change_password"], true);
    let token = body["token"].as_str().unwrap().to_string();
    // Only the password change is open.
    assert_eq!(me(&t, &token).await.0, StatusCode::OK);
    let c = reqwest::Client::new();
    let res = c
        .get(t.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        res.json::<Value>().await.unwrap()["code"],
        "password_change_required"
    );
    let res = c
        .post(t.url("/api/v1/auth/password"))
        .bearer_auth(&token)
        .json(&json!({"current_password": one_time, "new_password": "Zr8%Tq3!Hm5w"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    let (status, body) = login(&t, "filer_b", "Zr8%Tq3!Hm5w").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["must_change_password"], false);

    // A one-time password not used within 72 hours stops working.
    let html = admin
        .post_form(&format!("/accounts/{id}/reset-password"), &[])
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let start = html.find("一次性密码：").unwrap() + "一次性密码：".len();
    let second: String = html[start..].chars().take_while(|c| *c != '（').collect();
    t.clock
        .advance(chrono::Duration::hours(72) + chrono::Duration::seconds(1));
    assert_eq!(
        login(&t, "filer_b", &second).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn a_page_session_with_a_one_time_password_reaches_only_the_password_change() {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("agency_b").await.unwrap();
    let created: Value = reqwest::Client::new()
        .post(t.url("/api/v1/accounts"))
        .bearer_auth(&main)
        .json(&json!({"username": "filer_b2", "name": "周强", "roles": ["filer"]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let one_time = created["one_time_password"].as_str().unwrap();
    let c = t.client().unwrap();
    let res = c
        .post(t.url("/login"))
        .form(&[("username", "filer_b2"), ("password", one_time)])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/account/password");
    let res = c.get(t.url("/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/account/password");
    let html = c
        .get(t.url("/account/password"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("一次性密码"));
}
