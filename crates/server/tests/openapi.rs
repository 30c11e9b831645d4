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

/// Every `{name}` of a path is a documented path parameter and every path parameter is in the
/// path; every operation's request body names a schema of its own kind (two bodies sharing one
/// schema name would be one silently replacing the other).
#[test]
fn parameters_and_bodies_are_where_the_document_says() {
    let doc: serde_json::Value = serde_json::from_str(&emss_web::openapi::document_json()).unwrap();
    let mut wrong = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let in_path: BTreeSet<String> = path
            .split('{')
            .skip(1)
            .filter_map(|p| p.split_once('}').map(|(n, _)| n.to_string()))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let documented: BTreeSet<String> = op["parameters"]
                .as_array()
                .map(|ps| {
                    ps.iter()
                        .filter(|p| p["in"] == "path")
                        .map(|p| p["name"].as_str().unwrap().to_string())
                        .collect()
                })
                .unwrap_or_default();
            if documented != in_path {
                wrong.push(format!("{method} {path}: path parameters {documented:?}"));
            }
        }
    }
    // The filing's documents and the record photos are different uploads.
    let form = |path: &str| {
        doc["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]["schema"]
            ["$ref"]
            .as_str()
            .unwrap()
            .to_string()
    };
    assert_ne!(
        form("/api/v1/filing/attachments"),
        form("/api/v1/records/{id}/attachments")
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A value of the parameter's documented type.
fn sample(schema: &serde_json::Value) -> String {
    let kind = match &schema["type"] {
        serde_json::Value::Array(kinds) => kinds
            .iter()
            .find(|k| *k != "null")
            .and_then(|k| k.as_str())
            .unwrap_or("string")
            .to_string(),
        k => k.as_str().unwrap_or("string").to_string(),
    };
    if let Some(first) = schema["enum"].as_array().and_then(|e| e.first()) {
        return first
            .as_str()
            .map(str::to_string)
            .unwrap_or(first.to_string());
    }
    match (kind.as_str(), schema["format"].as_str()) {
        ("integer", _) => "1".into(),
        ("boolean", _) => "true".into(),
        (_, Some("date")) => "2026-12-01".into(),
        _ => "x".into(),
    }
}

/// The query parameters the document lists are the ones the server takes: each list accepts all
/// of its documented parameters, and refuses one it does not document.
#[tokio::test]
async fn every_query_parameter_is_documented_and_nothing_else_is_taken() {
    let t = TestApp::spawn().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&emss_web::openapi::document_json()).unwrap();
    let mut tokens = Vec::new();
    for user in [
        "city",
        "sysadmin",
        "agency_a",
        "ent_a",
        "filer_a",
        "district_a",
    ] {
        t.clock.advance(chrono::Duration::seconds(61));
        tokens.push(t.token(user).await.unwrap());
    }
    let c = reqwest::Client::new();
    let mut wrong = Vec::new();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(op) = item.get("get") else { continue };
        if path.contains('{') {
            continue;
        }
        let query: Vec<(String, String)> = op["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query")
                    .map(|p| {
                        (
                            p["name"].as_str().unwrap().to_string(),
                            sample(&p["schema"]),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        // The first user the route lets in.
        let mut answered = None;
        for token in &tokens {
            let res = c
                .get(t.url(path))
                .bearer_auth(token)
                .query(&[("zz_undocumented", "1")])
                .send()
                .await
                .unwrap();
            if !matches!(res.status().as_u16(), 401 | 403 | 404) {
                answered = Some((token.clone(), res));
                break;
            }
        }
        let Some((token, res)) = answered else {
            continue;
        };
        if query.is_empty() {
            continue;
        }
        checked += 1;
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        if status != 422 || body["fields"]["query"].is_null() {
            wrong.push(format!(
                "GET {path} took an undocumented parameter ({status})"
            ));
        }
        let res = c
            .get(t.url(path))
            .bearer_auth(&token)
            .query(&query)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let body: serde_json::Value = res.json().await.unwrap_or_default();
        if !body["fields"]["query"].is_null() {
            wrong.push(format!(
                "GET {path} refused its documented parameters {query:?} ({status}): {body}"
            ));
        }
    }
    assert!(checked >= 8, "only {checked} lists checked");
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
