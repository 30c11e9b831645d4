//! Test design T1: every route × every kind of user, against the expectation table `access.csv`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{Browser, DEMO_PASSWORD, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const TABLE: &str = include_str!("access.csv");

/// Column → demo login (None: signed out).
const PRINCIPALS: [(&str, Option<&str>); 14] = [
    ("anonymous", None),
    ("filer", Some("filer_a")),
    ("reviewer", Some("reviewer_a")),
    ("agency_main", Some("agency_a")),
    ("self_maintaining", Some("selfom")),
    ("self_filer", Some("selfom_filer")),
    ("self_confirmer", Some("selfom_confirm")),
    ("self_reviewer", Some("selfom_reviewer")),
    ("enterprise", Some("ent_a")),
    ("district_regulator", Some("district_a")),
    ("city_regulator", Some("city")),
    ("system_admin", Some("sysadmin")),
    ("security_admin", Some("secadmin")),
    ("audit_admin", Some("auditadmin")),
];

fn table() -> (Vec<String>, BTreeMap<String, Vec<bool>>) {
    let mut lines = TABLE
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty());
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let mut rows = BTreeMap::new();
    for line in lines {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!(cells.len(), header.len(), "row {line}");
        let values = cells[1..]
            .iter()
            .map(|c| match *c {
                "allow" => true,
                "deny" => false,
                other => panic!("cell {other:?} in {line}"),
            })
            .collect();
        assert!(
            rows.insert(cells[0].to_string(), values).is_none(),
            "{line} twice"
        );
    }
    (header, rows)
}

#[test]
fn the_table_has_a_row_for_every_route_and_a_column_for_every_principal() {
    let (header, rows) = table();
    let columns: Vec<&str> = header[1..].iter().map(String::as_str).collect();
    let principals: Vec<&str> = PRINCIPALS.iter().map(|(c, _)| *c).collect();
    assert_eq!(columns, principals);
    let routed: BTreeSet<String> = emss_web::routes::table()
        .into_iter()
        .map(|r| r.id.to_string())
        .collect();
    let tabled: BTreeSet<String> = rows.keys().cloned().collect();
    assert_eq!(routed, tabled, "access.csv and the route table differ");
}

/// What one principal needs to build requests: an account it may act on and a role that fits it.
struct Subject {
    token: Option<String>,
    browser: Option<Browser>,
    /// A phone bound to the account, and the id of its binding.
    phone: Option<(Browser, String)>,
    target: String,
    role: &'static str,
    org_id: String,
}

const LOGIN_ROUTES: [&str; 3] = ["api.auth.login", "page.login.submit", "h5.login.submit"];
const LOGOUT_ROUTES: [&str; 3] = ["api.auth.logout", "page.logout", "h5.logout"];
/// The witness answers everyone in its protocol's plain text: its refusal of a checkpoint it does
/// not keep is the route working.
const WITNESS_ROUTES: [&str; 2] = ["witness.add_checkpoint", "witness.latest"];

async fn subject(t: &TestApp, login: Option<&'static str>, filer_b: &str) -> Subject {
    let Some(login) = login else {
        return Subject {
            token: None,
            browser: None,
            phone: None,
            target: filer_b.to_string(),
            role: "filer",
            org_id: String::new(),
        };
    };
    let token = t.token(login).await.unwrap();
    let me: Value = reqwest::Client::new()
        .get(t.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let role = match me["org_kind"].as_str().unwrap() {
        "agency" | "self_maintaining_enterprise" => "filer",
        "enterprise" => "confirmer",
        "district_regulator" => "district_regulator",
        "city_regulator" => "filing_reviewer",
        _ => "filer",
    };
    // Main accounts act on a sub-account of their own; everyone else on agency_b's filer.
    let target = if me["is_main"] == true {
        let res: Value = reqwest::Client::new()
            .post(t.url("/api/v1/accounts"))
            .bearer_auth(&token)
            .json(
                &json!({"username": format!("sub_{login}"), "name": "测试子账户", "roles": [role]}),
            )
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        res["id"].as_str().unwrap().to_string()
    } else {
        filer_b.to_string()
    };
    let phone = t.bound_phone(login).await.unwrap();
    let me_page = phone.page("/m/me").await.unwrap();
    let start = me_page.find("/account/devices/").unwrap() + "/account/devices/".len();
    let binding = me_page[start..start + 64].to_string();
    Subject {
        phone: Some((phone, binding)),
        browser: Some(t.browser(login).await.unwrap()),
        token: Some(token),
        target,
        role,
        org_id: me["org_id"].as_str().unwrap().to_string(),
    }
}

async fn call(t: &TestApp, s: &Subject, route: &str, n: usize) -> reqwest::Response {
    let id = &s.target;
    let fresh = format!("m{n}_{}", &s.org_id.get(..6).unwrap_or("anon"));
    let (method, path, body): (Method, String, Option<Value>) = match route {
        "health.live" => (Method::GET, "/healthz".into(), None),
        "health.ready" => (Method::GET, "/readyz".into(), None),
        "static.file" => (Method::GET, "/static/app.css".into(), None),
        "witness.add_checkpoint" => {
            let res = reqwest::Client::new()
                .post(t.url("/witness/add-checkpoint"))
                .body("old 0\n\nemss.sthj.sh.gov.cn/audit\n1\nAAAA\n\n— emss.sthj.sh.gov.cn/audit AAAA\n");
            return match &s.token {
                Some(token) => res.bearer_auth(token),
                None => res,
            }
            .send()
            .await
            .unwrap();
        }
        "witness.latest" => (
            Method::GET,
            "/witness/logs/0a1b2c3d/checkpoint".into(),
            None,
        ),
        "api.openapi" => (Method::GET, "/api/v1/openapi.json".into(), None),
        "api.auth.login" => (
            Method::POST,
            "/api/v1/auth/login".into(),
            Some(json!({"username": "nobody", "password": "x"})),
        ),
        "api.auth.logout" => (Method::POST, "/api/v1/auth/logout".into(), Some(json!({}))),
        "api.auth.password" => (
            Method::POST,
            "/api/v1/auth/password".into(),
            Some(json!({"current_password": "not-it", "new_password": "Kq7#Lm2@Rt9x"})),
        ),
        "api.me" => (Method::GET, "/api/v1/me".into(), None),
        "api.accounts.list" => (Method::GET, "/api/v1/accounts".into(), None),
        "api.accounts.create" => (
            Method::POST,
            "/api/v1/accounts".into(),
            Some(json!({"username": fresh, "name": "测试", "roles": [], "org_id": s.org_id})),
        ),
        "api.accounts.get" => (Method::GET, format!("/api/v1/accounts/{id}"), None),
        "api.accounts.roles" => (
            Method::PUT,
            format!("/api/v1/accounts/{id}/roles"),
            Some(json!({"roles": [s.role]})),
        ),
        "api.accounts.enabled" => (
            Method::PUT,
            format!("/api/v1/accounts/{id}/enabled"),
            Some(json!({"enabled": true})),
        ),
        "api.accounts.end_sessions" => (
            Method::POST,
            format!("/api/v1/accounts/{id}/end-sessions"),
            Some(json!({})),
        ),
        "api.accounts.reveal_phone" => (
            Method::POST,
            format!("/api/v1/accounts/{id}/reveal-phone"),
            Some(json!({"reason": "核对联系方式", "password": "not-it"})),
        ),
        "api.security_policy.get" => (Method::GET, "/api/v1/security-policy".into(), None),
        "api.security_policy.put" => (
            Method::PUT,
            "/api/v1/security-policy".into(),
            Some(
                json!({"min_length": 12, "require_three_classes": true, "lockout_threshold": 5,
                "lockout_window_minutes": 15, "lockout_minutes": 30, "portal_idle_minutes": 15,
                "mobile_idle_minutes": 30, "ip_attempts_per_minute": 100}),
            ),
        ),
        "api.registrations.create" => (
            Method::POST,
            "/api/v1/registrations".into(),
            Some(json!({"filing": filing_body(), "username": "", "password": ""})),
        ),
        "api.filing.get" => (Method::GET, "/api/v1/filing".into(), None),
        // The demo agencies are filed: an edit or a submission is refused as invalid (422).
        "api.filing.update" => (Method::PUT, "/api/v1/filing".into(), Some(filing_body())),
        "api.filing.submit" => (
            Method::POST,
            "/api/v1/filing/submit".into(),
            Some(json!({})),
        ),
        "api.agencies.list" => (Method::GET, "/api/v1/agencies".into(), None),
        // A real upload; the demo filings are filed, so it is refused as invalid (422).
        "api.filing.attachments.create" => {
            let form = reqwest::multipart::Form::new()
                .text("kind", "business_licence")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(emss_testkit::SAMPLE_PDF.to_vec())
                        .file_name("a.pdf"),
                );
            let mut req = reqwest::Client::new()
                .post(t.url("/api/v1/filing/attachments"))
                .multipart(form);
            if let Some(token) = &s.token {
                req = req.bearer_auth(token);
            }
            return req.send().await.unwrap();
        }
        "api.agencies.attachments.get" => {
            let org = org_of(t, "agency_a").await;
            let docs = emss_db::repo::filing::current_attachments(&t.app.db().conn, &org)
                .await
                .unwrap();
            (
                Method::GET,
                format!("/api/v1/agencies/{org}/attachments/{}", docs[0].id),
                None,
            )
        }
        // A file with the wrong columns: refused as invalid (422), nothing imported.
        "api.enterprises.import" => (
            Method::POST,
            "/api/v1/enterprises/import".into(),
            Some(json!("x")),
        ),
        // A real upload to the confirmed contract: refused as invalid (422), nothing stored.
        "api.contracts.attachments.create" => {
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(emss_testkit::SAMPLE_PDF.to_vec())
                    .file_name("a.pdf"),
            );
            let url = format!(
                "/api/v1/contracts/{}/attachments",
                demo_contract(t, "approved").await
            );
            let mut req = reqwest::Client::new().post(t.url(&url)).multipart(form);
            if let Some(token) = &s.token {
                req = req.bearer_auth(token);
            }
            return req.send().await.unwrap();
        }
        "api.contracts.attachments.get" => {
            let (contract, attachment) = demo_contract_attachment(t).await;
            (
                Method::GET,
                format!("/api/v1/contracts/{contract}/attachments/{attachment}"),
                None,
            )
        }
        // Not an image: refused as invalid (422) once past the access check.
        "api.attachments.create" => {
            let form = reqwest::multipart::Form::new()
                .text("kind", "work_photo")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(emss_testkit::SAMPLE_PDF.to_vec())
                        .file_name("a.jpg"),
                );
            let mut req = reqwest::Client::new()
                .post(t.url("/api/v1/attachments"))
                .multipart(form);
            if let Some(token) = &s.token {
                req = req.bearer_auth(token);
            }
            return req.send().await.unwrap();
        }
        // A signature filer_a uploaded: until a record carries it, only filer_a sees it.
        "api.attachments.get" => (
            Method::GET,
            format!("/api/v1/attachments/{}", filer_signature(t).await),
            None,
        ),
        "api.records.list" => (Method::GET, "/api/v1/records?state=confirmed".into(), None),
        // 浦东's order to agency A past its deadline (整改中): every step is refused as invalid
        // (422) once past the access check, so nothing changes.
        "api.credit.systems" => (Method::GET, "/api/v1/credit/systems".into(), None),
        // The demo's systems are published: publishing again is refused as invalid (422).
        "api.credit.systems.publish" => (
            Method::POST,
            format!(
                "/api/v1/credit/systems/{}/publish",
                demo_credit_system(t).await
            ),
            Some(json!({})),
        ),
        // A year before any filing: refused as invalid (422), nothing computed.
        "api.credit.computations" => (
            Method::POST,
            "/api/v1/credit/computations".into(),
            Some(json!({"period": "1999"})),
        ),
        "api.credit.ratings" => (Method::GET, "/api/v1/credit/ratings".into(), None),
        // Not in publicity: refused as invalid (422), no objection filed.
        "api.credit.objections.create" => (
            Method::POST,
            format!(
                "/api/v1/credit/ratings/{}/objections",
                org_of(t, "agency_a").await
            ),
            Some(
                json!({"period": this_year(t).to_string(), "kind": "maintenance", "code": "x", "reasons": "x"}),
            ),
        ),
        "api.credit.activity" => (
            Method::GET,
            format!("/api/v1/credit/activity/{}", org_of(t, "agency_a").await),
            None,
        ),
        "api.credit.objections" => (Method::GET, "/api/v1/credit/objections".into(), None),
        "api.credit.objection" => (
            Method::GET,
            format!("/api/v1/credit/objections/{}", demo_objection(t).await.0),
            None,
        ),
        // No decision chosen: refused as invalid (422), nothing decided.
        "api.credit.objections.decide" => (
            Method::POST,
            format!(
                "/api/v1/credit/objections/{}/decision",
                demo_objection(t).await.0
            ),
            Some(json!({"decision": "maybe", "note": ""})),
        ),
        // The running year is not closed: refused as invalid (422), nothing started.
        "api.credit.publications" => (
            Method::POST,
            "/api/v1/credit/publications".into(),
            Some(json!({"year": this_year(t), "objection_deadline": "2099-12-31"})),
        ),
        "api.credit.publications.publish" => (
            Method::POST,
            format!("/api/v1/credit/publications/{}/publish", this_year(t)),
            None,
        ),
        "api.credit.rating" => (
            Method::GET,
            format!("/api/v1/credit/ratings/{}", org_of(t, "agency_a").await),
            None,
        ),
        "api.inspections.list" => (Method::GET, "/api/v1/inspections".into(), None),
        "api.inspections.create" => (
            Method::POST,
            "/api/v1/inspections".into(),
            Some(
                json!({"kind": "", "inspected_on": "2026-01-01", "task_id": "", "outlet_id": "",
                        "inspector_ids": []}),
            ),
        ),
        "api.inspections.get" => (
            Method::GET,
            format!("/api/v1/inspections/{}", demo_inspection(t).await),
            None,
        ),
        // Already recorded, or not the caller's own: refused (422) once past the access check.
        "api.inspections.results" => (
            Method::POST,
            format!("/api/v1/inspections/{}/results", demo_inspection(t).await),
            Some(json!({})),
        ),
        "api.inspections.findings.create" => (
            Method::POST,
            format!("/api/v1/inspections/{}/findings", demo_inspection(t).await),
            Some(json!({"subject": "other", "severity": "", "description": ""})),
        ),
        "api.inspections.attachments.get" => {
            let (inspection, attachment) = demo_inspection_attachment(t).await;
            (
                Method::GET,
                format!("/api/v1/inspections/{inspection}/attachments/{attachment}"),
                None,
            )
        }
        "api.rectifications.suggestions" => (
            Method::GET,
            "/api/v1/rectifications/suggestions".into(),
            None,
        ),
        // Whichever of the two runs first for 浦东, the other finds it decided (422).
        "api.rectifications.suggestions.adopt" => (
            Method::POST,
            format!(
                "/api/v1/rectifications/suggestions/{}/adopt",
                demo_suggestion(t).await
            ),
            None,
        ),
        "api.rectifications.suggestions.dismiss" => (
            Method::POST,
            format!(
                "/api/v1/rectifications/suggestions/{}/dismiss",
                demo_suggestion(t).await
            ),
            Some(json!({"reason": ""})),
        ),
        "api.rectifications.list" => (Method::GET, "/api/v1/rectifications".into(), None),
        "api.rectifications.create" => (
            Method::POST,
            "/api/v1/rectifications".into(),
            Some(rectification_body()),
        ),
        "api.rectifications.get" => (
            Method::GET,
            format!(
                "/api/v1/rectifications/{}",
                demo_rectification(t, "in_progress").await
            ),
            None,
        ),
        "api.rectifications.update" => (
            Method::PUT,
            format!(
                "/api/v1/rectifications/{}",
                demo_rectification(t, "in_progress").await
            ),
            Some(rectification_body()),
        ),
        "api.rectifications.issue" | "api.rectifications.sign" => (
            Method::POST,
            format!(
                "/api/v1/rectifications/{}/{}",
                demo_rectification(t, "in_progress").await,
                route.rsplit('.').next().unwrap()
            ),
            Some(json!({})),
        ),
        "api.rectifications.response" => (
            Method::POST,
            format!(
                "/api/v1/rectifications/{}/response",
                demo_rectification(t, "in_progress").await
            ),
            Some(json!({"summary": "", "problems": []})),
        ),
        "api.rectifications.accept" | "api.rectifications.return" => (
            Method::POST,
            format!(
                "/api/v1/rectifications/{}/{}",
                demo_rectification(t, "in_progress").await,
                route.rsplit('.').next().unwrap()
            ),
            Some(json!({"comment": ""})),
        ),
        // No file: refused as invalid (422) once past the access check.
        "api.inspections.attachments.create" => {
            let form = reqwest::multipart::Form::new().text("note", "x");
            let url = format!(
                "/api/v1/inspections/{}/attachments",
                demo_inspection(t).await
            );
            let mut req = reqwest::Client::new().post(t.url(&url)).multipart(form);
            if let Some(token) = &s.token {
                req = req.bearer_auth(token);
            }
            return req.send().await.unwrap();
        }
        // No file: refused as invalid (422) once past the access check.
        "api.rectifications.attachments.create" => {
            let form = reqwest::multipart::Form::new().text("note", "x");
            let url = format!(
                "/api/v1/rectifications/{}/attachments",
                demo_rectification(t, "in_progress").await
            );
            let mut req = reqwest::Client::new().post(t.url(&url)).multipart(form);
            if let Some(token) = &s.token {
                req = req.bearer_auth(token);
            }
            return req.send().await.unwrap();
        }
        // agency_a's extension request waits: a second one is refused (422).
        "api.rectifications.extensions.create" => (
            Method::POST,
            format!(
                "/api/v1/rectifications/{}/extensions",
                demo_rectification(t, "in_progress").await
            ),
            Some(json!({"deadline": "2000-01-01", "reason": ""})),
        ),
        // Neither grant nor refuse: refused (422) once past the access check.
        "api.rectifications.extensions.decide" => {
            let (order, extension) = demo_rectification_extension(t).await;
            (
                Method::POST,
                format!("/api/v1/rectifications/{order}/extensions/{extension}/decision"),
                Some(json!({"decision": "maybe"})),
            )
        }
        "api.rectifications.attachments.get" => {
            let (order, attachment) = demo_rectification_attachment(t).await;
            (
                Method::GET,
                format!("/api/v1/rectifications/{order}/attachments/{attachment}"),
                None,
            )
        }
        "api.fault_periods.list" => (
            Method::GET,
            "/api/v1/fault-periods?status=open".into(),
            None,
        ),
        // Refused as invalid (422) once past the access check: no check-in position.
        "api.records.create" => (
            Method::POST,
            "/api/v1/records".into(),
            Some(json!({"task_id": "x", "outlet_id": "x", "form_type": "ww_inspection"})),
        ),
        "api.records.get" => (
            Method::GET,
            format!("/api/v1/records/{}", demo_record(t, "confirmed").await),
            None,
        ),
        "api.records.update" => (
            Method::PUT,
            format!("/api/v1/records/{}", demo_record(t, "draft").await),
            Some(json!({"fields": {}})),
        ),
        // Not an image: 422 once past the access check.
        "api.records.attachments.create" => {
            let url = format!(
                "/api/v1/records/{}/attachments",
                demo_record(t, "draft").await
            );
            let form = reqwest::multipart::Form::new()
                .text("kind", "evidence_photo")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(emss_testkit::SAMPLE_PDF.to_vec())
                        .file_name("a.jpg"),
                );
            let mut req = reqwest::Client::new().post(t.url(&url)).multipart(form);
            if let Some(token) = &s.token {
                req = req.bearer_auth(token);
            }
            return req.send().await.unwrap();
        }
        // No check-out position: 422, the draft stays a draft.
        "api.records.submit" => (
            Method::POST,
            format!("/api/v1/records/{}/submit", demo_record(t, "draft").await),
            Some(json!({})),
        ),
        "api.confirmations.pending" => (Method::GET, "/api/v1/confirmations/pending".into(), None),
        // No signature nor photo: 422.
        "api.confirmations.create" => (
            Method::POST,
            "/api/v1/confirmations".into(),
            Some(json!({"date": "2026-01-01"})),
        ),
        // No records chosen: 422.
        "api.reviews.create" => (
            Method::POST,
            "/api/v1/reviews".into(),
            Some(json!({"record_ids": [], "decision": "approve"})),
        ),
        "api.tasks.list" => (Method::GET, "/api/v1/tasks".into(), None),
        "api.tasks.create" => (Method::POST, "/api/v1/tasks".into(), Some(task_body())),
        "api.tasks.get" => (
            Method::GET,
            format!("/api/v1/tasks/{}", demo_task(t, "in_progress").await),
            None,
        ),
        // A running task changes only through a change request: 422, nothing changes.
        "api.tasks.update" => (
            Method::PUT,
            format!("/api/v1/tasks/{}", demo_task(t, "in_progress").await),
            Some(task_body()),
        ),
        "api.tasks.submit" => (
            Method::POST,
            format!("/api/v1/tasks/{}/submit", demo_task(t, "in_progress").await),
            None,
        ),
        // Only a running task is closed: the draft is refused with 422.
        "api.tasks.close" => (
            Method::POST,
            format!("/api/v1/tasks/{}/close", demo_task(t, "draft").await),
            None,
        ),
        "api.tasks.occurrences" => (
            Method::GET,
            format!(
                "/api/v1/tasks/{}/occurrences?window=overdue",
                demo_task(t, "in_progress").await
            ),
            None,
        ),
        "api.occurrences" => (Method::GET, "/api/v1/occurrences?window=week".into(), None),
        "api.tasks.changes" => (
            Method::GET,
            format!(
                "/api/v1/tasks/{}/changes",
                demo_task(t, "in_progress").await
            ),
            None,
        ),
        // The demo task already has a change waiting: refused with 422.
        "api.tasks.changes.create" => (
            Method::POST,
            format!(
                "/api/v1/tasks/{}/changes",
                demo_task(t, "in_progress").await
            ),
            Some(json!({"task": task_body(), "reason": ""})),
        ),
        // Rejecting without a comment: refused with 422, nothing changes.
        "api.tasks.changes.decide" => {
            let (task, change) = demo_task_change(t).await;
            (
                Method::POST,
                format!("/api/v1/tasks/{task}/changes/{change}/decision"),
                Some(json!({"decision": "reject"})),
            )
        }
        "api.tasks.reports" => (
            Method::GET,
            format!(
                "/api/v1/tasks/{}/reports",
                demo_task(t, "in_progress").await
            ),
            None,
        ),
        "api.tasks.reports.file" => {
            let (task, report) = demo_report(t).await;
            (
                Method::GET,
                format!("/api/v1/tasks/{task}/reports/{report}/file"),
                None,
            )
        }
        // A real upload to the draft task: refused as invalid (422), nothing stored.
        "api.tasks.reports.create" => {
            let form = reqwest::multipart::Form::new()
                .text("name", "月报")
                .text("category", "monthly")
                .part(
                    "file",
                    reqwest::multipart::Part::bytes(emss_testkit::SAMPLE_PDF.to_vec())
                        .file_name("a.pdf"),
                );
            let url = format!("/api/v1/tasks/{}/reports", demo_task(t, "draft").await);
            let mut req = reqwest::Client::new().post(t.url(&url)).multipart(form);
            if let Some(token) = &s.token {
                req = req.bearer_auth(token);
            }
            return req.send().await.unwrap();
        }
        "api.contracts.list" => (Method::GET, "/api/v1/contracts".into(), None),
        // Invalid: refused with 422, nothing created.
        "api.contracts.create" => (
            Method::POST,
            "/api/v1/contracts".into(),
            Some(contract_body()),
        ),
        "api.contracts.get" => (
            Method::GET,
            format!("/api/v1/contracts/{}", demo_contract(t, "approved").await),
            None,
        ),
        "api.contracts.update" => (
            Method::PUT,
            format!("/api/v1/contracts/{}", demo_contract(t, "draft").await),
            Some(contract_body()),
        ),
        // An approved contract is neither submitted nor decided again: 422, nothing changes.
        "api.contracts.submit" => (
            Method::POST,
            format!(
                "/api/v1/contracts/{}/submit",
                demo_contract(t, "approved").await
            ),
            Some(json!({})),
        ),
        "api.contracts.decide" => (
            Method::POST,
            format!(
                "/api/v1/contracts/{}/decision",
                demo_contract(t, "approved").await
            ),
            Some(json!({"decision": "approve"})),
        ),
        "api.contracts.changes" => (
            Method::GET,
            format!(
                "/api/v1/contracts/{}/changes",
                demo_contract(t, "approved").await
            ),
            None,
        ),
        // The demo contract already has a change waiting: refused with 422.
        "api.contracts.changes.create" => (
            Method::POST,
            format!(
                "/api/v1/contracts/{}/changes",
                demo_contract(t, "approved").await
            ),
            Some(json!({"contract": contract_body(), "reason": ""})),
        ),
        // A rejection without a comment: 422, the demo request stays pending.
        "api.contracts.changes.decide" => {
            let (contract, change) = demo_contract_change(t).await;
            (
                Method::POST,
                format!("/api/v1/contracts/{contract}/changes/{change}/decision"),
                Some(json!({"decision": "reject"})),
            )
        }
        "api.agencies.resources" => (
            Method::GET,
            format!("/api/v1/agencies/{}/resources", org_of(t, "agency_a").await),
            None,
        ),
        "api.filing.changes" => (Method::GET, "/api/v1/filing/changes".into(), None),
        // Invalid (empty filing, no reason): refused with 422, nothing is requested.
        "api.filing.changes.create" => (
            Method::POST,
            "/api/v1/filing/changes".into(),
            Some(json!({"filing": filing_body(), "reason": ""})),
        ),
        "api.change_requests.list" => (Method::GET, "/api/v1/change-requests".into(), None),
        // A rejection without a reason: refused with 422, the demo request stays pending.
        "api.change_requests.decide" => (
            Method::POST,
            format!(
                "/api/v1/change-requests/{}/decision",
                pending_change(t).await
            ),
            Some(json!({"decision": "reject"})),
        ),
        "api.filing.staff.create" => (
            Method::POST,
            "/api/v1/filing/staff".into(),
            Some(staff_body()),
        ),
        "api.filing.staff.update" => (
            Method::PUT,
            format!(
                "/api/v1/filing/staff/{}",
                scratch(t, &s.org_id, "staff").await
            ),
            Some(staff_body()),
        ),
        "api.filing.equipment.create" => (
            Method::POST,
            "/api/v1/filing/equipment".into(),
            Some(json!({"device_no": "", "name": "", "serial_no": "", "model": ""})),
        ),
        "api.filing.equipment.update" => (
            Method::PUT,
            format!(
                "/api/v1/filing/equipment/{}",
                scratch(t, &s.org_id, "equipment").await
            ),
            Some(json!({"device_no": "", "name": "", "serial_no": "", "model": ""})),
        ),
        "api.filing.equipment.delete" => (
            Method::DELETE,
            format!(
                "/api/v1/filing/equipment/{}",
                scratch(t, &s.org_id, "equipment").await
            ),
            None,
        ),
        "api.filing.spare_parts.create" => (
            Method::POST,
            "/api/v1/filing/spare-parts".into(),
            Some(json!({"name": "", "model": "", "quantity": -1, "unit": ""})),
        ),
        "api.filing.spare_parts.update" => (
            Method::PUT,
            format!(
                "/api/v1/filing/spare-parts/{}",
                scratch(t, &s.org_id, "spare_part").await
            ),
            Some(json!({"name": "", "model": "", "quantity": -1, "unit": ""})),
        ),
        "api.filing.spare_parts.delete" => (
            Method::DELETE,
            format!(
                "/api/v1/filing/spare-parts/{}",
                scratch(t, &s.org_id, "spare_part").await
            ),
            None,
        ),
        "api.filing.standard_materials.create" => (
            Method::POST,
            "/api/v1/filing/standard-materials".into(),
            Some(
                json!({"kind": "", "certificate_no": "", "producer": "", "lot_no": "",
                "component": "", "certified_value": "", "uncertainty": "", "unit": "",
                "expires_on": ""}),
            ),
        ),
        "api.filing.standard_materials.update" => (
            Method::PUT,
            format!(
                "/api/v1/filing/standard-materials/{}",
                scratch(t, &s.org_id, "standard_material").await
            ),
            Some(
                json!({"kind": "", "certificate_no": "", "producer": "", "lot_no": "",
                "component": "", "certified_value": "", "uncertainty": "", "unit": "",
                "expires_on": ""}),
            ),
        ),
        "api.standard_rule.get" => (Method::GET, "/api/v1/standard-material-rule".into(), None),
        "api.standard_rule.put" => (
            Method::PUT,
            "/api/v1/standard-material-rule".into(),
            Some(json!({"required_from": null})),
        ),
        "api.agencies.get" => (
            Method::GET,
            format!("/api/v1/agencies/{}", published_agency(t).await),
            None,
        ),
        "api.agencies.review" => (
            Method::POST,
            format!("/api/v1/agencies/{}/review", published_agency(t).await),
            Some(json!({"decision": "pass"})),
        ),
        "api.agencies.published" => (
            Method::PUT,
            format!("/api/v1/agencies/{}/published", published_agency(t).await),
            Some(json!({"published": true})),
        ),
        "api.outlets.list" => (Method::GET, "/api/v1/outlets".into(), None),
        "api.outlets.create" => (Method::POST, "/api/v1/outlets".into(), Some(outlet_body())),
        "api.outlets.import" => (
            Method::POST,
            "/api/v1/outlets/import".into(),
            Some(json!("x")),
        ),
        "api.outlets.get" => (
            Method::GET,
            format!("/api/v1/outlets/{}", ent_a_outlet(t).await.0),
            None,
        ),
        "api.outlets.update" => (
            Method::PUT,
            format!("/api/v1/outlets/{}", ent_a_outlet(t).await.0),
            Some(outlet_body()),
        ),
        "api.outlets.instruments" => (
            Method::GET,
            format!("/api/v1/outlets/{}/instruments", ent_a_outlet(t).await.0),
            None,
        ),
        "api.outlets.instruments.create" => (
            Method::POST,
            format!("/api/v1/outlets/{}/instruments", ent_a_outlet(t).await.0),
            Some(instrument_body()),
        ),
        "api.outlets.emission_limits" => (
            Method::GET,
            format!(
                "/api/v1/outlets/{}/emission-limits",
                ent_a_outlet(t).await.0
            ),
            None,
        ),
        "api.outlets.emission_limits.put" => (
            Method::PUT,
            format!(
                "/api/v1/outlets/{}/emission-limits",
                ent_a_outlet(t).await.0
            ),
            Some(json!({"parameter": "", "value": "", "unit": "", "source": ""})),
        ),
        "api.instruments.update" => (
            Method::PUT,
            format!("/api/v1/instruments/{}", ent_a_outlet(t).await.1),
            Some(instrument_body()),
        ),
        "api.form_types.list" => (Method::GET, "/api/v1/form-types".into(), None),
        "api.form_types.get" => (
            Method::GET,
            "/api/v1/form-types/fg_calibration".into(),
            None,
        ),
        "api.form_types.check" => (
            Method::POST,
            "/api/v1/form-types/ww_repair/check".into(),
            Some(json!({"fields": {}})),
        ),
        // A version number that cannot be right: the regulator's request is carried out and
        // refused as invalid (422), so the matrix does not change the catalogue.
        "api.form_types.publish" => (
            Method::POST,
            "/api/v1/form-types/ww_repair/versions".into(),
            Some(json!({"source": "version = 0", "note": "访问测试"})),
        ),
        other => return page_call(t, s, other, &fresh).await,
    };
    let mut req = reqwest::Client::new().request(method, t.url(&path));
    if let Some(token) = &s.token {
        req = req.bearer_auth(token);
    }
    if let Some(body) = body {
        req = req.json(&body);
    }
    req.send().await.unwrap()
}

/// A filing body that is well-formed but not valid.
fn filing_body() -> Value {
    json!({"name": "", "uscc": "", "category": "", "legal_representative": "", "contact_name": "",
        "contact_phone": "", "registered_address": "", "district_code": ""})
}

/// Well-formed but invalid (latitude outside Shanghai; range upper below lower): refused with 422.
fn outlet_body() -> Value {
    json!({"kind": "wastewater", "name": "访问测试", "address": "x", "latitude": "39.9",
        "longitude": "116.4", "parameters": ["氨氮"]})
}

fn instrument_body() -> Value {
    json!({"parameter": "氨氮", "maker": "x", "model": "x", "serial_no": "x", "range_lower": "10",
        "range_upper": "1", "unit": "mg/L", "installed_on": "2024-01-01"})
}

/// An outlet of the demo enterprise ent_a and one of its instruments, read from the database (a
/// login here would end the session of the user under test).
async fn ent_a_outlet(t: &TestApp) -> (String, String) {
    let db = &t.app.db().conn;
    let ent_a = emss_db::repo::account::find_by_username(db, "ent_a")
        .await
        .unwrap()
        .unwrap();
    let scope = emss_domain::Scope::Enterprise(ent_a.account.org_id.clone());
    let page = emss_db::repo::outlet::list(db, &scope, None, Default::default())
        .await
        .unwrap();
    let outlet = page.items[0].id.clone();
    let instruments = emss_db::repo::outlet::instruments(db, &outlet)
        .await
        .unwrap();
    (outlet, instruments[0].id.clone())
}

/// Well-formed, invalid (no name, a bad ID number): refused with 422.
fn staff_body() -> Value {
    json!({"name": "", "gender": "male", "id_number": "110105194912310021", "education": "大学本科",
        "post": "运维工程师"})
}

/// Well-formed, invalid (no title, amount with three decimals): refused with 422.
fn contract_body() -> Value {
    json!({"enterprise_id": "", "title": "", "nature": "maintenance", "amount": "1.234",
        "performance_start": "2027-01-01", "performance_end": "2027-12-31"})
}

/// Well-formed, invalid (no contract, no plans): refused with 422.
fn task_body() -> Value {
    json!({"contract_id": "", "name": "", "number": "T-1", "kind": "wastewater",
        "start_date": "2027-01-01", "end_date": "2027-12-31", "outlet_ids": [], "staff_ids": [],
        "plans": []})
}

/// The demo change of agency_a's running task waiting for ent_a: (task, change request).
async fn demo_task_change(t: &TestApp) -> (String, String) {
    let task = demo_task(t, "in_progress").await;
    let change = emss_db::repo::change_request::pending_for(&t.app.db().conn, "task", &task)
        .await
        .unwrap()
        .unwrap();
    (task, change.id)
}

/// The demo report of agency_a's running task: (task, report).
async fn demo_report(t: &TestApp) -> (String, String) {
    let task = demo_task(t, "in_progress").await;
    let reports = emss_db::repo::task::reports(&t.app.db().conn, &task)
        .await
        .unwrap();
    (task, reports[0].id.clone())
}

/// A demo record of agency_a in `state`; the draft is filer_a's. Read from the database.
async fn demo_record(t: &TestApp, state: &str) -> String {
    let filer = emss_db::repo::account::find_by_username(&t.app.db().conn, "filer_a")
        .await
        .unwrap()
        .unwrap()
        .account
        .id;
    let filter = emss_db::repo::record::RecordFilter {
        state: Some(state.to_string()),
        ..Default::default()
    };
    let agency = emss_domain::Scope::Agency(org_of(t, "agency_a").await);
    emss_db::repo::record::list(
        &t.app.db().conn,
        &agency,
        &filer,
        &filter,
        Default::default(),
    )
    .await
    .unwrap()
    .items[0]
        .id
        .clone()
}

/// agency_a's demo task in `state` (`draft` or `in_progress`), read from the database.
async fn demo_task(t: &TestApp, state: &str) -> String {
    let filter = emss_db::repo::task::TaskFilter {
        state: Some(state.to_string()),
        ..Default::default()
    };
    let today = emss_domain::time::shanghai_date(t.app.now());
    let agency = emss_domain::Scope::Agency(org_of(t, "agency_a").await);
    emss_db::repo::task::list(
        &t.app.db().conn,
        &agency,
        &filter,
        today,
        Default::default(),
    )
    .await
    .unwrap()
    .items[0]
        .id
        .clone()
}

/// agency_a's demo contract with ent_a in `state`, read from the database as agency_a sees it.
async fn demo_contract(t: &TestApp, state: &str) -> String {
    let db = &t.app.db().conn;
    let ent_a = org_of(t, "ent_a").await;
    let agency_a = emss_domain::Scope::Agency(org_of(t, "agency_a").await);
    let filter = emss_db::repo::contract::ContractFilter {
        enterprise_id: Some(ent_a),
        state: Some(state.to_string()),
        ..Default::default()
    };
    emss_db::repo::contract::list(db, &agency_a, &filter, Default::default())
        .await
        .unwrap()
        .items[0]
        .id
        .clone()
}

/// A signature of agency_a's (as filer_a's upload leaves it), stored directly: logging filer_a in
/// here would end the session the matrix is testing with.
async fn filer_signature(t: &TestApp) -> String {
    let mut png = std::io::Cursor::new(Vec::new());
    image::RgbImage::from_fn(600, 300, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 128])
    })
    .write_to(&mut png, image::ImageFormat::Png)
    .unwrap();
    let bytes = png.into_inner();
    let size = bytes.len() as i64;
    let key = t.app.blobs().put(bytes).await.unwrap();
    let filer = emss_db::repo::account::find_by_username(&t.app.db().conn, "filer_a")
        .await
        .unwrap()
        .unwrap()
        .account;
    let id = emss_domain::ids::new_id();
    emss_db::repo::evidence::insert(
        &t.app.db().conn,
        emss_db::entity::evidence::Model {
            id: id.clone(),
            kind: "signature".into(),
            org_id: filer.org_id,
            uploaded_by: filer.id,
            blob_key: key.to_string(),
            content_type: "image/png".into(),
            width: 600,
            height: 300,
            size,
            pixels_sha256: "0".repeat(64),
            perceptual_hash: String::new(),
            uploaded_at: t.app.now(),
        },
    )
    .await
    .unwrap();
    id
}

/// The signed scan of agency_a's confirmed demo contract: (contract, attachment).
async fn demo_contract_attachment(t: &TestApp) -> (String, String) {
    let contract = demo_contract(t, "approved").await;
    let files = emss_db::repo::contract::attachments(&t.app.db().conn, &contract)
        .await
        .unwrap();
    (contract, files[0].id.clone())
}

/// The demo contract change waiting for ent_a: (contract, change request).
async fn demo_contract_change(t: &TestApp) -> (String, String) {
    let page = emss_db::repo::change_request::queue(
        &t.app.db().conn,
        "contract",
        Some("pending"),
        Default::default(),
    )
    .await
    .unwrap();
    let c = &page.items[0];
    (c.subject_id.clone(), c.id.clone())
}

/// The demo's first suggestion (整改建议) to 浦东, pending or already decided by another cell.
async fn demo_suggestion(t: &TestApp) -> String {
    let district = org_of(t, "district_a").await;
    let db = &t.app.db().conn;
    for state in ["pending", "adopted", "dismissed"] {
        let found = emss_db::repo::suggestion::of_issuer(db, &district, state)
            .await
            .unwrap();
        if let Some(s) = found.last() {
            return s.id.clone();
        }
    }
    panic!("the demo has no suggestion for 浦东")
}

/// The demo's 比对抽测 of 浦东 at agency A's outlet, read from the database.
/// The demo's published indicator system of 运维类.
async fn demo_credit_system(t: &TestApp) -> String {
    emss_db::repo::credit::newest(&t.app.db().conn, "maintenance", "published")
        .await
        .unwrap()
        .unwrap()
        .id
}

/// The running year under the test clock.
fn this_year(t: &TestApp) -> i32 {
    chrono::Datelike::year(&emss_domain::time::shanghai_date(t.app.now()))
}

/// An objection of agency A to its 运维类 rating with one document, written to the database (a
/// real one needs a closed year in publicity, which `credit.rs` goes through): its id and the
/// document's.
async fn demo_objection(t: &TestApp) -> (String, String) {
    let db = &t.app.db().conn;
    if let Some(o) = emss_db::repo::credit::objections(db, None, None, None)
        .await
        .unwrap()
        .first()
    {
        let d = emss_db::repo::credit::objection_documents(db, &o.id)
            .await
            .unwrap();
        return (o.id.clone(), d[0].id.clone());
    }
    let agency = org_of(t, "agency_a").await;
    let year = this_year(t);
    let rating = emss_db::repo::credit::ratings(db, year, Some("maintenance"), Some(&agency))
        .await
        .unwrap()
        .remove(0);
    let item = emss_db::repo::credit::items(db, &rating.id)
        .await
        .unwrap()
        .remove(0);
    let now = t.app.now();
    let objection = emss_db::entity::credit_objection::Model {
        id: emss_domain::ids::new_id(),
        rating_id: rating.id,
        year,
        kind: "maintenance".into(),
        agency_id: agency,
        code: item.code,
        indicator_name: item.name,
        scored_before: item.scored,
        reasons: "事实有误，见所附材料".into(),
        state: "pending".into(),
        filed_by: "agency_a".into(),
        filed_at: now,
        decided_by: None,
        decided_at: None,
        decision_note: None,
        scored_after: None,
        total_after: None,
        grade_code_after: None,
        grade_name_after: None,
    };
    emss_db::repo::credit::insert_objection(db, objection.clone())
        .await
        .unwrap();
    let key = t
        .app
        .blobs()
        .put(emss_testkit::SAMPLE_PDF.to_vec())
        .await
        .unwrap();
    let document = emss_db::entity::credit_objection_document::Model {
        id: emss_domain::ids::new_id(),
        objection_id: objection.id.clone(),
        blob_key: key.to_string(),
        file_name: "说明.pdf".into(),
        content_type: "application/pdf".into(),
        size: emss_testkit::SAMPLE_PDF.len() as i64,
        uploaded_by: "agency_a".into(),
        uploaded_at: now,
    };
    emss_db::repo::credit::insert_objection_document(db, document.clone())
        .await
        .unwrap();
    (objection.id, document.id)
}

async fn demo_inspection(t: &TestApp) -> String {
    emss_db::repo::inspection::list(
        &t.app.db().conn,
        &emss_domain::Scope::City,
        &Default::default(),
        Default::default(),
    )
    .await
    .unwrap()
    .items[0]
        .id
        .clone()
}

/// The report the demo's inspection carries: (inspection id, attachment id).
async fn demo_inspection_attachment(t: &TestApp) -> (String, String) {
    let inspection = demo_inspection(t).await;
    let files = emss_db::repo::inspection::attachments(&t.app.db().conn, &inspection)
        .await
        .unwrap();
    (inspection, files[0].id.clone())
}

/// An order with nothing filled in: refused as invalid (422) once past the access check.
fn rectification_body() -> Value {
    json!({"agency_id": "", "enterprise_id": "", "title": "", "basis": "",
           "deadline": "2099-01-01", "problems": []})
}

/// The demo order of 浦东 to agency A in a state, read from the database.
async fn demo_rectification(t: &TestApp, state: &str) -> String {
    let filter = emss_db::repo::rectification::RectificationFilter {
        state: Some(state.to_string()),
        ..Default::default()
    };
    let viewer = emss_db::repo::rectification::Viewer {
        scope: emss_domain::Scope::City,
        org_id: String::new(),
    };
    let today = chrono::Utc::now().date_naive();
    emss_db::repo::rectification::list(
        &t.app.db().conn,
        &viewer,
        &filter,
        today,
        Default::default(),
    )
    .await
    .unwrap()
    .items[0]
        .id
        .clone()
}

/// The extension request waiting on the demo's overdue order: (order id, request id).
async fn demo_rectification_extension(t: &TestApp) -> (String, String) {
    let order = demo_rectification(t, "in_progress").await;
    let requests = emss_db::repo::rectification::extensions(&t.app.db().conn, &order)
        .await
        .unwrap();
    (order, requests[0].id.clone())
}

/// The report the demo's answered order carries: (order id, attachment id).
async fn demo_rectification_attachment(t: &TestApp) -> (String, String) {
    let order = demo_rectification(t, "submitted").await;
    let files = emss_db::repo::rectification::attachments(&t.app.db().conn, &order)
        .await
        .unwrap();
    (order, files[0].id.clone())
}

/// The organisation of a demo login, read from the database.
async fn org_of(t: &TestApp, username: &str) -> String {
    t.org_of(username).await.unwrap()
}

/// The demo change request waiting for review.
async fn pending_change(t: &TestApp) -> String {
    let page = emss_db::repo::change_request::queue(
        &t.app.db().conn,
        "filing",
        Some("pending"),
        Default::default(),
    )
    .await
    .unwrap();
    page.items[0].id.clone()
}

/// A record of `org_id` made for one request (staff, equipment, spare part or standard material), written straight to
/// the database so that a delete in the matrix never removes demo data another cell needs.
async fn scratch(t: &TestApp, org_id: &str, kind: &str) -> String {
    use emss_db::entity::{agency_equipment, agency_spare_part, agency_staff, standard_material};
    let db = &t.app.db().conn;
    let id = emss_domain::ids::new_id();
    let now = chrono::Utc::now();
    match kind {
        "staff" => emss_db::repo::agency_resources::insert_staff(
            db,
            agency_staff::Model {
                id: id.clone(),
                org_id: org_id.to_string(),
                name: "矩阵".into(),
                gender: "male".into(),
                id_number_cipher: "-".into(),
                id_number_key: "-".into(),
                id_number_index: id.clone(),
                id_number_masked: "-".into(),
                education: "大学本科".into(),
                post: "-".into(),
                technician: false,
                title: None,
                resigned: false,
                resigned_on: None,
                account_id: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .unwrap(),
        "equipment" => emss_db::repo::agency_resources::insert_equipment(
            db,
            agency_equipment::Model {
                id: id.clone(),
                org_id: org_id.to_string(),
                device_no: id.clone(),
                name: "矩阵".into(),
                serial_no: "-".into(),
                model: "-".into(),
                description: String::new(),
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .unwrap(),
        "standard_material" => emss_db::repo::standard_material::insert(
            db,
            standard_material::Model {
                id: id.clone(),
                org_id: org_id.to_string(),
                kind: "gas".into(),
                certificate_no: id.clone(),
                producer: "-".into(),
                lot_no: "-".into(),
                component: "二氧化硫".into(),
                certified_value: "80".into(),
                uncertainty: "-".into(),
                unit: "µmol/mol".into(),
                expires_on: chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap(),
                used_at: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .unwrap(),
        _ => emss_db::repo::agency_resources::insert_spare_part(
            db,
            agency_spare_part::Model {
                id: id.clone(),
                org_id: org_id.to_string(),
                name: id.clone(),
                model: "-".into(),
                quantity: 1,
                unit: "个".into(),
                description: String::new(),
                created_at: now,
                updated_at: now,
            },
        )
        .await
        .unwrap(),
    }
    id
}

/// The first agency of the public register.
async fn published_agency(t: &TestApp) -> String {
    let page: Value = reqwest::get(t.url("/api/v1/agencies?page_size=1"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    page["items"][0]["id"].as_str().unwrap().to_string()
}

async fn page_call(t: &TestApp, s: &Subject, route: &str, fresh: &str) -> reqwest::Response {
    let id = &s.target;
    let (post, path, form): (bool, String, Vec<(&str, String)>) = match route {
        "page.home" => (false, "/".into(), vec![]),
        "page.login" => (false, "/login".into(), vec![]),
        "page.login.submit" => (
            true,
            "/login".into(),
            vec![("username", "nobody".into()), ("password", "x".into())],
        ),
        "page.logout" => (true, "/logout".into(), vec![]),
        "page.help" => (false, "/help".into(), vec![]),
        "page.help.api" => (false, "/help/api".into(), vec![]),
        "page.help.ui" => (false, "/help/ui".into(), vec![]),
        "page.account" => (false, "/account".into(), vec![]),
        "page.account.password" => (false, "/account/password".into(), vec![]),
        "page.account.devices.revoke" => (
            true,
            format!(
                "/account/devices/{}/revoke",
                s.phone.as_ref().map(|(_, b)| b.as_str()).unwrap_or("0")
            ),
            vec![("back", "/account".into())],
        ),
        "page.account.password.submit" => (
            true,
            "/account/password".into(),
            vec![
                ("current_password", "not-it".into()),
                ("new_password", "x".into()),
            ],
        ),
        "page.accounts" => (false, "/accounts".into(), vec![]),
        "page.accounts.export" => (false, "/accounts/export.csv".into(), vec![]),
        "page.accounts.export_xlsx" => (false, "/accounts/export.xlsx".into(), vec![]),
        "page.accounts.new" => (false, "/accounts/new".into(), vec![]),
        "page.accounts.create" => (
            true,
            "/accounts".into(),
            vec![
                ("username", format!("p{fresh}")),
                ("name", "测试".into()),
                ("org_id", s.org_id.clone()),
            ],
        ),
        "page.accounts.show" => (false, format!("/accounts/{id}"), vec![]),
        "page.accounts.roles" => (
            true,
            format!("/accounts/{id}/roles"),
            vec![("roles", s.role.into())],
        ),
        "page.accounts.enabled" => (
            true,
            format!("/accounts/{id}/enabled"),
            vec![("enabled", "true".into())],
        ),
        "page.accounts.reset_password" => (true, format!("/accounts/{id}/reset-password"), vec![]),
        "page.accounts.end_sessions" => (true, format!("/accounts/{id}/end-sessions"), vec![]),
        "page.audit" => (false, "/admin/audit".into(), vec![]),
        "page.audit.export" => (false, "/admin/audit/export.csv".into(), vec![]),
        "page.audit.export_xlsx" => (false, "/admin/audit/export.xlsx".into(), vec![]),
        "page.audit.integrity" => (false, "/admin/audit/integrity".into(), vec![]),
        "page.accounts.reveal_phone" => (
            true,
            format!("/accounts/{id}/reveal-phone"),
            vec![
                ("reason", "核对联系方式".into()),
                ("password", "not-it".into()),
            ],
        ),
        "page.security" => (false, "/admin/security".into(), vec![]),
        "page.security.submit" => (
            true,
            "/admin/security".into(),
            vec![
                ("min_length", "12".into()),
                ("require_three_classes", "1".into()),
                ("lockout_threshold", "5".into()),
                ("lockout_window_minutes", "15".into()),
                ("lockout_minutes", "30".into()),
                ("portal_idle_minutes", "15".into()),
                ("mobile_idle_minutes", "30".into()),
                ("ip_attempts_per_minute", "100".into()),
            ],
        ),
        "page.register" => (false, "/register".into(), vec![]),
        "page.register.submit" => (true, "/register".into(), vec![("name", String::new())]),
        "page.public.agencies" => (false, "/public/agencies".into(), vec![]),
        "page.public.agencies.show" => (
            false,
            format!("/public/agencies/{}", published_agency(t).await),
            vec![],
        ),
        "page.filing" => (false, "/filing".into(), vec![]),
        // The demo filings are filed: an edit or a submission is refused as invalid (422).
        "page.filing.update" => (true, "/filing".into(), vec![("name", String::new())]),
        "page.filing.submit" => (true, "/filing/submit".into(), vec![]),
        // A form that is not multipart: refused as unsupported (415) once past the access check.
        "page.filing.attachments.create" => (true, "/filing/attachments".into(), vec![]),
        "page.filing.changes.create" => (
            true,
            "/filing/changes".into(),
            vec![("name", String::new())],
        ),
        "page.change_requests" => (false, "/change-requests".into(), vec![]),
        "page.change_requests.decide" => (
            true,
            format!("/change-requests/{}/decision", pending_change(t).await),
            vec![("decision", "reject".into())],
        ),
        "page.filing.staff" => (false, "/filing/staff".into(), vec![]),
        "page.filing.staff.create" => (true, "/filing/staff".into(), vec![("name", String::new())]),
        "page.filing.staff.update" => (
            true,
            format!("/filing/staff/{}", scratch(t, &s.org_id, "staff").await),
            vec![("name", String::new())],
        ),
        "page.filing.equipment" => (false, "/filing/equipment".into(), vec![]),
        "page.filing.equipment.create" => (
            true,
            "/filing/equipment".into(),
            vec![("name", String::new())],
        ),
        "page.filing.equipment.update" => (
            true,
            format!(
                "/filing/equipment/{}",
                scratch(t, &s.org_id, "equipment").await
            ),
            vec![("name", String::new())],
        ),
        "page.filing.equipment.delete" => (
            true,
            format!(
                "/filing/equipment/{}/delete",
                scratch(t, &s.org_id, "equipment").await
            ),
            vec![],
        ),
        "page.filing.standard_materials" => (false, "/filing/standard-materials".into(), vec![]),
        "page.filing.standard_materials.create" => (
            true,
            "/filing/standard-materials".into(),
            vec![("kind", String::new())],
        ),
        "page.filing.standard_materials.update" => (
            true,
            format!(
                "/filing/standard-materials/{}",
                scratch(t, &s.org_id, "standard_material").await
            ),
            vec![("kind", String::new())],
        ),
        "page.catalogue.standard_rule" => (
            true,
            "/catalogue-standard-rule".into(),
            vec![("required_from", String::new())],
        ),
        "page.filing.spare_parts" => (false, "/filing/spare-parts".into(), vec![]),
        "page.filing.spare_parts.create" => (
            true,
            "/filing/spare-parts".into(),
            vec![("name", String::new())],
        ),
        "page.filing.spare_parts.update" => (
            true,
            format!(
                "/filing/spare-parts/{}",
                scratch(t, &s.org_id, "spare_part").await
            ),
            vec![("name", String::new())],
        ),
        "page.filing.spare_parts.delete" => (
            true,
            format!(
                "/filing/spare-parts/{}/delete",
                scratch(t, &s.org_id, "spare_part").await
            ),
            vec![],
        ),
        "page.enterprises.import_form" => (false, "/admin/enterprises/import".into(), vec![]),
        // Not multipart: refused as unsupported (415) once past the access check.
        "page.enterprises.import" => (true, "/admin/enterprises/import".into(), vec![]),
        // Not multipart: refused as unsupported (415) once past the access check.
        "page.tasks.reports.create" => (
            true,
            format!("/tasks/{}/reports", demo_task(t, "in_progress").await),
            vec![],
        ),
        "page.tasks.reports.file" => {
            let (task, report) = demo_report(t).await;
            (
                false,
                format!("/tasks/{task}/reports/{report}/file"),
                vec![],
            )
        }
        "page.tasks.changes.create" => (
            true,
            format!("/tasks/{}/changes", demo_task(t, "in_progress").await),
            vec![("reason", String::new())],
        ),
        "page.tasks.changes.decide" => {
            let (task, change) = demo_task_change(t).await;
            (
                true,
                format!("/tasks/{task}/changes/{change}/decision"),
                vec![("decision", "reject".into())],
            )
        }
        // Not multipart: refused as unsupported (415) once past the access check.
        "page.contracts.attachments.create" => (
            true,
            format!("/contracts/{}/attachments", demo_contract(t, "draft").await),
            vec![],
        ),
        "page.contracts.attachments.get" => {
            let (contract, attachment) = demo_contract_attachment(t).await;
            (
                false,
                format!("/contracts/{contract}/attachments/{attachment}"),
                vec![],
            )
        }
        "page.tasks" => (false, "/tasks".into(), vec![]),
        "page.tasks.export" => (false, "/tasks/export.csv".into(), vec![]),
        "page.tasks.export_xlsx" => (false, "/tasks/export.xlsx".into(), vec![]),
        "page.tasks.new" => (false, "/tasks/new".into(), vec![]),
        // 选择 redraws the form without saving.
        "page.tasks.create" => (true, "/tasks".into(), vec![("refresh", "1".into())]),
        "page.tasks.maintenance" => (false, "/tasks/maintenance?window=overdue".into(), vec![]),
        "page.tasks.maintenance.export" => (
            false,
            "/tasks/maintenance/export.csv?window=overdue".into(),
            vec![],
        ),
        "page.tasks.maintenance.export_xlsx" => (
            false,
            "/tasks/maintenance/export.xlsx?window=overdue".into(),
            vec![],
        ),
        "page.records" => (false, "/records?state=confirmed".into(), vec![]),
        "page.records.export" => (false, "/records/export.csv?state=confirmed".into(), vec![]),
        "page.records.export_xlsx" => {
            (false, "/records/export.xlsx?state=confirmed".into(), vec![])
        }
        "page.statistics" => (false, "/statistics".into(), vec![]),
        "page.statistics.export" => (false, "/statistics/export.csv".into(), vec![]),
        "page.statistics.export_xlsx" => (false, "/statistics/export.xlsx".into(), vec![]),
        "page.credit.systems" => (false, "/credit/systems".into(), vec![]),
        "page.credit.system" => (
            false,
            format!("/credit/systems/{}", demo_credit_system(t).await),
            vec![],
        ),
        // The demo's systems are published: publishing again is refused as invalid (422).
        "page.credit.systems.publish" => (
            true,
            format!("/credit/systems/{}/publish", demo_credit_system(t).await),
            vec![],
        ),
        // Not a document: refused as invalid (422), nothing saved.
        "page.credit.drafts.save" => (
            true,
            "/credit/drafts/maintenance".into(),
            vec![("document", "x".into())],
        ),
        "page.credit.ratings" => (false, "/credit/ratings".into(), vec![]),
        "page.credit.ratings.export" => (false, "/credit/ratings/export.csv".into(), vec![]),
        "page.credit.ratings.export_xlsx" => (false, "/credit/ratings/export.xlsx".into(), vec![]),
        // A year before any filing: refused as invalid (422), nothing computed.
        "page.credit.compute" => (
            true,
            "/credit/ratings/compute".into(),
            vec![("period", "1999".into())],
        ),
        "page.credit.rating" => (
            false,
            format!("/credit/ratings/{}", org_of(t, "agency_a").await),
            vec![],
        ),
        // The running year is not closed: refused as invalid (422), nothing started.
        "page.credit.publicity" => (
            true,
            "/credit/publications".into(),
            vec![
                ("year", this_year(t).to_string()),
                ("deadline", String::new()),
            ],
        ),
        // Not in publicity: refused as invalid (422), nothing published.
        "page.credit.publish" => (
            true,
            format!("/credit/publications/{}/publish", this_year(t)),
            vec![],
        ),
        // Not in publicity: refused as invalid (422), no objection filed.
        "page.credit.objections.create" => (
            true,
            format!("/credit/ratings/{}/objections", org_of(t, "agency_a").await),
            vec![
                ("kind", "maintenance".into()),
                ("period", this_year(t).to_string()),
            ],
        ),
        "page.credit.activity" => (false, "/credit/activity".into(), vec![]),
        "page.credit.activity.agency" => (
            false,
            format!("/credit/activity/{}", org_of(t, "agency_a").await),
            vec![],
        ),
        "page.credit.objections" => (false, "/credit/objections".into(), vec![]),
        "page.credit.objection" => (
            false,
            format!("/credit/objections/{}", demo_objection(t).await.0),
            vec![],
        ),
        // No decision chosen: refused as invalid (422), nothing decided.
        "page.credit.objection.decide" => (
            true,
            format!("/credit/objections/{}/decision", demo_objection(t).await.0),
            vec![("decision", "maybe".into())],
        ),
        // Its year is not in publicity: refused as invalid (422) before the upload is read.
        "page.credit.objection.upload" => (
            true,
            format!("/credit/objections/{}/documents", demo_objection(t).await.0),
            vec![],
        ),
        "page.credit.objection.document" => {
            let (objection, document) = demo_objection(t).await;
            (
                false,
                format!("/credit/objections/{objection}/documents/{document}"),
                vec![],
            )
        }
        "page.inspections" => (false, "/inspections".into(), vec![]),
        "page.inspections.export" => (false, "/inspections/export.csv".into(), vec![]),
        "page.inspections.export_xlsx" => (false, "/inspections/export.xlsx".into(), vec![]),
        "page.inspections.new" => (false, "/inspections/new".into(), vec![]),
        "page.inspections.create" => (true, "/inspections".into(), vec![("kind", String::new())]),
        "page.inspections.show" => (
            false,
            format!("/inspections/{}", demo_inspection(t).await),
            vec![],
        ),
        "page.inspections.results" => (
            true,
            format!("/inspections/{}/results", demo_inspection(t).await),
            vec![("summary", String::new())],
        ),
        "page.inspections.findings.create" => (
            true,
            format!("/inspections/{}/findings", demo_inspection(t).await),
            vec![("description", String::new())],
        ),
        // Not multipart: refused as unsupported (415) once past the access check.
        "page.inspections.attachments.create" => (
            true,
            format!("/inspections/{}/attachments", demo_inspection(t).await),
            vec![],
        ),
        "page.inspections.attachments.get" => {
            let (inspection, attachment) = demo_inspection_attachment(t).await;
            (
                false,
                format!("/inspections/{inspection}/attachments/{attachment}"),
                vec![],
            )
        }
        "page.rectifications.suggestions" => (false, "/rectifications/suggestions".into(), vec![]),
        // An empty reason is refused (422) once past the access check.
        "page.rectifications.suggestions.dismiss" => (
            true,
            format!(
                "/rectifications/suggestions/{}/dismiss",
                demo_suggestion(t).await
            ),
            vec![("reason", String::new())],
        ),
        "page.rectifications.suggestions.adopt" => (
            true,
            format!(
                "/rectifications/suggestions/{}/adopt",
                demo_suggestion(t).await
            ),
            vec![],
        ),
        "page.rectifications" => (false, "/rectifications".into(), vec![]),
        "page.rectifications.export" => (false, "/rectifications/export.csv".into(), vec![]),
        "page.rectifications.new" => (false, "/rectifications/new".into(), vec![]),
        "page.rectifications.create" => (
            true,
            "/rectifications".into(),
            vec![("title", String::new())],
        ),
        "page.rectifications.show" | "page.rectifications.edit" | "page.rectifications.print" => {
            let order = demo_rectification(t, "in_progress").await;
            let path = match route {
                "page.rectifications.edit" => format!("/rectifications/{order}/edit"),
                "page.rectifications.print" => format!("/rectifications/{order}/print"),
                _ => format!("/rectifications/{order}"),
            };
            (false, path, vec![])
        }
        "page.rectifications.update" => (
            true,
            format!(
                "/rectifications/{}",
                demo_rectification(t, "in_progress").await
            ),
            vec![("title", String::new())],
        ),
        "page.rectifications.issue" | "page.rectifications.sign" => (
            true,
            format!(
                "/rectifications/{}/{}",
                demo_rectification(t, "in_progress").await,
                route.rsplit('.').next().unwrap()
            ),
            vec![],
        ),
        "page.rectifications.response" => (
            true,
            format!(
                "/rectifications/{}/response",
                demo_rectification(t, "in_progress").await
            ),
            vec![("summary", String::new())],
        ),
        "page.rectifications.decide" => (
            true,
            format!(
                "/rectifications/{}/decision",
                demo_rectification(t, "in_progress").await
            ),
            vec![("decision", "accept".into())],
        ),
        // Not multipart: refused as unsupported (415) once past the access check.
        "page.rectifications.attachments.create" => (
            true,
            format!(
                "/rectifications/{}/attachments",
                demo_rectification(t, "in_progress").await
            ),
            vec![],
        ),
        "page.rectifications.extensions.create" => (
            true,
            format!(
                "/rectifications/{}/extensions",
                demo_rectification(t, "in_progress").await
            ),
            vec![("extension_reason", String::new())],
        ),
        "page.rectifications.extensions.decide" => {
            let (order, extension) = demo_rectification_extension(t).await;
            (
                true,
                format!("/rectifications/{order}/extensions/{extension}/decision"),
                vec![("decision", "maybe".into())],
            )
        }
        "page.rectifications.export_xlsx" => (false, "/rectifications/export.xlsx".into(), vec![]),
        "page.rectifications.attachments.get" => {
            let (order, attachment) = demo_rectification_attachment(t).await;
            (
                false,
                format!("/rectifications/{order}/attachments/{attachment}"),
                vec![],
            )
        }
        "page.fault_periods" => (false, "/fault-periods?status=overdue".into(), vec![]),
        "page.records.show" => (
            false,
            format!("/records/{}", demo_record(t, "confirmed").await),
            vec![],
        ),
        "page.records.print" => (
            false,
            format!("/records/{}/print", demo_record(t, "confirmed").await),
            vec![],
        ),
        "page.tasks.show" => (
            false,
            format!("/tasks/{}", demo_task(t, "in_progress").await),
            vec![],
        ),
        "page.tasks.update" => (
            true,
            format!("/tasks/{}", demo_task(t, "in_progress").await),
            vec![("name", String::new())],
        ),
        "page.tasks.submit" => (
            true,
            format!("/tasks/{}/submit", demo_task(t, "in_progress").await),
            vec![],
        ),
        "page.tasks.close" => (
            true,
            format!("/tasks/{}/close", demo_task(t, "draft").await),
            vec![],
        ),
        "page.contracts" => (false, "/contracts".into(), vec![]),
        "page.contracts.export" => (false, "/contracts/export.csv".into(), vec![]),
        "page.contracts.export_xlsx" => (false, "/contracts/export.xlsx".into(), vec![]),
        "page.contracts.new" => (false, "/contracts/new".into(), vec![]),
        "page.contracts.create" => (true, "/contracts".into(), vec![("title", String::new())]),
        "page.contracts.show" => (
            false,
            format!("/contracts/{}", demo_contract(t, "approved").await),
            vec![],
        ),
        "page.contracts.update" => (
            true,
            format!("/contracts/{}", demo_contract(t, "draft").await),
            vec![("title", String::new())],
        ),
        "page.contracts.submit" => (
            true,
            format!("/contracts/{}/submit", demo_contract(t, "approved").await),
            vec![],
        ),
        "page.contracts.decide" => (
            true,
            format!("/contracts/{}/decision", demo_contract(t, "approved").await),
            vec![("decision", "approve".into())],
        ),
        "page.contracts.changes.create" => (
            true,
            format!("/contracts/{}/changes", demo_contract(t, "approved").await),
            vec![("reason", String::new())],
        ),
        "page.contracts.changes.decide" => {
            let (contract, change) = demo_contract_change(t).await;
            (
                true,
                format!("/contracts/{contract}/changes/{change}/decision"),
                vec![("decision", "reject".into())],
            )
        }
        "page.outlets" => (false, "/outlets".into(), vec![]),
        "page.outlets.new" => (false, "/outlets/new".into(), vec![]),
        "page.outlets.create" => (true, "/outlets".into(), vec![("name", String::new())]),
        "page.outlets.import_form" => (false, "/outlets/import".into(), vec![]),
        // Not multipart: refused as unsupported (415) once past the access check.
        "page.outlets.import" => (true, "/outlets/import".into(), vec![]),
        "page.outlets.show" => (
            false,
            format!("/outlets/{}", ent_a_outlet(t).await.0),
            vec![],
        ),
        "page.outlets.update" => (
            true,
            format!("/outlets/{}", ent_a_outlet(t).await.0),
            vec![("name", String::new())],
        ),
        "page.outlets.instruments.create" => (
            true,
            format!("/outlets/{}/instruments", ent_a_outlet(t).await.0),
            vec![("parameter", String::new())],
        ),
        "page.outlets.emission_limits" => (
            true,
            format!("/outlets/{}/emission-limits", ent_a_outlet(t).await.0),
            vec![("parameter", String::new())],
        ),
        "page.instruments.update" => (
            true,
            format!("/instruments/{}", ent_a_outlet(t).await.1),
            vec![("parameter", String::new())],
        ),
        "page.agencies" => (false, "/agencies".into(), vec![]),
        "page.agencies.export" => (false, "/agencies/export.csv".into(), vec![]),
        "page.agencies.export_xlsx" => (false, "/agencies/export.xlsx".into(), vec![]),
        "page.agencies.show" => (
            false,
            format!("/agencies/{}", published_agency(t).await),
            vec![],
        ),
        "page.agencies.review" => (
            true,
            format!("/agencies/{}/review", published_agency(t).await),
            vec![("decision", "pass".into())],
        ),
        "page.agencies.publish" => (
            true,
            format!("/agencies/{}/published", published_agency(t).await),
            vec![("published", "true".into())],
        ),
        "page.catalogue" => (false, "/catalogue".into(), vec![]),
        "page.catalogue.show" => (false, "/catalogue/fg_calibration".into(), vec![]),
        "page.catalogue.print" => (false, "/catalogue/fg_calibration/print".into(), vec![]),
        "page.catalogue.publish" => (
            true,
            "/catalogue/ww_repair/publish".into(),
            vec![
                ("source", "version = 0".into()),
                ("note", "访问测试".into()),
            ],
        ),
        "h5.form.preview" => (false, "/m/forms/fg_calibration".into(), vec![]),
        "h5.field" => (false, "/m/field".into(), vec![]),
        "h5.field.site" => {
            let task = demo_task(t, "in_progress").await;
            let outlet = emss_db::repo::task::bindings(&t.app.db().conn, &task)
                .await
                .unwrap()
                .into_iter()
                .find(|b| b.kind == "outlet")
                .unwrap()
                .ref_id;
            (false, format!("/m/field/{task}/{outlet}"), vec![])
        }
        "h5.record" => (
            false,
            format!("/m/records/{}", demo_record(t, "confirmed").await),
            vec![],
        ),
        "h5.confirmations" => (false, "/m/confirmations".into(), vec![]),
        "h5.confirmations.day" => (false, "/m/confirmations/2026-11-30".into(), vec![]),
        "h5.reviews" => (false, "/m/reviews".into(), vec![]),
        "h5.help" => (false, "/m/help".into(), vec![]),
        "h5.root" => (false, "/m".into(), vec![]),
        "h5.home" => (false, "/m/".into(), vec![]),
        "h5.me" => (false, "/m/me".into(), vec![]),
        "h5.login" => (false, "/m/login".into(), vec![]),
        "h5.login.submit" => (
            true,
            "/m/login".into(),
            vec![("username", "nobody".into()), ("password", "x".into())],
        ),
        "h5.logout" => (true, "/m/logout".into(), vec![]),
        other => panic!("add a sample request for route {other} to access_matrix.rs"),
    };
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    if route == "h5.logout"
        && let Some((phone, _)) = &s.phone
    {
        // The desktop session is ended by page.logout; the phone has a session of its own.
        return phone.post_form(&path, &fields).await.unwrap();
    }
    match &s.browser {
        Some(b) if post => b.post_form(&path, &fields).await.unwrap(),
        Some(b) => b.get(&path).await.unwrap(),
        None => {
            let c = t.client().unwrap();
            if post {
                c.post(t.url(&path)).form(&fields).send().await.unwrap()
            } else {
                c.get(t.url(&path)).send().await.unwrap()
            }
        }
    }
}

/// Whether the answer means the route was carried out for this user.
fn allowed(route: &str, res: &reqwest::Response) -> bool {
    let status = res.status();
    if status.is_server_error() {
        return false;
    }
    if WITNESS_ROUTES.contains(&route) {
        let plain = res
            .headers()
            .get("content-type")
            .and_then(|c| c.to_str().ok())
            .is_some_and(|c| c.starts_with("text/plain") || c.starts_with("text/x.tlog"));
        return plain && status != StatusCode::UNAUTHORIZED;
    }
    if LOGIN_ROUTES.contains(&route) {
        // Signing in is open to all: a wrong password reaching the check is the route working.
        return status != StatusCode::FORBIDDEN && status != StatusCode::NOT_FOUND;
    }
    let location = res
        .headers()
        .get("location")
        .and_then(|l| l.to_str().ok())
        .unwrap_or("");
    if LOGOUT_ROUTES.contains(&route) && location.ends_with("?logged_out=1") {
        return true;
    }
    let to_login = status.is_redirection()
        && (location.starts_with("/login") || location.starts_with("/m/login"));
    !(to_login
        || status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || status == StatusCode::NOT_FOUND)
}

#[tokio::test]
async fn every_route_for_every_kind_of_user() {
    let t = TestApp::spawn().await.unwrap();
    let (_, rows) = table();
    let admin = t.token("sysadmin").await.unwrap();
    let found: Value = reqwest::Client::new()
        .get(t.url("/api/v1/accounts?keyword=filer_b"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let filer_b = found["items"][0]["id"].as_str().unwrap().to_string();

    let mut order: Vec<&String> = rows.keys().collect();
    order.sort_by_key(|r| LOGOUT_ROUTES.contains(&r.as_str()));
    let mut wrong = Vec::new();
    let mut cells = 0;
    for (column, (principal, login)) in PRINCIPALS.iter().enumerate() {
        // Each user's logins fall in a minute of their own (the per-address login throttle).
        t.clock.advance(chrono::Duration::seconds(61));
        let s = subject(&t, *login, &filer_b).await;
        for (n, route) in order.iter().enumerate() {
            let expected = rows[*route][column];
            let res = call(&t, &s, route, n).await;
            let status = res.status();
            let got = allowed(route, &res);
            cells += 1;
            if got != expected {
                wrong.push(format!(
                    "{route} as {principal}: expected {}, got {status}",
                    if expected { "allow" } else { "deny" }
                ));
            }
        }
    }
    assert!(
        wrong.is_empty(),
        "{} of {cells} cells wrong:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
    assert_eq!(cells, rows.len() * PRINCIPALS.len());
    let _ = DEMO_PASSWORD;
}

/// A draft — contract or task — is seen only inside the organisation drafting it: party A and the
/// regulators find neither its page nor its row in their lists until the agency submits it.
#[tokio::test]
async fn drafts_are_seen_only_inside_the_drafting_agency() {
    let t = TestApp::spawn().await.unwrap();
    let contract = demo_contract(&t, "draft").await;
    let task = demo_task(&t, "draft").await;
    let c = reqwest::Client::new();
    for (principal, login) in PRINCIPALS {
        let Some(login) = login else { continue };
        t.clock.advance(chrono::Duration::seconds(61));
        let token = t.token(login).await.unwrap();
        // agency_a's own staff may or may not hold the right to read it; outsiders never see it.
        let drafting = login == "agency_a";
        if !drafting && ["filer_a", "reviewer_a"].contains(&login) {
            continue;
        }
        for (object, id) in [("contracts", &contract), ("tasks", &task)] {
            let res = c
                .get(t.url(&format!("/api/v1/{object}/{id}")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if drafting {
                assert_eq!(
                    res.status(),
                    StatusCode::OK,
                    "{principal} reads its {object} draft"
                );
            } else {
                assert!(
                    matches!(res.status(), StatusCode::NOT_FOUND | StatusCode::FORBIDDEN),
                    "{principal} reads the {object} draft: {}",
                    res.status()
                );
            }
            let res = c
                .get(t.url(&format!("/api/v1/{object}?page_size=100")))
                .bearer_auth(&token)
                .send()
                .await
                .unwrap();
            if res.status() != StatusCode::OK {
                continue;
            }
            let list: Value = res.json().await.unwrap();
            let listed = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|row| row["id"] == id.as_str());
            assert_eq!(listed, drafting, "{principal} lists the {object} draft");
        }
    }
}
