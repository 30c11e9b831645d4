//! 业务实施动态: for a regulator, the agencies' work of the last twelve weeks side by side (from
//! 统计查询), each opening its own page; for an agency, its own page at the same address — week by
//! week, with its running tasks, open orders and latest events.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use emss_app::credit::Activity;
use emss_app::statistics::StatsRow;
use emss_domain::time::shanghai_date;
use emss_domain::{ErrorCode, Permission};

#[derive(Template)]
#[template(path = "portal/credit_activities.html")]
pub struct ListPage {
    pub shell: Shell,
    pub from: String,
    pub to: String,
    /// 全市 or 本辖区.
    pub area: &'static str,
    pub rows: Vec<StatsRow>,
}

/// The regulators' list of agencies; an agency goes straight to its own page.
pub async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    if !actor.org_kind.is_regulator() {
        return Ok(render(&show_page(&state, &ctx, &actor.org_id).await?));
    }
    let today = shanghai_date(state.app.now());
    let (from, rows) = emss_app::credit::activity_list(&state.app, actor).await?;
    Ok(render(&ListPage {
        shell: Shell::portal(
            &ctx,
            "page.credit.activity",
            "业务实施动态",
            &["信用管理", "业务实施动态"],
        ),
        from: from.to_string(),
        to: today.to_string(),
        area: if actor.org_kind == emss_domain::OrgKind::CityRegulator {
            "全市"
        } else {
            "本辖区"
        },
        rows,
    }))
}

#[derive(Template)]
#[template(path = "portal/credit_activity.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub a: Activity,
    pub regulator: bool,
    /// Which kinds of object the viewer may open: tasks, orders, inspections.
    pub opens: [bool; 3],
}

impl ShowPage {
    /// Where an event's object is read, if the viewer may open it.
    pub fn href(&self, kind: &str, id: &str) -> Option<String> {
        match kind {
            "task" if self.opens[0] => Some(format!("/tasks/{id}")),
            "rectification" if self.opens[1] => Some(format!("/rectifications/{id}")),
            "inspection" if self.opens[2] => Some(format!("/inspections/{id}")),
            _ => None,
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(agency_id): Path<String>,
) -> Result<Response, PageError> {
    Ok(render(&show_page(&state, &ctx, &agency_id).await?))
}

async fn show_page(state: &AppState, ctx: &Ctx, agency_id: &str) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let a = emss_app::credit::activity(&state.app, actor, agency_id).await?;
    let regulator = actor.org_kind.is_regulator();
    let crumbs: Vec<&str> = if regulator {
        vec!["信用管理", "业务实施动态", &a.agency_name]
    } else {
        vec!["信用管理", "业务实施动态"]
    };
    let may = |p: Permission| p.allows(Some(actor));
    Ok(ShowPage {
        shell: Shell::portal(ctx, "page.credit.activity", "业务实施动态", &crumbs),
        regulator,
        opens: [
            may(Permission::ViewTasks),
            may(Permission::ViewRectifications),
            may(Permission::ViewInspections),
        ],
        a,
    })
}
