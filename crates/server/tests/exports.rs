//! Every list of the portal exports what its page lists, from buttons on the page: as an Excel
//! workbook (dates as dates, numbers as numbers) and as CSV, each export audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{Browser, TestApp};

/// The total a list page's pager states ("…，总共 N 条记录").
fn listed_total(html: &str) -> u64 {
    let doc = scraper::Html::parse_document(html);
    let summary = scraper::Selector::parse("[data-testid=pager-summary]").unwrap();
    let text: String = doc.select(&summary).next().unwrap().text().collect();
    text.split("总共 ")
        .nth(1)
        .and_then(|t| t.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no total in {text}"))
}

/// The href of the page's button `testid`.
fn button(html: &str, testid: &str) -> String {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("a[data-testid={testid}]")).unwrap();
    doc.select(&sel)
        .next()
        .unwrap_or_else(|| panic!("no {testid} button"))
        .value()
        .attr("href")
        .unwrap()
        .to_string()
}

async fn workbook(b: &Browser, path: &str, name: &str) -> calamine::Range<calamine::Data> {
    use calamine::Reader;
    let res = b.get(path).await.unwrap();
    assert_eq!(res.status(), 200, "{path}");
    let bytes = res.bytes().await.unwrap();
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    book.worksheet_range(name).unwrap()
}

#[tokio::test]
async fn every_list_exports_what_it_lists_as_excel_and_csv() {
    let t = TestApp::spawn().await.unwrap();
    // (who, page, sheet, first header, a column of dates, the audit action)
    let lists = [
        (
            "city",
            "/agencies",
            "机构查询",
            "序号",
            None,
            "filing.export",
        ),
        (
            "sysadmin",
            "/accounts",
            "账户列表",
            "序号",
            None,
            "account.export",
        ),
        (
            "agency_a",
            "/contracts",
            "合同信息",
            "序号",
            Some(6),
            "contract.export",
        ),
        (
            "agency_a",
            "/tasks",
            "运维任务",
            "序号",
            Some(6),
            "task.export",
        ),
        (
            "district_a",
            "/records?state=approved",
            "运维记录",
            "序号",
            Some(7),
            "record.export",
        ),
        (
            "auditadmin",
            "/admin/audit?action=record",
            "审计日志",
            "序号",
            Some(1),
            "audit.export",
        ),
    ];
    for (who, page, sheet_name, first, dates, action) in lists {
        let b = t.browser(who).await.unwrap();
        let html = b.page(page).await.unwrap();
        let listed = listed_total(&html) as usize;
        assert!(listed > 0, "{page} lists something");
        let sheet = workbook(&b, &button(&html, "export-xlsx"), sheet_name).await;
        assert_eq!(
            sheet.height(),
            1 + listed,
            "{page}: the header and every row"
        );
        assert_eq!(
            sheet.get((0, 0)),
            Some(&calamine::Data::String(first.into()))
        );
        // 序号 is a number: 1, 2, … down a list, the entry's own number in the audit log.
        if action == "audit.export" {
            assert!(matches!(
                sheet.get((listed, 0)),
                Some(calamine::Data::Float(_))
            ));
        } else {
            assert_eq!(
                sheet.get((listed, 0)),
                Some(&calamine::Data::Float(listed as f64))
            );
        }
        if let Some(col) = dates {
            for r in 1..=listed {
                assert!(
                    matches!(sheet.get((r, col)), Some(calamine::Data::DateTime(_))),
                    "{page}: row {r} column {col} is a date: {:?}",
                    sheet.get((r, col))
                );
            }
        }
        let csv = b
            .get(&button(&html, "export"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
        assert_eq!(lines.len(), 1 + listed, "{page}: CSV");
        assert!(csv.starts_with('\u{feff}'), "Excel reads the BOM as UTF-8");
        let audit = t.browser("auditadmin").await.unwrap();
        let log = audit
            .page(&format!("/admin/audit?action={action}"))
            .await
            .unwrap();
        assert_eq!(listed_total(&log), 2, "{action}: both exports audited");
    }
}

#[tokio::test]
async fn an_export_keeps_the_filter_of_its_page() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("agency_a").await.unwrap();
    let all = listed_total(&b.page("/tasks").await.unwrap());
    let html = b.page("/tasks?state=in_progress").await.unwrap();
    let running = listed_total(&html);
    assert!(running < all, "the demo has tasks in other states");
    let href = button(&html, "export-xlsx");
    assert!(href.contains("state=in_progress"), "{href}");
    let sheet = workbook(&b, &href, "运维任务").await;
    assert_eq!(sheet.height() as u64, 1 + running);
    for r in 1..sheet.height() {
        assert_eq!(
            sheet.get((r, 8)),
            Some(&calamine::Data::String("进行中".into()))
        );
    }
}
