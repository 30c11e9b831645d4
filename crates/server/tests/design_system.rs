//! Every page a user opens is built from the design system's components (`/help/ui`): buttons
//! are `.btn` (or the frame's own menu buttons), every control has a label and sits in a form
//! field, a filter bar, a check label or the pager, and nothing carries a style of its own. The
//! pages are found as a person finds them: each role's menus, the first detail link of each list,
//! and the phone's tiles. The test lists every page and element that falls outside.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{Browser, TestApp};
use scraper::{ElementRef, Html, Selector};
use std::collections::{BTreeSet, VecDeque};

const DESKTOP: &[&str] = &[
    "sysadmin",
    "secadmin",
    "auditadmin",
    "city",
    "district_a",
    "agency_a",
    "filer_a",
    "reviewer_a",
    "ent_a",
];
const PHONE: &[&str] = &["filer_a", "reviewer_a", "ent_a"];

/// Containers a control may sit in: the components that lay controls out.
const CONTAINERS: &[&str] = &[
    "field",
    "filters",
    "check",
    "pager-size",
    "signature",
    "login-card",
    "note-box",
];

/// Input types the stylesheet gives the one control style (hidden ones are not shown).
const STYLED_INPUTS: &[&str] = &[
    "text",
    "search",
    "password",
    "number",
    "email",
    "tel",
    "date",
    "month",
    "datetime-local",
    "file",
    "checkbox",
    "radio",
    "hidden",
];

fn sel(s: &str) -> Selector {
    Selector::parse(s).unwrap()
}

fn has_class(e: &ElementRef, class: &str) -> bool {
    e.value().classes().any(|c| c == class)
}

fn inside(e: &ElementRef, classes: &[&str]) -> bool {
    e.ancestors()
        .filter_map(ElementRef::wrap)
        .any(|a| classes.iter().any(|c| has_class(&a, c)))
}

fn describe(e: &ElementRef) -> String {
    let v = e.value();
    let mut s = format!("<{}", v.name());
    for key in ["type", "name", "id", "class"] {
        if let Some(val) = v.attr(key) {
            s.push_str(&format!(" {key}=\"{val}\""));
        }
    }
    s.push('>');
    s
}

/// What on this page is outside the design system.
fn outside(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut found = Vec::new();
    for b in doc.select(&sel("button")) {
        let frame = ["nav-toggle", "nav-button"]
            .iter()
            .any(|c| has_class(&b, c))
            || inside(&b, &["h5-bar"]);
        if !has_class(&b, "btn") && !frame {
            found.push(format!("button outside .btn: {}", describe(&b)));
        }
    }
    let labels: BTreeSet<String> = doc
        .select(&sel("label[for]"))
        .filter_map(|l| l.value().attr("for").map(str::to_string))
        .collect();
    for c in doc.select(&sel("input, select, textarea")) {
        let v = c.value();
        let kind = v.attr("type").unwrap_or("text");
        if v.name() == "input" && kind == "hidden" {
            continue;
        }
        if v.name() == "input" && !STYLED_INPUTS.contains(&kind) {
            found.push(format!("input of an unstyled type: {}", describe(&c)));
        }
        let labelled = v.attr("id").is_some_and(|id| labels.contains(id))
            || v.attr("aria-label").is_some()
            || v.attr("aria-labelledby").is_some()
            || c.ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "label");
        if !labelled {
            found.push(format!("control without a label: {}", describe(&c)));
        }
        if !inside(&c, CONTAINERS) && !inside(&c, &["h5-list", "sheet-table", "grid"]) {
            found.push(format!("control outside a form field: {}", describe(&c)));
        }
    }
    for e in doc.select(&sel("[style]")) {
        found.push(format!("inline style: {}", describe(&e)));
    }
    found
}

/// Same-site page links of the parts of a page a person uses to move on.
fn links(html: &str, selectors: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    doc.select(&sel(selectors))
        .filter_map(|a| a.value().attr("href"))
        .filter(|h| h.starts_with('/') && !h.starts_with("/api/") && !h.contains("/print"))
        .map(|h| h.split('#').next().unwrap_or(h).to_string())
        .collect()
}

/// Visits what `start` leads to through the menus and the first row of each list.
async fn crawl(b: &Browser, start: &str, next: &str, problems: &mut Vec<String>) -> usize {
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([(start.to_string(), 0)]);
    while let Some((path, depth)) = queue.pop_front() {
        if !seen.insert(path.clone()) {
            continue;
        }
        let html = match b.page(&path).await {
            Ok(h) => h,
            Err(e) => {
                problems.push(format!("{path}: {e}"));
                continue;
            }
        };
        for p in outside(&html) {
            problems.push(format!("{path}: {p}"));
        }
        if depth < 2 {
            for l in links(&html, next) {
                queue.push_back((l, depth + 1));
            }
            // The first detail of a list, where the list has rows.
            if let Some(first) = links(&html, "table.grid tbody td.ops-cell a").first() {
                queue.push_back((first.clone(), depth + 1));
            }
        }
    }
    seen.len()
}

#[tokio::test]
async fn every_page_uses_the_shared_components() {
    let t = TestApp::spawn().await.unwrap();
    let mut problems = Vec::new();
    let mut pages = 0;
    for user in DESKTOP {
        let b = t.browser(user).await.unwrap();
        pages += crawl(
            &b,
            "/",
            ".mainnav a, .sidemenu a, .actions a.btn",
            &mut problems,
        )
        .await;
    }
    for user in PHONE {
        let b = t.phone(user).await.unwrap();
        pages += crawl(&b, "/m/", "a.h5-tile, .h5-list a", &mut problems).await;
    }
    assert!(pages > 40, "only {pages} pages were reached");
    assert!(
        problems.is_empty(),
        "{} pages visited; outside the design system:\n{}",
        pages,
        problems.join("\n")
    );
}

#[test]
fn the_check_sees_what_is_outside() {
    let html = r#"<form class="form"><div class="field"><label for="a">名称</label><input id="a"></div>
        <input name="loose"><button>保存</button><input type="range" aria-label="x">
        <p style="color:red">x</p></form>"#;
    let found = outside(html);
    assert!(found.iter().any(|f| f.contains("button outside .btn")));
    assert!(
        found
            .iter()
            .any(|f| f.contains("control without a label") && f.contains("loose"))
    );
    assert!(found.iter().any(|f| f.contains("unstyled type")));
    assert!(found.iter().any(|f| f.contains("inline style")));
    assert!(!found.iter().any(|f| f.contains("id=\"a\"")));
}
