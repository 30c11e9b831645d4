//! Agency filing through the API: registration, the two reviews, publication and the public
//! register; sending back, editing and resubmitting; USCC checks; who sees what; and 机构查询 over
//! 500 agencies on both databases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::StatusCode;
use serde_json::{Value, json};

fn uscc(serial: u32) -> String {
    let body = format!("91310104MA1{serial:04}X7");
    format!(
        "{body}{}",
        emss_domain::uscc::check_character(&body).unwrap()
    )
}

fn filing(name: &str, code: &str) -> Value {
    json!({
        "name": name,
        "uscc": code,
        "category": "testing_maintenance",
        "legal_representative": "王建国",
        "contact_name": "李晓明",
        "contact_phone": "13817001234",
        "registered_address": "上海市徐汇区漕溪路 250 号",
        "lab_address": "上海市徐汇区宜山路 700 号",
        "district_code": "310104",
        "testing": ["水和废水"],
        "wastewater": ["化学需氧量", "氨氮"],
        "flue_gas": ["二氧化硫"]
    })
}

async fn call(
    t: &TestApp,
    method: reqwest::Method,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = reqwest::Client::new().request(method, t.url(path));
    if let Some(tok) = token {
        req = req.bearer_auth(tok);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn register(t: &TestApp, name: &str, code: &str, username: &str) -> (StatusCode, Value) {
    t.register(
        &json!({"filing": filing(name, code), "username": username, "password": "Lq7#vT2m!Zp9"}),
    )
    .await
    .unwrap()
}

async fn login(t: &TestApp, username: &str) -> String {
    let (status, body) = call(
        t,
        reqwest::Method::POST,
        None,
        "/api/v1/auth/login",
        Some(json!({"username": username, "password": "Lq7#vT2m!Zp9"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["token"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn register_review_twice_publish_and_find_it_in_the_public_register() {
    let t = TestApp::spawn().await.unwrap();
    let (status, reg) = register(&t, "上海测试环境监测有限公司", &uscc(1), "huace").await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["state"], "submitted");
    let id = reg["org_id"].as_str().unwrap().to_string();
    let public = "/api/v1/agencies?keyword=上海测试环境监测";
    let (_, found) = call(&t, reqwest::Method::GET, None, public, None).await;
    assert_eq!(found["total"], 0, "not public before review");

    let city = t.token("city").await.unwrap();
    let (_, queue) = call(
        &t,
        reqwest::Method::GET,
        Some(&city),
        "/api/v1/agencies?filing_state=submitted&page_size=100",
        None,
    )
    .await;
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["id"] == id.as_str())
    );
    let review = format!("/api/v1/agencies/{id}/review");
    // Publication comes only after the second review.
    let (status, err) = call(
        &t,
        reqwest::Method::PUT,
        Some(&city),
        &format!("/api/v1/agencies/{id}/published"),
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["published"], "只有二审通过的机构才能公开");
    let (status, first) = call(
        &t,
        reqwest::Method::POST,
        Some(&city),
        &review,
        Some(json!({"decision": "pass"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{first}");
    assert_eq!(
        (
            first["filing_state"].as_str(),
            first["filing_state_label"].as_str()
        ),
        (Some("first_review_passed"), Some("一审通过"))
    );
    let (_, second) = call(
        &t,
        reqwest::Method::POST,
        Some(&city),
        &review,
        Some(json!({"decision": "pass"})),
    )
    .await;
    assert_eq!(
        (
            second["filing_state"].as_str(),
            second["filing_state_label"].as_str()
        ),
        (Some("filed"), Some("二审通过"))
    );
    let (status, _) = call(
        &t,
        reqwest::Method::POST,
        Some(&city),
        &review,
        Some(json!({"decision": "pass"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a filed agency has no further review"
    );
    let (status, published) = call(
        &t,
        reqwest::Method::PUT,
        Some(&city),
        &format!("/api/v1/agencies/{id}/published"),
        Some(json!({"published": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(published["published"], true);

    // The public finds it, with capabilities and addresses but no personal data.
    let res = reqwest::get(t.url(public)).await.unwrap();
    let text = res.text().await.unwrap();
    let found: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(found["total"], 1);
    let a = &found["items"][0];
    assert_eq!(a["name"], "上海测试环境监测有限公司");
    assert_eq!(a["category_label"], "检测运维机构");
    // The public knows a filed agency as 已备案, not by the review step that filed it.
    assert_eq!(a["filing_state_label"], "已备案");
    let page = reqwest::get(t.url("/public/agencies?keyword=测试环境监测"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("已备案") && !page.contains("二审通过"),
        "{page}"
    );
    assert_eq!(a["wastewater"], json!(["化学需氧量", "氨氮"]));
    assert!(
        a["contact_name"].is_null()
            && a["contact_phone"].is_null()
            && a["legal_representative"].is_null()
    );
    assert!(
        !text.contains("1381700") && !text.contains("李晓明") && !text.contains("王建国"),
        "{text}"
    );
    let (status, detail) = call(
        &t,
        reqwest::Method::GET,
        None,
        &format!("/api/v1/agencies/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        detail["trail"].as_array().unwrap().is_empty(),
        "the public sees no trail"
    );

    // The regulator sees the contact (masked) and every version.
    let (_, full) = call(
        &t,
        reqwest::Method::GET,
        Some(&city),
        &format!("/api/v1/agencies/{id}"),
        None,
    )
    .await;
    assert_eq!(full["agency"]["contact_phone"], "138****1234");
    let events: Vec<&str> = full["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "filing.register",
            "filing.first_review",
            "filing.second_review",
            "filing.publish"
        ]
    );
    // The applicant's main account works and sees its own filing.
    let own = login(&t, "huace").await;
    let (status, mine) = call(&t, reqwest::Method::GET, Some(&own), "/api/v1/filing", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(mine["agency"]["id"], id.as_str());
}

#[tokio::test]
async fn a_rejected_filing_is_edited_and_resubmitted() {
    let t = TestApp::spawn().await.unwrap();
    let (_, reg) = register(&t, "上海退回测试科技有限公司", &uscc(2), "tuihui").await;
    let id = reg["org_id"].as_str().unwrap().to_string();
    let city = t.token("city").await.unwrap();
    let review = format!("/api/v1/agencies/{id}/review");
    let (status, err) = call(
        &t,
        reqwest::Method::POST,
        Some(&city),
        &review,
        Some(json!({"decision": "reject", "reason": "  "})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["reason"], "退回须填写原因");
    let (_, rejected) = call(
        &t,
        reqwest::Method::POST,
        Some(&city),
        &review,
        Some(json!({"decision": "reject", "reason": "实验室地址与 CMA 证书不一致"})),
    )
    .await;
    assert_eq!(rejected["filing_state"], "rejected");

    let own = login(&t, "tuihui").await;
    let (_, mine) = call(&t, reqwest::Method::GET, Some(&own), "/api/v1/filing", None).await;
    assert_eq!(
        mine["agency"]["reject_reason"],
        "实验室地址与 CMA 证书不一致"
    );
    // The code was mistyped at registration: the correction is kept, and the old code is free.
    let mut fixed = filing("上海退回测试科技有限公司", &uscc(7));
    fixed["lab_address"] = json!("上海市徐汇区漕河泾开发区 9 幢");
    fixed["contact_phone"] = json!("1381700");
    let (status, err) = call(
        &t,
        reqwest::Method::PUT,
        Some(&own),
        "/api/v1/filing",
        Some(fixed.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["contact_phone"], "请输入 11 位手机号码");
    fixed["contact_phone"] = json!("13817005678");
    let (status, edited) = call(
        &t,
        reqwest::Method::PUT,
        Some(&own),
        "/api/v1/filing",
        Some(fixed),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{edited}");
    assert_eq!(edited["lab_address"], "上海市徐汇区漕河泾开发区 9 幢");
    let (_, reread) = call(&t, reqwest::Method::GET, Some(&own), "/api/v1/filing", None).await;
    assert_eq!(reread["agency"]["uscc"], uscc(7).as_str());
    let (status, _) = register(&t, "上海另一家测试有限公司", &uscc(2), "lingyi").await;
    assert_eq!(
        status,
        StatusCode::CREATED,
        "the old code is no longer taken"
    );
    let (_, submitted) = call(
        &t,
        reqwest::Method::POST,
        Some(&own),
        "/api/v1/filing/submit",
        Some(json!({})),
    )
    .await;
    assert_eq!(submitted["filing_state"], "submitted");
    assert!(submitted["reject_reason"].is_null());
    // Once submitted it cannot be edited.
    let (status, err) = call(
        &t,
        reqwest::Method::PUT,
        Some(&own),
        "/api/v1/filing",
        Some(filing("改名", &uscc(2))),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["state"]
            .as_str()
            .unwrap()
            .contains("变更申请")
    );

    let (_, full) = call(
        &t,
        reqwest::Method::GET,
        Some(&city),
        &format!("/api/v1/agencies/{id}"),
        None,
    )
    .await;
    let trail = full["trail"].as_array().unwrap();
    let events: Vec<&str> = trail.iter().map(|v| v["event"].as_str().unwrap()).collect();
    assert_eq!(
        events,
        [
            "filing.register",
            "filing.reject",
            "filing.update",
            "filing.submit"
        ]
    );
    assert_eq!(
        trail[1]["snapshot"]["reject_reason"],
        "实验室地址与 CMA 证书不一致"
    );
    assert_eq!(
        trail[0]["snapshot"]["lab_address"],
        "上海市徐汇区宜山路 700 号"
    );
    assert_eq!(trail[2]["snapshot"]["contact_phone"], "138****5678");
}

#[tokio::test]
async fn invalid_and_duplicate_codes_are_refused_and_nothing_is_created() {
    let t = TestApp::spawn().await.unwrap();
    let good = uscc(3);
    let wrong_check = format!(
        "{}{}",
        &good[..17],
        if good.ends_with('0') { '1' } else { '0' }
    );
    let (status, err) = register(&t, "上海校验位测试有限公司", &wrong_check, "jiaoyan").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["uscc"],
        "统一社会信用代码校验位不正确，请核对"
    );
    let (status, err) = register(&t, "上海校验位测试有限公司", "91310104MA1", "jiaoyan").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["uscc"], "统一社会信用代码应为 18 位");
    // Nothing was half-saved: the username is still free.
    let (status, _) = register(
        &t,
        "上海校验位测试有限公司",
        &good.to_lowercase(),
        "jiaoyan",
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, err) = register(&t, "另一家公司", &good, "lingyijia").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["uscc"],
        "该统一社会信用代码已备案，请勿重复注册"
    );
    // Every problem at once, each next to its field.
    let (status, err) = call(
        &t,
        reqwest::Method::POST,
        None,
        "/api/v1/registrations",
        Some(json!({"filing": {"name": "", "uscc": "x", "category": "both", "legal_representative": "",
            "contact_name": "", "contact_phone": "123", "registered_address": "", "district_code": "999999",
            "wastewater": ["臭氧"]}, "username": "a", "password": "123"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = err["fields"].as_object().unwrap();
    for f in [
        "name",
        "uscc",
        "category",
        "legal_representative",
        "contact_name",
        "contact_phone",
        "registered_address",
        "district_code",
        "wastewater",
        "username",
        "password",
    ] {
        assert!(fields.contains_key(f), "{f} missing in {fields:?}");
    }
}

#[tokio::test]
async fn a_self_maintaining_enterprise_is_filed_at_once() {
    let t = TestApp::spawn().await.unwrap();
    let mut body = filing("上海自运维化工有限公司", &uscc(4));
    body["category"] = json!("maintenance");
    body["testing"] = json!([]);
    let (status, reg) = t
        .register(
            &json!({"filing": body, "self_maintaining": true, "username": "ziyunwei",
            "password": "Lq7#vT2m!Zp9"}),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["state"], "filed");
    // It maintains its own outlets under an internal contract, confirmed from the start.
    let token = login(&t, "ziyunwei").await;
    let (status, contracts) = call(
        &t,
        reqwest::Method::GET,
        Some(&token),
        "/api/v1/contracts",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{contracts}");
    assert_eq!(contracts["total"], 1, "{contracts}");
    let internal = &contracts["items"][0];
    assert_eq!(internal["title"], "自行运维内部合同");
    assert_eq!(internal["state"], "approved");
    assert_eq!(internal["nature"], "maintenance");
    assert_eq!(internal["agency_id"], reg["org_id"]);
    assert_eq!(internal["enterprise_id"], reg["org_id"]);
    // Its only account cannot be three people: the home page says which rule stops it.
    let home = t
        .browser_with_password("ziyunwei", "Lq7#vT2m!Zp9")
        .await
        .unwrap()
        .page("/")
        .await
        .unwrap();
    assert!(
        home.contains("三个不同的人") && home.contains("现场运维"),
        "{home}"
    );
}

#[tokio::test]
async fn a_self_maintaining_enterprise_filed_earlier_gets_its_internal_contract_once() {
    use emss_app::contracts::internal::ensure_all;
    let t = TestApp::spawn().await.unwrap();
    assert_eq!(ensure_all(&t.app).await.unwrap(), 0, "the demo's has one");
    // As stored by a release without internal contracts.
    let org = emss_domain::ids::new_id();
    let registered = chrono::DateTime::parse_from_rfc3339("2026-03-02T01:00:00Z")
        .unwrap()
        .to_utc();
    emss_db::repo::organization::insert(
        &t.app.db().conn,
        emss_db::repo::organization::NewOrganization {
            id: org.clone(),
            kind: emss_domain::OrgKind::SelfMaintainingEnterprise,
            name: "上海早期自运维有限公司",
            district_code: Some("310115"),
            agency_category: None,
            uscc: None,
            created_at: registered,
        },
    )
    .await
    .unwrap();
    assert_eq!(ensure_all(&t.app).await.unwrap(), 1);
    assert_eq!(ensure_all(&t.app).await.unwrap(), 0, "made once");
    let city = t.token("city").await.unwrap();
    let (status, found) = call(
        &t,
        reqwest::Method::GET,
        Some(&city),
        &format!("/api/v1/contracts/{org}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{found}");
    let c = &found["contract"];
    assert_eq!(c["performance_start"], "2026-03-02", "{found}");
    assert_eq!(c["performance_end"], "2036-03-01", "{found}");
    assert_eq!(c["state"], "approved");
}

#[tokio::test]
async fn who_sees_which_filing() {
    let t = TestApp::spawn().await.unwrap();
    let (_, reg) = register(&t, "上海范围测试有限公司", &uscc(5), "fanwei").await;
    let id = reg["org_id"].as_str().unwrap();
    let path = format!("/api/v1/agencies/{id}");
    let (status, _) = call(&t, reqwest::Method::GET, None, &path, None).await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "the public does not see an unpublished filing"
    );
    for user in ["agency_b", "filer_a", "ent_a"] {
        let token = t.token(user).await.unwrap();
        let (status, body) = call(&t, reqwest::Method::GET, Some(&token), &path, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{user}: {body}");
        let (_, list) = call(
            &t,
            reqwest::Method::GET,
            Some(&token),
            "/api/v1/agencies?keyword=范围测试",
            None,
        )
        .await;
        assert_eq!(list["total"], 0, "{user}");
    }
    let district = t.token("district_a").await.unwrap();
    let (status, seen) = call(&t, reqwest::Method::GET, Some(&district), &path, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "district regulators see all filings"
    );
    assert_eq!(seen["agency"]["contact_phone"], "138****1234");
    let (status, _) = call(
        &t,
        reqwest::Method::POST,
        Some(&district),
        &format!("{path}/review"),
        Some(json!({"decision": "pass"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "only the city reviews");
    let filer = t.token("filer_a").await.unwrap();
    let (status, _) = call(
        &t,
        reqwest::Method::GET,
        Some(&filer),
        "/api/v1/filing",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, err) = call(
        &t,
        reqwest::Method::GET,
        Some(&district),
        "/api/v1/agencies?filing_state=approved",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["filing_state"], "备案状态不正确");
}

/// 机构查询 over 500 agencies: every filter and paging agree with the data, for the regulator and
/// the public, on the database under test.
#[tokio::test]
async fn agency_search_over_500_agencies_pages_and_filters() {
    use emss_db::entity::filing;
    use emss_db::repo;
    let t = TestApp::spawn_empty().await.unwrap();
    let db = &t.app.db().conn;
    let now = chrono::Utc::now();
    let states = [
        "draft",
        "submitted",
        "first_review_passed",
        "filed",
        "rejected",
        "filed",
        "filed",
    ];
    let categories = ["testing", "maintenance", "testing_maintenance"];
    let mut rows = Vec::new();
    for i in 0..500u32 {
        let state = states[i as usize % states.len()];
        let category = categories[i as usize % 3];
        let published = state == "filed" && i % 2 == 0;
        let model = filing::Model {
            org_id: format!("org{i:04}"),
            kind: "agency".into(),
            state: state.into(),
            published,
            name: format!(
                "上海{}{i:03}环境有限公司",
                if i % 10 == 0 { "蓝天" } else { "机构" }
            ),
            uscc: uscc(1000 + i),
            category: category.into(),
            legal_representative: "王建国".into(),
            contact_name: "李晓明".into(),
            contact_phone_cipher: "x".into(),
            contact_phone_key: "k".into(),
            contact_phone_masked: "138****0000".into(),
            registered_address: "上海市".into(),
            lab_address: None,
            district_code: "310104".into(),
            reject_reason: None,
            version: 1,
            submitted_at: None,
            filed_at: None,
            published_at: None,
            created_at: now,
            updated_at: now,
        };
        let mut caps = Vec::new();
        if category != "maintenance" {
            caps.push((
                "testing".to_string(),
                if i % 4 == 0 {
                    "水和废水"
                } else {
                    "噪声和振动"
                }
                .to_string(),
            ));
        }
        if category != "testing" {
            caps.push((
                if i % 5 == 0 { "flue_gas" } else { "wastewater" }.to_string(),
                "氨氮".to_string(),
            ));
        }
        repo::filing::insert(db, model).await.unwrap();
        repo::filing::replace_capabilities(db, &format!("org{i:04}"), &caps)
            .await
            .unwrap();
        rows.push((i, state, category, published, caps));
    }
    // A city regulator to search as (the demo brings its own agencies, none named "环境有限公司").
    emss_app::demo::load(&t.app, emss_testkit::DEMO_PASSWORD)
        .await
        .unwrap();
    let city = t.token("city").await.unwrap();

    async fn all_pages(t: &TestApp, token: Option<&str>, query: &str) -> (u64, Vec<String>) {
        let mut ids = Vec::new();
        let mut total = 0;
        for page in 1.. {
            let (status, body) = call(
                t,
                reqwest::Method::GET,
                token,
                &format!("/api/v1/agencies?{query}&page={page}&page_size=100"),
                None,
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{query}: {body}");
            total = body["total"].as_u64().unwrap();
            let items = body["items"].as_array().unwrap();
            ids.extend(items.iter().map(|a| a["id"].as_str().unwrap().to_string()));
            if items.len() < 100 {
                break;
            }
        }
        (total, ids)
    }
    let only_seeded = |ids: Vec<String>| -> Vec<String> {
        ids.into_iter().filter(|i| i.starts_with("org")).collect()
    };
    type Row = (u32, &'static str, &'static str, bool, Vec<(String, String)>);
    type Keep = Box<dyn Fn(&Row) -> bool>;
    let cases: Vec<(&str, Keep)> = vec![
        ("keyword=环境有限公司", Box::new(|_| true)),
        (
            "keyword=环境有限公司&category=testing",
            Box::new(|r| r.2 == "testing"),
        ),
        (
            "keyword=环境有限公司&filing_state=submitted",
            Box::new(|r| r.1 == "submitted"),
        ),
        (
            "keyword=环境有限公司&filing_state=filed&published=true",
            Box::new(|r| r.1 == "filed" && r.3),
        ),
        ("keyword=环境有限公司&published=false", Box::new(|r| !r.3)),
        (
            "keyword=环境有限公司&testing=水和废水",
            Box::new(|r| r.4.iter().any(|(a, i)| a == "testing" && i == "水和废水")),
        ),
        (
            "keyword=环境有限公司&maintenance=flue_gas",
            Box::new(|r| r.4.iter().any(|(a, _)| a == "flue_gas")),
        ),
        (
            "keyword=蓝天&category=maintenance",
            Box::new(|r| r.0 % 10 == 0 && r.2 == "maintenance"),
        ),
    ];
    for (query, keep) in &cases {
        let expected: Vec<String> = rows
            .iter()
            .filter(|r| keep(r))
            .map(|r| format!("org{:04}", r.0))
            .collect();
        let (total, ids) = all_pages(&t, Some(&city), query).await;
        let unique: std::collections::BTreeSet<&String> = ids.iter().collect();
        assert_eq!(unique.len(), ids.len(), "{query}: a row on two pages");
        assert_eq!(total as usize, ids.len(), "{query}: total and rows differ");
        let mut got = only_seeded(ids);
        got.sort();
        assert_eq!(got, expected, "{query}");
    }
    // The public sees filed and published agencies only, whatever it asks for.
    let expected: Vec<String> = rows
        .iter()
        .filter(|r| r.1 == "filed" && r.3)
        .map(|r| format!("org{:04}", r.0))
        .collect();
    for query in [
        "keyword=环境有限公司",
        "keyword=环境有限公司&filing_state=draft",
        "keyword=环境有限公司&published=false",
    ] {
        let (_, ids) = all_pages(&t, None, query).await;
        let mut got = only_seeded(ids);
        got.sort();
        assert_eq!(got, expected, "public {query}");
    }
    // Page boundaries: 167 testing agencies, 10 a page: page 17 holds 7, page 18 none.
    let q = "/api/v1/agencies?keyword=环境有限公司&category=testing&page_size=10";
    let (_, last) = call(
        &t,
        reqwest::Method::GET,
        Some(&city),
        &format!("{q}&page=17"),
        None,
    )
    .await;
    assert_eq!(
        (
            last["total"].as_u64(),
            last["items"].as_array().unwrap().len()
        ),
        (Some(167), 7)
    );
    let (_, beyond) = call(
        &t,
        reqwest::Method::GET,
        Some(&city),
        &format!("{q}&page=18"),
        None,
    )
    .await;
    assert_eq!(
        (
            beyond["total"].as_u64(),
            beyond["items"].as_array().unwrap().len()
        ),
        (Some(167), 0)
    );
}

/// The same flow on the pages: the city sends a filing back with a reason, the agency sees the
/// reason on 本机构备案, corrects it and submits again; the home page counts the queues.
#[tokio::test]
async fn send_back_edit_and_resubmit_on_the_pages() {
    let t = TestApp::spawn().await.unwrap();
    let (_, reg) = register(&t, "上海页面退回测试有限公司", &uscc(6), "yemian").await;
    let id = reg["org_id"].as_str().unwrap().to_string();
    let city = t.browser("city").await.unwrap();
    let home = city.page("/").await.unwrap();
    assert!(
        home.contains("待一审备案"),
        "the home page counts the queue"
    );
    let res = city
        .post_form(
            &format!("/agencies/{id}/review"),
            &[("decision", "reject"), ("reason", "")],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("退回须填写原因"));
    let res = city
        .post_form(
            &format!("/agencies/{id}/review"),
            &[("decision", "reject"), ("reason", "缺少 CMA 证书附件")],
        )
        .await
        .unwrap();
    assert!(res.status().is_redirection());
    let csv = city
        .get("/agencies/export.csv?keyword=页面退回")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        csv.starts_with('\u{feff}')
            && csv.contains("上海页面退回测试有限公司")
            && csv.contains("已退回"),
        "{csv}"
    );

    // The applicant signs in with the account the registration made.
    let agency = t
        .browser_with_password("yemian", "Lq7#vT2m!Zp9")
        .await
        .unwrap();
    let own = agency.page("/filing").await.unwrap();
    assert!(own.contains("缺少 CMA 证书附件") && own.contains("data-testid=\"save\""));
    let fields: Vec<(&str, String)> = vec![
        ("name", "上海页面退回测试有限公司".into()),
        ("uscc", uscc(6)),
        ("category", "maintenance".into()),
        ("legal_representative", "王建国".into()),
        ("contact_name", "李晓明".into()),
        ("contact_phone", "13817001111".into()),
        ("registered_address", "上海市徐汇区漕溪路 251 号".into()),
        ("district_code", "310104".into()),
        ("wastewater", "氨氮".into()),
        ("wastewater", "总磷".into()),
    ];
    let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = agency.post_form("/filing", &form).await.unwrap();
    assert!(res.status().is_redirection(), "{}", res.status());
    let res = agency.post_form("/filing/submit", &[]).await.unwrap();
    assert!(res.status().is_redirection());
    let own = agency.page("/filing").await.unwrap();
    assert!(own.contains("待一审"), "{own}");
    assert!(
        own.contains("废水：总磷、氨氮") || own.contains("废水：氨氮、总磷"),
        "{own}"
    );
    assert!(
        !own.contains("data-testid=\"save\""),
        "a submitted filing is not editable"
    );
}
