//! Guessing and flooding: wrong passwords given while signed in count like failed logins and the
//! lockout ends every session; over-long credentials are refused before anything reads them and
//! logged cut; refusals are recorded without one client growing the log without bound; the login
//! throttle counts failures only and says when to come back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{DEMO_PASSWORD, TestApp};
use reqwest::{Method, StatusCode};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

async fn rows(t: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    let db = &t.app.db().conn;
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    rows(t, sql).await[0].try_get_by_index::<i64>(0).unwrap()
}

async fn login(t: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": username, "password": password}))
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn change_password(t: &TestApp, token: &str, current: &str) -> (StatusCode, Value) {
    t.call(
        Method::POST,
        token,
        "/api/v1/auth/password",
        Some(json!({"current_password": current, "new_password": "Kq7#Lm2@Rt9x-new"})),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn a_stolen_session_cannot_guess_the_password() {
    let t = TestApp::spawn().await.unwrap();
    let stolen = t.token("filer_a").await.unwrap();
    let elsewhere = t.token("filer_a").await.unwrap();
    // Four wrong guesses: each told so next to the field.
    for _ in 0..4 {
        let (status, err) = change_password(&t, &stolen, "guess-1234").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["fields"]["current_password"], "当前密码不正确");
    }
    // The fifth reaches the login lockout: the account is locked and every session ends.
    let (status, err) = change_password(&t, &stolen, "guess-5678").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{err}");
    assert_eq!(err["code"], "account_locked");
    for token in [&stolen, &elsewhere] {
        let (status, _) = t
            .call(Method::GET, token, "/api/v1/me", None)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password does not open a session until the lock ends.
    let (status, _) = login(&t, "filer_a", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_entry WHERE action = 'auth.locked'"
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_entry WHERE action = 'auth.password_check'"
        )
        .await,
        5
    );
    t.clock.advance(chrono::Duration::minutes(31));
    let (status, _) = login(&t, "filer_a", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn wrong_passwords_at_the_phone_reveal_count_with_failed_logins() {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("agency_a").await.unwrap();
    let (_, list) = t
        .call(
            Method::GET,
            &main,
            "/api/v1/accounts?keyword=filer_a2",
            None,
        )
        .await
        .unwrap();
    let filer = list["items"][0]["id"].as_str().unwrap().to_string();
    // Two failed logins of the main account somewhere else…
    for _ in 0..2 {
        let (status, _) = login(&t, "agency_a", "wrong-password-1").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // …and three wrong passwords at the reveal make five: locked.
    let reveal = |password: &'static str| {
        let t = &t;
        let main = main.clone();
        let path = format!("/api/v1/accounts/{filer}/reveal-phone");
        async move {
            t.call(
                Method::POST,
                &main,
                &path,
                Some(json!({"reason": "核对联系方式", "password": password})),
            )
            .await
            .unwrap()
        }
    };
    for _ in 0..2 {
        let (status, err) = reveal("not-my-password").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(err["fields"]["password"], "密码不正确");
    }
    let (status, err) = reveal("not-my-password").await;
    assert_eq!(
        (status, err["code"].as_str()),
        (StatusCode::UNAUTHORIZED, Some("account_locked"))
    );
    let (status, _) = t
        .call(Method::GET, &main, "/api/v1/me", None)
        .await
        .unwrap();
    assert_eq!(
        status,
        StatusCode::UNAUTHORIZED,
        "the guessing session died too"
    );
}

#[tokio::test]
async fn over_long_credentials_are_refused_and_logged_cut() {
    let t = TestApp::spawn().await.unwrap();
    let before = count(&t, "SELECT COUNT(*) FROM audit_entry").await;
    let huge = "u".repeat(500_000);
    let (status, err) = login(&t, &huge, "whatever-password").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(err["code"], "invalid_credentials");
    let (status, _) = login(&t, "filer_a", &"p".repeat(129)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Two entries, each small; the username is kept cut to 64 characters and marked so.
    assert_eq!(
        count(&t, "SELECT COUNT(*) FROM audit_entry").await,
        before + 2
    );
    let entries = rows(
        &t,
        "SELECT detail FROM audit_entry WHERE action = 'auth.login' ORDER BY seq DESC",
    )
    .await;
    let long: Value =
        serde_json::from_str(&entries[1].try_get_by_index::<String>(0).unwrap()).unwrap();
    assert_eq!(long["username"].as_str().unwrap().chars().count(), 64);
    assert_eq!(long["username_cut"], true);
    assert_eq!(long["reason"], "too_long");
    assert!(
        count(
            &t,
            "SELECT CAST(MAX(LENGTH(detail)) AS BIGINT) FROM audit_entry"
        )
        .await
            < 1_000,
        "no entry holds the long value"
    );
    // The right password of at most 128 characters still works for everyone else.
    let (status, _) = login(&t, "filer_a", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn a_flood_of_refusals_is_one_entry_and_one_summary_per_window() {
    let t = TestApp::spawn().await.unwrap();
    let enterprise = t.token("ent_a").await.unwrap();
    let denied = "SELECT COUNT(*) FROM audit_entry WHERE action = 'authz.denied'";
    let before = count(&t, denied).await;
    for _ in 0..60 {
        let (status, _) = t
            .call(Method::GET, &enterprise, "/api/v1/change-requests", None)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    // Another route is another count.
    for _ in 0..3 {
        let (status, _) = t
            .call(Method::GET, &enterprise, "/api/v1/security-policy", None)
            .await
            .unwrap();
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
    assert_eq!(
        count(&t, denied).await,
        before + 2,
        "the first of each is written at once"
    );

    // While the window is open nothing more is written; when it has closed, one summary each.
    assert_eq!(
        emss_app::audit::summarize_denials(&t.app, false)
            .await
            .unwrap(),
        0
    );
    t.clock.advance(chrono::Duration::seconds(
        2 * emss_app::audit::DENIAL_WINDOW_SECONDS,
    ));
    assert_eq!(
        emss_app::audit::summarize_denials(&t.app, false)
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        emss_app::audit::summarize_denials(&t.app, false)
            .await
            .unwrap(),
        0
    );
    let summaries = rows(
        &t,
        "SELECT detail, actor_id, outcome FROM audit_entry WHERE action = 'denied.summary' ORDER BY seq",
    )
    .await;
    let details: Vec<Value> = summaries
        .iter()
        .map(|r| serde_json::from_str(&r.try_get_by_index::<String>(0).unwrap()).unwrap())
        .collect();
    let accounts = details
        .iter()
        .find(|d| d["route"] == "api.change_requests.list")
        .unwrap();
    assert_eq!(accounts["count"], 59);
    assert_eq!(accounts["codes"], json!(["forbidden"]));
    assert!(accounts["first_at"].as_str().unwrap() <= accounts["last_at"].as_str().unwrap());
    let ent_a = emss_db::repo::account::find_by_username(&t.app.db().conn, "ent_a")
        .await
        .unwrap()
        .unwrap()
        .account
        .id;
    assert_eq!(
        summaries[0].try_get_by_index::<Option<String>>(1).unwrap(),
        Some(ent_a)
    );
    assert_eq!(
        summaries[0].try_get_by_index::<String>(2).unwrap(),
        "denied"
    );

    // An instance stopping reports the windows still open.
    for _ in 0..5 {
        t.call(Method::GET, &enterprise, "/api/v1/change-requests", None)
            .await
            .unwrap();
    }
    assert_eq!(
        emss_app::audit::summarize_denials(&t.app, true)
            .await
            .unwrap(),
        1
    );
    let last: Value = serde_json::from_str(
        &rows(
            &t,
            "SELECT detail FROM audit_entry WHERE action = 'denied.summary' ORDER BY seq DESC",
        )
        .await[0]
            .try_get_by_index::<String>(0)
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        last["count"], 4,
        "the first of the new window was written at once"
    );
    // The log is still one unbroken chain.
    let report = emss_app::audit::verify_stored(&t.app).await.unwrap();
    assert_eq!(report.problem, None);
}

#[tokio::test]
async fn the_login_throttle_counts_failures_only_and_says_when_to_return() {
    let t = TestApp::spawn().await.unwrap();
    // A whole office behind one address signs in at the start of a shift.
    for _ in 0..25 {
        let (status, _) = login(&t, "reviewer_a", DEMO_PASSWORD).await;
        assert_eq!(status, StatusCode::OK);
    }
    // Twenty failures a minute from one address, then 429 with Retry-After.
    let users = ["nobody1", "nobody2", "nobody3", "nobody4"];
    for i in 0..20 {
        let (status, _) = login(&t, users[i % users.len()], "wrong-password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "reviewer_a", "password": DEMO_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    t.clock.advance(chrono::Duration::seconds(61));
    let (status, _) = login(&t, "reviewer_a", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

/// Guesses sent all at once are counted before they are checked: no more are checked than the
/// lockout allows, and the account ends up locked.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn guesses_sent_together_cannot_outrun_the_lockout() {
    let t = TestApp::spawn().await.unwrap();
    let token = t.token("filer_a").await.unwrap();
    let url = t.url("/api/v1/auth/password");
    let guesses: Vec<_> = (0..20)
        .map(|i| {
            let (url, token) = (url.clone(), token.clone());
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .bearer_auth(token)
                    .json(&json!({"current_password": format!("guess-{i}-xyz"),
                        "new_password": "Kq7#Lm2@Rt9x-new"}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for g in guesses {
        statuses.push(g.await.unwrap());
    }
    assert!(
        count(
            &t,
            "SELECT COUNT(*) FROM audit_entry WHERE action = 'auth.password_check'"
        )
        .await
            <= 5,
        "no more guesses checked than the lockout allows"
    );
    assert!(statuses.contains(&StatusCode::UNAUTHORIZED), "{statuses:?}");
    assert!(!statuses.contains(&StatusCode::NO_CONTENT));
    let (status, _) = login(&t, "filer_a", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "locked");

    // Logins sent together, the same.
    t.clock.advance(chrono::Duration::seconds(61));
    let logins: Vec<_> = (0..15)
        .map(|i| {
            let url = t.url("/api/v1/auth/login");
            tokio::spawn(async move {
                reqwest::Client::new()
                    .post(url)
                    .json(&json!({"username": "reviewer_a", "password": format!("guess-{i}-xyz")}))
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for l in logins {
        assert_eq!(l.await.unwrap(), StatusCode::UNAUTHORIZED);
    }
    let checked = rows(
        &t,
        "SELECT detail FROM audit_entry WHERE action = 'auth.login' AND outcome = 'denied'",
    )
    .await
    .iter()
    .filter(|r| {
        let d: Value = serde_json::from_str(&r.try_get_by_index::<String>(0).unwrap()).unwrap();
        d["username"] == "reviewer_a" && d["reason"] == "bad_credentials"
    })
    .count();
    assert!(checked <= 5, "{checked} passwords checked");
    let (status, _) = login(&t, "reviewer_a", DEMO_PASSWORD).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "locked");
}
