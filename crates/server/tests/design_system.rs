//! Every page a user opens is built from the design system's components (`/help/ui`): buttons
//! are `.btn` (or the frame's own menu buttons), every control has a label and sits in a form
//! field, a filter bar, a check label or the pager, and nothing carries a style of its own. The
//! pages are found as a person finds them: each role's menus, the first detail link of each list,
//! and the phone's tiles. The test lists every page and element that falls outside.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{Browser, DESKTOP_LOGINS, PHONE_LOGINS, TestApp};
use scraper::{ElementRef, Html, Selector};
use std::collections::{BTreeSet, VecDeque};

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
        // A wrapping label counts only when it has words of its own.
        let labelled = v.attr("id").is_some_and(|id| labels.contains(id))
            || v.attr("aria-label").is_some()
            || v.attr("aria-labelledby").is_some()
            || c.ancestors().filter_map(ElementRef::wrap).any(|a| {
                a.value().name() == "label" && !a.text().collect::<String>().trim().is_empty()
            });
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
    // One page title for screen readers to find.
    let titles = doc.select(&sel("h1")).count();
    if titles != 1 {
        found.push(format!("{titles} h1 elements"));
    }
    // A field marked required says so to assistive technology too.
    for f in doc.select(&sel(".field.required")) {
        let told = f.value().name() == "fieldset"
            || f.select(&sel("[aria-required=true]")).next().is_some();
        if !told {
            found.push(format!(
                "required field without aria-required: {}",
                describe(&f)
            ));
        }
    }
    found
}

/// Pages written for integrators and page authors, where codes are the content.
const FOR_DEVELOPERS: &[&str] = &["/help/api", "/help/ui"];

/// Text on the page that is for developers, not users: action keys (`record.void`), form codes
/// (`ww_standard_check`), snake_case identifiers and TOML.
fn developer_text(html: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let mut found = BTreeSet::new();
    let body = doc.select(&sel("body")).next();
    let texts = body.iter().flat_map(|b| {
        b.descendants().filter_map(|n| {
            let hidden = n
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| matches!(a.value().name(), "script" | "style" | "textarea"));
            n.value()
                .as_text()
                .filter(|_| !hidden)
                .map(|t| t.to_string())
        })
    });
    for text in texts {
        if text.contains("[[") {
            found.insert(format!("TOML: {}", text.trim()));
        }
        let tokens = text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'));
        for token in tokens.map(|t| t.trim_matches('.')) {
            let snake = |w: &str| {
                let parts: Vec<&str> = w.split('_').collect();
                parts.len() > 1
                    && parts
                        .iter()
                        .all(|p| p.len() >= 2 && p.chars().all(|c| c.is_ascii_lowercase()))
            };
            let word =
                |w: &str| !w.is_empty() && w.chars().all(|c| c.is_ascii_lowercase() || c == '_');
            let dotted = token.split('.').count() > 1 && token.split('.').all(word);
            // Login names are the users' own words, shown as they type them.
            let login = emss_app::demo::usernames().any(|u| u == token);
            if !login
                && (dotted || snake(token) || token.starts_with("ww_") || token.starts_with("fg_"))
            {
                found.insert(token.to_string());
            }
        }
    }
    found.into_iter().collect()
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
        if !FOR_DEVELOPERS.iter().any(|d| path.starts_with(d)) {
            for t in developer_text(&html) {
                problems.push(format!("{path}: text for developers: {t}"));
            }
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
    for user in DESKTOP_LOGINS {
        let b = t.browser(user).await.unwrap();
        pages += crawl(
            &b,
            "/",
            ".mainnav a, .sidemenu a, .actions a.btn",
            &mut problems,
        )
        .await;
    }
    for user in PHONE_LOGINS {
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

/// What the visit map and the flags say in pictures and tooltips is also written out.
#[tokio::test]
async fn the_map_and_the_flags_are_told_in_words() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("district_a").await.unwrap();
    let list = b.page("/records?flag=far_from_outlet").await.unwrap();
    assert!(
        list.contains("<span class=\"sr-only\">：签"),
        "the flag's reason is in the list, not only in its tooltip"
    );
    let first = links(&list, "table.grid tbody td.ops-cell a");
    let record = b.page(&first[0]).await.unwrap();
    let doc = Html::parse_document(&record);
    let legend: String = doc
        .select(&sel("[data-testid=map-legend]"))
        .flat_map(|l| l.text())
        .collect();
    assert!(
        legend.contains("半径") && legend.contains("：距排口"),
        "{legend}"
    );
}

#[test]
fn developer_text_is_found_and_user_text_is_not() {
    let html = r#"<body><p>操作：record.void；类别 evidence_photo；表单 ww_standard_check</p>
        <p>[[sections]]</p><p>用户名 district_a，营业执照.pdf，YW20261206-4DCF02，2026-12-06 08:30</p>
        <textarea>[[kept in an editor]]</textarea><script>var a_b = x.y;</script></body>"#;
    assert_eq!(
        developer_text(html),
        vec![
            "TOML: [[sections]]",
            "evidence_photo",
            "record.void",
            "ww_standard_check"
        ]
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
