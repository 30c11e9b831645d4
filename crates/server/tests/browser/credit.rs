//! 信用管理 on the desktop: the city revises the 运维类 indicator system in the editor, publishes
//! it through the confirmation dialog, rates every agency on demand, opens agency A's breakdown,
//! unfolds the objects behind an indicator and follows one to its page, opens the agency's
//! 业务实施动态; at 390 px the list, the breakdown and the activity do not scroll sideways. Then the year closes: the city opens its publicity, agency
//! A objects to an indicator from its breakdown, the city accepts with a corrected score through
//! the confirmation dialog, publishes after the last day, and the grade shows on the public
//! register.

use super::{
    Result, check, click, fill, log_in, log_out, no_sideways_scroll, save_screenshot, set_value,
    text_of, wait_for,
};
use chrono::{Datelike, TimeZone};
use emss_testkit::TestApp;
use fantoccini::Client;
use std::path::Path;

/// Whether the element is laid out and visible to a person, not merely present (the contents
/// of a folded `<details>` are present but not rendered).
async fn seen(client: &Client, css: &str) -> Result<bool> {
    let shown = client
        .execute(
            "const e = document.querySelector(arguments[0]); if (!e) return false; \
             const r = e.getBoundingClientRect(); \
             return e.checkVisibility({checkOpacity: true, visibilityProperty: true}) \
               && r.width > 0 && r.height > 0;",
            vec![serde_json::json!(css)],
        )
        .await?;
    Ok(shown == serde_json::json!(true))
}

pub async fn publish_rate_and_drill(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    let agency_a = app.org_of("agency_a").await?;
    log_in(client, app, "/login", "city").await?;

    // 信用管理 → 评价指标体系: the published 运维类 version, with the editor for the next one.
    client.goto(&app.url("/credit/systems")).await?;
    let list = text_of(client, "[data-testid=list]").await?;
    check(
        list.contains("运维类") && list.contains("监测类") && list.contains("已发布"),
        &format!("both systems listed as published: {list:?}"),
    )?;
    let system = emss_db::repo::credit::newest(&app.app.db().conn, "maintenance", "published")
        .await?
        .ok_or("no published 运维类 system")?;
    client
        .goto(&app.url(&format!("/credit/systems/{}", system.id)))
        .await?;
    let indicators = text_of(client, "[data-testid=indicators]").await?;
    check(
        indicators.contains("运维计划按时完成率") && indicators.contains("每项扣 0.5 分"),
        &format!("the indicators read in words: {indicators:?}"),
    )?;
    check(
        seen(client, "#document").await?,
        "the editor is shown to the city",
    )?;
    save_screenshot(client, shots, "credit-system").await?;
    // A 守信 grade now asks for 95.
    let revised = system
        .document
        .replace("at_least = 90\n", "at_least = 95\n");
    set_value(client, "#document", &revised).await?;
    click(client, "[data-testid=save-draft]").await?;
    let saved = wait_for(client, "[data-toast]").await?;
    check(saved.contains("草稿已保存"), &format!("saved: {saved:?}"))?;
    click(client, "[data-testid=publish]").await?;
    let question = wait_for(client, "dialog[open] .dialog-body").await?;
    check(
        question.contains("确定发布第 2 版"),
        &format!("the dialog asks before publishing: {question:?}"),
    )?;
    click(client, "dialog[open] [data-testid=dialog-confirm]").await?;
    let published = wait_for(client, "[data-toast]").await?;
    check(
        published.contains("第 2 版已发布"),
        &format!("published: {published:?}"),
    )?;
    check(
        text_of(client, "[data-testid=grades]")
            .await?
            .contains("A（守信）≥ 95 分"),
        "the published version shows its grades",
    )?;

    // 信用评价: rated now, under version 2.
    client.goto(&app.url("/credit/ratings")).await?;
    click(client, "[data-testid=compute]").await?;
    let notice = wait_for(client, "[data-testid=computed]").await?;
    check(
        notice.contains("已完成计算：参评"),
        &format!("computed: {notice:?}"),
    )?;
    let rows = text_of(client, "[data-testid=list] tbody").await?;
    check(
        rows.contains("第 2 版") && rows.contains("年度滚动"),
        &format!("the list names the version and the standing: {rows:?}"),
    )?;
    save_screenshot(client, shots, "credit-ratings").await?;

    // Agency A's breakdown: the total, and what lies behind 超期未完成的运维计划.
    client
        .goto(&app.url(&format!("/credit/ratings/{agency_a}")))
        .await?;
    let total = wait_for(
        client,
        "[data-testid=rating-maintenance] [data-testid=total]",
    )
    .await?;
    check(
        !total.is_empty() && total != "—",
        &format!("a total: {total:?}"),
    )?;
    let link = "[data-testid=rating-maintenance] [data-testid=evidence-B02] a";
    check(
        !seen(client, link).await?,
        "the objects stay folded until asked for",
    )?;
    click(
        client,
        "[data-testid=rating-maintenance] [data-testid=evidence-B02] summary",
    )
    .await?;
    check(
        seen(client, link).await?,
        "unfolded, the first object shows",
    )?;
    let label = text_of(client, link).await?;
    check(
        label.contains("超期未完成"),
        &format!("the object says why it counts: {label:?}"),
    )?;
    save_screenshot(client, shots, "credit-breakdown").await?;
    click(client, link).await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut url = client.current_url().await?;
    while !url.path().starts_with("/tasks/") && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        url = client.current_url().await?;
    }
    check(
        url.path().starts_with("/tasks/"),
        &format!("the object opens its task: {url}"),
    )?;

    // 业务实施动态 from the breakdown: twelve weeks, newest first, and what happened lately.
    client
        .goto(&app.url(&format!("/credit/ratings/{agency_a}")))
        .await?;
    click(client, "a[href^='/credit/activity/']").await?;
    wait_for(client, "[data-testid=weeks]").await?;
    let weeks = client
        .find_all(fantoccini::Locator::Css("[data-testid=weeks] tbody tr"))
        .await?;
    check(weeks.len() == 12, &format!("twelve weeks: {}", weeks.len()))?;
    let events = text_of(client, "[data-testid=events]").await?;
    check(
        events.contains("启动任务") || events.contains("收到整改单"),
        &format!("the latest events: {events:?}"),
    )?;
    save_screenshot(client, shots, "credit-activity").await?;

    // Phone-wide: the pages read without sideways scrolling.
    client.set_window_size(390, 844).await?;
    for (page, shown) in [
        ("/credit/ratings".to_string(), "[data-testid=list]"),
        (
            format!("/credit/ratings/{agency_a}"),
            "[data-testid=rating-maintenance]",
        ),
        (
            format!("/credit/activity/{agency_a}"),
            "[data-testid=weeks]",
        ),
    ] {
        client.goto(&app.url(&page)).await?;
        wait_for(client, shown).await?;
        no_sideways_scroll(client, &page).await?;
    }
    save_screenshot(client, shots, "credit-breakdown-390").await?;
    client.set_window_size(1440, 900).await?;
    object_decide_publish(client, app, shots).await
}

/// Waits until the element's text contains `expected` (the page before may still be showing).
async fn wait_containing(client: &Client, css: &str, expected: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(el) = client.find(fantoccini::Locator::Css(css)).await
            && let Ok(text) = el.text().await
            && text.contains(expected)
        {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("{css} never showed {expected:?}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

/// Clicks a button that asks first, and confirms in the dialog.
async fn confirm(client: &Client, css: &str, asks: &str) -> Result<()> {
    click(client, css).await?;
    let question = wait_for(client, "dialog[open] .dialog-body").await?;
    check(
        question.contains(asks),
        &format!("the dialog asks {asks:?}: {question:?}"),
    )?;
    click(client, "dialog[open] [data-testid=dialog-confirm]").await
}

async fn object_decide_publish(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    let agency_a = app.org_of("agency_a").await?;
    let shanghai = chrono::FixedOffset::east_opt(8 * 3600).ok_or("offset")?;
    let year =
        emss_domain::time::shanghai_date(emss_domain::clock::Clock::now(app.clock.as_ref())).year();
    let at = |y: i32, m: u32, d: u32| {
        shanghai
            .with_ymd_and_hms(y, m, d, 10, 0, 0)
            .single()
            .map(|t| t.to_utc())
            .ok_or("no such day")
    };
    app.clock.set(at(year + 1, 1, 5)?);

    // The city computes the closed year (asked first: it freezes) and opens its publicity. The
    // clock's jump ended the session.
    log_in(client, app, "/login", "city").await?;
    client
        .goto(&app.url(&format!("/credit/ratings?period={year}")))
        .await?;
    confirm(client, "[data-testid=compute]", "年度已结束").await?;
    wait_containing(client, "[data-testid=computed]", "已完成计算").await?;
    set_value(client, "#deadline", &format!("{}-01-20", year + 1)).await?;
    confirm(client, "[data-testid=start-publicity]", "确定发起").await?;
    wait_containing(client, "[data-testid=publicity]", "公示中").await?;
    let publicity = text_of(client, "[data-testid=publicity]").await?;
    check(
        publicity.contains(&format!("{}-01-20", year + 1)),
        &format!("the last day is said: {publicity:?}"),
    )?;

    // Agency A objects to an indicator it lost points on, from its breakdown.
    let rating = emss_db::repo::credit::ratings(
        &app.app.db().conn,
        year,
        Some("maintenance"),
        Some(&agency_a),
    )
    .await?
    .into_iter()
    .next()
    .ok_or("no final rating of agency A")?;
    let item = emss_db::repo::credit::items(&app.app.db().conn, &rating.id)
        .await?
        .into_iter()
        .find(|i| i.effect == "deduction" && i.scored < 0)
        .ok_or("agency A lost no points to a 扣分项")?;
    log_out(client, "/login").await?;
    log_in(client, app, "/login", "agency_a").await?;
    client
        .goto(&app.url(&format!("/credit/ratings/{agency_a}?period={year}")))
        .await?;
    set_value(client, "#code-maintenance", &item.code).await?;
    fill(
        client,
        "#reasons-maintenance",
        "所列超期计划已在期限内完成，系统记录的完成日期有误，见所附企业确认单。",
    )
    .await?;
    save_screenshot(client, shots, "credit-objection-form").await?;
    click(client, "[data-testid=object-maintenance]").await?;
    wait_containing(client, "[data-testid=done]", "异议已提交").await?;
    check(
        text_of(client, "[data-testid=state]").await? == "待处理",
        "the objection waits for the city",
    )?;

    // The city accepts it with the indicator corrected to nothing deducted.
    log_out(client, "/login").await?;
    log_in(client, app, "/login", "city").await?;
    client.goto(&app.url("/credit/objections")).await?;
    let rows = text_of(client, "[data-testid=list] tbody").await?;
    check(
        rows.contains("待处理") && rows.contains(&item.code),
        &format!("the queue lists it: {rows:?}"),
    )?;
    click(client, "[data-testid=list] tbody a").await?;
    fill(client, "#scored", "0").await?;
    fill(
        client,
        "#note",
        "经核实，相关计划已按期完成，该项不应扣分。",
    )
    .await?;
    confirm(client, "[data-testid=accept]", "确定采纳").await?;
    wait_containing(client, "[data-testid=done]", "异议已处理").await?;
    let result = text_of(client, "[data-testid=result]").await?;
    check(
        result.contains("已采纳") && result.contains("更正后总分"),
        &format!("the decision with the total after it: {result:?}"),
    )?;
    let trail = text_of(client, "[data-testid=trail]").await?;
    check(
        trail.contains("提出信用评价异议") && trail.contains("处理信用评价异议"),
        &format!("the trail: {trail:?}"),
    )?;
    save_screenshot(client, shots, "credit-objection-decided").await?;
    let objection = client.current_url().await?;
    client.set_window_size(390, 844).await?;
    for page in [
        objection.path().to_string(),
        "/credit/objections".to_string(),
    ] {
        client.goto(&app.url(&page)).await?;
        wait_for(client, "[data-testid=trail], [data-testid=list]").await?;
        no_sideways_scroll(client, &page).await?;
    }
    client.set_window_size(1440, 900).await?;

    // After the last day the city publishes; the register shows the grade.
    app.clock.set(at(year + 1, 1, 21)?);
    log_in(client, app, "/login", "city").await?;
    client
        .goto(&app.url(&format!("/credit/ratings?period={year}")))
        .await?;
    confirm(client, "[data-testid=publish-year]", "确定公布").await?;
    wait_containing(client, "[data-testid=computed]", "评价结果已公布").await?;
    client.goto(&app.url("/public/agencies")).await?;
    let register = text_of(client, "[data-testid=list]").await?;
    check(
        register.contains("信用等级") && register.contains("守信"),
        &format!("the register shows grades: {register:?}"),
    )?;
    save_screenshot(client, shots, "credit-register").await?;
    client
        .goto(&app.url(&format!("/public/agencies/{agency_a}")))
        .await?;
    let grades = wait_for(client, "[data-testid=credit-grades]").await?;
    check(
        grades.contains(&year.to_string()) && grades.contains("运维类"),
        &format!("agency A's public page shows its grades: {grades:?}"),
    )?;
    Ok(())
}
