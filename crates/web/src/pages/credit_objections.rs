//! 异议处理: the agencies' objections to their final ratings — a queue for the city (every
//! agency's, pending first by filter) and the agency (its own), and one objection's page with
//! its reasons, documents (added by the agency until the last day), the city's decision and the
//! trail.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use emss_app::credit::{DecisionInput, ObjectionDetail, ObjectionView};
use emss_domain::credit::ObjectionState;
use emss_domain::time::{format_datetime, format_optional, shanghai_date};
use emss_domain::{ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub period: Option<String>,
    pub state: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/credit_objections.html")]
pub struct ListPage {
    pub shell: Shell,
    pub rows: Vec<ObjectionView>,
    /// (value, selected) of the year filter; (value, label, selected) of the state filter.
    pub years: Vec<(String, bool)>,
    pub states: Vec<(&'static str, &'static str, bool)>,
    pub can_decide: bool,
}

impl ListPage {
    pub fn at(&self, at: &DateTime<Utc>) -> String {
        format_datetime(*at)
    }
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let year = match q.period.as_deref().filter(|p| !p.is_empty()) {
        Some(p) => Some(emss_app::credit::year_of(&state.app, Some(p))?),
        None => None,
    };
    let rows = emss_app::credit::objections(&state.app, actor, year, q.state.as_deref()).await?;
    let wanted = |v: &str| q.state.as_deref() == Some(v);
    Ok(render(&ListPage {
        shell: Shell::portal(
            &ctx,
            "page.credit.objections",
            "异议处理",
            &["信用管理", "异议处理"],
        ),
        rows,
        years: emss_app::credit::years(&state.app)
            .await?
            .into_iter()
            .map(|y| (y.to_string(), Some(y) == year))
            .collect(),
        states: [
            ObjectionState::Pending,
            ObjectionState::Accepted,
            ObjectionState::Rejected,
        ]
        .iter()
        .map(|s| (s.as_str(), s.label(), wanted(s.as_str())))
        .collect(),
        can_decide: Permission::ManageCredit.allows(Some(actor)),
    }))
}

#[derive(Template)]
#[template(path = "portal/credit_objection.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub d: ObjectionDetail,
    /// The agency may add documents now.
    pub may_upload: bool,
    /// The last day has passed (documents are no longer received).
    pub late: bool,
    pub may_decide: bool,
    pub typed: DecisionForm,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
}

impl ShowPage {
    pub fn at(&self, at: &DateTime<Utc>) -> String {
        format_datetime(*at)
    }

    pub fn maybe(&self, at: &Option<DateTime<Utc>>) -> String {
        format_optional(*at)
    }

    pub fn size(&self, bytes: &i64) -> String {
        super::rectifications::size_label(*bytes)
    }

    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    pub done: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub scored: String,
    #[serde(default)]
    pub note: String,
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    typed: DecisionForm,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let d = emss_app::credit::objection(&state.app, actor, id).await?;
    let pending = d.objection.state == ObjectionState::Pending.as_str();
    let today = shanghai_date(state.app.now());
    let late = d
        .objection_deadline
        .is_some_and(|l| !emss_domain::credit::objection::in_time(today, l));
    let title = format!("{} 的异议", d.objection.agency_name);
    Ok(ShowPage {
        shell: Shell::portal(
            ctx,
            "page.credit.objections",
            &title,
            &["信用管理", "异议处理", &title],
        ),
        may_upload: pending
            && !late
            && Permission::ObjectToCredit.allows(Some(actor))
            && actor.org_id == d.objection.agency_id,
        late,
        may_decide: pending && Permission::ManageCredit.allows(Some(actor)),
        d,
        typed,
        errors,
        notice,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let notice = match q.done.as_deref() {
        Some("filed") => Some("异议已提交，可继续上传证明材料"),
        Some("uploaded") => Some("材料已上传"),
        Some("decided") => Some("异议已处理，机构可在本页查看处理结果"),
        _ => None,
    };
    Ok(render(
        &show_page(
            &state,
            &ctx,
            &id,
            DecisionForm::default(),
            BTreeMap::new(),
            notice,
        )
        .await?,
    ))
}

/// 处理异议: 采纳 with the corrected score, or 不予采纳, with the reasons.
pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let input = DecisionInput {
        decision: form.decision.clone(),
        scored: form.scored.clone(),
        note: form.note.clone(),
    };
    match emss_app::credit::decide(&state.app, actor, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!("/credit/objections/{id}?done=decided")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, form, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 上传证明材料 to a pending objection, until the last day.
pub async fn upload_document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    // Who may not add documents here is told so before the upload is read.
    let allowed = emss_app::credit::may_upload(&state.app, actor, &id).await;
    let done = match allowed {
        Ok(()) => {
            let (_, files) = crate::upload::form(req, &state).await?;
            let file = files.into_iter().find(|f| f.kind == "file");
            emss_app::credit::upload_document(&state.app, actor, &id, file)
                .await
                .map(|_| ())
        }
        Err(e) => Err(e),
    };
    match done {
        Ok(()) => Ok(
            Redirect::to(&format!("/credit/objections/{id}?done=uploaded#documents"))
                .into_response(),
        ),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page =
                show_page(&state, &ctx, &id, DecisionForm::default(), e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn document(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, document_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (d, bytes) = emss_app::credit::document_file(&state.app, actor, &id, &document_id).await?;
    Ok(crate::api::download(&d.file_name, &d.content_type, bytes))
}
