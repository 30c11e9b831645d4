//! 我的账户 and 修改密码: one's own account.

use super::PageQuery;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::shell::Shell;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::account::PasswordChange;
use emss_domain::ErrorCode;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "portal/my_account.html")]
pub struct MyAccountPage {
    pub shell: Shell,
    pub username: String,
    pub name: String,
    pub org_name: String,
    pub org_kind: &'static str,
    pub district: String,
    pub roles: String,
    pub notice: Option<&'static str>,
    pub devices: Vec<crate::h5::DeviceRow>,
    /// Where revoking a binding returns to.
    pub back: &'static str,
}

#[derive(Debug, Deserialize)]
pub struct MyAccountQuery {
    pub done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<MyAccountQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    Ok(render(&MyAccountPage {
        shell: Shell::portal(&ctx, "page.account", "我的账户", &["系统管理", "我的账户"]),
        username: actor.username.clone(),
        name: actor.name.clone(),
        org_name: actor.org_name.clone(),
        org_kind: actor.org_kind.label(),
        district: state
            .app
            .districts()
            .name(actor.district_code.as_deref())
            .to_string(),
        roles: actor.role_labels(),
        notice: match q.done.as_deref() {
            Some("password") => Some("密码已修改；您在其他设备上的登录已结束"),
            Some("device") => Some("已解除该手机的绑定"),
            _ => None,
        },
        devices: crate::h5::device_rows(&state, actor).await?,
        back: "/account?done=device",
    }))
}

#[derive(Debug, Deserialize)]
pub struct RevokeForm {
    pub back: Option<String>,
}

/// Unbinds one of one's phones; another account's binding is "not found".
pub async fn revoke_device(
    State(state): State<AppState>,
    ctx: Ctx,
    axum::extract::Path(id): axum::extract::Path<String>,
    super::PageForm(form): super::PageForm<RevokeForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    emss_app::auth::revoke_device(&state.app, actor, &id).await?;
    let back = super::safe_next(form.back.as_deref(), "/account?done=device");
    Ok(Redirect::to(&back).into_response())
}

#[derive(Template)]
#[template(path = "portal/password.html")]
pub struct PasswordPage {
    pub shell: Shell,
    pub forced: bool,
    pub min_length: u32,
    pub errors: BTreeMap<String, String>,
}

impl PasswordPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

async fn page(state: &AppState, ctx: &Ctx) -> Result<PasswordPage, PageError> {
    let policy = state.app.policy().await?;
    Ok(PasswordPage {
        shell: Shell::portal(
            ctx,
            "page.account.password",
            "修改密码",
            &["系统管理", "修改密码"],
        ),
        forced: ctx.must_change_password(),
        min_length: policy.min_length,
        errors: BTreeMap::new(),
    })
}

pub async fn password_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    Ok(render(&page(&state, &ctx).await?))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub current_password: String,
    #[serde(default)]
    pub new_password: String,
    #[serde(default)]
    pub confirm_password: String,
}

pub async fn password_submit(
    State(state): State<AppState>,
    ctx: Ctx,
    super::PageForm(form): super::PageForm<PasswordForm>,
) -> Result<Response, PageError> {
    let auth = ctx.auth.clone().ok_or(ErrorCode::Unauthenticated)?;
    let change = PasswordChange {
        current_password: form.current_password,
        new_password: form.new_password,
        confirm_password: form.confirm_password,
    };
    match emss_app::account::change_own_password(&state.app, &auth, change).await {
        Ok(()) => Ok(Redirect::to("/account?done=password").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let mut p = page(&state, &ctx).await?;
            p.errors = e.fields;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&p)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
