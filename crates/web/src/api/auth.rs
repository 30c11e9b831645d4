//! Signing in and out through the API, and who am I.

use super::ApiJson;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use crate::{AppState, session_cookie};
use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use emss_app::auth::{self, LoginInput, SessionKind};
use emss_domain::{Actor, ErrorCode};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(example = "filer_a")]
    pub username: String,
    pub password: String,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct User {
    pub id: String,
    pub username: String,
    /// The person's name.
    pub name: String,
    pub org_id: String,
    pub org_name: String,
    /// `agency`, `self_maintaining_enterprise`, `enterprise`, `city_regulator`,
    /// `district_regulator` or `system`.
    pub org_kind: String,
    /// The district of the organisation (district regulators and located organisations).
    pub district_code: Option<String>,
    /// Role codes, e.g. `filer`, `reviewer`.
    pub roles: Vec<String>,
    /// The organisation's main account (主账户).
    pub is_main: bool,
}

impl From<&Actor> for User {
    fn from(a: &Actor) -> Self {
        User {
            id: a.account_id.clone(),
            username: a.username.clone(),
            name: a.name.clone(),
            org_id: a.org_id.clone(),
            org_name: a.org_name.clone(),
            org_kind: a.org_kind.as_str().to_string(),
            district_code: a.district_code.clone(),
            roles: a.roles.iter().map(|r| r.as_str().to_string()).collect(),
            is_main: a.is_main,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    /// When the session ends at the latest (RFC 3339).
    pub expires_at: DateTime<Utc>,
    pub user: User,
    /// The password was set by someone else: only `POST /api/v1/auth/password` is open until it
    /// is changed.
    pub must_change_password: bool,
    /// Older sessions of this account that this login ended (at most three are kept).
    pub replaced_sessions: usize,
}

/// Sign in. Sets the session cookie for browsers and returns a bearer token for API clients.
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "auth",
    summary = "登录",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 401, body = ErrorBody, description = "用户名或密码错误（账户不存在、密码错误或被停用时回答相同）"),
        (status = 429, body = ErrorBody, description = "同一地址登录失败过多；Retry-After 头给出可重试的秒数")
    )
)]
pub async fn login(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<LoginRequest>,
) -> Result<Response, ApiError> {
    let outcome = auth::login(
        &state.app,
        LoginInput {
            username: body.username,
            password: body.password,
            kind: SessionKind::Api,
            ip: ctx.client_ip.clone(),
            user_agent: ctx.user_agent.clone(),
            bind_device: false,
        },
    )
    .await?;
    // A session presented before signing in is ended: no session id survives a login.
    if let Some(old) = &ctx.auth {
        auth::logout(&state.app, old).await?;
    }
    let body = LoginResponse {
        token: outcome.token.clone(),
        expires_at: outcome.expires_at,
        user: User::from(&outcome.actor),
        must_change_password: outcome.must_change_password,
        replaced_sessions: outcome.replaced_sessions,
    };
    Ok((
        [(
            header::SET_COOKIE,
            session_cookie::set(&outcome.token, state.secure_cookies),
        )],
        Json(body),
    )
        .into_response())
}

/// Sign out: ends the session of the cookie or bearer token.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "auth",
    summary = "退出登录",
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "已退出"),
        (status = 401, body = ErrorBody)
    )
)]
pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Result<Response, ApiError> {
    let auth = ctx.auth.ok_or(ErrorCode::Unauthenticated)?;
    auth::logout(&state.app, &auth).await?;
    Ok((
        StatusCode::NO_CONTENT,
        [(
            header::SET_COOKIE,
            session_cookie::clear(state.secure_cookies),
        )],
    )
        .into_response())
}

/// The signed-in user.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "auth",
    summary = "当前用户",
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, body = User), (status = 401, body = ErrorBody))
)]
pub async fn me(ctx: Ctx) -> Result<Json<User>, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(Json(User::from(actor)))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordRequest {
    pub current_password: String,
    pub new_password: String,
}

/// Changes one's own password. The account's other sessions end; this one goes on.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    tag = "auth",
    summary = "修改密码",
    request_body = PasswordRequest,
    security(("bearer" = []), ("cookie" = [])),
    responses(
        (status = 204, description = "已修改"),
        (status = 401, body = ErrorBody, description = "未登录；或当前密码连续输错达到锁定次数（account_locked）：账户锁定，所有会话结束"),
        (status = 422, body = ErrorBody, description = "当前密码不正确或新密码不符合策略，见 fields")
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    ApiJson(body): ApiJson<PasswordRequest>,
) -> Result<StatusCode, ApiError> {
    let auth = ctx.auth.clone().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::account::change_own_password(
        &state.app,
        &auth,
        emss_app::account::PasswordChange {
            current_password: body.current_password,
            confirm_password: body.new_password.clone(),
            new_password: body.new_password,
        },
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
