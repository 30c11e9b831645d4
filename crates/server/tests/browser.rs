//! The browser suite: EMSS started with demo data, driven through Debian's Chromium and
//! ChromeDriver over WebDriver, on a desktop window and on a 360 px phone. It prints what it does
//! and skips, saying so, when Chromium or ChromeDriver is not installed.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{DEMO_PASSWORD, TestApp};
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[path = "browser/accessibility.rs"]
mod accessibility;
#[path = "browser/credit.rs"]
mod credit;
#[path = "browser/docs_screens.rs"]
mod docs_screens;
#[path = "browser/field_loop.rs"]
mod field_loop;
#[path = "browser/rectification.rs"]
mod rectification;
#[path = "browser/self_maintaining.rs"]
mod self_maintaining;
#[path = "browser/statistics.rs"]
mod statistics;

type Result<T> = std::result::Result<T, Box<dyn std::error::Error>>;

fn find(var: &str, candidates: &[&str]) -> Option<PathBuf> {
    if let Ok(p) = std::env::var(var) {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    candidates.iter().map(PathBuf::from).find(|p| p.is_file())
}

/// Stops ChromeDriver when the suite ends, however it ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn main() {
    let chromium = find(
        "CHROMIUM",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    );
    let driver = find("CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    let (Some(chromium), Some(driver)) = (chromium, driver) else {
        if std::env::var_os("EMSS_REQUIRE_BROWSER").is_some() {
            eprintln!(
                "browser suite FAILED: EMSS_REQUIRE_BROWSER is set but Chromium or ChromeDriver is missing"
            );
            std::process::exit(1);
        }
        println!(
            "SKIPPED browser suite: Chromium or ChromeDriver not found \
             (apt-get install chromium chromium-driver, or set CHROMIUM and CHROMEDRIVER)"
        );
        return;
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    match runtime.block_on(run(&chromium, &driver)) {
        Ok(done) => println!("browser suite: {done}"),
        Err(e) => {
            eprintln!("browser suite FAILED: {e}");
            std::process::exit(1);
        }
    }
}

/// Runs the scenarios (or takes the documentation's screenshots) and says what was done.
async fn run(chromium: &Path, driver: &Path) -> Result<String> {
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let _driver = Driver(
        Command::new(driver)
            .arg(format!("--port={port}"))
            // Chromium's own words and date fields in Chinese, as on our users' machines (with
            // Debian's chromium-l10n): 年/月/日, 选择文件. LANGUAGE chooses the language; LANG
            // stays a UTF-8 locale every system has, or files with Chinese names cannot be chosen.
            .env("LANG", "C.UTF-8")
            .env("LANGUAGE", "zh_CN:zh")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?,
    );
    let webdriver = format!("http://127.0.0.1:{port}");
    wait_for_driver(&webdriver).await?;
    // EMSS_SCREENS=<folder>: only the screenshots for the documentation.
    if let Some(given) = std::env::var_os("EMSS_SCREENS") {
        // A relative folder is the workspace's, wherever cargo runs the suite from.
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../..")
            .join(&given);
        let taken = docs_screens::take(&webdriver, chromium, &dir).await?;
        return Ok(format!(
            "{taken} screenshots in {}",
            Path::new(&given).display()
        ));
    }
    let app = TestApp::spawn().await?;
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("browser-screenshots");
    std::fs::create_dir_all(&shots)?;

    let scenarios: [(&str, bool); 14] = [
        (
            "each role logs in on the desktop, sees only its menus, logs out",
            false,
        ),
        ("system administrator pages the account list", false),
        ("field engineer logs in on a 360 px phone, logs out", true),
        (
            "field engineer checks a calibration form on the phone against the server",
            true,
        ),
        (
            "an agency registers, the city reviews twice and publishes, the public finds it",
            false,
        ),
        (
            "an agency registers staff and proposes a change, the city approves it, the trail shows it",
            false,
        ),
        (
            "a contract is confirmed, a task applied for and submitted, missed weeks show as 超期 in the district",
            false,
        ),
        (
            "the field loop on a phone: check-in, inspection for two instruments, confirmation, review, the regulator's view",
            true,
        ),
        (
            "axe-core finds no WCAG 2.1 A/AA violation on any desktop page of any role",
            false,
        ),
        (
            "axe-core finds no WCAG 2.1 A/AA violation on any phone page",
            true,
        ),
        (
            "a self-maintaining enterprise files, confirms and reviews with three different people",
            true,
        ),
        (
            "a regulator inspects from a flagged record and issues an order from the finding, the agency answers with a photo, the regulator accepts it",
            false,
        ),
        (
            "the city reads its dashboard and drills from a district to an agency to its overdue weeks, chart names apart",
            false,
        ),
        (
            "the city revises and publishes an indicator system, rates every agency and drills to what lies behind a deduction; after the year an agency objects, the city corrects, publishes, and the register shows the grade",
            false,
        ),
    ];
    // EMSS_BROWSER_ONLY=<part of a name> runs the matching scenarios alone (while working on one).
    let only = std::env::var("EMSS_BROWSER_ONLY").unwrap_or_default();
    let mut passed = 0;
    for (i, (name, phone)) in scenarios.iter().enumerate() {
        if !name.contains(only.as_str()) {
            continue;
        }
        // axe-core comes from npm (.ci/run installs it); CI requires it, a workstation may skip.
        if matches!(i, 8 | 9)
            && accessibility::axe_script().is_none()
            && std::env::var_os("EMSS_REQUIRE_BROWSER").is_none()
        {
            println!(
                "SKIPPED browser: {name}: axe-core not found \
                 (npm install --prefix target/axe axe-core, or set AXE_CORE)"
            );
            continue;
        }
        // The pages' markup does not depend on the database: the accessibility scenarios run on
        // the SQLite pass only, which CI runs first.
        if matches!(i, 8 | 9) && std::env::var("TEST_DATABASE_URL").is_ok_and(|url| !url.is_empty())
        {
            println!("SKIPPED browser: {name}: on PostgreSQL (the same pages pass on SQLite)");
            continue;
        }
        passed += 1;
        println!("browser: {name} …");
        let client = browser(&webdriver, chromium, *phone).await?;
        let outcome = match i {
            0 => regulator_desktop(&client, &app, &shots).await,
            1 => admin_accounts(&client, &app, &shots).await,
            2 => filer_phone(&client, &app, &shots).await,
            3 => form_check_on_phone(&client, &app, &shots).await,
            4 => filing_review_publish(&client, &app, &shots).await,
            5 => change_request_and_staff(&client, &app, &shots).await,
            6 => task_to_overdue(&client, &app, &shots).await,
            // Their own EMSS, with the demo data as a new user meets it.
            8 | 9 => match TestApp::spawn().await {
                Ok(fresh) => accessibility::every_page(&client, &fresh, i == 9).await,
                Err(e) => Err(e.to_string().into()),
            },
            10 => match TestApp::spawn().await {
                Ok(fresh) => self_maintaining::three_people(&client, &fresh, &shots).await,
                Err(e) => Err(e.to_string().into()),
            },
            11 => match TestApp::spawn().await {
                Ok(fresh) => rectification::flag_to_closing(&client, &fresh, &shots).await,
                Err(e) => Err(e.to_string().into()),
            },
            12 => match TestApp::spawn().await {
                Ok(fresh) => statistics::drill_to_overdue_weeks(&client, &fresh, &shots).await,
                Err(e) => Err(e.to_string().into()),
            },
            13 => match TestApp::spawn().await {
                Ok(fresh) => credit::publish_rate_and_drill(&client, &fresh, &shots).await,
                Err(e) => Err(e.to_string().into()),
            },
            // Its own EMSS: the scenario before moved the clock weeks ahead, and the phone's
            // check-in carries the browser's real time.
            _ => match TestApp::spawn().await {
                Ok(fresh) => field_loop::field_loop(&client, &fresh, &shots).await,
                Err(e) => Err(e.to_string().into()),
            },
        };
        if outcome.is_err() {
            let _ = save_screenshot(&client, &shots, &format!("failed-{i}")).await;
        }
        // No page of the scenario may have written an error to the console or failed to load
        // something it asked for.
        let outcome = match (outcome, console_problems(&client).await) {
            (Ok(()), Ok(problems)) if !problems.is_empty() => {
                Err(format!("the browser console shows errors:\n{}", problems.join("\n")).into())
            }
            (Ok(()), Err(e)) => Err(e),
            (outcome, _) => outcome,
        };
        client.close().await?;
        outcome.map_err(|e| format!("{name}: {e}"))?;
        println!("browser: {name} … ok");
    }
    Ok(format!("{passed} scenarios passed"))
}

async fn wait_for_driver(url: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Ok(res) = reqwest::get(format!("{url}/status")).await
            && res.status().is_success()
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err("ChromeDriver did not start within 20 s".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn browser(webdriver: &str, chromium: &Path, phone: bool) -> Result<Client> {
    if phone {
        browser_sized(webdriver, chromium, true, (360, 740), 3.0).await
    } else {
        browser_sized(webdriver, chromium, false, (1280, 900), 1.0).await
    }
}

/// A browser window of `width` × `height` CSS pixels; `phone` emulates a touch phone of that size
/// with `ratio` device pixels to a CSS pixel.
async fn browser_sized(
    webdriver: &str,
    chromium: &Path,
    phone: bool,
    (width, height): (u32, u32),
    ratio: f64,
) -> Result<Client> {
    let profile = tempfile::tempdir()?.keep();
    let mut args = vec![
        "--headless=new".to_string(),
        "--no-sandbox".into(),
        "--disable-gpu".into(),
        "--disable-dev-shm-usage".into(),
        "--disable-quic".into(),
        "--no-first-run".into(),
        "--disable-background-networking".into(),
        "--disable-component-update".into(),
        "--disable-sync".into(),
        "--lang=zh-CN".into(),
        format!("--user-data-dir={}", profile.display()),
    ];
    if !phone {
        args.push(format!("--window-size={width},{height}"));
    }
    let mut options = json!({ "binary": chromium.display().to_string(), "args": args });
    if phone {
        options["mobileEmulation"] = json!({
            "deviceMetrics": { "width": width, "height": height, "pixelRatio": ratio, "touch": true },
            "userAgent": "Mozilla/5.0 (Linux; Android 14; Phone) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0 Mobile Safari/537.36 MicroMessenger/8.0"
        });
    }
    let mut caps = serde_json::Map::new();
    caps.insert("goog:chromeOptions".into(), options);
    // The browser's console, read after each scenario (console_problems).
    caps.insert("goog:loggingPrefs".into(), json!({ "browser": "ALL" }));
    Ok(
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(webdriver)
            .await?,
    )
}

/// ChromeDriver's command that hands over (and empties) the browser's console log.
#[derive(Debug)]
struct BrowserLog;

impl fantoccini::wd::WebDriverCompatibleCommand for BrowserLog {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> std::result::Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/se/log", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        (
            http::Method::POST,
            Some(json!({ "type": "browser" }).to_string()),
        )
    }
}

/// The console's errors since the last look: script errors, console.error, and resources that
/// failed to load. Chrome also logs the server refusing what a scenario sent on purpose — an API
/// call answered 4xx, or a form answered 422 or 409 with the page that shows why at the field —
/// and those are the behaviour under test, not errors.
async fn console_problems(client: &Client) -> Result<Vec<String>> {
    let log = client.issue_cmd(BrowserLog).await?;
    let entries = log.as_array().cloned().unwrap_or_default();
    Ok(entries
        .iter()
        .filter(|e| e["level"] == "SEVERE")
        .filter_map(|e| e["message"].as_str())
        .filter(|m| {
            let refused = m.contains("status of 422") || m.contains("status of 409");
            !(refused || (m.contains("/api/v1/") && m.contains("status of 4")))
        })
        .map(str::to_string)
        .collect())
}

/// Reads the console after a page the scenario expects the server to refuse: that refusal is
/// what it tests; anything else in the console fails as it would at the scenario's end.
async fn console_expected(client: &Client, expected: &str) -> Result<()> {
    let others: Vec<String> = console_problems(client)
        .await?
        .into_iter()
        .filter(|m| !m.contains(expected))
        .collect();
    check(
        others.is_empty(),
        &format!("the browser console shows errors:\n{}", others.join("\n")),
    )
}

async fn save_screenshot(client: &Client, dir: &Path, name: &str) -> Result<()> {
    let png = client.screenshot().await?;
    std::fs::write(dir.join(format!("{name}.png")), png)?;
    Ok(())
}

async fn log_in(client: &Client, app: &TestApp, login: &str, username: &str) -> Result<()> {
    client.goto(&app.url(login)).await?;
    client
        .find(Locator::Css("#username"))
        .await?
        .send_keys(username)
        .await?;
    client
        .find(Locator::Css("#password"))
        .await?
        .send_keys(DEMO_PASSWORD)
        .await?;
    client
        .find(Locator::Css("button[type=submit]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-testid=greeting]"))
        .await?;
    Ok(())
}

async fn text_of(client: &Client, css: &str) -> Result<String> {
    Ok(client.find(Locator::Css(css)).await?.text().await?)
}

/// The page fits the window's width: nothing scrolls sideways but a table inside its own region.
async fn no_sideways_scroll(client: &Client, page: &str) -> Result<()> {
    let sideways = client
        .execute(
            "return document.documentElement.scrollWidth > window.innerWidth + 1;",
            vec![],
        )
        .await?;
    check(
        sideways == json!(false),
        &format!("{page}: no sideways scroll"),
    )
}

fn check(condition: bool, what: &str) -> Result<()> {
    if condition {
        Ok(())
    } else {
        Err(what.to_string().into())
    }
}

async fn log_out(client: &Client, expect_path: &str) -> Result<()> {
    client
        .find(Locator::Css("[data-testid=logout]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("#password"))
        .await?;
    let url = client.current_url().await?;
    check(url.path() == expect_path, &format!("after logout at {url}"))?;
    let body = text_of(client, "body").await?;
    check(body.contains("您已安全退出"), "logout notice")
}

/// Each role sees its own menus and no other (entries of capabilities not built yet stay hidden).
const MENUS: &[(&str, &str, &[&str], &[&str])] = &[
    (
        "district_a",
        "周敏",
        &["首页", "系统管理", "帮助中心"],
        &["安全管理", "表单管理"],
    ),
    (
        "filer_a",
        "张伟",
        &["首页", "系统管理", "帮助中心"],
        &["安全管理", "表单管理"],
    ),
    (
        "ent_a",
        "马丽",
        &["首页", "系统管理", "帮助中心"],
        &["安全管理", "表单管理"],
    ),
    (
        "sysadmin",
        "系统管理员",
        &["首页", "系统管理", "帮助中心"],
        &["安全管理", "表单管理"],
    ),
    (
        "secadmin",
        "安全管理员",
        &["首页", "系统管理", "安全管理", "帮助中心"],
        &["表单管理"],
    ),
    (
        "auditadmin",
        "审计管理员",
        &["首页", "系统管理", "帮助中心"],
        &["安全管理", "表单管理"],
    ),
];

/// Side-menu entries that only some roles have, checked on the 系统管理 page.
const ACCOUNT_MENU: &[(&str, bool)] = &[
    ("district_a", true),
    ("filer_a", false),
    ("ent_a", true),
    ("sysadmin", true),
    ("secadmin", true),
    ("auditadmin", false),
];

async fn regulator_desktop(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    for (username, name, must, must_not) in MENUS {
        log_in(client, app, "/login", username).await?;
        let greeting = text_of(client, "[data-testid=greeting]").await?;
        check(
            greeting.contains(name),
            &format!("{username}: greeting {greeting:?}"),
        )?;
        let nav = text_of(client, "#mainnav").await?;
        for item in *must {
            check(
                nav.contains(item),
                &format!("{username} should see {item} in {nav:?}"),
            )?;
        }
        for item in *must_not {
            check(
                !nav.contains(item),
                &format!("{username} should not see {item}"),
            )?;
        }
        client.goto(&app.url("/account")).await?;
        let side = text_of(client, ".sidemenu").await?;
        let expected = ACCOUNT_MENU
            .iter()
            .find(|(u, _)| u == username)
            .is_some_and(|(_, v)| *v);
        check(
            side.contains("账户管理") == expected,
            &format!("{username}: 账户管理 in side menu {side:?}"),
        )?;
        if *username == "district_a" {
            let userbar = text_of(client, "[data-testid=userbar]").await?;
            check(
                userbar.contains("上海市浦东新区生态环境局"),
                "organisation in the header",
            )?;
            check(userbar.contains("区级监管"), "role in the header")?;
            save_screenshot(client, shots, "regulator-account").await?;
        }
        log_out(client, "/login").await?;
    }
    Ok(())
}

async fn admin_accounts(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    log_in(client, app, "/login", "sysadmin").await?;
    client
        .find(Locator::LinkText("系统管理"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::LinkText("账户管理"))
        .await?
        .click()
        .await?;
    let summary = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css("[data-testid=pager-summary]"))
        .await?
        .text()
        .await?;
    check(
        summary == "显示第 1 到第 10 条记录，总共 19 条记录",
        &format!("summary {summary:?}"),
    )?;
    // Choosing another page size reloads the list (the script on the select submits its form).
    client
        .find(Locator::Css("select[name=page_size] option[value='20']"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_url(&url::Url::parse(&app.url("/accounts?page_size=20"))?)
        .await?;
    let summary = text_of(client, "[data-testid=pager-summary]").await?;
    check(
        summary == "显示第 1 到第 19 条记录，总共 19 条记录",
        &format!("summary after page size {summary:?}"),
    )?;
    save_screenshot(client, shots, "admin-accounts").await?;
    keyboard(client, app).await?;
    style_guide(client, app, shots).await?;
    log_out(client, "/login").await
}

/// What keyboard users need, which axe cannot see: the skip link comes first and leads to the
/// content; an arrow key on the page-size select only changes the choice (WCAG 3.2.2) and Enter
/// applies it; the focus ring stands out at 3:1 or more.
async fn keyboard(client: &Client, app: &TestApp) -> Result<()> {
    client.goto(&app.url("/accounts")).await?;
    wait_for(client, "[data-testid=pager-summary]").await?;
    client
        .find(Locator::Css("body"))
        .await?
        .send_keys("\u{E004}")
        .await?;
    let first = client
        .execute("return document.activeElement.textContent;", vec![])
        .await?;
    check(
        first.as_str() == Some("跳到主要内容"),
        &format!("the first Tab reaches {first}"),
    )?;
    client.active_element().await?.send_keys("\u{E007}").await?;
    let focused = client
        .execute("return document.activeElement.id;", vec![])
        .await?;
    check(
        focused.as_str() == Some("main"),
        &format!("the skip link leads to {focused}"),
    )?;

    let size = client.find(Locator::Css("select[name=page_size]")).await?;
    size.send_keys("\u{E015}").await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let url = client.current_url().await?;
    let shown = client
        .execute(
            "return getComputedStyle(document.querySelector('[data-testid=page-size-apply]')).display;",
            vec![],
        )
        .await?;
    check(
        url.path() == "/accounts" && url.query().is_none() && shown.as_str() != Some("none"),
        &format!("an arrow key changed the page ({url}) or showed no 确定 ({shown})"),
    )?;
    size.send_keys("\u{E007}").await?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_url(&url::Url::parse(&app.url("/accounts?page_size=20"))?)
        .await?;

    // The focus ring of an input: a solid outline at 3:1 or more against the white page.
    let ring = client
        .execute(
            "const i = document.querySelector('.filters input'); i.focus();
             const s = getComputedStyle(i);
             const rgb = s.outlineColor.match(/\\d+/g).slice(0, 3).map(Number);
             const lum = rgb.map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4); });
             const l = 0.2126 * lum[0] + 0.7152 * lum[1] + 0.0722 * lum[2];
             return [parseFloat(s.outlineWidth), 1.05 / (l + 0.05)];",
            vec![],
        )
        .await?;
    let width = ring[0].as_f64().unwrap_or(0.0);
    let contrast = ring[1].as_f64().unwrap_or(0.0);
    check(
        width >= 2.0 && contrast >= 3.0,
        &format!("focus ring {width} px at {contrast:.2}:1"),
    )
}

/// The style page as an administrator sees it: states in their colours, and the confirmation
/// dialog, whose 取消 leaves the page as it was.
async fn style_guide(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    client.goto(&app.url("/help/ui")).await?;
    wait_for(client, "[data-testid=style-guide]").await?;
    let colours = client
        .execute(
            "const c = t => { const e = Array.from(document.querySelectorAll('[data-testid=style-tags] .tag'))
                 .find(x => x.textContent === t); return e ? getComputedStyle(e).color : null; };
             return [c('草稿'), c('待审核'), c('审核通过'), c('超期'), c('已作废'), c('判定不合格')];",
            vec![],
        )
        .await?;
    let colours: Vec<String> = serde_json::from_value(colours)?;
    check(
        colours[1] != colours[0]
            && colours[2] != colours[1]
            && colours[3] != colours[2]
            && colours[4] != colours[3]
            && colours[4] == colours[5],
        &format!("state colours {colours:?}"),
    )?;
    save_screenshot(client, shots, "style-guide").await?;
    click(client, "[data-testid=style-confirm]").await?;
    let question = wait_for(client, "dialog[open] .dialog-body").await?;
    check(
        question.contains("确定作废"),
        &format!("dialog {question:?}"),
    )?;
    save_screenshot(client, shots, "style-guide-dialog").await?;
    click(client, "dialog[open] [data-testid=dialog-cancel]").await?;
    check(
        client.find(Locator::Css("dialog[open]")).await.is_err()
            && client.current_url().await?.as_str() == app.url("/help/ui"),
        "取消 closes the dialog and stays on the page",
    )?;
    Ok(())
}

async fn filer_phone(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    log_in(client, app, "/m/login", "filer_a").await?;
    let greeting = text_of(client, "[data-testid=greeting]").await?;
    check(greeting.contains("张伟"), &format!("greeting {greeting:?}"))?;
    let width = client
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await?;
    check(
        width.as_u64().is_some_and(|w| w <= 360),
        &format!("page is {width} px wide on a 360 px screen"),
    )?;
    let tiles = client.find_all(Locator::Css(".h5-tile")).await?;
    check(!tiles.is_empty(), "mobile tiles")?;
    let height = client
        .execute(
            "return document.querySelector('[data-testid=logout]').offsetHeight;",
            vec![],
        )
        .await?
        .as_f64()
        .unwrap_or(0.0);
    check(
        height >= 44.0,
        &format!("logout button is {height} px tall"),
    )?;
    save_screenshot(client, shots, "filer-phone").await?;
    // Text at 200 % (the reader's browser setting): sizes follow it, the title wraps instead of
    // being cut, and nothing scrolls sideways.
    let big = client
        .execute(
            "document.documentElement.style.fontSize = '200%';
             const t = document.querySelector('.h5-title');
             return [parseFloat(getComputedStyle(document.body).fontSize), t.scrollWidth - t.clientWidth,
                     document.documentElement.scrollWidth];",
            vec![],
        )
        .await?;
    check(
        big[0].as_f64().is_some_and(|px| px >= 31.0)
            && big[1].as_f64().is_some_and(|cut| cut <= 1.0)
            && big[2].as_f64().is_some_and(|w| w <= 360.0),
        &format!("at 200 % text: body font, title cut by, page width = {big}"),
    )?;
    save_screenshot(client, shots, "filer-phone-200-percent").await?;
    client.refresh().await?;

    // The demo's draft 标样核查: what the instrument's record registers is shown, not typed.
    let token = app.token("filer_a").await?;
    let (_, drafts) = app
        .call(
            reqwest::Method::GET,
            &token,
            "/api/v1/records?state=draft",
            None,
        )
        .await?;
    let draft = drafts["items"][0]["id"].as_str().unwrap_or_default();
    let (_, detail) = app
        .call(
            reqwest::Method::GET,
            &token,
            &format!("/api/v1/records/{draft}"),
            None,
        )
        .await?;
    let parameter = detail["registered"][0]["parameter"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    check(!parameter.is_empty(), &format!("registered of {detail}"))?;
    client
        .goto(&app.url(&format!("/m/records/{draft}")))
        .await?;
    let bound = wait_for(
        client,
        "output[data-bound][data-computed='analytes[0].parameter']",
    )
    .await?;
    check(
        bound == parameter,
        &format!("bound parameter shows {bound:?}, registered {parameter:?}"),
    )?;
    let shown = client
        .find(Locator::Css(
            "output[data-bound][data-computed='analytes[0].parameter']",
        ))
        .await?
        .is_displayed()
        .await?;
    check(shown, "the bound parameter is visible")?;
    let typed = client
        .find_all(Locator::Css("[name='analytes[0].parameter']"))
        .await?;
    check(typed.is_empty(), "the bound parameter cannot be typed")?;
    // The standard solution is chosen from the agency's registry, only those of the parameter;
    // the draft's choice is shown as a visible, selected certificate.
    let deadline = Instant::now() + Duration::from_secs(10);
    let chosen = loop {
        let text = client
            .execute(
                "const s = document.querySelector(\"select[name='analytes[0].standard']\");
                 if (!s || s.offsetParent === null || s.selectedIndex < 1) return null;
                 const others = Array.from(s.options).slice(1).filter(o => !o.text.includes(arguments[0]));
                 return others.length ? 'other: ' + others[0].text : s.options[s.selectedIndex].text;",
                vec![serde_json::json!(parameter)],
            )
            .await?;
        if let Some(t) = text.as_str() {
            break t.to_string();
        }
        if Instant::now() > deadline {
            return Err("the draft's standard solution is not shown chosen".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    check(
        chosen.contains(&parameter) && chosen.contains("证书") && !chosen.starts_with("other"),
        &format!("standard solution shows {chosen:?} for {parameter:?}"),
    )?;
    save_screenshot(client, shots, "filer-phone-bound").await?;
    log_out(client, "/m/login").await
}

/// The mobile form rendered from the catalogue: an empty submission shows the problems next to
/// the fields; a filled one shows the server's calibration error and verdict.
async fn form_check_on_phone(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    log_in(client, app, "/m/login", "filer_a").await?;
    client.goto(&app.url("/m/forms/fg_calibration")).await?;
    let width = client
        .execute("return document.documentElement.scrollWidth;", vec![])
        .await?;
    check(
        width.as_u64().is_some_and(|w| w <= 360),
        &format!("form is {width} px wide on a 360 px screen"),
    )?;
    client
        .find(Locator::Css("[data-testid=form-check]"))
        .await?
        .click()
        .await?;
    let error = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            "[data-error-for='header.calibrated_on']:not([hidden])",
        ))
        .await?
        .text()
        .await?;
    check(error == "请填写校准日期", &format!("date error {error:?}"))?;
    client
        .execute(
            r#"
            const set = (name, value) => { document.querySelector(`[name="${name}"]`).value = value; };
            set("header.calibrated_on", "2026-11-20");
            set("header.started_at", "2026-11-20T09:00");
            set("header.ended_at", "2026-11-20T09:40");
            set("header.cems_maker", "聚光科技");
            set("header.cems_model", "CEMS-2000");
            set("analytes[0].parameter", "二氧化硫");
            set("analytes[0].principle", "紫外差分吸收");
            set("analytes[0].range_lower", "0");
            set("analytes[0].range_upper", "200");
            set("analytes[0].unit", "mg/m³");
            set("analytes[0].zero_reference", "0");
            set("analytes[0].zero_pre", "3.0");
            set("analytes[0].zero_post", "0.2");
            set("analytes[0].span_reference", "160");
            set("analytes[0].span_pre", "162.0");
            set("analytes[0].span_post", "160.4");
            "#,
            vec![],
        )
        .await?;
    client
        .find(Locator::Css("[data-testid=form-check]"))
        .await?
        .click()
        .await?;
    // Photos are taken in the field loop; here only that error remains.
    let photos = client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(
            "[data-error-for='evidence.photos']:not([hidden])",
        ))
        .await?
        .text()
        .await?;
    check(
        photos.contains("校准过程照片"),
        &format!("photos error {photos:?}"),
    )?;
    let date_error = client
        .find(Locator::Css("[data-error-for='header.calibrated_on']"))
        .await?
        .attr("hidden")
        .await?;
    check(
        date_error.is_some(),
        "the date error is cleared once the date is filled",
    )?;
    // After adjustment 0.2 on a 0–200 range is 0.1 %F.S.; the server judges it against ±2.5.
    let computed = text_of(
        client,
        "output[data-computed='analytes[0].zero_post_error']",
    )
    .await?;
    check(
        computed == "0.1",
        &format!("zero post-calibration error {computed:?}"),
    )?;
    let verdict = text_of(
        client,
        "output[data-verdict='analytes[0].zero_post_verdict']",
    )
    .await?;
    check(
        verdict.contains("合格") && verdict.contains("±2.5 %F.S."),
        &format!("verdict {verdict:?}"),
    )?;
    let drift = text_of(
        client,
        "output[data-verdict='analytes[0].zero_drift_verdict']",
    )
    .await?;
    check(drift.contains("首次校准"), &format!("drift {drift:?}"))?;
    save_screenshot(client, shots, "form-check-phone").await?;
    Ok(())
}

async fn fill(client: &Client, css: &str, value: &str) -> Result<()> {
    let el = client.find(Locator::Css(css)).await?;
    el.clear().await?;
    el.send_keys(value).await?;
    Ok(())
}

async fn click(client: &Client, css: &str) -> Result<()> {
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Waits until the element shows `expected` (the page may still be the previous one, whose
/// elements go stale while the next one loads).
async fn wait_text(client: &Client, css: &str, expected: &str) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        if let Ok(el) = client.find(Locator::Css(css)).await
            && let Ok(text) = el.text().await
            && text == expected
        {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(format!("{css} never showed {expected:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn wait_for(client: &Client, css: &str) -> Result<String> {
    Ok(client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::Css(css))
        .await?
        .text()
        .await?)
}

/// Registration on the public page, the city regulator's two reviews and publication on the
/// agency's page, then the public register.
async fn filing_review_publish(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    let body = "91310104MA1B7K2Q5";
    let code = format!(
        "{body}{}",
        emss_domain::uscc::check_character(body).ok_or("check")?
    );
    let wrong = format!("{body}{}", if code.ends_with('0') { '1' } else { '0' });
    client.goto(&app.url("/login")).await?;
    client
        .find(Locator::LinkText("机构注册备案"))
        .await?
        .click()
        .await?;
    wait_for(client, "[data-testid=register]").await?;
    fill(client, "#name", "上海浏览器测试环境科技有限公司").await?;
    fill(client, "#uscc", &wrong).await?;
    click(client, "#category option[value=maintenance]").await?;
    fill(client, "#legal_representative", "王建国").await?;
    fill(client, "#contact_name", "李晓明").await?;
    fill(client, "#contact_phone", "13817009876").await?;
    fill(client, "#registered_address", "上海市徐汇区漕溪路 250 号").await?;
    click(client, "#district_code option[value='310104']").await?;
    click(client, "input[name=wastewater][value='化学需氧量']").await?;
    click(client, "input[name=flue_gas][value='二氧化硫']").await?;
    fill(client, "#username", "liulanqi").await?;
    fill(client, "#password", "Lq7#vT2m!Zp9").await?;
    click(client, "[data-testid=register]").await?;
    let error = wait_for(client, "[data-testid=uscc-error]").await?;
    check(error.contains("校验位"), &format!("USCC error {error:?}"))?;
    // What was typed is kept; only the code and the password are typed again.
    let kept = client
        .find(Locator::Css("#name"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    check(
        kept == "上海浏览器测试环境科技有限公司",
        &format!("name kept {kept:?}"),
    )?;
    let licence_error = text_of(client, "[data-testid=business_licence-error]").await?;
    check(
        licence_error == "请上传营业执照",
        &format!("licence error {licence_error:?}"),
    )?;
    fill(client, "#uscc", &code).await?;
    fill(client, "#password", "Lq7#vT2m!Zp9").await?;
    // Files are chosen again after an error, as the page says.
    let scan = shots.join("营业执照.pdf");
    std::fs::write(&scan, emss_testkit::SAMPLE_PDF)?;
    for input in ["#business_licence", "#commitment_letter"] {
        client
            .find(Locator::Css(input))
            .await?
            .send_keys(&scan.to_string_lossy())
            .await?;
    }
    click(client, "[data-testid=register]").await?;
    let done = wait_for(client, "[data-testid=registered]").await?;
    check(done.contains("liulanqi"), &format!("registered {done:?}"))?;

    log_in(client, app, "/login", "city").await?;
    client
        .goto(&app.url("/agencies?keyword=浏览器测试&filing_state=submitted"))
        .await?;
    let queues = wait_for(client, "[data-testid=queues]").await?;
    check(queues.contains("待一审"), &format!("queues {queues:?}"))?;
    client
        .find(Locator::LinkText("详情"))
        .await?
        .click()
        .await?;
    click(client, "[data-testid=review-pass]").await?;
    wait_text(client, "[data-testid=filing-state]", "一审通过").await?;
    let state = wait_for(client, "[data-testid=notice]").await?;
    check(
        state.contains("审核已通过"),
        &format!("first review {state:?}"),
    )?;
    click(client, "[data-testid=review-pass]").await?;
    wait_text(client, "[data-testid=filing-state]", "二审通过").await?;
    click(client, "[data-testid=publish]").await?;
    // Publishing asks first, in a dialog, not the browser's own confirm box.
    let question = wait_for(client, "dialog[open] .dialog-body").await?;
    check(
        question.contains("确定公开"),
        &format!("publish dialog: {question:?}"),
    )?;
    click(client, "dialog[open] [data-testid=dialog-confirm]").await?;
    wait_text(client, "[data-testid=published]", "已公开").await?;
    let documents = text_of(client, "[data-testid=attachments]").await?;
    check(
        documents.contains("营业执照") && documents.contains("承诺书"),
        &format!("documents {documents:?}"),
    )?;
    let trail = text_of(client, "[data-testid=trail]").await?;
    check(
        trail.contains("备案一审通过")
            && trail.contains("备案二审通过")
            && trail.contains("公开机构备案"),
        &format!("trail {trail:?}"),
    )?;
    save_screenshot(client, shots, "filing-published").await?;
    log_out(client, "/login").await?;

    client
        .find(Locator::LinkText("机构备案公开查询"))
        .await?
        .click()
        .await?;
    fill(client, "input[name=keyword]", "浏览器测试").await?;
    click(client, "form.filters button[type=submit]").await?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//table[@data-testid='list']//td[contains(., '浏览器测试')]",
        ))
        .await?;
    let summary = text_of(client, "[data-testid=pager-summary]").await?;
    check(
        summary.contains("总共 1 条记录"),
        &format!("summary {summary:?}"),
    )?;
    let list = text_of(client, "[data-testid=list]").await?;
    check(
        list.contains("上海浏览器测试环境科技有限公司") && list.contains("运维机构"),
        &format!("public list {list:?}"),
    )?;
    check(
        !list.contains("李晓明") && !list.contains("138"),
        "no personal data in public",
    )?;
    Ok(())
}

/// The agency's main account registers a staff member (a wrong ID number is refused next to the
/// field) and proposes a new address on its filing page; the city regulator approves it from the
/// queue; the filing and its trail show the change.
async fn change_request_and_staff(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    log_in(client, app, "/login", "agency_a").await?;
    client.goto(&app.url("/filing/staff")).await?;
    fill(client, "#name", "周敏").await?;
    click(client, "#gender option[value=female]").await?;
    fill(client, "#id_number", "110105194912310021").await?;
    click(client, "#education option[value='大学本科']").await?;
    fill(client, "#post", "运维工程师").await?;
    click(client, "[data-testid=save]").await?;
    let error = wait_for(client, "[data-testid=id-number-error]").await?;
    check(
        error.contains("校验码"),
        &format!("ID number error {error:?}"),
    )?;
    fill(client, "#id_number", "11010519491231002X").await?;
    click(client, "[data-testid=save]").await?;
    wait_text(client, "[data-testid=notice]", "已添加").await?;
    let list = text_of(client, "[data-testid=list]").await?;
    check(
        list.contains("周敏") && list.contains("110***********002X") && !list.contains("19491231"),
        &format!("staff list {list:?}"),
    )?;

    client.goto(&app.url("/filing")).await?;
    fill(client, "#registered_address", "上海市浦东新区张江路 88 号").await?;
    fill(client, "#change_reason", "办公地址搬迁").await?;
    click(client, "[data-testid=request-change]").await?;
    wait_text(
        client,
        "[data-testid=notice]",
        "变更申请已提交，等待市生态环境局审核",
    )
    .await?;
    let changes = text_of(client, "[data-testid=changes]").await?;
    check(
        changes.contains("通讯地址")
            && changes.contains("张江路 88 号")
            && changes.contains("待审核"),
        &format!("changes {changes:?}"),
    )?;
    log_out(client, "/login").await?;

    log_in(client, app, "/login", "city").await?;
    let home = text_of(client, "body").await?;
    check(
        home.contains("待审核变更申请"),
        "the home page counts change requests",
    )?;
    client.goto(&app.url("/change-requests")).await?;
    client
        .wait()
        .at_most(Duration::from_secs(10))
        .for_element(Locator::XPath(
            "//table[@data-testid='list']//tr[contains(., '张江路 88 号')]//a",
        ))
        .await?
        .click()
        .await?;
    click(client, "[data-testid=change-approve]").await?;
    wait_text(
        client,
        "[data-testid=notice]",
        "变更申请已通过，备案信息已更新",
    )
    .await?;
    let filing = text_of(client, "[data-testid=filing]").await?;
    check(
        filing.contains("上海市浦东新区张江路 88 号"),
        &format!("filing {filing:?}"),
    )?;
    let trail = text_of(client, "[data-testid=trail]").await?;
    check(
        trail.contains("备案变更申请通过"),
        &format!("trail {trail:?}"),
    )?;
    let staff = text_of(client, "[data-testid=staff]").await?;
    check(staff.contains("周敏"), "the regulator sees the staff")?;
    save_screenshot(client, shots, "change-approved").await?;
    log_out(client, "/login").await?;
    Ok(())
}

/// Sets a field's value as the page's own script would (date inputs take no typing that works
/// in every locale).
async fn set_value(client: &Client, css: &str, value: &str) -> Result<()> {
    client
        .execute(
            "document.querySelector(arguments[0]).value = arguments[1];",
            vec![json!(css), json!(value)],
        )
        .await?;
    Ok(())
}

/// The id at the end of the current page's path (`/contracts/{id}`, `/tasks/{id}`).
async fn current_id(client: &Client) -> Result<String> {
    let url = client.current_url().await?;
    Ok(url
        .path_segments()
        .and_then(|mut s| s.next_back())
        .unwrap_or_default()
        .to_string())
}

async fn task_to_overdue(client: &Client, app: &TestApp, shots: &Path) -> Result<()> {
    use chrono::TimeZone;
    // Wednesday 3 March 2027, 10:00 in Shanghai.
    app.clock
        .set(chrono::Utc.with_ymd_and_hms(2027, 3, 3, 2, 0, 0).unwrap());
    log_in(client, app, "/login", "agency_a").await?;
    client.goto(&app.url("/contracts/new")).await?;
    client
        .find(Locator::XPath(
            "//select[@id='enterprise_id']/option[contains(., '高桥东方')]",
        ))
        .await?
        .click()
        .await?;
    fill(client, "#title", "高桥东方废水运维合同（浏览器）").await?;
    click(client, "#nature option[value=maintenance]").await?;
    fill(client, "#amount", "48000").await?;
    set_value(client, "#performance_start", "2027-03-01").await?;
    set_value(client, "#performance_end", "2027-12-31").await?;
    click(client, "[data-testid=submit]").await?;
    wait_for(client, "[data-testid=notice]").await?;
    let contract = current_id(client).await?;
    log_out(client, "/login").await?;

    log_in(client, app, "/login", "ent_a").await?;
    client
        .goto(&app.url(&format!("/contracts/{contract}")))
        .await?;
    click(client, "[data-testid=approve]").await?;
    wait_text(client, "[data-testid=contract-state]", "已确认").await?;
    log_out(client, "/login").await?;

    log_in(client, app, "/login", "agency_a").await?;
    client.goto(&app.url("/tasks/new")).await?;
    click(client, &format!("#contract_id option[value='{contract}']")).await?;
    click(client, "#kind option[value=wastewater]").await?;
    click(client, "[data-testid=pick]").await?;
    wait_for(client, "[data-testid=points] input[name=outlet_ids]").await?;
    fill(client, "#name", "高桥东方废水运维（浏览器）").await?;
    fill(client, "#number", "PQ-WEB-2027-01").await?;
    set_value(client, "#start_date", "2027-03-01").await?;
    set_value(client, "#end_date", "2027-04-30").await?;
    click(client, "[data-testid=points] input[name=outlet_ids]").await?;
    click(client, "[data-testid=staff] input[name=staff_ids]").await?;
    fill(client, "input[name=plan_title_0]", "每周巡检").await?;
    click(client, "select[name=plan_frequency_0] option[value=weekly]").await?;
    // 保存 without 运维内容: refused next to the plan, nothing typed is lost.
    click(client, "[data-testid=save]").await?;
    let error = wait_for(client, "[data-testid=plan-forms-error]").await?;
    check(
        error == "请选择运维内容（至少一种表单）",
        &format!("plan error {error:?}"),
    )?;
    let name = client
        .find(Locator::Css("#name"))
        .await?
        .prop("value")
        .await?
        .unwrap_or_default();
    check(name == "高桥东方废水运维（浏览器）", "the name is kept")?;
    click(client, "input[name=plan_forms_0][value=ww_inspection]").await?;
    click(client, "[data-testid=save]").await?;
    wait_text(client, "[data-testid=notice]", "任务已保存为草稿").await?;
    click(client, "[data-testid=submit]").await?;
    wait_text(client, "[data-testid=notice]", "任务已提交，运维计划已生成").await?;
    let task = current_id(client).await?;
    click(client, "[data-testid=maintenance]").await?;
    client
        .find(Locator::XPath("//a[@data-window='week']"))
        .await?
        .click()
        .await?;
    let week = wait_for(client, "[data-testid=list]").await?;
    check(
        week.contains("2027-03-01至2027-03-07")
            && week.contains("日常巡检")
            && week.contains("待完成"),
        &format!("this week {week:?}"),
    )?;
    check(!week.contains("null"), "no null on 运维管理")?;
    log_out(client, "/login").await?;

    // Two weeks pass without a record.
    app.clock.advance(chrono::Duration::days(14));
    log_in(client, app, "/login", "agency_a").await?;
    client
        .goto(&app.url(&format!("/tasks/maintenance?window=overdue&task_id={task}")))
        .await?;
    let overdue = client
        .find_all(Locator::Css("[data-testid=list] tr[data-state=overdue]"))
        .await?
        .len();
    check(
        overdue == 2,
        &format!("{overdue} overdue rows for the agency"),
    )?;
    save_screenshot(client, shots, "overdue-agency").await?;
    log_out(client, "/login").await?;

    log_in(client, app, "/login", "district_a").await?;
    client
        .goto(&app.url(&format!("/tasks/maintenance?window=overdue&task_id={task}")))
        .await?;
    let seen = text_of(client, "[data-testid=list]").await?;
    check(
        seen.contains("上海浦清环境检测技术有限公司") && seen.contains("超期"),
        &format!("district sees {seen:?}"),
    )?;
    client.goto(&app.url("/tasks?keyword=PQ-WEB-2027")).await?;
    let tasks = text_of(client, "[data-testid=list]").await?;
    check(
        tasks.contains("PQ-WEB-2027-01"),
        &format!("district tasks {tasks:?}"),
    )?;
    log_out(client, "/login").await?;

    log_in(client, app, "/login", "district_b").await?;
    client.goto(&app.url("/tasks?keyword=PQ-WEB-2027")).await?;
    let tasks = text_of(client, "[data-testid=list]").await?;
    check(
        tasks.contains("没有找到匹配的记录"),
        &format!("闵行 sees {tasks:?}"),
    )?;
    client
        .goto(&app.url(&format!("/tasks/maintenance?window=overdue&task_id={task}")))
        .await?;
    let body = text_of(client, "body").await?;
    check(
        body.contains("您访问的内容不存在或无权查看"),
        "a 浦东 task is not found for 闵行",
    )?;
    console_expected(client, "status of 404").await?;
    client.goto(&app.url("/")).await?;
    log_out(client, "/login").await?;
    Ok(())
}
