//! Paging parameters are bounded: a page number or size out of range is refused with 422 naming
//! the field on every list of the API (a huge `page` once made nine of them answer 500), and list
//! pages clamp them instead of failing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::Value;

/// Every API list, with a user it answers.
const LISTS: [(&str, &str); 10] = [
    ("/api/v1/accounts", "sysadmin"),
    ("/api/v1/agencies", "city"),
    ("/api/v1/change-requests", "city"),
    ("/api/v1/contracts", "agency_a"),
    ("/api/v1/form-types", "city"),
    ("/api/v1/occurrences", "agency_a"),
    ("/api/v1/outlets", "ent_a"),
    ("/api/v1/records", "city"),
    ("/api/v1/tasks", "agency_a"),
    ("/api/v1/accounts?keyword=a", "agency_a"),
];

#[tokio::test]
async fn paging_out_of_range_is_refused_by_field_on_every_list() {
    let t = TestApp::spawn().await.unwrap();
    let c = reqwest::Client::new();
    for (path, user) in LISTS {
        t.clock.advance(chrono::Duration::seconds(61));
        let token = t.token(user).await.unwrap();
        let sep = if path.contains('?') { '&' } else { '?' };
        let res = c
            .get(t.url(&format!("{path}{sep}page=2&page_size=5")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        let page: Value = res.json().await.unwrap();
        assert_eq!(
            (page["page"].as_u64(), page["page_size"].as_u64()),
            (Some(2), Some(5))
        );
        for (query, field) in [
            ("page=18446744073709551615", "page"),
            ("page=1000001", "page"),
            ("page=0", "page"),
            ("page_size=0", "page_size"),
            ("page_size=101", "page_size"),
        ] {
            let res = c
                .get(t.url(&format!("{path}{sep}{query}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            assert_eq!(
                res.status(),
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path} {query}"
            );
            let err: Value = res.json().await.unwrap();
            assert!(err["fields"][field].is_string(), "{path} {query}: {err}");
        }
        // Beyond what the type holds: still a 422, never a 500.
        let res = c
            .get(t.url(&format!("{path}{sep}page=99999999999999999999999")))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
    }
    // A list page with a stale bookmark far past the end still shows its list.
    let browser = t.browser("city").await.unwrap();
    let html = browser
        .page("/agencies?page=18446744073709551615")
        .await
        .unwrap();
    assert!(html.contains("机构"), "the page renders");
}
