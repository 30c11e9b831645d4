//! Contracts through the API and the pages: drafting with exact amounts and a forward period,
//! submission, party A sending back and confirming, the trail (查看留痕), and who sees which.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// `TestApp::call`, failing the test on a transport error.
async fn call(
    t: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    t.call(method, token, path, body).await.unwrap()
}

async fn org_of(t: &TestApp, username: &str) -> String {
    t.org_of(username).await.unwrap()
}

fn contract(enterprise: &str, amount: &str, start: &str, end: &str) -> Value {
    json!({"enterprise_id": enterprise, "title": "废水在线监测设备运维合同（测试）",
        "nature": "maintenance", "amount": amount, "performance_start": start,
        "performance_end": end})
}

#[tokio::test]
async fn a_contract_is_drafted_sent_back_corrected_and_confirmed_by_party_a() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let ent_a = org_of(&t, "ent_a").await;
    let agency_b = org_of(&t, "agency_b").await;
    let (_, before) = call(&t, Method::GET, &agency, "/api/v1/contracts", None).await;

    // Bad input, every problem next to its field, nothing created.
    let mut bad = contract(&agency_b, "12800.505", "2027-06-30", "2027-01-01");
    bad["nature"] = json!("");
    let (status, err) = call(&t, Method::POST, &agency, "/api/v1/contracts", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let f = &err["fields"];
    assert_eq!(f["enterprise_id"], "请选择甲方（排污企业）");
    assert_eq!(f["amount"], "合同金额最多两位小数（精确到分）");
    assert_eq!(f["performance_end"], "履行结束时间不能早于开始时间");
    assert_eq!(f["nature"], "请选择合同性质（监测或运维）");
    let (_, after) = call(&t, Method::GET, &agency, "/api/v1/contracts", None).await;
    assert_eq!(after["total"], before["total"]);

    let (status, c) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/contracts",
        Some(contract(&ent_a, "12,800.5", "2027-01-01", "2027-12-31")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(
        (c["state"].as_str(), c["amount"].as_str()),
        (Some("draft"), Some("12800.50"))
    );
    let id = c["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/contracts/{id}");
    let (status, _) = call(&t, Method::POST, &agency, &format!("{path}/submit"), None).await;
    assert_eq!(status, StatusCode::OK);
    let (status, err) = call(
        &t,
        Method::PUT,
        &agency,
        &path,
        Some(contract(&ent_a, "13000", "2027-01-01", "2027-12-31")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "submitted: not editable"
    );
    assert!(
        err["fields"]["state"]
            .as_str()
            .unwrap()
            .contains("不能直接修改")
    );

    // Only party A decides; another enterprise does not even see it.
    let ent_b = t.token("ent_b").await.unwrap();
    let (status, _) = call(&t, Method::GET, &ent_b, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(
        &t,
        Method::POST,
        &ent_b,
        &format!("{path}/decision"),
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let party_a = t.token("ent_a").await.unwrap();
    let decision = format!("{path}/decision");
    let (status, err) = call(
        &t,
        Method::POST,
        &party_a,
        &decision,
        Some(json!({"decision": "reject"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["reason"], "退回须填写原因");
    let (status, sent_back) = call(
        &t,
        Method::POST,
        &party_a,
        &decision,
        Some(json!({"decision": "reject", "reason": "金额应为 13000 元"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(sent_back["state_label"], "已退回");

    // The agency corrects and resubmits; party A confirms.
    let (status, _) = call(
        &t,
        Method::PUT,
        &agency,
        &path,
        Some(contract(&ent_a, "13000", "2027-01-01", "2027-12-31")),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    call(&t, Method::POST, &agency, &format!("{path}/submit"), None).await;
    let (status, done) = call(
        &t,
        Method::POST,
        &party_a,
        &decision,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "approved");
    let (status, _) = call(
        &t,
        Method::PUT,
        &agency,
        &path,
        Some(contract(&ent_a, "1", "2027-01-01", "2027-12-31")),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "approved: change request only"
    );

    // 查看留痕: every version, the earlier amount kept.
    let (_, detail) = call(&t, Method::GET, &agency, &path, None).await;
    let events: Vec<&str> = detail["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "contract.create",
            "contract.submit",
            "contract.reject",
            "contract.update",
            "contract.submit",
            "contract.approve"
        ]
    );
    assert_eq!(detail["trail"][0]["snapshot"]["amount"], "12800.50");
    assert_eq!(detail["contract"]["amount"], "13000.00");

    // Regulators: ent_a's district and the city see it (甲方 filter); another district does not.
    let district_a = t.token("district_a").await.unwrap();
    let (status, _) = call(&t, Method::GET, &district_a, &path, None).await;
    assert_eq!(status, StatusCode::OK);
    let district_b = t.token("district_b").await.unwrap();
    let (status, _) = call(&t, Method::GET, &district_b, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let city = t.token("city").await.unwrap();
    let (_, mine) = call(
        &t,
        Method::GET,
        &city,
        &format!("/api/v1/contracts?enterprise_id={ent_a}&page_size=100"),
        None,
    )
    .await;
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == id.as_str())
    );
    assert!(
        mine["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["enterprise_id"] == ent_a.as_str())
    );
    let other = t.token("agency_b").await.unwrap();
    let (status, _) = call(&t, Method::GET, &other, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn party_a_confirms_on_the_pages() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.browser("agency_a").await.unwrap();
    let ent_a = org_of(&t, "ent_a").await;
    let res = agency
        .post_form(
            "/contracts",
            &[
                ("enterprise_id", ent_a.as_str()),
                ("title", "烟气 CEMS 运维合同（页面）"),
                ("nature", "maintenance"),
                ("amount", "9650.555"),
                ("performance_start", "2027-01-01"),
                ("performance_end", "2027-12-31"),
                ("submit", "1"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("合同金额最多两位小数（精确到分）")
            && html.contains("烟气 CEMS 运维合同（页面）")
    );
    let res = agency
        .post_form(
            "/contracts",
            &[
                ("enterprise_id", ent_a.as_str()),
                ("title", "烟气 CEMS 运维合同（页面）"),
                ("nature", "maintenance"),
                ("amount", "9650.55"),
                ("performance_start", "2027-01-01"),
                ("performance_end", "2027-12-31"),
                ("submit", "1"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let at = res.headers()["location"].to_str().unwrap().to_string();
    let path = at.split('?').next().unwrap().to_string();
    assert!(agency.page(&path).await.unwrap().contains("待甲方确认"));

    // Party A's home page counts what waits for it.
    let party_a = t.browser("ent_a").await.unwrap();
    let home = party_a.page("/").await.unwrap();
    assert!(home.contains("待确认合同 <strong>1</strong>"), "{home}");
    assert!(
        home.contains("待审核合同变更 <strong>1</strong>"),
        "the demo change"
    );
    // Its 甲方 filter offers itself only, not every enterprise of the city.
    let ent_b = org_of(&t, "ent_b").await;
    let list = party_a.page("/contracts").await.unwrap();
    assert!(list.contains(&format!("value=\"{ent_a}\"")));
    assert!(
        !list.contains(&format!("value=\"{ent_b}\"")),
        "no other party A offered"
    );
    assert!(
        party_a
            .page("/contracts")
            .await
            .unwrap()
            .contains("烟气 CEMS 运维合同（页面）")
    );
    let res = party_a
        .post_form(&format!("{path}/decision"), &[("decision", "approve")])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = party_a.page(&format!("{path}?done=approve")).await.unwrap();
    assert!(
        page.contains("已确认合同") && page.contains("甲方确认合同"),
        "{page}"
    );

    // A change on the page: the agency proposes, party A approves it there.
    let res = agency
        .post_form(
            &format!("{path}/changes"),
            &[
                ("enterprise_id", ent_a.as_str()),
                ("title", "烟气 CEMS 运维合同（页面）"),
                ("nature", "maintenance"),
                ("amount", "9900"),
                ("performance_start", "2027-01-01"),
                ("performance_end", "2027-12-31"),
                ("reason", "增加点位"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = party_a.page(&path).await.unwrap();
    assert!(page.contains("9650.55 → 9900.00"), "{page}");
    let start = page.find("/changes/").unwrap() + "/changes/".len();
    let change_id = page[start..start + 32].to_string();
    let res = party_a
        .post_form(
            &format!("{path}/changes/{change_id}/decision"),
            &[("decision", "approve")],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = agency.page(&path).await.unwrap();
    assert!(
        page.contains("9900.00") && page.contains("合同变更申请通过"),
        "{page}"
    );
}

#[tokio::test]
async fn a_confirmed_contract_changes_only_through_a_request_party_a_approves() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let party_a = t.token("ent_a").await.unwrap();
    let ent_a = org_of(&t, "ent_a").await;
    let ent_b = org_of(&t, "ent_b").await;
    let (_, c) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/contracts",
        Some({
            let mut b = contract(&ent_a, "20000", "2027-01-01", "2027-12-31");
            b["submit"] = json!(true);
            b
        }),
    )
    .await;
    let path = format!("/api/v1/contracts/{}", c["id"].as_str().unwrap());
    call(
        &t,
        Method::POST,
        &party_a,
        &format!("{path}/decision"),
        Some(json!({"decision": "approve"})),
    )
    .await;

    // Party A stays; a reason is needed; the change lists what changes.
    let mut proposed = contract(&ent_b, "25000", "2027-01-01", "2028-06-30");
    let (status, err) = call(
        &t,
        Method::POST,
        &agency,
        &format!("{path}/changes"),
        Some(json!({"contract": proposed, "reason": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["reason"], "请填写变更原因");
    assert_eq!(
        err["fields"]["enterprise_id"],
        "甲方不能变更；如更换甲方，请另签合同"
    );
    proposed["enterprise_id"] = json!(ent_a);
    let (status, change) = call(
        &t,
        Method::POST,
        &agency,
        &format!("{path}/changes"),
        Some(json!({"contract": proposed, "reason": "增加运维点位，延长履行期"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    let labels: Vec<&str> = change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["合同金额（元）", "履行结束时间"]);
    let (status, _) = call(
        &t,
        Method::POST,
        &agency,
        &format!("{path}/changes"),
        Some(json!({"contract": proposed, "reason": "再次"})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "one waits at a time"
    );

    // Nothing changes before party A decides; another enterprise cannot decide.
    let (_, before) = call(&t, Method::GET, &agency, &path, None).await;
    assert_eq!(before["contract"]["amount"], "20000.00");
    let decision = format!("{path}/changes/{}/decision", change["id"].as_str().unwrap());
    let ent_b_token = t.token("ent_b").await.unwrap();
    let (status, _) = call(
        &t,
        Method::POST,
        &ent_b_token,
        &decision,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, done) = call(
        &t,
        Method::POST,
        &party_a,
        &decision,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{done}");
    let (_, after) = call(&t, Method::GET, &agency, &path, None).await;
    assert_eq!(after["contract"]["amount"], "25000.00");
    assert_eq!(after["contract"]["performance_end"], "2028-06-30");
    assert_eq!(after["contract"]["state"], "approved");
    let trail = after["trail"].as_array().unwrap();
    assert_eq!(trail.last().unwrap()["event"], "contract.change_approve");
    assert_eq!(
        trail[trail.len() - 2]["snapshot"]["amount"],
        "20000.00",
        "the earlier version is kept"
    );
    let (_, changes) = call(&t, Method::GET, &agency, &format!("{path}/changes"), None).await;
    assert_eq!(changes[0]["state"], "approved");
}

async fn attach(
    t: &TestApp,
    token: &str,
    contract: &str,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, Value) {
    let path = format!("/api/v1/contracts/{contract}/attachments");
    t.upload(token, &path, &[], Some((name, bytes.to_vec())))
        .await
        .unwrap()
}

#[tokio::test]
async fn a_contract_carries_its_files_until_it_is_submitted() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let ent_a = org_of(&t, "ent_a").await;
    let (_, c) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/contracts",
        Some(contract(&ent_a, "36000", "2027-01-01", "2027-12-31")),
    )
    .await;
    let id = c["id"].as_str().unwrap().to_string();

    let (status, err) = attach(&t, &agency, &id, "合同.pdf", b"MZ\x90\x00 not a pdf").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["file"]
            .as_str()
            .unwrap()
            .starts_with("只能上传 PDF"),
        "{err}"
    );
    let (status, a) = attach(
        &t,
        &agency,
        &id,
        "C:\\扫描\\合同扫描件.PDF",
        emss_testkit::SAMPLE_PDF,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(a["file_name"], "合同扫描件.pdf");

    let (_, submitted) = call(
        &t,
        Method::POST,
        &agency,
        &format!("/api/v1/contracts/{id}/submit"),
        None,
    )
    .await;
    assert_eq!(submitted["state"], "submitted");
    let (status, err) = attach(&t, &agency, &id, "补充.pdf", emss_testkit::SAMPLE_PDF).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["file"]
            .as_str()
            .unwrap()
            .contains("不能再添加附件")
    );

    // Party A sees what it confirms; another enterprise does not.
    let party = t.token("ent_a").await.unwrap();
    let (_, detail) = call(
        &t,
        Method::GET,
        &party,
        &format!("/api/v1/contracts/{id}"),
        None,
    )
    .await;
    assert_eq!(
        detail["attachments"].as_array().unwrap().len(),
        1,
        "{detail}"
    );
    let file = format!(
        "/api/v1/contracts/{id}/attachments/{}",
        a["id"].as_str().unwrap()
    );
    let res = reqwest::Client::new()
        .get(t.url(&file))
        .bearer_auth(&party)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.bytes().await.unwrap().as_ref(),
        emss_testkit::SAMPLE_PDF
    );
    let other = t.token("ent_b").await.unwrap();
    let res = reqwest::Client::new()
        .get(t.url(&file))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}
