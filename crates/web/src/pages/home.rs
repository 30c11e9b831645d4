//! 首页: greets the user and shows today's work first — each to-do a count that leads to the
//! list behind it, counted as that list counts — then the menus of the role.

use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::menu::Link;
use crate::shell::Shell;
use askama::Template;
use axum::extract::State;
use axum::response::Response;
use emss_domain::{ErrorCode, Permission};

#[derive(Template)]
#[template(path = "portal/home.html")]
pub struct HomePage {
    pub shell: Shell,
    pub name: String,
    pub org_name: String,
    pub district: String,
    pub roles: String,
    pub shortcuts: Vec<Link>,
    /// To-do counts with where they lead: (label, count, href).
    pub todos: Vec<(&'static str, u64, &'static str)>,
    /// What stops a self-maintaining enterprise from filing, confirming and reviewing with three
    /// different people.
    pub duties_problem: Option<String>,
    /// Whether the user can mend it in 账户管理.
    pub manages_accounts: bool,
    /// The regulators' figures of the month and the year, their trend and who is behind.
    pub dashboard: Option<super::statistics::DashboardView>,
    /// Agencies and enterprises open their own statistics from here.
    pub own_statistics: bool,
}

pub async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let shell = Shell::portal(&ctx, "page.home", "首页", &["首页"]);
    let shortcuts = shell
        .nav
        .iter()
        .filter(|l| l.href != "/")
        .cloned()
        .collect();
    let mut todos = Vec::new();
    if let Some(q) = emss_app::filing::queue_counts(&state.app, actor).await? {
        todos.push((
            "待一审备案",
            q.first_review,
            "/agencies?filing_state=submitted",
        ));
        todos.push((
            "待二审备案",
            q.second_review,
            "/agencies?filing_state=first_review_passed",
        ));
        todos.push(("待审核变更申请", q.changes, "/change-requests"));
    }
    todos.extend(emss_app::contracts::todos(&state.app, actor).await?);
    todos.extend(emss_app::tasks::todos(&state.app, actor).await?);
    todos.extend(emss_app::records::todos(&state.app, actor).await?);
    todos.extend(emss_app::rectifications::todos(&state.app, actor).await?);
    if Permission::ViewRecords.allows(Some(actor)) {
        let overdue = emss_app::records::faults::overdue_count(&state.app, actor).await?;
        todos.push((
            "失控与不合格逾期未处理",
            overdue,
            "/fault-periods?status=overdue",
        ));
    }
    let duties_problem = emss_app::account::duties_problem(&state.app, actor).await?;
    // 综合查询 is the regulators'; their home page shows its figures.
    let regulator = Permission::Inspect.allows(Some(actor));
    let dashboard = if regulator && Permission::ViewStatistics.allows(Some(actor)) {
        let d = emss_app::statistics::dashboard(&state.app, actor).await?;
        Some(super::statistics::dashboard_view(&d))
    } else {
        None
    };
    Ok(render(&HomePage {
        dashboard,
        own_statistics: !regulator && Permission::ViewStatistics.allows(Some(actor)),
        todos,
        duties_problem,
        manages_accounts: Permission::ListAccounts.allows(Some(actor)),
        name: actor.name.clone(),
        org_name: actor.org_name.clone(),
        district: actor
            .district_code
            .as_deref()
            .map(|c| state.app.districts().name(Some(c)).to_string())
            .unwrap_or_default(),
        roles: actor.role_labels(),
        shortcuts,
        shell,
    }))
}
