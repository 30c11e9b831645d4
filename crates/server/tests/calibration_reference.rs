//! Verdicts a filer cannot steer (issue 18), through the API: the range, parameter and unit that
//! choose a limit and a full scale come from the instrument's record as it stood at check-in;
//! drift is judged against the latest earlier *submitted* calibration — re-judged, by an appended
//! judgement, when that one is voided or an earlier one arrives late; and a 失控 drift opens a
//! period that shows on the outlet, falls overdue, and closes at the next passing calibration.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, SecondsFormat, TimeZone, Utc};
use emss_domain::clock::Clock;
use emss_testkit::TestApp;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

async fn call(
    t: &TestApp,
    method: Method,
    token: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    t.call(method, token, path, body).await.unwrap()
}

/// A flue-gas task of agency_a at ent_a's 废气排口, running, with every active staff member on it.
struct Site {
    task_id: String,
    outlet_id: String,
    so2: String,
    lat: f64,
    lon: f64,
}

async fn site(t: &TestApp) -> Site {
    // Wednesday 3 March 2027, 10:00 in Shanghai.
    t.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 3, 2, 0, 0).unwrap());
    let agency = t.token("agency_a").await.unwrap();
    let party = t.token("ent_a").await.unwrap();
    let contract = t.confirmed_contract("maintenance").await.unwrap();
    let outlet = t.outlet_of("ent_a", "flue_gas").await.unwrap();
    let outlet_id = outlet["id"].as_str().unwrap().to_string();
    let (staff, equipment) = t.agency_resources("agency_a").await.unwrap();
    let staff: Vec<&str> = staff
        .iter()
        .filter(|(_, resigned)| !resigned)
        .map(|(id, _)| id.as_str())
        .collect();
    let equipment = &equipment[0];
    let task = json!({"contract_id": contract, "name": "高桥东方废气在线监测运维（2027）",
        "number": "PQ-YW-2027-077", "kind": "flue_gas",
        "start_date": "2027-03-01", "end_date": "2027-04-30",
        "outlet_ids": [outlet_id], "staff_ids": staff, "equipment_ids": [equipment],
        "plans": [{"title": "定期校准", "frequency": "weekly", "form_types": ["fg_calibration"]}]});
    let (status, draft) = call(t, Method::POST, &agency, "/api/v1/tasks", Some(task)).await;
    assert_eq!(status, StatusCode::CREATED, "{draft}");
    let task_id = draft["id"].as_str().unwrap().to_string();
    let (status, running) = call(
        t,
        Method::POST,
        &agency,
        &format!("/api/v1/tasks/{task_id}/submit"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{running}");
    let (_, instruments) = call(
        t,
        Method::GET,
        &party,
        &format!("/api/v1/outlets/{outlet_id}/instruments"),
        None,
    )
    .await;
    let so2 = instruments["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["parameter"] == "二氧化硫")
        .unwrap();
    assert_eq!(
        (so2["range_upper"].as_str(), so2["version"].as_i64()),
        (Some("200"), Some(1))
    );
    Site {
        task_id,
        outlet_id,
        so2: so2["id"].as_str().unwrap().to_string(),
        lat: outlet["latitude"].as_str().unwrap().parse().unwrap(),
        lon: outlet["longitude"].as_str().unwrap().parse().unwrap(),
    }
}

fn stamp(t: &TestApp, minutes_ago: i64, s: &Site) -> Value {
    let at = t.clock.now() - Duration::minutes(minutes_ago);
    json!({"at": at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "sent_at": t.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true),
        "lat": s.lat, "lon": s.lon, "accuracy_m": 10})
}

/// A calibration begun (checked in) `minutes_ago`: its id. Nothing is filled yet.
async fn check_in(t: &TestApp, s: &Site, minutes_ago: i64) -> String {
    let filer = t.token("filer_a").await.unwrap();
    let body = json!({"task_id": s.task_id, "outlet_id": s.outlet_id,
        "form_type": "fg_calibration", "instrument_ids": [s.so2],
        "check_in": stamp(t, minutes_ago, s)});
    let (status, r) = call(t, Method::POST, &filer, "/api/v1/records", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    r["id"].as_str().unwrap().to_string()
}

/// The SO₂ section as the filer types it, with `extra` typed on top.
fn analyte(s: &Site, span_pre: &str, span_post: &str, extra: Value) -> Value {
    let mut a = json!({"instrument_id": s.so2, "zero_reference": "0", "zero_pre": "0.4",
        "zero_post": "0.2", "span_reference": "160", "span_pre": span_pre,
        "span_post": span_post});
    for (k, v) in extra.as_object().unwrap() {
        a[k] = v.clone();
    }
    a
}

/// Fills and submits a checked-in calibration, leaving the site `minutes_ago − 30` minutes ago:
/// the answer of the submission.
async fn submit(
    t: &TestApp,
    s: &Site,
    id: &str,
    minutes_ago: i64,
    analyte: Value,
) -> (StatusCode, Value) {
    let filer = t.token("filer_a").await.unwrap();
    let attach = format!("/api/v1/records/{id}/attachments");
    let seed = u64::try_from(minutes_ago).unwrap() * 10;
    let photo = t
        .image(&filer, &attach, "evidence_photo", seed)
        .await
        .unwrap();
    let face = t
        .image(&filer, &attach, "work_photo", seed + 1)
        .await
        .unwrap();
    let signature = t
        .image(&filer, &attach, "signature", seed + 2)
        .await
        .unwrap();
    let fields = json!({
        "header": {"calibrated_on": "2027-03-03", "started_at": "2027-03-03T08:00:00+08:00",
            "ended_at": "2027-03-03T08:40:00+08:00", "cems_maker": "聚光科技",
            "cems_model": "CEMS-2000"},
        "analytes": [analyte],
        "evidence": {"photos": [photo]}
    });
    let (status, saved) = call(
        t,
        Method::PUT,
        &filer,
        &format!("/api/v1/records/{id}"),
        Some(json!({"fields": fields})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    call(
        t,
        Method::POST,
        &filer,
        &format!("/api/v1/records/{id}/submit"),
        Some(
            json!({"check_out": stamp(t, minutes_ago - 30, s), "work_photo_id": face,
            "signature_id": signature}),
        ),
    )
    .await
}

fn outcome(answer: &Value, path: &str) -> String {
    answer["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["path"] == path)
        .unwrap_or_else(|| panic!("no verdict {path} in {answer}"))["outcome"]
        .as_str()
        .unwrap()
        .to_string()
}

const SPAN_DRIFT: &str = "analytes[0].span_drift_verdict";

async fn detail(t: &TestApp, id: &str) -> Value {
    let reviewer = t.token("reviewer_a").await.unwrap();
    let (status, d) = call(
        t,
        Method::GET,
        &reviewer,
        &format!("/api/v1/records/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    d
}

/// The enterprise confirms the record.
async fn confirm(t: &TestApp, id: &str) {
    let ent = t.token("ent_a").await.unwrap();
    let date = detail(t, id).await["record"]["visit_date"]
        .as_str()
        .unwrap()
        .to_string();
    let sig = t
        .image(&ent, "/api/v1/attachments", "signature", 901)
        .await
        .unwrap();
    let face = t
        .image(&ent, "/api/v1/attachments", "work_photo", 902)
        .await
        .unwrap();
    let (status, body) = call(
        t,
        Method::POST,
        &ent,
        "/api/v1/confirmations",
        Some(
            json!({"date": date, "record_ids": [id], "signature_id": sig,
            "work_photo_id": face}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The reviewer's decision on one record, with `extra` in the body: the record's result.
async fn review(t: &TestApp, id: &str, decision: &str, extra: Value) -> Value {
    let reviewer = t.token("reviewer_a").await.unwrap();
    let r_sig = t
        .image(&reviewer, "/api/v1/attachments", "signature", 903)
        .await
        .unwrap();
    let r_face = t
        .image(&reviewer, "/api/v1/attachments", "work_photo", 904)
        .await
        .unwrap();
    let mut body = json!({"record_ids": [id], "decision": decision,
        "reason": "标气证书过期，校准无效", "signature_id": r_sig, "work_photo_id": r_face});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    let (status, answer) = call(t, Method::POST, &reviewer, "/api/v1/reviews", Some(body)).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    answer["results"][0].clone()
}

/// The enterprise confirms the record and the reviewer voids it.
async fn void(t: &TestApp, id: &str) {
    confirm(t, id).await;
    let result = review(t, id, "void", json!({})).await;
    assert_eq!(result["ok"], true, "{result}");
}

/// The periods `login` sees at the site's outlet.
async fn periods(t: &TestApp, login: &str, s: &Site, query: &str) -> Vec<Value> {
    let token = t.token(login).await.unwrap();
    let (status, page) = call(
        t,
        Method::GET,
        &token,
        &format!("/api/v1/fault-periods?outlet_id={}{query}", s.outlet_id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    page["items"].as_array().unwrap().clone()
}

#[tokio::test]
async fn an_out_of_control_drift_opens_a_period_until_the_next_passing_calibration() {
    let t = TestApp::spawn().await.unwrap();
    let s = site(&t).await;
    let first = check_in(&t, &s, 300).await;
    let (status, a) = submit(
        &t,
        &s,
        &first,
        300,
        analyte(&s, "160.6", "160.4", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert!(periods(&t, "ent_a", &s, "").await.is_empty());

    // (185.0 − 160.4) / 200 = 12.3 %F.S., beyond the ±10 %F.S. 失控 limit of a gas span.
    let second = check_in(&t, &s, 120).await;
    let (status, b) = submit(
        &t,
        &s,
        &second,
        120,
        analyte(&s, "185.0", "160.0", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(outcome(&b, SPAN_DRIFT), "out_of_control", "{b}");
    let listed = periods(&t, "ent_a", &s, "").await;
    assert_eq!(listed.len(), 1, "{listed:?}");
    let p = &listed[0];
    assert_eq!(
        (
            p["kind"].as_str(),
            p["status"].as_str(),
            p["parameter"].as_str()
        ),
        (Some("out_of_control"), Some("open"), Some("二氧化硫")),
        "{p}"
    );
    assert_eq!(p["instrument_id"], s.so2.as_str());
    assert_eq!(p["opened_by"]["number"], b["number"]);
    assert!(p["reason"].as_str().unwrap().contains("量程漂移"), "{p}");
    // fg_calibration's rule reaches back to the last passing calibration, with its source; the
    // follow-up is due a day after the visit that found it.
    let a_check_in =
        detail(&t, a["id"].as_str().unwrap()).await["record"]["check_in"]["at"].clone();
    let b_check_in = detail(&t, &second).await["record"]["check_in"]["at"].clone();
    assert_eq!(p["start_rule"], "last_passing");
    assert_eq!(p["starts_at"], a_check_in, "{p}");
    assert_eq!(p["found_at"], b_check_in, "{p}");
    assert!(
        p["start_source"].as_str().unwrap().contains("HJ 75-2017"),
        "{p}"
    );
    let found_at = chrono::DateTime::parse_from_rfc3339(p["found_at"].as_str().unwrap()).unwrap();
    let due_at = chrono::DateTime::parse_from_rfc3339(p["due_at"].as_str().unwrap()).unwrap();
    assert_eq!(due_at - found_at, Duration::days(1));

    // It shows on the outlet with the record that opened it, and the analyser reads 失控.
    let ent = t.browser("ent_a").await.unwrap();
    let page = ent
        .page(&format!("/outlets/{}", s.outlet_id))
        .await
        .unwrap();
    let section = page.split("失控时段与不合格待处理").nth(1).unwrap();
    assert!(section.contains(b["number"].as_str().unwrap()), "{section}");
    assert!(section.contains("待处理"));
    assert!(page.contains("<span class=\"bad\">失控</span>"));
    // Regulators of the district see it; another district and another agency do not.
    assert_eq!(periods(&t, "district_a", &s, "").await.len(), 1);
    assert!(periods(&t, "district_b", &s, "").await.is_empty());
    assert!(periods(&t, "agency_b", &s, "").await.is_empty());

    // The reviewer cannot approve it without saying what was done about it.
    confirm(&t, &second).await;
    let refused = review(&t, &second, "approve", json!({})).await;
    assert_eq!(refused["code"], "acknowledgement_required", "{refused}");
    let approved = review(
        &t,
        &second,
        "approve",
        json!({"acknowledgements": [{"record_id": second, "comment": "量程漂移失控，已安排次日重新校准"}]}),
    )
    .await;
    assert_eq!(approved["ok"], true, "{approved}");

    // Two days on and still open: overdue, in the list and on the home page's to-dos.
    t.clock.set(t.clock.now() + Duration::days(2));
    let overdue = periods(&t, "district_a", &s, "&status=overdue").await;
    assert_eq!(overdue.len(), 1);
    assert_eq!(overdue[0]["status"], "overdue");
    let regulator = t.browser("district_a").await.unwrap();
    let home = regulator.page("/").await.unwrap();
    assert!(home.contains("失控与不合格逾期未处理"), "{home}");
    let list = regulator
        .page("/fault-periods?status=overdue")
        .await
        .unwrap();
    assert!(list.contains(b["number"].as_str().unwrap()) && list.contains("已逾期"));

    // The next calibration passes: (160.5 − 160.0) / 200 = 0.3 %F.S. The period closes there.
    let third = check_in(&t, &s, 60).await;
    let (status, c) = submit(&t, &s, &third, 60, analyte(&s, "160.5", "160.2", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(outcome(&c, SPAN_DRIFT), "pass", "{c}");
    let closed = periods(&t, "ent_a", &s, "").await;
    assert_eq!(closed.len(), 1);
    assert_eq!(closed[0]["status"], "closed", "{closed:?}");
    assert_eq!(closed[0]["closed_by"]["number"], c["number"]);
    assert!(
        periods(&t, "district_a", &s, "&status=overdue")
            .await
            .is_empty()
    );
    let d = detail(&t, &third).await;
    assert_eq!(d["periods"][0]["closed_by"]["id"], third.as_str(), "{d}");
    assert_eq!(
        detail(&t, &second).await["record"]["acknowledgement"],
        "量程漂移失控，已安排次日重新校准"
    );
    // The enterprise reads the reviewer's word on the record and on its printed sheet.
    let reader = t.browser("ent_a").await.unwrap();
    for path in [
        format!("/records/{second}"),
        format!("/records/{second}/print"),
    ] {
        let page = reader.page(&path).await.unwrap();
        assert!(
            page.contains("不合格处理意见") && page.contains("量程漂移失控，已安排次日重新校准"),
            "{path}"
        );
    }

    // A fourth calibration fails again — (175.0 − 160.2) / 200 = 7.4 %F.S. — and opens a period
    // of its own. Then the closing calibration is voided: the first period opens again and the
    // fourth's is folded into it, so the place has one open period.
    let fourth = check_in(&t, &s, 30).await;
    let (status, e) = submit(
        &t,
        &s,
        &fourth,
        30,
        analyte(&s, "175.0", "160.1", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(outcome(&e, SPAN_DRIFT), "fail", "{e}");
    assert_eq!(periods(&t, "ent_a", &s, "&status=open").await.len(), 1);
    void(&t, &third).await;
    let open = periods(&t, "ent_a", &s, "&status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["opened_by"]["number"], b["number"]);
    assert_eq!(open[0]["status"], "overdue");
    assert_eq!(open[0]["closed_by"], Value::Null);
    let folded = periods(&t, "ent_a", &s, "&status=cancelled").await;
    assert_eq!(folded.len(), 1, "{folded:?}");
    assert_eq!(folded[0]["opened_by"]["number"], e["number"]);
    assert!(
        folded[0]["cancel_reason"]
            .as_str()
            .unwrap()
            .contains(c["number"].as_str().unwrap())
    );
}

#[tokio::test]
async fn a_typed_range_or_parameter_cannot_change_a_verdict() {
    let t = TestApp::spawn().await.unwrap();
    let s = site(&t).await;
    // The first calibration: nothing earlier exists, drift is not judged and says why.
    let first = check_in(&t, &s, 300).await;
    let (status, a) = submit(
        &t,
        &s,
        &first,
        300,
        analyte(&s, "160.6", "160.4", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(outcome(&a, SPAN_DRIFT), "not_applicable");
    assert_eq!(a["references"][0]["number"], Value::Null, "{a}");

    // The next visit checks in; then the enterprise changes the analyser's range to 0–250.
    let second = check_in(&t, &s, 120).await;
    let ent = t.token("ent_a").await.unwrap();
    let (_, listed) = call(
        &t,
        Method::GET,
        &ent,
        &format!("/api/v1/outlets/{}/instruments", s.outlet_id),
        None,
    )
    .await;
    let mut so2 = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == s.so2.as_str())
        .unwrap()
        .clone();
    for k in ["id", "outlet_id", "version"] {
        so2.as_object_mut().unwrap().remove(k);
    }
    so2["range_upper"] = json!("250");
    let (status, changed) = call(
        &t,
        Method::PUT,
        &ent,
        &format!("/api/v1/instruments/{}", s.so2),
        Some(so2),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{changed}");
    assert_eq!(changed["version"], 2);

    // 检查填写 of the draft checks as the submission will: with the registered range; nobody but
    // its filer can check against it.
    let filer = t.token("filer_a").await.unwrap();
    let check = json!({"record_id": second, "fields": {"analytes": [
        analyte(&s, "166.0", "160.0", json!({"range_upper": "250"}))]}});
    let (status, checked) = call(
        &t,
        Method::POST,
        &filer,
        "/api/v1/form-types/fg_calibration/check",
        Some(check.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{checked}");
    assert!(
        checked["errors"]["analytes[0].range_upper"]
            .as_str()
            .unwrap()
            .contains("登记为 200"),
        "{checked}"
    );
    assert_eq!(
        checked["fields"]["analytes"][0]["span_last_post"],
        "160.400"
    );
    let other = t.token("filer_a2").await.unwrap();
    let (status, _) = call(
        &t,
        Method::POST,
        &other,
        "/api/v1/form-types/fg_calibration/check",
        Some(check),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Typing another range or parameter than the record registers is refused, field by field.
    let (status, refused) = submit(
        &t,
        &s,
        &second,
        120,
        analyte(&s, "166.0", "160.0", json!({"range_upper": "250"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let message = refused["fields"]["analytes[0].range_upper"]
        .as_str()
        .unwrap();
    assert!(
        message.contains("仪器档案") && message.contains("200"),
        "{message}"
    );
    let (status, refused) = submit(
        &t,
        &s,
        &second,
        120,
        analyte(&s, "166.0", "160.0", json!({"parameter": "氮氧化物"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(
        refused["fields"]["analytes[0].parameter"]
            .as_str()
            .unwrap()
            .contains("二氧化硫")
    );

    // Left to the server: 0–200 as registered at check-in, so a span drift of
    // (166.0 − 160.4) / 200 = 2.8 %F.S. fails (on 0–250 it would pass at 2.24 %) — judged against
    // the first calibration, which still waits for confirmation and review.
    let (status, b) = submit(
        &t,
        &s,
        &second,
        120,
        analyte(&s, "166.0", "160.0", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(outcome(&b, SPAN_DRIFT), "fail", "{b}");
    assert_eq!(b["references"][0]["number"], a["number"], "{b}");
    let d = detail(&t, b["id"].as_str().unwrap()).await;
    let registered = &d["registered"][0];
    assert_eq!(
        (
            registered["range_upper"].as_str(),
            registered["version"].as_i64()
        ),
        (Some("200"), Some(1)),
        "{d}"
    );
    assert_eq!(d["fields"]["analytes"][0]["range_upper"], "200");
    assert_eq!(d["fields"]["analytes"][0]["span_drift"], "2.8");
    assert_eq!(d["fields"]["analytes"][0]["span_last_post"], "160.400");
}

#[tokio::test]
async fn drift_is_judged_again_when_its_reference_is_voided_or_an_earlier_one_arrives_late() {
    let t = TestApp::spawn().await.unwrap();
    let s = site(&t).await;
    let earliest = check_in(&t, &s, 900).await;
    let (status, z) = submit(
        &t,
        &s,
        &earliest,
        900,
        analyte(&s, "150.2", "150.0", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{z}");
    let reference = check_in(&t, &s, 700).await;
    let (status, a) = submit(
        &t,
        &s,
        &reference,
        700,
        analyte(&s, "150.4", "160.4", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    // B: 161.0 against A's 160.4 is 0.3 %F.S.: passes.
    let judged = check_in(&t, &s, 500).await;
    let (status, b) = submit(
        &t,
        &s,
        &judged,
        500,
        analyte(&s, "161.0", "160.0", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{b}");
    assert_eq!(outcome(&b, SPAN_DRIFT), "pass");
    assert_eq!(b["references"][0]["number"], a["number"]);

    // A is voided: B is judged again against Z — (161.0 − 150.0) / 200 = 5.5 %F.S. fails. B's
    // own verdicts stay as filed; the re-judgement is appended and flagged.
    void(&t, &reference).await;
    let d = detail(&t, &judged).await;
    assert_eq!(outcome(&d, SPAN_DRIFT), "pass", "the filed verdicts stay");
    let rejudged = &d["rejudgements"][0];
    assert_eq!(rejudged["failed"], true, "{d}");
    assert_eq!(outcome(rejudged, SPAN_DRIFT), "fail", "{rejudged}");
    let reason = rejudged["reason"].as_str().unwrap();
    assert!(
        reason.contains(a["number"].as_str().unwrap())
            && reason.contains("作废")
            && reason.contains(z["number"].as_str().unwrap()),
        "{reason}"
    );
    assert_eq!(d["references"][0]["number"], z["number"]);
    let kinds: Vec<&str> = d["record"]["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert!(
        kinds.contains(&"rejudged") && kinds.contains(&"failed_verdict"),
        "{kinds:?}"
    );
    assert_eq!(d["record"]["failed"], true);
    let trail: Vec<&str> = d["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["action"].as_str().unwrap())
        .collect();
    assert!(trail.contains(&"复判"), "{trail:?}");

    // An earlier visit filed offline arrives after a later one: the later one is judged again
    // against it. C checked in before D but is submitted after it.
    let late = check_in(&t, &s, 300).await;
    let later = check_in(&t, &s, 200).await;
    let (status, dd) = submit(
        &t,
        &s,
        &later,
        200,
        analyte(&s, "160.1", "160.0", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{dd}");
    assert_eq!(dd["references"][0]["number"], b["number"]);
    assert_eq!(outcome(&dd, SPAN_DRIFT), "pass");
    let (status, c) = submit(&t, &s, &late, 300, analyte(&s, "160.2", "170.0", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{c}");
    assert_eq!(c["references"][0]["number"], b["number"]);
    let d = detail(&t, &later).await;
    let rejudged = &d["rejudgements"][0];
    // (160.1 − 170.0) / 200 = −4.95 %F.S.
    assert_eq!(outcome(rejudged, SPAN_DRIFT), "fail", "{rejudged}");
    assert!(
        rejudged["reason"]
            .as_str()
            .unwrap()
            .contains(c["number"].as_str().unwrap())
    );
    assert_eq!(d["references"][0]["number"], c["number"]);
    // Records outside both events were not touched.
    assert!(
        detail(&t, &earliest).await["rejudgements"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The periods followed each judgement. Z's reading after adjustment was off by −5 %F.S.:
    // its period was closed by A, opened again when A was voided, and B's re-judged failure was
    // folded into it; D then closed it. C's late failure came after D had already passed, so D
    // closed it at once; D's re-judgement against C fails and is open.
    let listed = periods(&t, "reviewer_a", &s, "").await;
    let opened_by = |r: &Value| {
        listed
            .iter()
            .find(|p| p["opened_by"]["id"] == r["id"])
            .unwrap_or_else(|| panic!("no period opened by {} in {listed:?}", r["number"]))
    };
    assert_eq!(listed.len(), 4, "{listed:?}");
    assert_eq!(opened_by(&z)["closed_by"]["number"], dd["number"]);
    assert_eq!(opened_by(&b)["status"], "cancelled");
    let late_period = opened_by(&c);
    assert_eq!(late_period["status"], "closed", "{late_period}");
    assert_eq!(late_period["closed_by"]["number"], dd["number"]);
    assert_eq!(opened_by(&dd)["status"], "open");
    assert!(
        opened_by(&dd)["reason"]
            .as_str()
            .unwrap()
            .contains("量程漂移")
    );
}

/// Registers a standard material of agency_a: its id.
async fn register(
    t: &TestApp,
    certificate_no: &str,
    value: &str,
    unit: &str,
    expires: &str,
) -> String {
    let agency = t.token("agency_a").await.unwrap();
    let body = json!({"kind": "gas", "certificate_no": certificate_no, "producer": "大连大特气体",
        "lot_no": "L2702", "component": "二氧化硫", "certified_value": value,
        "uncertainty": "U = 2 %，k = 2", "unit": unit, "expires_on": expires});
    let (status, m) = call(
        t,
        Method::POST,
        &agency,
        "/api/v1/filing/standard-materials",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{m}");
    m["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn an_expired_standard_makes_the_calibration_invalid() {
    let t = TestApp::spawn().await.unwrap();
    let s = site(&t).await;
    let agency = t.token("agency_a").await.unwrap();
    // Bad input is named field by field, in Chinese.
    let (status, refused) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/filing/standard-materials",
        Some(
            json!({"kind": "air", "certificate_no": "", "producer": "x", "lot_no": "x",
            "component": "空气", "certified_value": "-1", "uncertainty": "x", "unit": "mg/m³",
            "expires_on": "明年"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    for field in [
        "kind",
        "certificate_no",
        "component",
        "certified_value",
        "expires_on",
    ] {
        assert!(refused["fields"][field].is_string(), "{field}: {refused}");
    }
    // One cylinder expired the day before the visit (3 March 2027), one valid, certified in
    // µmol/mol: 56 × 64.058 / 22.4 = 160.145 mg/m³ on the 0–200 mg/m³ analyser.
    let expired = register(&t, "GBW(E)061001", "160", "mg/m³", "2027-03-02").await;
    let valid = register(&t, "GBW(E)061002", "56", "µmol/mol", "2027-12-31").await;
    let (status, twice) = call(
        &t,
        Method::POST,
        &agency,
        "/api/v1/filing/standard-materials",
        Some(
            json!({"kind": "gas", "certificate_no": "GBW(E)061002", "producer": "x",
            "lot_no": "x", "component": "二氧化硫", "certified_value": "1",
            "uncertainty": "x", "unit": "mg/m³", "expires_on": "2027-12-31"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{twice}");
    assert!(twice["fields"]["certificate_no"].is_string(), "{twice}");

    // Calibrated with the expired cylinder: drift and error pass, the calibration does not.
    let first = check_in(&t, &s, 300).await;
    let (status, answer) = submit(
        &t,
        &s,
        &first,
        300,
        analyte(&s, "160.4", "160.2", json!({"span_standard": expired})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(outcome(&answer, SPAN_DRIFT), "not_applicable");
    assert_eq!(outcome(&answer, "analytes[0].span_post_verdict"), "pass");
    assert_eq!(
        outcome(&answer, "analytes[0].span_standard_verdict"),
        "fail"
    );
    assert_eq!(outcome(&answer, "analytes[0].calibration_ok"), "fail");
    let why = answer["verdicts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| v["path"] == "analytes[0].span_standard_verdict")
        .unwrap()["explanation"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        why.contains("GBW(E)061001") && why.contains("已过期，校准无效"),
        "{why}"
    );
    assert!(
        answer["flags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "failed_verdict"),
        "{answer}"
    );
    // The record keeps the certificate; the failure opens its follow-up at the analyser.
    let d = detail(&t, &first).await;
    assert_eq!(
        d["fields"]["analytes"][0]["span_standard"]["certificate_no"],
        "GBW(E)061001"
    );
    let open = periods(&t, "district_a", &s, "&status=open").await;
    assert_eq!(open.len(), 1, "{open:?}");
    assert_eq!(open[0]["opened_by"]["id"], first.as_str());

    // With the valid cylinder the certified value, converted, is the reference; a typed value
    // that disagrees with it is refused on the field.
    let second = check_in(&t, &s, 200).await;
    let (status, refused) = submit(
        &t,
        &s,
        &second,
        200,
        analyte(&s, "160.4", "160.2", json!({"span_standard": valid})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let message = refused["fields"]["analytes[0].span_reference"]
        .as_str()
        .unwrap();
    assert!(message.contains("160.145"), "{message}");
    let (status, answer) = submit(
        &t,
        &s,
        &second,
        200,
        analyte(
            &s,
            "160.4",
            "160.2",
            json!({"span_standard": valid, "span_reference": null}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        outcome(&answer, "analytes[0].span_standard_verdict"),
        "pass"
    );
    assert_eq!(outcome(&answer, "analytes[0].calibration_ok"), "pass");
    let d = detail(&t, &second).await;
    assert_eq!(d["fields"]["analytes"][0]["span_reference"], "160.145");
    assert!(
        periods(&t, "district_a", &s, "&status=open")
            .await
            .is_empty()
    );

    // A material a record chose no longer changes.
    let (status, locked) = call(
        &t,
        Method::PUT,
        &agency,
        &format!("/api/v1/filing/standard-materials/{valid}"),
        Some(
            json!({"kind": "gas", "certificate_no": "GBW(E)061002", "producer": "x",
            "lot_no": "x", "component": "二氧化硫", "certified_value": "60",
            "uncertainty": "x", "unit": "µmol/mol", "expires_on": "2028-12-31"}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{locked}");
    assert!(locked["fields"]["state"].is_string(), "{locked}");
    // Regulators read the registry on the agency's records.
    let district = t.token("district_a").await.unwrap();
    let me: Value = call(&t, Method::GET, &agency, "/api/v1/me", None).await.1;
    let (status, res) = call(
        &t,
        Method::GET,
        &district,
        &format!(
            "/api/v1/agencies/{}/resources",
            me["org_id"].as_str().unwrap()
        ),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{res}");
    let listed = res["standard_materials"].as_array().unwrap();
    let ours = |id: &str| listed.iter().find(|m| m["id"] == id).unwrap().clone();
    assert_eq!(
        (&ours(&valid)["used"], &ours(&valid)["expired"]),
        (&json!(true), &json!(false))
    );
    assert_eq!(ours(&expired)["expired"], true);
}

#[tokio::test]
async fn a_calibration_without_a_standard_fails_only_from_the_citys_start_date() {
    let t = TestApp::spawn().await.unwrap();
    let s = site(&t).await;
    let city = t.token("city").await.unwrap();
    let filer = t.token("filer_a").await.unwrap();
    let rule = "/api/v1/standard-material-rule";
    let (status, _) = call(
        &t,
        Method::PUT,
        &filer,
        rule,
        Some(json!({"required_from": "2027-03-04"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Today (3 March 2027) is too early: the agencies must have time to register.
    let (status, refused) = call(
        &t,
        Method::PUT,
        &city,
        rule,
        Some(json!({"required_from": "2027-03-03"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    assert!(refused["fields"]["required_from"].is_string(), "{refused}");
    let (status, set) = call(
        &t,
        Method::PUT,
        &city,
        rule,
        Some(json!({"required_from": "2027-03-04"})),
    )
    .await;
    assert_eq!(
        (status, &set["required_from"]),
        (StatusCode::OK, &json!("2027-03-04")),
        "{set}"
    );

    // Before the day: not judged, and said so.
    let before = check_in(&t, &s, 300).await;
    let (status, answer) = submit(
        &t,
        &s,
        &before,
        300,
        analyte(&s, "160.4", "160.2", json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        outcome(&answer, "analytes[0].span_standard_verdict"),
        "not_applicable"
    );
    assert_eq!(outcome(&answer, "analytes[0].calibration_ok"), "pass");

    // From the day: a calibration naming no standard fails.
    t.clock
        .set(Utc.with_ymd_and_hms(2027, 3, 4, 2, 0, 0).unwrap());
    // Signed in again: a day later the sessions have ended.
    let city = t.token("city").await.unwrap();
    let (status, fixed) = call(
        &t,
        Method::PUT,
        &city,
        rule,
        Some(json!({"required_from": null})),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a day begun stays: {fixed}"
    );
    let after = check_in(&t, &s, 60).await;
    let (status, answer) =
        submit(&t, &s, &after, 60, analyte(&s, "160.4", "160.2", json!({}))).await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    assert_eq!(
        outcome(&answer, "analytes[0].span_standard_verdict"),
        "fail"
    );
    assert_eq!(outcome(&answer, "analytes[0].calibration_ok"), "fail");
}
