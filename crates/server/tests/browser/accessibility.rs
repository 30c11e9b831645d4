//! Accessibility (WCAG 2.1 A/AA, GB/T 37668-2019): axe-core, from the npm registry, checks every
//! page each role reaches through its menus, the first detail of each list and the phone's tiles,
//! in the real browser. Any violation fails the suite, listed with the elements concerned.

use super::{Result, check, log_in, log_out};
use emss_testkit::{DESKTOP_LOGINS, PHONE_LOGINS, TestApp};
use fantoccini::Client;
use std::collections::{BTreeSet, VecDeque};
use std::path::PathBuf;

/// axe-core's script: `AXE_CORE`, or where `.ci/run` installs it.
pub fn axe_script() -> Option<PathBuf> {
    if let Ok(p) = std::env::var("AXE_CORE") {
        return Some(PathBuf::from(p)).filter(|p| p.is_file());
    }
    let installed = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../target/axe/node_modules/axe-core/axe.min.js");
    Some(installed).filter(|p| p.is_file())
}

const RUN_AXE: &str = "
    const done = arguments[arguments.length - 1];
    axe.run(document, {
        runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
        resultTypes: ['violations']
    }).then(r => done(r.violations.map(v => v.id + ' (' + v.impact + ', ' + v.nodes.length + '): '
        + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '))))
      .catch(e => done(['axe did not run: ' + e]));";

/// Same-site links of the page's navigation and the first detail link of its list.
const LINKS: &str = "
    const [nav] = arguments;
    const keep = h => h.startsWith(location.origin + '/') && !h.includes('/api/') && !h.includes('/print');
    const nav_links = Array.from(document.querySelectorAll(nav)).map(a => a.href);
    const first = document.querySelector('table.grid tbody td.ops-cell a');
    return nav_links.concat(first ? [first.href] : []).filter(keep).map(h => h.split('#')[0]);";

/// Visits what the role reaches from `start` and runs axe on each page.
async fn crawl(
    client: &Client,
    app: &TestApp,
    axe: &str,
    start: &str,
    nav: &str,
) -> Result<(usize, Vec<String>)> {
    let mut seen = BTreeSet::new();
    let mut problems = Vec::new();
    let mut queue = VecDeque::from([(app.url(start), 0)]);
    while let Some((url, depth)) = queue.pop_front() {
        if !seen.insert(url.clone()) {
            continue;
        }
        client.goto(&url).await?;
        client.execute(axe, vec![]).await?;
        let found = client.execute_async(RUN_AXE, vec![]).await?;
        for v in found.as_array().into_iter().flatten() {
            problems.push(format!("{url}: {}", v.as_str().unwrap_or_default()));
        }
        // Content reflows to the window (WCAG 1.4.10): only a table may scroll sideways, inside
        // its own frame.
        let wide = client
            .execute(
                "return document.documentElement.scrollWidth - window.innerWidth;",
                vec![],
            )
            .await?;
        if wide.as_f64().is_some_and(|w| w > 1.0) {
            problems.push(format!("{url}: the page scrolls sideways by {wide} px"));
        }
        if depth < 2 {
            let links = client.execute(LINKS, vec![nav.into()]).await?;
            for l in links.as_array().into_iter().flatten() {
                if let Some(l) = l.as_str() {
                    queue.push_back((l.to_string(), depth + 1));
                }
            }
        }
    }
    Ok((seen.len(), problems))
}

/// Every role's desktop pages (`phone` false) or phone pages.
pub async fn every_page(client: &Client, app: &TestApp, phone: bool) -> Result<()> {
    let Some(path) = axe_script() else {
        return Err("axe-core is not installed (npm install --prefix target/axe axe-core)".into());
    };
    let axe = std::fs::read_to_string(path)?;
    // axe on a long page of a busy two-core machine can outrun the driver's 30 s for a script.
    let mut timeouts = client.get_timeouts().await?;
    timeouts.set_script(Some(std::time::Duration::from_secs(120)));
    client.update_timeouts(timeouts).await?;
    let (users, login, start, nav) = if phone {
        (PHONE_LOGINS, "/m/login", "/m/", "a.h5-tile, .h5-list a")
    } else {
        (DESKTOP_LOGINS, "/login", "/", ".mainnav a, .sidemenu a")
    };
    let mut pages = 0;
    let mut problems = Vec::new();
    // What anyone sees before signing in.
    let public: &[&str] = if phone {
        &["/m/login"]
    } else {
        &["/login", "/register", "/public/agencies", "/help"]
    };
    for start in public {
        let (n, mut p) = crawl(client, app, &axe, start, ".mainnav a").await?;
        pages += n;
        problems.append(&mut p);
    }
    for user in users {
        log_in(client, app, login, user).await?;
        let (n, mut p) = crawl(client, app, &axe, start, nav).await?;
        pages += n;
        problems.append(&mut p);
        client.goto(&app.url(start)).await?;
        log_out(client, login).await?;
    }
    println!("browser: axe-core checked {pages} pages");
    check(
        problems.is_empty(),
        &format!(
            "{} WCAG 2.1 A/AA violations (rule on a page) in {pages} pages:\n{}",
            problems.len(),
            problems.join("\n")
        ),
    )
}
