//! The field loop through the API (api.md core routes): check-in, draft, submission judged by the
//! server, enterprise confirmation, agency review — with the bad input of issue 8 refused in
//! Chinese next to its field, nothing lost and nothing filed twice.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Duration, SecondsFormat};
use emss_domain::clock::Clock;
use emss_testkit::{DemoSite, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// Uploads an image and answers its id.
async fn image(t: &TestApp, token: &str, path: &str, kind: &str, seed: u64) -> String {
    t.image(token, path, kind, seed).await.unwrap()
}

/// A write with an Idempotency-Key.
async fn keyed(
    t: &TestApp,
    token: &str,
    path: &str,
    key: &str,
    body: Value,
) -> (StatusCode, Value) {
    let res = reqwest::Client::new()
        .post(t.url(path))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The demo site with its COD and 氨氮 analysers only.
async fn site(t: &TestApp, filer: &str) -> DemoSite {
    let mut site = t.demo_site(filer).await.unwrap();
    site.instruments
        .retain(|(_, parameter, _, _)| parameter == "化学需氧量" || parameter == "氨氮");
    site
}

/// A position taken `minutes_ago` and sent now (as a phone that was offline sends it).
fn stamp(t: &TestApp, minutes_ago: i64, lat: f64, lon: f64) -> Value {
    let at = t.clock.now() - Duration::minutes(minutes_ago);
    let sent = t.clock.now().to_rfc3339_opts(SecondsFormat::Secs, true);
    json!({"at": at.to_rfc3339_opts(SecondsFormat::Secs, true), "sent_at": sent,
        "lat": lat, "lon": lon, "accuracy_m": 15})
}

/// The 标样核查 form for the site's two analysers; `reading_of_second` sets 氨氮's reading.
fn standard_check(
    t: &TestApp,
    site: &DemoSite,
    photo: &str,
    reading_of_second: Option<&str>,
) -> Value {
    let analytes: Vec<Value> = site
        .instruments
        .iter()
        .enumerate()
        .map(|(n, (id, parameter, unit, upper))| {
            let standard: f64 = upper.parse::<f64>().unwrap() / 2.0;
            let reading = match (n, reading_of_second) {
                (1, Some(r)) => Value::String(r.to_string()),
                (1, None) => Value::Null,
                _ => Value::String(format!("{:.3}", standard * 1.02)),
            };
            json!({"instrument_id": id, "parameter": parameter, "unit": unit,
                "range_upper": upper, "standard_value": format!("{standard:.3}"),
                "reading": reading, "calibrated": "否"})
        })
        .collect();
    let checked_at = (t.clock.now() - Duration::minutes(20))
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .to_rfc3339();
    json!({"header": {"checked_at": checked_at}, "analytes": analytes,
        "evidence": {"photos": [photo]}})
}

#[tokio::test]
async fn a_record_goes_from_check_in_to_approval() {
    let t = TestApp::spawn().await.unwrap();
    let filer = t.token("filer_a").await.unwrap();
    let s = site(&t, &filer).await;
    assert_eq!(s.instruments.len(), 2);
    let ids: Vec<&str> = s.instruments.iter().map(|i| i.0.as_str()).collect();

    // No position, no check-in; a form type of the other kind; an instrument not at the outlet.
    let base = json!({"task_id": s.task_id, "outlet_id": s.outlet_id,
        "form_type": "ww_standard_check", "instrument_ids": ids});
    let mut no_position = base.clone();
    no_position["check_in"] = json!({"at": "2026-11-29T09:00:00+08:00"});
    let (status, body) = t
        .call(Method::POST, &filer, "/api/v1/records", Some(no_position))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["check_in"]
            .as_str()
            .unwrap()
            .contains("定位")
    );
    let mut flue_gas = base.clone();
    flue_gas["form_type"] = json!("fg_calibration");
    flue_gas["check_in"] = stamp(&t, 30, s.lat, s.lon);
    let (status, body) = t
        .call(Method::POST, &filer, "/api/v1/records", Some(flue_gas))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["form_type"], "该表单类型不适用于此类排口");
    let mut stranger = base.clone();
    stranger["instrument_ids"] = json!([ids[0], "0123456789abcdef0123456789abcdef"]);
    stranger["check_in"] = stamp(&t, 30, s.lat, s.lon);
    let (status, body) = t
        .call(Method::POST, &filer, "/api/v1/records", Some(stranger))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["instrument_ids"],
        "只能选择该排口登记的监测仪器"
    );

    // A check-in three days old is not taken.
    let mut stale = base.clone();
    stale["check_in"] = stamp(&t, 73 * 60, s.lat, s.lon);
    let (status, body) = t
        .call(Method::POST, &filer, "/api/v1/records", Some(stale))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body["fields"]["check_in"]
            .as_str()
            .unwrap()
            .contains("72 小时")
    );

    // …nor one dated in the future (a year ahead would number the record YW2027…).
    for minutes_ahead in [10, 365 * 24 * 60] {
        let mut ahead = base.clone();
        ahead["check_in"] = stamp(&t, -minutes_ahead, s.lat, s.lon);
        let (status, body) = t
            .call(Method::POST, &filer, "/api/v1/records", Some(ahead))
            .await
            .unwrap();
        assert_eq!(
            status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{minutes_ahead}: {body}"
        );
        assert!(
            body["fields"]["check_in"]
                .as_str()
                .unwrap()
                .contains("晚于服务器时间"),
            "{body}"
        );
    }

    // Check-in, sent twice with one key: one record.
    let mut create = base.clone();
    create["check_in"] = stamp(&t, 30, s.lat + 0.0003, s.lon);
    let key = "5f0e2a4c-1b7d-4e8f-9a6b-3c2d1e0f9a8b";
    let (status, first) = keyed(&t, &filer, "/api/v1/records", key, create.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{first}");
    let (status, again) = keyed(&t, &filer, "/api/v1/records", key, create).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(first["id"], again["id"]);
    let id = first["id"].as_str().unwrap().to_string();
    assert_eq!(first["state"], "draft");
    let (_, drafts) = t
        .call(
            Method::GET,
            &filer,
            &format!("/api/v1/records?state=draft&task_id={}", s.task_id),
            None,
        )
        .await
        .unwrap();
    let mine = drafts["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["id"] == id.as_str())
        .count();
    assert_eq!(mine, 1);

    // Photos for the draft; a PDF named .jpg is not a photo.
    let attach = format!("/api/v1/records/{id}/attachments");
    let (status, body) = t
        .upload(
            &filer,
            &attach,
            &[("kind", "evidence_photo")],
            Some(("a.jpg", emss_testkit::SAMPLE_PDF.to_vec())),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let photo = image(&t, &filer, &attach, "evidence_photo", 1).await;
    let face = image(&t, &filer, &attach, "work_photo", 2).await;
    let signature = image(&t, &filer, &attach, "signature", 3).await;

    // A draft without 氨氮's reading is kept; submitting it names the field.
    let (status, saved) = t
        .call(
            Method::PUT,
            &filer,
            &format!("/api/v1/records/{id}"),
            Some(json!({"fields": standard_check(&t, &s, &photo, None)})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{saved}");
    let submit = format!("/api/v1/records/{id}/submit");
    let out = |face: &str, signature: &str| {
        json!({"check_out": stamp(&t, 0, s.lat, s.lon), "work_photo_id": face,
            "signature_id": signature})
    };
    let (status, body) = t
        .call(Method::POST, &filer, &submit, Some(out(&face, &signature)))
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"]["analytes[1].reading"], "请填写实测浓度");
    // The signature given as the work photo is refused by kind.
    let (status, body) = t
        .call(
            Method::POST,
            &filer,
            &submit,
            Some(out(&signature, &signature)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        body["fields"]["work_photo_id"],
        "这不是工作照，请用相机拍摄工作照"
    );
    let (_, kept) = t
        .call(Method::GET, &filer, &format!("/api/v1/records/{id}"), None)
        .await
        .unwrap();
    assert_eq!(kept["record"]["state"], "draft");
    assert_eq!(kept["fields"]["evidence"]["photos"][0], photo.as_str());

    // 氨氮 reads 12 % high: submitted, judged failed, flagged with the reason; sent three times.
    t.call(
        Method::PUT,
        &filer,
        &format!("/api/v1/records/{id}"),
        Some(json!({"fields": standard_check(&t, &s, &photo, Some("28.000"))})),
    )
    .await
    .unwrap();
    let submit_key = "a1b2c3d4-0000-4000-8000-000000000001";
    let mut answers = Vec::new();
    for _ in 0..3 {
        answers.push(keyed(&t, &filer, &submit, submit_key, out(&face, &signature)).await);
    }
    let (status, submitted) = &answers[0];
    assert_eq!(*status, StatusCode::OK, "{submitted}");
    assert!(
        answers
            .iter()
            .all(|(st, b)| *st == StatusCode::OK && b == submitted)
    );
    assert_eq!(submitted["state"], "submitted");
    let verdict = |path: &str| {
        submitted["verdicts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["path"] == path)
            .unwrap()["outcome"]
            .clone()
    };
    assert_eq!(verdict("analytes[0].check_verdict"), "pass");
    assert_eq!(verdict("analytes[1].check_verdict"), "fail");
    let kinds: Vec<&str> = submitted["flags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["failed_verdict"], "{submitted}");

    // Submitted records never change.
    let (status, _) = t
        .call(
            Method::PUT,
            &filer,
            &format!("/api/v1/records/{id}"),
            Some(json!({"fields": {}})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // The week's 标样核查 is done by it.
    let (_, week) = t
        .call(
            Method::GET,
            &filer,
            &format!("/api/v1/tasks/{}/occurrences?window=week", s.task_id),
            None,
        )
        .await
        .unwrap();
    assert!(
        week["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o["form_type"] == "ww_standard_check" && o["state"] == "done"),
        "{week}"
    );

    // The enterprise: today waits; another enterprise cannot confirm it.
    let ent = t.token("ent_a").await.unwrap();
    let (_, days) = t
        .call(Method::GET, &ent, "/api/v1/confirmations/pending", None)
        .await
        .unwrap();
    let visit_date = submitted_date(&t, &filer, &id).await;
    assert!(
        days.as_array()
            .unwrap()
            .iter()
            .any(|d| d["date"] == visit_date.as_str() && d["count"].as_u64().unwrap() >= 1),
        "{days}"
    );
    let ent_b = t.token("ent_b").await.unwrap();
    let b_sig = image(&t, &ent_b, "/api/v1/attachments", "signature", 4).await;
    let b_face = image(&t, &ent_b, "/api/v1/attachments", "work_photo", 5).await;
    let (status, body) = t
        .call(
            Method::POST,
            &ent_b,
            "/api/v1/confirmations",
            Some(
                json!({"date": visit_date, "record_ids": [id], "signature_id": b_sig,
                "work_photo_id": b_face}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"]["record_ids"], "所选记录不存在");
    let (status, _) = t
        .call(Method::GET, &ent_b, &format!("/api/v1/records/{id}"), None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);

    // An unconfirmed record cannot be approved.
    let reviewer = t.token("reviewer_a").await.unwrap();
    let r_sig = image(&t, &reviewer, "/api/v1/attachments", "signature", 6).await;
    // The reviewer takes a work photo at review, as at filing and confirmation.
    let (status, body) = t
        .call(
            Method::POST,
            &reviewer,
            "/api/v1/reviews",
            Some(json!({"record_ids": [id], "decision": "approve", "signature_id": r_sig})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["fields"]["work_photo_id"], "请拍摄工作照");
    let r_face = image(&t, &reviewer, "/api/v1/attachments", "work_photo", 9).await;
    let (status, early) = t
        .call(
            Method::POST,
            &reviewer,
            "/api/v1/reviews",
            Some(json!({"record_ids": [id], "decision": "approve", "signature_id": r_sig, "work_photo_id": r_face})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(early["results"][0]["code"], "invalid_state");

    let e_sig = image(&t, &ent, "/api/v1/attachments", "signature", 7).await;
    let e_face = image(&t, &ent, "/api/v1/attachments", "work_photo", 8).await;
    let (status, confirmed) = t
        .call(
            Method::POST,
            &ent,
            "/api/v1/confirmations",
            Some(
                json!({"date": visit_date, "record_ids": [id], "signature_id": e_sig,
                "work_photo_id": e_face}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    assert_eq!(confirmed["records"][0]["state"], "confirmed");

    // Void needs a reason; a batch with an unknown id approves the rest.
    let (status, body) = t
        .call(
            Method::POST,
            &reviewer,
            "/api/v1/reviews",
            Some(json!({"record_ids": [id], "decision": "void", "signature_id": r_sig, "work_photo_id": r_face})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(body["fields"]["reason"], "作废须填写原因");
    // Its failed verdict must be acknowledged, record by record, before it is approved.
    let (status, refused) = t
        .call(
            Method::POST,
            &reviewer,
            "/api/v1/reviews",
            Some(json!({"record_ids": [id], "decision": "approve", "signature_id": r_sig, "work_photo_id": r_face})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{refused}");
    assert_eq!(refused["results"][0]["code"], "acknowledgement_required");
    assert!(
        refused["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("处理意见")
    );
    let (status, blank) = t
        .call(
            Method::POST,
            &reviewer,
            "/api/v1/reviews",
            Some(
                json!({"record_ids": [id], "decision": "approve", "signature_id": r_sig, "work_photo_id": r_face,
                "acknowledgements": [{"record_id": id, "comment": "  "}]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{blank}");
    assert_eq!(
        blank["fields"]["acknowledgements[0].comment"],
        "请填写处理意见"
    );
    let acknowledgement = "氨氮偏高已重新校准，复测合格后恢复数据";
    let (status, reviewed) = t
        .call(
            Method::POST,
            &reviewer,
            "/api/v1/reviews",
            Some(
                json!({"record_ids": [id, "0123456789abcdef0123456789abcdef"],
                "decision": "approve", "signature_id": r_sig, "work_photo_id": r_face,
                "acknowledgements": [{"record_id": id, "comment": acknowledgement}]}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reviewed["results"][0]["ok"], true, "{reviewed}");
    assert_eq!(reviewed["results"][1]["code"], "not_found");

    // Everyone in scope reads it, its evidence and its trail; 闵行 does not.
    let district = t.token("district_a").await.unwrap();
    let (status, seen) = t
        .call(
            Method::GET,
            &district,
            &format!("/api/v1/records/{id}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["record"]["state"], "approved");
    assert_eq!(seen["record"]["acknowledgement"], acknowledgement);
    assert_eq!(seen["record"]["flags"][0]["kind"], "failed_verdict");
    let roles: Vec<&str> = seen["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["role"].as_str().unwrap())
        .collect();
    for role in [
        "work_photo",
        "signature",
        "evidence_photo",
        "confirm_photo",
        "confirm_signature",
        "review_signature",
    ] {
        assert!(roles.contains(&role), "{role} in {roles:?}");
    }
    let actions: Vec<&str> = seen["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "签到，开始填报",
            "保存草稿",
            "保存草稿",
            "结束签到并上传",
            "企业确认",
            "审核通过"
        ]
    );
    let res = reqwest::Client::new()
        .get(t.url(&format!("/api/v1/attachments/{face}")))
        .bearer_auth(&district)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let other = t.token("district_b").await.unwrap();
    for path in [
        format!("/api/v1/records/{id}"),
        format!("/api/v1/attachments/{face}"),
    ] {
        let res = reqwest::Client::new()
            .get(t.url(&path))
            .bearer_auth(&other)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{path}");
    }
    let (_, failed) = t
        .call(
            Method::GET,
            &district,
            "/api/v1/records?verdict=fail&flag=failed_verdict&state=approved",
            None,
        )
        .await
        .unwrap();
    assert!(
        failed["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == id.as_str())
    );
    let (status, _) = t
        .call(
            Method::GET,
            &district,
            "/api/v1/records?flag=nonsense",
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn submitted_date(t: &TestApp, token: &str, id: &str) -> String {
    let (_, r) = t
        .call(Method::GET, token, &format!("/api/v1/records/{id}"), None)
        .await
        .unwrap();
    r["record"]["visit_date"].as_str().unwrap().to_string()
}

/// `token` files a 标样核查 at the site with 氨氮 read 25.500 (failed) and checks out `away_lat`
/// degrees north of the outlet; answers the record's id and the submission's answer.
async fn file_failed_check(
    t: &TestApp,
    token: &str,
    s: &DemoSite,
    away_lat: f64,
    seed: u64,
) -> (String, Value) {
    let ids: Vec<&str> = s.instruments.iter().map(|i| i.0.as_str()).collect();
    let (status, created) = t
        .call(
            Method::POST,
            token,
            "/api/v1/records",
            Some(json!({"task_id": s.task_id, "outlet_id": s.outlet_id,
                "form_type": "ww_standard_check", "instrument_ids": ids,
                "check_in": stamp(t, 40, s.lat, s.lon)})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let attach = format!("/api/v1/records/{id}/attachments");
    let photo = image(t, token, &attach, "evidence_photo", seed).await;
    let face = image(t, token, &attach, "work_photo", seed + 1).await;
    let signature = image(t, token, &attach, "signature", seed + 2).await;
    t.call(
        Method::PUT,
        token,
        &format!("/api/v1/records/{id}"),
        Some(json!({"fields": standard_check(t, s, &photo, Some("25.500"))})),
    )
    .await
    .unwrap();
    let (status, submitted) = t
        .call(
            Method::POST,
            token,
            &format!("/api/v1/records/{id}/submit"),
            Some(json!({"check_out": stamp(t, 0, s.lat + away_lat, s.lon),
                "work_photo_id": face, "signature_id": signature})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{submitted}");
    (id, submitted)
}

#[tokio::test]
async fn the_filer_never_reviews_their_own_record() {
    let t = TestApp::spawn().await.unwrap();
    // filer_a2 is made reviewer as well by the agency's main account.
    let main = t.token("agency_a").await.unwrap();
    let (_, found) = t
        .call(
            Method::GET,
            &main,
            "/api/v1/accounts?keyword=filer_a2",
            None,
        )
        .await
        .unwrap();
    let account = found["items"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = t
        .call(
            Method::PUT,
            &main,
            &format!("/api/v1/accounts/{account}/roles"),
            Some(json!({"roles": ["filer", "reviewer"]})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
    let both = t.token("filer_a2").await.unwrap();
    let s = site(&t, &both).await;
    // Checked out 1.5 km away: flagged, not refused.
    let (id, submitted) = file_failed_check(&t, &both, &s, 0.0135, 11).await;
    assert_eq!(submitted["flags"][0]["kind"], "far_from_outlet");
    assert!(
        submitted["flags"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("签退位置距排口")
    );

    let ent = t.token("ent_a").await.unwrap();
    let e_sig = image(&t, &ent, "/api/v1/attachments", "signature", 14).await;
    let e_face = image(&t, &ent, "/api/v1/attachments", "work_photo", 15).await;
    let date = submitted_date(&t, &ent, &id).await;
    // The whole day: the demo's record of today and this one.
    let (status, confirmed) = t
        .call(
            Method::POST,
            &ent,
            "/api/v1/confirmations",
            Some(json!({"date": date, "signature_id": e_sig, "work_photo_id": e_face})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{confirmed}");
    let confirmed: Vec<String> = confirmed["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect();
    assert!(confirmed.len() >= 2 && confirmed.contains(&id));
    let other = confirmed.iter().find(|r| **r != id).unwrap().clone();

    let sig = image(&t, &both, "/api/v1/attachments", "signature", 16).await;
    let face = image(&t, &both, "/api/v1/attachments", "work_photo", 17).await;
    let (status, reviewed) = t
        .call(
            Method::POST,
            &both,
            "/api/v1/reviews",
            Some(json!({"record_ids": [id, other], "decision": "void",
                "reason": "核查照片看不清标液瓶", "signature_id": sig,
                "work_photo_id": face})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{reviewed}");
    assert_eq!(reviewed["results"][0]["ok"], false);
    assert_eq!(reviewed["results"][0]["code"], "own_record");
    assert!(
        reviewed["results"][0]["message"]
            .as_str()
            .unwrap()
            .contains("本人填报")
    );
    assert_eq!(reviewed["results"][1]["ok"], true);
    let (_, voided) = t
        .call(
            Method::GET,
            &both,
            &format!("/api/v1/records/{other}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(voided["record"]["state"], "voided");
    assert_eq!(voided["record"]["void_reason"], "核查照片看不清标液瓶");
    let (_, own) = t
        .call(Method::GET, &both, &format!("/api/v1/records/{id}"), None)
        .await
        .unwrap();
    assert_eq!(own["record"]["state"], "confirmed");
}

/// Sets an account's roles as its organisation's main account.
async fn give_roles(t: &TestApp, main: &str, username: &str, roles: Value) {
    let (_, found) = t
        .call(
            Method::GET,
            main,
            &format!("/api/v1/accounts?keyword={username}"),
            None,
        )
        .await
        .unwrap();
    let account = found["items"][0]["id"].as_str().unwrap().to_string();
    let (status, body) = t
        .call(
            Method::PUT,
            main,
            &format!("/api/v1/accounts/{account}/roles"),
            Some(json!({"roles": roles})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{body}");
}

#[tokio::test]
async fn three_people_file_confirm_and_review_in_a_self_maintaining_enterprise() {
    let t = TestApp::spawn().await.unwrap();
    let main = t.token("selfom").await.unwrap();
    // Its internal contract binds its own running task.
    let (_, contracts) = t
        .call(Method::GET, &main, "/api/v1/contracts", None)
        .await
        .unwrap();
    assert_eq!(contracts["total"], 1, "{contracts}");
    assert_eq!(contracts["items"][0]["title"], "自行运维内部合同");
    // The filer may confirm as well, and the confirmer review: never their own record.
    give_roles(&t, &main, "selfom_filer", json!(["filer", "confirmer"])).await;
    give_roles(
        &t,
        &main,
        "selfom_confirm",
        json!(["confirmer", "reviewer"]),
    )
    .await;

    let filer = t.token("selfom_filer").await.unwrap();
    let s = site(&t, &filer).await;
    assert_eq!(s.instruments.len(), 2, "the self-maintainer's COD and 氨氮");
    let (id, _) = file_failed_check(&t, &filer, &s, 0.0, 31).await;
    let date = submitted_date(&t, &filer, &id).await;

    // The filer cannot confirm their own record, by name or with the whole day.
    let f_sig = image(&t, &filer, "/api/v1/attachments", "signature", 34).await;
    let f_face = image(&t, &filer, "/api/v1/attachments", "work_photo", 35).await;
    for body in [
        json!({"date": date, "record_ids": [id], "signature_id": f_sig, "work_photo_id": f_face}),
        json!({"date": date, "signature_id": f_sig, "work_photo_id": f_face}),
    ] {
        let (status, refused) = t
            .call(Method::POST, &filer, "/api/v1/confirmations", Some(body))
            .await
            .unwrap();
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        let said = refused.to_string();
        assert!(
            said.contains("record_ids")
                && said.contains("本人填报")
                && said.contains("三个不同的人"),
            "{said}"
        );
    }

    // A second person confirms.
    let confirmer = t.token("selfom_confirm").await.unwrap();
    let c_sig = image(&t, &confirmer, "/api/v1/attachments", "signature", 36).await;
    let c_face = image(&t, &confirmer, "/api/v1/attachments", "work_photo", 37).await;
    let (status, confirmed) = t
        .call(
            Method::POST,
            &confirmer,
            "/api/v1/confirmations",
            Some(
                json!({"date": date, "record_ids": [id], "signature_id": c_sig,
                "work_photo_id": c_face}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{confirmed}");

    // Who confirmed it does not review it; a third person does.
    let sig = image(&t, &confirmer, "/api/v1/attachments", "signature", 38).await;
    let face = image(&t, &confirmer, "/api/v1/attachments", "work_photo", 40).await;
    let ack = json!([{"record_id": id, "comment": "氨氮核查不合格，已安排校准"}]);
    let (_, own) = t
        .call(
            Method::POST,
            &confirmer,
            "/api/v1/reviews",
            Some(
                json!({"record_ids": [id], "decision": "approve", "reason": "",
                "signature_id": sig, "work_photo_id": face, "acknowledgements": ack}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(own["results"][0]["ok"], false, "{own}");
    assert_eq!(own["results"][0]["code"], "own_confirmation");
    let reviewer = t.token("selfom_reviewer").await.unwrap();
    let sig = image(&t, &reviewer, "/api/v1/attachments", "signature", 39).await;
    let face = image(&t, &reviewer, "/api/v1/attachments", "work_photo", 41).await;
    let (status, reviewed) = t
        .call(
            Method::POST,
            &reviewer,
            "/api/v1/reviews",
            Some(
                json!({"record_ids": [id], "decision": "approve", "reason": "",
                "signature_id": sig, "work_photo_id": face, "acknowledgements": ack}),
            ),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{reviewed}");
    assert_eq!(reviewed["results"][0]["ok"], true, "{reviewed}");

    // The district sees it like any agency's record; other parties do not see it at all.
    let path = format!("/api/v1/records/{id}");
    let district = t.token("district_a").await.unwrap();
    let (status, seen) = t.call(Method::GET, &district, &path, None).await.unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["record"]["state"], "approved");
    for other in ["agency_a", "ent_a", "district_b"] {
        let token = t.token(other).await.unwrap();
        let (status, _) = t.call(Method::GET, &token, &path, None).await.unwrap();
        assert_eq!(status, StatusCode::NOT_FOUND, "{other}");
    }
}

#[tokio::test]
async fn the_demo_week_holds_records_in_every_state() {
    let t = TestApp::spawn().await.unwrap();
    let city = t.token("city").await.unwrap();
    for (state, at_least) in [
        ("submitted", 2),
        ("confirmed", 2),
        ("approved", 2),
        ("voided", 1),
    ] {
        let (_, page) = t
            .call(
                Method::GET,
                &city,
                &format!("/api/v1/records?state={state}"),
                None,
            )
            .await
            .unwrap();
        assert!(
            page["total"].as_u64().unwrap() >= at_least,
            "{state}: {page}"
        );
    }
    // Drafts are their filer's alone.
    let (_, drafts) = t
        .call(Method::GET, &city, "/api/v1/records?state=draft", None)
        .await
        .unwrap();
    assert_eq!(drafts["total"], 0);
    for flag in ["failed_verdict", "far_from_outlet", "duplicate_photo"] {
        let (_, page) = t
            .call(
                Method::GET,
                &city,
                &format!("/api/v1/records?flag={flag}"),
                None,
            )
            .await
            .unwrap();
        assert!(page["total"].as_u64().unwrap() >= 1, "{flag}");
    }
    // An approved demo record has the trail a real one has: who did what, in order.
    let (_, approved) = t
        .call(Method::GET, &city, "/api/v1/records?state=approved", None)
        .await
        .unwrap();
    let id = approved["items"][0]["id"].as_str().unwrap();
    let (_, detail) = t
        .call(Method::GET, &city, &format!("/api/v1/records/{id}"), None)
        .await
        .unwrap();
    let steps: Vec<(String, String)> = detail["trail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["action"].as_str().unwrap().to_string(),
                l["actor"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let actions: Vec<&str> = steps.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        ["签到，开始填报", "结束签到并上传", "企业确认", "审核通过"],
        "{steps:?}"
    );
    assert!(
        steps[0].1.contains("张伟") && steps[2].1.contains("马丽") && steps[3].1.contains("王强"),
        "{steps:?}"
    );
}

fn ids_of(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_string())
        .collect()
}

/// The flag filter alone is counted and paged from its own table: for every viewer it lists
/// exactly the records of their whole list that show the flag, in the same order, page by page
/// and within visit days.
#[tokio::test]
async fn a_flag_filter_lists_exactly_the_records_in_scope_carrying_the_flag() {
    let t = TestApp::spawn().await.unwrap();
    let mut seen = 0;
    for viewer in ["city", "district_a", "district_b", "agency_a", "ent_a"] {
        let token = t.token(viewer).await.unwrap();
        let (_, all) = t
            .call(Method::GET, &token, "/api/v1/records?page_size=100", None)
            .await
            .unwrap();
        assert!(all["total"].as_u64().unwrap() <= 100, "{viewer}: {all}");
        for flag in [
            "failed_verdict",
            "far_from_outlet",
            "duplicate_photo",
            "short_visit",
        ] {
            let carrying: Vec<&Value> = all["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| {
                    r["flags"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|f| f["kind"] == flag)
                })
                .collect();
            let expected: Vec<String> = carrying
                .iter()
                .map(|r| r["id"].as_str().unwrap().to_string())
                .collect();
            seen += expected.len();
            let path = format!("/api/v1/records?flag={flag}&page_size=100");
            let (_, page) = t.call(Method::GET, &token, &path, None).await.unwrap();
            assert_eq!(ids_of(&page), expected, "{viewer} {flag}");
            assert_eq!(page["total"], expected.len(), "{viewer} {flag}");
            if expected.len() > 1 {
                let path = format!("/api/v1/records?flag={flag}&page_size=1&page=2");
                let (_, second) = t.call(Method::GET, &token, &path, None).await.unwrap();
                assert_eq!(ids_of(&second), vec![expected[1].clone()]);
                assert_eq!(second["total"], expected.len());
            }
            if let Some(first) = carrying.first() {
                let day = first["visit_date"].as_str().unwrap();
                let same_day: Vec<String> = carrying
                    .iter()
                    .filter(|r| r["visit_date"] == day)
                    .map(|r| r["id"].as_str().unwrap().to_string())
                    .collect();
                let path = format!("/api/v1/records?flag={flag}&from={day}&to={day}");
                let (_, page) = t.call(Method::GET, &token, &path, None).await.unwrap();
                assert_eq!(ids_of(&page), same_day, "{viewer} {flag} {day}");
            }
        }
    }
    assert!(seen > 3, "the demo week carries flags");
}

/// The same site photo filed again is flagged on the later record, naming where it was used
/// before: the latest five by number, the rest counted. The filer's own face on every record is
/// not a reuse; the same face picture is.
#[tokio::test]
async fn a_photo_filed_again_is_flagged_naming_the_records_it_was_on() {
    let t = TestApp::spawn().await.unwrap();
    let filer = t.token("filer_a").await.unwrap();
    let s = site(&t, &filer).await;
    let ids: Vec<&str> = s.instruments.iter().map(|i| i.0.as_str()).collect();
    let mut numbers = Vec::new();
    let mut last = Value::Null;
    for n in 0..7u64 {
        let create = json!({"task_id": s.task_id, "outlet_id": s.outlet_id,
            "form_type": "ww_standard_check", "instrument_ids": ids,
            "check_in": stamp(&t, 30, s.lat, s.lon)});
        let (status, draft) = t
            .call(Method::POST, &filer, "/api/v1/records", Some(create))
            .await
            .unwrap();
        assert_eq!(status, StatusCode::CREATED, "{draft}");
        let id = draft["id"].as_str().unwrap();
        let attach = format!("/api/v1/records/{id}/attachments");
        // The same picture each time, uploaded anew; a face of its own each time.
        let photo = image(&t, &filer, &attach, "evidence_photo", 4242).await;
        let face = image(&t, &filer, &attach, "work_photo", 500 + n).await;
        let signature = image(&t, &filer, &attach, "signature", 600 + n).await;
        let (status, body) = t
            .call(
                Method::PUT,
                &filer,
                &format!("/api/v1/records/{id}"),
                Some(json!({"fields": standard_check(&t, &s, &photo, Some("20.000"))})),
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{body}");
        let (status, submitted) = t
            .call(
                Method::POST,
                &filer,
                &format!("/api/v1/records/{id}/submit"),
                Some(json!({"check_out": stamp(&t, 0, s.lat, s.lon),
                    "work_photo_id": face, "signature_id": signature})),
            )
            .await
            .unwrap();
        assert_eq!(status, StatusCode::OK, "{submitted}");
        let reused: Vec<&Value> = submitted["flags"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["kind"] == "duplicate_photo")
            .collect();
        match n {
            0 => assert!(reused.is_empty(), "{submitted}"),
            1 => assert_eq!(
                reused[0]["reason"],
                format!("现场照片与记录 {} 中的照片相同", numbers[0]),
            ),
            _ => assert_eq!(reused.len(), 1, "{submitted}"),
        }
        numbers.push(submitted["number"].as_str().unwrap().to_string());
        last = reused.first().map(|f| (*f).clone()).unwrap_or(Value::Null);
        t.clock.advance(Duration::minutes(5));
    }
    let reason = last["reason"].as_str().unwrap();
    assert!(reason.starts_with("现场照片与记录 "), "{reason}");
    assert!(reason.ends_with(" 等 6 条记录中的照片相同"), "{reason}");
    for (i, number) in numbers[..6].iter().enumerate() {
        // The five latest are named, the first one only counted.
        assert_eq!(
            reason.contains(number.as_str()),
            i > 0,
            "{number}: {reason}"
        );
    }
}
