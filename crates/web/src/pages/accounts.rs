//! 账户管理: every account of every organisation, for the system administrator.

use super::PageQuery;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::list::{Pager, csv_response, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use emss_db::repo::account::{AccountFilter, AccountRow};
use emss_domain::listing::PageRequest;
use emss_domain::time::{EMPTY, format_optional};
use emss_domain::{ErrorCode, OrgKind};
use serde::Deserialize;

#[derive(Debug, Default, Deserialize)]
pub struct AccountListQuery {
    pub keyword: Option<String>,
    pub org_kind: Option<String>,
    // Not a flattened struct: the query-string decoder cannot read numbers inside one.
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl AccountListQuery {
    fn filter(&self) -> AccountFilter {
        AccountFilter {
            keyword: self.keyword.clone(),
            org_kind: self.org_kind.as_deref().and_then(OrgKind::parse),
        }
    }

    fn pairs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("keyword", self.keyword.clone().unwrap_or_default()),
            ("org_kind", self.org_kind.clone().unwrap_or_default()),
        ]
    }
}

/// One row as shown and exported.
pub struct Row {
    pub username: String,
    pub name: String,
    pub org_name: String,
    pub org_kind: &'static str,
    pub district: String,
    pub roles: String,
    pub state: &'static str,
    pub last_login: String,
}

fn row(state: &AppState, r: AccountRow) -> Row {
    let mut roles: Vec<&str> = Vec::new();
    if r.account.is_main {
        roles.push("主账户");
    }
    roles.extend(r.roles.iter().map(|x| x.label()));
    Row {
        username: r.account.username,
        name: r.account.name,
        org_name: r.org_name,
        org_kind: r.org_kind.map(|k| k.label()).unwrap_or(EMPTY),
        district: state
            .app
            .districts()
            .name(r.district_code.as_deref())
            .to_string(),
        roles: if roles.is_empty() {
            EMPTY.to_string()
        } else {
            roles.join("、")
        },
        state: if r.account.disabled {
            "停用"
        } else {
            "正常"
        },
        last_login: format_optional(r.account.last_login_at),
    }
}

pub struct KindOption {
    pub value: &'static str,
    pub label: &'static str,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "portal/accounts.html")]
pub struct AccountsPage {
    pub shell: Shell,
    pub keyword: String,
    pub kinds: Vec<KindOption>,
    pub rows: Vec<(u64, Row)>,
    pub pager: Pager,
}

const PATH: &str = "/admin/accounts";

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<AccountListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = emss_app::account::list(
        &state.app,
        actor,
        &q.filter(),
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(&page, PATH, &q.pairs(), Some("/admin/accounts/export.csv"));
    let first = page.first_row();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, r)| (first + i as u64, row(&state, r)))
        .collect();
    let selected = q.org_kind.clone().unwrap_or_default();
    Ok(render(&AccountsPage {
        shell: Shell::portal(
            &ctx,
            "page.admin.accounts",
            "账户管理",
            &["系统管理", "账户管理"],
        ),
        keyword: q.keyword.clone().unwrap_or_default(),
        kinds: OrgKind::ALL
            .iter()
            .map(|k| KindOption {
                value: k.as_str(),
                label: k.label(),
                selected: k.as_str() == selected,
            })
            .collect(),
        rows,
        pager,
    }))
}

pub async fn export(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<AccountListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page =
        emss_app::account::list(&state.app, actor, &q.filter(), PageRequest::export()).await?;
    let rows = page.items.into_iter().enumerate().map(|(i, r)| {
        let r = row(&state, r);
        vec![
            (i + 1).to_string(),
            r.username,
            r.name,
            r.org_name,
            r.org_kind.to_string(),
            r.district,
            r.roles,
            r.state.to_string(),
            r.last_login,
        ]
    });
    Ok(csv_response(
        "账户列表.csv",
        &[
            "序号",
            "用户名",
            "姓名",
            "所属单位",
            "单位类型",
            "所在区",
            "角色",
            "状态",
            "最近登录",
        ],
        rows,
    ))
}
