//! The account list for the system administrator.

use super::{ApiJson, ApiQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use emss_db::repo::account::{AccountFilter, AccountRow, AccountWithOrg};
use emss_domain::account_rights::AccountAction;
use emss_domain::password_policy::SecurityPolicy;
use emss_domain::{ErrorCode, OrgKind};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AccountQuery {
    /// 1-based page number.
    pub page: Option<u64>,
    /// Rows per page, at most 100.
    pub page_size: Option<u64>,
    /// Matches username, name or organisation name.
    pub keyword: Option<String>,
    /// Only accounts of organisations of this kind.
    pub org_kind: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountItem {
    pub id: String,
    pub username: String,
    pub name: String,
    pub org_name: String,
    pub org_kind: Option<String>,
    pub district_code: Option<String>,
    pub roles: Vec<String>,
    pub is_main: bool,
    pub disabled: bool,
    pub last_login_at: Option<DateTime<Utc>>,
    /// Masked mobile number, e.g. `138****5678`.
    pub phone: Option<String>,
}

impl From<AccountRow> for AccountItem {
    fn from(r: AccountRow) -> Self {
        AccountItem {
            id: r.account.id,
            username: r.account.username,
            name: r.account.name,
            org_name: r.org_name,
            org_kind: r.org_kind.map(|k| k.as_str().to_string()),
            district_code: r.district_code,
            roles: r.roles.iter().map(|x| x.as_str().to_string()).collect(),
            is_main: r.account.is_main,
            disabled: r.account.disabled,
            last_login_at: r.account.last_login_at,
            phone: r.account.phone_masked,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AccountPage {
    pub items: Vec<AccountItem>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

/// The accounts the caller may list: all of them (system and security administrators), or its own
/// organisation's (main accounts).
#[utoipa::path(
    get,
    path = "/api/v1/accounts",
    tag = "accounts",
    summary = "账户列表",
    params(AccountQuery),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = AccountPage),
        (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody)
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiQuery(q): ApiQuery<AccountQuery>,
) -> Result<Json<AccountPage>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let filter = AccountFilter {
        keyword: q.keyword,
        org_kind: q.org_kind.as_deref().and_then(OrgKind::parse),
    };
    let page = emss_app::account::list(
        &state.app,
        actor,
        &filter,
        super::paging(q.page, q.page_size)?,
    )
    .await?;
    Ok(Json(AccountPage {
        total: page.total,
        page: page.page,
        page_size: page.page_size,
        items: page.items.into_iter().map(AccountItem::from).collect(),
    }))
}

/// One account in full.
#[derive(Debug, Serialize, ToSchema)]
pub struct AccountDetail {
    #[serde(flatten)]
    pub account: AccountItem,
    pub org_id: String,
    pub created_at: DateTime<Utc>,
    /// What the caller may do to this account: `set_roles`, `set_enabled`, `reset_password`,
    /// `end_sessions`.
    pub allowed: Vec<String>,
}

fn detail(actor: &emss_domain::Actor, a: AccountWithOrg) -> AccountDetail {
    let allowed = emss_app::account::allowed(actor, &a)
        .into_iter()
        .map(|x| {
            match x {
                AccountAction::View => "view",
                AccountAction::SetRoles => "set_roles",
                AccountAction::SetEnabled => "set_enabled",
                AccountAction::ResetPassword => "reset_password",
                AccountAction::EndSessions => "end_sessions",
                AccountAction::RevealPersonalData => "reveal_personal_data",
            }
            .to_string()
        })
        .collect();
    AccountDetail {
        org_id: a.org.id.clone(),
        created_at: a.account.created_at,
        allowed,
        account: AccountItem {
            id: a.account.id,
            username: a.account.username,
            name: a.account.name,
            org_name: a.org.name,
            org_kind: Some(a.org.kind),
            district_code: a.org.district_code,
            roles: a.roles.iter().map(|r| r.as_str().to_string()).collect(),
            is_main: a.account.is_main,
            disabled: a.account.disabled,
            last_login_at: a.account.last_login_at,
            phone: a.account.phone_masked,
        },
    }
}

/// An account, if the caller may see it; 404 otherwise, exactly as for an unknown id.
#[utoipa::path(
    get,
    path = "/api/v1/accounts/{id}",
    tag = "accounts",
    summary = "账户详情",
    params(("id" = String, Path, description = "账户编号")),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = AccountDetail), (status = 404, body = ErrorBody))
)]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AccountDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let a = emss_app::account::get(&state.app, actor, &id).await?;
    Ok(Json(detail(actor, a)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAccountRequest {
    /// The organisation (system administrator only; a main account creates in its own).
    pub org_id: Option<String>,
    pub username: String,
    pub name: String,
    /// Role codes (main accounts only), e.g. `filer`.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Mobile number (stored encrypted, shown masked).
    pub phone: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedAccount {
    pub id: String,
    pub username: String,
    /// Shown only in this answer; valid 72 hours; must be changed at the first login.
    pub one_time_password: String,
}

/// Creates an account: a sub-account of the caller's organisation (main accounts), or an account
/// in any organisation (system administrator).
#[utoipa::path(
    post,
    path = "/api/v1/accounts",
    tag = "accounts",
    summary = "新建账户",
    request_body = NewAccountRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 201, body = CreatedAccount),
        (status = 422, body = ErrorBody, description = "字段有误，见 fields"),
        (status = 403, body = ErrorBody)
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<NewAccountRequest>,
) -> Result<(StatusCode, Json<CreatedAccount>), ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let created = emss_app::account::create(
        &state.app,
        actor,
        emss_app::account::NewAccountInput {
            org_id: body.org_id,
            username: body.username,
            name: body.name,
            roles: body.roles,
            phone: body.phone,
        },
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedAccount {
            id: created.account_id,
            username: created.username,
            one_time_password: created.one_time_password,
        }),
    ))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RolesRequest {
    /// The complete new set of role codes.
    pub roles: Vec<String>,
}

/// Replaces an account's roles (its organisation's main account, or the security administrator).
#[utoipa::path(
    put,
    path = "/api/v1/accounts/{id}/roles",
    tag = "accounts",
    summary = "设置账户角色",
    params(("id" = String, Path, description = "账户编号")),
    request_body = RolesRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = AccountDetail),
        (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    )
)]
pub async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RolesRequest>,
) -> Result<Json<AccountDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::account::set_roles(&state.app, actor, &id, &body.roles).await?;
    let a = emss_app::account::get(&state.app, actor, &id).await?;
    Ok(Json(detail(actor, a)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EnabledRequest {
    pub enabled: bool,
}

/// Disables (ending every session at once) or enables an account.
#[utoipa::path(
    put,
    path = "/api/v1/accounts/{id}/enabled",
    tag = "accounts",
    summary = "停用或启用账户",
    params(("id" = String, Path, description = "账户编号")),
    request_body = EnabledRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = AccountDetail),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    )
)]
pub async fn set_enabled(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<EnabledRequest>,
) -> Result<Json<AccountDetail>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::account::set_enabled(&state.app, actor, &id, body.enabled).await?;
    let a = emss_app::account::get(&state.app, actor, &id).await?;
    Ok(Json(detail(actor, a)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct EndedSessions {
    pub ended: u64,
}

/// Ends every session of an account.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{id}/end-sessions",
    tag = "accounts",
    summary = "结束账户的全部会话",
    params(("id" = String, Path, description = "账户编号")),
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = EndedSessions),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    )
)]
pub async fn end_sessions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<EndedSessions>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let ended = emss_app::account::end_sessions(&state.app, actor, &id).await?;
    Ok(Json(EndedSessions { ended }))
}

/// The password, lockout and session policy (security administrator).
#[utoipa::path(
    get,
    path = "/api/v1/security-policy",
    tag = "accounts",
    summary = "安全策略",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = Policy), (status = 403, body = ErrorBody))
)]
pub async fn get_policy(State(state): State<AppState>) -> Result<Json<Policy>, ApiError> {
    Ok(Json(Policy::from(state.app.policy().await?)))
}

/// Sets the policy; it takes effect at once.
#[utoipa::path(
    put,
    path = "/api/v1/security-policy",
    tag = "accounts",
    summary = "设置安全策略",
    request_body = Policy,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = Policy),
        (status = 422, body = ErrorBody),
        (status = 403, body = ErrorBody)
    )
)]
pub async fn put_policy(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<Policy>,
) -> Result<Json<Policy>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let policy = SecurityPolicy::from(body);
    emss_app::account::update_policy(&state.app, actor, policy).await?;
    Ok(Json(Policy::from(policy)))
}

/// The security policy as the API shows it.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub min_length: u32,
    pub require_three_classes: bool,
    pub lockout_threshold: u32,
    pub lockout_window_minutes: u32,
    pub lockout_minutes: u32,
    pub portal_idle_minutes: u32,
    pub mobile_idle_minutes: u32,
    pub ip_attempts_per_minute: u32,
}

impl From<SecurityPolicy> for Policy {
    fn from(p: SecurityPolicy) -> Self {
        Policy {
            min_length: p.min_length,
            require_three_classes: p.require_three_classes,
            lockout_threshold: p.lockout_threshold,
            lockout_window_minutes: p.lockout_window_minutes,
            lockout_minutes: p.lockout_minutes,
            portal_idle_minutes: p.portal_idle_minutes,
            mobile_idle_minutes: p.mobile_idle_minutes,
            ip_attempts_per_minute: p.ip_attempts_per_minute,
        }
    }
}

impl From<Policy> for SecurityPolicy {
    fn from(p: Policy) -> Self {
        SecurityPolicy {
            min_length: p.min_length,
            require_three_classes: p.require_three_classes,
            lockout_threshold: p.lockout_threshold,
            lockout_window_minutes: p.lockout_window_minutes,
            lockout_minutes: p.lockout_minutes,
            portal_idle_minutes: p.portal_idle_minutes,
            mobile_idle_minutes: p.mobile_idle_minutes,
            ip_attempts_per_minute: p.ip_attempts_per_minute,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevealRequest {
    /// Why the full number is needed (kept in the audit log).
    pub reason: String,
    /// The caller's own password, checked again.
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Revealed {
    pub phone: String,
}

/// The full mobile number of an account. Needs the right to keep that account, a reason and the
/// caller's password; every reveal is one audit entry.
#[utoipa::path(
    post,
    path = "/api/v1/accounts/{id}/reveal-phone",
    tag = "accounts",
    summary = "查看完整手机号",
    params(("id" = String, Path, description = "账户编号")),
    request_body = RevealRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 200, body = Revealed),
        (status = 401, body = ErrorBody, description = "未登录；或本人密码连续输错达到锁定次数（account_locked）：账户锁定，所有会话结束"),
        (status = 422, body = ErrorBody, description = "原因未填或密码不正确"),
        (status = 403, body = ErrorBody),
        (status = 404, body = ErrorBody)
    )
)]
pub async fn reveal_phone(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RevealRequest>,
) -> Result<Json<Revealed>, ApiError> {
    let auth = ctx.auth.clone().ok_or(ErrorCode::Unauthenticated)?;
    let phone =
        emss_app::account::reveal_phone(&state.app, &auth, &id, &body.reason, &body.password)
            .await?;
    Ok(Json(Revealed { phone }))
}
