//! 任务管理 → 合同管理: 合同信息 for the agency (new, edit, submit), confirmation by party A, and
//! 合同信息查看 for regulators with the 甲方 filter; every contract's 查看留痕.

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
use emss_app::contracts::{
    ContractAttachmentView, ContractInput, ContractVersionView, ContractView,
};
use emss_db::repo::contract::ContractFilter;
use emss_domain::contract::{ContractAction, ContractNature, ContractState};
use emss_domain::listing::{MAX_EXPORT_ROWS, PageRequest};
use emss_domain::time::{format_datetime, format_optional};
use emss_domain::{ErrorCode, Permission};
use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub enterprise_id: Option<String>,
    pub state: Option<String>,
    /// `pending`: 信息变更申请, the contracts with a change waiting for party A.
    pub change: Option<String>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Template)]
#[template(path = "portal/contracts.html")]
pub struct ListPage {
    pub shell: Shell,
    pub rows: Vec<(u64, ContractView, String)>,
    pub pager: Pager,
    pub parties: Vec<(String, String, bool)>,
    pub states: Vec<(&'static str, &'static str, bool)>,
    pub can_create: bool,
    /// Listing only the contracts with a change waiting (信息变更申请).
    pub pending_change: bool,
}

pub async fn list(
    State(state): State<AppState>,
    ctx: Ctx,
    PageQuery(q): PageQuery<ListQuery>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(&q);
    let page = emss_app::contracts::list(
        &state.app,
        actor,
        filter.clone(),
        PageRequest::new(q.page, q.page_size),
    )
    .await?;
    let pager = pager(&page, "/contracts", &pairs, Some("/contracts/export.csv"));
    let first = page.first_number();
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            let submitted = format_optional(c.submitted_at);
            (first + i as u64, c, submitted)
        })
        .collect();
    let parties = emss_app::contracts::parties(&state.app, actor)
        .await?
        .into_iter()
        .map(|(id, name)| {
            let chosen = filter.enterprise_id.as_deref() == Some(id.as_str());
            (id, name, chosen)
        })
        .collect();
    let states = ContractState::ALL
        .iter()
        .map(|s| {
            (
                s.as_str(),
                s.label(),
                filter.state.as_deref() == Some(s.as_str()),
            )
        })
        .collect();
    let title = if filter.pending_change {
        "信息变更申请"
    } else {
        "合同信息"
    };
    Ok(render(&ListPage {
        pending_change: filter.pending_change,
        shell: Shell::portal(
            &ctx,
            "page.contracts",
            title,
            &["任务管理", "合同管理", title],
        ),
        rows,
        pager,
        parties,
        states,
        can_create: Permission::ManageContracts.allows(Some(actor)),
    }))
}

fn filter_of(q: &ListQuery) -> (ContractFilter, Vec<(&'static str, String)>) {
    let pick = |v: &Option<String>| v.clone().filter(|s| !s.trim().is_empty());
    let filter = ContractFilter {
        enterprise_id: pick(&q.enterprise_id),
        state: pick(&q.state).filter(|s| ContractState::parse(s).is_some()),
        pending_change: q.change.as_deref() == Some("pending"),
        ..Default::default()
    };
    let pairs = vec![
        (
            "enterprise_id",
            filter.enterprise_id.clone().unwrap_or_default(),
        ),
        ("state", filter.state.clone().unwrap_or_default()),
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

crate::export::export_handlers!(export, export_xlsx, ListQuery, export_as);

/// The contracts as filtered, refused past the export limit, audited.
async fn export_as(
    state: &AppState,
    ctx: &Ctx,
    q: &ListQuery,
    format: ExportFormat,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (filter, pairs) = filter_of(q);
    let page = emss_app::contracts::list(&state.app, actor, filter, PageRequest::export()).await?;
    whole_export(
        page.total,
        MAX_EXPORT_ROWS,
        "state",
        ("份", "合同"),
        "加筛选条件",
    )?;
    audit_export(
        &state.app,
        actor,
        "contract.export",
        pairs,
        page.total,
        format,
    )
    .await?;
    let rows = page
        .items
        .into_iter()
        .enumerate()
        .map(|(i, c)| {
            vec![
                Cell::count(i as u64 + 1),
                c.agency_name.into(),
                c.enterprise_name.into(),
                c.title.into(),
                c.nature_label.into(),
                match c.amount.parse::<f64>() {
                    Ok(n) => Cell::Number(n),
                    Err(_) => Cell::Text(c.amount),
                },
                Cell::Date(c.performance_start),
                Cell::Date(c.performance_end),
                Cell::at(c.submitted_at),
                c.state_label.into(),
            ]
        })
        .collect();
    Ok(export_response(
        format,
        "合同信息",
        &[
            "序号",
            "服务机构",
            "甲方",
            "合同标题",
            "合同性质",
            "合同金额（元）",
            "履行开始时间",
            "履行结束时间",
            "提交时间",
            "状态",
        ],
        rows,
    )
    .await?)
}

/// The contract form as typed.
#[derive(Debug, Default, Deserialize)]
pub struct ContractForm {
    #[serde(default)]
    pub enterprise_id: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub nature: String,
    #[serde(default)]
    pub amount: String,
    #[serde(default)]
    pub performance_start: String,
    #[serde(default)]
    pub performance_end: String,
    /// 提交 rather than 保存.
    pub submit: Option<String>,
}

impl ContractForm {
    fn input(&self) -> ContractInput {
        ContractInput {
            enterprise_id: self.enterprise_id.clone(),
            title: self.title.clone(),
            nature: self.nature.clone(),
            amount: self.amount.clone(),
            performance_start: self.performance_start.clone(),
            performance_end: self.performance_end.clone(),
        }
    }

    fn of(c: &ContractView) -> ContractForm {
        ContractForm {
            enterprise_id: c.enterprise_id.clone(),
            title: c.title.clone(),
            nature: c.nature.clone(),
            amount: c.amount.clone(),
            performance_start: c.performance_start.to_string(),
            performance_end: c.performance_end.to_string(),
            submit: None,
        }
    }
}

/// What the contract form shows besides its values.
pub struct FormChoices {
    pub parties: Vec<(String, String)>,
    pub natures: Vec<(&'static str, &'static str)>,
}

async fn choices(state: &AppState, actor: &emss_domain::Actor) -> Result<FormChoices, PageError> {
    Ok(FormChoices {
        parties: emss_app::contracts::parties(&state.app, actor).await?,
        natures: ContractNature::ALL
            .iter()
            .map(|n| (n.as_str(), n.label()))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "portal/contract_new.html")]
pub struct NewPage {
    pub shell: Shell,
    pub form: ContractForm,
    pub choices: FormChoices,
    pub errors: BTreeMap<String, String>,
}

impl NewPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }
}

pub async fn new(State(state): State<AppState>, ctx: Ctx) -> Result<Response, PageError> {
    Ok(render(&NewPage {
        shell: Shell::portal(
            &ctx,
            "page.contracts",
            "新增合同",
            &["任务管理", "合同管理", "新增合同"],
        ),
        form: ContractForm::default(),
        choices: choices(&state, ctx.actor().ok_or(ErrorCode::Unauthenticated)?).await?,
        errors: BTreeMap::new(),
    }))
}

pub async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    PageForm(form): PageForm<ContractForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let submit = form.submit.is_some();
    match emss_app::contracts::create(&state.app, actor, form.input(), submit).await {
        Ok(c) => Ok(Redirect::to(&format!("/contracts/{}?done=saved", c.id)).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = NewPage {
                shell: Shell::portal(
                    &ctx,
                    "page.contracts",
                    "新增合同",
                    &["任务管理", "合同管理", "新增合同"],
                ),
                form,
                choices: choices(&state, actor).await?,
                errors: e.fields,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A version of the trail as shown.
pub struct TrailRow {
    pub version: i32,
    pub at: String,
    pub event: String,
    pub state: String,
    pub detail: String,
}

fn trail_rows(versions: Vec<ContractVersionView>) -> Vec<TrailRow> {
    versions
        .into_iter()
        .map(|v| TrailRow {
            version: v.version,
            at: format_datetime(v.at),
            state: ContractState::parse(&v.state)
                .map(|s| s.label())
                .unwrap_or_default()
                .to_string(),
            detail: format!(
                "{} · {} 元 · {} 至 {}",
                v.snapshot["title"].as_str().unwrap_or_default(),
                v.snapshot["amount"].as_str().unwrap_or_default(),
                v.snapshot["performance_start"].as_str().unwrap_or_default(),
                v.snapshot["performance_end"].as_str().unwrap_or_default()
            ),
            event: v.event_label,
        })
        .collect()
}

#[derive(Debug, Default, Deserialize)]
pub struct ShowQuery {
    pub done: Option<String>,
}

#[derive(Template)]
#[template(path = "portal/contract_show.html")]
pub struct ShowPage {
    pub shell: Shell,
    pub c: ContractView,
    pub submitted_at: String,
    pub decided_at: String,
    pub trail: Vec<TrailRow>,
    /// The agency may edit and submit it.
    pub edit: Option<(ContractForm, FormChoices)>,
    pub can_submit: bool,
    /// Party A may confirm or send it back.
    pub can_decide: bool,
    /// The agency may propose a change (confirmed, none waiting).
    pub change: Option<(ContractForm, FormChoices)>,
    /// Change requests, newest first.
    pub changes: Vec<super::agencies::ChangeRow>,
    /// Party A may decide the waiting change request.
    pub can_decide_change: bool,
    pub errors: BTreeMap<String, String>,
    pub notice: Option<&'static str>,
    /// 合同附件.
    pub attachments: Vec<ContractAttachmentView>,
    /// The agency may still attach files (a draft or a contract sent back).
    pub can_attach: bool,
}

impl ShowPage {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors.get(field).map(String::as_str)
    }

    pub fn uploaded(&self, a: &ContractAttachmentView) -> String {
        format_datetime(a.uploaded_at)
    }

    /// `1.2 MB`, `35 KB`.
    pub fn size(&self, bytes: &i64) -> String {
        if *bytes >= 1024 * 1024 {
            format!("{:.1} MB", *bytes as f64 / (1024.0 * 1024.0))
        } else {
            format!("{} KB", (*bytes + 1023) / 1024)
        }
    }
}

async fn show_page(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    typed: Option<ContractForm>,
    errors: BTreeMap<String, String>,
    notice: Option<&'static str>,
) -> Result<ShowPage, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (c, versions) = emss_app::contracts::detail(&state.app, actor, id).await?;
    let current = ContractState::parse(&c.state).unwrap_or(ContractState::Draft);
    let manages = Permission::ManageContracts.allows(Some(actor)) && actor.org_id == c.agency_id;
    let changes: Vec<super::agencies::ChangeRow> =
        emss_app::contracts::changes_of(&state.app, actor, id)
            .await?
            .into_iter()
            .map(super::agencies::change_row)
            .collect();
    let has_pending = changes.iter().any(super::agencies::ChangeRow::pending);
    let (edit, change) = if manages && current.editable() {
        (
            Some((
                typed.unwrap_or_else(|| ContractForm::of(&c)),
                choices(state, actor).await?,
            )),
            None,
        )
    } else if manages && current == ContractState::Approved && !has_pending {
        (
            None,
            Some((
                typed.unwrap_or_else(|| ContractForm::of(&c)),
                choices(state, actor).await?,
            )),
        )
    } else {
        (None, None)
    };
    let party_a =
        Permission::DecideContracts.allows(Some(actor)) && actor.org_id == c.enterprise_id;
    let attachments = emss_app::contracts::attachments(&state.app, actor, id).await?;
    Ok(ShowPage {
        shell: Shell::portal(
            ctx,
            "page.contracts",
            "合同详情",
            &["任务管理", "合同管理", "合同详情"],
        ),
        submitted_at: format_optional(c.submitted_at),
        decided_at: format_optional(c.decided_at),
        trail: trail_rows(versions),
        can_submit: manages && ContractAction::Submit.next(current).is_some(),
        can_decide: party_a && current == ContractState::Submitted,
        can_decide_change: party_a && has_pending,
        can_attach: manages && current.editable(),
        attachments,
        change,
        changes,
        edit,
        c,
        errors,
        notice,
    })
}

fn notice_of(done: Option<&str>) -> Option<&'static str> {
    done.map(|d| match d {
        "saved" => "合同已保存",
        "submitted" => "合同已提交，等待甲方确认",
        "approve" => "已确认合同",
        "reject" => "已退回合同",
        "change_requested" => "变更申请已提交，等待甲方审核",
        "change_approved" => "变更申请已通过，合同已更新",
        "change_rejected" => "变更申请已驳回",
        "attached" => "附件已上传",
        _ => "已完成",
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

pub async fn update(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<ContractForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let submit = form.submit.is_some();
    let saved = emss_app::contracts::update(&state.app, actor, &id, form.input()).await;
    let saved = match saved {
        Ok(_) if submit => {
            emss_app::contracts::act(&state.app, actor, &id, ContractAction::Submit, "").await
        }
        other => other,
    };
    match saved {
        Ok(_) => Ok(Redirect::to(&format!(
            "/contracts/{id}?done={}",
            if submit { "submitted" } else { "saved" }
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, Some(form), e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DecisionForm {
    pub decision: String,
    #[serde(default)]
    pub reason: String,
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::contracts::act(&state.app, actor, &id, ContractAction::Submit, "").await {
        Ok(_) => Ok(Redirect::to(&format!("/contracts/{id}?done=submitted")).into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, None, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decide(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<DecisionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let action = if emss_app::filing_change::approves(&form.decision)? {
        ContractAction::Approve
    } else {
        ContractAction::Reject
    };
    match emss_app::contracts::act(&state.app, actor, &id, action, &form.reason).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/contracts/{id}?done={}", form.decision)).into_response())
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, None, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ChangeForm {
    #[serde(flatten)]
    pub contract: ContractForm,
    #[serde(default)]
    pub reason: String,
}

/// The agency proposes a change to a confirmed contract.
pub async fn request_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    PageForm(form): PageForm<ChangeForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    match emss_app::contracts::request_change(
        &state.app,
        actor,
        &id,
        form.contract.input(),
        &form.reason,
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/contracts/{id}?done=change_requested#changes")).into_response(),
        ),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, Some(form.contract), e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// Party A decides a change request.
pub async fn decide_change(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, change_id)): Path<(String, String)>,
    PageForm(form): PageForm<super::filing_changes::DecisionForm>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let approve = emss_app::filing_change::approves(&form.decision)?;
    match emss_app::contracts::decide_change(
        &state.app,
        actor,
        &id,
        &change_id,
        approve,
        &form.comment,
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/contracts/{id}?done={}#changes",
            if approve {
                "change_approved"
            } else {
                "change_rejected"
            }
        ))
        .into_response()),
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, None, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// 上传合同附件 from the contract's page; a problem comes back next to the file input.
pub async fn upload_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (_, files) = crate::upload::form(req, &state).await?;
    let file = files.into_iter().find(|f| f.kind == "file");
    match emss_app::contracts::upload_attachment(&state.app, actor, &id, file).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/contracts/{id}?done=attached#attachments")).into_response())
        }
        Err(e) if e.code == ErrorCode::ValidationFailed => {
            let page = show_page(&state, &ctx, &id, None, e.fields, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (a, bytes) =
        emss_app::contracts::attachment_file(&state.app, actor, &id, &attachment_id).await?;
    Ok(crate::api::download(&a.file_name, &a.content_type, bytes))
}
