//! 整改单 through the API and the pages: a regulator issues an order from a record's flag, the
//! agency signs for it and answers with a photo and its new record, the regulator returns and
//! accepts it; 逾期 under the moved clock; refusals named next to their fields; scope for the
//! district next door, the other agency and the enterprise; every step on the order's trail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use emss_domain::clock::Clock;
use emss_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn get(t: &TestApp, token: &str, path: &str) -> (StatusCode, Value) {
    t.call(Method::GET, token, path, None).await.unwrap()
}

async fn post(t: &TestApp, token: &str, path: &str, body: Value) -> (StatusCode, Value) {
    t.call(Method::POST, token, path, Some(body)).await.unwrap()
}

/// The demo's record of agency A flagged for a reused photo, which no demo order names yet:
/// (id, number, record).
async fn flagged_record(t: &TestApp, district: &str) -> (String, String, Value) {
    let (_, records) = get(t, district, "/api/v1/records?flag=duplicate_photo").await;
    let r = records["items"][0].clone();
    (
        r["id"]
            .as_str()
            .expect("a record with a reused photo")
            .to_string(),
        r["number"].as_str().unwrap().to_string(),
        r,
    )
}

fn today(t: &TestApp) -> chrono::NaiveDate {
    emss_domain::time::shanghai_date(t.clock.now())
}

#[tokio::test]
async fn an_order_goes_from_a_flag_to_its_closing_and_every_step_is_on_its_trail() {
    let t = TestApp::spawn().await.unwrap();
    let district = t.token("district_a").await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let (record_id, record_number, record) = flagged_record(&t, &district).await;
    let deadline = today(&t) + Duration::days(10);
    let order = json!({
        "agency_id": record["agency_id"], "enterprise_id": record["enterprise_id"],
        "title": "废水总排口运维问题整改", "basis": "《污染源自动监控设施运行管理办法》",
        "deadline": deadline.to_string(),
        "problems": [{"source": "record", "source_id": record_id, "description": "照片重复使用"}],
    });

    // Refused whole, each problem next to its field, nothing stored.
    let mut bad = order.clone();
    bad["deadline"] = json!((today(&t) - Duration::days(1)).to_string());
    bad["problems"] = json!([]);
    bad["basis"] = json!(" ");
    let (status, body) = post(&t, &district, "/api/v1/rectifications", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"]["deadline"], "整改期限不能早于今天");
    assert_eq!(body["fields"]["problems"], "请至少填写一个问题");
    assert_eq!(body["fields"]["basis"], "请填写整改依据");
    let mut foreign = order.clone();
    foreign["problems"][0]["source_id"] = json!("no-such-record");
    let (status, body) = post(&t, &district, "/api/v1/rectifications", foreign).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["problems[0].source_id"],
        "所涉运维记录不存在或不属于该机构"
    );
    // The district next door cannot order about an enterprise outside it.
    let minhang = t.token("district_b").await.unwrap();
    let (status, body) = post(&t, &minhang, "/api/v1/rectifications", order.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["enterprise_id"],
        "该企业不在本区，不能下发整改单"
    );

    // A draft, kept once per Idempotency-Key, seen only by its authority.
    let key = "6f1d2c3b-aaaa-4bbb-8ccc-0123456789ab";
    let mut ids = Vec::new();
    for _ in 0..2 {
        let res = reqwest::Client::new()
            .post(t.url("/api/v1/rectifications"))
            .bearer_auth(&district)
            .header("idempotency-key", key)
            .json(&order)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["state"], "draft");
        assert_eq!(v["number"], "");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids[0], ids[1], "a retry gets the first answer");
    let id = ids[0].clone();
    let path = format!("/api/v1/rectifications/{id}");
    assert_eq!(get(&t, &agency, &path).await.0, StatusCode::NOT_FOUND);
    let city = t.token("city").await.unwrap();
    assert_eq!(get(&t, &city, &path).await.0, StatusCode::NOT_FOUND);

    // 下发: the next number of 浦东's year (the demo holds three).
    let (status, issued) = post(&t, &district, &format!("{path}/issue"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{issued}");
    assert_eq!(
        issued["number"],
        format!("浦东新区整改〔{}〕4号", chrono::Datelike::year(&today(&t)))
    );
    assert_eq!(issued["state"], "issued");

    // Scope: the other district and the other agency do not find it; the enterprise reads it
    // and acts on nothing; the city reads it but only 浦东 accepts it.
    for login in ["district_b", "agency_b", "ent_b"] {
        let token = t.token(login).await.unwrap();
        assert_eq!(
            get(&t, &token, &path).await.0,
            StatusCode::NOT_FOUND,
            "{login}"
        );
        let (_, list) = get(&t, &token, "/api/v1/rectifications").await;
        assert!(
            list["items"]
                .as_array()
                .is_none_or(|l| l.iter().all(|o| o["id"] != id.as_str())),
            "{login}"
        );
    }
    let ent_a = t.token("ent_a").await.unwrap();
    assert_eq!(get(&t, &ent_a, &path).await.0, StatusCode::OK);
    assert_eq!(
        post(&t, &ent_a, &format!("{path}/sign"), json!({})).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(get(&t, &city, &path).await.0, StatusCode::OK);

    // Opening the page is not receipt; answering before signing is refused.
    let (status, body) = post(
        &t,
        &agency,
        &format!("{path}/response"),
        json!({"summary": "x", "problems": []}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["state"], "请先签收整改单，再提交整改情况");
    let (status, signed) = post(&t, &agency, &format!("{path}/sign"), json!({})).await;
    assert_eq!(status, StatusCode::OK, "{signed}");
    assert_eq!(signed["state"], "in_progress");
    assert_eq!(signed["signed_by_name"], "刘洋");

    // Accepting an order not yet answered, an answer without content: refused, field named.
    let (status, body) = post(&t, &district, &format!("{path}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["state"],
        "整改单尚未提交整改情况，不能销号或退回"
    );
    let (_, detail) = get(&t, &agency, &path).await;
    let problem = detail["problems"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        detail["problems"][0]["source_text"]
            .as_str()
            .unwrap()
            .split('（')
            .next(),
        Some(record_number.as_str())
    );
    let (status, body) = post(
        &t,
        &agency,
        &format!("{path}/response"),
        json!({"summary": " ", "problems": [{"problem_id": problem, "measures": "", "record_numbers": ["YW-NONE"]}]}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["summary"], "请填写整改情况");
    assert_eq!(
        body["fields"]["problems[0].measures"],
        "请填写该问题的整改措施"
    );
    assert_eq!(
        body["fields"]["problems[0].record_numbers"],
        "运维编号 YW-NONE 不是本机构已提交的运维记录"
    );

    // The answer with a photo and the record that shows the work.
    let photo = emss_testkit::image_for("work_photo", 77);
    let (status, file) = t
        .upload(
            &agency,
            &format!("{path}/attachments"),
            &[],
            Some(("整改后现场.jpg", photo)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{file}");
    assert_eq!(file["stage"], "response");
    let answer = json!({"summary": "已培训现场人员并重新运维",
        "problems": [{"problem_id": problem, "measures": "现场人员培训，按规程重新运维",
                      "record_numbers": [record_number]}]});
    let (status, answered) = post(&t, &agency, &format!("{path}/response"), answer.clone()).await;
    assert_eq!(status, StatusCode::OK, "{answered}");
    assert_eq!(answered["state"], "submitted");
    assert_eq!(answered["days_late"], 0);

    // 退回 needs its reason, and the order is 整改中 again.
    let (status, body) = post(
        &t,
        &district,
        &format!("{path}/return"),
        json!({"comment": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["comment"], "请填写退回原因");
    let (status, returned) = post(
        &t,
        &district,
        &format!("{path}/return"),
        json!({"comment": "缺少重新校准记录"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(returned["state"], "in_progress");
    assert_eq!(returned["returns"], 1);

    // Past the deadline it counts as 逾期; a late answer is taken and says how late.
    t.clock.advance(Duration::days(13));
    // Sessions end when idle that long: everyone signs in again.
    let district = t.token("district_a").await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let city = t.token("city").await.unwrap();
    let ent_a = t.token("ent_a").await.unwrap();
    let (_, overdue) = get(&t, &district, "/api/v1/rectifications?overdue=true").await;
    assert!(
        overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == id.as_str())
    );
    let (_, late) = post(&t, &agency, &format!("{path}/response"), answer).await;
    assert_eq!(late["state"], "submitted", "{late}");
    assert_eq!(late["days_late"], 3);
    assert_eq!(late["overdue"], false);
    let (status, body) = post(&t, &city, &format!("{path}/accept"), json!({})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["state"],
        "只有下发该整改单的部门可以修改、下发、销号或退回"
    );
    let (status, closed) = post(
        &t,
        &district,
        &format!("{path}/accept"),
        json!({"comment": "整改到位"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(closed["state"], "closed");

    // The trail: who did what, in order; the audit log holds the same entries.
    let (_, detail) = get(&t, &ent_a, &path).await;
    let actions: Vec<&str> = detail["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "保存整改单草稿",
            "下发整改单",
            "签收整改单",
            "上传整改单附件",
            "提交整改情况",
            "退回整改情况",
            "提交整改情况",
            "整改单销号"
        ]
    );
    let trail = detail["trail"].as_array().unwrap();
    assert_eq!(trail[2]["actor"], "刘洋");
    assert_eq!(trail[5]["detail"], "缺少重新校准记录");
    assert_eq!(trail[6]["detail"], "逾期 3 天提交");
    assert_eq!(
        detail["problems"][0]["records"][0]["number"],
        record_number.as_str()
    );
    let auditor = t.browser("auditadmin").await.unwrap();
    let log = auditor
        .page(&format!("/admin/audit?object_id={id}"))
        .await
        .unwrap();
    for action in ["下发整改单", "签收整改单", "退回整改情况", "整改单销号"] {
        assert!(log.contains(action), "{action} in the audit log");
    }
}

/// A new order started from a record is filled from it; a refused save keeps what was typed; the
/// home pages' counts lead to their lists; the list exports.
#[tokio::test]
async fn pages_start_from_a_record_keep_what_was_typed_and_count_what_waits() {
    let t = TestApp::spawn().await.unwrap();
    let district = t.token("district_a").await.unwrap();
    let (record_id, _, _) = flagged_record(&t, &district).await;
    let b = t.browser("district_a").await.unwrap();
    let record_page = b.page(&format!("/records/{record_id}")).await.unwrap();
    assert!(record_page.contains(&format!("/rectifications/new?record_id={record_id}")));
    let form = b
        .page(&format!("/rectifications/new?record_id={record_id}"))
        .await
        .unwrap();
    assert!(
        form.contains("现场时间过短")
            || form.contains("签到位置偏离排口")
            || form.contains("照片重复使用")
    );
    assert!(form.contains(&format!("value=\"{record_id}\"")));
    let res = b
        .post_form(
            "/rectifications",
            &[
                ("title", "我写的标题"),
                ("basis", "我写的依据"),
                ("deadline", "2000-01-01"),
                ("problem_source", "free"),
                ("problem_source_id", ""),
                ("problem_description", "我写的问题"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for typed in [
        "我写的标题",
        "我写的依据",
        "我写的问题",
        "整改期限不能早于今天",
        "请选择被整改的运维机构或自运维企业",
    ] {
        assert!(html.contains(typed), "{typed}");
    }

    // The demo: one order waiting for 销号, one past its deadline; each count is its list.
    let home = b.page("/").await.unwrap();
    for (label, href) in [
        ("待销号整改单", "/rectifications?tab=submitted"),
        ("逾期整改单", "/rectifications?tab=overdue"),
    ] {
        assert!(home.contains(label) && home.contains(href), "{label}");
        let list = b.page(href).await.unwrap();
        assert!(list.contains("总共 1 条记录"), "{href}");
    }
    let agency = t.browser("agency_a").await.unwrap();
    let home = agency.page("/").await.unwrap();
    assert!(home.contains("待处理整改单"));
    // The overdue order, and the one issued from the demo's inspection.
    let list = agency.page("/rectifications?tab=to_answer").await.unwrap();
    assert!(list.contains("总共 2 条记录") && list.contains("逾期"));
    // From a missed week on 运维管理: the order names the occurrence.
    let maintenance = b.page("/tasks/maintenance?window=overdue").await.unwrap();
    let marker = "/rectifications/new?occurrence_id=";
    let start = maintenance
        .find(marker)
        .expect("a 下发整改单 link on a missed row")
        + marker.len();
    let occurrence: String = maintenance[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect();
    let form = b.page(&format!("{marker}{occurrence}")).await.unwrap();
    assert!(
        form.contains("超期未运维："),
        "the missed visit fills the problem"
    );
    let agency_id = t.org_of("agency_a").await.unwrap();
    let ent_a = t.org_of("ent_a").await.unwrap();
    let order = |source_id: &str| {
        json!({"agency_id": agency_id, "enterprise_id": ent_a, "title": "超期未运维整改",
               "basis": "运维合同第三条", "deadline": (today(&t) + Duration::days(7)).to_string(),
               "issue": true,
               "problems": [{"source": "occurrence", "source_id": source_id, "description": "超期未运维"}]})
    };
    let (status, body) = post(&t, &district, "/api/v1/rectifications", order("no-such")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["problems[0].source_id"],
        "所涉运维计划不存在、不属于该机构或并未超期"
    );
    let (status, issued) = post(&t, &district, "/api/v1/rectifications", order(&occurrence)).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    let (_, detail) = get(
        &t,
        &district,
        &format!("/api/v1/rectifications/{}", issued["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(detail["problems"][0]["source"], "occurrence");
    assert!(
        detail["problems"][0]["source_text"]
            .as_str()
            .unwrap()
            .contains(" 至 ")
    );

    let csv = b
        .get("/rectifications/export.csv")
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("\u{feff}序号,整改单编号"));
    assert_eq!(
        csv.lines().count(),
        5,
        "the header, the demo's three orders and this one: {csv}"
    );
}

/// 延期申请: the agency asks for a later deadline; refused with reasons the deadline stays, granted
/// it moves and the order is no longer 逾期 under it; one request waits at a time.
#[tokio::test]
async fn an_extension_moves_the_deadline_only_when_granted() {
    let t = TestApp::spawn().await.unwrap();
    let district = t.token("district_a").await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let (record_id, _, record) = flagged_record(&t, &district).await;
    let day = |n: i64| (today(&t) + Duration::days(n)).to_string();
    let (status, order) = post(
        &t,
        &district,
        "/api/v1/rectifications",
        json!({"agency_id": record["agency_id"], "enterprise_id": record["enterprise_id"],
               "title": "照片重复使用整改", "basis": "运维合同", "deadline": day(5), "issue": true,
               "problems": [{"source": "record", "source_id": record_id, "description": "照片重复"}]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{order}");
    let path = format!("/api/v1/rectifications/{}", order["id"].as_str().unwrap());
    assert_eq!(
        post(&t, &agency, &format!("{path}/sign"), json!({}))
            .await
            .0,
        StatusCode::OK
    );

    let ask = |deadline: String, reason: &str| json!({"deadline": deadline, "reason": reason});
    let (status, body) = post(&t, &agency, &format!("{path}/extensions"), ask(day(3), " ")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["deadline"], "延期后的期限须晚于原整改期限");
    assert_eq!(body["fields"]["reason"], "请填写延期理由");
    let (status, first) = post(
        &t,
        &agency,
        &format!("{path}/extensions"),
        ask(day(20), "备件未到"),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    assert_eq!(first["state"], "pending");
    let (status, body) = post(
        &t,
        &agency,
        &format!("{path}/extensions"),
        ask(day(30), "再延"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["state"],
        "已有延期申请等待审核，请等待监管部门处理"
    );
    let (_, listed) = get(
        &t,
        &district,
        "/api/v1/rectifications?extension_pending=true",
    )
    .await;
    assert!(
        listed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["id"] == order["id"])
    );

    let decide = |id: &str| format!("{path}/extensions/{id}/decision");
    let first_id = first["id"].as_str().unwrap();
    let (status, body) = post(
        &t,
        &district,
        &decide(first_id),
        json!({"decision": "refuse"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["comment"], "请填写不同意延期的理由");
    let (status, refused) = post(
        &t,
        &district,
        &decide(first_id),
        json!({"decision": "refuse", "comment": "期限已较宽裕"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{refused}");
    assert_eq!(refused["deadline"], day(5));
    let (status, body) = post(
        &t,
        &district,
        &decide(first_id),
        json!({"decision": "grant"}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["state"], "该延期申请已处理");

    // The agency asks again a little later.
    t.clock.advance(Duration::minutes(5));
    let (_, second) = post(
        &t,
        &agency,
        &format!("{path}/extensions"),
        ask(day(20), "备件延迟到货"),
    )
    .await;
    let (status, granted) = post(
        &t,
        &district,
        &decide(second["id"].as_str().unwrap()),
        json!({"decision": "grant"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{granted}");
    assert_eq!(granted["deadline"], day(20));

    // Past the first deadline, within the granted one: not 逾期.
    t.clock.advance(Duration::days(10));
    let agency = t.token("agency_a").await.unwrap();
    let (_, detail) = get(&t, &agency, &path).await;
    assert_eq!(detail["overdue"], false);
    let states: Vec<&str> = detail["extensions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["state"].as_str().unwrap())
        .collect();
    assert_eq!(states, ["refused", "granted"]);
    let trail: Vec<&str> = detail["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        trail.iter().filter(|a| **a == "申请延期").count(),
        2,
        "{trail:?}"
    );
    assert!(trail.contains(&"不同意延期") && trail.contains(&"同意延期"));
}

/// The list as an Excel workbook: the same rows as the page, in a sheet named for the list.
#[tokio::test]
async fn the_list_exports_as_a_workbook() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("district_a").await.unwrap();
    let res = b
        .get("/rectifications/export.xlsx?tab=submitted")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book: calamine::Xlsx<_> = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range("整改单").unwrap();
    let rows: Vec<Vec<String>> = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    assert_eq!(rows[0][1], "整改单编号");
    assert_eq!(
        rows.len(),
        2,
        "the header and the one order waiting for 销号"
    );
    assert!(rows[1][1].starts_with("浦东新区整改〔"));
    assert_eq!(rows[1][7], "已提交整改");
}

#[tokio::test]
async fn suggestions_come_once_from_missed_weeks_and_unfollowed_failures_and_not_again_once_dismissed()
 {
    let t = TestApp::spawn().await.unwrap();
    let district = t.token("district_a").await.unwrap();
    // The demo's day: agency A's missed weeks, grouped per enterprise, each naming its evidence.
    let (status, list) = get(&t, &district, "/api/v1/rectifications/suggestions").await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_array().unwrap().clone();
    assert!(!list.is_empty(), "the demo's missed weeks make suggestions");
    for s in &list {
        for p in s["problems"].as_array().unwrap() {
            assert!(!p["source_id"].as_str().unwrap().is_empty());
            assert!(p["description"].as_str().unwrap().starts_with("超期未运维"));
        }
    }
    // The same day again — on this or another instance — makes none.
    assert_eq!(
        emss_app::rectifications::suggestions::run(&t.app)
            .await
            .unwrap(),
        0
    );
    // Other districts and agencies have none of 浦东's.
    for login in ["district_b", "agency_a"] {
        let token = t.token(login).await.unwrap();
        let (status, other) = get(&t, &token, "/api/v1/rectifications/suggestions").await;
        assert!(
            status != StatusCode::OK || other.as_array().unwrap().is_empty(),
            "{login}"
        );
    }

    // Dismissed with its reason, which is kept; a reason is required.
    let first = list[0]["id"].as_str().unwrap().to_string();
    let dismiss = format!("/api/v1/rectifications/suggestions/{first}/dismiss");
    let (status, refused) = post(&t, &district, &dismiss, json!({"reason": " "})).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"]["reason"], "请填写不采纳的理由");
    let (status, dismissed) = post(
        &t,
        &district,
        &dismiss,
        json!({"reason": "已电话督促，下周复查"}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dismissed}");
    assert_eq!(dismissed["state"], "dismissed");
    assert_eq!(dismissed["reason"], "已电话督促，下周复查");
    let dismissed_sources: Vec<String> = list[0]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["source_id"].as_str().unwrap().to_string())
        .collect();

    // A failed result of agency A whose follow-up is overdue.
    let (_, records) = get(&t, &district, "/api/v1/records?flag=duplicate_photo").await;
    let r = &records["items"][0];
    let record_id = r["id"].as_str().unwrap().to_string();
    // 浦东's district code, as the demo's inspection there carries it.
    let (_, inspections) = get(&t, &district, "/api/v1/inspections").await;
    let pudong = inspections["items"][0]["district_code"].as_str().unwrap();
    let now = t.clock.now();
    emss_db::repo::fault::insert(
        &t.app.db().conn,
        emss_db::entity::fault_period::Model {
            id: emss_domain::ids::new_id(),
            kind: "failed".into(),
            state: "open".into(),
            agency_id: r["agency_id"].as_str().unwrap().into(),
            enterprise_id: r["enterprise_id"].as_str().unwrap().into(),
            district_code: pudong.into(),
            outlet_id: r["outlet_id"].as_str().unwrap().into(),
            instrument_id: String::new(),
            parameter: String::new(),
            form_code: r["form_type"].as_str().unwrap().into(),
            reason: "零点漂移 3.1 %F.S.，超出 ±2.5 %F.S.".into(),
            opened_by: record_id.clone(),
            found_at: now - Duration::days(3),
            starts_at: now - Duration::days(3),
            start_rule: "found".into(),
            start_source: "HJ 75-2017".into(),
            due_at: now - Duration::hours(1),
            closed_by: None,
            closed_at: None,
            cancel_reason: None,
            created_at: now - Duration::days(3),
            updated_at: now - Duration::days(3),
        },
    )
    .await
    .unwrap();

    // The next day: the unfollowed failure is proposed; nothing dismissed comes back.
    t.clock.advance(Duration::days(1));
    let district = t.token("district_a").await.unwrap();
    assert!(
        emss_app::rectifications::suggestions::run(&t.app)
            .await
            .unwrap()
            >= 1
    );
    let (_, now_list) = get(&t, &district, "/api/v1/rectifications/suggestions").await;
    let problems: Vec<&Value> = now_list
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["problems"].as_array().unwrap())
        .collect();
    let failure = problems
        .iter()
        .find(|p| p["source"] == "record" && p["source_id"] == record_id.as_str())
        .expect("the failure without its follow-up");
    assert!(
        failure["description"]
            .as_str()
            .unwrap()
            .contains("逾期未跟进")
    );
    assert!(
        problems
            .iter()
            .all(|p| !dismissed_sources.contains(&p["source_id"].as_str().unwrap().to_string())),
        "a dismissed suggestion's evidence is not proposed again"
    );

    // Adopted: a draft order of its problems, to edit and issue; the suggestion is done.
    let suggestion = now_list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| {
            s["problems"]
                .as_array()
                .unwrap()
                .iter()
                .any(|p| p["source_id"] == record_id.as_str())
        })
        .unwrap();
    let id = suggestion["id"].as_str().unwrap();
    let (status, draft) = post(
        &t,
        &district,
        &format!("/api/v1/rectifications/suggestions/{id}/adopt"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["state"], "draft");
    let (_, order) = get(
        &t,
        &district,
        &format!("/api/v1/rectifications/{}", draft["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(
        order["problems"].as_array().unwrap().len(),
        suggestion["problems"].as_array().unwrap().len()
    );
    let (status, again) = post(
        &t,
        &district,
        &format!("/api/v1/rectifications/suggestions/{id}/adopt"),
        json!({}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again}");
}
