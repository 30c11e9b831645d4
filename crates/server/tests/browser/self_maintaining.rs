//! A self-maintaining enterprise (自运维企业) works as its own agency on a 360 px phone: its field
//! engineer files an inspection at its own outlet under its internal contract, a second person of
//! the enterprise confirms it and a third reviews it; its main account sees the three names in
//! the record's trail.

use super::field_loop::{
    approve, attach, confirm_today, photo_file, place_phone, sign, tap, wait_contains,
};
use super::{Result, check, log_in, log_out, save_screenshot, text_of, wait_for};
use emss_testkit::TestApp;
use fantoccini::{Client, Locator};
use std::path::Path;

pub async fn three_people(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    let files = tempfile::tempdir()?;
    let site = app.demo_site(&app.token("selfom_filer").await?).await?;

    log_in(client, app, "/m/login", "selfom_filer").await?;
    tap(client, "a.h5-tile[href='/m/field']").await?;
    let tasks = text_of(client, "main").await?;
    check(
        tasks.contains("LG-ZY-2026-001"),
        &format!("the enterprise's own task is listed: {tasks:?}"),
    )?;
    tap(client, "a[data-outlet='DW-001 废水总排口']").await?;
    wait_for(client, "[data-testid=check-in]").await?;
    tap(client, "input[name=form_type][value=ww_inspection]").await?;
    let first = client
        .find(Locator::Css("input[name=instrument_ids]"))
        .await?
        .attr("value")
        .await?
        .unwrap_or_default();
    tap(
        client,
        &format!("input[name=instrument_ids][value='{first}']"),
    )
    .await?;
    place_phone(client, site.lat + 0.0002, site.lon).await?;
    tap(client, "[data-testid=check-in]").await?;
    wait_for(client, "[data-testid=draft-submit]").await?;
    tap(client, "input[data-tab][value='日']").await?;
    client
        .execute(
            "document.querySelectorAll('.form-field:not([hidden]) input[type=radio][value=\"正常\"]')
               .forEach(r => r.click());",
            vec![],
        )
        .await?;
    attach(
        client,
        "#work-photo",
        "[data-thumbs=work_photo_id]",
        &photo_file(files.path(), "work.jpg", 8_001)?,
        1,
    )
    .await?;
    sign(client).await?;
    for (n, field) in ["station_photos", "process_photos"].into_iter().enumerate() {
        attach(
            client,
            &format!("input[data-photos='evidence.{field}']"),
            &format!("[data-thumbs='evidence.{field}']"),
            &photo_file(files.path(), &format!("{field}.jpg"), 8_002 + n as u64)?,
            1,
        )
        .await?;
    }
    place_phone(client, site.lat + 0.0002, site.lon).await?;
    tap(client, "[data-testid=draft-submit]").await?;
    let head = wait_contains(client, "[data-testid=record-head]", "待企业确认").await?;
    let number = head
        .split_whitespace()
        .find(|w| w.starts_with("YW"))
        .map(str::to_string)
        .ok_or("the submitted record shows its 运维编号")?;
    log_out(client, "/m/login").await?;

    // A second person of the enterprise confirms, a third reviews.
    confirm_today(client, app, files.path(), "selfom_confirm", &number).await?;
    log_in(client, app, "/m/login", "selfom_reviewer").await?;
    approve(client, files.path(), &number).await?;
    log_out(client, "/m/login").await?;

    // The main account: no warning about too few people, the record approved with three names.
    log_in(client, app, "/login", "selfom").await?;
    check(
        client
            .find(Locator::Css("[data-testid=duties-problem]"))
            .await
            .is_err(),
        "three people: the home page raises no separation problem",
    )?;
    client.goto(&app.url("/records?state=approved")).await?;
    tap(
        client,
        &format!("tr[data-record='{number}'] a[href^='/records/']"),
    )
    .await?;
    let trail = text_of(client, "[data-testid=trail]").await?;
    for name in ["钱进", "冯晓燕", "蒋文"] {
        check(
            trail.contains(name),
            &format!("the trail names {name}: {trail:?}"),
        )?;
    }
    save_screenshot(client, shots, "self-maintaining-record").await?;
    Ok(())
}
