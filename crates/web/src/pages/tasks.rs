//! 任务管理 → 运维任务管理: 运维任务申请 (the contract picker and the four tables, 保存 · 提交),
//! the task lists (进行中的任务 · 已完结的任务 · 草稿; for regulators 运维任务管理 with 关键字 and
//! 任务状态), 任务详情, and 运维管理 with its quick filters 本周 · 本月 · 全部 · 超期.

use super::{PageForm, PageQuery};
use crate::AppState;
use crate::context::Ctx;
use crate::error::{PageError, render};
use crate::export::{Cell, ExportFormat, audit_export, export_response, whole_export};
use crate::list::{Pager, pager};
use crate::shell::Shell;
use askama::Template;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use emss_app::tasks::{
    Narrowing, OccurrenceQuery, OccurrenceView, PlanInput, ReportInput, ReportView, TaskChoices,
    TaskDetail, TaskInput, TaskView,
};
use emss_db::repo::task::TaskFilter;
use emss_domain::form::definition::OutletKind;
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::plan::PlanFrequency;
use emss_domain::task::{ReportCategory, TaskState, Window};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

/// How many blank plan rows a new application starts with.
const FIRST_PLAN_ROWS: usize = 1;
/// More rows than this are refused: a task with more plans is unusual and the form would grow
/// without end.
const MAX_PLAN_ROWS: usize = 20;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub state: Option<String>,
    pub keyword: Option<String>,
    /// `pending`: 信息变更申请, the tasks with a change waiting for party A.
    pub change: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Template)]
#[template(path = "portal/tasks.html")]
pub struct ListPage {
    pub shell: Shell,
    pub rows: Vec<(u64, TaskView)>,
    pub pager: Pager,
    pub keyword: String,
    pub states: Vec<(&'static str, &'static str, bool)>,
    pub can_create: bool,
    pub sees_contracts: bool,
    /// Listing only the tasks with a change waiting (信息变更申请).
    pub pending_change: bool,
}

fn filter_of(q: &ListQuery) -> (TaskFilter, Vec<(&'static str, String)>) {
    let filter = TaskFilter {
        state: q.state.clone().filter(|s| TaskState::parse(s).is_some()),
        keyword: emss_db::repo::keyword(q.keyword.as_deref()),
        contract_id: None,
        pending_change: q.change.as_deref() == Some("pending"),
    };
    let pairs = vec![
        ("state", filter.state.clone().unwrap_or_default()),
        ("keyword", filter.keyword.clone().unwrap_or_default()),
        (
            "change",
            if filter.pending_change {
                "pending".to_string()
            } else {
                String::new()
            },
        ),
    ];
    (filter, pairs)
}

crate::export::export_handlers!(export_tasks, export_tasks_xlsx, ListQuery, export_tasks_as);

/// The tasks as filtered, refused past the export limit, audited.
async fn export_tasks_as(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(q);
    let page = emss_app::tasks::list(&state.app, actor, filter, PageRequest::export()).await?;
    whole_export(
        page.total,
        MAX_EXPORT_ROWS,
        "keyword",
        ("个", "任务"),
        "加筛选条件",
    )?;
    audit_export(&state.app, actor, "task.export", pairs, page.total, format).await?;
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, t)| {
            vec![
                Cell::count(i as u64 + 1),
                t.agency_name.into(),
                t.enterprise_name.into(),
                t.name.into(),
                t.number.into(),
                t.kind_label.into(),
                Cell::Date(t.start_date),
                Cell::Date(t.end_date),
                t.state_label.into(),
            ]
        })
        .collect();
    Ok(export_response(
        format,
        "运维任务",
        &[
            "序号",
            "服务机构",
            "排污企业",
            "任务名称",
            "任务编号",
            "任务类型",
            "任务开始日期",
            "任务结束日期",
            "状态",
        ],
        rows,
    )
    .await?)
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(&q);
    let state_filter = filter.state.clone();
    let keyword = filter.keyword.clone().unwrap_or_default();
    let pending_change = filter.pending_change;
    let page = emss_app::tasks::list(
        &state.app,
        actor,
        filter,
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(&page, "/tasks", &pairs, Some("/tasks/export.csv"));
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, t)| (first + i as u64, t))
        .collect();
    let title = match state_filter.as_deref().and_then(TaskState::parse) {
        _ if pending_change => "信息变更申请",
        Some(TaskState::InProgress) => "进行中的任务",
        Some(TaskState::Completed) => "已完结的任务",
        Some(TaskState::Draft) => "任务草稿",
        None => "运维任务管理",
    };
    Ok(render(&ListPage {
        shell: Shell::portal(
            &ctx,
            "page.tasks",
            title,
            &["任务管理", "运维任务管理", title],
        ),
        rows,
        pager,
        keyword,
        states: TaskState::ALL
            .iter()
            .map(|s| {
                (
                    s.as_str(),
                    s.label(),
                    state_filter.as_deref() == Some(s.as_str()),
                )
            })
            .collect(),
        can_create: Permission::ManageTasks.allows(Some(actor)),
        sees_contracts: Permission::ViewContracts.allows(Some(actor)),
        pending_change,
    }))
}

/// One 运维计划 row as typed.
#[derive(Debug, Clone, Default)]
pub struct PlanRow {
    pub title: String,
    pub frequency: String,
    pub form_types: Vec<String>,
    pub start_date: String,
    pub end_date: String,
}

impl PlanRow {
    fn blank(&self) -> bool {
        self.title.trim().is_empty()
            && self.frequency.trim().is_empty()
            && self.form_types.is_empty()
            && self.start_date.trim().is_empty()
            && self.end_date.trim().is_empty()
    }

    pub fn has_form(&self, code: &str) -> bool {
        self.form_types.iter().any(|c| c == code)
    }
}

/// The 运维任务申请 form as typed; the tables' choices arrive as repeated fields.
#[derive(Debug, Clone, Default)]
pub struct TaskForm {
    pub contract_id: String,
    pub name: String,
    pub number: String,
    pub kind: String,
    pub start_date: String,
    pub end_date: String,
    pub outlet_ids: Vec<String>,
    pub staff_ids: Vec<String>,
    pub equipment_ids: Vec<String>,
    pub plans: Vec<PlanRow>,
}

/// What the form's buttons ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intent {
    /// 选择: show the points and form types of the chosen contract and type; nothing is saved.
    Refresh,
    /// 添加计划: one more plan row; nothing is saved.
    AddPlan,
    Save,
    Submit,
}

impl TaskForm {
    fn from_pairs(pairs: Vec<(String, String)>) -> (TaskForm, Intent) {
        let mut f = TaskForm::default();
        let mut intent = Intent::Save;
        let mut plans: BTreeMap<usize, PlanRow> = BTreeMap::new();
        let mut rows = 0;
        for (k, v) in pairs {
            match k.as_str() {
                "contract_id" => f.contract_id = v,
                "name" => f.name = v,
                "number" => f.number = v,
                "kind" => f.kind = v,
                "start_date" => f.start_date = v,
                "end_date" => f.end_date = v,
                "outlet_ids" => f.outlet_ids.push(v),
                "staff_ids" => f.staff_ids.push(v),
                "equipment_ids" => f.equipment_ids.push(v),
                "plan_rows" => rows = v.parse().unwrap_or(0),
                "refresh" => intent = Intent::Refresh,
                "add_plan" => intent = Intent::AddPlan,
                "submit" => intent = Intent::Submit,
                _ => {
                    if let Some((field, n)) = k.rsplit_once('_')
                        && let Ok(n) = n.parse::<usize>()
                        && n < MAX_PLAN_ROWS
                    {
                        let row = plans.entry(n).or_default();
                        match field {
                            "plan_title" => row.title = v,
                            "plan_frequency" => row.frequency = v,
                            "plan_forms" => row.form_types.push(v),
                            "plan_start" => row.start_date = v,
                            "plan_end" => row.end_date = v,
                            _ => {}
                        }
                    }
                }
            }
        }
        let count = rows
            .max(plans.keys().next_back().map_or(0, |n| n + 1))
            .min(MAX_PLAN_ROWS);
        f.plans = (0..count)
            .map(|n| plans.remove(&n).unwrap_or_default())
            .collect();
        (f, intent)
    }

    /// What is sent to the server: blank plan rows are not plans.
    fn input(&self) -> TaskInput {
        TaskInput {
            contract_id: self.contract_id.clone(),
            name: self.name.clone(),
            number: self.number.clone(),
            kind: self.kind.clone(),
            start_date: self.start_date.clone(),
            end_date: self.end_date.clone(),
            outlet_ids: self.outlet_ids.clone(),
            staff_ids: self.staff_ids.clone(),
            equipment_ids: self.equipment_ids.clone(),
            plans: self
                .plans
                .iter()
                .filter(|p| !p.blank())
                .map(|p| PlanInput {
                    title: p.title.clone(),
                    frequency: p.frequency.clone(),
                    form_types: p.form_types.clone(),
                    start_date: p.start_date.clone(),
                    end_date: p.end_date.clone(),
                })
                .collect(),
        }
    }

    fn of(input: TaskInput) -> TaskForm {
        TaskForm {
            contract_id: input.contract_id,
            name: input.name,
            number: input.number,
            kind: input.kind,
            start_date: input.start_date,
            end_date: input.end_date,
            outlet_ids: input.outlet_ids,
            staff_ids: input.staff_ids,
            equipment_ids: input.equipment_ids,
            plans: input
                .plans
                .into_iter()
                .map(|p| PlanRow {
                    title: p.title,
                    frequency: p.frequency,
                    form_types: p.form_types,
                    start_date: p.start_date,
                    end_date: p.end_date,
                })
                .collect(),
        }
    }

    pub fn has_outlet(&self, id: &str) -> bool {
        self.outlet_ids.iter().any(|x| x == id)
    }

    pub fn has_staff(&self, id: &str) -> bool {
        self.staff_ids.iter().any(|x| x == id)
    }

    pub fn has_equipment(&self, id: &str) -> bool {
        self.equipment_ids.iter().any(|x| x == id)
    }
}

/// The form with what it offers and what was wrong with it.
pub struct TaskFormView {
    pub form: TaskForm,
    pub choices: TaskChoices,
    pub kinds: Vec<(&'static str, &'static str)>,
    pub frequencies: Vec<(&'static str, &'static str)>,
    pub errors: BTreeMap<String, String>,
    /// Where the form posts.
    pub action: String,
    /// 变更原因 as typed (the change form).
    pub reason: String,
}

impl TaskFormView {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn plan_error(&self, n: &usize, field: &str) -> Option<&str> {
        self.error(&format!("plans.{n}.{field}"))
    }
}

async fn form_view(
    state: &AppState,
    actor: &Actor,
    mut form: TaskForm,
    errors: BTreeMap<String, String>,
    action: String,
) -> Result<TaskFormView, PageError> {
    if form.plans.is_empty() {
        form.plans = vec![PlanRow::default(); FIRST_PLAN_ROWS];
    }
    let choices = emss_app::tasks::choices(
        &state.app,
        actor,
        Some(form.contract_id.as_str()).filter(|c| !c.is_empty()),
        OutletKind::parse(&form.kind),
        &form.staff_ids,
    )
    .await?;
    Ok(TaskFormView {
        form,
        choices,
        kinds: [OutletKind::Wastewater, OutletKind::FlueGas]
            .iter()
            .map(|k| (k.as_str(), k.label()))
            .collect(),
        frequencies: PlanFrequency::ALL
            .iter()
            .map(|f| (f.as_str(), f.label()))
            .collect(),
        errors,
        action,
        reason: String::new(),
    })
}

#[derive(Template)]
#[template(path = "portal/task_new.html")]
pub struct NewPage {
    pub shell: Shell,
    pub v: TaskFormView,
}

fn new_shell(ctx: &Ctx) -> Shell {
    Shell::portal(
        ctx,
        "page.tasks.new",
        "运维任务申请",
        &["任务管理", "运维任务管理", "运维任务申请"],
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    pub contract_id: Option<String>,
    pub kind: Option<String>,
}

pub async fn new(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<NewQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let form = TaskForm {
        contract_id: q.contract_id.unwrap_or_default(),
        kind: q.kind.unwrap_or_default(),
        ..TaskForm::default()
    };
    let v = form_view(&state, actor, form, BTreeMap::new(), "/tasks".into()).await?;
    Ok(render(&NewPage {
        shell: new_shell(&ctx),
        v,
    }))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (mut form, intent) = TaskForm::from_pairs(pairs);
    let errors = match intent {
        Intent::Refresh => BTreeMap::new(),
        Intent::AddPlan => {
            if form.plans.len() < MAX_PLAN_ROWS {
                form.plans.push(PlanRow::default());
            }
            BTreeMap::new()
        }
        Intent::Save | Intent::Submit => {
            let submit = intent == Intent::Submit;
            match emss_app::tasks::create(&state.app, actor, form.input(), submit).await {
                Ok(t) => {
                    let done = if submit { "submitted" } else { "saved" };
                    return Ok(
                        Redirect::to(&format!("/tasks/{}?done={done}", t.id)).into_response()
                    );
                }
                Err(e) if e.code == ErrorCode::ValidationFailed => e.fields,
                Err(e) => return Err(e.into()),
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let v = form_view(&state, actor, form, errors, "/tasks".into()).await?;
    Ok((
        status,
        render(&NewPage {
            shell: new_shell(&ctx),
            v,
        }),
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "portal/task_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub d: TaskDetail,
    pub submitted_at: String,
    pub notice: Option<&'static str>,
    pub error: Option<String>,
    /// The draft's form, for its task manager.
    pub edit: Option<TaskFormView>,
    pub can_close: bool,
    pub sees_contract: bool,
    /// 报告清单.
    pub reports: Vec<ReportView>,
    /// The task's records a report may name (关联表单), latest first: (id, "运维编号 表单 · 日期").
    pub report_records: Vec<(String, String)>,
    /// 上传报告, for the task manager once the task runs.
    pub can_report: bool,
    pub categories: Vec<(&'static str, &'static str)>,
    /// Problems of the report form, by field, and what was typed.
    pub report_errors: BTreeMap<String, String>,
    pub report_typed: ReportInput,
    /// 信息变更申请: the running task's form, for its task manager while none waits.
    pub change: Option<TaskFormView>,
    pub changes: Vec<super::agencies::ChangeRow>,
    /// Party A decides the waiting change.
    pub can_decide_change: bool,
    /// A decision's comment problem.
    pub comment_error: Option<String>,
    /// 留痕: every event of the task, oldest first.
    pub trail: Vec<super::audit::Row>,
}

impl ShowPage {
    pub fn report_error(&self, field: &str) -> Option<&str> {
        self.report_errors.get(field).map(String::as_str)
    }

    pub fn uploaded(&self, r: &ReportView) -> String {
        emss_domain::time::format_datetime(r.uploaded_at)
    }

    /// The records a report names, as links: (id, its 运维编号 where the page lists it).
    pub fn linked(&self, r: &ReportView) -> Vec<(String, String)> {
        r.record_ids
            .iter()
            .map(|id| {
                let label = self
                    .report_records
                    .iter()
                    .find(|(rid, _)| rid == id)
                    .and_then(|(_, l)| l.split(' ').next())
                    .unwrap_or("运维记录");
                (id.clone(), label.to_string())
            })
            .collect()
    }

    /// Whether the report form had this record chosen.
    pub fn chose(&self, id: &str) -> bool {
        self.report_typed.record_ids.iter().any(|r| r == id)
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    pub done: Option<String>,
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    done.map(|d| match d {
        "saved" => "任务已保存为草稿",
        "submitted" => "任务已提交，运维计划已生成",
        "closed" => "任务已结束",
        "report" => "报告已上传",
        "change_requested" => "变更申请已提交，等待甲方审核",
        "change_approved" => "变更申请已通过，任务已按变更后的内容执行",
        "change_rejected" => "变更申请已驳回",
        _ => "已完成",
    })
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    typed: Option<TaskForm>,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let mut page = show_page_with(state, ctx, id, typed.clone(), errors.clone(), notice).await?;
    page.reports = emss_app::tasks::reports(&state.app, actor, id).await?;
    let filed = emss_db::repo::record::RecordFilter {
        task_id: Some(id.to_string()),
        ..Default::default()
    };
    page.report_records = emss_app::records::list(
        &state.app,
        actor,
        filed,
        PageRequest::new(Some(1), Some(100)),
    )
    .await?
    .items
    .into_iter()
    .filter(|r| r.state != "draft")
    .map(|r| {
        let label = format!("{} {} · {}", r.number, r.form_name, r.visit_date);
        (r.id, label)
    })
    .collect();
    page.trail = emss_app::audit::task_trail(&state.app, actor, id)
        .await?
        .into_iter()
        .map(super::audit::row)
        .collect();
    page.changes = emss_app::tasks::changes_of(&state.app, actor, id)
        .await?
        .into_iter()
        .map(super::agencies::change_row)
        .collect();
    let pending = page.changes.iter().any(super::agencies::ChangeRow::pending);
    page.can_decide_change = pending
        && Permission::DecideTaskChanges.allows(Some(actor))
        && actor.org_id == page.d.task.enterprise_id;
    if page.can_close && !pending {
        let form = match typed {
            Some(f) => f,
            None => TaskForm::of(emss_app::tasks::change_input(&state.app, actor, id).await?),
        };
        page.change =
            Some(form_view(state, actor, form, errors, format!("/tasks/{id}/changes")).await?);
    }
    Ok(page)
}

async fn show_page_with(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    typed: Option<TaskForm>,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let d = emss_app::tasks::detail(&state.app, actor, id).await?;
    let manages = Permission::ManageTasks.allows(Some(actor)) && actor.org_id == d.task.agency_id;
    let error = errors.get("state").cloned();
    let edit = if manages && d.task.state == TaskState::Draft.as_str() {
        let form = match typed {
            Some(f) => f,
            None => TaskForm::of(emss_app::tasks::input_of(&state.app, actor, id).await?),
        };
        Some(form_view(state, actor, form, errors, format!("/tasks/{id}")).await?)
    } else {
        None
    };
    Ok(ShowPage {
        shell: Shell::portal(
            ctx,
            "page.tasks",
            "任务详情",
            &["任务管理", "运维任务管理", "任务详情"],
        ),
        submitted_at: emss_domain::time::format_optional(d.task.submitted_at),
        notice,
        error,
        edit,
        can_close: manages && d.task.state == TaskState::InProgress.as_str(),
        sees_contract: Permission::ViewContracts.allows(Some(actor)),
        reports: Vec::new(),
        report_records: Vec::new(),
        can_report: manages && d.task.state != TaskState::Draft.as_str(),
        categories: ReportCategory::ALL
            .iter()
            .map(|c| (c.as_str(), c.label()))
            .collect(),
        report_errors: BTreeMap::new(),
        report_typed: ReportInput::default(),
        change: None,
        changes: Vec::new(),
        can_decide_change: false,
        comment_error: None,
        trail: Vec::new(),
        d,
    })
}

pub async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageQuery(q): PageQuery<ShowQuery>,
) -> Result<Response, PageError> {
    let notice = notice_of(q.done.as_deref());
    Ok(render(
        &show_page(&state, &ctx, &id, None, BTreeMap::new(), notice).await?,
    ))
}

/// The draft's form: 选择 / 添加计划 redraw it, 保存 and 提交 write.
pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (mut form, intent) = TaskForm::from_pairs(pairs);
    let errors = match intent {
        Intent::Refresh => BTreeMap::new(),
        Intent::AddPlan => {
            if form.plans.len() < MAX_PLAN_ROWS {
                form.plans.push(PlanRow::default());
            }
            BTreeMap::new()
        }
        Intent::Save | Intent::Submit => {
            let submit = intent == Intent::Submit;
            match emss_app::tasks::update(&state.app, actor, &id, form.input(), submit).await {
                Ok(_) => {
                    let done = if submit { "submitted" } else { "saved" };
                    return Ok(Redirect::to(&format!("/tasks/{id}?done={done}")).into_response());
                }
                Err(e) if e.code == ErrorCode::ValidationFailed => e.fields,
                Err(e) => return Err(e.into()),
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = show_page(&state, &ctx, &id, Some(form), errors, None).await?;
    Ok((status, render(&page)).into_response())
}

async fn act(state: &AppState, ctx: &Ctx, id: &str, close: bool) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let done = if close {
        emss_app::tasks::close(&state.app, actor, id).await
    } else {
        emss_app::tasks::submit(&state.app, actor, id).await
    };
    match done {
        Ok(_) => {
            let what = if close { "closed" } else { "submitted" };
            Ok(Redirect::to(&format!("/tasks/{id}?done={what}")).into_response())
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(state, ctx, id, None, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    act(&state, &ctx, &id, false).await
}

pub async fn close(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    act(&state, &ctx, &id, true).await
}

#[derive(Debug, Default, Deserialize)]
pub struct MaintenanceQuery {
    pub window: Option<String>,
    pub task_id: Option<String>,
    pub plan_id: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// 统计查询's narrowing: periods ending in these days, and whose occurrences.
    pub due_from: Option<String>,
    pub due_to: Option<String>,
    pub district: Option<String>,
    pub agency_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub outlet_id: Option<String>,
    pub form_type: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

impl MaintenanceQuery {
    /// The query the filters ask for, and what was wrong with a typed date (then no date bound).
    fn query(&self) -> (OccurrenceQuery, Option<String>) {
        let window = self
            .window
            .as_deref()
            .and_then(Window::parse)
            .unwrap_or(Window::All);
        let pick = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
        let (from, to, error) = match (day(self.from.as_deref()), day(self.to.as_deref())) {
            (Ok(f), Ok(t)) => (f, t, None),
            (Err(e), _) | (_, Err(e)) => (None, None, Some(e)),
        };
        let narrow = Narrowing {
            due_from: day(self.due_from.as_deref()).ok().flatten(),
            due_to: day(self.due_to.as_deref()).ok().flatten(),
            district: pick(&self.district),
            agency_id: pick(&self.agency_id),
            enterprise_id: pick(&self.enterprise_id),
            outlet_id: pick(&self.outlet_id),
            form_code: pick(&self.form_type),
        };
        (
            OccurrenceQuery {
                window,
                task_id: pick(&self.task_id),
                plan_id: pick(&self.plan_id),
                from,
                to,
                narrow,
            },
            error,
        )
    }
}

crate::export::export_handlers!(export, export_xlsx, MaintenanceQuery, export_as);

async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &MaintenanceQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (query, error) = q.query();
    if let Some(e) = error {
        return Err(emss_app::AppError::field("from", &e).into());
    }
    let mut filters = serde_json::json!({
        "window": query.window.as_str(), "task_id": query.task_id, "plan_id": query.plan_id,
        "from": query.from, "to": query.to,
    });
    for (k, v) in narrowing_pairs(&query.narrow) {
        filters[k] = serde_json::Value::String(v);
    }
    let unplanned =
        emss_app::tasks::unplanned(&state.app, actor, &query, PageRequest::export()).await?;
    let page =
        emss_app::tasks::occurrences(&state.app, actor, query, PageRequest::export()).await?;
    // A spreadsheet that silently stops would read as the whole list.
    if page.total > page.items.len() as u64 || unplanned.total > unplanned.items.len() as u64 {
        return Err(emss_app::AppError::field(
            "window",
            &format!(
                "共 {} 行，超过导出上限 {} 行，请缩小时间范围或选择任务后再导出",
                page.total,
                page.items.len()
            ),
        )
        .into());
    }
    emss_app::audit::record_alone(
        &state.app,
        Some(actor),
        "occurrence.export",
        None,
        emss_app::audit::Outcome::Ok,
        serde_json::json!({
            "filters": filters,
            "rows": page.items.len() + unplanned.items.len(),
            "format": format.as_str(),
        }),
    )
    .await?;
    let visit_cells = |v: Option<&emss_app::tasks::Visit>| match v {
        Some(v) => vec![
            v.time.clone(),
            v.filer_name.clone(),
            v.instruments.join("、"),
            format!("现场照片 {} 张", v.photos),
            v.description.clone(),
            v.number.clone(),
        ],
        None => vec![String::new(); 6],
    };
    let planned = page.items.into_iter().map(|o| {
        let mut row = vec![
            o.agency_name,
            o.enterprise_name,
            o.task_number,
            o.plan_title,
            format!("{}至{}", o.period_start, o.period_end),
            o.outlet_name,
            o.form_name,
        ];
        row.extend(visit_cells(o.visit.as_ref()));
        row.push(o.state_label);
        row
    });
    let outside = unplanned.items.into_iter().map(|u| {
        let mut row = vec![
            String::new(),
            String::new(),
            u.task_number,
            "计划外".to_string(),
            String::new(),
            u.outlet_name,
            u.form_name,
        ];
        row.extend(visit_cells(Some(&u.visit)));
        row.push(format!("计划外 · {}", u.visit.state_label));
        row
    });
    let rows = planned.chain(outside).enumerate().map(|(i, mut row)| {
        row.insert(0, (i + 1).to_string());
        row
    });
    Ok(export_response(
        format,
        "运维管理",
        &[
            "序号",
            "服务机构",
            "排污企业",
            "任务编号",
            "计划标题",
            "执行周期",
            "点位名称",
            "运维内容",
            "运维时间",
            "运维人员",
            "运维设备",
            "上传附件",
            "运维描述",
            "运维编号",
            "状态",
        ],
        rows.collect(),
    )
    .await?)
}

/// One row of 运维管理 as shown: every empty value is "—".
pub struct MaintenanceRow {
    pub n: u64,
    pub o: OccurrenceView,
    pub period: String,
}

#[derive(Template)]
#[template(path = "portal/task_maintenance.html")]
pub struct MaintenancePage {
    pub shell: Shell,
    pub rows: Vec<MaintenanceRow>,
    pub pager: Pager,
    /// (value, label, current, href).
    pub windows: Vec<(&'static str, &'static str, bool, String)>,
    pub window: &'static str,
    /// (id, "number name", selected).
    pub tasks: Vec<(String, String, bool)>,
    pub plans: Vec<(String, String, bool)>,
    pub from: String,
    pub to: String,
    /// Regulators and enterprises see whose occurrence it is (a maintainer knows its own).
    pub show_parties: bool,
    pub error: Option<String>,
    /// 计划外: the latest records that fulfil no occurrence, and how many there are.
    pub unplanned: Vec<emss_app::tasks::UnplannedView>,
    pub unplanned_total: u64,
    /// A regulator may issue a rectification order from a missed row (超期).
    pub can_order: bool,
    /// 统计查询's narrowing, kept by the filter form, and in words.
    pub narrowing: Vec<(&'static str, String)>,
    pub narrowed: Vec<(&'static str, String)>,
    /// The list without it.
    pub unnarrowed: String,
}

/// How many 计划外 records 运维管理 shows; the export has them all.
const UNPLANNED_SHOWN: u64 = 50;

fn day(raw: Option<&str>) -> Result<Option<chrono::NaiveDate>, String> {
    match raw.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| "日期格式应为 年-月-日".to_string()),
    }
}

pub async fn maintenance(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<MaintenanceQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (query, error) = q.query();
    let OccurrenceQuery {
        window,
        task_id,
        plan_id,
        from,
        to,
        narrow,
    } = query.clone();
    let unplanned = emss_app::tasks::unplanned(
        &state.app,
        actor,
        &query,
        PageRequest::new(Some(1), Some(UNPLANNED_SHOWN)),
    )
    .await?;
    let page = emss_app::tasks::occurrences(
        &state.app,
        actor,
        query,
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let from_text = from.map(|d| d.to_string()).unwrap_or_default();
    let to_text = to.map(|d| d.to_string()).unwrap_or_default();
    let mut filters = vec![
        ("window", window.as_str().to_string()),
        ("task_id", task_id.clone().unwrap_or_default()),
        ("plan_id", plan_id.clone().unwrap_or_default()),
        ("from", from_text.clone()),
        ("to", to_text.clone()),
    ];
    let narrowing = narrowing_pairs(&narrow);
    filters.extend(narrowing.iter().cloned());
    let narrowed = narrowing_names(&state, actor, &narrow).await?;
    let pager = pager(
        &page,
        "/tasks/maintenance",
        &filters,
        Some("/tasks/maintenance/export.csv"),
    );
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, o)| MaintenanceRow {
            n: first + i as u64,
            period: format!("{}至{}", o.period_start, o.period_end),
            o,
        })
        .collect();
    // The task picker: running and finished tasks in scope (drafts have no occurrences).
    let tasks = emss_app::tasks::list(
        &state.app,
        actor,
        TaskFilter::default(),
        PageRequest::new(Some(1), Some(100)),
    )
    .await?
    .items
    .into_iter()
    .filter(|t| t.state != TaskState::Draft.as_str())
    .map(|t| {
        let selected = task_id.as_deref() == Some(t.id.as_str());
        (t.id, format!("{} {}", t.number, t.name), selected)
    })
    .collect();
    let plans = match &task_id {
        Some(id) => emss_app::tasks::detail(&state.app, actor, id)
            .await?
            .plans
            .into_iter()
            .map(|p| {
                let selected = plan_id.as_deref() == Some(p.id.as_str());
                (p.id, p.title, selected)
            })
            .collect(),
        None => Vec::new(),
    };
    let keep: Vec<(&str, String)> = filters
        .iter()
        .filter(|(k, _)| *k != "window")
        .cloned()
        .collect();
    let windows = Window::ALL
        .iter()
        .map(|w| {
            let mut pairs = keep.clone();
            pairs.push(("window", w.as_str().to_string()));
            let query = url::form_urlencoded::Serializer::new(String::new())
                .extend_pairs(pairs.iter().filter(|(_, v)| !v.is_empty()))
                .finish();
            (
                w.as_str(),
                w.label(),
                *w == window,
                format!("/tasks/maintenance?{query}"),
            )
        })
        .collect();
    Ok(render(&MaintenancePage {
        shell: Shell::portal(
            &ctx,
            "page.tasks.maintenance",
            "运维管理",
            &["任务管理", "运维任务管理", "进行中的任务", "运维管理"],
        ),
        rows,
        pager,
        windows,
        window: window.as_str(),
        tasks,
        plans,
        from: from_text,
        to: to_text,
        show_parties: !actor.org_kind.does_maintenance(),
        error,
        unplanned_total: unplanned.total,
        unplanned: unplanned.items,
        can_order: Permission::IssueRectifications.allows(Some(actor)),
        narrowing,
        narrowed,
        unnarrowed: format!("/tasks/maintenance?window={}", window.as_str()),
    }))
}

/// The query pairs that keep 统计查询's narrowing across pages and windows.
fn narrowing_pairs(n: &Narrowing) -> Vec<(&'static str, String)> {
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string());
    [
        ("due_from", date(n.due_from)),
        ("due_to", date(n.due_to)),
        ("district", n.district.clone()),
        ("agency_id", n.agency_id.clone()),
        ("enterprise_id", n.enterprise_id.clone()),
        ("outlet_id", n.outlet_id.clone()),
        ("form_type", n.form_code.clone()),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect()
}

/// The narrowing in words: (what, name).
async fn narrowing_names(
    state: &AppState,
    actor: &Actor,
    n: &Narrowing,
) -> Result<Vec<(&'static str, String)>, PageError> {
    let db = &state.app.db().conn;
    let mut out = Vec::new();
    match (n.due_from, n.due_to) {
        (Some(f), Some(t)) => out.push(("到期日", format!("{f} 至 {t}"))),
        (Some(f), None) => out.push(("到期日", format!("{f} 起"))),
        (None, Some(t)) => out.push(("到期日", format!("至 {t}"))),
        (None, None) => {}
    }
    if let Some(code) = &n.district {
        out.push(("区", state.app.districts().name(Some(code)).to_string()));
    }
    let orgs: Vec<String> = [&n.agency_id, &n.enterprise_id]
        .into_iter()
        .flatten()
        .cloned()
        .collect();
    let names = emss_db::repo::organization::names(db, &orgs)
        .await
        .map_err(emss_app::AppError::from)?;
    let name = |id: &String| names.get(id).cloned().unwrap_or_else(|| id.clone());
    if let Some(id) = &n.agency_id {
        out.push(("运维机构", name(id)));
    }
    if let Some(id) = &n.enterprise_id {
        out.push(("企业", name(id)));
    }
    if let Some(id) = &n.outlet_id {
        out.push(("排口", super::outlet_name(state, actor, id).await?));
    }
    if let Some(code) = &n.form_code {
        let forms = emss_app::tasks::form_names(&state.app).await?;
        out.push((
            "运维内容",
            forms.get(code).cloned().unwrap_or_else(|| code.clone()),
        ));
    }
    Ok(out)
}

/// 上传报告 from the task's page: a multipart form; problems come back next to its fields.
pub async fn upload_report(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (fields, files) = crate::upload::form(req, &state).await?;
    let (input, file) = crate::api::tasks::report_input(fields, files);
    match emss_app::tasks::upload_report(&state.app, actor, &id, input.clone(), file).await {
        Ok(_) => Ok(Redirect::to(&format!("/tasks/{id}?done=report#reports")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let mut page = show_page(&state, &ctx, &id, None, BTreeMap::new(), None).await?;
            page.report_errors = e.fields;
            page.report_typed = input;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn report_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, report_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (r, bytes) = emss_app::tasks::report_file(&state.app, actor, &id, &report_id).await?;
    Ok(crate::api::download(&r.file_name, &r.content_type, bytes))
}

/// 信息变更申请 of a running task: 选择 / 添加计划 redraw the form, 提交变更申请 writes.
pub async fn request_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(pairs): PageForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let reason = pairs
        .iter()
        .find(|(k, _)| k == "reason")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let (mut form, intent) = TaskForm::from_pairs(pairs);
    let errors = match intent {
        Intent::Refresh => BTreeMap::new(),
        Intent::AddPlan => {
            if form.plans.len() < MAX_PLAN_ROWS {
                form.plans.push(PlanRow::default());
            }
            BTreeMap::new()
        }
        Intent::Save | Intent::Submit => {
            match emss_app::tasks::request_change(&state.app, actor, &id, form.input(), &reason)
                .await
            {
                Ok(_) => {
                    return Ok(
                        Redirect::to(&format!("/tasks/{id}?done=change_requested#changes"))
                            .into_response(),
                    );
                }
                Err(e) if e.code == ErrorCode::ValidationFailed => e.fields,
                Err(e) => return Err(e.into()),
            }
        }
    };
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let mut page = show_page(&state, &ctx, &id, Some(form), errors, None).await?;
    if let Some(change) = page.change.as_mut() {
        change.reason = reason;
    }
    Ok((status, render(&page)).into_response())
}

/// Party A approves or rejects the waiting change.
pub async fn decide_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, change_id)): Path<(String, String)>,
    PageForm(form): PageForm<super::filing_changes::DecisionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let approve = emss_app::filing_change::approves(&form.decision)?;
    match emss_app::tasks::decide_change(&state.app, actor, &id, &change_id, approve, &form.comment)
        .await
    {
        Ok(_) => {
            let done = if approve {
                "change_approved"
            } else {
                "change_rejected"
            };
            Ok(Redirect::to(&format!("/tasks/{id}?done={done}#changes")).into_response())
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let mut page = show_page(&state, &ctx, &id, None, BTreeMap::new(), None).await?;
            page.comment_error = e.fields.get("comment").cloned();
            page.error = e.fields.get("state").cloned();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
