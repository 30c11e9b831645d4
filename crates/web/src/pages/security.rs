//! 安全策略: the security administrator's password, lockout and session settings.

use super::PageQuery;
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::shell::Shell;
use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_domain::ErrorCode;
use emss_domain::password_policy::SecurityPolicy;
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Template)]
#[template(path = "portal/security.html")]
pub struct SecurityPage {
    pub shell: Shell,
    pub policy: SecurityPolicy,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
}

impl SecurityPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

#[derive(Debug, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<Done>,
) -> Result<Response, PageError> {
    Ok(render(&SecurityPage {
        shell: Shell::portal(&ctx, "page.security", "安全策略", &["安全管理", "安全策略"]),
        policy: state.app.policy().await?,
        errors: BTreeMap::new(),
        notice: q.done.is_some().then_some("安全策略已保存，立即生效"),
    }))
}

/// The form as typed: numbers arrive as text so that a wrong entry is reported next to its field.
#[derive(Debug, Deserialize)]
pub struct PolicyForm {
    pub min_length: String,
    pub require_three_classes: Option<String>,
    pub lockout_threshold: String,
    pub lockout_window_minutes: String,
    pub lockout_minutes: String,
    pub portal_idle_minutes: String,
    pub mobile_idle_minutes: String,
    pub ip_attempts_per_minute: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    super::PageForm(form): super::PageForm<PolicyForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let mut errors = BTreeMap::new();
    let mut number = |field: &str, text: &str| -> u32 {
        text.trim().parse().unwrap_or_else(|_| {
            errors.insert(field.to_string(), "请输入整数".to_string());
            0
        })
    };
    let policy = SecurityPolicy {
        min_length: number("min_length", &form.min_length),
        require_three_classes: form.require_three_classes.is_some(),
        lockout_threshold: number("lockout_threshold", &form.lockout_threshold),
        lockout_window_minutes: number("lockout_window_minutes", &form.lockout_window_minutes),
        lockout_minutes: number("lockout_minutes", &form.lockout_minutes),
        portal_idle_minutes: number("portal_idle_minutes", &form.portal_idle_minutes),
        mobile_idle_minutes: number("mobile_idle_minutes", &form.mobile_idle_minutes),
        ip_attempts_per_minute: number("ip_attempts_per_minute", &form.ip_attempts_per_minute),
    };
    let result = if errors.is_empty() {
        emss_app::account::update_policy(&state.app, actor, policy).await
    } else {
        Err(emss_app::AppError::validation(errors))
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/security?done=1").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = SecurityPage {
                shell: Shell::portal(&ctx, "page.security", "安全策略", &["安全管理", "安全策略"]),
                policy,
                errors: e.fields,
                notice: None,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
