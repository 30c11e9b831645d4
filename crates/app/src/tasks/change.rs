//! 信息变更申请 for a running task: the agency proposes the task as it should read from now on
//! (points, personnel, equipment, plans, name, end date) with a reason; party A approves or
//! rejects. An approved change applies from the day it is approved: what is past stays on record,
//! replaced plans end the day before, and the occurrences not yet over are written again.

use super::check::{Checked, CheckedPlan};
use super::{
    EQUIPMENT, OUTLET, STAFF, TaskInput, binding_rows, conflict, current, manage, names_of,
    occurrences, state_of, today,
};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::filing_change::{
    ChangeView, change_view, decision_comment, mark_decided, reason_problem, waiting,
};
use crate::{App, AppError};
use chrono::{Days, NaiveDate};
use emss_db::entity::{change_request, maintenance_task, task_plan};
use emss_db::repo;
use emss_domain::change_request::{ChangeState, FieldChange, changed_fields};
use emss_domain::plan::PlanFrequency;
use emss_domain::task::TaskState;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `change_request.subject_kind` of task changes.
pub const SUBJECT: &str = "task";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct ProposedPlan {
    title: String,
    frequency: String,
    form_codes: Vec<String>,
    start: NaiveDate,
    end: NaiveDate,
}

/// What an approved change writes.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Proposed {
    name: String,
    end: NaiveDate,
    outlet_ids: Vec<String>,
    staff_ids: Vec<String>,
    equipment_ids: Vec<String>,
    plans: Vec<ProposedPlan>,
}

impl Proposed {
    fn of(c: &Checked) -> Proposed {
        Proposed {
            name: c.name.clone(),
            end: c.end,
            outlet_ids: c.outlet_ids.clone(),
            staff_ids: c.staff_ids.clone(),
            equipment_ids: c.equipment_ids.clone(),
            plans: c.plans.iter().map(plan_of).collect(),
        }
    }
}

fn plan_of(p: &CheckedPlan) -> ProposedPlan {
    ProposedPlan {
        title: p.title.clone(),
        frequency: p.frequency.as_str().to_string(),
        form_codes: p.form_codes.clone(),
        start: p.start,
        end: p.end,
    }
}

fn stored_plan(p: &task_plan::Model) -> ProposedPlan {
    ProposedPlan {
        title: p.title.clone(),
        frequency: p.frequency.clone(),
        form_codes: serde_json::from_str(&p.form_codes).unwrap_or_default(),
        start: p.start_date,
        end: p.end_date,
    }
}

fn pending_error() -> AppError {
    AppError::field(
        "state",
        "该任务已有一份变更申请等待甲方审核，请等待审核结果后再申请",
    )
}

/// The fields as the reviewer reads them: names rather than ids.
async fn shown(
    app: &App,
    agency_id: &str,
    p: &Proposed,
) -> Result<Vec<(&'static str, &'static str, String)>, AppError> {
    let db = &app.db().conn;
    let outlets = repo::outlet::by_ids(db, &p.outlet_ids).await?;
    let staff = repo::agency_resources::staff(db, agency_id).await?;
    let equipment = repo::agency_resources::equipment(db, agency_id).await?;
    let join = |names: Vec<String>| {
        if names.is_empty() {
            "—".to_string()
        } else {
            names.join("、")
        }
    };
    let names_in = |ids: &[String], all: &[(String, String)]| {
        join(
            ids.iter()
                .filter_map(|id| all.iter().find(|(i, _)| i == id).map(|(_, n)| n.clone()))
                .collect(),
        )
    };
    let outlet_names: Vec<(String, String)> = outlets.into_iter().map(|o| (o.id, o.name)).collect();
    let staff_names: Vec<(String, String)> = staff.into_iter().map(|s| (s.id, s.name)).collect();
    let equipment_names: Vec<(String, String)> = equipment
        .into_iter()
        .map(|e| (e.id, format!("{} {}", e.device_no, e.name)))
        .collect();
    let forms = occurrences::form_names(app).await?;
    let plans = join(
        p.plans
            .iter()
            .map(|pl| {
                let frequency = PlanFrequency::parse(&pl.frequency)
                    .map(|f| f.label())
                    .unwrap_or_default();
                let contents: Vec<String> = pl
                    .form_codes
                    .iter()
                    .map(|c| forms.get(c).cloned().unwrap_or_else(|| c.clone()))
                    .collect();
                format!(
                    "{}（{frequency}：{}；{} 至 {}）",
                    pl.title,
                    contents.join("、"),
                    pl.start,
                    pl.end
                )
            })
            .collect(),
    );
    Ok(vec![
        ("name", "任务名称", p.name.clone()),
        ("end_date", "任务结束日期", p.end.to_string()),
        (
            "outlet_ids",
            "运维点位",
            names_in(&p.outlet_ids, &outlet_names),
        ),
        (
            "staff_ids",
            "运维人员",
            names_in(&p.staff_ids, &staff_names),
        ),
        (
            "equipment_ids",
            "运维设备",
            names_in(&p.equipment_ids, &equipment_names),
        ),
        ("plans", "运维计划", plans),
    ])
}

/// The task as it stands, in the shape of a proposal.
async fn as_proposed(app: &App, t: &maintenance_task::Model) -> Result<Proposed, AppError> {
    let db = &app.db().conn;
    let bindings = repo::task::bindings(db, &t.id).await?;
    let of = |kind: &str| {
        bindings
            .iter()
            .filter(|b| b.kind == kind)
            .map(|b| b.ref_id.clone())
            .collect::<Vec<_>>()
    };
    let today = today(app);
    Ok(Proposed {
        name: t.name.clone(),
        end: t.end_date,
        outlet_ids: of(OUTLET),
        staff_ids: of(STAFF),
        equipment_ids: of(EQUIPMENT),
        // Plans already over are history, not part of what is proposed from now on.
        plans: repo::task::plans(db, &t.id)
            .await?
            .iter()
            .filter(|p| p.end_date >= today)
            .map(stored_plan)
            .collect(),
    })
}

/// The agency proposes how a running task reads from now on.
pub async fn request_change(
    app: &App,
    actor: &Actor,
    id: &str,
    input: TaskInput,
    reason: &str,
) -> Result<ChangeView, AppError> {
    manage(actor)?;
    let found = current(app, actor, id).await?;
    let today = today(app);
    if state_of(&found)?.on(found.end_date, today) != TaskState::InProgress {
        return Err(AppError::field(
            "state",
            "只有进行中的任务可以申请变更；草稿请直接修改",
        ));
    }
    let db = &app.db().conn;
    if repo::change_request::pending_for(db, SUBJECT, id)
        .await?
        .is_some()
    {
        return Err(pending_error());
    }
    let mut errors = FieldErrors::new();
    let reason = reason.trim();
    reason_problem(&mut errors, "reason", reason, Some("请填写变更原因"));
    if input.contract_id.trim() != found.contract_id {
        errors.add("contract_id", "合同不能变更；如更换合同，请另行申请任务");
    }
    if input.kind.trim() != found.kind {
        errors.add("kind", "任务类型不能变更");
    }
    if input.number.trim() != found.number {
        errors.add("number", "任务编号不能变更");
    }
    if input.start_date.trim() != found.start_date.to_string() {
        errors.add("start_date", "已开始的任务不能变更开始日期");
    }
    let end = NaiveDate::parse_from_str(input.end_date.trim(), "%Y-%m-%d").ok();
    if end.is_some_and(|e| e < today) {
        errors.add(
            "end_date",
            "任务结束日期不能早于今天；提前结束请使用“结束任务”",
        );
    }
    errors.into_result()?;
    let c = super::check::check(app, actor, &input, Some(id)).await?;
    // A change works from the day it is approved: a plan over before today would change nothing.
    let mut errors = FieldErrors::new();
    for (n, p) in c.plans.iter().enumerate() {
        if p.end < today {
            errors.add(
                &format!("plans.{n}.end_date"),
                "执行结束日期不能早于今天；已结束的计划保留在任务详情中",
            );
        }
    }
    errors.into_result()?;
    let proposed = Proposed::of(&c);
    let before = shown(app, &found.agency_id, &as_proposed(app, &found).await?).await?;
    let after = shown(app, &found.agency_id, &proposed).await?;
    let pairs: Vec<(&str, &str, String, String)> = before
        .into_iter()
        .zip(after)
        .map(|((field, label, b), (_, _, a))| (field, label, b, a))
        .collect();
    let changes: Vec<FieldChange> = changed_fields(&pairs);
    if changes.is_empty() {
        return Err(AppError::field(
            "state",
            "没有修改任何任务信息，无需申请变更",
        ));
    }
    let model = change_request::Model {
        id: emss_domain::ids::new_id(),
        subject_kind: SUBJECT.to_string(),
        subject_id: found.id.clone(),
        org_id: found.agency_id.clone(),
        state: ChangeState::Pending.as_str().to_string(),
        proposed: serde_json::to_string(&proposed).map_err(AppError::internal)?,
        changes: serde_json::to_string(&changes).map_err(AppError::internal)?,
        reason: reason.to_string(),
        base_version: found.version,
        requested_by: actor.account_id.clone(),
        requested_at: app.now(),
        decided_by: None,
        decided_at: None,
        decision_comment: None,
    };
    let txn = app.db().begin_write().await?;
    if let Err(e) = repo::change_request::insert(&txn, model.clone()).await {
        let e = AppError::from(e);
        return Err(if e.code == ErrorCode::AlreadyExists {
            pending_error()
        } else {
            e
        });
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "task.change_request",
        Some(("task", &found.id)),
        Outcome::Ok,
        json!({
            "change_id": model.id,
            "fields": changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
        }),
    )
    .await?;
    txn.commit().await?;
    let names = names_of(app, &[&found]).await?;
    let agency = names.get(&found.agency_id).cloned().unwrap_or_default();
    Ok(change_view(model, agency))
}

/// The change requests of a task, newest first, for everyone who sees the task.
pub async fn of_task(app: &App, actor: &Actor, id: &str) -> Result<Vec<ChangeView>, AppError> {
    if !Permission::ViewTasks.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = current(app, actor, id).await?;
    let names = names_of(app, &[&found]).await?;
    let agency = names.get(&found.agency_id).cloned().unwrap_or_default();
    Ok(
        repo::change_request::of_subject(&app.db().conn, SUBJECT, id)
            .await?
            .into_iter()
            .map(|c| change_view(c, agency.clone()))
            .collect(),
    )
}

/// Party A approves (the task reads as proposed from today) or rejects (comment required).
pub async fn decide_change(
    app: &App,
    actor: &Actor,
    task_id: &str,
    change_id: &str,
    approve: bool,
    comment: &str,
) -> Result<ChangeView, AppError> {
    if !Permission::DecideTaskChanges.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = current(app, actor, task_id).await?;
    let db = &app.db().conn;
    let c = waiting(db, change_id, SUBJECT, Some(&found.id)).await?;
    let comment = decision_comment(approve, comment)?;
    let proposed: Proposed = serde_json::from_str(&c.proposed).map_err(AppError::internal)?;
    if approve {
        still_applies(app, &found, c.base_version, &proposed).await?;
    }
    let txn = app.db().begin_write().await?;
    mark_decided(&txn, app, actor, change_id, approve, comment).await?;
    let mut detail = json!({"change_id": change_id, "comment": comment});
    if approve {
        let written = apply(&txn, app, &found, &proposed).await?;
        detail["occurrences"] = json!(written);
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if approve {
            "task.change_approve"
        } else {
            "task.change_reject"
        },
        Some(("task", &found.id)),
        Outcome::Ok,
        detail,
    )
    .await?;
    txn.commit().await?;
    let decided = repo::change_request::get(db, change_id)
        .await?
        .ok_or_else(|| AppError::internal("a decided change request vanished"))?;
    let names = names_of(app, &[&found]).await?;
    let agency = names.get(&found.agency_id).cloned().unwrap_or_default();
    Ok(change_view(decided, agency))
}

/// Whether a waiting change may still be approved as it was asked: the task still runs and has
/// not changed since, the proposed days are not over, the people have not left, the points are
/// still party A's outlets of the task's type. Otherwise party A sends it back and the agency asks
/// again.
async fn still_applies(
    app: &App,
    found: &maintenance_task::Model,
    base_version: i32,
    p: &Proposed,
) -> Result<(), AppError> {
    let today = today(app);
    let db = &app.db().conn;
    let refuse = |why: &str| Err(AppError::field("state", why));
    if state_of(found)?.on(found.end_date, today) != TaskState::InProgress {
        return refuse("任务已结束，该变更申请不能再通过，请驳回");
    }
    if found.version != base_version {
        return refuse("任务在申请后已有变化，该变更申请不能再通过，请驳回后由机构重新申请");
    }
    if p.end < today {
        return refuse("申请的任务结束日期已过，该变更申请不能再通过，请驳回");
    }
    for id in &p.staff_ids {
        let active = repo::agency_resources::staff_member(db, &found.agency_id, id)
            .await?
            .is_some_and(|s| !s.resigned);
        if !active {
            return refuse("申请中的运维人员已离职或不在备案中，该变更申请不能再通过，请驳回");
        }
    }
    let party = emss_domain::Scope::Enterprise(found.enterprise_id.clone());
    for id in &p.outlet_ids {
        let fits = repo::outlet::get(db, &party, id)
            .await?
            .is_some_and(|o| o.kind == found.kind);
        if !fits {
            return refuse("申请中的运维点位已不是甲方该类型的排口，该变更申请不能再通过，请驳回");
        }
    }
    Ok(())
}

/// Writes an approved change from today on; how many occurrences were written again.
async fn apply(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    found: &maintenance_task::Model,
    p: &Proposed,
) -> Result<usize, AppError> {
    let today = today(app);
    let yesterday = today
        .checked_sub_days(Days::new(1))
        .ok_or_else(|| AppError::internal("no day before today"))?;
    let model = maintenance_task::Model {
        name: p.name.clone(),
        end_date: p.end,
        version: found.version + 1,
        updated_at: app.now(),
        ..found.clone()
    };
    if !repo::task::save(txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    let bindings = binding_rows(&found.id, &p.outlet_ids, &p.staff_ids, &p.equipment_ids);
    repo::task::replace_bindings(txn, &found.id, bindings).await?;
    // Plans: one proposed exactly as it stands is kept; any other ends yesterday (or goes, if it
    // had not started); the new ones start today at the earliest.
    let old = repo::task::plans(txn, &found.id).await?;
    let mut active = Vec::new();
    let mut matched = vec![false; p.plans.len()];
    for plan in &old {
        let same = p
            .plans
            .iter()
            .enumerate()
            .find(|(i, pp)| !matched[*i] && **pp == stored_plan(plan));
        match same {
            Some((i, _)) => {
                matched[i] = true;
                active.push(plan.clone());
            }
            None if plan.end_date < today => {}
            None if plan.start_date >= today => repo::task::delete_plan(txn, &plan.id).await?,
            None => repo::task::end_plan(txn, &plan.id, yesterday).await?,
        }
    }
    let mut position = i32::try_from(old.len()).unwrap_or(i32::MAX);
    for (pp, _) in p.plans.iter().zip(&matched).filter(|(_, m)| !**m) {
        let start = pp.start.max(today);
        if start > pp.end {
            continue;
        }
        let plan = task_plan::Model {
            id: emss_domain::ids::new_id(),
            task_id: found.id.clone(),
            position,
            title: pp.title.clone(),
            frequency: pp.frequency.clone(),
            form_codes: serde_json::to_string(&pp.form_codes).map_err(AppError::internal)?,
            start_date: start,
            end_date: pp.end,
        };
        position = position.saturating_add(1);
        repo::task::insert_plan(txn, plan.clone()).await?;
        active.push(plan);
    }
    repo::task::drop_open_occurrences(txn, &found.id, today).await?;
    occurrences::regenerate(txn, &model, &p.outlet_ids, &active, today).await
}

/// The task as the change form starts: as it stands, without the plans already over.
pub async fn change_input(app: &App, actor: &Actor, id: &str) -> Result<TaskInput, AppError> {
    manage(actor)?;
    let found = current(app, actor, id).await?;
    let p = as_proposed(app, &found).await?;
    Ok(TaskInput {
        contract_id: found.contract_id,
        name: p.name,
        number: found.number,
        kind: found.kind,
        start_date: found.start_date.to_string(),
        end_date: p.end.to_string(),
        outlet_ids: p.outlet_ids,
        staff_ids: p.staff_ids,
        equipment_ids: p.equipment_ids,
        plans: p
            .plans
            .into_iter()
            .map(|pl| super::PlanInput {
                title: pl.title,
                frequency: pl.frequency,
                form_types: pl.form_codes,
                start_date: pl.start.to_string(),
                end_date: pl.end.to_string(),
            })
            .collect(),
    })
}

/// A demo change waiting for party A: the last engineer of a running task moves to another
/// project.
pub(super) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    task: &maintenance_task::Model,
    checked: &Checked,
    staff_names: &[(String, String)],
    requested_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let mut proposed = Proposed::of(checked);
    if proposed.staff_ids.len() < 2 {
        return Ok(());
    }
    proposed.staff_ids.pop();
    let names = |ids: &[String]| {
        ids.iter()
            .filter_map(|id| staff_names.iter().find(|(i, _)| i == id))
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("、")
    };
    let changes = changed_fields(&[(
        "staff_ids",
        "运维人员",
        names(&checked.staff_ids),
        names(&proposed.staff_ids),
    )]);
    repo::change_request::insert(
        txn,
        change_request::Model {
            id: emss_domain::ids::new_id(),
            subject_kind: SUBJECT.to_string(),
            subject_id: task.id.clone(),
            org_id: task.agency_id.clone(),
            state: ChangeState::Pending.as_str().to_string(),
            proposed: serde_json::to_string(&proposed).map_err(AppError::internal)?,
            changes: serde_json::to_string(&changes).map_err(AppError::internal)?,
            reason: "人员调整：一名运维工程师调往其他项目".to_string(),
            base_version: task.version,
            requested_by: requested_by.to_string(),
            requested_at: now,
            decided_by: None,
            decided_at: None,
            decision_comment: None,
        },
    )
    .await?;
    Ok(())
}
