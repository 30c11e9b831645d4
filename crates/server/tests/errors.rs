//! Every error answers in one shape: JSON `{code, message, fields, request_id}` for the API, a
//! Chinese page with the request id for people; security headers on every response.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

const SECURITY_HEADERS: &[(&str, &str)] = &[
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    (
        "strict-transport-security",
        "max-age=31536000; includeSubDomains",
    ),
];

fn assert_secure(res: &reqwest::Response) {
    let h = res.headers();
    for (name, value) in SECURITY_HEADERS {
        assert_eq!(h[*name], *value, "{name} on {}", res.url());
    }
    let csp = h["content-security-policy"].to_str().unwrap();
    for part in [
        "default-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
    ] {
        assert!(csp.contains(part), "{part} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    let id = h["x-request-id"].to_str().unwrap();
    assert_eq!(id.len(), 32);
}

async fn api_error(res: reqwest::Response, status: StatusCode, code: &str) -> Value {
    assert_eq!(res.status(), status);
    assert_secure(&res);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty());
    assert_eq!(
        body["request_id"],
        id.as_str(),
        "the body names the request"
    );
    body
}

#[tokio::test]
async fn api_errors_have_the_documented_shape() {
    let t = TestApp::spawn().await.unwrap();
    let c = reqwest::Client::new();

    let res = c.get(t.url("/api/v1/no-such-route")).send().await.unwrap();
    api_error(res, StatusCode::NOT_FOUND, "not_found").await;

    let res = c.get(t.url("/api/v1/me")).send().await.unwrap();
    let body = api_error(res, StatusCode::UNAUTHORIZED, "unauthenticated").await;
    assert_eq!(body["message"], "请先登录");

    let res = c.delete(t.url("/api/v1/me")).send().await.unwrap();
    api_error(res, StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed").await;

    let res = c
        .post(t.url("/api/v1/auth/login"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::BAD_REQUEST, "bad_request").await;

    let res = c
        .post(t.url("/api/v1/auth/login"))
        .body("username=a")
        .send()
        .await
        .unwrap();
    api_error(
        res,
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
        "unsupported_media_type",
    )
    .await;

    // Fields the operation does not take are refused, not ignored (no mass assignment).
    let res = c
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": "filer_a", "password": "x", "roles": ["city_regulator"]}))
        .send()
        .await
        .unwrap();
    let body = api_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body["fields"]["body"].as_str().unwrap().contains("roles"));

    let huge = "x".repeat(1024 * 1024 + 10);
    let res = c
        .post(t.url("/api/v1/auth/login"))
        .json(&json!({"username": huge, "password": "x"}))
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large").await;

    let token = t.token("filer_a").await.unwrap();
    let res = c
        .get(t.url("/api/v1/accounts?page=abc"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    api_error(res, StatusCode::FORBIDDEN, "forbidden").await;
    let admin = t.token("sysadmin").await.unwrap();
    let res = c
        .get(t.url("/api/v1/accounts?page=abc"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let body = api_error(res, StatusCode::UNPROCESSABLE_ENTITY, "validation_failed").await;
    assert!(body["fields"]["query"].is_string());
}

#[tokio::test]
async fn pages_answer_errors_in_chinese_with_the_request_id() {
    let t = TestApp::spawn().await.unwrap();
    let browser = t.browser("filer_a").await.unwrap();

    let res = browser.get("/no/such/page").await.unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_secure(&res);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_string();
    let html = res.text().await.unwrap();
    assert!(html.contains("您访问的内容不存在或无权查看"));
    assert!(html.contains(&id), "the page shows the request id");
    assert!(html.contains("lang=\"zh-CN\""));

    // A filer may not open the administrator's account list.
    let res = browser.get("/accounts").await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("您没有执行此操作的权限"));

    // A form without the session's anti-CSRF token is refused.
    let res = browser
        .client
        .post(browser.url("/logout"))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("页面已过期"));
}

#[tokio::test]
async fn static_files_and_health_checks_carry_the_headers_too() {
    let t = TestApp::spawn().await.unwrap();
    let c = reqwest::Client::new();
    for path in [
        "/healthz",
        "/readyz",
        "/static/app.css",
        "/static/app.js",
        "/login",
    ] {
        let res = c.get(t.url(path)).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_secure(&res);
    }
    let css = c.get(t.url("/static/app.css")).send().await.unwrap();
    assert!(
        css.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age=31536000")
    );
    let missing = c.get(t.url("/static/nope.js")).send().await.unwrap();
    assert_eq!(missing.status(), StatusCode::NOT_FOUND);
    let login = c.get(t.url("/login")).send().await.unwrap();
    assert_eq!(login.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn health_and_readiness() {
    let t = TestApp::spawn().await.unwrap();
    let c = reqwest::Client::new();
    let live: Value = c
        .get(t.url("/healthz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(live["status"], "ok");
    let ready: Value = c
        .get(t.url("/readyz"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ready["status"], "ready");
}
