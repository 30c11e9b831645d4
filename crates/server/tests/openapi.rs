//! The committed OpenAPI document is the one the server serves, and it documents exactly the API
//! routes of the route table.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use std::collections::BTreeSet;

const COMMITTED: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");

#[tokio::test]
async fn the_committed_document_matches_the_served_one() {
    let t = TestApp::spawn().await.unwrap();
    let served = reqwest::get(t.url("/api/v1/openapi.json"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    if std::env::var("EMSS_UPDATE_OPENAPI").is_ok() {
        std::fs::write(COMMITTED, &served).unwrap();
    }
    let committed = std::fs::read_to_string(COMMITTED).unwrap_or_default();
    assert!(
        committed == served,
        "docs/openapi.json is out of date: run `cargo run -q -- openapi > docs/openapi.json` \
         (or the tests with EMSS_UPDATE_OPENAPI=1) and commit it"
    );
}

#[test]
fn every_api_route_is_documented_and_nothing_else() {
    let doc: serde_json::Value = serde_json::from_str(&emss_web::openapi::document_json()).unwrap();
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.insert((method.to_uppercase(), path.clone()));
        }
    }
    let routed: BTreeSet<_> = emss_web::routes::table()
        .into_iter()
        .filter(|r| r.path.starts_with("/api/") || r.path == "/healthz" || r.path == "/readyz")
        .map(|r| (r.method.to_string(), r.path.to_string()))
        .collect();
    assert_eq!(documented, routed);
}
