//! 信用管理 on the desktop: the city revises the 运维类 indicator system in the editor, publishes
//! it through the confirmation dialog, rates every agency on demand, opens agency A's breakdown,
//! unfolds the objects behind an indicator and follows one to its page; at 390 px the list and
//! the breakdown do not scroll sideways.

use super::{
    Result, check, click, log_in, no_sideways_scroll, save_screenshot, set_value, text_of, wait_for,
};
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

    // Phone-wide: the pages read without sideways scrolling.
    client.set_window_size(390, 844).await?;
    for (page, shown) in [
        ("/credit/ratings".to_string(), "[data-testid=list]"),
        (
            format!("/credit/ratings/{agency_a}"),
            "[data-testid=rating-maintenance]",
        ),
    ] {
        client.goto(&app.url(&page)).await?;
        wait_for(client, shown).await?;
        no_sideways_scroll(client, &page).await?;
    }
    save_screenshot(client, shots, "credit-breakdown-390").await?;
    Ok(())
}
