//! After filing, through the API: change requests (the agency proposes, the city approves or
//! rejects, the trail keeps every version) and the agency's personnel, equipment and spare parts
//! (ID numbers sealed and masked, a resigned person's login disabled, the "may start tasks" check).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

const PASSWORD: &str = "Lq7#vT2m!Zp9";

fn filing(name: &str, code: &str) -> Value {
    json!({
        "name": name,
        "uscc": code,
        "category": "maintenance",
        "legal_representative": "王建国",
        "contact_name": "李晓明",
        "contact_phone": "13817001234",
        "registered_address": "上海市徐汇区漕溪路 250 号",
        "district_code": "310104",
        "wastewater": ["化学需氧量", "氨氮"],
        "flue_gas": ["二氧化硫"]
    })
}

async fn call(
    t: &TestApp,
    method: Method,
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

async fn login(t: &TestApp, username: &str, password: &str) -> (StatusCode, Value) {
    call(
        t,
        Method::POST,
        None,
        "/api/v1/auth/login",
        Some(json!({"username": username, "password": password})),
    )
    .await
}

/// Registers an agency; with `file`, the city passes both reviews. Returns (org id, token).
async fn agency(t: &TestApp, serial: u32, username: &str, file: bool) -> (String, String) {
    let body = format!("91310104MA1{serial:04}Y3");
    let code = format!(
        "{body}{}",
        emss_domain::uscc::check_character(&body).unwrap()
    );
    let name = format!("上海变更测试{serial}环保科技有限公司");
    let (status, reg) = t
        .register(
            &json!({"filing": filing(&name, &code), "username": username, "password": PASSWORD}),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    let id = reg["org_id"].as_str().unwrap().to_string();
    if file {
        let city = t.token("city").await.unwrap();
        for _ in 0..2 {
            let (status, body) = call(
                t,
                Method::POST,
                Some(&city),
                &format!("/api/v1/agencies/{id}/review"),
                Some(json!({"decision": "pass"})),
            )
            .await;
            assert_eq!(status, StatusCode::OK, "{body}");
        }
    }
    let (status, session) = login(t, username, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    (id, session["token"].as_str().unwrap().to_string())
}

fn labels(change: &Value) -> Vec<String> {
    change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_change_request_is_approved_and_kept_in_the_trail() {
    let t = TestApp::spawn().await.unwrap();
    let (id, token) = agency(&t, 11, "biangeng", true).await;
    let city = t.token("city").await.unwrap();
    let (_, before) = call(&t, Method::GET, Some(&token), "/api/v1/filing", None).await;
    let versions_before = before["trail"].as_array().unwrap().len();

    let mut proposed = filing("ignored", "ignored");
    proposed["name"] = before["agency"]["name"].clone();
    proposed["uscc"] = before["agency"]["uscc"].clone();
    proposed["registered_address"] = json!("上海市闵行区春东路 508 号");
    proposed["flue_gas"] = json!(["二氧化硫", "氮氧化物"]);
    // The same capabilities in another order are no change.
    proposed["wastewater"] = json!(["氨氮", "化学需氧量"]);
    // A blank phone keeps the filed number (it is never shown back).
    proposed["contact_phone"] = json!("");
    let (status, change) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": proposed, "reason": "办公地址搬迁，新增氮氧化物运维能力"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    assert_eq!(change["state"], "pending");
    assert_eq!(labels(&change), ["通讯地址", "废气运维能力"]);
    assert_eq!(change["changes"][0]["before"], "上海市徐汇区漕溪路 250 号");
    assert_eq!(change["changes"][1]["after"], "二氧化硫、氮氧化物");
    assert_eq!(change["changes"].as_array().unwrap().len(), 2);
    let change_id = change["id"].as_str().unwrap().to_string();

    // One request waits at a time; nothing changes before the review.
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": proposed, "reason": "再次申请"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["state"]
            .as_str()
            .unwrap()
            .contains("正在审核")
    );
    let (_, now) = call(
        &t,
        Method::GET,
        Some(&city),
        &format!("/api/v1/agencies/{id}"),
        None,
    )
    .await;
    assert_eq!(
        now["agency"]["registered_address"],
        "上海市徐汇区漕溪路 250 号"
    );

    // The city's queue holds it (and the demo request); a rejection needs a reason; only the
    // filing reviewer decides.
    let (_, queue) = call(
        &t,
        Method::GET,
        Some(&city),
        "/api/v1/change-requests",
        None,
    )
    .await;
    assert_eq!(queue["total"], 2, "{queue}");
    assert!(
        queue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == change_id.as_str() && c["agency_id"] == id.as_str())
    );
    let decision = format!("/api/v1/change-requests/{change_id}/decision");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&city),
        &decision,
        Some(json!({"decision": "reject"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["comment"], "驳回须填写原因");
    let district = t.token("district_a").await.unwrap();
    let (status, _) = call(
        &t,
        Method::POST,
        Some(&district),
        &decision,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "an object route answers 404");

    let (status, approved) = call(
        &t,
        Method::POST,
        Some(&city),
        &decision,
        Some(json!({"decision": "approve", "comment": "同意"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{approved}");
    assert_eq!(approved["state_label"], "已通过");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&city),
        &decision,
        Some(json!({"decision": "reject", "comment": "重复"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["fields"]["state"].as_str().unwrap().contains("已审核"));

    // The filing took the values, kept its state and phone, and the trail has the new version.
    let (_, after) = call(&t, Method::GET, Some(&token), "/api/v1/filing", None).await;
    let a = &after["agency"];
    assert_eq!(a["registered_address"], "上海市闵行区春东路 508 号");
    assert_eq!(a["flue_gas"], json!(["二氧化硫", "氮氧化物"]));
    assert_eq!(a["filing_state"], "filed");
    assert_eq!(a["contact_phone"], "138****1234");
    let trail = after["trail"].as_array().unwrap();
    assert_eq!(trail.len(), versions_before + 1);
    let last = trail.last().unwrap();
    assert_eq!(last["event"], "filing.change_approve");
    assert_eq!(last["event_label"], "备案变更申请通过");
    assert_eq!(
        last["snapshot"]["registered_address"],
        "上海市闵行区春东路 508 号"
    );
    assert_eq!(
        trail[trail.len() - 2]["snapshot"]["registered_address"],
        "上海市徐汇区漕溪路 250 号",
        "the earlier version is kept as it was"
    );
    let (_, own) = call(
        &t,
        Method::GET,
        Some(&token),
        "/api/v1/filing/changes",
        None,
    )
    .await;
    assert_eq!(own[0]["state"], "approved");
    assert_eq!(own[0]["decision_comment"], "同意");

    // Proposing what is already filed is refused; a rejected request changes nothing.
    let mut same = proposed.clone();
    same["registered_address"] = json!("上海市闵行区春东路 508 号");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": same, "reason": "核对"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["state"], "没有修改任何备案信息，无需申请变更");
    let mut renamed = same.clone();
    renamed["name"] = json!("上海改名后环保科技有限公司");
    let (status, change) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": renamed, "reason": "更名"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    let (status, rejected) = call(
        &t,
        Method::POST,
        Some(&city),
        &format!(
            "/api/v1/change-requests/{}/decision",
            change["id"].as_str().unwrap()
        ),
        Some(json!({"decision": "reject", "comment": "请上传工商变更登记材料"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{rejected}");
    assert_eq!(rejected["state_label"], "已驳回");
    let (_, after) = call(&t, Method::GET, Some(&token), "/api/v1/filing", None).await;
    assert_eq!(after["agency"]["name"], a["name"]);
    assert_eq!(after["trail"].as_array().unwrap().len(), trail.len());
}

#[tokio::test]
async fn a_change_request_needs_a_filed_agency_and_a_valid_filing() {
    let t = TestApp::spawn().await.unwrap();
    let (_, pending) = agency(&t, 12, "weibeian", false).await;
    let body = json!({"filing": filing("x", "y"), "reason": "变更"});
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&pending),
        "/api/v1/filing/changes",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["state"]
            .as_str()
            .unwrap()
            .contains("尚未通过审核")
    );

    let (_, token) = agency(&t, 13, "yibeian", true).await;
    let (_, own) = call(&t, Method::GET, Some(&token), "/api/v1/filing", None).await;
    let mut proposed = filing("x", "y");
    proposed["name"] = own["agency"]["name"].clone();
    proposed["uscc"] = json!("91310104MA1000000X");
    proposed["contact_phone"] = json!("12345");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": proposed, "reason": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &err["fields"];
    assert_eq!(fields["reason"], "请填写变更原因");
    assert_eq!(fields["contact_phone"], "请输入 11 位手机号码");
    assert!(fields["uscc"].is_string(), "{err}");
    let (_, none) = call(
        &t,
        Method::GET,
        Some(&token),
        "/api/v1/filing/changes",
        None,
    )
    .await;
    assert_eq!(none, json!([]), "nothing half-saved");
}

fn person(name: &str, id_number: &str) -> Value {
    json!({"name": name, "gender": "female", "id_number": id_number, "education": "大学本科",
        "post": "运维工程师", "technician": true, "title": "工程师"})
}

#[tokio::test]
async fn personnel_equipment_and_spare_parts_of_a_filed_agency() {
    let t = TestApp::spawn().await.unwrap();
    let (submitted_id, submitted) = agency(&t, 21, "renyuan0", false).await;
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&submitted),
        "/api/v1/filing/staff",
        Some(person("王芳", "11010519491231002X")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(err["fields"]["state"].as_str().unwrap().contains("二审"));
    let (_, res) = call(
        &t,
        Method::GET,
        Some(&submitted),
        &format!("/api/v1/agencies/{submitted_id}/resources"),
        None,
    )
    .await;
    assert_eq!(res["can_start_tasks"], false);

    let (id, token) = agency(&t, 22, "renyuan", true).await;
    let resources = format!("/api/v1/agencies/{id}/resources");
    let (_, res) = call(&t, Method::GET, Some(&token), &resources, None).await;
    assert_eq!(res["can_start_tasks"], false);
    assert_eq!(
        res["task_start_problem"],
        "机构尚无在职人员，请先在“人员管理”中登记人员"
    );

    // Bad input: a wrong check character, a technician without a title.
    let mut bad = person("王芳", "110105194912310021");
    bad["title"] = json!("");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/staff",
        Some(bad),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["id_number"]
            .as_str()
            .unwrap()
            .contains("校验码")
    );
    assert_eq!(err["fields"]["title"], "专业技术人员须填写职称");

    let (status, staff) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/staff",
        Some(person("王芳", "11010519491231002x")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{staff}");
    assert_eq!(staff["id_number"], "110***********002X");
    assert_eq!(staff["gender_label"], "女");
    let staff_id = staff["id"].as_str().unwrap().to_string();
    let row = emss_db::repo::agency_resources::staff_member(&t.app.db().conn, &id, &staff_id)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.id_number_cipher.contains("19491231"), "sealed at rest");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/staff",
        Some(person("王芳二", "11010519491231002X")),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["id_number"],
        "该身份证号码的人员已登记（王芳）"
    );
    let (_, res) = call(&t, Method::GET, Some(&token), &resources, None).await;
    assert_eq!(res["can_start_tasks"], true, "{res}");

    // Her login: tied to the record, disabled when she leaves.
    let (status, account) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/accounts",
        Some(json!({"username": "wangfang", "name": "王芳", "roles": ["filer"]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{account}");
    let one_time = account["one_time_password"].as_str().unwrap().to_string();
    let (status, _) = login(&t, "wangfang", &one_time).await;
    assert_eq!(status, StatusCode::OK);
    let mut linked = person("王芳", "");
    linked["account_id"] = account["id"].clone();
    let (status, body) = call(
        &t,
        Method::PUT,
        Some(&token),
        &format!("/api/v1/filing/staff/{staff_id}"),
        Some(linked.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body["id_number"], "110***********002X",
        "a blank number keeps it"
    );
    linked["resigned"] = json!(true);
    let (status, err) = call(
        &t,
        Method::PUT,
        Some(&token),
        &format!("/api/v1/filing/staff/{staff_id}"),
        Some(linked.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["resigned_on"], "请填写离职日期（年-月-日）");
    linked["resigned_on"] = json!(emss_domain::time::shanghai_date(t.app.now()).to_string());
    let (status, body) = call(
        &t,
        Method::PUT,
        Some(&token),
        &format!("/api/v1/filing/staff/{staff_id}"),
        Some(linked),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _) = login(&t, "wangfang", &one_time).await;
    assert_ne!(status, StatusCode::OK, "a resigned person cannot sign in");
    let (_, res) = call(&t, Method::GET, Some(&token), &resources, None).await;
    assert_eq!(res["can_start_tasks"], false, "nobody active is left");

    // Equipment and spare parts.
    let device = json!({"device_no": "SB-9", "name": "便携式烟气分析仪", "serial_no": "A1",
        "model": "崂应 3012H"});
    let (status, equipment) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/equipment",
        Some(device.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{equipment}");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/equipment",
        Some(device),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["device_no"], "该设备编号已登记");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/spare-parts",
        Some(json!({"name": "蠕动泵管", "model": "Φ2.79", "quantity": -1, "unit": "根"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        err["fields"]["quantity"],
        "数量须为 0 到 1000000 之间的整数"
    );
    let (status, _) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/spare-parts",
        Some(json!({"name": "蠕动泵管", "model": "Φ2.79", "quantity": 12, "unit": "根"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);

    // Another agency reaches none of it; a regulator reads it, masked.
    let other = t.token("agency_b").await.unwrap();
    let (status, _) = call(
        &t,
        Method::DELETE,
        Some(&other),
        &format!(
            "/api/v1/filing/equipment/{}",
            equipment["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&t, Method::GET, Some(&other), &resources, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let district = t.token("district_a").await.unwrap();
    let (status, seen) = call(&t, Method::GET, Some(&district), &resources, None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["staff"][0]["id_number"], "110***********002X");
    assert_eq!(seen["equipment"][0]["device_no"], "SB-9");
    assert_eq!(seen["spare_parts"][0]["quantity"], 12);
    let text = serde_json::to_string(&seen).unwrap();
    assert!(!text.contains("19491231"));

    let (status, _) = call(
        &t,
        Method::DELETE,
        Some(&token),
        &format!(
            "/api/v1/filing/equipment/{}",
            equipment["id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (_, res) = call(&t, Method::GET, Some(&token), &resources, None).await;
    assert_eq!(res["equipment"], json!([]));
}

fn document(kind: &str, name: &str, bytes: Vec<u8>) -> (String, reqwest::multipart::Part) {
    (
        kind.to_string(),
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

async fn register_multipart(
    t: &TestApp,
    registration: &Value,
    documents: Vec<(String, reqwest::multipart::Part)>,
) -> (StatusCode, Value) {
    let mut form = reqwest::multipart::Form::new().text("registration", registration.to_string());
    for (kind, part) in documents {
        form = form.part(kind, part);
    }
    let res = reqwest::Client::new()
        .post(t.url("/api/v1/registrations"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

const PNG: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0];

#[tokio::test]
async fn filing_documents_are_checked_kept_and_shown_only_to_those_who_may() {
    let t = TestApp::spawn().await.unwrap();
    let code = {
        let body = "91310104MA1D0C01Y";
        format!(
            "{body}{}",
            emss_domain::uscc::check_character(body).unwrap()
        )
    };
    let registration = json!({"filing": filing("上海附件测试环保科技有限公司", &code), "username": "fujian",
            "password": PASSWORD});

    // Submitting needs the documents; a program file named .pdf and an oversize scan are refused,
    // each next to its field, and nothing is created.
    let (status, err) = call(
        &t,
        Method::POST,
        None,
        "/api/v1/registrations",
        Some(registration.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["business_licence"], "请上传营业执照");
    assert_eq!(err["fields"]["commitment_letter"], "请上传承诺书");
    assert!(
        err["fields"]["cma_certificate"].is_null(),
        "a maintenance agency files no CMA"
    );
    let mut oversize = emss_testkit::SAMPLE_PDF.to_vec();
    oversize.resize(10 * 1024 * 1024 + 1, b' ');
    let (status, err) = register_multipart(
        &t,
        &registration,
        vec![
            document(
                "business_licence",
                "营业执照.pdf",
                b"MZ\x90\x00program".to_vec(),
            ),
            document("commitment_letter", "承诺书.pdf", oversize),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(
        err["fields"]["business_licence"],
        "只能上传 PDF、JPG 或 PNG 文件"
    );
    assert_eq!(err["fields"]["commitment_letter"], "文件不能超过 10 MB");

    // A draft adds its documents, then submits.
    let mut draft = registration.clone();
    draft["submit"] = json!(false);
    let (status, reg) = call(&t, Method::POST, None, "/api/v1/registrations", Some(draft)).await;
    assert_eq!(status, StatusCode::CREATED, "{reg}");
    assert_eq!(reg["state"], "draft");
    let id = reg["org_id"].as_str().unwrap().to_string();
    let (_, session) = login(&t, "fujian", PASSWORD).await;
    let token = session["token"].as_str().unwrap().to_string();
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/submit",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["commitment_letter"], "请上传承诺书");
    let upload = |kind: &'static str, name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new().text("kind", kind).part(
            "file",
            reqwest::multipart::Part::bytes(bytes).file_name(name),
        );
        reqwest::Client::new()
            .post(t.url("/api/v1/filing/attachments"))
            .bearer_auth(&token)
            .multipart(form)
            .send()
    };
    // The name keeps its stem but takes the extension of what the file really is.
    let res = upload("business_licence", "C:\\扫描件\\执照.bat", PNG.to_vec())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let licence: Value = res.json().await.unwrap();
    assert_eq!(licence["content_type"], "image/png");
    assert_eq!(licence["file_name"], "执照.png");
    assert_eq!(licence["kind_label"], "营业执照");
    let res = upload(
        "commitment_letter",
        "承诺书.pdf",
        emss_testkit::SAMPLE_PDF.to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    let (status, body) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/submit",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let res = upload(
        "commitment_letter",
        "新承诺书.pdf",
        emss_testkit::SAMPLE_PDF.to_vec(),
    )
    .await
    .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "fixed once submitted"
    );

    // The reviewer sees and downloads them; the public and other agencies do not.
    let city = t.token("city").await.unwrap();
    let (_, seen) = call(
        &t,
        Method::GET,
        Some(&city),
        &format!("/api/v1/agencies/{id}"),
        None,
    )
    .await;
    let docs = seen["agency"]["attachments"].as_array().unwrap();
    assert_eq!(docs.len(), 2, "{seen}");
    let file = format!(
        "/api/v1/agencies/{id}/attachments/{}",
        licence["id"].as_str().unwrap()
    );
    let res = reqwest::Client::new()
        .get(t.url(&file))
        .bearer_auth(&city)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "image/png");
    assert_eq!(
        res.headers()["content-disposition"],
        "attachment; filename=\"document.png\"; filename*=UTF-8''%E6%89%A7%E7%85%A7.png"
    );
    assert_eq!(res.bytes().await.unwrap().as_ref(), PNG);
    let other = t.token("agency_b").await.unwrap();
    let (status, _) = call(&t, Method::GET, Some(&other), &file, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&t, Method::GET, None, &file, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_proposed_phone_survives_a_key_rotation() {
    let t = TestApp::spawn().await.unwrap();
    let (id, token) = agency(&t, 31, "lunhuan", true).await;
    let (_, own) = call(&t, Method::GET, Some(&token), "/api/v1/filing", None).await;
    let mut proposed = filing("x", "y");
    proposed["name"] = own["agency"]["name"].clone();
    proposed["uscc"] = own["agency"]["uscc"].clone();
    proposed["contact_phone"] = json!("139 1700 8888");
    let (status, change) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": proposed, "reason": "联系电话变更"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    assert_eq!(labels(&change), ["联系电话"]);
    assert_eq!(change["changes"][0]["after"], "139****8888");

    t.app.rotate_data_key().await.unwrap();
    let city = t.token("city").await.unwrap();
    let (status, _) = call(
        &t,
        Method::POST,
        Some(&city),
        &format!(
            "/api/v1/change-requests/{}/decision",
            change["id"].as_str().unwrap()
        ),
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let f = emss_db::repo::filing::get(&t.app.db().conn, &id)
        .await
        .unwrap()
        .unwrap();
    let phone = t
        .app
        .open(
            &format!("filing/contact_phone/{id}"),
            &f.contact_phone_key,
            &f.contact_phone_cipher,
        )
        .unwrap();
    assert_eq!(phone, "13917008888");

    // The same number again is no change; another number under the same mask is one.
    proposed["contact_phone"] = json!("13917008888");
    let (status, err) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": proposed, "reason": "核对"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    proposed["contact_phone"] = json!("13912348888");
    let (status, change) = call(
        &t,
        Method::POST,
        Some(&token),
        "/api/v1/filing/changes",
        Some(json!({"filing": proposed, "reason": "换号"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    assert_eq!(change["changes"][0]["before"], "139****8888");
    assert_eq!(change["changes"][0]["after"], "139****8888（新号码）");
}
