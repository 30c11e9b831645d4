//! The screenshots in `docs/screens/`, so a reader of the repository sees the product: the style
//! page and each role's home and main list, at 1440 px on the desktop and 390 px on a phone.
//! `EMSS_SCREENS=docs/screens cargo test -p emss-server --test browser` takes them (and nothing
//! else) from the demo data.

use super::{Result, browser_sized, log_in};
use emss_testkit::TestApp;
use std::path::Path;

/// (login, pages) on the desktop portal.
const DESKTOP: &[(&str, &[&str])] = &[
    ("city", &["/", "/agencies"]),
    (
        "district_a",
        &["/", "/records", "/tasks/maintenance?window=overdue"],
    ),
    ("agency_a", &["/", "/tasks", "/contracts"]),
    ("ent_a", &["/", "/outlets"]),
    ("sysadmin", &["/", "/accounts", "/help/ui"]),
];

/// (login, pages) on the phone.
const PHONE: &[(&str, &[&str])] = &[
    ("filer_a", &["/m/", "/m/field"]),
    ("reviewer_a", &["/m/reviews"]),
    ("ent_a", &["/m/confirmations"]),
];

/// `/tasks/maintenance?window=overdue` → `tasks-maintenance`.
fn file_name(user: &str, page: &str, width: u32) -> String {
    let path = page.split('?').next().unwrap_or(page).trim_matches('/');
    let path = if path.is_empty() || path == "m" {
        "home".to_string()
    } else {
        path.trim_start_matches("m/").replace('/', "-")
    };
    format!("{user}-{path}-{width}.png")
}

pub async fn take(webdriver: &str, chromium: &Path, dir: &Path) -> Result<usize> {
    std::fs::create_dir_all(dir)?;
    let app = TestApp::spawn().await?;
    let mut taken = 0;
    // At 390 px the portal is seen on an emulated phone too: a desktop window cannot be that narrow.
    for (phone, width, height, login, roles) in [
        (false, 1440, 900, "/login", DESKTOP),
        (true, 390, 844, "/login", DESKTOP),
        (true, 390, 844, "/m/login", PHONE),
    ] {
        for (user, pages) in roles {
            // A browser of its own for each login (at 390 px the portal's 安全退出 sits in the
            // folded menu).
            let client = browser_sized(webdriver, chromium, phone, (width, height), 1.5).await?;
            log_in(&client, &app, login, user).await?;
            for page in *pages {
                client.goto(&app.url(page)).await?;
                let png = client.screenshot().await?;
                std::fs::write(dir.join(file_name(user, page, width)), png)?;
                taken += 1;
            }
            client.close().await?;
        }
    }
    Ok(taken)
}
