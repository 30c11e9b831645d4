//! The mobile (H5) pages: the 公众号 pages field staff and enterprises use on their phones.

pub mod forms;
pub mod records;

use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::menu::{self, Link};
use crate::pages::login::{self, LoginForm, LoginQuery, MOBILE};
use crate::pages::{PageForm, PageQuery};
use crate::shell::Shell;
use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use emss_domain::ErrorCode;

pub async fn root() -> Response {
    Redirect::permanent("/m/").into_response()
}

#[derive(Template)]
#[template(path = "h5/home.html")]
pub struct HomePage {
    pub shell: Shell,
    pub name: String,
    pub org_name: String,
    pub roles: String,
    pub tiles: Vec<Link>,
}

pub async fn home(ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(render(&HomePage {
        name: actor.name.clone(),
        org_name: actor.org_name.clone(),
        roles: actor.role_labels(),
        tiles: menu::mobile(Some(actor)),
        shell: Shell::mobile(&ctx, "业务管理"),
    }))
}

pub async fn login_show(ctx: Ctx, PageQuery(q): PageQuery<LoginQuery>) -> Response {
    login::show_at(MOBILE, ctx, q)
}

pub async fn login_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<LoginForm>,
) -> Response {
    login::submit_at(MOBILE, state, ctx, form).await
}

pub async fn logout(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: axum::http::HeaderMap,
) -> Response {
    login::logout_at(MOBILE, state, ctx, &headers).await
}

/// A bound phone as the pages list it.
pub struct DeviceRow {
    pub id: String,
    pub label: String,
    pub bound: String,
    pub last_used: String,
    pub until: String,
}

pub async fn device_rows(
    state: &AppState,
    actor: &emss_domain::Actor,
) -> Result<Vec<DeviceRow>, PageError> {
    use emss_domain::time::format_datetime;
    Ok(emss_app::auth::devices(&state.app, actor)
        .await?
        .into_iter()
        .map(|d| DeviceRow {
            id: d.id,
            label: d.label,
            bound: format_datetime(d.created_at),
            last_used: format_datetime(d.last_used_at),
            until: format_datetime(d.expires_at),
        })
        .collect())
}

#[derive(Template)]
#[template(path = "h5/me.html")]
pub struct MePage {
    pub shell: Shell,
    pub name: String,
    pub username: String,
    pub org_name: String,
    pub roles: String,
    pub devices: Vec<DeviceRow>,
    /// Where revoking a binding returns to.
    pub back: &'static str,
}

#[derive(Template)]
#[template(path = "h5/help.html")]
pub struct HelpPage {
    pub shell: Shell,
}

/// 帮助中心 on the phone: the contacts and how the phone pages are used, without leaving the
/// phone's pages.
pub async fn help(ctx: Ctx) -> Response {
    render(&HelpPage {
        shell: Shell::mobile(&ctx, "帮助中心"),
    })
}

/// 我的信息: who is signed in, and the phones bound to the account.
pub async fn me(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(render(&MePage {
        devices: device_rows(&state, actor).await?,
        name: actor.name.clone(),
        username: actor.username.clone(),
        org_name: actor.org_name.clone(),
        roles: actor.role_labels(),
        back: "/m/me",
        shell: Shell::mobile(&ctx, "我的信息"),
    }))
}
