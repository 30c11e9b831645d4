//! 监督检查 and 整改单 on the desktop: the 浦东 regulator opens a record flagged for a reused photo,
//! inspects (现场检查: the record's flag is the finding, the checklist answered), issues a
//! rectification order from the inspection's finding; agency A signs for it and answers with a
//! photo; the regulator sees the photo and accepts (销号); the order's trail names every step.

use super::field_loop::photo_file;
use super::{Result, check, click, fill, log_in, log_out, save_screenshot, text_of, wait_for};
use emss_testkit::TestApp;
use fantoccini::{Client, Locator};
use std::path::Path;

/// Confirms the dialog an irreversible button opens.
async fn confirm(client: &Client, expect: &str) -> Result<()> {
    let question = wait_for(client, "dialog[open] .dialog-body").await?;
    check(
        question.contains(expect),
        &format!("the dialog asks {expect:?}: {question:?}"),
    )?;
    click(client, "dialog[open] [data-testid=dialog-confirm]").await
}

async fn wait_state(client: &Client, expected: &str) -> Result<()> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Ok(text) = text_of(client, "[data-testid=state]").await
            && text.contains(expected)
        {
            return Ok(());
        }
        if std::time::Instant::now() > deadline {
            return Err(format!("the page never showed {expected:?}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

pub async fn flag_to_closing(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    let files = tempfile::tempdir()?;
    // The regulator: from the flagged record to an issued order.
    log_in(client, app, "/login", "district_a").await?;
    client
        .goto(&app.url("/records?flag=duplicate_photo"))
        .await?;
    click(client, "[data-testid=list] a[href^='/records/']").await?;
    click(client, "[data-testid=new-inspection]").await?;
    let finding = client
        .find(Locator::Css("textarea[name=finding_description]"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    check(
        finding.starts_with("照片重复使用："),
        &format!("the record's flag is the first finding: {finding:?}"),
    )?;
    for answer in client
        .find_all(Locator::Css("input[name^=answer_][value=conform]"))
        .await?
    {
        answer.click().await?;
    }
    fill(client, "#summary", "现场核查运维记录与照片").await?;
    click(client, "[data-testid=save-inspection]").await?;
    wait_state(client, "已完成").await?;
    let findings = text_of(client, "[data-testid=findings]").await?;
    check(
        findings.contains("照片重复使用") && findings.contains("较重"),
        &format!("the inspection lists its finding: {findings:?}"),
    )?;
    save_screenshot(client, shots, "inspection-recorded").await?;
    click(client, "[data-testid=order-from-inspection]").await?;
    let problem = client
        .find(Locator::Css("#problem_0"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    check(
        problem.starts_with("照片重复使用："),
        &format!("the finding fills the first problem: {problem:?}"),
    )?;
    fill(client, "#basis", "《污染源自动监控设施运行管理办法》第十条").await?;
    click(client, "[data-testid=issue]").await?;
    confirm(client, "确定下发").await?;
    wait_state(client, "已下发").await?;
    let number = text_of(client, "[data-testid=number]").await?;
    check(
        number.starts_with("浦东新区整改〔"),
        &format!("the order has its number: {number:?}"),
    )?;
    log_out(client, "/login").await?;

    // The agency: signs for it, attaches a photo, answers.
    log_in(client, app, "/login", "agency_a").await?;
    let home = text_of(client, "main").await?;
    check(
        home.contains("待处理整改单"),
        "the agency's home counts its orders",
    )?;
    client
        .goto(&app.url("/rectifications?tab=to_answer"))
        .await?;
    client
        .find(Locator::XPath(&format!(
            "//tr[td[contains(., '{number}')]]//a[text()='详情']"
        )))
        .await?
        .click()
        .await?;
    click(client, "[data-testid=sign]").await?;
    wait_state(client, "整改中").await?;
    client
        .find(Locator::Css("#attachment_file"))
        .await?
        .send_keys(
            &photo_file(files.path(), "整改后现场.jpg", 9_301)?
                .display()
                .to_string(),
        )
        .await?;
    click(client, "[data-testid=upload-attachment]").await?;
    wait_for(client, "[data-testid=photos] img").await?;
    fill(
        client,
        "textarea[id^=measures_]",
        "停用重复照片，现场重新拍摄并重新运维",
    )
    .await?;
    fill(client, "#summary", "已对运维人员培训，重新运维并上传记录").await?;
    click(client, "[data-testid=respond]").await?;
    confirm(client, "确定提交整改情况").await?;
    wait_state(client, "已提交整改").await?;
    log_out(client, "/login").await?;

    // The regulator: sees the photo, accepts.
    log_in(client, app, "/login", "district_a").await?;
    client
        .goto(&app.url("/rectifications?tab=submitted"))
        .await?;
    client
        .find(Locator::XPath(&format!(
            "//tr[td[contains(., '{number}')]]//a[text()='详情']"
        )))
        .await?
        .click()
        .await?;
    // A person scrolls down to the photos; the lazy image loads there.
    client
        .execute(
            "document.querySelector('[data-testid=photos] img').scrollIntoView();",
            vec![],
        )
        .await?;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let loaded = client
            .execute(
                "const img = document.querySelector('[data-testid=photos] img');
                 return img.complete && img.naturalWidth > 0 && img.getBoundingClientRect().width > 0;",
                vec![],
            )
            .await?;
        if loaded.as_bool() == Some(true) {
            break;
        }
        check(
            std::time::Instant::now() < deadline,
            "the agency's photo shows on the order",
        )?;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    click(client, "[data-testid=accept]").await?;
    confirm(client, "确定销号").await?;
    wait_state(client, "已销号").await?;
    let trail = text_of(client, "[data-testid=trail]").await?;
    for step in [
        "保存整改单草稿",
        "下发整改单",
        "签收整改单",
        "上传整改单附件",
        "提交整改情况",
        "整改单销号",
    ] {
        check(
            trail.contains(step),
            &format!("the trail shows {step}: {trail:?}"),
        )?;
    }
    check(
        trail.contains("周敏") && trail.contains("刘洋"),
        &format!("the trail names who acted: {trail:?}"),
    )?;
    save_screenshot(client, shots, "rectification-closed").await?;
    Ok(())
}
