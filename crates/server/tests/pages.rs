//! The page shell: login and logout by form, the home page greeting, menus per role, the list
//! component with paging and CSV export, and the mobile pages.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use emss_testkit::{DEMO_PASSWORD, TestApp};
use reqwest::StatusCode;

#[tokio::test]
async fn signed_out_visitors_are_sent_to_the_login_page() {
    let t = TestApp::spawn().await.unwrap();
    let c = t.client().unwrap();
    let res = c.get(t.url("/accounts?page=2")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Faccounts%3Fpage%3D2"
    );
    let res = c.get(t.url("/m/")).send().await.unwrap();
    assert_eq!(res.headers()["location"], "/m/login?next=%2Fm%2F");
    let login = c
        .get(t.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(login.contains("type=\"password\""));
    assert!(!login.contains("onpaste"));
}

#[tokio::test]
async fn login_form_shows_problems_next_to_the_fields_and_keeps_the_username() {
    let t = TestApp::spawn().await.unwrap();
    let c = t.client().unwrap();
    let res = c
        .post(t.url("/login"))
        .form(&[("username", ""), ("password", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = res.text().await.unwrap();
    assert!(html.contains("请输入用户名"));
    assert!(html.contains("请输入密码"));

    let res = c
        .post(t.url("/login"))
        .form(&[("username", "filer_a"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let html = res.text().await.unwrap();
    assert!(html.contains("用户名或密码错误"));
    assert!(html.contains("value=\"filer_a\""));
}

#[tokio::test]
async fn login_goes_back_where_the_user_was_going_but_never_off_site() {
    let t = TestApp::spawn().await.unwrap();
    let c = t.client().unwrap();
    let res = c
        .post(t.url("/login"))
        .form(&[
            ("username", "sysadmin"),
            ("password", DEMO_PASSWORD),
            ("next", "/accounts?page=2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/accounts?page=2");
    let c = t.client().unwrap();
    let res = c
        .post(t.url("/login"))
        .form(&[
            ("username", "sysadmin"),
            ("password", DEMO_PASSWORD),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/");
}

#[tokio::test]
async fn home_greets_by_name_organisation_and_role() {
    let t = TestApp::spawn().await.unwrap();
    let cases = [
        (
            "filer_a",
            "张伟",
            "上海浦清环境检测技术有限公司",
            "现场运维",
        ),
        ("district_b", "吴磊", "上海市闵行区生态环境局", "区级监管"),
        ("ent_a", "马丽", "上海高桥东方精细化工有限公司", "运维确认"),
        (
            "sysadmin",
            "系统管理员",
            "环境监测社会化服务监管系统",
            "系统管理员",
        ),
    ];
    for (username, name, org, role) in cases {
        let b = t.browser(username).await.unwrap();
        let html = b.page("/").await.unwrap();
        assert!(html.contains(&format!("您好，{name}")), "{username}");
        assert!(html.contains(org), "{username}");
        assert!(html.contains(role), "{username}");
        assert!(html.contains("您当前位置：首页"));
        assert!(html.contains("安全退出"));
    }
    let b = t.browser("district_b").await.unwrap();
    assert!(b.page("/").await.unwrap().contains("闵行区"));
}

#[tokio::test]
async fn each_role_sees_only_its_menus() {
    let t = TestApp::spawn().await.unwrap();
    // (login, sees the account list, sees the security policy)
    let cases = [
        ("sysadmin", true, false),
        ("secadmin", true, true),
        ("auditadmin", false, false),
        ("city", true, false),
        ("agency_a", true, false),
        ("ent_b", true, false),
        ("filer_a", false, false),
        ("reviewer_b", false, false),
    ];
    for (username, accounts, security) in cases {
        let html = t
            .browser(username)
            .await
            .unwrap()
            .page("/account")
            .await
            .unwrap();
        assert_eq!(
            html.contains("href=\"/accounts\""),
            accounts,
            "{username} 账户管理"
        );
        assert_eq!(
            html.contains("href=\"/admin/security\""),
            security,
            "{username} 安全策略"
        );
        assert!(html.contains("帮助中心"), "{username}");
        assert!(html.contains("修改密码"), "{username}");
        // 表单管理 is in the menu of those who manage the forms; others read a form from links.
        assert_eq!(
            html.contains("href=\"/catalogue\""),
            username == "city",
            "{username} 表单管理"
        );
        // The style page is the administrators' (帮助中心 → 界面规范).
        let help = t
            .browser(username)
            .await
            .unwrap()
            .page("/help")
            .await
            .unwrap();
        assert_eq!(
            help.contains("href=\"/help/ui\""),
            ["sysadmin", "secadmin", "auditadmin"].contains(&username),
            "{username} 界面规范"
        );
    }
}

#[tokio::test]
async fn logout_ends_the_session() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("agency_a").await.unwrap();
    let res = b.post_form("/logout", &[]).await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()["location"], "/login?logged_out=1");
    let again = b.get("/").await.unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    let login = b.page("/login?logged_out=1").await.unwrap();
    assert!(login.contains("您已安全退出"));
}

#[tokio::test]
async fn an_expired_session_says_so_on_the_login_page() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("city").await.unwrap();
    t.clock.advance(chrono::Duration::minutes(16));
    let res = b.get("/").await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = res.headers()["location"].to_str().unwrap().to_string();
    assert!(to.ends_with("&expired=1"), "{to}");
    assert!(
        b.page(&to)
            .await
            .unwrap()
            .contains("登录已超时，请重新登录")
    );
}

#[tokio::test]
async fn the_account_list_pages_filters_and_exports() {
    let t = TestApp::spawn().await.unwrap();
    let b = t.browser("sysadmin").await.unwrap();

    let html = b.page("/accounts").await.unwrap();
    assert!(html.contains("显示第 1 到第 10 条记录，总共 19 条记录"));
    assert!(html.contains("您当前位置：系统管理 > 账户管理"));
    let html = b.page("/accounts?page=2&page_size=10").await.unwrap();
    assert!(html.contains("显示第 11 到第 19 条记录，总共 19 条记录"));
    let html = b.page("/accounts?page_size=20").await.unwrap();
    assert!(html.contains("显示第 1 到第 19 条记录，总共 19 条记录"));

    let html = b.page("/accounts?keyword=浦清").await.unwrap();
    assert!(
        html.contains("总共 4 条记录"),
        "agency_a and its three sub-accounts"
    );
    assert!(html.contains("filer_a2"));
    assert!(!html.contains("reviewer_b"));
    let html = b.page("/accounts?org_kind=enterprise").await.unwrap();
    assert!(html.contains("总共 2 条记录"));
    let html = b.page("/accounts?keyword=%25").await.unwrap();
    assert!(
        html.contains("没有找到匹配的记录"),
        "% is searched literally"
    );

    let res = b.get("/accounts/export.csv?keyword=浦清").await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(disposition.starts_with("attachment;"));
    assert!(disposition.contains("filename*=UTF-8''"));
    let bytes = res.bytes().await.unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM for Excel");
    let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.trim_end().split("\r\n").collect();
    assert_eq!(lines.len(), 5, "header and four accounts");
    assert!(lines[0].starts_with("序号,用户名,姓名,所属单位"));
    assert!(text.contains("filer_a2,李娜,上海浦清环境检测技术有限公司"));
}

#[tokio::test]
async fn the_mobile_pages_work_for_field_staff() {
    let t = TestApp::spawn().await.unwrap();
    let phone = t.phone("filer_a").await.unwrap();
    let html = phone.page("/m/").await.unwrap();
    assert!(html.contains("您好，张伟"));
    assert!(html.contains("width=device-width"));
    assert!(html.contains("class=\"h5\""));
    let res = phone.post_form("/m/logout", &[]).await.unwrap();
    assert_eq!(res.headers()["location"], "/m/login?logged_out=1");
    assert_eq!(
        phone.get("/m/").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn mobile_sessions_stay_open_longer_than_desktop_ones() {
    let t = TestApp::spawn().await.unwrap();
    let phone = t.phone("filer_a").await.unwrap();
    let desk = t.browser("filer_a").await.unwrap();
    t.clock.advance(chrono::Duration::minutes(20));
    assert_eq!(phone.get("/m/").await.unwrap().status(), StatusCode::OK);
    assert_eq!(desk.get("/").await.unwrap().status(), StatusCode::SEE_OTHER);
    t.clock.advance(chrono::Duration::minutes(31));
    assert_eq!(
        phone.get("/m/").await.unwrap().status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn the_help_center_is_public_and_describes_the_api() {
    let t = TestApp::spawn().await.unwrap();
    let c = t.client().unwrap();
    let html = c
        .get(t.url("/help"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("24011832"));
    let api = c.get(t.url("/help/api")).send().await.unwrap();
    assert_eq!(api.status(), StatusCode::OK);
    let html = api.text().await.unwrap();
    assert!(html.contains("/api/v1/auth/login"));
    assert!(html.contains("LoginRequest"));
    assert!(!html.contains("cdn"), "no assets from elsewhere");
}

/// The home page's to-dos: (label, count, where it leads).
fn todo_tiles(html: &str) -> Vec<(String, u64, String)> {
    let doc = scraper::Html::parse_document(html);
    let tile = scraper::Selector::parse("[data-testid=todos] a.tile").unwrap();
    doc.select(&tile)
        .map(|a| {
            let label: String = a.text().next().unwrap_or_default().trim().to_string();
            let count = a.value().attr("data-count").unwrap().parse().unwrap();
            (label, count, a.value().attr("href").unwrap().to_string())
        })
        .collect()
}

/// The total a list page's pager states ("…，总共 N 条记录").
fn listed_total(html: &str) -> Option<u64> {
    let doc = scraper::Html::parse_document(html);
    let summary = scraper::Selector::parse("[data-testid=pager-summary]").unwrap();
    let text: String = doc.select(&summary).next()?.text().collect();
    text.split("总共 ").nth(1)?.split(' ').next()?.parse().ok()
}

#[tokio::test]
async fn every_home_count_equals_the_list_it_leads_to() {
    let t = TestApp::spawn().await.unwrap();
    let expected: &[(&str, &[&str])] = &[
        ("city", &["待一审备案", "超期未运维", "判定不合格记录"]),
        ("district_a", &["超期未运维", "判定不合格记录"]),
        ("agency_a", &["本周运维", "超期未运维", "合同草稿"]),
        ("filer_a", &["本周运维", "超期未运维", "未上传的草稿"]),
        ("reviewer_a", &["超期未运维", "待审核记录"]),
        (
            "ent_a",
            &[
                "待确认合同",
                "待审核合同变更",
                "待审核任务变更",
                "待确认记录",
            ],
        ),
        ("selfom", &["本周运维", "超期未运维"]),
        ("selfom_filer", &["本周运维", "未上传的草稿"]),
        ("selfom_confirm", &["待确认记录"]),
        ("selfom_reviewer", &["待审核记录"]),
    ];
    for (user, labels) in expected {
        let b = t.browser(user).await.unwrap();
        let home = b.page("/").await.unwrap();
        let tiles = todo_tiles(&home);
        for label in *labels {
            assert!(
                tiles.iter().any(|(l, _, _)| l == label),
                "{user} misses {label}: {tiles:?}"
            );
        }
        for (label, count, href) in &tiles {
            let list = b.page(href).await.unwrap();
            assert_eq!(
                listed_total(&list),
                Some(*count),
                "{user}: {label} says {count}, {href} lists otherwise"
            );
        }
    }
    // Some of them are not zero: the pending changes land on exactly those.
    let ent = t.browser("ent_a").await.unwrap();
    let tiles = todo_tiles(&ent.page("/").await.unwrap());
    let changes = tiles
        .iter()
        .find(|(l, _, _)| l == "待审核合同变更")
        .unwrap();
    assert_eq!(
        (changes.1, changes.2.as_str()),
        (1, "/contracts?change=pending")
    );
    let listed = ent.page("/contracts?change=pending").await.unwrap();
    assert!(listed.contains("信息变更申请") && listed.contains("废水自动监测设备运维服务合同"));
}

#[tokio::test]
async fn regulators_find_records_by_keyword_district_and_agency_and_export_them() {
    let t = TestApp::spawn().await.unwrap();
    let city = t.browser("city").await.unwrap();
    let all = listed_total(&city.page("/records").await.unwrap()).unwrap();
    assert!(all > 0);
    // The demo's records are agency A's, on 高桥东方 in 浦东 (310115).
    let agency_a = t.org_of("agency_a").await.unwrap();
    for (query, expected) in [
        ("keyword=高桥东方".to_string(), all),
        ("keyword=DW-001".to_string(), all),
        ("district=310115".to_string(), all),
        ("district=310112".to_string(), 0),
        (format!("agency_id={agency_a}"), all),
        ("keyword=没有这家企业".to_string(), 0),
    ] {
        let page = city.page(&format!("/records?{query}")).await.unwrap();
        assert_eq!(listed_total(&page), Some(expected), "{query}");
    }
    // One record by part of its 运维编号, typed in lower case.
    let token = t.token("city").await.unwrap();
    let (_, listed) = t
        .call(
            reqwest::Method::GET,
            &token,
            "/api/v1/records?page_size=1",
            None,
        )
        .await
        .unwrap();
    let number = listed["items"][0]["number"].as_str().unwrap().to_string();
    let tail = number.split('-').nth(1).unwrap().to_lowercase();
    let page = city
        .page(&format!("/records?keyword={tail}"))
        .await
        .unwrap();
    assert_eq!(listed_total(&page), Some(1), "{tail}");
    assert!(page.contains(&number));
    // The district sees no district filter (it has one district) but the agency filter.
    let district = t.browser("district_a").await.unwrap();
    let page = district.page("/records").await.unwrap();
    assert!(!page.contains("name=\"district\"") && page.contains("name=\"agency_id\""));
    // 导出: the filtered list, every row.
    let res = city
        .get("/records/export.csv?district=310115")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    assert!(
        csv.starts_with("\u{feff}序号,运维编号,服务机构,排污企业"),
        "{csv}"
    );
    assert_eq!(csv.lines().count() as u64, all + 1, "{csv}");
    assert!(csv.contains(&number));
}
