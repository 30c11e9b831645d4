//! 运维任务 (maintenance tasks, product.md §4): the agency's task manager applies for a task
//! under a confirmed maintenance contract (运维任务申请), binding points, personnel, equipment and
//! plans; 保存 keeps a draft, 提交 starts it and writes its due occurrences. Enterprises read the
//! tasks on their outlets, regulators those of enterprises in their scope.

mod change;
mod check;
mod demo;
mod occurrences;
mod visits;
pub use occurrences::form_names;
mod reports;

pub use change::{change_input, decide_change, of_task as changes_of, request_change};
pub(crate) use demo::{AGENCY_TASKS, SELF_TASKS, load_demo};
pub use occurrences::{Narrowing, OccurrenceQuery, OccurrenceView, occurrences, todos};
pub use reports::{ReportInput, ReportView, report_file, reports, upload_report};
pub use visits::{UnplannedView, Visit, unplanned};

use crate::agency_resources::{EquipmentView, StaffView, equipment_view, staff_view};
use crate::audit::{self, Outcome};
use crate::{App, AppError};
use check::Checked;
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::entity::{maintenance_task, task_binding, task_plan};
use emss_db::repo;
use emss_db::repo::task::TaskFilter;
use emss_domain::contract::{ContractNature, ContractState};
use emss_domain::form::definition::OutletKind;
use emss_domain::listing::{Page, PageRequest};
use emss_domain::plan::PlanFrequency;
use emss_domain::task::TaskState;
use emss_domain::{Actor, ErrorCode, Permission, Scope};
use serde::Serialize;
use serde_json::json;
use std::collections::HashMap;

/// One plan as typed (运维计划).
#[derive(Debug, Clone, Default)]
pub struct PlanInput {
    pub title: String,
    /// `daily` | `weekly` | `monthly` | `quarterly` | `yearly`.
    pub frequency: String,
    /// Form type codes (运维内容).
    pub form_types: Vec<String>,
    /// 执行时间, `YYYY-MM-DD`; empty: the task's own days.
    pub start_date: String,
    pub end_date: String,
}

/// A task as typed on 运维任务申请.
#[derive(Debug, Clone, Default)]
pub struct TaskInput {
    pub contract_id: String,
    pub name: String,
    pub number: String,
    /// `wastewater` | `flue_gas`.
    pub kind: String,
    pub start_date: String,
    pub end_date: String,
    /// 运维点位: outlets of party A.
    pub outlet_ids: Vec<String>,
    /// 运维人员: filed, not resigned staff of the agency.
    pub staff_ids: Vec<String>,
    /// 运维设备: the agency's filed equipment.
    pub equipment_ids: Vec<String>,
    pub plans: Vec<PlanInput>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TaskView {
    pub id: String,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub contract_id: String,
    pub name: String,
    pub number: String,
    pub kind: String,
    pub kind_label: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// As it reads today: a running task past its last day is `completed`.
    pub state: String,
    pub state_label: String,
    pub version: i32,
    pub submitted_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A point (运维点位) with what the field engineer needs to find it.
#[derive(Debug, Clone, Serialize)]
pub struct PointView {
    pub outlet_id: String,
    pub name: String,
    pub address: String,
    pub latitude: String,
    pub longitude: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlanView {
    pub id: String,
    pub title: String,
    pub frequency: String,
    pub frequency_label: String,
    /// (code, name) of each form type.
    pub form_types: Vec<(String, String)>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
}

/// 任务详情: the task with its four tables and its contract's title.
#[derive(Debug, Clone, Serialize)]
pub struct TaskDetail {
    pub task: TaskView,
    pub contract_title: String,
    pub points: Vec<PointView>,
    pub staff: Vec<StaffView>,
    pub equipment: Vec<EquipmentView>,
    pub plans: Vec<PlanView>,
}

/// The kinds of `task_binding` rows.
const OUTLET: &str = "outlet";
const STAFF: &str = "staff";
pub(crate) const EQUIPMENT: &str = "equipment";

fn view(
    t: &maintenance_task::Model,
    names: &HashMap<String, String>,
    today: NaiveDate,
) -> TaskView {
    let kind = OutletKind::parse(&t.kind);
    let state = TaskState::parse(&t.state).map(|s| s.on(t.end_date, today));
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    TaskView {
        id: t.id.clone(),
        agency_id: t.agency_id.clone(),
        agency_name: name(&t.agency_id),
        enterprise_id: t.enterprise_id.clone(),
        enterprise_name: name(&t.enterprise_id),
        contract_id: t.contract_id.clone(),
        name: t.name.clone(),
        number: t.number.clone(),
        kind: t.kind.clone(),
        kind_label: kind.map(|k| k.label()).unwrap_or_default().to_string(),
        start_date: t.start_date,
        end_date: t.end_date,
        state: state.map(|s| s.as_str()).unwrap_or_default().to_string(),
        state_label: state.map(|s| s.label()).unwrap_or_default().to_string(),
        version: t.version,
        submitted_at: t.submitted_at,
        closed_at: t.closed_at,
    }
}

async fn names_of(
    app: &App,
    tasks: &[&maintenance_task::Model],
) -> Result<HashMap<String, String>, AppError> {
    let mut ids: Vec<String> = tasks
        .iter()
        .flat_map(|t| [t.agency_id.clone(), t.enterprise_id.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    Ok(repo::organization::names(&app.db().conn, &ids).await?)
}

fn today(app: &App) -> NaiveDate {
    emss_domain::time::shanghai_date(app.now())
}

fn manage(actor: &Actor) -> Result<(), AppError> {
    if Permission::ManageTasks.allows(Some(actor)) {
        Ok(())
    } else {
        Err(AppError::new(ErrorCode::Forbidden))
    }
}

async fn current(app: &App, actor: &Actor, id: &str) -> Result<maintenance_task::Model, AppError> {
    repo::task::get(&app.db().conn, &actor.scope(), id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))
}

fn state_of(t: &maintenance_task::Model) -> Result<TaskState, AppError> {
    TaskState::parse(&t.state)
        .ok_or_else(|| AppError::internal(format!("task {} has unknown state", t.id)))
}

fn conflict() -> AppError {
    AppError::field("state", "任务刚被他人处理，请刷新后查看")
}

/// What a task binds, as rows in the order chosen.
fn binding_rows(
    task_id: &str,
    outlet_ids: &[String],
    staff_ids: &[String],
    equipment_ids: &[String],
) -> Vec<task_binding::Model> {
    [
        (OUTLET, outlet_ids),
        (STAFF, staff_ids),
        (EQUIPMENT, equipment_ids),
    ]
    .into_iter()
    .flat_map(|(kind, ids)| {
        ids.iter()
            .enumerate()
            .map(move |(n, id)| task_binding::Model {
                task_id: task_id.to_string(),
                kind: kind.to_string(),
                ref_id: id.clone(),
                position: i32::try_from(n).unwrap_or(i32::MAX),
            })
    })
    .collect()
}

/// The rows a checked task is stored as, besides the task itself.
fn parts(task_id: &str, c: &Checked) -> (Vec<task_binding::Model>, Vec<task_plan::Model>) {
    let bindings = binding_rows(task_id, &c.outlet_ids, &c.staff_ids, &c.equipment_ids);
    let plans = c
        .plans
        .iter()
        .enumerate()
        .map(|(n, p)| task_plan::Model {
            id: emss_domain::ids::new_id(),
            task_id: task_id.to_string(),
            position: i32::try_from(n).unwrap_or(i32::MAX),
            title: p.title.clone(),
            frequency: p.frequency.as_str().to_string(),
            form_codes: serde_json::to_string(&p.form_codes).unwrap_or_else(|_| "[]".into()),
            start_date: p.start,
            end_date: p.end,
        })
        .collect();
    (bindings, plans)
}

/// The task as its stored rows say, typed again: what a submission re-checks.
async fn stored_input(app: &App, t: &maintenance_task::Model) -> Result<TaskInput, AppError> {
    let db = &app.db().conn;
    let bindings = repo::task::bindings(db, &t.id).await?;
    let of = |kind: &str| {
        bindings
            .iter()
            .filter(|b| b.kind == kind)
            .map(|b| b.ref_id.clone())
            .collect::<Vec<_>>()
    };
    let plans = repo::task::plans(db, &t.id)
        .await?
        .into_iter()
        .map(|p| PlanInput {
            title: p.title,
            frequency: p.frequency,
            form_types: serde_json::from_str(&p.form_codes).unwrap_or_default(),
            start_date: p.start_date.to_string(),
            end_date: p.end_date.to_string(),
        })
        .collect();
    Ok(TaskInput {
        contract_id: t.contract_id.clone(),
        name: t.name.clone(),
        number: t.number.clone(),
        kind: t.kind.clone(),
        start_date: t.start_date.to_string(),
        end_date: t.end_date.to_string(),
        outlet_ids: of(OUTLET),
        staff_ids: of(STAFF),
        equipment_ids: of(EQUIPMENT),
        plans,
    })
}

/// Starting a task needs a complete filing (filed, staff present) and days still to come: a
/// task already over would only be a list of missed work.
async fn startable(app: &App, actor: &Actor, c: &Checked) -> Result<(), AppError> {
    if let Some(problem) = crate::agency_resources::task_start_check(app, &actor.org_id).await? {
        return Err(AppError::field("state", &problem));
    }
    if c.end < today(app) {
        return Err(AppError::field("end_date", "任务结束日期已过，不能提交"));
    }
    Ok(())
}

/// A number taken by a task written at the same moment: the unique index answers, and the
/// message belongs next to the number.
fn number_taken(e: sea_orm::DbErr) -> AppError {
    let e = AppError::from(e);
    if e.code == ErrorCode::AlreadyExists {
        AppError::field("number", "任务编号已被本机构的其他任务使用")
    } else {
        e
    }
}

/// 运维任务申请: saves a draft (保存) or starts the task at once (提交).
pub async fn create(
    app: &App,
    actor: &Actor,
    input: TaskInput,
    submit: bool,
) -> Result<TaskView, AppError> {
    manage(actor)?;
    let c = check::check(app, actor, &input, None).await?;
    if submit {
        startable(app, actor, &c).await?;
    }
    let now = app.now();
    let state = if submit {
        TaskState::InProgress
    } else {
        TaskState::Draft
    };
    let model = maintenance_task::Model {
        id: emss_domain::ids::new_id(),
        agency_id: actor.org_id.clone(),
        enterprise_id: c.enterprise_id.clone(),
        contract_id: c.contract_id.clone(),
        name: c.name.clone(),
        number: c.number.clone(),
        kind: c.kind.as_str().to_string(),
        start_date: c.start,
        end_date: c.end,
        state: state.as_str().to_string(),
        version: 1,
        submitted_at: submit.then_some(now),
        closed_at: None,
        created_at: now,
        updated_at: now,
    };
    let (bindings, plans) = parts(&model.id, &c);
    let txn = app.db().begin_write().await?;
    repo::task::insert(&txn, model.clone())
        .await
        .map_err(number_taken)?;
    repo::task::replace_parts(&txn, &model.id, bindings, plans.clone()).await?;
    let generated = if submit {
        occurrences::generate(&txn, &model, &c.outlet_ids, &plans).await?
    } else {
        0
    };
    audit::record(
        &txn,
        app,
        Some(actor),
        if submit { "task.submit" } else { "task.create" },
        Some(("task", &model.id)),
        Outcome::Ok,
        json!({"number": model.number, "name": model.name, "occurrences": generated}),
    )
    .await?;
    txn.commit().await?;
    let names = names_of(app, &[&model]).await?;
    Ok(view(&model, &names, today(app)))
}

/// Saves a draft again, or saves and submits it. A running task changes only through a change
/// request.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    input: TaskInput,
    submit: bool,
) -> Result<TaskView, AppError> {
    manage(actor)?;
    let found = current(app, actor, id).await?;
    if state_of(&found)? != TaskState::Draft {
        return Err(AppError::field(
            "state",
            "任务已提交，不能直接修改；进行中的任务须通过信息变更申请修改",
        ));
    }
    let c = check::check(app, actor, &input, Some(id)).await?;
    if submit {
        startable(app, actor, &c).await?;
    }
    let now = app.now();
    let model = maintenance_task::Model {
        enterprise_id: c.enterprise_id.clone(),
        contract_id: c.contract_id.clone(),
        name: c.name.clone(),
        number: c.number.clone(),
        kind: c.kind.as_str().to_string(),
        start_date: c.start,
        end_date: c.end,
        state: if submit {
            TaskState::InProgress
        } else {
            TaskState::Draft
        }
        .as_str()
        .to_string(),
        submitted_at: if submit { Some(now) } else { None },
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    let (bindings, plans) = parts(&model.id, &c);
    let txn = app.db().begin_write().await?;
    if !repo::task::save(&txn, model.clone(), found.version)
        .await
        .map_err(number_taken)?
    {
        return Err(conflict());
    }
    repo::task::replace_parts(&txn, &model.id, bindings, plans.clone()).await?;
    let generated = if submit {
        occurrences::generate(&txn, &model, &c.outlet_ids, &plans).await?
    } else {
        0
    };
    audit::record(
        &txn,
        app,
        Some(actor),
        if submit { "task.submit" } else { "task.update" },
        Some(("task", &model.id)),
        Outcome::Ok,
        json!({"number": model.number, "version": model.version, "occurrences": generated}),
    )
    .await?;
    txn.commit().await?;
    let names = names_of(app, &[&model]).await?;
    Ok(view(&model, &names, today(app)))
}

/// 提交 a saved draft: everything is checked again as it now stands (the contract may have
/// changed, a person may have left) before the occurrences are written.
pub async fn submit(app: &App, actor: &Actor, id: &str) -> Result<TaskView, AppError> {
    manage(actor)?;
    let found = current(app, actor, id).await?;
    if state_of(&found)? != TaskState::Draft {
        return Err(AppError::field("state", "任务已提交"));
    }
    let input = stored_input(app, &found).await?;
    update(app, actor, id, input, true).await
}

/// 结束任务: the agency closes a running task early: it ends today, and the work not yet due —
/// occurrences whose period runs past today, not done — goes; what was missed stays.
pub async fn close(app: &App, actor: &Actor, id: &str) -> Result<TaskView, AppError> {
    manage(actor)?;
    let found = current(app, actor, id).await?;
    let today = today(app);
    if state_of(&found)?.on(found.end_date, today) != TaskState::InProgress {
        return Err(AppError::field("state", "只有进行中的任务可以结束"));
    }
    if repo::change_request::pending_for(&app.db().conn, change::SUBJECT, id)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "state",
            "该任务有变更申请等待甲方审核，请待审核结果后再结束任务",
        ));
    }
    let now = app.now();
    let model = maintenance_task::Model {
        state: TaskState::Completed.as_str().to_string(),
        end_date: found.end_date.min(today),
        closed_at: Some(now),
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    let txn = app.db().begin_write().await?;
    if !repo::task::save(&txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    let dropped = repo::task::drop_occurrences_after(&txn, &model.id, today).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "task.close",
        Some(("task", &model.id)),
        Outcome::Ok,
        json!({"number": model.number, "dropped_occurrences": dropped}),
    )
    .await?;
    txn.commit().await?;
    let names = names_of(app, &[&model]).await?;
    Ok(view(&model, &names, today))
}

/// The task lists in the actor's scope, newest first.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: TaskFilter,
    page: PageRequest,
) -> Result<Page<TaskView>, AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let today = today(app);
    let found = repo::task::list(&app.db().conn, &actor.scope(), &filter, today, page).await?;
    let names = names_of(app, &found.items.iter().collect::<Vec<_>>()).await?;
    let items = found.items.iter().map(|t| view(t, &names, today)).collect();
    Ok(Page::new(items, found.total, page))
}

/// Whether the actor sees the task (404 otherwise): the check before reading what hangs off it.
pub async fn visible(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    current(app, actor, id).await.map(|_| ())
}

/// 任务详情; outside scope: 404.
pub async fn detail(app: &App, actor: &Actor, id: &str) -> Result<TaskDetail, AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = current(app, actor, id).await?;
    let db = &app.db().conn;
    let names = names_of(app, &[&found]).await?;
    let contract_title = repo::contract::get(db, &Scope::City, &found.contract_id)
        .await?
        .map(|c| c.title)
        .unwrap_or_default();
    let input = stored_input(app, &found).await?;
    let outlets: HashMap<String, _> = repo::outlet::by_ids(db, &input.outlet_ids)
        .await?
        .into_iter()
        .map(|o| (o.id.clone(), o))
        .collect();
    let points = input
        .outlet_ids
        .iter()
        .filter_map(|id| outlets.get(id))
        .map(|o| PointView {
            outlet_id: o.id.clone(),
            name: o.name.clone(),
            address: o.address.clone(),
            latitude: o.latitude.clone(),
            longitude: o.longitude.clone(),
        })
        .collect();
    let staff: HashMap<String, _> = repo::agency_resources::staff(db, &found.agency_id)
        .await?
        .into_iter()
        .map(|s| (s.id.clone(), s))
        .collect();
    let equipment: HashMap<String, _> = repo::agency_resources::equipment(db, &found.agency_id)
        .await?
        .into_iter()
        .map(|e| (e.id.clone(), e))
        .collect();
    let form_names = occurrences::form_names(app).await?;
    let plans = repo::task::plans(db, &found.id)
        .await?
        .into_iter()
        .map(|p| {
            let frequency = PlanFrequency::parse(&p.frequency);
            let codes: Vec<String> = serde_json::from_str(&p.form_codes).unwrap_or_default();
            PlanView {
                id: p.id,
                title: p.title,
                frequency_label: frequency.map(|f| f.label()).unwrap_or_default().to_string(),
                frequency: p.frequency,
                form_types: codes
                    .into_iter()
                    .map(|c| {
                        let name = form_names.get(&c).cloned().unwrap_or_else(|| c.clone());
                        (c, name)
                    })
                    .collect(),
                start_date: p.start_date,
                end_date: p.end_date,
            }
        })
        .collect();
    Ok(TaskDetail {
        task: view(&found, &names, today(app)),
        contract_title,
        points,
        staff: input
            .staff_ids
            .iter()
            .filter_map(|id| staff.get(id).cloned().map(staff_view))
            .collect(),
        equipment: input
            .equipment_ids
            .iter()
            .filter_map(|id| equipment.get(id).cloned().map(equipment_view))
            .collect(),
        plans,
    })
}

/// What the task form offers the agency: confirmed maintenance contracts, and for the chosen
/// contract and type its enterprise's outlets of that kind; the agency's people who have not
/// left, its equipment, and the form types a plan may hold.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TaskChoices {
    /// (id, "title（party A）", performance start, end).
    pub contracts: Vec<(String, String, NaiveDate, NaiveDate)>,
    pub points: Vec<PointView>,
    pub staff: Vec<StaffView>,
    /// People the form names who have left since: shown so that dropping them is seen.
    pub departed: Vec<StaffView>,
    pub equipment: Vec<EquipmentView>,
    /// (code, name, interval days) of the forms of the kind that are planned.
    pub form_types: Vec<(String, String, u32)>,
}

pub async fn choices(
    app: &App,
    actor: &Actor,
    contract_id: Option<&str>,
    kind: Option<OutletKind>,
    named_staff: &[String],
) -> Result<TaskChoices, AppError> {
    manage(actor)?;
    let db = &app.db().conn;
    // A confirmed maintenance contract runs for a year or a few: five hundred is more than any
    // agency holds at once.
    let contracts = repo::contract::list(
        db,
        &actor.scope(),
        &repo::contract::ContractFilter {
            enterprise_id: None,
            state: Some(ContractState::Approved.as_str().to_string()),
            nature: Some(ContractNature::Maintenance.as_str().to_string()),
            pending_change: false,
        },
        PageRequest {
            page: 1,
            page_size: 500,
        },
    )
    .await?
    .items;
    let names = repo::organization::names(
        db,
        &contracts
            .iter()
            .map(|c| c.enterprise_id.clone())
            .collect::<Vec<_>>(),
    )
    .await?;
    let people = repo::agency_resources::staff(db, &actor.org_id).await?;
    let chosen = contracts
        .iter()
        .find(|c| Some(c.id.as_str()) == contract_id);
    let mut out = TaskChoices {
        contracts: contracts
            .iter()
            .map(|c| {
                let party = names.get(&c.enterprise_id).cloned().unwrap_or_default();
                (
                    c.id.clone(),
                    format!("{}（{party}）", c.title),
                    c.performance_start,
                    c.performance_end,
                )
            })
            .collect(),
        staff: people
            .iter()
            .filter(|s| !s.resigned)
            .cloned()
            .map(staff_view)
            .collect(),
        departed: people
            .iter()
            .filter(|s| s.resigned && named_staff.contains(&s.id))
            .cloned()
            .map(staff_view)
            .collect(),
        equipment: repo::agency_resources::equipment(db, &actor.org_id)
            .await?
            .into_iter()
            .map(equipment_view)
            .collect(),
        ..TaskChoices::default()
    };
    if let (Some(contract), Some(kind)) = (chosen, kind) {
        out.points = repo::outlet::of_kind(db, &contract.enterprise_id, kind.as_str())
            .await?
            .into_iter()
            .map(|o| PointView {
                outlet_id: o.id,
                name: o.name,
                address: o.address,
                latitude: o.latitude,
                longitude: o.longitude,
            })
            .collect();
    }
    if let Some(kind) = kind {
        out.form_types = app
            .form_types(Some(kind))
            .await?
            .iter()
            .filter_map(|d| {
                d.frequency
                    .interval_days
                    .map(|days| (d.code.clone(), d.name.clone(), days))
            })
            .collect();
    }
    Ok(out)
}

/// The typed values of a stored task, for the draft form.
pub async fn input_of(app: &App, actor: &Actor, id: &str) -> Result<TaskInput, AppError> {
    manage(actor)?;
    let found = current(app, actor, id).await?;
    stored_input(app, &found).await
}
