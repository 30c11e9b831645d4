//! The login page (desktop and mobile share it) and logout.

use super::{PageForm, PageQuery, safe_next};
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::{AppState, assets, session_cookie};
use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::auth::{self, LoginInput, SessionKind};
use emss_domain::ErrorCode;
use serde::Deserialize;

#[derive(Template)]
#[template(path = "login.html")]
pub struct LoginPage {
    pub css: String,
    pub js: String,
    pub mobile: bool,
    pub action: &'static str,
    pub next: String,
    pub username: String,
    pub notice: Option<&'static str>,
    pub username_error: Option<&'static str>,
    pub password_error: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    pub next: Option<String>,
    pub expired: Option<String>,
    pub ended: Option<String>,
    pub logged_out: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
    pub next: Option<String>,
    /// "Keep me signed in on this phone" (mobile login).
    pub bind: Option<String>,
}

/// Which login: desktop portal or mobile pages.
#[derive(Clone, Copy)]
pub struct Door {
    pub kind: SessionKind,
    pub action: &'static str,
    pub home: &'static str,
    pub login: &'static str,
}

pub const PORTAL: Door = Door {
    kind: SessionKind::Portal,
    action: "/login",
    home: "/",
    login: "/login",
};

pub const MOBILE: Door = Door {
    kind: SessionKind::Mobile,
    action: "/m/login",
    home: "/m/",
    login: "/m/login",
};

fn page(door: Door, next: String, username: String) -> LoginPage {
    LoginPage {
        css: assets::href("app.css"),
        js: assets::href("app.js"),
        mobile: door.kind == SessionKind::Mobile,
        action: door.action,
        next,
        username,
        notice: None,
        username_error: None,
        password_error: None,
    }
}

pub async fn show(ctx: Ctx, PageQuery(q): PageQuery<LoginQuery>) -> Response {
    show_at(PORTAL, ctx, q)
}

pub fn show_at(door: Door, ctx: Ctx, q: LoginQuery) -> Response {
    let next = safe_next(q.next.as_deref(), door.home);
    if ctx.actor().is_some() {
        return Redirect::to(&next).into_response();
    }
    let mut p = page(door, next, String::new());
    if q.expired.is_some() {
        p.notice = Some(ErrorCode::SessionExpired.message());
    } else if q.ended.is_some() {
        p.notice = Some(ErrorCode::SessionReplaced.message());
    } else if q.logged_out.is_some() {
        p.notice = Some("您已安全退出");
    }
    render(&p)
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    submit_at(PORTAL, state, ctx, form).await
}

pub async fn submit_at(door: Door, state: AppState, ctx: Ctx, form: LoginForm) -> Response {
    let next = safe_next(form.next.as_deref(), door.home);
    let mut p = page(door, next.clone(), form.username.trim().to_string());
    if form.username.trim().is_empty() {
        p.username_error = Some("请输入用户名");
    }
    if form.password.is_empty() {
        p.password_error = Some("请输入密码");
    }
    if p.username_error.is_some() || p.password_error.is_some() {
        return (StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response();
    }
    let outcome = auth::login(
        &state.app,
        LoginInput {
            username: form.username,
            password: form.password,
            kind: door.kind,
            ip: ctx.client_ip.clone(),
            user_agent: ctx.user_agent.clone(),
            bind_device: form.bind.is_some(),
        },
    )
    .await;
    match outcome {
        Ok(outcome) => {
            let next = if outcome.must_change_password {
                "/account/password".to_string()
            } else {
                next
            };
            if let Some(old) = &ctx.auth
                && let Err(e) = auth::logout(&state.app, old).await
            {
                return PageError(e).into_response();
            }
            let mut response = (
                StatusCode::SEE_OTHER,
                [
                    (
                        header::SET_COOKIE,
                        session_cookie::set(&outcome.token, state.secure_cookies),
                    ),
                    (header::LOCATION, next),
                ],
            )
                .into_response();
            if let Some(device) = &outcome.device_token
                && let Ok(v) = axum::http::HeaderValue::from_str(&session_cookie::set_device(
                    device,
                    state.secure_cookies,
                ))
            {
                response.headers_mut().append(header::SET_COOKIE, v);
            }
            response
        }
        Err(e) if e.code == ErrorCode::InvalidCredentials => {
            p.password_error = Some(ErrorCode::InvalidCredentials.message());
            (StatusCode::UNAUTHORIZED, render(&p)).into_response()
        }
        Err(e) if e.code == ErrorCode::RateLimited => {
            p.password_error = Some(ErrorCode::RateLimited.message());
            (StatusCode::TOO_MANY_REQUESTS, render(&p)).into_response()
        }
        Err(e) => PageError(e).into_response(),
    }
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> Response {
    logout_at(PORTAL, state, ctx, &headers).await
}

pub async fn logout_at(
    door: Door,
    state: AppState,
    ctx: Ctx,
    headers: &axum::http::HeaderMap,
) -> Response {
    if let Some(a) = &ctx.auth {
        if let Err(e) = auth::logout(&state.app, a).await {
            return PageError(e).into_response();
        }
        // Logging out on a bound phone unbinds it: the next visit asks for the password.
        if let Some(device) = session_cookie::device_from_cookie(headers, state.secure_cookies)
            && let Err(e) = auth::forget_device(&state.app, &a.actor, &device).await
        {
            return PageError(e).into_response();
        }
    }
    let mut response = (
        StatusCode::SEE_OTHER,
        [
            (
                header::SET_COOKIE,
                session_cookie::clear(state.secure_cookies),
            ),
            (header::LOCATION, format!("{}?logged_out=1", door.login)),
        ],
    )
        .into_response();
    if let Ok(v) =
        axum::http::HeaderValue::from_str(&session_cookie::clear_device(state.secure_cookies))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}
