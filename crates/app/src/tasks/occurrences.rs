//! Due occurrences: written when a task is submitted (every point × form type × period of each
//! plan, `emss_domain::plan`), listed by 运维管理 with its quick filters (本周 · 本月 · 全部 · 超期)
//! and by the regulators' overdue lists.

use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::{maintenance_task, occurrence, task_plan};
use emss_db::repo;
use emss_db::repo::task::OccurrenceFilter;
use emss_domain::listing::{Page, PageRequest};
use emss_domain::plan::{Period, PlanFrequency};
use emss_domain::task::{OccurrenceState, Window};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// Writes the occurrences of a task's plans; how many.
pub(super) async fn generate(
    txn: &impl sea_orm::ConnectionTrait,
    task: &maintenance_task::Model,
    outlet_ids: &[String],
    plans: &[task_plan::Model],
) -> Result<usize, AppError> {
    write(txn, task, outlet_ids, plans, |_| true).await
}

/// After an approved change: the occurrences not over on `today` that the plans call for, except
/// those already there and those whose point and form type already have a record for part of the
/// same days — work done under a plan the change replaced is not asked for twice.
pub(super) async fn regenerate(
    txn: &impl sea_orm::ConnectionTrait,
    task: &maintenance_task::Model,
    outlet_ids: &[String],
    plans: &[task_plan::Model],
    today: NaiveDate,
) -> Result<usize, AppError> {
    let kept = repo::task::task_occurrences(txn, &task.id).await?;
    let existing: HashSet<(&str, &str, &str, NaiveDate)> = kept
        .iter()
        .map(|o| {
            (
                o.plan_id.as_str(),
                o.outlet_id.as_str(),
                o.form_code.as_str(),
                o.period_start,
            )
        })
        .collect();
    let done: Vec<&occurrence::Model> = kept.iter().filter(|o| o.record_id.is_some()).collect();
    write(txn, task, outlet_ids, plans, |o| {
        let covered = done.iter().any(|d| {
            d.outlet_id == o.outlet_id
                && d.form_code == o.form_code
                && d.period_start <= o.period_end
                && o.period_start <= d.period_end
        });
        o.period_end >= today
            && !covered
            && !existing.contains(&(
                o.plan_id.as_str(),
                o.outlet_id.as_str(),
                o.form_code.as_str(),
                o.period_start,
            ))
    })
    .await
}

async fn write(
    txn: &impl sea_orm::ConnectionTrait,
    task: &maintenance_task::Model,
    outlet_ids: &[String],
    plans: &[task_plan::Model],
    wanted: impl Fn(&occurrence::Model) -> bool,
) -> Result<usize, AppError> {
    let mut rows = Vec::new();
    for plan in plans {
        let Some(frequency) = PlanFrequency::parse(&plan.frequency) else {
            return Err(AppError::internal(format!(
                "plan {} has unknown frequency",
                plan.id
            )));
        };
        let codes: Vec<String> =
            serde_json::from_str(&plan.form_codes).map_err(AppError::internal)?;
        for o in emss_domain::plan::occurrences(
            outlet_ids,
            &codes,
            frequency,
            plan.start_date,
            plan.end_date,
        ) {
            let row = occurrence::Model {
                id: emss_domain::ids::new_id(),
                task_id: task.id.clone(),
                plan_id: plan.id.clone(),
                agency_id: task.agency_id.clone(),
                enterprise_id: task.enterprise_id.clone(),
                outlet_id: o.outlet_id.to_string(),
                form_code: o.form_code.to_string(),
                period_start: o.period.start,
                period_end: o.period.end,
                record_id: None,
                fulfilled_on: None,
            };
            if wanted(&row) {
                rows.push(row);
            }
        }
    }
    let count = rows.len();
    repo::task::insert_occurrences(txn, rows).await?;
    Ok(count)
}

/// code → name of every current form type.
pub async fn form_names(app: &App) -> Result<HashMap<String, String>, AppError> {
    Ok(app
        .form_types(None)
        .await?
        .iter()
        .map(|d| (d.code.clone(), d.name.clone()))
        .collect())
}

/// What 运维管理 asks for.
#[derive(Debug, Clone)]
pub struct OccurrenceQuery {
    pub window: Window,
    pub task_id: Option<String>,
    pub plan_id: Option<String>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub narrow: Narrowing,
}

/// What 统计查询's figures narrow 运维管理 to: periods ending in some days, one district, agency,
/// enterprise, outlet or form type.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Narrowing {
    pub due_from: Option<NaiveDate>,
    pub due_to: Option<NaiveDate>,
    pub district: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub outlet_id: Option<String>,
    pub form_code: Option<String>,
}

/// One row of 运维管理.
#[derive(Debug, Clone, Serialize)]
pub struct OccurrenceView {
    pub id: String,
    pub task_id: String,
    pub task_name: String,
    pub task_number: String,
    pub agency_name: String,
    pub enterprise_name: String,
    pub plan_id: String,
    pub plan_title: String,
    /// 执行周期.
    pub period_start: NaiveDate,
    pub period_end: NaiveDate,
    pub outlet_id: String,
    pub outlet_name: String,
    /// 运维内容.
    pub form_type: String,
    pub form_name: String,
    /// `done` | `due` | `overdue`.
    pub state: String,
    pub state_label: String,
    /// The record that fulfils it (表单详情), once there is one.
    pub record_id: Option<String>,
    /// What that record says of the visit.
    pub visit: Option<super::visits::Visit>,
}

/// 运维管理: the occurrences in the actor's scope, those due first.
pub async fn occurrences(
    app: &App,
    actor: &Actor,
    q: OccurrenceQuery,
    page: PageRequest,
) -> Result<Page<OccurrenceView>, AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let today = emss_domain::time::shanghai_date(app.now());
    let bounds = q.window.days(today);
    let filter = OccurrenceFilter {
        task_id: q.task_id,
        plan_id: q.plan_id,
        from: q.from.max(bounds.map(|b| b.start)),
        to: min_date(q.to, bounds.map(|b| b.end)),
        overdue_on: (q.window == Window::Overdue).then_some(today),
        ends_from: q.narrow.due_from,
        ends_to: q.narrow.due_to,
        district: q.narrow.district,
        agency_id: q.narrow.agency_id,
        enterprise_id: q.narrow.enterprise_id,
        outlet_id: q.narrow.outlet_id,
        form_code: q.narrow.form_code,
    };
    let found = repo::task::occurrences(db, &actor.scope(), &filter, page).await?;
    let mut task_ids: Vec<String> = found.items.iter().map(|o| o.task_id.clone()).collect();
    task_ids.sort();
    task_ids.dedup();
    let tasks: HashMap<String, maintenance_task::Model> = repo::task::by_ids(db, &task_ids)
        .await?
        .into_iter()
        .map(|t| (t.id.clone(), t))
        .collect();
    let plans: HashMap<String, String> = repo::task::plans_of(db, &task_ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p.title))
        .collect();
    let mut outlet_ids: Vec<String> = found.items.iter().map(|o| o.outlet_id.clone()).collect();
    outlet_ids.sort();
    outlet_ids.dedup();
    let outlets = repo::outlet::names(db, &outlet_ids).await?;
    let mut org_ids: Vec<String> = tasks
        .values()
        .flat_map(|t| [t.agency_id.clone(), t.enterprise_id.clone()])
        .collect();
    org_ids.sort();
    org_ids.dedup();
    let orgs = repo::organization::names(db, &org_ids).await?;
    let forms = form_names(app).await?;
    let record_ids: Vec<String> = found
        .items
        .iter()
        .filter_map(|o| o.record_id.clone())
        .collect();
    let records = repo::record::by_ids(db, &record_ids).await?;
    let mut visits = super::visits::of_records(app, &records).await?;
    let text = |map: &HashMap<String, String>, id: &str| map.get(id).cloned().unwrap_or_default();
    let items = found
        .items
        .into_iter()
        .map(|o| {
            let task = tasks.get(&o.task_id);
            let state = OccurrenceState::of(
                Period {
                    start: o.period_start,
                    end: o.period_end,
                },
                o.record_id.is_some(),
                today,
            );
            OccurrenceView {
                task_name: task.map(|t| t.name.clone()).unwrap_or_default(),
                task_number: task.map(|t| t.number.clone()).unwrap_or_default(),
                agency_name: task.map(|t| text(&orgs, &t.agency_id)).unwrap_or_default(),
                enterprise_name: task
                    .map(|t| text(&orgs, &t.enterprise_id))
                    .unwrap_or_default(),
                plan_title: text(&plans, &o.plan_id),
                outlet_name: text(&outlets, &o.outlet_id),
                form_name: forms
                    .get(&o.form_code)
                    .cloned()
                    .unwrap_or_else(|| o.form_code.clone()),
                state: state.as_str().to_string(),
                state_label: state.label().to_string(),
                id: o.id,
                task_id: o.task_id,
                plan_id: o.plan_id,
                period_start: o.period_start,
                period_end: o.period_end,
                outlet_id: o.outlet_id,
                form_type: o.form_code,
                visit: o.record_id.as_ref().and_then(|id| visits.remove(id)),
                record_id: o.record_id,
            }
        })
        .collect();
    Ok(Page::new(items, found.total, page))
}

fn min_date(a: Option<NaiveDate>, b: Option<NaiveDate>) -> Option<NaiveDate> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The task to-dos of the home page: (label, count, where it leads).
pub async fn todos(
    app: &App,
    actor: &Actor,
) -> Result<Vec<(&'static str, u64, &'static str)>, AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Ok(Vec::new());
    }
    let db = &app.db().conn;
    let scope = actor.scope();
    let today = emss_domain::time::shanghai_date(app.now());
    let overdue = repo::task::count_occurrences(
        db,
        &scope,
        &OccurrenceFilter {
            overdue_on: Some(today),
            ..OccurrenceFilter::default()
        },
    )
    .await?;
    let mut out = vec![("超期未运维", overdue, "/tasks/maintenance?window=overdue")];
    // This week's, done or not, as the 本周 list shows them (a maintainer plans its week).
    if actor.org_kind.does_maintenance()
        && let Some(week) = Window::Week.days(today)
    {
        let due = repo::task::count_occurrences(
            db,
            &scope,
            &OccurrenceFilter {
                from: Some(week.start),
                to: Some(week.end),
                ..OccurrenceFilter::default()
            },
        )
        .await?;
        out.push(("本周运维", due, "/tasks/maintenance?window=week"));
    }
    if Permission::ManageTasks.allows(Some(actor)) {
        let drafts = repo::task::count_in_state(db, &scope, "draft").await?;
        out.push(("运维任务草稿", drafts, "/tasks?state=draft"));
    }
    if Permission::DecideTaskChanges.allows(Some(actor)) {
        let changes = repo::task::pending_changes(db, &scope).await?;
        out.push(("待审核任务变更", changes, "/tasks?change=pending"));
    }
    Ok(out)
}
