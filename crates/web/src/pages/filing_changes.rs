//! 信息变更申请 for filings: the agency proposes on its filing page; the city regulator's filing
//! reviewer works the queue (变更审核) and decides on the agency's page.

use super::agencies::{ChangeRow, FilingForm, change_row, show_page};
use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_domain::ErrorCode;
use emss_domain::change_request::ChangeState;
use emss_domain::listing::PageRequest;
use serde::Deserialize;

/// The agency submits a change request from its filing page.
pub async fn request(
    State(state): State<AppState>,
    ctx: Ctx,
    body: axum::body::Bytes,
) -> Result<Response, PageError> {
    let form = FilingForm::parse(&body);
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::filing_change::request(&state.app, actor, form.input(), &form.change_reason)
        .await
    {
        Ok(_) => Ok(Redirect::to("/filing?done=change_requested").into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let id = actor.org_id.clone();
            let mut page = show_page(&state, &ctx, &id, false, e.fields, None).await?;
            // What was typed stays on the page next to its errors.
            if let Some(f) = page.change.as_mut() {
                f.form = form;
            }
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub decision: String,
    #[serde(default)]
    pub comment: String,
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let approve = emss_app::filing_change::approves(&form.decision)?;
    match emss_app::filing_change::decide(&state.app, actor, &id, approve, &form.comment).await {
        Ok(c) => Ok(Redirect::to(&format!(
            "/agencies/{}?done={}#changes",
            c.org_id,
            if approve {
                "change_approved"
            } else {
                "change_rejected"
            }
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let org_id = emss_app::filing_change::org_of(&state.app, actor, &id).await?;
            let page = show_page(&state, &ctx, &org_id, false, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct QueueQuery {
    pub state: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

/// A row of the queue: the request and its agency.
pub struct QueueRow {
    pub n: u64,
    pub org_id: String,
    pub org_name: String,
    pub c: ChangeRow,
}

#[derive(Template)]
#[template(path = "portal/filing_changes.html")]
pub struct QueuePage {
    pub shell: Shell,
    pub states: Vec<(String, String, bool)>,
    pub rows: Vec<QueueRow>,
    pub pager: Pager,
}

pub async fn queue(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<QueueQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let chosen = q.state.clone().unwrap_or_else(|| "pending".to_string());
    let filter = if chosen == "all" {
        None
    } else {
        Some(ChangeState::parse(&chosen).unwrap_or(ChangeState::Pending))
    };
    let page = emss_app::filing_change::queue(
        &state.app,
        actor,
        filter,
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(
        &page,
        "/change-requests",
        &[("state", chosen.clone())],
        None,
    );
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, c)| QueueRow {
            n: first + i as u64,
            org_id: c.org_id.clone(),
            org_name: c.org_name.clone(),
            c: change_row(c),
        })
        .collect();
    let mut states: Vec<(String, String, bool)> = ChangeState::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string(), false))
        .collect();
    states.push(("all".to_string(), "全部".to_string(), false));
    for s in &mut states {
        s.2 = s.0 == chosen;
    }
    Ok(render(&QueuePage {
        shell: Shell::portal(
            &ctx,
            "page.change_requests",
            "变更审核",
            &["备案管理", "变更审核"],
        ),
        states,
        rows,
        pager,
    }))
}
