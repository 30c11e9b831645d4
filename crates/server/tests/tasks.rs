//! Maintenance tasks through the API: a contract confirmed by party A, a task application that
//! is refused field by field when wrong, saved as a draft, submitted; its plans' occurrences
//! appear; time passes and the missed ones show as 超期 for the agency and its district
//! regulator, never for another district or another enterprise.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, TimeZone, Utc};
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

/// A contract of agency_a with ent_a, submitted and confirmed by party A: its id.
async fn confirmed_contract(t: &TestApp, nature: &str) -> String {
    t.confirmed_contract(nature).await.unwrap()
}

/// The id of `enterprise`'s outlet of `kind`.
async fn outlet(t: &TestApp, enterprise: &str, kind: &str) -> String {
    t.outlet_of(enterprise, kind).await.unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// An agency's staff (id, resigned) and equipment ids, as the city reads them.
async fn resources(t: &TestApp, agency: &str) -> (Vec<(String, bool)>, Vec<String>) {
    t.agency_resources(agency).await.unwrap()
}

#[tokio::test]
async fn a_task_runs_from_application_to_overdue_occurrences_seen_in_scope() {
    let t = TestApp::spawn().await.unwrap();
    // Wednesday 3 March 2027, 10:00 in Shanghai.
    t.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 3, 2, 0, 0).unwrap());
    let agency = t.token("agency_a").await.unwrap();
    let contract = confirmed_contract(&t, "maintenance").await;
    let testing = confirmed_contract(&t, "testing").await;
    let point = outlet(&t, "ent_a", "wastewater").await;
    let flue = outlet(&t, "ent_a", "flue_gas").await;
    let foreign_point = outlet(&t, "ent_b", "wastewater").await;
    let (staff, equipment) = resources(&t, "agency_a").await;
    let active: Vec<String> = staff.iter().filter(|s| !s.1).map(|s| s.0.clone()).collect();
    let resigned = staff.iter().find(|s| s.1).unwrap().0.clone();
    let (foreign_staff, foreign_equipment) = resources(&t, "agency_b").await;

    let task = |contract: &str| {
        json!({"contract_id": contract, "name": "高桥东方废水在线监测运维（2027）",
        "number": "PQ-YW-2027-031", "kind": "wastewater",
        "start_date": "2027-03-01", "end_date": "2027-04-30",
        "outlet_ids": [point], "staff_ids": [active[0], active[1]],
        "equipment_ids": [equipment[0]],
        "plans": [
            {"title": "每周巡检", "frequency": "weekly", "form_types": ["ww_inspection"]},
            {"title": "每月比对", "frequency": "monthly", "form_types": ["ww_sample_comparison"]}
        ]})
    };
    let (_, before) = call(&t, Method::GET, &agency, "/api/v1/tasks", None).await;

    // Every kind of bad input, each next to its field; nothing is saved.
    let mut bad = task(&testing);
    let (status, err) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/tasks",
        Some(bad.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(
        err["fields"]["contract_id"],
        "运维任务须绑定合同性质为“运维”的合同，监测合同不能用于运维任务"
    );
    bad = task(&contract);
    bad["start_date"] = json!("2027-02-15");
    bad["outlet_ids"] = json!([point, foreign_point]);
    bad["staff_ids"] = json!([active[0], resigned]);
    bad["equipment_ids"] = json!([foreign_equipment[0]]);
    bad["plans"][1]["form_types"] = json!([]);
    bad["plans"][0]["form_types"] = json!(["fg_calibration"]);
    let (status, err) = call(&t, Method::POST, &agency, "/api/v1/tasks", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let f = &err["fields"];
    assert_eq!(
        f["start_date"],
        "任务开始日期不能早于合同履行开始时间（2027-03-01）"
    );
    assert_eq!(f["outlet_ids"], "所选点位不是合同甲方的排口");
    assert!(
        f["staff_ids"]
            .as_str()
            .unwrap()
            .ends_with("已离职，不能参加运维任务"),
        "{f}"
    );
    assert_eq!(f["equipment_ids"], "所选设备不是本机构的备案设备");
    assert_eq!(f["plans.1.form_types"], "请选择运维内容（至少一种表单）");
    assert_eq!(f["plans.0.form_types"], "“校准”是废气表单，与任务类型不符");
    bad = task(&contract);
    bad["outlet_ids"] = json!([flue]);
    bad["staff_ids"] = json!([foreign_staff[0].0]);
    bad["plans"][1]["frequency"] = json!("quarterly");
    let (status, err) = call(&t, Method::POST, &agency, "/api/v1/tasks", Some(bad)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let f = &err["fields"];
    assert!(
        f["outlet_ids"].as_str().unwrap().contains("与任务类型不符"),
        "{f}"
    );
    assert_eq!(f["staff_ids"], "所选人员不是本机构的备案人员");
    assert_eq!(
        f["plans.1.form_types"],
        "“实际水样比对”须至少每 30 天一次，计划频次不能为“每季度”"
    );
    let (_, after) = call(&t, Method::GET, &agency, "/api/v1/tasks", None).await;
    assert_eq!(after["total"], before["total"]);

    // 保存: a draft, without occurrences.
    let (status, draft) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/tasks",
        Some(task(&contract)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    assert_eq!(draft["state"], "draft");
    let id = draft["id"].as_str().unwrap().to_string();
    let occurrences = |window: &str| format!("/api/v1/tasks/{id}/occurrences?window={window}");
    let (_, none) = call(&t, Method::GET, &agency, &occurrences("all"), None).await;
    assert_eq!(none["total"], 0);
    // A draft is the agency's own until submitted: party A and the regulator do not see it yet.
    for who in ["ent_a", "district_a"] {
        let token = t.token(who).await.unwrap();
        let (status, _) = call(
            &t,
            Method::GET,
            &token,
            &format!("/api/v1/tasks/{id}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{who} sees a draft");
    }
    // The number is the agency's own and used once.
    let (status, err) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/tasks",
        Some(task(&contract)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["number"], "任务编号已被本机构的其他任务使用");

    // 提交: the task runs; its occurrences appear.
    let (status, running) = call(
        &t,
        Method::POST,
        &agency,
        &format!("/api/v1/tasks/{id}/submit"),
        None,
    )
    .await;
    assert_eq!(
        (status, running["state"].as_str()),
        (StatusCode::OK, Some("in_progress")),
        "{running}"
    );
    let (_, all) = call(&t, Method::GET, &agency, &occurrences("all"), None).await;
    // Nine calendar weeks (the last cut to Friday 30 April) and two months, one point.
    assert_eq!(all["total"], 11, "{all}");
    let first = &all["items"][0];
    assert_eq!(
        (first["period_start"].as_str(), first["period_end"].as_str()),
        (Some("2027-03-01"), Some("2027-03-07"))
    );
    let (_, week) = call(&t, Method::GET, &agency, &occurrences("week"), None).await;
    assert_eq!(week["total"], 2, "{week}");
    assert!(
        week["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["state"] == "due")
    );
    let (_, overdue) = call(&t, Method::GET, &agency, &occurrences("overdue"), None).await;
    assert_eq!(overdue["total"], 0);
    let (_, detail) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/tasks/{id}"),
        None,
    )
    .await;
    assert_eq!(detail["points"][0]["outlet_id"], point.as_str());
    assert_eq!(detail["personnel"].as_array().unwrap().len(), 2);
    assert_eq!(detail["plans"][1]["form_types"][0]["name"], "实际水样比对");
    assert!(
        detail["personnel"][0]["id_number"]
            .as_str()
            .unwrap()
            .contains('*')
    );

    // The task's points are open to the agency's field engineers, with their instruments; another
    // agency's and outlets outside its tasks stay 404.
    let filer = t.token("filer_a").await.unwrap();
    let (status, seen) = call(
        &t,
        Method::GET,
        &filer,
        &format!("/api/v1/outlets/{point}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{seen}");
    let (status, instruments) = call(
        &t,
        Method::GET,
        &filer,
        &format!("/api/v1/outlets/{point}/instruments"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(instruments["total"].as_u64().unwrap() > 0, "{instruments}");
    let (status, _) = call(
        &t,
        Method::GET,
        &filer,
        &format!("/api/v1/outlets/{foreign_point}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let agency_b = t.token("agency_b").await.unwrap();
    let (status, _) = call(
        &t,
        Method::GET,
        &agency_b,
        &format!("/api/v1/outlets/{point}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A running task changes only through a change request.
    let (status, err) = call(
        &t,
        Method::PUT,
        &agency,
        &format!("/api/v1/tasks/{id}"),
        Some(task(&contract)),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["state"]
            .as_str()
            .unwrap()
            .contains("信息变更申请")
    );

    // Two weeks pass without records: the first two weeks are 超期.
    t.clock.advance(Duration::days(14));
    let agency = t.token("agency_a").await.unwrap();
    let (_, overdue) = call(&t, Method::GET, &agency, &occurrences("overdue"), None).await;
    assert_eq!(overdue["total"], 2, "{overdue}");
    let periods: Vec<&str> = overdue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            assert_eq!(o["state"], "overdue");
            assert_eq!(o["state_label"], "超期");
            o["period_end"].as_str().unwrap()
        })
        .collect();
    assert_eq!(periods, ["2027-03-07", "2027-03-14"]);
    let (_, month) = call(&t, Method::GET, &agency, &occurrences("month"), None).await;
    assert_eq!(
        month["total"], 6,
        "five weeks touch March, and March itself: {month}"
    );

    // The district regulator of ent_a (浦东) sees them; 闵行 and another enterprise do not.
    let across = format!("/api/v1/occurrences?window=overdue&task_id={id}");
    let district_a = t.token("district_a").await.unwrap();
    let (status, seen) = call(&t, Method::GET, &district_a, &across, None).await;
    assert_eq!(
        (status, seen["total"].as_u64()),
        (StatusCode::OK, Some(2)),
        "{seen}"
    );
    assert_eq!(
        seen["items"][0]["agency_name"],
        "上海浦清环境检测技术有限公司"
    );
    let (_, everything) = call(
        &t,
        Method::GET,
        &district_a,
        "/api/v1/occurrences?window=overdue",
        None,
    )
    .await;
    assert!(everything["total"].as_u64().unwrap() >= 2);
    let district_b = t.token("district_b").await.unwrap();
    let (_, unseen) = call(&t, Method::GET, &district_b, &across, None).await;
    assert_eq!(unseen["total"], 0);
    let (status, _) = call(
        &t,
        Method::GET,
        &district_b,
        &format!("/api/v1/tasks/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = call(&t, Method::GET, &district_b, &occurrences("overdue"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ent_b = t.token("ent_b").await.unwrap();
    let (status, _) = call(
        &t,
        Method::GET,
        &ent_b,
        &format!("/api/v1/tasks/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ent_a = t.token("ent_a").await.unwrap();
    let (_, own) = call(&t, Method::GET, &ent_a, &occurrences("overdue"), None).await;
    assert_eq!(own["total"], 2);
    let (_, tasks) = call(
        &t,
        Method::GET,
        &district_b,
        "/api/v1/tasks?keyword=PQ-YW-2027",
        None,
    )
    .await;
    assert_eq!(tasks["total"], 0);
    let (_, tasks) = call(
        &t,
        Method::GET,
        &district_a,
        "/api/v1/tasks?keyword=PQ-YW-2027",
        None,
    )
    .await;
    assert_eq!(tasks["total"], 1);

    // The agency closes it early: it ends today, the work not yet due goes (this week, March), the
    // missed weeks stay on record.
    let (status, closed) = call(
        &t,
        Method::POST,
        &agency,
        &format!("/api/v1/tasks/{id}/close"),
        None,
    )
    .await;
    assert_eq!(
        (status, closed["state"].as_str()),
        (StatusCode::OK, Some("completed"))
    );
    let (_, left) = call(&t, Method::GET, &agency, &occurrences("all"), None).await;
    assert_eq!(left["total"], 2, "{left}");
    assert_eq!(closed["end_date"], "2027-03-17");
    let (_, overdue) = call(&t, Method::GET, &agency, &occurrences("overdue"), None).await;
    assert_eq!(overdue["total"], 2);
    let (_, completed) = call(
        &t,
        Method::GET,
        &agency,
        "/api/v1/tasks?state=completed&keyword=PQ-YW-2027",
        None,
    )
    .await;
    assert_eq!(completed["total"], 1);
}

#[tokio::test]
async fn equipment_named_by_a_task_is_not_deleted() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let (_, equipment) = resources(&t, "agency_a").await;
    // The demo tasks bind all of agency_a's equipment.
    let (status, err) = call(
        &t,
        Method::DELETE,
        &agency,
        &format!("/api/v1/filing/equipment/{}", equipment[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert!(
        err["fields"]["equipment"]
            .as_str()
            .unwrap()
            .contains("已用于运维任务")
    );
    let (_, still) = resources(&t, "agency_a").await;
    assert_eq!(still.len(), equipment.len());
}

#[tokio::test]
async fn the_demo_task_has_overdue_occurrences_on_the_home_page() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let (_, running) = call(
        &t,
        Method::GET,
        &agency,
        "/api/v1/tasks?state=in_progress",
        None,
    )
    .await;
    assert_eq!(running["total"], 1, "{running}");
    let (_, overdue) = call(
        &t,
        Method::GET,
        &agency,
        "/api/v1/occurrences?window=overdue",
        None,
    )
    .await;
    assert!(overdue["total"].as_u64().unwrap() > 0, "{overdue}");
    let b = t.browser("agency_a").await.unwrap();
    let home = b.page("/").await.unwrap();
    assert!(home.contains("超期未运维"), "{home}");
    let page = b.page("/tasks/maintenance?window=overdue").await.unwrap();
    assert!(page.contains("data-state=\"overdue\""));
    assert!(!page.contains("null") && !page.contains("1-01-01"));
    // The same list as a spreadsheet, every row of it.
    let csv = b
        .page("/tasks/maintenance/export.csv?window=overdue")
        .await
        .unwrap();
    assert!(
        csv.starts_with("\u{feff}序号,服务机构,排污企业,任务编号"),
        "{csv}"
    );
    let total = overdue["total"].as_u64().unwrap() as usize;
    assert_eq!(csv.lines().count(), total + 1, "{csv}");
    assert!(csv.contains("超期") && csv.contains("PQ-YW-2026-001"));
}

/// A time `minutes_ago`, as the phone sends it.
fn at(t: &TestApp, minutes_ago: i64) -> String {
    use emss_domain::clock::Clock;
    (t.clock.now() - Duration::minutes(minutes_ago))
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

#[tokio::test]
async fn maintenance_shows_the_visit_behind_each_row_and_the_records_outside_the_plan() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    // A row a demo record fulfilled shows that record's time, engineer, instruments and photos.
    let (_, all) = call(
        &t,
        Method::GET,
        &agency,
        "/api/v1/occurrences?window=all&page_size=100",
        None,
    )
    .await;
    let done = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| !o["visit"].is_null())
        .unwrap_or_else(|| panic!("no row done by a record: {all}"));
    let visit = &done["visit"];
    let record_id = done["record_id"].as_str().unwrap();
    let (_, detail) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/records/{record_id}"),
        None,
    )
    .await;
    let record = &detail["record"];
    assert_eq!(visit["number"], record["number"]);
    assert_eq!(visit["filer_name"], record["filer_name"]);
    assert_eq!(
        visit["instruments"].as_array().unwrap().len(),
        record["instrument_ids"].as_array().unwrap().len()
    );
    let photos = detail["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["role"] == "evidence_photo")
        .count();
    assert!(photos > 0);
    assert_eq!(visit["photos"], photos);
    let time = visit["time"].as_str().unwrap();
    assert!(
        time.starts_with(record["visit_date"].as_str().unwrap()),
        "{time}"
    );
    let b = t.browser("agency_a").await.unwrap();
    let page = b
        .page("/tasks/maintenance?window=all&page_size=100")
        .await
        .unwrap();
    assert!(
        page.contains(time) && page.contains(&format!("{photos} 张")),
        "{page}"
    );

    // A repair is in no plan: it is listed as 计划外, with what the engineer wrote.
    let filer = t.token("filer_a").await.unwrap();
    let site = t.demo_site(&filer).await.unwrap();
    let instrument = &site.instruments[0].0;
    let (status, created) = call(
        &t,
        Method::POST,
        &filer,
        "/api/v1/records",
        Some(json!({"task_id": site.task_id, "outlet_id": site.outlet_id,
            "form_type": "ww_repair", "instrument_ids": [instrument],
            "check_in": {"at": at(&t, 90), "sent_at": at(&t, 90), "lat": site.lat,
                "lon": site.lon, "accuracy_m": 10}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let attach = format!("/api/v1/records/{id}/attachments");
    let photo = t
        .image(&filer, &attach, "evidence_photo", 501)
        .await
        .unwrap();
    let face = t.image(&filer, &attach, "work_photo", 502).await.unwrap();
    let signature = t.image(&filer, &attach, "signature", 503).await.unwrap();
    let shanghai = |minutes_ago: i64| {
        use emss_domain::clock::Clock;
        (t.clock.now() - Duration::minutes(minutes_ago))
            .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
    };
    let (status, saved) = call(
        &t,
        Method::PUT,
        &filer,
        &format!("/api/v1/records/{id}"),
        Some(json!({"fields": {"devices": [{"instrument_id": instrument,
            "fault_at": shanghai(300), "recovered_at": shanghai(30),
            "description": "COD 分析仪报加热超时故障，消解单元加热丝断路。",
            "parts_replaced": "消解加热丝 1 根",
            "summary": "更换加热丝后空白校准、标样核查合格，恢复运行。"}],
            "evidence": {"photos": [photo]}}})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let (status, submitted) = call(
        &t,
        Method::POST,
        &filer,
        &format!("/api/v1/records/{id}/submit"),
        Some(
            json!({"check_out": {"at": at(&t, 0), "sent_at": at(&t, 0), "lat": site.lat,
            "lon": site.lon, "accuracy_m": 10}, "work_photo_id": face, "signature_id": signature}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{submitted}");
    let number = submitted["number"].as_str().unwrap().to_string();
    let page = b.page("/tasks/maintenance?window=all").await.unwrap();
    let unplanned = page
        .split("data-testid=\"unplanned\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no 计划外 table: {page}"));
    assert!(
        unplanned.contains(&number)
            && unplanned.contains("计划外")
            && unplanned.contains("更换加热丝后空白校准")
            && unplanned.contains("张伟"),
        "{unplanned}"
    );
    let csv = b
        .page("/tasks/maintenance/export.csv?window=all")
        .await
        .unwrap();
    assert!(
        csv.lines()
            .next()
            .unwrap()
            .contains("运维时间,运维人员,运维设备,上传附件,运维描述")
    );
    let row = csv
        .lines()
        .find(|l| l.contains(&number))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        row.contains("计划外") && row.contains("现场照片 1 张"),
        "{row}"
    );
}

#[tokio::test]
async fn a_report_names_the_records_it_covers() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let running = demo_task(&t, &agency, "in_progress").await;
    let (_, records) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/records?task_id={running}&state=approved"),
        None,
    )
    .await;
    let record = &records["items"][0];
    let (id, number) = (
        record["id"].as_str().unwrap(),
        record["number"].as_str().unwrap(),
    );
    let b = t.browser("agency_a").await.unwrap();
    let page = b.page(&format!("/tasks/{running}")).await.unwrap();
    let picker = page
        .split("data-testid=\"report-records\"")
        .nth(1)
        .unwrap_or_else(|| panic!("no 关联表单 picker: {page}"));
    assert!(picker.contains(number), "{picker}");
    let (status, body) = upload(
        &t,
        &agency,
        &running,
        &[
            ("name", "11 月运维报告"),
            ("category", "monthly"),
            ("record_ids", id),
        ],
        Some(("report.pdf", emss_testkit::SAMPLE_PDF.to_vec())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let page = b.page(&format!("/tasks/{running}")).await.unwrap();
    assert!(
        page.contains(&format!("<a href=\"/records/{id}\">{number}</a>")),
        "the report lists its record as a link"
    );
}

async fn upload(
    t: &TestApp,
    token: &str,
    task: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, Vec<u8>)>,
) -> (StatusCode, Value) {
    let path = format!("/api/v1/tasks/{task}/reports");
    t.upload(token, &path, fields, file).await.unwrap()
}

async fn demo_task(t: &TestApp, token: &str, state: &str) -> String {
    let (_, page) = call(
        t,
        Method::GET,
        token,
        &format!("/api/v1/tasks?state={state}"),
        None,
    )
    .await;
    page["items"][0]["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn reports_are_uploaded_checked_by_content_and_read_in_scope() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let running = demo_task(&t, &agency, "in_progress").await;
    let draft = demo_task(&t, &agency, "draft").await;
    let monthly = [("name", "2027 年 3 月运维报告"), ("category", "monthly")];

    let (status, err) = upload(
        &t,
        &agency,
        &draft,
        &monthly,
        Some(("r.pdf", emss_testkit::SAMPLE_PDF.to_vec())),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["file"], "任务提交后才能上传报告");

    // Nothing named, no category, a program dressed as a report: each refused by its field.
    let (status, err) = upload(
        &t,
        &agency,
        &running,
        &[("record_ids", "nope")],
        Some(("报告.pdf", b"MZ\x90\x00".to_vec())),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    let f = &err["fields"];
    assert_eq!(f["name"], "请填写上传报告名称");
    assert_eq!(f["category"], "请选择报告类别");
    assert_eq!(f["record_ids"], "关联表单须是本任务的运维记录");
    assert!(
        f["file"]
            .as_str()
            .unwrap()
            .starts_with("只能上传 PDF、Word（docx）、Excel（xlsx）")
    );
    let (_, none) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/tasks/{running}/reports"),
        None,
    )
    .await;
    assert_eq!(
        none.as_array().unwrap().len(),
        1,
        "only the demo's monthly report"
    );

    // A real workbook and a PDF are taken; the stored name carries the real type.
    let mut workbook = rust_xlsxwriter::Workbook::new();
    workbook.add_worksheet().write(0, 0, "比对结果").unwrap();
    let xlsx = workbook.save_to_buffer().unwrap();
    let (status, r) = upload(
        &t,
        &agency,
        &running,
        &[
            ("name", "实际水样比对汇总"),
            ("category", "comparison"),
            ("description", "三月比对"),
        ],
        Some(("比对.bin", xlsx.clone())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["file_name"], "比对.xlsx");
    assert_eq!(r["category_label"], "比对监测报告");
    let (status, r2) = upload(
        &t,
        &agency,
        &running,
        &monthly,
        Some(("月报.pdf", emss_testkit::SAMPLE_PDF.to_vec())),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{r2}");

    // The district regulator of the enterprise reads and downloads them; 闵行 cannot.
    let district_a = t.token("district_a").await.unwrap();
    let (_, list) = call(
        &t,
        Method::GET,
        &district_a,
        &format!("/api/v1/tasks/{running}/reports"),
        None,
    )
    .await;
    assert_eq!(list.as_array().unwrap().len(), 3, "{list}");
    let file = format!(
        "/api/v1/tasks/{running}/reports/{}/file",
        r["id"].as_str().unwrap()
    );
    let res = reqwest::Client::new()
        .get(t.url(&file))
        .bearer_auth(&district_a)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["content-type"],
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    );
    assert_eq!(res.bytes().await.unwrap().to_vec(), xlsx);
    let district_b = t.token("district_b").await.unwrap();
    let res = reqwest::Client::new()
        .get(t.url(&file))
        .bearer_auth(&district_b)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Only the agency's task manager uploads (an object route: 404 to anyone else).
    let (status, _) = upload(
        &t,
        &district_a,
        &running,
        &monthly,
        Some(("r.pdf", emss_testkit::SAMPLE_PDF.to_vec())),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_running_task_changes_only_through_a_request_party_a_approves() {
    let t = TestApp::spawn().await.unwrap();
    t.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 3, 2, 0, 0).unwrap());
    let agency = t.token("agency_a").await.unwrap();
    let contract = confirmed_contract(&t, "maintenance").await;
    let point = outlet(&t, "ent_a", "wastewater").await;
    let (staff, _) = resources(&t, "agency_a").await;
    let active: Vec<String> = staff.iter().filter(|s| !s.1).map(|s| s.0.clone()).collect();
    let weekly = json!({"title": "每周巡检", "frequency": "weekly", "form_types": ["ww_inspection"],
        "start_date": "2027-03-01", "end_date": "2027-04-30"});
    let task = json!({"contract_id": contract, "name": "高桥东方废水运维（变更）",
        "number": "PQ-CH-2027-01", "kind": "wastewater", "start_date": "2027-03-01",
        "end_date": "2027-04-30", "outlet_ids": [point], "staff_ids": [active[0]],
        "plans": [weekly], "submit": true});
    let (status, created) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/tasks",
        Some(task.clone()),
    )
    .await;
    assert_eq!(
        (status, created["state"].as_str()),
        (StatusCode::CREATED, Some("in_progress")),
        "{created}"
    );
    let id = created["id"].as_str().unwrap().to_string();
    let changes = format!("/api/v1/tasks/{id}/changes");

    // Two weeks on: another engineer joins, the weekly plan is renamed, a monthly comparison is
    // added and the task runs a month longer.
    t.clock.advance(Duration::days(14));
    let agency = t.token("agency_a").await.unwrap();
    let mut proposed = task.clone();
    proposed["staff_ids"] = json!([active[0], active[1]]);
    proposed["end_date"] = json!("2027-05-31");
    proposed["plans"] = json!([
        {"title": "每周巡检（加强）", "frequency": "weekly", "form_types": ["ww_inspection"],
            "start_date": "2027-03-01", "end_date": "2027-04-30"},
        {"title": "每月比对", "frequency": "monthly", "form_types": ["ww_sample_comparison"]}
    ]);

    let (status, err) = call(
        &t,
        Method::POST,
        &agency,
        &changes,
        Some(json!({"task": task, "reason": "无变化"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["state"], "没有修改任何任务信息，无需申请变更");
    let mut renumbered = proposed.clone();
    renumbered["number"] = json!("PQ-CH-2027-99");
    let (status, err) = call(
        &t,
        Method::POST,
        &agency,
        &changes,
        Some(json!({"task": renumbered, "reason": ""})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["number"], "任务编号不能变更");
    assert_eq!(err["fields"]["reason"], "请填写变更原因");

    let (status, change) = call(
        &t,
        Method::POST,
        &agency,
        &changes,
        Some(json!({"task": proposed, "reason": "新增比对计划并延长一个月"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{change}");
    // While party A has not decided, the agency cannot close the task under it.
    let (status, err) = call(
        &t,
        Method::POST,
        &agency,
        &format!("/api/v1/tasks/{id}/close"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["state"]
            .as_str()
            .unwrap()
            .contains("变更申请等待甲方审核")
    );
    let labels: Vec<&str> = change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["label"].as_str().unwrap())
        .collect();
    assert_eq!(labels, ["任务结束日期", "运维人员", "运维计划"]);
    let (status, err) = call(
        &t,
        Method::POST,
        &agency,
        &changes,
        Some(json!({"task": proposed, "reason": "再改"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        err["fields"]["state"]
            .as_str()
            .unwrap()
            .contains("等待甲方审核")
    );
    // Nothing changes until party A decides.
    let (_, detail) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/tasks/{id}"),
        None,
    )
    .await;
    assert_eq!(detail["end_date"], "2027-04-30");

    let change_id = change["id"].as_str().unwrap();
    let decision = format!("{changes}/{change_id}/decision");
    let ent_b = t.token("ent_b").await.unwrap();
    let (status, _) = call(
        &t,
        Method::POST,
        &ent_b,
        &decision,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let ent_a = t.token("ent_a").await.unwrap();
    let (status, err) = call(
        &t,
        Method::POST,
        &ent_a,
        &decision,
        Some(json!({"decision": "reject"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(err["fields"]["comment"], "驳回须填写原因");
    let (status, decided) = call(
        &t,
        Method::POST,
        &ent_a,
        &decision,
        Some(json!({"decision": "approve"})),
    )
    .await;
    assert_eq!(
        (status, decided["state"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{decided}"
    );

    // From today on the task reads as proposed; what lies before stays as it was.
    let (_, detail) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/tasks/{id}"),
        None,
    )
    .await;
    assert_eq!(detail["end_date"], "2027-05-31");
    assert_eq!(detail["personnel"].as_array().unwrap().len(), 2);
    let plans: Vec<(&str, &str, &str)> = detail["plans"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["title"].as_str().unwrap(),
                p["start_date"].as_str().unwrap(),
                p["end_date"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        plans,
        [
            ("每周巡检", "2027-03-01", "2027-03-16"),
            ("每周巡检（加强）", "2027-03-17", "2027-04-30"),
            ("每月比对", "2027-03-17", "2027-05-31"),
        ]
    );
    let (_, overdue) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/tasks/{id}/occurrences?window=overdue"),
        None,
    )
    .await;
    assert_eq!(
        overdue["total"], 2,
        "the missed weeks stay missed: {overdue}"
    );
    let (_, all) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/tasks/{id}/occurrences?window=all&page_size=100"),
        None,
    )
    .await;
    // Two past weeks of the old plan, seven weeks of the new one (from Wednesday 17 March, the
    // last cut to 30 April), and March (from the 17th), April and May of the comparison.
    assert_eq!(all["total"], 12, "{all}");
    let (_, list) = call(&t, Method::GET, &ent_a, &changes, None).await;
    assert_eq!(list[0]["state"], "approved");
}

#[tokio::test]
async fn a_task_already_over_is_not_started() {
    let t = TestApp::spawn().await.unwrap();
    t.clock
        .set(Utc.with_ymd_and_hms(2027, 6, 1, 2, 0, 0).unwrap());
    let agency = t.token("agency_a").await.unwrap();
    let contract = confirmed_contract(&t, "maintenance").await;
    let point = outlet(&t, "ent_a", "wastewater").await;
    let (staff, _) = resources(&t, "agency_a").await;
    let person = staff.iter().find(|s| !s.1).unwrap().0.clone();
    let task = json!({"contract_id": contract, "name": "三月补录", "number": "PQ-OLD-01",
        "kind": "wastewater", "start_date": "2027-03-01", "end_date": "2027-03-31",
        "outlet_ids": [point], "staff_ids": [person],
        "plans": [{"title": "每周巡检", "frequency": "weekly", "form_types": ["ww_inspection"]}],
        "submit": true});
    let (status, err) = call(&t, Method::POST, &agency, "/api/v1/tasks", Some(task)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{err}");
    assert_eq!(err["fields"]["end_date"], "任务结束日期已过，不能提交");
    let (_, list) = call(
        &t,
        Method::GET,
        &agency,
        "/api/v1/tasks?keyword=PQ-OLD",
        None,
    )
    .await;
    assert_eq!(list["total"], 0, "nothing half-saved");
}

#[tokio::test]
async fn the_task_page_shows_its_trail_and_who_has_left() {
    let t = TestApp::spawn().await.unwrap();
    let agency = t.token("agency_a").await.unwrap();
    let running = demo_task(&t, &agency, "in_progress").await;
    let draft = demo_task(&t, &agency, "draft").await;
    let b = t.browser("agency_a").await.unwrap();
    let page = b.page(&format!("/tasks/{running}")).await.unwrap();
    assert!(
        page.contains("留痕") && page.contains("提交运维任务"),
        "{page}"
    );

    // Someone on the draft leaves the agency: the form shows them, marked, instead of dropping
    // them unseen.
    let db = &t.app.db().conn;
    let org = org_of(&t, "agency_a").await;
    let (_, detail) = call(
        &t,
        Method::GET,
        &agency,
        &format!("/api/v1/tasks/{draft}"),
        None,
    )
    .await;
    let leaving = detail["personnel"][0]["id"].as_str().unwrap().to_string();
    let mut person = emss_db::repo::agency_resources::staff_member(db, &org, &leaving)
        .await
        .unwrap()
        .unwrap();
    person.resigned = true;
    emss_db::repo::agency_resources::save_staff(db, person.clone())
        .await
        .unwrap();
    let page = b.page(&format!("/tasks/{draft}")).await.unwrap();
    assert!(page.contains("data-testid=\"departed\""), "{page}");
    assert!(page.contains("已离职，将移出任务"));
    assert!(page.contains(&person.name));
}
