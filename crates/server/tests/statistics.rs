//! 统计查询 and the regulators' dashboard through the pages: every figure equals the count of the
//! list it leads to, for several viewers, groupings, drill-downs and periods; the database sums
//! the measures exactly as `emss_domain::statistics` defines them (a recount of the rows, 补做
//! included); 超期 grows with time without a write; each viewer counts only its scope; exports
//! carry the table and are audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use emss_db::entity::{occurrence, record};
use emss_db::repo::statistics::{Key, KeyValue, Slice};
use emss_domain::Scope;
use emss_domain::clock::Clock;
use emss_domain::statistics::{Outcome, Tally};
use emss_testkit::{Browser, TestApp};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use std::collections::BTreeMap;

fn today(t: &TestApp) -> chrono::NaiveDate {
    emss_domain::time::shanghai_date(t.clock.now())
}

/// The total a list page's pager states ("…，总共 N 条记录").
fn listed_total(html: &str) -> Option<u64> {
    let doc = scraper::Html::parse_document(html);
    let summary = scraper::Selector::parse("[data-testid=pager-summary]").unwrap();
    let text: String = doc.select(&summary).next()?.text().collect();
    text.split("总共 ").nth(1)?.split(' ').next()?.parse().ok()
}

/// (text, href) of every element matching `selector`.
fn links(html: &str, selector: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(html);
    let s = scraper::Selector::parse(selector).unwrap();
    doc.select(&s)
        .map(|a| {
            (
                a.text().collect::<String>().trim().to_string(),
                a.value().attr("href").unwrap().to_string(),
            )
        })
        .collect()
}

/// The figures of the total row: measure → text.
fn totals(html: &str) -> BTreeMap<String, String> {
    let doc = scraper::Html::parse_document(html);
    let s = scraper::Selector::parse("[data-testid=stats-total] td").unwrap();
    doc.select(&s)
        .map(|td| {
            (
                td.value().attr("data-measure").unwrap().to_string(),
                td.text().collect::<String>().trim().to_string(),
            )
        })
        .collect()
}

/// Follows every figure of a page and checks the list counts it; how many were followed.
async fn figures_equal_their_lists(b: &Browser, who: &str, page: &str) -> usize {
    let html = b.page(page).await.unwrap();
    let figures = links(&html, "a[data-testid=figure]");
    for (text, href) in &figures {
        let n: u64 = text
            .parse()
            .unwrap_or_else(|_| panic!("{who} {page}: {text}"));
        let list = b.page(href).await.unwrap();
        assert_eq!(
            listed_total(&list),
            Some(n),
            "{who} on {page}: the figure {n} leads to {href}, which lists otherwise"
        );
    }
    figures.len()
}

#[tokio::test]
async fn every_figure_equals_the_list_it_leads_to_down_to_the_overdue_weeks() {
    let t = TestApp::spawn().await.unwrap();
    let year = today(&t).format("%Y").to_string();
    let month_start = today(&t).format("%Y-%m-01").to_string();
    for who in ["city", "district_a", "agency_a", "ent_a", "selfom"] {
        let b = t.browser(who).await.unwrap();
        let mut followed = 0;
        for page in [
            "/statistics".to_string(),
            "/statistics?group=month".to_string(),
            "/statistics?group=form_type".to_string(),
            format!("/statistics?group=outlet&from={month_start}"),
        ] {
            followed += figures_equal_their_lists(&b, who, &page).await;
        }
        assert!(followed > 0, "{who} sees no figure");
    }
    // The city drills 区 → 运维机构 → 企业 → 排口, every level's figures equal to their lists.
    let city = t.browser("city").await.unwrap();
    let mut page = "/statistics".to_string();
    let mut levels = Vec::new();
    loop {
        figures_equal_their_lists(&city, "city", &page).await;
        let html = city.page(&page).await.unwrap();
        let Some((label, next)) = links(&html, "a[data-testid=drill]").into_iter().next() else {
            break;
        };
        levels.push(label);
        page = next;
    }
    assert_eq!(levels.len(), 3, "district, agency, enterprise: {levels:?}");
    assert_eq!(levels[0], "浦东新区");
    // At the outlet the overdue figure leads to 运维管理's missed weeks of that outlet.
    let html = city.page(&page).await.unwrap();
    assert!(html.contains("按排口"), "{page}");
    let overdue = links(&html, "[data-testid=stats-row] td[data-measure=overdue] a");
    let (_, href) = overdue.first().expect("the outlet has overdue weeks");
    assert!(href.starts_with("/tasks/maintenance?window=overdue"));
    let weeks = city.page(href).await.unwrap();
    assert!(weeks.contains("仅显示") && weeks.contains(&format!("到期日：{year}-01-01 至")));
    // The dashboard on the home page: its figures too.
    for who in ["city", "district_a"] {
        let b = t.browser(who).await.unwrap();
        let home = b.page("/").await.unwrap();
        assert!(home.contains("监管概况") && home.contains("<svg role=\"img\""));
        assert!(figures_equal_their_lists(&b, who, "/").await > 3);
        // The orders issued this year and those overdue lead to their lists (counted equal above).
        let figures = links(&home, "a[data-testid=figure]");
        assert!(
            figures
                .iter()
                .any(|(_, h)| h == &format!("/rectifications?issued_from={year}-01-01")),
            "{who}: {figures:?}"
        );
        assert!(
            figures
                .iter()
                .any(|(_, h)| h == "/rectifications?tab=overdue")
        );
        // Outlets are named with their enterprise.
        let outlets = links(
            &home,
            "[data-testid=top-overdue-outlets] a[data-testid=figure]",
        );
        assert!(!outlets.is_empty(), "{who}: agency A missed weeks");
        let doc = scraper::Html::parse_document(&home);
        let names =
            scraper::Selector::parse("[data-testid=top-overdue-outlets] th[scope=row]").unwrap();
        let first: String = doc.select(&names).next().unwrap().text().collect();
        assert!(first.contains(" · "), "{first}");
    }
    // Agencies and enterprises open their own from the home page; no 综合查询 menu for them.
    let agency = t.browser("agency_a").await.unwrap();
    let home = agency.page("/").await.unwrap();
    assert!(home.contains("data-testid=\"own-statistics\"") && !home.contains("监管概况"));
    assert!(!home.contains(">综合查询<"));
}

fn slice(
    scope: Scope,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> Slice {
    Slice {
        scope,
        from,
        to,
        today,
        district: None,
        agency_id: None,
        enterprise_id: None,
        outlet_id: None,
        form_code: None,
    }
}

/// The measures per agency recounted row by row with the domain's rules.
async fn recount(
    t: &TestApp,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    today: chrono::NaiveDate,
) -> BTreeMap<String, Tally> {
    let db = &t.app.db().conn;
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for o in occurrence::Entity::find().all(db).await.unwrap() {
        if o.period_end < from || o.period_end > to {
            continue;
        }
        let fulfilled = o.record_id.as_ref().map(|_| o.fulfilled_on.unwrap());
        out.entry(o.agency_id.clone())
            .or_default()
            .count(Outcome::of(o.period_end, fulfilled, today));
    }
    for r in record::Entity::find()
        .filter(record::Column::State.ne("draft"))
        .all(db)
        .await
        .unwrap()
    {
        if r.visit_date < from || r.visit_date > to {
            continue;
        }
        let t = out.entry(r.agency_id.clone()).or_default();
        t.records += 1;
        match r.state.as_str() {
            "submitted" => t.submitted += 1,
            "confirmed" => t.confirmed += 1,
            "approved" => t.approved += 1,
            "voided" => t.voided += 1,
            _ => {}
        }
        t.flagged += u64::from(r.flagged);
        t.failed += u64::from(r.failed);
    }
    out
}

async fn summed(t: &TestApp, s: &Slice) -> BTreeMap<String, Tally> {
    let db = &t.app.db().conn;
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    let mut counted = emss_db::repo::statistics::occurrences(db, s, Key::Agency)
        .await
        .unwrap();
    counted.extend(
        emss_db::repo::statistics::records(db, s, Key::Agency)
            .await
            .unwrap(),
    );
    for (k, c) in counted {
        let KeyValue::Text(k) = k else { panic!() };
        out.entry(k).or_default().add(&c);
    }
    out
}

#[tokio::test]
async fn the_database_sums_the_measures_as_the_domain_defines_them_and_overdue_comes_with_time() {
    let t = TestApp::spawn().await.unwrap();
    let db = &t.app.db().conn;
    let today = today(&t);
    // A record of the demo filed late: submitted the day after its occurrence's period ended.
    let done = occurrence::Entity::find()
        .filter(occurrence::Column::RecordId.is_not_null())
        .one(db)
        .await
        .unwrap()
        .expect("the demo fulfils occurrences");
    occurrence::Entity::update(occurrence::ActiveModel {
        id: Set(done.id.clone()),
        fulfilled_on: Set(Some(done.period_end + Duration::days(1))),
        ..Default::default()
    })
    .exec(db)
    .await
    .unwrap();
    let (from, to) = (today - Duration::days(400), today + Duration::days(400));
    let all = slice(Scope::City, from, to, today);
    let sums = summed(&t, &all).await;
    assert_eq!(sums, recount(&t, from, to, today).await);
    let made_up: u64 = sums.values().map(|t| t.made_up).sum();
    assert_eq!(made_up, 1);
    assert!(sums.values().map(|t| t.overdue).sum::<u64>() > 0);
    // The page's total says the same.
    let city = t.browser("city").await.unwrap();
    let html = city
        .page(&format!("/statistics?from={from}&to={to}"))
        .await
        .unwrap();
    let total = totals(&html);
    assert_eq!(total["made_up"], "1");
    assert_eq!(
        total["overdue"],
        sums.values().map(|t| t.overdue).sum::<u64>().to_string()
    );
    // A week later, with nothing written, what was due and is still open is 超期.
    let due: u64 = sums.values().map(|t| t.due).sum();
    let ending_this_week = occurrence::Entity::find()
        .filter(occurrence::Column::RecordId.is_null())
        .filter(occurrence::Column::PeriodEnd.gte(today))
        .filter(occurrence::Column::PeriodEnd.lt(today + Duration::days(7)))
        .all(db)
        .await
        .unwrap()
        .len() as u64;
    t.clock.advance(Duration::days(7));
    let later = today + Duration::days(7);
    let sums_later = summed(&t, &slice(Scope::City, from, to, later)).await;
    assert_eq!(sums_later, recount(&t, from, to, later).await);
    assert_eq!(
        sums_later.values().map(|t| t.overdue).sum::<u64>(),
        sums.values().map(|t| t.overdue).sum::<u64>() + ending_this_week
    );
    assert_eq!(
        sums_later.values().map(|t| t.due).sum::<u64>(),
        due - ending_this_week
    );
}

/// The first sheet of the workbook at `path`, named `name`.
async fn workbook(b: &Browser, path: &str, name: &str) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let res = b.get(path).await.unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"),
        "{path}"
    );
    let bytes = res.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    book.worksheet_range(name).unwrap()
}

#[tokio::test]
async fn each_viewer_counts_only_its_scope_and_exports_what_it_sees() {
    let t = TestApp::spawn().await.unwrap();
    let from = today(&t) - Duration::days(400);
    // The district next door and the other agency see nothing of 浦东's agency, even asked by id.
    let agency_a = t.org_of("agency_a").await.unwrap();
    for who in ["district_b", "agency_b", "ent_b"] {
        let b = t.browser(who).await.unwrap();
        let html = b
            .page(&format!("/statistics?from={from}&agency_id={agency_a}"))
            .await
            .unwrap();
        let total = totals(&html);
        assert_eq!(total["records"], "0", "{who}");
        assert_eq!(total["expected"], "0", "{who}");
    }
    // An enterprise counts the records of its outlets, as its record list does.
    let ent = t.browser("ent_a").await.unwrap();
    let html = ent.page(&format!("/statistics?from={from}")).await.unwrap();
    let listed = listed_total(&ent.page(&format!("/records?from={from}")).await.unwrap());
    assert_eq!(totals(&html)["records"].parse::<u64>().ok(), listed);
    // A wrong date is said next to the dates; the page still answers.
    let html = ent.page("/statistics?from=2026-13-01").await.unwrap();
    assert!(html.contains("日期格式应为 年-月-日"));
    // The city's export: the table with its total, CSV and Excel, each audited.
    let city = t.browser("city").await.unwrap();
    let page = city
        .page(&format!("/statistics?group=agency&from={from}"))
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&page);
    let row = scraper::Selector::parse("[data-testid=stats-row]").unwrap();
    let rows = doc.select(&row).count();
    assert!(rows > 0);
    let csv = city
        .get(&format!("/statistics/export.csv?group=agency&from={from}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert!(lines[0].starts_with("运维机构,运维记录,待企业确认"));
    assert!(lines.last().unwrap().starts_with("合计,"));
    assert_eq!(lines.len(), 1 + rows + 1);
    let sheet = workbook(
        &city,
        &format!("/statistics/export.xlsx?group=agency&from={from}"),
        "统计查询",
    )
    .await;
    assert_eq!(sheet.height(), 1 + rows + 1);
    // Figures are numbers people sum; the total row sums the rows.
    let records_column = 1;
    let total_row = sheet.height() - 1;
    let mut sum = 0.0;
    for r in 1..total_row {
        match sheet.get((r, records_column)) {
            Some(calamine::Data::Float(n)) => sum += n,
            other => panic!("row {r}: {other:?} is not a number"),
        }
    }
    assert_eq!(
        sheet.get((total_row, records_column)),
        Some(&calamine::Data::Float(sum))
    );
    // The lists its figures lead to export as Excel from their pages too.
    for (page, sheet_name) in [
        ("/records", "运维记录"),
        ("/tasks/maintenance?window=overdue", "运维管理"),
    ] {
        let html = city.page(page).await.unwrap();
        let (_, href) = links(&html, "a[data-testid=export-xlsx]")
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("{page} offers 导出 Excel"));
        let listed = listed_total(&html).unwrap() as usize;
        let sheet = workbook(&city, &href, sheet_name).await;
        assert!(sheet.height() > listed, "{page}: header and {listed} rows");
    }
    let audit = t.browser("auditadmin").await.unwrap();
    let log = audit
        .page("/admin/audit?action=statistics.export")
        .await
        .unwrap();
    assert_eq!(listed_total(&log), Some(2));
    let log = audit
        .page("/admin/audit?action=record.export")
        .await
        .unwrap();
    assert_eq!(listed_total(&log), Some(1));
}
