//! The field loop on a 360 px phone: the filer checks in at the demo outlet, fills an inspection
//! for two instruments, photographs, signs and submits; the enterprise confirms the day; the
//! reviewer approves it and voids another with a reason; the district regulator sees both with
//! their flags, and the record's map and print sheet.

use super::{Result, check, log_in, log_out, save_screenshot, text_of, wait_for};
use emss_testkit::TestApp;
use emss_testkit::picture;
use fantoccini::{Client, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Clicks an element once it is there, scrolled to the middle of the screen first so the
/// phone's sticky title bar does not cover it.
pub async fn tap(client: &Client, css: &str) -> Result<()> {
    let el = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await?;
    client
        .execute(
            "arguments[0].scrollIntoView({block: 'center'});",
            vec![serde_json::to_value(&el)?],
        )
        .await?;
    el.click().await?;
    Ok(())
}

/// Waits until the element's text contains `needle`.
pub async fn wait_contains(client: &Client, css: &str, needle: &str) -> Result<String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await
            && let Ok(text) = el.text().await
            && text.contains(needle)
        {
            return Ok(text);
        }
        if Instant::now() > deadline {
            let last = text_of(client, css).await.unwrap_or_default();
            return Err(format!("{css} never showed {needle:?}; last {last:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// The phone's GPS answers this position (the browser's own position source is not ours to
/// drive; the page asks for it exactly as on a phone).
pub async fn place_phone(client: &Client, lat: f64, lon: f64) -> Result<()> {
    client
        .execute(
            "const [lat, lon] = arguments;
             navigator.geolocation.getCurrentPosition = (ok) => ok({
               coords: { latitude: lat, longitude: lon, accuracy: 8 }, timestamp: Date.now() });",
            vec![json!(lat), json!(lon)],
        )
        .await?;
    Ok(())
}

/// Draws a stroke on the page's signature pad with pointer events and confirms it.
pub async fn sign(client: &Client) -> Result<()> {
    client
        .execute(
            "const c = document.querySelector('[data-signature] canvas');
             const r = c.getBoundingClientRect();
             const ev = (type, x, y) => c.dispatchEvent(new PointerEvent(type,
               { clientX: r.left + x, clientY: r.top + y, bubbles: true, pointerId: 1 }));
             ev('pointerdown', 20, 80);
             for (let i = 1; i <= 20; i++) ev('pointermove', 20 + i * 12, 80 + (i % 2 ? -30 : 30));
             ev('pointerup', 260, 80);",
            vec![],
        )
        .await?;
    tap(client, "[data-signature-ok]").await?;
    wait_contains(client, "[data-signature-state]", "已签字").await?;
    Ok(())
}

/// Writes a test photo to disk for the file input.
pub fn photo_file(dir: &Path, name: &str, seed: u64) -> Result<PathBuf> {
    let path = dir.join(name);
    std::fs::write(&path, picture(800, 600, seed, false))?;
    Ok(path)
}

/// Chooses a file for an input and waits for its thumbnail.
pub async fn attach(
    client: &Client,
    input: &str,
    thumbs: &str,
    file: &Path,
    count: usize,
) -> Result<()> {
    client
        .find(Locator::Css(input))
        .await?
        .send_keys(&file.display().to_string())
        .await?;
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let shown = client
            .find_all(Locator::Css(&format!("{thumbs} img")))
            .await?
            .len();
        if shown >= count {
            return Ok(());
        }
        if Instant::now() > deadline {
            let errors = text_of(client, "body").await.unwrap_or_default();
            return Err(format!("no thumbnail for {input}; page says {errors:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(150)).await;
    }
}

/// `user` confirms today's record `number` on the phone: 待确认日期 → today's list → work photo
/// and signature → 确认; then logs out.
pub async fn confirm_today(
    client: &Client,
    app: &TestApp,
    files: &Path,
    user: &str,
    number: &str,
) -> Result<()> {
    log_in(client, app, "/m/login", user).await?;
    tap(client, "a.h5-tile[href='/m/confirmations']").await?;
    let today = emss_domain::time::shanghai_date(chrono::Utc::now()).to_string();
    tap(client, &format!("a[href='/m/confirmations/{today}']")).await?;
    wait_contains(client, "[data-testid=records]", number).await?;
    // Nothing is ticked until the confirmer chooses: 确认 alone names what is missing.
    let ticked = client
        .execute(
            "return document.querySelectorAll('input[name=record_ids]:checked').length;",
            vec![],
        )
        .await?;
    check(
        ticked.as_u64() == Some(0),
        "the list starts with nothing ticked",
    )?;
    attach(
        client,
        "#work-photo",
        "[data-thumbs=work_photo_id]",
        &photo_file(files, "confirm.jpg", 7_004)?,
        1,
    )
    .await?;
    sign(client).await?;
    tap(client, "[data-testid=confirm]").await?;
    wait_for(client, "[data-error-for=record_ids]:not([hidden])").await?;
    tap(client, &format!("input[data-number='{number}']")).await?;
    tap(client, "[data-testid=confirm]").await?;
    wait_contains(client, "[data-form-result]", "已确认").await?;
    // The next batch starts unsigned and without a photo.
    let carried = client
        .execute(
            "return [document.querySelector('[data-signature-id]').value,
                     document.querySelector('#work-photo').getAttribute('data-uploaded')];",
            vec![],
        )
        .await?;
    check(
        carried == serde_json::json!(["", null]),
        &format!("signature and photo do not carry over: {carried}"),
    )?;
    log_out(client, "/m/login").await
}

/// The signed-in reviewer approves record `number` in 运维审核 on the phone, with a work photo
/// and a signature (kept on the page for the reviews after it).
pub async fn approve(client: &Client, files: &Path, number: &str) -> Result<()> {
    tap(client, "a.h5-tile[href='/m/reviews']").await?;
    tap(client, &format!("input[data-number='{number}']")).await?;
    tap(client, "input[name=decision][value=approve]").await?;
    attach(
        client,
        "#work-photo",
        "[data-thumbs=work_photo_id]",
        &photo_file(files, "review.jpg", 7_005)?,
        1,
    )
    .await?;
    sign(client).await?;
    tap(client, "[data-testid=review]").await?;
    wait_contains(client, "[data-form-result]", "已处理 1 条").await?;
    Ok(())
}

pub async fn field_loop(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    let files = tempfile::tempdir()?;
    let site = app.demo_site(&app.token("filer_a").await?).await?;

    // The filer: 污染源运维 → the outlet → 运维内容 and two instruments → 开始签到.
    log_in(client, app, "/m/login", "filer_a").await?;
    tap(client, "a.h5-tile[href='/m/field']").await?;
    tap(client, "a[data-outlet='DW-001 废水总排口']").await?;
    wait_for(client, "[data-testid=check-in]").await?;
    tap(client, "input[name=form_type][value=ww_inspection]").await?;
    let boxes = client
        .find_all(Locator::Css("input[name=instrument_ids]"))
        .await?;
    check(boxes.len() >= 2, "the outlet lists its instruments")?;
    for b in &boxes[..2] {
        let value = b.attr("value").await?.unwrap_or_default();
        tap(
            client,
            &format!("input[name=instrument_ids][value='{value}']"),
        )
        .await?;
    }
    place_phone(client, site.lat + 0.0002, site.lon).await?;
    tap(client, "[data-testid=check-in]").await?;
    wait_for(client, "[data-testid=draft-submit]").await?;
    let record_url = client.current_url().await?;
    check(
        record_url.path().starts_with("/m/records/"),
        &format!("after check-in at {record_url}"),
    )?;
    let headings = text_of(client, "[data-repeat=instrument]").await?;
    check(
        headings.contains("仪器 1：") && headings.contains("仪器 2："),
        "the instrument section repeats for both instruments",
    )?;
    let width = client
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await?;
    check(
        width.as_u64().is_some_and(|w| w <= 360),
        &format!("the form is {width} px wide on a 360 px screen"),
    )?;

    // The daily checks, all 正常; a note typed and the page closed unsaved comes back.
    tap(client, "input[data-tab][value='日']").await?;
    // What a person sees: the daily items, and none of another frequency's (they are marked
    // hidden, and a style must not show them anyway).
    let seen = client
        .execute(
            "const shown = g => Array.from(document.querySelectorAll(`[data-group='${g}']`))
                 .filter(e => e.getClientRects().length > 0).length;
             return [shown('日'), shown('周') + shown('月') + shown('季')];",
            vec![],
        )
        .await?;
    check(
        seen[0].as_u64().is_some_and(|n| n > 0) && seen[1].as_u64() == Some(0),
        &format!("daily items shown, others not: {seen}"),
    )?;
    client
        .execute(
            "document.querySelectorAll('.form-field:not([hidden]) input[type=radio][value=\"正常\"]')
               .forEach(r => r.click());",
            vec![],
        )
        .await?;
    // Unticking 日 now would hide answered items, and what is hidden is not filed: the phone asks
    // first, and 取消 keeps every answer on screen.
    let answered = "return Array.from(document.querySelectorAll('[data-group=\"日\"] input[type=radio]:checked'))
        .filter(e => e.getClientRects().length > 0).length;";
    let before = client.execute(answered, vec![]).await?;
    tap(client, "input[data-tab][value='日']").await?;
    let question = wait_for(client, "dialog[open] .dialog-body").await?;
    check(
        question.contains("日检查维护") && question.contains("清除"),
        &format!("unticking answered items asks first: {question:?}"),
    )?;
    save_screenshot(client, shots, "field-loop-untick").await?;
    tap(client, "[data-testid=dialog-cancel]").await?;
    let after = client.execute(answered, vec![]).await?;
    check(
        before.as_u64().is_some_and(|n| n > 0) && after == before,
        &format!("answers seen before {before}, after 取消 {after}"),
    )?;
    let note = "采样泵运行正常，站房整洁";
    client
        .find(Locator::Css("[name='evidence.abnormal_handling']"))
        .await?
        .send_keys(note)
        .await?;
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.refresh().await?;
    wait_contains(client, "[data-draft-status]", "已恢复").await?;
    let kept = client
        .find(Locator::Css("[name='evidence.abnormal_handling']"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    check(
        kept == note,
        &format!("the unsaved note came back as {kept:?}"),
    )?;
    tap(client, "[data-testid=draft-save]").await?;
    wait_contains(client, "[data-draft-status]", "已保存").await?;

    // Work photo and signature, but no site photos yet: the server names the missing ones.
    attach(
        client,
        "#work-photo",
        "[data-thumbs=work_photo_id]",
        &photo_file(files.path(), "work.jpg", 7_001)?,
        1,
    )
    .await?;
    sign(client).await?;
    place_phone(client, site.lat + 0.0002, site.lon).await?;
    tap(client, "[data-testid=draft-submit]").await?;
    let missing = wait_for(
        client,
        "[data-error-for='evidence.station_photos']:not([hidden])",
    )
    .await?;
    check(
        !missing.is_empty(),
        "missing site photos are named at the field",
    )?;
    attach(
        client,
        "input[data-photos='evidence.station_photos']",
        "[data-thumbs='evidence.station_photos']",
        &photo_file(files.path(), "station.jpg", 7_002)?,
        1,
    )
    .await?;
    attach(
        client,
        "input[data-photos='evidence.process_photos']",
        "[data-thumbs='evidence.process_photos']",
        &photo_file(files.path(), "process.jpg", 7_003)?,
        1,
    )
    .await?;
    save_screenshot(client, shots, "field-loop-form").await?;
    tap(client, "[data-testid=draft-submit]").await?;
    let head = wait_contains(client, "[data-testid=record-head]", "待企业确认").await?;
    let number = head
        .split_whitespace()
        .find(|w| w.starts_with("YW"))
        .map(str::to_string)
        .ok_or("the submitted record shows its 运维编号")?;
    let flags = text_of(client, "[data-testid=flags]").await?;
    check(
        flags.contains("现场时间过短"),
        &format!("a visit of seconds is flagged against the 30-minute minimum: {flags:?}"),
    )?;
    let said = text_of(client, "[data-testid=submitted]").await?;
    check(
        said.contains("已提交") && said.contains(&number),
        &format!("the submission says what became of it: {said:?}"),
    )?;
    // The engineer's own records, with their state.
    client.goto(&app.url("/m/field")).await?;
    let mine = wait_contains(client, "[data-testid=filed]", &number).await?;
    check(
        mine.contains("待企业确认"),
        &format!("我的运维记录 shows the state: {mine:?}"),
    )?;
    log_out(client, "/m/login").await?;
    let left = client
        .execute(
            "return Object.keys(localStorage).filter(k => k.startsWith('emss.')).length;",
            vec![],
        )
        .await?;
    check(
        left.as_u64() == Some(0),
        "nothing of the record stays on the phone",
    )?;

    // The enterprise: 待确认日期 → today's list → work photo and signature → 确认.
    confirm_today(client, app, files.path(), "ent_a", &number).await?;

    // The reviewer approves the new record, then voids another: first without a reason.
    log_in(client, app, "/m/login", "reviewer_a").await?;
    approve(client, files.path(), &number).await?;

    // The demo record whose 氨氮 check failed is approved only with the reviewer's word on it.
    let failed = client
        .find(Locator::XPath(
            "//li[.//span[@class='flag' and text()='判定不合格']]//input[@name='record_ids']",
        ))
        .await?;
    let failed_number = failed.attr("data-number").await?.unwrap_or_default();
    let failed_id = failed.attr("value").await?.unwrap_or_default();
    tap(client, &format!("input[data-number='{failed_number}']")).await?;
    tap(client, "[data-testid=review]").await?;
    let refused = wait_contains(client, "[data-form-result]", "处理意见").await?;
    check(
        refused.contains(&failed_number) && refused.contains("未处理"),
        &format!("approving a failed record without a word is refused: {refused:?}"),
    )?;
    let note = client
        .find(Locator::Css(&format!(
            "textarea[data-ack-for='{failed_id}']"
        )))
        .await?;
    check(
        note.is_displayed().await?,
        "the failed record shows its box for the reviewer's word",
    )?;
    note.send_keys("氨氮核查不合格，已安排重新校准并复测")
        .await?;
    save_screenshot(client, shots, "field-loop-acknowledge").await?;
    tap(client, "[data-testid=review]").await?;
    wait_contains(client, "[data-form-result]", "已处理 1 条").await?;
    let other = client.find(Locator::Css("input[name=record_ids]")).await?;
    let voided = other.attr("data-number").await?.unwrap_or_default();
    tap(client, &format!("input[data-number='{voided}']")).await?;
    tap(client, "input[name=decision][value=void]").await?;
    tap(client, "[data-testid=review]").await?;
    let reason_error = wait_for(client, "[data-error-for=reason]:not([hidden])").await?;
    check(
        reason_error.contains("原因"),
        &format!("void without reason: {reason_error:?}"),
    )?;
    let reason = "现场照片与签到位置不符，退回重新运维";
    client
        .find(Locator::Css("[name=reason]"))
        .await?
        .send_keys(reason)
        .await?;
    tap(client, "[data-testid=review]").await?;
    // Voiding cannot be undone: a dialog asks once more, and 取消 leaves everything as it was.
    let question = wait_for(client, "dialog[open] .dialog-body").await?;
    check(
        question.contains("确定作废所选 1 条"),
        &format!("void dialog: {question:?}"),
    )?;
    tap(client, "[data-testid=dialog-cancel]").await?;
    check(
        client.find(Locator::Css("dialog[open]")).await.is_err(),
        "the dialog closes on 取消",
    )?;
    tap(client, "[data-testid=review]").await?;
    tap(client, "dialog[open] [data-testid=dialog-confirm]").await?;
    wait_contains(client, "[data-form-result]", "已处理 1 条").await?;
    log_out(client, "/m/login").await?;

    // The district regulator sees both, with their flags, the map and the print sheet.
    log_in(client, app, "/login", "district_a").await?;
    client.goto(&app.url("/records?state=approved")).await?;
    let approved =
        wait_contains(client, &format!("tr[data-record='{number}']"), "审核通过").await?;
    check(
        approved.contains("现场时间过短"),
        &format!("the approved record shows its flag: {approved:?}"),
    )?;
    client.goto(&app.url("/records?state=voided")).await?;
    wait_contains(client, &format!("tr[data-record='{voided}']"), reason).await?;
    client.goto(&app.url("/records?state=approved")).await?;
    tap(
        client,
        &format!("tr[data-record='{number}'] a[href^='/records/']"),
    )
    .await?;
    wait_for(client, "svg.visit-map").await?;
    let map = text_of(client, "svg.visit-map").await?;
    check(
        map.contains("签到") && map.contains("排口"),
        "the map names the outlet and the check-in",
    )?;
    let trail = text_of(client, "[data-testid=trail]").await?;
    check(
        trail.contains("企业确认") && trail.contains("审核通过"),
        &format!("the trail shows confirmation and approval: {trail:?}"),
    )?;
    save_screenshot(client, shots, "field-loop-regulator").await?;
    Ok(())
}
