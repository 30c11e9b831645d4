//! 账户管理: the system and security administrators see every account; a main account sees and
//! keeps its own organisation's sub-accounts (子账户). Actions offered are exactly those allowed.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, ExportFormat, audit_export, export_response, whole_export};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::account::{self as accounts, NewAccountInput};
use emss_db::repo::account::{AccountFilter, AccountRow, AccountWithOrg};
use emss_domain::account_rights::AccountAction;
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::time::{EMPTY, format_optional};
use emss_domain::{Actor, ErrorCode, OrgKind, Role};
use serde::Deserialize;
use std::collections::BTreeMap;

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

fn role_text(is_main: bool, roles: &[Role]) -> String {
    let mut parts: Vec<&str> = Vec::new();
    if is_main {
        parts.push("主账户");
    }
    parts.extend(roles.iter().map(|x| x.label()));
    if parts.is_empty() {
        EMPTY.to_string()
    } else {
        parts.join("、")
    }
}

/// One row as shown and exported.
pub struct Row {
    pub id: String,
    pub username: String,
    pub name: String,
    pub org_name: String,
    pub org_kind: &'static str,
    pub district: String,
    pub roles: String,
    pub state: &'static str,
    pub last_login: String,
    pub phone: String,
}

fn row(state: &AppState, r: AccountRow) -> Row {
    Row {
        roles: role_text(r.account.is_main, &r.roles),
        phone: r
            .account
            .phone_masked
            .clone()
            .unwrap_or_else(|| EMPTY.to_string()),
        id: r.account.id,
        username: r.account.username,
        name: r.account.name,
        org_name: r.org_name,
        org_kind: r.org_kind.map(|k| k.label()).unwrap_or(EMPTY),
        district: state
            .app
            .districts()
            .name(r.district_code.as_deref())
            .to_string(),
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
    pub can_create: bool,
}

const PATH: &str = "/accounts";

fn title(actor: &Actor) -> &'static str {
    if actor.has_any_role(&[Role::SystemAdmin, Role::SecurityAdmin]) {
        "账户管理"
    } else {
        "子账户管理"
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<AccountListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = accounts::list(
        &state.app,
        actor,
        &q.filter(),
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(&page, PATH, &q.pairs(), Some("/accounts/export.csv"));
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
            "page.accounts",
            title(actor),
            &["系统管理", title(actor)],
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
        can_create: emss_domain::Permission::CreateAccount.allows(Some(actor)),
    }))
}

crate::export::export_handlers!(export, export_xlsx, AccountListQuery, export_as);

/// The accounts as filtered, refused past the export limit, audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &AccountListQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let page = accounts::list(&state.app, actor, &q.filter(), PageRequest::export()).await?;
    whole_export(
        page.total,
        MAX_EXPORT_ROWS,
        "keyword",
        ("个", "账户"),
        "加筛选条件",
    )?;
    audit_export(
        &state.app,
        actor,
        "account.export",
        q.pairs(),
        page.total,
        format,
    )
    .await?;
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            let r = row(state, r);
            vec![
                Cell::count(i as u64 + 1),
                r.username.into(),
                r.name.into(),
                r.org_name.into(),
                Cell::Text(r.org_kind.to_string()),
                r.district.into(),
                r.roles.into(),
                // Masked as on screen.
                r.phone.into(),
                Cell::Text(r.state.to_string()),
                r.last_login.into(),
            ]
        })
        .collect();
    Ok(export_response(
        format,
        "账户列表",
        &[
            "序号",
            "用户名",
            "姓名",
            "所属单位",
            "单位类型",
            "所在区",
            "角色",
            "手机号",
            "状态",
            "最近登录",
        ],
        rows,
    )
    .await?)
}

pub struct RoleOption {
    pub value: &'static str,
    pub label: &'static str,
    pub checked: bool,
}

fn role_options(kind: OrgKind, held: &[Role], include_admin: bool) -> Vec<RoleOption> {
    Role::ALL
        .into_iter()
        .filter(|r| r.fits(kind) && (include_admin || !r.is_admin()))
        .map(|r| RoleOption {
            value: r.as_str(),
            label: r.label(),
            checked: held.contains(&r),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "portal/account_new.html")]
pub struct NewAccountPage {
    pub shell: Shell,
    pub orgs: Vec<(String, String, bool)>,
    pub roles: Vec<RoleOption>,
    pub username: String,
    pub name: String,
    pub phone: String,
    pub errors: BTreeMap<String, String>,
    pub created: Option<(String, String)>,
}

impl NewAccountPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

async fn new_page(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    form: &NewAccountForm,
) -> Result<NewAccountPage, PageError> {
    let sysadmin = actor.has_role(Role::SystemAdmin);
    let orgs = accounts::organisations(&state.app, actor)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let selected = form.org_id.as_deref() == Some(id.as_str());
            (id, name, selected)
        })
        .collect();
    let held: Vec<Role> = form.roles.iter().filter_map(|r| Role::parse(r)).collect();
    Ok(NewAccountPage {
        shell: Shell::portal(
            ctx,
            "page.accounts",
            "新建账户",
            &["系统管理", title(actor), "新建账户"],
        ),
        orgs,
        roles: if sysadmin {
            Vec::new()
        } else {
            role_options(actor.org_kind, &held, false)
        },
        username: form.username.clone(),
        name: form.name.clone(),
        phone: form.phone.clone(),
        errors: BTreeMap::new(),
        created: None,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct NewAccountForm {
    #[serde(default)]
    pub org_id: Option<String>,
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub phone: String,
}

pub async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(render(
        &new_page(&state, &ctx, actor, &NewAccountForm::default()).await?,
    ))
}

/// Form fields that repeat (`roles=filer&roles=reviewer`) come as several pairs.
fn parse_new_account(body: &[u8]) -> NewAccountForm {
    let mut form = NewAccountForm::default();
    for (k, v) in url::form_urlencoded::parse(body) {
        match k.as_ref() {
            "org_id" => form.org_id = Some(v.into_owned()),
            "username" => form.username = v.into_owned(),
            "name" => form.name = v.into_owned(),
            "roles" => form.roles.push(v.into_owned()),
            "phone" => form.phone = v.into_owned(),
            _ => {}
        }
    }
    form
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = parse_new_account(&body);
    let mut page = new_page(&state, &ctx, actor, &form).await?;
    match accounts::create(
        &state.app,
        actor,
        NewAccountInput {
            org_id: form.org_id.clone(),
            username: form.username.clone(),
            name: form.name.clone(),
            roles: form.roles.clone(),
            phone: Some(form.phone.clone()),
        },
    )
    .await
    {
        Ok(created) => {
            page.created = Some((created.username, created.one_time_password));
            page.username.clear();
            page.name.clear();
            page.phone.clear();
            Ok(render(&page))
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            page.errors = e.fields;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template)]
#[template(path = "portal/account_show.html")]
pub struct AccountPage {
    pub shell: Shell,
    pub id: String,
    pub username: String,
    pub name: String,
    pub org_name: String,
    pub org_kind: &'static str,
    pub roles_text: String,
    pub disabled: bool,
    pub last_login: String,
    pub created: String,
    pub can_set_roles: bool,
    pub can_set_enabled: bool,
    pub can_reset: bool,
    pub can_end_sessions: bool,
    pub can_reveal: bool,
    pub phone: Option<String>,
    /// The full number, right after a reveal.
    pub revealed: Option<String>,
    pub reveal_errors: BTreeMap<String, String>,
    pub roles: Vec<RoleOption>,
    pub roles_error: Option<String>,
    pub notice: Option<String>,
    /// 留痕: every recorded change of this account.
    pub trail: Vec<super::audit::Row>,
}

fn account_page(ctx: &Ctx, actor: &Actor, a: &AccountWithOrg) -> AccountPage {
    let allowed = accounts::allowed(actor, a);
    let kind = OrgKind::parse(&a.org.kind).unwrap_or(OrgKind::System);
    AccountPage {
        shell: Shell::portal(
            ctx,
            "page.accounts",
            "账户详情",
            &["系统管理", title(actor), "账户详情"],
        ),
        id: a.account.id.clone(),
        username: a.account.username.clone(),
        name: a.account.name.clone(),
        org_name: a.org.name.clone(),
        org_kind: kind.label(),
        roles_text: role_text(a.account.is_main, &a.roles),
        disabled: a.account.disabled,
        last_login: format_optional(a.account.last_login_at),
        created: emss_domain::time::format_datetime(a.account.created_at),
        can_set_roles: allowed.contains(&AccountAction::SetRoles),
        can_set_enabled: allowed.contains(&AccountAction::SetEnabled),
        can_reset: allowed.contains(&AccountAction::ResetPassword),
        can_end_sessions: allowed.contains(&AccountAction::EndSessions),
        can_reveal: allowed.contains(&AccountAction::RevealPersonalData),
        phone: a.account.phone_masked.clone(),
        revealed: None,
        reveal_errors: BTreeMap::new(),
        roles: role_options(kind, &a.roles, actor.has_role(Role::SecurityAdmin)),
        roles_error: None,
        notice: None,
        trail: Vec::new(),
    }
}

/// The account page with its trail.
async fn account_page_with_trail(
    state: &AppState,
    ctx: &Ctx,
    actor: &Actor,
    a: &AccountWithOrg,
) -> Result<AccountPage, PageError> {
    let mut page = account_page(ctx, actor, a);
    page.trail = emss_app::audit::account_trail(&state.app, actor, &a.account.id)
        .await?
        .into_iter()
        .map(super::audit::row)
        .collect();
    Ok(page)
}

#[derive(Debug, Deserialize)]
pub struct ShowQuery {
    pub done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let a = accounts::get(&state.app, actor, &id).await?;
    let mut page = account_page_with_trail(&state, &ctx, actor, &a).await?;
    page.notice = match q.done.as_deref() {
        Some("roles") => Some("角色已保存".into()),
        Some("disabled") => Some("账户已停用，其所有会话已结束".into()),
        Some("enabled") => Some("账户已启用".into()),
        Some("sessions") => Some("该账户的所有会话已结束".into()),
        _ => None,
    };
    Ok(render(&page))
}

pub async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let roles: Vec<String> = url::form_urlencoded::parse(&body)
        .filter(|(k, _)| k == "roles")
        .map(|(_, v)| v.into_owned())
        .collect();
    match accounts::set_roles(&state.app, actor, &id, &roles).await {
        Ok(()) => Ok(Redirect::to(&format!("/accounts/{id}?done=roles")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let a = accounts::get(&state.app, actor, &id).await?;
            let mut page = account_page_with_trail(&state, &ctx, actor, &a).await?;
            page.roles_error = e.fields.get("roles").cloned();
            let chosen: Vec<Role> = roles.iter().filter_map(|r| Role::parse(r)).collect();
            for option in &mut page.roles {
                option.checked = chosen.iter().any(|r| r.as_str() == option.value);
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct EnabledForm {
    pub enabled: String,
}

pub async fn set_enabled(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<EnabledForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let enabled = form.enabled == "true";
    accounts::set_enabled(&state.app, actor, &id, enabled).await?;
    let done = if enabled { "enabled" } else { "disabled" };
    Ok(Redirect::to(&format!("/accounts/{id}?done={done}")).into_response())
}

pub async fn reset_password(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let one_time = accounts::reset_password(&state.app, actor, &id).await?;
    let a = accounts::get(&state.app, actor, &id).await?;
    let mut page = account_page_with_trail(&state, &ctx, actor, &a).await?;
    page.notice = Some(format!(
        "密码已重置。一次性密码：{one_time}（仅显示这一次，72 小时内有效，首次登录须修改）"
    ));
    Ok(render(&page))
}

pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    accounts::end_sessions(&state.app, actor, &id).await?;
    Ok(Redirect::to(&format!("/accounts/{id}?done=sessions")).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RevealForm {
    #[serde(default)]
    pub reason: String,
    #[serde(default)]
    pub password: String,
}

/// 查看完整号码: with a reason and the viewer's password, recorded in the audit log.
pub async fn reveal_phone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<RevealForm>,
) -> Result<Response, PageError> {
    let auth = ctx.auth.clone().ok_or(ErrorCode::Unauthenticated)?;
    let actor = &auth.actor;
    let result = accounts::reveal_phone(&state.app, &auth, &id, &form.reason, &form.password).await;
    let a = accounts::get(&state.app, actor, &id).await?;
    let mut page = account_page_with_trail(&state, &ctx, actor, &a).await?;
    match result {
        Ok(phone) => {
            page.revealed = Some(phone);
            Ok(render(&page))
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            page.reveal_errors = e.fields;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

impl AccountPage {
    pub fn reveal_error(&self, field: &str) -> Option<&str> {
        self.reveal_errors.get(field).map(String::as_str)
    }
}
