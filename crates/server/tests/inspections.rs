//! 监督检查 through the API and the pages: a 比对抽测 judged at its band edges with the limit and
//! its source, a failed comparison as a finding and an order issued from it; refusals next to
//! their fields; a planned inspection unseen by the inspected until recorded on its day; scope
//! for the district next door, the other agency and the enterprises; the steps on the trail.
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

fn today(t: &TestApp) -> chrono::NaiveDate {
    emss_domain::time::shanghai_date(t.clock.now())
}

/// The scene of the demo's inspection (agency A's wastewater outlet in 浦东): (task, outlet,
/// instrument id by parameter).
async fn scene(t: &TestApp, district: &str) -> (String, String, Vec<(String, String)>) {
    let (_, list) = get(t, district, "/api/v1/inspections").await;
    let i = &list["items"][0];
    let outlet = i["outlet_id"].as_str().unwrap().to_string();
    let (_, instruments) = get(
        t,
        district,
        &format!("/api/v1/outlets/{outlet}/instruments"),
    )
    .await;
    let instruments = instruments
        .as_array()
        .or(instruments["items"].as_array())
        .unwrap()
        .iter()
        .map(|x| {
            (
                x["parameter"].as_str().unwrap().to_string(),
                x["id"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    (
        i["task_id"].as_str().unwrap().to_string(),
        outlet,
        instruments,
    )
}

fn instrument(instruments: &[(String, String)], parameter: &str) -> String {
    instruments
        .iter()
        .find(|(p, _)| p == parameter)
        .map(|(_, id)| id.clone())
        .unwrap_or_else(|| panic!("no {parameter} analyser"))
}

/// Every item of the comparison checklist answered 符合.
fn all_conform() -> Value {
    let lists = emss_app::inspections::checklists().unwrap();
    let c = lists
        .iter()
        .find(|c| c.kind.as_str() == "comparison")
        .unwrap();
    Value::Array(
        c.items
            .iter()
            .map(|i| json!({"id": i.id, "answer": "conform"}))
            .collect(),
    )
}

#[tokio::test]
async fn a_comparison_is_judged_at_its_band_edges_and_its_failure_becomes_an_order() {
    let t = TestApp::spawn().await.unwrap();
    let district = t.token("district_a").await.unwrap();
    let (task, outlet, instruments) = scene(&t, &district).await;
    let cod = instrument(&instruments, "化学需氧量");
    let nh3n = instrument(&instruments, "氨氮");
    let (_, me) = get(&t, &district, "/api/v1/me").await;
    let me = me["id"]
        .as_str()
        .or(me["account_id"].as_str())
        .unwrap()
        .to_string();
    let at = (t.clock.now() - Duration::minutes(30)).to_rfc3339();
    let reading = |instrument: &str, item: &str, reference: &str, measured: &str| {
        json!({"instrument_id": instrument, "limit_id": item, "reference": reference,
               "measured": measured, "sampled_at": at})
    };
    let body = json!({
        "kind": "comparison", "inspected_on": today(&t).to_string(),
        "task_id": task, "outlet_id": outlet, "inspector_ids": [me],
        "results": {
            "checklist": all_conform(),
            "summary": "区监测站同步采样比对",
            "comparisons": [
                // 30 mg/L is the relative band's own edge: 30 % passes.
                reading(&cod, "cod", "30", "39"),
                // Just below it the absolute band holds: 5.1 mg/L fails ±5.
                reading(&cod, "cod", "29.9", "35.0"),
                // Ammonia at 2 mg/L: ±15 %, 15 % passes.
                reading(&nh3n, "nh3n", "2", "2.3"),
            ],
            "findings": [{"subject": "other", "severity": "minor", "description": "站房温度偏高"}],
        },
    });

    // Refused whole, each problem next to its field, nothing stored.
    let mut bad = body.clone();
    bad["results"]["summary"] = json!("");
    bad["results"]["checklist"] = json!([]);
    bad["results"]["comparisons"][0]["measured"] = json!("三十九");
    bad["results"]["comparisons"][1]["limit_id"] = json!("no-such-item");
    bad["inspected_on"] = json!((today(&t) + Duration::days(1)).to_string());
    let (status, refused) = post(&t, &district, "/api/v1/inspections", bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let fields = &refused["fields"];
    assert_eq!(fields["summary"], "请填写检查情况");
    assert_eq!(fields["checklist[0].answer"], "请选择检查结果");
    assert_eq!(fields["comparisons[0].measured"], "须为数字");
    assert_eq!(fields["comparisons[1].limit_id"], "请选择比对项目");
    assert!(
        fields["inspected_on"]
            .as_str()
            .unwrap()
            .contains("不能晚于今天")
    );
    let (_, before) = get(&t, &district, "/api/v1/inspections").await;
    assert_eq!(before["total"], 1, "nothing stored");
    // The district next door does not find the task.
    let minhang = t.token("district_b").await.unwrap();
    let (status, refused) = post(&t, &minhang, "/api/v1/inspections", body.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"]["task_id"], "请选择本辖区内的运维任务");

    let (status, created) = post(&t, &district, "/api/v1/inspections", body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    assert_eq!(created["state"], "done");
    let id = created["id"].as_str().unwrap().to_string();
    let path = format!("/api/v1/inspections/{id}");
    let (_, d) = get(&t, &district, &path).await;
    let outcomes: Vec<&str> = d["comparisons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["pass", "fail", "pass"]);
    let failed = &d["comparisons"][1]["verdict"];
    assert_eq!(failed["value"], "5.1");
    assert_eq!(failed["unit"], "mg/L");
    assert!(
        failed["limit"]
            .as_str()
            .unwrap()
            .contains("绝对误差 ±5 mg/L")
    );
    assert!(failed["source"].as_str().unwrap().contains("HJ 355-2019"));
    assert!(failed["explanation"].as_str().unwrap().contains("不合格"));
    // The failed comparison is a finding by itself, next to the one typed.
    let findings = d["findings_list"].as_array().unwrap();
    assert_eq!(findings.len(), 2);
    assert_eq!(findings[0]["subject"], "instrument");
    assert_eq!(findings[0]["subject_id"], cod.as_str());
    assert_eq!(findings[0]["severity"], "major");
    assert!(
        findings[0]["description"]
            .as_str()
            .unwrap()
            .starts_with("比对抽测不合格")
    );
    assert_eq!(findings[1]["description"], "站房温度偏高");
    assert_eq!(d["trail"][0]["action"], "登记监督检查");
    assert!(
        d["trail"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("不合格 1 项")
    );

    // Scope: the inspected agency and enterprise read it, the others do not find it.
    for (login, seen) in [
        ("agency_a", true),
        ("ent_a", true),
        ("city", true),
        ("district_b", false),
        ("agency_b", false),
        ("ent_b", false),
    ] {
        let token = t.token(login).await.unwrap();
        let (status, _) = get(&t, &token, &path).await;
        let expected = if seen {
            StatusCode::OK
        } else {
            StatusCode::NOT_FOUND
        };
        assert_eq!(status, expected, "{login}");
    }
    // Only regulators add findings: the agency is refused, the city (not the inspector) told why.
    let agency = t.token("agency_a").await.unwrap();
    let finding = json!({"subject": "other", "severity": "major", "description": "补充发现"});
    let (status, _) = post(&t, &agency, &format!("{path}/findings"), finding.clone()).await;
    assert!(
        matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{status}"
    );
    let (status, added) = post(&t, &district, &format!("{path}/findings"), finding).await;
    assert_eq!(status, StatusCode::CREATED, "{added}");
    let (status, refused) = post(
        &t,
        &district,
        &format!("{path}/findings"),
        json!({"subject": "staff", "subject_id": "nobody", "severity": "", "description": ""}),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"]["description"], "请描述检查发现的问题");
    assert_eq!(refused["fields"]["severity"], "请选择严重程度");

    // An order from the failed comparison's finding, issued at once; the inspection names it.
    let deadline = today(&t) + Duration::days(10);
    let order = json!({
        "agency_id": created["agency_id"], "enterprise_id": created["enterprise_id"],
        "title": "比对抽测不合格整改", "basis": "HJ 355-2019", "deadline": deadline.to_string(),
        "problems": [{"source": "finding", "source_id": findings[0]["id"],
                      "description": findings[0]["description"]}],
        "issue": true,
    });
    let (status, issued) = post(&t, &district, "/api/v1/rectifications", order.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{issued}");
    assert_eq!(issued["state"], "issued");
    let (_, o) = get(
        &t,
        &district,
        &format!("/api/v1/rectifications/{}", issued["id"].as_str().unwrap()),
    )
    .await;
    assert_eq!(o["problems"][0]["source"], "finding");
    assert!(
        o["problems"][0]["source_text"]
            .as_str()
            .unwrap()
            .contains("比对抽测")
    );
    let (_, d) = get(&t, &district, &path).await;
    assert_eq!(d["orders"][0]["id"], issued["id"]);
    // A finding of another district's inspection cannot be named.
    let (status, refused) = post(&t, &minhang, "/api/v1/rectifications", order).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused["fields"]
            .as_object()
            .unwrap()
            .contains_key("problems[0].source_id")
            || refused["fields"]
                .as_object()
                .unwrap()
                .contains_key("enterprise_id")
    );
}

#[tokio::test]
async fn a_planned_inspection_is_unseen_by_the_inspected_until_recorded_on_its_day() {
    let t = TestApp::spawn().await.unwrap();
    let district = t.token("district_a").await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let (task, outlet, _) = scene(&t, &district).await;
    let (_, me) = get(&t, &district, "/api/v1/me").await;
    let me = me["id"]
        .as_str()
        .or(me["account_id"].as_str())
        .unwrap()
        .to_string();
    let tomorrow = today(&t) + Duration::days(1);
    let key = "0b7d1c3e-1111-4222-8333-444455556666";
    let mut ids = Vec::new();
    for _ in 0..2 {
        let res = reqwest::Client::new()
            .post(t.url("/api/v1/inspections"))
            .bearer_auth(&district)
            .header("idempotency-key", key)
            .json(
                &json!({"kind": "on_site", "inspected_on": tomorrow.to_string(),
                          "task_id": task, "outlet_id": outlet, "inspector_ids": [me],
                          "planned": true}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        let v: Value = res.json().await.unwrap();
        assert_eq!(v["state"], "planned");
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    assert_eq!(ids[0], ids[1], "a retry gets the first answer");
    let path = format!("/api/v1/inspections/{}", ids[0]);
    assert_eq!(get(&t, &agency, &path).await.0, StatusCode::NOT_FOUND);
    let (_, list) = get(&t, &agency, "/api/v1/inspections").await;
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["id"] != ids[0].as_str())
    );
    let (_, list) = get(&t, &district, "/api/v1/inspections?state=planned").await;
    assert_eq!(list["total"], 1);

    let lists = emss_app::inspections::checklists().unwrap();
    let on_site = lists.iter().find(|c| c.kind.as_str() == "on_site").unwrap();
    let mut checklist: Vec<Value> = on_site
        .items
        .iter()
        .map(|i| json!({"id": i.id, "answer": "conform"}))
        .collect();
    checklist[1] = json!({"id": on_site.items[1].id, "answer": "non_conform"});
    let results = json!({"checklist": checklist, "summary": "现场检查运维情况"});
    let (status, refused) = post(&t, &district, &format!("{path}/results"), results.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["fields"]["inspected_on"],
        "检查日期未到，当天或之后才能记录检查结果"
    );

    t.clock.advance(Duration::days(1));
    // A day later the sessions have lapsed: both sign in again.
    let district = t.token("district_a").await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let (status, refused) = post(&t, &district, &format!("{path}/results"), results.clone()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused["fields"]["checklist[1].note"],
        "不符合的检查项请说明情况"
    );
    let mut results = results;
    results["checklist"][1]["note"] = json!("签到位置与排口相距较远");
    let (status, done) = post(&t, &district, &format!("{path}/results"), results.clone()).await;
    assert_eq!(status, StatusCode::OK, "{done}");
    assert_eq!(done["state"], "done");
    let (status, d) = get(&t, &agency, &path).await;
    assert_eq!(status, StatusCode::OK, "recorded, the agency reads it");
    assert_eq!(d["checklist"][1]["answer"], "non_conform");
    assert_eq!(d["checklist"][1]["note"], "签到位置与排口相距较远");
    let actions: Vec<&str> = d["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["登记监督检查", "记录检查结果"]);
    let (status, refused) = post(&t, &district, &format!("{path}/results"), results).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused["fields"]["state"], "检查结果已记录");
}

#[tokio::test]
async fn pages_start_from_a_record_keep_what_was_typed_and_export() {
    let t = TestApp::spawn().await.unwrap();
    let district = t.token("district_a").await.unwrap();
    let (_, records) = get(&t, &district, "/api/v1/records?flag=duplicate_photo").await;
    let record_id = records["items"][0]["id"].as_str().unwrap().to_string();
    let b = t.browser("district_a").await.unwrap();
    let record_page = b.page(&format!("/records/{record_id}")).await.unwrap();
    let start = format!("/inspections/new?origin=record&amp;origin_id={record_id}");
    assert!(
        record_page.contains(&start),
        "the record offers 发起监督检查"
    );
    let form = b
        .page(&format!(
            "/inspections/new?origin=record&origin_id={record_id}"
        ))
        .await
        .unwrap();
    assert!(
        form.contains("照片重复使用"),
        "the record's flag is the finding"
    );
    assert!(form.contains(&format!("record:{record_id}")));
    assert!(
        form.contains("name=\"answer_staff_present\""),
        "the on-site checklist"
    );
    // The form's own fields: the scene it was filled with.
    let scene = form
        .split("name=\"scene\" value=\"")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let res = b
        .post_form(
            "/inspections",
            &[
                ("kind", "on_site"),
                ("scene", &scene),
                ("mode", "record"),
                ("inspected_on", &today(&t).to_string()),
                ("origin", "record"),
                ("origin_id", &record_id),
                ("summary", "我写的检查情况"),
                ("finding_subject", &format!("record:{record_id}")),
                ("finding_severity", "major"),
                ("finding_description", "我写的发现"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    for typed in [
        "我写的检查情况",
        "我写的发现",
        "请选择检查人员",
        "请选择检查结果",
    ] {
        assert!(html.contains(typed), "{typed}");
    }

    // The list exports what it shows, as CSV and as a workbook.
    let csv = b.get("/inspections/export.csv").await.unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(
        text.contains("比对抽测") && text.contains("检查发现"),
        "{text}"
    );
    let xlsx = b.get("/inspections/export.xlsx").await.unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    use calamine::Reader;
    let sheet = book.worksheet_range("监督检查").unwrap();
    assert_eq!(sheet.height(), 2, "the header and the demo's inspection");

    // The demo's inspection offers its order; the agency reads it but orders nothing.
    let (_, list) = get(&t, &district, "/api/v1/inspections").await;
    let id = list["items"][0]["id"].as_str().unwrap().to_string();
    let page = b.page(&format!("/inspections/{id}")).await.unwrap();
    assert!(page.contains(&format!("/rectifications/new?inspection_id={id}")));
    let order_form = b
        .page(&format!("/rectifications/new?inspection_id={id}"))
        .await
        .unwrap();
    assert!(order_form.contains("比对抽测不合格"));
    assert!(order_form.contains("name=\"problem_source\" value=\"finding\""));
    let a = t.browser("agency_a").await.unwrap();
    let seen = a.page(&format!("/inspections/{id}")).await.unwrap();
    assert!(seen.contains("相对误差 27.5%"));
    assert!(!seen.contains("/rectifications/new?inspection_id="));
}
