//! 信用评价 through the pages and the API: the city edits and publishes an indicator system, EMSS
//! rates every agency, each indicator's score follows its rule from the fact stored with it, the
//! facts equal a recount of the lists they come from, the objects behind each indicator open,
//! each viewer reads only what it may, a broken document is refused with its reasons and loses
//! nothing, and a closed year is rated once and frozen (under the injected clock).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{Datelike, TimeZone};
use emss_db::repo::statistics::{Key, Slice};
use emss_domain::Scope;
use emss_domain::clock::Clock;
use emss_domain::credit::{IndicatorSystem, Measure, Points};
use emss_testkit::{Browser, TestApp};
use reqwest::{Method, StatusCode};
use serde_json::Value;

async fn compute(b: &Browser, year: i32) -> reqwest::Response {
    b.post_form("/credit/ratings/compute", &[("period", &year.to_string())])
        .await
        .unwrap()
}

fn today(t: &TestApp) -> chrono::NaiveDate {
    emss_domain::time::shanghai_date(t.clock.now())
}

fn location(res: &reqwest::Response) -> String {
    res.headers()["location"].to_str().unwrap().to_string()
}

async fn published(t: &TestApp, kind: &str) -> emss_db::entity::credit_system::Model {
    emss_db::repo::credit::newest(&t.app.db().conn, kind, "published")
        .await
        .unwrap()
        .unwrap()
}

/// One agency's ratings of a year through the API, as `who` reads them.
async fn rating(t: &TestApp, who: &str, agency: &str, year: i32) -> (StatusCode, Value) {
    let token = t.token(who).await.unwrap();
    t.call(
        Method::GET,
        &token,
        &format!("/api/v1/credit/ratings/{agency}?period={year}"),
        None,
    )
    .await
    .unwrap()
}

fn of_kind<'a>(ratings: &'a Value, kind: &str) -> &'a Value {
    ratings
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} rating in {ratings}"))
}

fn item<'a>(r: &'a Value, code: &str) -> &'a Value {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == code)
        .unwrap_or_else(|| panic!("no item {code}"))
}

fn points(text: &Value) -> Points {
    Points::from_number(text.as_str().unwrap().parse::<f64>().unwrap()).unwrap()
}

/// Every item's score is its rule applied to its stored fact, and they add up to the total.
fn scores_follow_the_rules(system: &IndicatorSystem, r: &Value) {
    let value_of = |m: Measure| -> Option<i64> {
        let i = r["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["measure"] == m.id().as_str())?;
        let fact = i["fact"].as_str().unwrap();
        if fact == "—" {
            return None;
        }
        match m.unit() {
            emss_domain::credit::Unit::Permille => {
                let percent: f64 = fact.trim_end_matches('%').parse().unwrap();
                Some((percent * 10.0).round() as i64)
            }
            emss_domain::credit::Unit::Count => {
                Some(fact.split(' ').next().unwrap().parse().unwrap())
            }
        }
    };
    let expected = emss_domain::credit::rate(system, value_of).unwrap();
    for e in &expected.items {
        let got = item(r, &e.code);
        assert_eq!(
            points(&got["scored"]),
            e.scored,
            "{}: {}",
            e.code,
            got["why"]
        );
        assert_eq!(got["why"], e.why.as_str());
    }
    assert_eq!(points(&r["total"]), expected.total);
    assert_eq!(r["grade_code"], expected.grade_code.as_str());
    let sum = points(&r["base"]).tenths()
        + points(&r["deductions"]).tenths()
        + points(&r["bonuses"]).tenths();
    assert_eq!(Points(sum.max(0)), expected.total);
}

#[tokio::test]
async fn the_city_publishes_a_system_and_every_agency_is_rated_with_the_facts_behind_it() {
    let t = TestApp::spawn().await.unwrap();
    let city = t.browser("city").await.unwrap();
    let year = today(&t).year();
    let v1 = published(&t, "maintenance").await;

    // The city edits the published version into a new draft: 超期 costs 1 point each now.
    let edited = v1.document.replace(
        "each = 0.5\n\n[[indicator]]\ncode = \"B03\"",
        "each = 1\n\n[[indicator]]\ncode = \"B03\"",
    );
    assert_ne!(edited, v1.document);
    let saved = city
        .post_form("/credit/drafts/maintenance", &[("document", &edited)])
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let draft_page = location(&saved);
    let draft_id = draft_page
        .trim_start_matches("/credit/systems/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let html = city.page(&draft_page).await.unwrap();
    assert!(
        html.contains("草稿已保存") && html.contains("第 2 版"),
        "{html}"
    );
    // The draft is the regulators' alone until published.
    let agency = t.browser("agency_a").await.unwrap();
    assert_eq!(
        agency.get(&draft_page).await.unwrap().status(),
        StatusCode::NOT_FOUND
    );
    let published_res = city
        .post_form(&format!("/credit/systems/{draft_id}/publish"), &[])
        .await
        .unwrap();
    assert_eq!(published_res.status(), StatusCode::SEE_OTHER);
    assert!(
        city.page(&location(&published_res))
            .await
            .unwrap()
            .contains("第 2 版已发布")
    );
    // The version published before is unchanged, and both are listed.
    let v1_again = emss_db::repo::credit::system(&t.app.db().conn, &v1.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(v1_again.document, v1.document);
    let token = t.token("city").await.unwrap();
    let (status, systems) = t
        .call(Method::GET, &token, "/api/v1/credit/systems", None)
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    let maintenance: Vec<&Value> = systems
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["kind"] == "maintenance")
        .collect();
    assert_eq!(maintenance.len(), 2);
    assert_eq!(
        (
            maintenance[0]["version"].as_i64(),
            maintenance[0]["state"].as_str()
        ),
        (Some(2), Some("published"))
    );

    // Rated now, on demand.
    let computed = city
        .post_form("/credit/ratings/compute", &[("period", &year.to_string())])
        .await
        .unwrap();
    assert_eq!(computed.status(), StatusCode::SEE_OTHER);
    let list = city.page(&location(&computed)).await.unwrap();
    assert!(list.contains("已完成计算：参评"), "{list}");

    // Every filed agency has a rating of each kind it is filed for, rated or with the reason.
    let (_, all) = t
        .call(
            Method::GET,
            &token,
            &format!("/api/v1/credit/ratings?period={year}&page_size=100"),
            None,
        )
        .await
        .unwrap();
    let agencies = emss_db::repo::credit::agencies(&t.app.db().conn)
        .await
        .unwrap();
    let expected: usize = agencies
        .iter()
        .map(|a| match a.category.as_str() {
            "testing_maintenance" => 2,
            _ => 1,
        })
        .sum();
    assert_eq!(all["total"].as_u64(), Some(expected as u64));
    for r in all["items"].as_array().unwrap() {
        assert!(r["total"].is_string() != r["exclusion"].is_string(), "{r}");
    }

    // Agency A: rated under both kinds, by version 2, every score from its rule.
    let agency_a = t.org_of("agency_a").await.unwrap();
    let (status, ratings) = rating(&t, "city", &agency_a, year).await;
    assert_eq!(status, StatusCode::OK);
    let m = of_kind(&ratings, "maintenance");
    assert_eq!(m["system_version"], 2);
    assert_eq!(m["standing"], "rolling");
    let v2 = IndicatorSystem::parse(&published(&t, "maintenance").await.document).unwrap();
    scores_follow_the_rules(&v2, m);
    let testing = IndicatorSystem::parse(&published(&t, "testing").await.document).unwrap();
    scores_follow_the_rules(&testing, of_kind(&ratings, "testing"));

    // The facts equal a recount of what 统计查询 counts for the same days.
    let slice = Slice {
        scope: Scope::City,
        from: chrono::NaiveDate::from_ymd_opt(year, 1, 1).unwrap(),
        to: today(&t),
        today: today(&t),
        district: None,
        agency_id: Some(agency_a.clone()),
        enterprise_id: None,
        outlet_id: None,
        form_code: None,
    };
    let db = &t.app.db().conn;
    let occ = emss_db::repo::statistics::occurrences(db, &slice, Key::Agency)
        .await
        .unwrap();
    let recs = emss_db::repo::statistics::records(db, &slice, Key::Agency)
        .await
        .unwrap();
    let (occ, recs) = (occ[0].1, recs[0].1);
    let b02 = item(m, "B02");
    assert_eq!(b02["fact"], format!("{} 项", occ.overdue));
    assert!(occ.overdue > 0, "the demo has overdue occurrences");
    let expected_b02 = Points::whole(10).tenths() - (occ.overdue as i64 * 10).min(100);
    assert_eq!(points(&b02["scored"]), Points(expected_b02));
    let rate = emss_domain::credit::measure::permille(
        occ.on_time,
        occ.on_time + occ.made_up + occ.overdue,
    );
    assert_eq!(item(m, "B01")["fact"], Measure::OnTimeRate.show(rate));
    assert_eq!(
        item(m, "B03")["fact"],
        Measure::VoidedRate.show(emss_domain::credit::measure::permille(
            recs.voided,
            recs.records
        ))
    );
    assert_eq!(item(m, "B05")["fact"], format!("{} 条", recs.flagged));
    // The demo's order to agency A past its deadline costs C01.
    assert!(
        item(m, "C01")["evidence"][0]["label"]
            .as_str()
            .unwrap()
            .contains("逾期")
    );

    // The objects behind each indicator open for the regulator, as many as the fact counts.
    for i in m["items"].as_array().unwrap() {
        let listed = i["evidence"].as_array().unwrap();
        assert_eq!(
            listed.len() as i64,
            i["evidence_total"].as_i64().unwrap().min(50),
            "{}",
            i["code"]
        );
        for e in listed.iter().take(3) {
            let path = match e["kind"].as_str().unwrap() {
                "record" => format!("/records/{}", e["id"].as_str().unwrap()),
                "task" => format!("/tasks/{}", e["id"].as_str().unwrap()),
                "rectification" => format!("/rectifications/{}", e["id"].as_str().unwrap()),
                "inspection" => format!("/inspections/{}", e["id"].as_str().unwrap()),
                _ => continue,
            };
            assert_eq!(
                city.get(&path).await.unwrap().status(),
                StatusCode::OK,
                "{path}"
            );
        }
    }
    // The breakdown page shows the score, the grade and links to what is behind each item.
    let page = city
        .page(&format!("/credit/ratings/{agency_a}?period={year}"))
        .await
        .unwrap();
    assert!(
        page.contains(&format!(
            "data-testid=\"total\">{}<",
            m["total"].as_str().unwrap()
        )),
        "{page}"
    );
    assert!(page.contains("data-testid=\"evidence-B02\""));
    assert!(page.contains("href=\"/tasks/"));
    // Exported as the list shows it, and audited.
    let xlsx = city
        .get(&format!("/credit/ratings/export.xlsx?period={year}"))
        .await
        .unwrap();
    assert_eq!(xlsx.status(), StatusCode::OK);
    let csv = city
        .page(&format!(
            "/credit/ratings/export.csv?period={year}&kind=maintenance"
        ))
        .await
        .unwrap();
    assert!(csv.contains("机构名称") && csv.contains("运维类"));
    let log = t
        .browser("auditadmin")
        .await
        .unwrap()
        .page("/admin/audit?action=credit.export")
        .await
        .unwrap();
    assert!(log.contains("总共 2 条记录"), "both exports audited: {log}");
}

#[tokio::test]
async fn each_viewer_reads_only_the_ratings_it_may() {
    let t = TestApp::spawn().await.unwrap();
    let year = today(&t).year();
    let (agency_a, agency_b) = (
        t.org_of("agency_a").await.unwrap(),
        t.org_of("agency_b").await.unwrap(),
    );
    // An agency reads its own, and nobody else's (404, as for anything out of scope).
    let token = t.token("agency_a").await.unwrap();
    let (_, own) = t
        .call(Method::GET, &token, "/api/v1/credit/ratings", None)
        .await
        .unwrap();
    assert!(
        own["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["agency_id"] == agency_a.as_str())
    );
    assert_eq!(own["total"], 2);
    assert_eq!(
        rating(&t, "agency_a", &agency_a, year).await.0,
        StatusCode::OK
    );
    assert_eq!(
        rating(&t, "agency_a", &agency_b, year).await.0,
        StatusCode::NOT_FOUND
    );
    // Its field staff and the enterprises do not read ratings; a district reads every agency.
    let filer = t.token("filer_a").await.unwrap();
    assert_eq!(
        t.call(Method::GET, &filer, "/api/v1/credit/ratings", None)
            .await
            .unwrap()
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        rating(&t, "ent_a", &agency_a, year).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        rating(&t, "district_a", &agency_b, year).await.0,
        StatusCode::OK
    );
    // Drafts are the regulators'.
    let (_, systems) = t
        .call(Method::GET, &token, "/api/v1/credit/systems", None)
        .await
        .unwrap();
    assert!(
        systems
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["state"] == "published")
    );
    // Only the city computes or edits.
    let district = t.browser("district_a").await.unwrap();
    let res = district
        .post_form("/credit/ratings/compute", &[("period", &year.to_string())])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_document_with_problems_is_refused_with_its_reasons_and_nothing_saved_is_lost() {
    let t = TestApp::spawn().await.unwrap();
    let city = t.browser("city").await.unwrap();
    let v1 = published(&t, "testing").await;
    // Not TOML: refused next to the editor of the version in force, the typed text kept, no
    // draft made.
    let res = city
        .post_form("/credit/drafts/testing", &[("document", "kind = [")])
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"document-error\">格式有误"),
        "{html}"
    );
    assert!(html.contains(">kind = [</textarea>"));
    let db = &t.app.db().conn;
    assert!(
        emss_db::repo::credit::newest(db, "testing", "draft")
            .await
            .unwrap()
            .is_none()
    );
    // A draft whose weights add up to 90: saved, but not publishable, each problem named.
    let short = v1.document.replacen("points = 40", "points = 30", 1);
    let saved = city
        .post_form("/credit/drafts/testing", &[("document", &short)])
        .await
        .unwrap();
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let page_path = location(&saved);
    let page = city.page(&page_path).await.unwrap();
    assert!(
        page.contains("得分项分值合计应为 100 分，现为 90 分"),
        "{page}"
    );
    let id = page_path
        .trim_start_matches("/credit/systems/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let refused = city
        .post_form(&format!("/credit/systems/{id}/publish"), &[])
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .text()
            .await
            .unwrap()
            .contains("不能发布：得分项分值合计应为 100 分")
    );
    // A broken edit of the draft is refused next to the editor with the text kept; the draft
    // stays as saved.
    let broken = city
        .post_form("/credit/drafts/testing", &[("document", "kind = [")])
        .await
        .unwrap();
    assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = broken.text().await.unwrap();
    assert!(
        html.contains("data-testid=\"document-error\">格式有误"),
        "{html}"
    );
    assert!(html.contains(">kind = [</textarea>"));
    let kept = emss_db::repo::credit::system(&t.app.db().conn, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(kept.document, short);
    // A document of the other kind is refused.
    let maintenance = published(&t, "maintenance").await.document;
    let wrong = city
        .post_form("/credit/drafts/testing", &[("document", &maintenance)])
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The published version is untouched throughout.
    assert_eq!(published(&t, "testing").await.document, v1.document);
}

#[tokio::test]
async fn a_year_rolls_until_its_last_day_then_is_rated_once_and_frozen() {
    let t = TestApp::spawn().await.unwrap();
    let agency_a = t.org_of("agency_a").await.unwrap();
    let year = today(&t).year();
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    // The last minute of the year: still the rolling view, facts through that day.
    t.clock.set(
        shanghai
            .with_ymd_and_hms(year, 12, 31, 23, 59, 0)
            .unwrap()
            .to_utc(),
    );
    let city = t.browser("city").await.unwrap();
    assert_eq!(compute(&city, year).await.status(), StatusCode::SEE_OTHER);
    let (_, r) = rating(&t, "city", &agency_a, year).await;
    let m = of_kind(&r, "maintenance");
    assert_eq!(
        (m["standing"].as_str(), m["facts_to"].as_str()),
        (Some("rolling"), Some(format!("{year}-12-31").as_str()))
    );
    // A year that has not begun cannot be rated.
    let future = compute(&city, year + 1).await;
    assert_eq!(future.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The first minute after it: the year's rating, once.
    t.clock.set(
        shanghai
            .with_ymd_and_hms(year + 1, 1, 1, 0, 1, 0)
            .unwrap()
            .to_utc(),
    );
    let city = t.browser("city").await.unwrap();
    let closed = compute(&city, year).await;
    assert!(
        city.page(&location(&closed))
            .await
            .unwrap()
            .contains("已完成计算")
    );
    let (_, r) = rating(&t, "city", &agency_a, year).await;
    let m = of_kind(&r, "maintenance").clone();
    assert_eq!(m["standing"], "final");
    assert_eq!(m["standing_label"], "年度评价");
    assert_eq!(m["facts_to"], format!("{year}-12-31"));
    // A new version and a day later change nothing about the closed year.
    let v1 = published(&t, "maintenance").await;
    let edited = v1.document.replace("at_least = 90\n", "at_least = 95\n");
    let saved = city
        .post_form("/credit/drafts/maintenance", &[("document", &edited)])
        .await
        .unwrap();
    let id = location(&saved)
        .trim_start_matches("/credit/systems/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(
        city.post_form(&format!("/credit/systems/{id}/publish"), &[])
            .await
            .unwrap()
            .status(),
        StatusCode::SEE_OTHER
    );
    t.clock.advance(chrono::Duration::days(1));
    let city = t.browser("city").await.unwrap();
    let again = compute(&city, year).await;
    let notice = city.page(&location(&again)).await.unwrap();
    assert!(
        notice.contains("运维类、监测类已完成年度评价，不再重新计算"),
        "{notice}"
    );
    let (_, r) = rating(&t, "city", &agency_a, year).await;
    let after = of_kind(&r, "maintenance");
    assert_eq!(after["system_version"], m["system_version"]);
    assert_eq!(after["computed_at"], m["computed_at"]);
    assert_eq!(after["total"], m["total"]);
    // The new year rolls under the new version.
    assert_eq!(
        compute(&city, year + 1).await.status(),
        StatusCode::SEE_OTHER
    );
    let (status, r) = rating(&t, "city", &agency_a, year + 1).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(of_kind(&r, "maintenance")["system_version"], 2);
}

/// An objectionable item of a rating: one that scored less than it can give.
fn improvable(r: &Value) -> Vec<(String, Points)> {
    r["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|i| {
            let scored = points(&i["scored"]);
            let best = match i["effect"].as_str().unwrap() {
                "score" => points(&i["points"]),
                "deduction" => Points::ZERO,
                _ => return None,
            };
            (scored < best).then(|| (i["code"].as_str().unwrap().to_string(), best))
        })
        .collect()
}

#[tokio::test]
async fn an_agency_objects_in_time_the_city_decides_and_the_grades_reach_the_public_register() {
    let t = TestApp::spawn().await.unwrap();
    let agency_a = t.org_of("agency_a").await.unwrap();
    let year = today(&t).year();
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    t.clock.set(
        shanghai
            .with_ymd_and_hms(year + 1, 1, 5, 10, 0, 0)
            .unwrap()
            .to_utc(),
    );
    let city = t.browser("city").await.unwrap();
    assert_eq!(compute(&city, year).await.status(), StatusCode::SEE_OTHER);
    let (_, r) = rating(&t, "city", &agency_a, year).await;
    let computed = of_kind(&r, "maintenance").clone();
    assert_eq!(computed["standing"], "final");
    let codes = improvable(&computed);
    assert!(
        codes.len() >= 3,
        "agency A loses points on several indicators: {computed}"
    );
    let agency = t.token("agency_a").await.unwrap();
    let object = |code: &str, reasons: &str| serde_json::json!({"period": year.to_string(), "kind": "maintenance", "code": code, "reasons": reasons});
    let path = format!("/api/v1/credit/ratings/{agency_a}/objections");
    let reasons = "该项所列记录已在期限内补正，见所附整改材料和企业确认单。";

    // Before the publicity nobody objects.
    let (status, body) = t
        .call(
            Method::POST,
            &agency,
            &path,
            Some(object(&codes[0].0, reasons)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("公示期间才能提出异议"), "{body}");

    // The city opens the publicity: too short a period is refused next to the date.
    let today = today(&t);
    let short = city
        .post_form(
            "/credit/publications",
            &[
                ("year", &year.to_string()),
                ("deadline", &(today + chrono::Days::new(2)).to_string()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        short
            .text()
            .await
            .unwrap()
            .contains("异议截止日期至少在今天之后 5 天")
    );
    let deadline = today + chrono::Days::new(10);
    let opened = city
        .post_form(
            "/credit/publications",
            &[
                ("year", &year.to_string()),
                ("deadline", &deadline.to_string()),
            ],
        )
        .await
        .unwrap();
    assert_eq!(opened.status(), StatusCode::SEE_OTHER);
    let list = city.page(&location(&opened)).await.unwrap();
    assert!(list.contains("公示中") && list.contains(&deadline.to_string()));
    // Publishing before the last day is refused.
    let early = city
        .post_form(&format!("/credit/publications/{year}/publish"), &[])
        .await
        .unwrap();
    assert_eq!(early.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(early.text().await.unwrap().contains("期满后才能公布"));

    // The agency objects from its rating page; too short a reason is refused, its text kept.
    let page = t.browser("agency_a").await.unwrap();
    let shown = page
        .page(&format!("/credit/ratings/{agency_a}?period={year}"))
        .await
        .unwrap();
    assert!(shown.contains("提出异议") && shown.contains(&deadline.to_string()));
    let refused = page
        .post_form(
            &format!("/credit/ratings/{agency_a}/objections"),
            &[
                ("period", &year.to_string()),
                ("kind", "maintenance"),
                ("code", &codes[0].0),
                ("reasons", "不对"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = refused.text().await.unwrap();
    assert!(html.contains("请写明异议理由") && html.contains("不对"));
    let filed = page
        .post_form(
            &format!("/credit/ratings/{agency_a}/objections"),
            &[
                ("period", &year.to_string()),
                ("kind", "maintenance"),
                ("code", &codes[0].0),
                ("reasons", reasons),
            ],
        )
        .await
        .unwrap();
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    let first = location(&filed)
        .trim_start_matches("/credit/objections/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    // One objection per indicator; a second indicator through the API.
    let (status, body) = t
        .call(
            Method::POST,
            &agency,
            &path,
            Some(object(&codes[0].0, reasons)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.to_string().contains("不能重复提出"));
    let (status, second) = t
        .call(
            Method::POST,
            &agency,
            &path,
            Some(object(&codes[1].0, reasons)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{second}");
    assert_eq!(second["state"], "pending");
    let (status, third) = t
        .call(
            Method::POST,
            &agency,
            &path,
            Some(object(&codes[2].0, reasons)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{third}");
    // Only the agency's main account speaks for it, and only for itself.
    let filer = t.token("filer_a").await.unwrap();
    let (status, _) = t
        .call(
            Method::POST,
            &filer,
            &path,
            Some(object(&codes[2].0, reasons)),
        )
        .await
        .unwrap();
    // The route names an object: refused as not found.
    assert_eq!(status, StatusCode::NOT_FOUND);
    let other = t.token("agency_b").await.unwrap();
    let (status, _) = t
        .call(
            Method::POST,
            &other,
            &path,
            Some(object(&codes[0].0, reasons)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = t
        .call(
            Method::GET,
            &other,
            &format!("/api/v1/credit/objections/{first}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A document in time is received; after the last day neither documents nor objections are.
    let upload = |b: &Browser| {
        let form = reqwest::multipart::Form::new()
            .text("_csrf", b.csrf.clone())
            .part(
                "file",
                reqwest::multipart::Part::bytes(emss_testkit::SAMPLE_PDF.to_vec())
                    .file_name("整改材料.pdf"),
            );
        b.client
            .post(b.url(&format!("/credit/objections/{first}/documents")))
            .multipart(form)
            .send()
    };
    assert_eq!(upload(&page).await.unwrap().status(), StatusCode::SEE_OTHER);
    t.clock.set(
        shanghai
            .from_local_datetime(&deadline.and_hms_opt(23, 59, 0).unwrap())
            .unwrap()
            .to_utc(),
    );
    let page = t.browser("agency_a").await.unwrap();
    assert_eq!(upload(&page).await.unwrap().status(), StatusCode::SEE_OTHER);
    t.clock.advance(chrono::Duration::minutes(2));
    let page = t.browser("agency_a").await.unwrap();
    let late = upload(&page).await.unwrap();
    assert_eq!(late.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        late.text()
            .await
            .unwrap()
            .contains("逾期提交的材料不予接收")
    );
    let agency = t.token("agency_a").await.unwrap();
    let (status, body) = t
        .call(
            Method::POST,
            &agency,
            &path,
            Some(object(&codes[2].0, reasons)),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.to_string().contains("逾期提出的异议不予受理"),
        "{body}"
    );
    let city_token = t.token("city").await.unwrap();
    let (_, detail) = t
        .call(
            Method::GET,
            &city_token,
            &format!("/api/v1/credit/objections/{first}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(detail["documents"].as_array().unwrap().len(), 2);

    // The city decides: a correction against the agency is refused; then accepted.
    let (code, best) = codes[0].clone();
    let before = points(&item(&computed, &code)["scored"]);
    let city = t.browser("city").await.unwrap();
    let wrong = city
        .post_form(
            &format!("/credit/objections/{first}/decision"),
            &[
                ("decision", "accept"),
                ("scored", &Points(before.0 - 10).to_string()),
                ("note", "经核实，部分属实"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("不能低于原得分"));
    // Publishing with an objection undecided is refused.
    let undecided = city
        .post_form(&format!("/credit/publications/{year}/publish"), &[])
        .await
        .unwrap();
    assert!(undecided.text().await.unwrap().contains("件异议未处理"));
    let accepted = city
        .post_form(
            &format!("/credit/objections/{first}/decision"),
            &[
                ("decision", "accept"),
                ("scored", &best.to_string()),
                ("note", "经核实，所列记录已按期补正，该项不应扣分"),
            ],
        )
        .await
        .unwrap();
    assert_eq!(accepted.status(), StatusCode::SEE_OTHER);
    let (status, _) = t
        .call(
            Method::POST,
            &city_token,
            &format!("/api/v1/credit/objections/{first}/decision"),
            Some(serde_json::json!({"decision": "reject", "note": "再次处理"})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A second correction of the same rating adds to the first.
    let (code2, best2) = codes[1].clone();
    let before2 = points(&item(&computed, &code2)["scored"]);
    let (status, accepted2) = t
        .call(
            Method::POST,
            &city_token,
            &format!(
                "/api/v1/credit/objections/{}/decision",
                second["id"].as_str().unwrap()
            ),
            Some(serde_json::json!({"decision": "accept", "scored": best2.to_string(), "note": "经核实属实"})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK, "{accepted2}");
    let (status, rejected) = t
        .call(
            Method::POST,
            &city_token,
            &format!(
                "/api/v1/credit/objections/{}/decision",
                third["id"].as_str().unwrap()
            ),
            Some(serde_json::json!({"decision": "reject", "note": "扣分所依据的记录属实"})),
        )
        .await
        .unwrap();
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rejected["state_label"], "不予采纳");

    // The rating keeps what was computed and shows the corrected total and grade beside it.
    let (_, r) = rating(&t, "agency_a", &agency_a, year).await;
    let after = of_kind(&r, "maintenance");
    let raw = points(&computed["base"]).0
        + points(&computed["deductions"]).0
        + points(&computed["bonuses"]).0;
    let expected = Points((raw + best.0 - before.0 + best2.0 - before2.0).max(0));
    assert_eq!(points(&after["total"]), expected);
    assert_eq!(after["computed_total"], computed["total"]);
    assert_eq!(after["computed_at"], computed["computed_at"]);
    assert_eq!(
        item(after, &code)["scored"],
        item(&computed, &code)["scored"]
    );
    assert_eq!(
        item(after, &code)["objection"]["scored_after"],
        best.to_string()
    );
    let system = IndicatorSystem::parse(&published(&t, "maintenance").await.document).unwrap();
    assert_eq!(
        after["grade_code"],
        system.grade(expected).unwrap().code.as_str()
    );
    let shown = city
        .page(&format!("/credit/objections/{first}"))
        .await
        .unwrap();
    for step in [
        "提出信用评价异议",
        "上传异议材料",
        "处理信用评价异议",
        "已采纳",
    ] {
        assert!(shown.contains(step), "the trail shows {step}");
    }

    // Published: the grades reach the public register and the agency's public page.
    let anonymous = reqwest::Client::new();
    let name = after["agency_name"].as_str().unwrap().to_string();
    let register_url = t.url(&format!(
        "/public/agencies?keyword={}",
        url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
    ));
    let register = anonymous
        .get(&register_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let grade = format!(
        "运维类 {} {}",
        after["grade_code"].as_str().unwrap(),
        after["grade_name"].as_str().unwrap()
    );
    assert!(register.contains(&name) && !register.contains(&grade));
    let published_now = city
        .post_form(&format!("/credit/publications/{year}/publish"), &[])
        .await
        .unwrap();
    assert_eq!(published_now.status(), StatusCode::SEE_OTHER);
    let register = anonymous
        .get(&register_url)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        register.contains(&grade) && register.contains(&format!("{year} 年度")),
        "{register}"
    );
    let public_page = anonymous
        .get(t.url(&format!("/public/agencies/{agency_a}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(public_page.contains("信用评价") && public_page.contains(&expected.to_string()));
    assert!(public_page.contains(&format!("第 {} 版", after["system_version"])));
    // Published once.
    let again = city
        .post_form(&format!("/credit/publications/{year}/publish"), &[])
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

async fn activity(t: &TestApp, who: &str, agency: &str) -> (StatusCode, Value) {
    let token = t.token(who).await.unwrap();
    t.call(
        Method::GET,
        &token,
        &format!("/api/v1/credit/activity/{agency}"),
        None,
    )
    .await
    .unwrap()
}

fn count(v: &Value) -> u64 {
    v.as_u64().unwrap()
}

#[tokio::test]
async fn an_agencys_activity_counts_its_weeks_as_the_lists_do_in_each_viewers_scope() {
    let t = TestApp::spawn().await.unwrap();
    let agency_a = t.org_of("agency_a").await.unwrap();
    let today = today(&t);
    let (status, a) = activity(&t, "city", &agency_a).await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let weeks = a["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 12);
    let monday = today - chrono::Days::new(u64::from(today.weekday().num_days_from_monday()));
    assert_eq!(weeks[0]["from"], monday.to_string());
    let first = monday - chrono::Days::new(77);
    assert_eq!(weeks[11]["from"], first.to_string());
    assert_eq!(a["from"], first.to_string());
    // The records and overdue plans are those 统计查询 counts.
    let slice = Slice {
        scope: Scope::City,
        from: first,
        to: today,
        today,
        district: None,
        agency_id: Some(agency_a.clone()),
        enterprise_id: None,
        outlet_id: None,
        form_code: None,
    };
    let db = &t.app.db().conn;
    let recs = emss_db::repo::statistics::records(db, &slice, Key::Agency)
        .await
        .unwrap();
    let occ = emss_db::repo::statistics::occurrences(db, &slice, Key::Agency)
        .await
        .unwrap();
    assert!(
        !recs.is_empty() && !occ.is_empty(),
        "agency A worked in these weeks"
    );
    assert_eq!(count(&a["total"]["records"]), recs[0].1.records);
    assert_eq!(count(&a["total"]["voided"]), recs[0].1.voided);
    assert_eq!(count(&a["total"]["expected"]), occ[0].1.expected());
    assert_eq!(count(&a["total"]["overdue"]), occ[0].1.overdue);
    // Each week's figures are that week's.
    let week = &weeks[1];
    let one_week = Slice {
        from: week["from"].as_str().unwrap().parse().unwrap(),
        to: week["to"].as_str().unwrap().parse().unwrap(),
        ..slice.clone()
    };
    let in_week = emss_db::repo::statistics::records(db, &one_week, Key::Agency)
        .await
        .unwrap();
    assert_eq!(
        count(&week["records"]),
        in_week.first().map_or(0, |r| r.1.records)
    );
    // Running tasks are the task list's 进行中; inspections the inspection list's.
    let agency = t.token("agency_a").await.unwrap();
    let (_, tasks) = t
        .call(
            Method::GET,
            &agency,
            "/api/v1/tasks?state=in_progress",
            None,
        )
        .await
        .unwrap();
    assert_eq!(count(&a["running_tasks"]), count(&tasks["total"]));
    let city = t.token("city").await.unwrap();
    let (_, inspections) = t
        .call(
            Method::GET,
            &city,
            &format!("/api/v1/inspections?state=done&agency_id={agency_a}&from={first}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        count(&a["total"]["inspections"]),
        count(&inspections["total"])
    );
    let (_, orders) = t
        .call(
            Method::GET,
            &city,
            &format!("/api/v1/rectifications?agency_id={agency_a}&issued_from={first}"),
            None,
        )
        .await
        .unwrap();
    assert_eq!(
        count(&a["total"]["orders_received"]),
        count(&orders["total"])
    );
    // Events are newest first and link to what they name.
    let events = a["events"].as_array().unwrap();
    assert!(
        !events.is_empty(),
        "agency A started tasks or received orders"
    );
    assert!(
        events
            .windows(2)
            .all(|p| p[0]["on"].as_str() >= p[1]["on"].as_str())
    );

    // The agency reads its own, as the city does; another agency and field staff do not; a
    // district reads the work in its district only.
    let (status, own) = activity(&t, "agency_a", &agency_a).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own["total"], a["total"]);
    assert_eq!(
        activity(&t, "agency_b", &agency_a).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        activity(&t, "filer_a", &agency_a).await.0,
        StatusCode::NOT_FOUND
    );
    let (status, district) = activity(&t, "district_b", &agency_a).await;
    assert_eq!(status, StatusCode::OK);
    let district_b = emss_db::repo::organization::find(db, &t.org_of("district_b").await.unwrap())
        .await
        .unwrap()
        .unwrap()
        .district_code
        .unwrap();
    let in_district = Slice {
        scope: Scope::District(district_b),
        ..slice.clone()
    };
    let recs = emss_db::repo::statistics::records(db, &in_district, Key::Agency)
        .await
        .unwrap();
    assert_eq!(
        count(&district["total"]["records"]),
        recs.first().map_or(0, |r| r.1.records)
    );
    assert_eq!(
        activity(&t, "city", &t.org_of("ent_a").await.unwrap())
            .await
            .0,
        StatusCode::NOT_FOUND,
        "an enterprise has no activity page"
    );

    // The window moves with the week: on the next Monday a new week leads.
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).unwrap();
    let next = monday + chrono::Days::new(7);
    t.clock.set(
        shanghai
            .from_local_datetime(&next.and_hms_opt(0, 1, 0).unwrap())
            .unwrap()
            .to_utc(),
    );
    let (_, moved) = activity(&t, "city", &agency_a).await;
    assert_eq!(moved["weeks"][0]["from"], next.to_string());
    assert_eq!(moved["weeks"][1]["from"], monday.to_string());
    assert_eq!(moved["from"], (first + chrono::Days::new(7)).to_string());

    // The pages: the regulators' list opens each agency's; an agency reads its own there.
    let city = t.browser("city").await.unwrap();
    let list = city.page("/credit/activity").await.unwrap();
    assert!(list.contains(&format!("/credit/activity/{agency_a}")));
    let page = city
        .page(&format!("/credit/activity/{agency_a}"))
        .await
        .unwrap();
    assert!(page.contains("逐周动态") && page.contains("最近动态"));
    let own = t.browser("agency_a").await.unwrap();
    let mine = own.page("/credit/activity").await.unwrap();
    assert!(mine.contains("逐周动态") && mine.contains(a["agency_name"].as_str().unwrap()));
}
