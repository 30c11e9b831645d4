//! 统计查询 on the desktop: the city sees its dashboard with charts on the home page, drills from a
//! district to an agency to that agency's overdue weeks in 运维管理, exports each as Excel from its
//! button, and the charts' names — the agencies renamed to long Chinese names — never overlap one
//! another, at 1440 and at 390 px.

use super::{Result, check, click, log_in, no_sideways_scroll, save_screenshot, text_of, wait_for};
use emss_db::entity::organization;
use emss_domain::OrgKind;
use emss_testkit::TestApp;
use fantoccini::Client;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Set};
use std::path::Path;

/// Long names, as some agencies are registered.
const LONG_NAMES: [&str; 2] = [
    "上海浦东新区临港环境工程技术服务股份有限公司第一分公司",
    "上海市浦东新区环境监测与自动化设备运营维护有限责任公司",
];

/// The boxes of the chart's texts as the browser laid them out: (text, left, top, right, bottom).
const TEXT_BOXES: &str = r#"
const out = [];
for (const svg of document.querySelectorAll('svg.chart')) {
  for (const t of svg.querySelectorAll('text')) {
    const r = t.getBoundingClientRect();
    if (r.width > 0 && getComputedStyle(t).visibility !== 'hidden') {
      out.push([t.textContent.trim(), r.left, r.top, r.right, r.bottom]);
    }
  }
}
return out;
"#;

/// No two texts of the page's charts overlap, and there are some.
async fn texts_apart(client: &Client, page: &str) -> Result<()> {
    let boxes = client.execute(TEXT_BOXES, vec![]).await?;
    let boxes: Vec<(String, f64, f64, f64, f64)> = serde_json::from_value(boxes)?;
    check(
        boxes.len() > 3,
        &format!("{page}: the chart shows its texts"),
    )?;
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let overlap = a.1 < b.3 - 0.5 && b.1 < a.3 - 0.5 && a.2 < b.4 - 0.5 && b.2 < a.4 - 0.5;
            check(!overlap, &format!("{page}: {:?} overlaps {:?}", a.0, b.0))?;
        }
    }
    Ok(())
}

/// The chart is seen: laid out with a height, not hidden.
async fn chart_seen(client: &Client, css: &str) -> Result<()> {
    let height = client
        .execute(
            "const e = document.querySelector(arguments[0]); \
             return e && getComputedStyle(e).display !== 'none' ? e.getBoundingClientRect().height : 0;",
            vec![serde_json::json!(css)],
        )
        .await?
        .as_f64()
        .unwrap_or(0.0);
    check(height > 40.0, &format!("{css} is shown ({height} px high)"))
}

/// Follows the page's 导出 Excel button as the person's browser would, with their session: the
/// answer is a workbook.
async fn exports_workbook(client: &Client, page: &str) -> Result<()> {
    let got = client
        .execute_async(
            r#"
const done = arguments[arguments.length - 1];
const a = document.querySelector('a[data-testid=export-xlsx]');
if (!a) { done(null); return; }
fetch(a.href, {credentials: 'same-origin'}).then(async r => {
  const b = new Uint8Array(await r.arrayBuffer());
  done([r.status, r.headers.get('content-type') || '', b.length, String.fromCharCode(b[0], b[1])]);
}).catch(e => done(String(e)));
"#,
            vec![],
        )
        .await?;
    let answer: Option<(u16, String, u64, String)> = serde_json::from_value(got.clone()).ok();
    check(
        answer.is_some_and(|(status, kind, len, magic)| {
            status == 200 && kind.contains("spreadsheetml") && magic == "PK" && len > 1_000
        }),
        &format!("{page}: 导出 Excel gives a workbook: {got}"),
    )
}

pub async fn drill_to_overdue_weeks(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    let db = &app.app.db().conn;
    let maintainers = organization::Entity::find()
        .filter(organization::Column::Kind.is_in([
            OrgKind::Agency.as_str(),
            OrgKind::SelfMaintainingEnterprise.as_str(),
        ]))
        .all(db)
        .await?;
    for (i, o) in maintainers.iter().enumerate() {
        organization::Entity::update(organization::ActiveModel {
            id: Set(o.id.clone()),
            name: Set(format!("{}{}", LONG_NAMES[i % 2], i + 1)),
            ..Default::default()
        })
        .exec(db)
        .await?;
    }
    log_in(client, app, "/login", "city").await?;
    wait_for(client, "[data-testid=dashboard]").await?;
    chart_seen(client, "[data-testid=trend-chart] svg").await?;
    let overdue = text_of(client, "[data-testid=top-overdue]").await?;
    check(
        LONG_NAMES.iter().any(|n| overdue.contains(&n[..12])),
        &format!("the agencies most overdue are named: {overdue:?}"),
    )?;
    texts_apart(client, "home").await?;
    save_screenshot(client, shots, "statistics-dashboard").await?;

    // 综合查询 → 统计查询, by district: 浦东新区 leads on to its agencies.
    client.goto(&app.url("/statistics")).await?;
    chart_seen(client, "[data-testid=stats-chart] svg").await?;
    let first = text_of(client, "[data-testid=stats-row] th").await?;
    check(
        first.contains("浦东新区"),
        &format!("by district: {first:?}"),
    )?;
    click(client, "[data-testid=stats-row] a[data-testid=drill]").await?;
    let chips = wait_for(client, "[data-testid=stats-chips]").await?;
    check(
        chips.contains("区：浦东新区"),
        &format!("drilled into 浦东: {chips:?}"),
    )?;
    let table = text_of(client, "[data-testid=stats-table]").await?;
    check(
        table.contains("运维机构") && LONG_NAMES.iter().any(|n| table.contains(n)),
        &format!("by agency, names whole in the table: {table:?}"),
    )?;
    texts_apart(client, "by agency").await?;
    exports_workbook(client, "by agency").await?;
    save_screenshot(client, shots, "statistics-by-agency").await?;

    // The first agency's 超期 figure: its missed weeks in 运维管理.
    let figure = text_of(client, "[data-testid=stats-row] td[data-measure=overdue] a").await?;
    click(client, "[data-testid=stats-row] td[data-measure=overdue] a").await?;
    let narrowed = wait_for(client, "[data-testid=narrowed]").await?;
    check(
        narrowed.contains("运维机构：") && narrowed.contains("到期日："),
        &format!("the list says what it shows: {narrowed:?}"),
    )?;
    let summary = text_of(client, "[data-testid=pager-summary]").await?;
    check(
        summary.contains(&format!("总共 {figure} ")),
        &format!("{figure} overdue weeks listed: {summary:?}"),
    )?;
    let rows = text_of(client, "[data-testid=list] tbody").await?;
    check(rows.contains("超期"), "the rows are the missed weeks")?;
    exports_workbook(client, "the missed weeks").await?;
    save_screenshot(client, shots, "statistics-overdue-weeks").await?;

    // On a phone-wide window the page still reads: the chart shrinks, its names stay apart.
    client.set_window_size(390, 844).await?;
    client.goto(&app.url("/statistics?group=agency")).await?;
    chart_seen(client, "[data-testid=stats-chart] svg").await?;
    texts_apart(client, "by agency at 390 px").await?;
    no_sideways_scroll(client, "by agency").await?;
    save_screenshot(client, shots, "statistics-390").await?;
    Ok(())
}
