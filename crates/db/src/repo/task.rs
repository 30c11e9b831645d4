//! Maintenance tasks, their bindings and plans, and due occurrences. Every read takes the
//! caller's scope: an agency its own, an enterprise those on its outlets, a district regulator
//! those of enterprises in its district.

use crate::entity::{
    change_request, maintenance_task, occurrence, organization, record, task_binding, task_plan,
    task_report,
};
use chrono::NaiveDate;
use emss_domain::Scope;
use emss_domain::listing::{Page, PageRequest};
use sea_orm::sea_query::Query;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Select,
};

/// Rows written per INSERT when a task's occurrences are generated.
const INSERT_CHUNK: usize = 200;

pub(crate) fn in_district(code: &str) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(organization::Column::Id)
        .from(organization::Entity)
        .and_where(organization::Column::DistrictCode.eq(code))
        .to_owned()
}

/// An agency sees its own tasks, drafts included; everyone else only submitted ones.
fn task_scope(scope: &Scope) -> Condition {
    use maintenance_task::Column as C;
    let submitted = C::State.ne("draft");
    match scope {
        Scope::Agency(id) => Condition::all().add(C::AgencyId.eq(id.as_str())),
        Scope::Enterprise(id) => Condition::all()
            .add(C::EnterpriseId.eq(id.as_str()))
            .add(submitted),
        Scope::District(code) => Condition::all()
            .add(C::EnterpriseId.in_subquery(in_district(code)))
            .add(submitted),
        Scope::City => Condition::all().add(submitted),
        Scope::Nothing => Condition::all().add(C::Id.is_null()),
    }
}

pub(crate) fn occurrence_scope(scope: &Scope) -> Condition {
    use occurrence::Column as C;
    match scope {
        Scope::Agency(id) => Condition::all().add(C::AgencyId.eq(id.as_str())),
        Scope::Enterprise(id) => Condition::all().add(C::EnterpriseId.eq(id.as_str())),
        Scope::District(code) => {
            Condition::all().add(C::EnterpriseId.in_subquery(in_district(code)))
        }
        Scope::City => Condition::all(),
        Scope::Nothing => Condition::all().add(C::Id.is_null()),
    }
}

pub async fn insert(
    db: &impl ConnectionTrait,
    model: maintenance_task::Model,
) -> Result<(), DbErr> {
    maintenance_task::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

pub async fn get(
    db: &impl ConnectionTrait,
    scope: &Scope,
    id: &str,
) -> Result<Option<maintenance_task::Model>, DbErr> {
    maintenance_task::Entity::find_by_id(id)
        .filter(task_scope(scope))
        .one(db)
        .await
}

/// Writes the whole row if it is still at `expected_version`; false when someone else moved it.
pub async fn save(
    db: &impl ConnectionTrait,
    model: maintenance_task::Model,
    expected_version: i32,
) -> Result<bool, DbErr> {
    let id = model.id.clone();
    let active = model.into_active_model().reset_all();
    let done = maintenance_task::Entity::update_many()
        .set(active)
        .filter(maintenance_task::Column::Id.eq(id))
        .filter(maintenance_task::Column::Version.eq(expected_version))
        .exec(db)
        .await?;
    Ok(done.rows_affected == 1)
}

/// The filters of the task lists (进行中的任务, 已完结的任务, 运维任务管理).
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    /// `TaskState::as_str` as it reads on `today` (a running task past its end is completed).
    pub state: Option<String>,
    /// Part of the task's name or number.
    pub keyword: Option<String>,
    pub contract_id: Option<String>,
    /// Only those with a change request waiting for party A (信息变更申请).
    pub pending_change: bool,
}

/// The query of the task lists, the latest start first (its plan is checked in the tests).
pub fn list_query(
    scope: &Scope,
    filter: &TaskFilter,
    today: NaiveDate,
) -> Select<maintenance_task::Entity> {
    use maintenance_task::Column as C;
    let mut cond = task_scope(scope);
    match filter.state.as_deref() {
        Some("in_progress") => {
            cond = cond
                .add(C::State.eq("in_progress"))
                .add(C::EndDate.gte(today));
        }
        Some("completed") => {
            cond = cond.add(
                Condition::any().add(C::State.eq("completed")).add(
                    Condition::all()
                        .add(C::State.eq("in_progress"))
                        .add(C::EndDate.lt(today)),
                ),
            );
        }
        Some(s) => cond = cond.add(C::State.eq(s)),
        None => {}
    }
    if let Some(k) = &filter.keyword {
        let pattern = super::contains_pattern(k);
        cond = cond.add(
            Condition::any()
                .add(C::Name.like(pattern.clone()))
                .add(C::Number.like(pattern)),
        );
    }
    if filter.pending_change {
        cond = cond.add(C::Id.in_subquery(super::contract::pending_change_subjects("task")));
    }
    if let Some(c) = &filter.contract_id {
        cond = cond.add(C::ContractId.eq(c.as_str()));
    }
    maintenance_task::Entity::find()
        .filter(cond)
        .order_by_desc(C::StartDate)
        .order_by_asc(C::Number)
        .order_by_asc(C::Id)
}

pub async fn list(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &TaskFilter,
    today: NaiveDate,
    page: PageRequest,
) -> Result<Page<maintenance_task::Model>, DbErr> {
    let query = list_query(scope, filter, today);
    super::paged(db, query, page).await
}

/// Replaces what a task binds and its plans (a draft being saved again).
pub async fn replace_parts(
    db: &impl ConnectionTrait,
    task_id: &str,
    bindings: Vec<task_binding::Model>,
    plans: Vec<task_plan::Model>,
) -> Result<(), DbErr> {
    task_binding::Entity::delete_many()
        .filter(task_binding::Column::TaskId.eq(task_id))
        .exec(db)
        .await?;
    task_plan::Entity::delete_many()
        .filter(task_plan::Column::TaskId.eq(task_id))
        .exec(db)
        .await?;
    if !bindings.is_empty() {
        task_binding::Entity::insert_many(
            bindings.into_iter().map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(db)
        .await?;
    }
    if !plans.is_empty() {
        task_plan::Entity::insert_many(plans.into_iter().map(IntoActiveModel::into_active_model))
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// What a task binds, in the order chosen.
pub async fn bindings(
    db: &impl ConnectionTrait,
    task_id: &str,
) -> Result<Vec<task_binding::Model>, DbErr> {
    task_binding::Entity::find()
        .filter(task_binding::Column::TaskId.eq(task_id))
        .order_by_asc(task_binding::Column::Kind)
        .order_by_asc(task_binding::Column::Position)
        .all(db)
        .await
}

pub async fn plans(
    db: &impl ConnectionTrait,
    task_id: &str,
) -> Result<Vec<task_plan::Model>, DbErr> {
    task_plan::Entity::find()
        .filter(task_plan::Column::TaskId.eq(task_id))
        .order_by_asc(task_plan::Column::Position)
        .all(db)
        .await
}

/// The plans of several tasks (for the plan filter and titles of 运维管理).
pub async fn plans_of(
    db: &impl ConnectionTrait,
    task_ids: &[String],
) -> Result<Vec<task_plan::Model>, DbErr> {
    task_plan::Entity::find()
        .filter(task_plan::Column::TaskId.is_in(task_ids.iter().map(String::as_str)))
        .order_by_asc(task_plan::Column::TaskId)
        .order_by_asc(task_plan::Column::Position)
        .all(db)
        .await
}

/// Tasks, drafts included, that bind `ref_id` as `kind`: equipment a task names is not deleted.
pub async fn bound_in_tasks(
    db: &impl ConnectionTrait,
    kind: &str,
    ref_id: &str,
) -> Result<Vec<maintenance_task::Model>, DbErr> {
    maintenance_task::Entity::find()
        .filter(
            maintenance_task::Column::Id.in_subquery(
                Query::select()
                    .column(task_binding::Column::TaskId)
                    .from(task_binding::Entity)
                    .and_where(task_binding::Column::Kind.eq(kind))
                    .and_where(task_binding::Column::RefId.eq(ref_id))
                    .to_owned(),
            ),
        )
        .order_by_asc(maintenance_task::Column::Number)
        .all(db)
        .await
}

pub async fn insert_occurrences(
    db: &impl ConnectionTrait,
    rows: Vec<occurrence::Model>,
) -> Result<(), DbErr> {
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows
            .by_ref()
            .take(INSERT_CHUNK)
            .map(IntoActiveModel::into_active_model)
            .collect();
        occurrence::Entity::insert_many(chunk)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

/// Drops a closed task's occurrences whose period runs past `last_day` and have no record.
pub async fn drop_occurrences_after(
    db: &impl ConnectionTrait,
    task_id: &str,
    last_day: NaiveDate,
) -> Result<u64, DbErr> {
    let done = occurrence::Entity::delete_many()
        .filter(occurrence::Column::TaskId.eq(task_id))
        .filter(occurrence::Column::PeriodEnd.gt(last_day))
        .filter(occurrence::Column::RecordId.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// The filters of 运维管理 and of the overdue lists.
#[derive(Debug, Clone, Default)]
pub struct OccurrenceFilter {
    pub task_id: Option<String>,
    pub plan_id: Option<String>,
    /// Periods touching these days (both inclusive).
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// Only those whose period ended before this day without a record (超期).
    pub overdue_on: Option<NaiveDate>,
    /// Periods ending in these days (统计查询 counts an occurrence in the period of its last day).
    pub ends_from: Option<NaiveDate>,
    pub ends_to: Option<NaiveDate>,
    /// Only those on enterprises of this district, of this agency, enterprise, outlet, form type.
    pub district: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub outlet_id: Option<String>,
    pub form_code: Option<String>,
}

fn occurrence_condition(scope: &Scope, filter: &OccurrenceFilter) -> Condition {
    use occurrence::Column as C;
    let mut cond = occurrence_scope(scope);
    if let Some(t) = &filter.task_id {
        cond = cond.add(C::TaskId.eq(t.as_str()));
    }
    if let Some(p) = &filter.plan_id {
        cond = cond.add(C::PlanId.eq(p.as_str()));
    }
    if let Some(from) = filter.from {
        cond = cond.add(C::PeriodEnd.gte(from));
    }
    if let Some(to) = filter.to {
        cond = cond.add(C::PeriodStart.lte(to));
    }
    if let Some(today) = filter.overdue_on {
        cond = cond.add(C::PeriodEnd.lt(today)).add(C::RecordId.is_null());
    }
    if let Some(day) = filter.ends_from {
        cond = cond.add(C::PeriodEnd.gte(day));
    }
    if let Some(day) = filter.ends_to {
        cond = cond.add(C::PeriodEnd.lte(day));
    }
    if let Some(code) = &filter.district {
        cond = cond.add(C::EnterpriseId.in_subquery(in_district(code)));
    }
    for (column, value) in [
        (C::AgencyId, &filter.agency_id),
        (C::EnterpriseId, &filter.enterprise_id),
        (C::OutletId, &filter.outlet_id),
        (C::FormCode, &filter.form_code),
    ] {
        if let Some(v) = value {
            cond = cond.add(column.eq(v.as_str()));
        }
    }
    cond
}

/// The query of 运维管理 and the overdue lists (its plan is checked in the tests).
pub fn occurrences_query(scope: &Scope, filter: &OccurrenceFilter) -> Select<occurrence::Entity> {
    use occurrence::Column as C;
    occurrence::Entity::find()
        .filter(occurrence_condition(scope, filter))
        .order_by_asc(C::PeriodEnd)
        .order_by_asc(C::PeriodStart)
        .order_by_asc(C::TaskId)
        .order_by_asc(C::PlanId)
        .order_by_asc(C::OutletId)
        .order_by_asc(C::FormCode)
}

pub async fn occurrences(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &OccurrenceFilter,
    page: PageRequest,
) -> Result<Page<occurrence::Model>, DbErr> {
    let query = occurrences_query(scope, filter);
    super::paged(db, query, page).await
}

pub async fn count_occurrences(
    db: &impl ConnectionTrait,
    scope: &Scope,
    filter: &OccurrenceFilter,
) -> Result<u64, DbErr> {
    occurrence::Entity::find()
        .filter(occurrence_condition(scope, filter))
        .count(db)
        .await
}

/// How many tasks in scope hold each stored state (for the home page).
pub async fn count_in_state(
    db: &impl ConnectionTrait,
    scope: &Scope,
    state: &str,
) -> Result<u64, DbErr> {
    maintenance_task::Entity::find()
        .filter(task_scope(scope).add(maintenance_task::Column::State.eq(state)))
        .count(db)
        .await
}

/// Tasks by id, whatever their scope: for names in lists already scoped.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<Vec<maintenance_task::Model>, DbErr> {
    maintenance_task::Entity::find()
        .filter(maintenance_task::Column::Id.is_in(ids.iter().map(String::as_str)))
        .all(db)
        .await
}

/// The names of some tasks by id (for lists naming each row's task).
pub async fn names(
    db: &impl ConnectionTrait,
    ids: &[String],
) -> Result<std::collections::HashMap<String, String>, DbErr> {
    super::names_by_id::<maintenance_task::Entity>(
        db,
        maintenance_task::Column::Id,
        maintenance_task::Column::Name,
        ids,
    )
    .await
}

/// The agency's task with this number, if any.
pub async fn by_number(
    db: &impl ConnectionTrait,
    agency_id: &str,
    number: &str,
) -> Result<Option<maintenance_task::Model>, DbErr> {
    maintenance_task::Entity::find()
        .filter(maintenance_task::Column::AgencyId.eq(agency_id))
        .filter(maintenance_task::Column::Number.eq(number))
        .one(db)
        .await
}

pub async fn insert_report(
    db: &impl ConnectionTrait,
    model: task_report::Model,
) -> Result<(), DbErr> {
    task_report::Entity::insert(model.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A task's reports, newest first.
pub async fn reports(
    db: &impl ConnectionTrait,
    task_id: &str,
) -> Result<Vec<task_report::Model>, DbErr> {
    task_report::Entity::find()
        .filter(task_report::Column::TaskId.eq(task_id))
        .order_by_desc(task_report::Column::UploadedAt)
        .order_by_asc(task_report::Column::Id)
        .all(db)
        .await
}

pub async fn report(
    db: &impl ConnectionTrait,
    task_id: &str,
    id: &str,
) -> Result<Option<task_report::Model>, DbErr> {
    task_report::Entity::find_by_id(id)
        .filter(task_report::Column::TaskId.eq(task_id))
        .one(db)
        .await
}

/// The ids of a task's submitted records, voided ones included: what a report may link to.
pub async fn record_ids(db: &impl ConnectionTrait, task_id: &str) -> Result<Vec<String>, DbErr> {
    record::Entity::find()
        .select_only()
        .column(record::Column::Id)
        .filter(record::Column::TaskId.eq(task_id))
        .filter(record::Column::State.ne("draft"))
        .into_tuple()
        .all(db)
        .await
}

/// Replaces what a task binds, its plans untouched (an approved change).
pub async fn replace_bindings(
    db: &impl ConnectionTrait,
    task_id: &str,
    bindings: Vec<task_binding::Model>,
) -> Result<(), DbErr> {
    task_binding::Entity::delete_many()
        .filter(task_binding::Column::TaskId.eq(task_id))
        .exec(db)
        .await?;
    if !bindings.is_empty() {
        task_binding::Entity::insert_many(
            bindings.into_iter().map(IntoActiveModel::into_active_model),
        )
        .exec_without_returning(db)
        .await?;
    }
    Ok(())
}

pub async fn insert_plan(db: &impl ConnectionTrait, plan: task_plan::Model) -> Result<(), DbErr> {
    task_plan::Entity::insert(plan.into_active_model())
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// Ends a plan on `last_day` (a change replaced it).
pub async fn end_plan(
    db: &impl ConnectionTrait,
    plan_id: &str,
    last_day: NaiveDate,
) -> Result<(), DbErr> {
    task_plan::Entity::update_many()
        .col_expr(
            task_plan::Column::EndDate,
            sea_orm::sea_query::Expr::value(last_day),
        )
        .filter(task_plan::Column::Id.eq(plan_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Removes a plan that had not started when a change replaced it.
pub async fn delete_plan(db: &impl ConnectionTrait, plan_id: &str) -> Result<(), DbErr> {
    task_plan::Entity::delete_many()
        .filter(task_plan::Column::Id.eq(plan_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Drops a task's occurrences that are not over on `today` and have no record: an approved change
/// writes them again from its plans.
pub async fn drop_open_occurrences(
    db: &impl ConnectionTrait,
    task_id: &str,
    today: NaiveDate,
) -> Result<u64, DbErr> {
    let done = occurrence::Entity::delete_many()
        .filter(occurrence::Column::TaskId.eq(task_id))
        .filter(occurrence::Column::PeriodEnd.gte(today))
        .filter(occurrence::Column::RecordId.is_null())
        .exec(db)
        .await?;
    Ok(done.rows_affected)
}

/// Every occurrence of a task.
pub async fn task_occurrences(
    db: &impl ConnectionTrait,
    task_id: &str,
) -> Result<Vec<occurrence::Model>, DbErr> {
    occurrence::Entity::find()
        .filter(occurrence::Column::TaskId.eq(task_id))
        .all(db)
        .await
}

/// How many change requests of tasks in scope wait for a decision.
pub async fn pending_changes(db: &impl ConnectionTrait, scope: &Scope) -> Result<u64, DbErr> {
    change_request::Entity::find()
        .filter(change_request::Column::SubjectKind.eq("task"))
        .filter(change_request::Column::State.eq("pending"))
        .filter(
            change_request::Column::SubjectId.in_subquery(
                Query::select()
                    .column(maintenance_task::Column::Id)
                    .from(maintenance_task::Entity)
                    .cond_where(task_scope(scope))
                    .to_owned(),
            ),
        )
        .count(db)
        .await
}

/// The tasks in scope a regulator may inspect under (submitted ones: running or ended), the
/// latest first; at most `TASK_CHOICES`.
pub async fn inspectable(
    db: &impl ConnectionTrait,
    scope: &Scope,
) -> Result<Vec<maintenance_task::Model>, DbErr> {
    maintenance_task::Entity::find()
        .filter(task_scope(scope))
        .filter(maintenance_task::Column::State.ne("draft"))
        .order_by_asc(maintenance_task::Column::State.eq("completed"))
        .order_by_desc(maintenance_task::Column::StartDate)
        .order_by_asc(maintenance_task::Column::Id)
        .limit(TASK_CHOICES)
        .all(db)
        .await
}

/// How many tasks a choice list offers.
pub const TASK_CHOICES: u64 = 200;
