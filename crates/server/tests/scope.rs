//! Test design T2: every principal probes every account; what lies outside its scope answers 404
//! exactly like an id that does not exist, and lists hold only what is in scope (checked against
//! plain SQL, not the application's scope code).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Statement};
use serde_json::Value;
use std::collections::BTreeSet;

/// Everything but the request id, which differs per request by design.
async fn body_without_request_id(res: reqwest::Response) -> (StatusCode, String) {
    let status = res.status();
    let text = res.text().await.unwrap();
    let stripped = match serde_json::from_str::<Value>(&text) {
        Ok(mut v) => {
            v.as_object_mut().map(|o| o.remove("request_id"));
            v.to_string()
        }
        Err(_) => {
            // An HTML page: drop the request id wherever it appears.
            let id_at = text.find("data-testid=\"request-id\">").map(|i| i + 25);
            match id_at {
                Some(i) => format!("{}{}", &text[..i], &text[i + 32..]),
                None => text,
            }
        }
    };
    (status, stripped)
}

async fn all_accounts(t: &TestApp) -> Vec<(String, String)> {
    let rows = t
        .app
        .db()
        .conn
        .query_all_raw(Statement::from_string(
            t.app.db().conn.get_database_backend(),
            "SELECT id, org_id FROM account",
        ))
        .await
        .unwrap();
    rows.iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn accounts_outside_scope_are_indistinguishable_from_missing_ones() {
    let t = TestApp::spawn().await.unwrap();
    let accounts = all_accounts(&t).await;
    let missing = emss_domain::ids::new_id();
    let mut probes = 0;
    for login in [
        "agency_a",
        "agency_b",
        "selfom",
        "ent_a",
        "ent_b",
        "district_a",
        "district_b",
        "city",
        "filer_a",
        "auditadmin",
    ] {
        t.clock.advance(chrono::Duration::seconds(61));
        let token = t.token(login).await.unwrap();
        let browser = t.browser(login).await.unwrap();
        let me: Value = reqwest::Client::new()
            .get(t.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let own_org = me["org_id"].as_str().unwrap();
        let main = me["is_main"] == true;
        let c = reqwest::Client::new();
        let api_missing = body_without_request_id(
            c.get(t.url(&format!("/api/v1/accounts/{missing}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap(),
        )
        .await;
        let page_missing =
            body_without_request_id(browser.get(&format!("/accounts/{missing}")).await.unwrap())
                .await;
        for (id, org) in &accounts {
            let visible = main && org == own_org;
            let api = body_without_request_id(
                c.get(t.url(&format!("/api/v1/accounts/{id}")))
                    .bearer_auth(&token)
                    .send()
                    .await
                    .unwrap(),
            )
            .await;
            let page =
                body_without_request_id(browser.get(&format!("/accounts/{id}")).await.unwrap())
                    .await;
            if visible {
                assert_eq!(api.0, StatusCode::OK, "{login} should see {id}");
                assert_eq!(page.0, StatusCode::OK);
            } else {
                assert_eq!(api, api_missing, "{login} probing {id} (API)");
                assert_eq!(page, page_missing, "{login} probing {id} (page)");
                // Actions on the object answer the same.
                let put = body_without_request_id(
                    c.put(t.url(&format!("/api/v1/accounts/{id}/enabled")))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"enabled": false}))
                        .send()
                        .await
                        .unwrap(),
                )
                .await;
                let put_missing = body_without_request_id(
                    c.put(t.url(&format!("/api/v1/accounts/{missing}/enabled")))
                        .bearer_auth(&token)
                        .json(&serde_json::json!({"enabled": false}))
                        .send()
                        .await
                        .unwrap(),
                )
                .await;
                assert_eq!(put, put_missing, "{login} disabling {id}");
                let post = body_without_request_id(
                    browser
                        .post_form(&format!("/accounts/{id}/end-sessions"), &[])
                        .await
                        .unwrap(),
                )
                .await;
                let post_missing = body_without_request_id(
                    browser
                        .post_form(&format!("/accounts/{missing}/end-sessions"), &[])
                        .await
                        .unwrap(),
                )
                .await;
                assert_eq!(post, post_missing, "{login} ending sessions of {id}");
            }
            probes += 1;
        }
    }
    assert!(probes >= 160);
    // Nothing was disabled by any of those probes.
    for login in ["filer_a", "reviewer_b", "ent_b"] {
        t.clock.advance(chrono::Duration::seconds(61));
        assert!(t.token(login).await.is_ok(), "{login}");
    }
}

#[tokio::test]
async fn lists_and_exports_hold_only_the_own_organisation() {
    let t = TestApp::spawn().await.unwrap();
    let accounts = all_accounts(&t).await;
    for login in ["agency_a", "agency_b", "ent_a", "district_b", "city"] {
        t.clock.advance(chrono::Duration::seconds(61));
        let token = t.token(login).await.unwrap();
        let c = reqwest::Client::new();
        let me: Value = c
            .get(t.url("/api/v1/me"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let own: BTreeSet<String> = accounts
            .iter()
            .filter(|(_, org)| org == me["org_id"].as_str().unwrap())
            .map(|(id, _)| id.clone())
            .collect();
        let list: Value = c
            .get(t.url("/api/v1/accounts?page_size=100"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let listed: BTreeSet<String> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(listed, own, "{login}");
        assert_eq!(list["total"], own.len());

        let browser = t.browser(login).await.unwrap();
        let csv = browser
            .get("/accounts/export.csv")
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(
            csv.trim_end().split("\r\n").count(),
            own.len() + 1,
            "{login} export"
        );
    }
}
