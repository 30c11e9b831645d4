//! Contracts (合同, product.md §3): the agency's contract manager drafts and submits; party A's
//! enterprise administrator confirms or sends back with a reason; regulators read those of
//! enterprises in their scope. Every change writes a version (查看留痕) and an audit entry in the
//! same transaction.

use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::{contract, contract_version};
use emss_db::repo;
use emss_db::repo::contract::ContractFilter;
use emss_domain::contract::{
    ContractAction, ContractNature, ContractState, format_amount, parse_amount, period_problem,
};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::{Actor, ErrorCode, OrgKind, Permission};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::HashMap;

mod attachments;
mod change;
pub mod internal;

pub use attachments::{ContractAttachmentView, attachment_file, attachments, upload_attachment};
pub use change::{decide_change, of_contract as changes_of, request_change};

/// A contract as typed.
#[derive(Debug, Clone, Default)]
pub struct ContractInput {
    /// Party A (甲方): an enterprise.
    pub enterprise_id: String,
    pub title: String,
    /// `testing` | `maintenance`.
    pub nature: String,
    /// Yuan, at most two decimals.
    pub amount: String,
    /// `YYYY-MM-DD`.
    pub performance_start: String,
    pub performance_end: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContractView {
    pub id: String,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub title: String,
    pub nature: String,
    pub nature_label: String,
    /// Yuan with two decimals (`12800.50`).
    pub amount: String,
    pub performance_start: NaiveDate,
    pub performance_end: NaiveDate,
    pub state: String,
    pub state_label: String,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
}

/// One version of the trail (查看留痕).
#[derive(Debug, Clone, Serialize)]
pub struct ContractVersionView {
    pub version: i32,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<String>,
    pub event: String,
    pub event_label: String,
    pub state: String,
    pub snapshot: Value,
}

fn view(c: &contract::Model, names: &HashMap<String, String>) -> ContractView {
    let nature = ContractNature::parse(&c.nature);
    let state = ContractState::parse(&c.state);
    let name = |id: &str| names.get(id).cloned().unwrap_or_default();
    ContractView {
        id: c.id.clone(),
        agency_id: c.agency_id.clone(),
        agency_name: name(&c.agency_id),
        enterprise_id: c.enterprise_id.clone(),
        enterprise_name: name(&c.enterprise_id),
        title: c.title.clone(),
        nature: c.nature.clone(),
        nature_label: nature.map(|n| n.label()).unwrap_or_default().to_string(),
        amount: format_amount(c.amount_fen),
        performance_start: c.performance_start,
        performance_end: c.performance_end,
        state: c.state.clone(),
        state_label: state.map(|s| s.label()).unwrap_or_default().to_string(),
        reject_reason: c.reject_reason.clone(),
        version: c.version,
        submitted_at: c.submitted_at,
        decided_at: c.decided_at,
    }
}

async fn names_of(
    app: &App,
    contracts: &[&contract::Model],
) -> Result<HashMap<String, String>, AppError> {
    let mut ids: Vec<String> = contracts
        .iter()
        .flat_map(|c| [c.agency_id.clone(), c.enterprise_id.clone()])
        .collect();
    ids.sort();
    ids.dedup();
    Ok(repo::organization::names(&app.db().conn, &ids).await?)
}

struct Checked {
    enterprise_id: String,
    title: String,
    nature: ContractNature,
    amount_fen: i64,
    start: NaiveDate,
    end: NaiveDate,
}

fn date(errors: &mut FieldErrors, field: &str, label: &str, raw: &str) -> Option<NaiveDate> {
    let d = NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
    if d.is_none() {
        errors.add(field, format!("请填写{label}（年-月-日）"));
    }
    d
}

async fn check(app: &App, input: &ContractInput) -> Result<Checked, AppError> {
    let mut errors = FieldErrors::new();
    let enterprise_id = input.enterprise_id.trim().to_string();
    let is_enterprise = match enterprise_id.as_str() {
        "" => false,
        id => repo::organization::find(&app.db().conn, id)
            .await?
            .is_some_and(|o| o.kind == OrgKind::Enterprise.as_str()),
    };
    if !is_enterprise {
        errors.add("enterprise_id", "请选择甲方（排污企业）");
    }
    let title = input.title.trim().to_string();
    if title.is_empty() {
        errors.add("title", "请填写合同标题");
    } else if title.chars().count() > 100 || title.chars().any(char::is_control) {
        errors.add("title", "合同标题不能超过 100 个字，且不能含控制字符");
    }
    let nature = ContractNature::parse(input.nature.trim());
    if nature.is_none() {
        errors.add("nature", "请选择合同性质（监测或运维）");
    }
    let amount = parse_amount(&input.amount);
    if let Err(p) = amount {
        errors.add("amount", p);
    }
    let start = date(
        &mut errors,
        "performance_start",
        "履行开始时间",
        &input.performance_start,
    );
    let end = date(
        &mut errors,
        "performance_end",
        "履行结束时间",
        &input.performance_end,
    );
    if let (Some(s), Some(e)) = (start, end) {
        errors.check("performance_end", period_problem(s, e));
    }
    errors.into_result()?;
    match (nature, amount, start, end) {
        (Some(nature), Ok(amount_fen), Some(start), Some(end)) => Ok(Checked {
            enterprise_id,
            title,
            nature,
            amount_fen,
            start,
            end,
        }),
        _ => Err(AppError::internal(
            "a contract passed its checks without values",
        )),
    }
}

/// Records the contract as it now stands: the version row and the audit entry.
async fn trail(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    c: &contract::Model,
    names: &HashMap<String, String>,
    event: &str,
    extra: Value,
) -> Result<(), AppError> {
    let snapshot = serde_json::to_value(view(c, names)).map_err(AppError::internal)?;
    repo::contract::add_version(
        txn,
        contract_version::Model {
            contract_id: c.id.clone(),
            version: c.version,
            at: app.now(),
            actor_id: actor.map(|a| a.account_id.clone()),
            event: event.to_string(),
            state: c.state.clone(),
            snapshot: snapshot.to_string(),
        },
    )
    .await?;
    let mut detail = json!({"version": c.version, "state": c.state, "title": c.title});
    if let (Some(d), Value::Object(extra)) = (detail.as_object_mut(), extra) {
        d.extend(extra);
    }
    audit::record(
        txn,
        app,
        actor,
        event,
        Some(("contract", &c.id)),
        Outcome::Ok,
        detail,
    )
    .await?;
    Ok(())
}

fn conflict() -> AppError {
    AppError::field("state", "合同刚被他人处理，请刷新后查看")
}

/// Drafts a contract (and submits it to party A when `submit`).
pub async fn create(
    app: &App,
    actor: &Actor,
    input: ContractInput,
    submit: bool,
) -> Result<ContractView, AppError> {
    if !Permission::ManageContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let c = check(app, &input).await?;
    let now = app.now();
    let state = if submit {
        ContractState::Submitted
    } else {
        ContractState::Draft
    };
    let model = contract::Model {
        id: emss_domain::ids::new_id(),
        agency_id: actor.org_id.clone(),
        enterprise_id: c.enterprise_id,
        title: c.title,
        nature: c.nature.as_str().to_string(),
        amount_fen: c.amount_fen,
        performance_start: c.start,
        performance_end: c.end,
        state: state.as_str().to_string(),
        reject_reason: None,
        version: 1,
        submitted_at: submit.then_some(now),
        decided_at: None,
        created_at: now,
        updated_at: now,
    };
    let names = names_of(app, &[&model]).await?;
    let txn = app.db().begin_write().await?;
    repo::contract::insert(&txn, model.clone()).await?;
    trail(
        &txn,
        app,
        Some(actor),
        &model,
        &names,
        "contract.create",
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(&model, &names))
}

async fn current(app: &App, actor: &Actor, id: &str) -> Result<contract::Model, AppError> {
    repo::contract::get(&app.db().conn, &actor.scope(), id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))
}

fn state_of(c: &contract::Model) -> Result<ContractState, AppError> {
    ContractState::parse(&c.state)
        .ok_or_else(|| AppError::internal(format!("contract {} has unknown state", c.id)))
}

/// Edits a draft or a contract sent back.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ContractInput,
) -> Result<ContractView, AppError> {
    if !Permission::ManageContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = current(app, actor, id).await?;
    if !state_of(&found)?.editable() {
        return Err(AppError::field(
            "state",
            "合同已提交或已确认，不能直接修改；已确认的合同须通过信息变更申请修改",
        ));
    }
    let c = check(app, &input).await?;
    let model = contract::Model {
        enterprise_id: c.enterprise_id,
        title: c.title,
        nature: c.nature.as_str().to_string(),
        amount_fen: c.amount_fen,
        performance_start: c.start,
        performance_end: c.end,
        version: found.version + 1,
        updated_at: app.now(),
        ..found.clone()
    };
    let names = names_of(app, &[&model]).await?;
    let txn = app.db().begin_write().await?;
    if !repo::contract::save(&txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    trail(
        &txn,
        app,
        Some(actor),
        &model,
        &names,
        "contract.update",
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(&model, &names))
}

/// Moves a contract: the agency submits; party A confirms or sends it back (reason required).
pub async fn act(
    app: &App,
    actor: &Actor,
    id: &str,
    action: ContractAction,
    reason: &str,
) -> Result<ContractView, AppError> {
    let allowed = match action {
        ContractAction::Submit => Permission::ManageContracts.allows(Some(actor)),
        ContractAction::Approve | ContractAction::Reject => {
            Permission::DecideContracts.allows(Some(actor))
        }
    };
    if !allowed {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = current(app, actor, id).await?;
    let from = state_of(&found)?;
    let Some(to) = action.next(from) else {
        return Err(AppError::field(
            "state",
            &format!("合同当前为“{}”，不能进行此操作", from.label()),
        ));
    };
    let reason = reason.trim();
    if action == ContractAction::Reject && reason.is_empty() {
        return Err(AppError::field("reason", "退回须填写原因"));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::field("reason", "原因不能超过 500 个字"));
    }
    let now = app.now();
    let model = contract::Model {
        state: to.as_str().to_string(),
        reject_reason: match action {
            ContractAction::Reject => Some(reason.to_string()),
            ContractAction::Submit => None,
            ContractAction::Approve => found.reject_reason.clone(),
        },
        submitted_at: if action == ContractAction::Submit {
            Some(now)
        } else {
            found.submitted_at
        },
        decided_at: if action == ContractAction::Submit {
            found.decided_at
        } else {
            Some(now)
        },
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    let names = names_of(app, &[&model]).await?;
    let txn = app.db().begin_write().await?;
    if !repo::contract::save(&txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    trail(
        &txn,
        app,
        Some(actor),
        &model,
        &names,
        action.audit_action(),
        json!({"from": from.as_str(), "reason": (!reason.is_empty()).then_some(reason)}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(&model, &names))
}

/// 合同管理: contracts in the actor's scope, newest first.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: ContractFilter,
    page: PageRequest,
) -> Result<Page<ContractView>, AppError> {
    if !Permission::ViewContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = repo::contract::list(&app.db().conn, &actor.scope(), &filter, page).await?;
    let names = names_of(app, &found.items.iter().collect::<Vec<_>>()).await?;
    let items = found.items.iter().map(|c| view(c, &names)).collect();
    Ok(Page::new(items, found.total, page))
}

/// One contract with its trail; outside scope: 404.
pub async fn detail(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<(ContractView, Vec<ContractVersionView>), AppError> {
    if !Permission::ViewContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = current(app, actor, id).await?;
    let names = names_of(app, &[&found]).await?;
    let versions = repo::contract::versions(&app.db().conn, id)
        .await?
        .into_iter()
        .map(|v| ContractVersionView {
            version: v.version,
            at: v.at,
            actor_id: v.actor_id,
            event_label: emss_domain::audit::action_label(&v.event).to_string(),
            event: v.event,
            state: v.state,
            snapshot: serde_json::from_str(&v.snapshot).unwrap_or(Value::Null),
        })
        .collect();
    Ok((view(&found, &names), versions))
}

/// The contract to-dos of the home page: (label, count, where it leads).
pub async fn todos(
    app: &App,
    actor: &Actor,
) -> Result<Vec<(&'static str, u64, &'static str)>, AppError> {
    let db = &app.db().conn;
    let scope = actor.scope();
    let mut out = Vec::new();
    if Permission::DecideContracts.allows(Some(actor)) {
        let waiting =
            repo::contract::count_in_state(db, &scope, ContractState::Submitted.as_str()).await?;
        out.push(("待确认合同", waiting, "/contracts?state=submitted"));
        let changes = repo::contract::pending_changes(db, &scope).await?;
        out.push(("待审核合同变更", changes, "/contracts?change=pending"));
    }
    if Permission::ManageContracts.allows(Some(actor)) {
        let back =
            repo::contract::count_in_state(db, &scope, ContractState::Rejected.as_str()).await?;
        out.push(("被退回的合同", back, "/contracts?state=rejected"));
        let drafts =
            repo::contract::count_in_state(db, &scope, ContractState::Draft.as_str()).await?;
        out.push(("合同草稿", drafts, "/contracts?state=draft"));
    }
    Ok(out)
}

/// The enterprises the actor may pick as party A (甲方), in forms and filters: (id, name). An
/// enterprise sees only itself, a district regulator its district's, everyone else all.
pub async fn parties(app: &App, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
    let scope = actor.scope();
    Ok(
        repo::organization::list_by_kinds(&app.db().conn, &[OrgKind::Enterprise])
            .await?
            .into_iter()
            .filter(|o| match &scope {
                emss_domain::Scope::Enterprise(id) => &o.id == id,
                emss_domain::Scope::District(code) => o.district_code.as_ref() == Some(code),
                _ => true,
            })
            .map(|o| (o.id, o.name))
            .collect(),
    )
}

/// Demo contracts of an agency: one in every state with its enterprises, and a change request of
/// the confirmed one waiting for party A.
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    agency_id: &str,
    enterprises: &[&str],
    requested_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    // Running for three months already, for another nine: room for tasks with a past.
    let today = emss_domain::time::shanghai_date(now);
    let start = today
        .checked_sub_days(chrono::Days::new(90))
        .ok_or_else(|| AppError::internal("demo date"))?;
    let end = today
        .checked_add_days(chrono::Days::new(270))
        .ok_or_else(|| AppError::internal("demo date"))?;
    let plans = [
        (
            "废水自动监测设备运维服务合同",
            ContractState::Approved,
            12_800_000,
        ),
        (
            "烟气在线监测系统（CEMS）运维服务合同",
            ContractState::Submitted,
            9_650_050,
        ),
        (
            "2027 年度废水自动监测运维合同",
            ContractState::Draft,
            13_000_000,
        ),
        ("烟气比对监测合同", ContractState::Rejected, 2_400_000),
    ];
    for (n, (title, state, amount_fen)) in plans.into_iter().enumerate() {
        let Some(enterprise_id) = enterprises.get(n % enterprises.len().max(1)) else {
            continue;
        };
        let model = contract::Model {
            id: emss_domain::ids::new_id(),
            agency_id: agency_id.to_string(),
            enterprise_id: enterprise_id.to_string(),
            title: title.to_string(),
            nature: if n == 3 {
                ContractNature::Testing
            } else {
                ContractNature::Maintenance
            }
            .as_str()
            .to_string(),
            amount_fen,
            performance_start: start,
            performance_end: end,
            state: state.as_str().to_string(),
            reject_reason: (state == ContractState::Rejected)
                .then(|| "合同金额与报价单不一致，请核对后重新提交".to_string()),
            version: 1,
            submitted_at: (state != ContractState::Draft).then_some(now),
            decided_at: matches!(state, ContractState::Approved | ContractState::Rejected)
                .then_some(now),
            created_at: now,
            updated_at: now,
        };
        repo::contract::insert(txn, model.clone()).await?;
        let names = HashMap::new();
        trail(
            txn,
            app,
            None,
            &model,
            &names,
            "contract.create",
            json!({"demo": true}),
        )
        .await?;
        if state == ContractState::Approved {
            change::load_demo(txn, &model, requested_by, now).await?;
            attachments::load_demo(txn, app, &model.id, requested_by, now).await?;
        }
    }
    Ok(())
}
