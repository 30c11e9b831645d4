//! The mobile (H5) pages: the 公众号 pages field staff and enterprises use on their phones.

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

pub async fn logout(State(state): State<AppState>, ctx: Ctx) -> Response {
    login::logout_at(MOBILE, state, ctx).await
}
