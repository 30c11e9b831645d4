//! 信息变更申请 for a confirmed contract: the agency proposes new values with a reason; party A
//! approves (the contract takes them as a new version of its trail) or rejects with a comment.

use super::{
    ContractInput, ContractView, check, conflict, current, names_of, state_of, trail, view,
};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::filing_change::{
    ChangeView, change_view, decision_comment, mark_decided, reason_problem, waiting,
};
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::{change_request, contract};
use emss_db::repo;
use emss_domain::change_request::{ChangeState, FieldChange, changed_fields};
use emss_domain::contract::{ContractNature, ContractState};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// `change_request.subject_kind` of contract changes.
pub const SUBJECT: &str = "contract";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Proposed {
    title: String,
    nature: String,
    amount_fen: i64,
    start: NaiveDate,
    end: NaiveDate,
}

fn applied(c: &contract::Model, p: &Proposed) -> contract::Model {
    contract::Model {
        title: p.title.clone(),
        nature: p.nature.clone(),
        amount_fen: p.amount_fen,
        performance_start: p.start,
        performance_end: p.end,
        ..c.clone()
    }
}

fn shown(v: &ContractView) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("title", "合同标题", v.title.clone()),
        ("nature", "合同性质", v.nature_label.clone()),
        ("amount", "合同金额（元）", v.amount.clone()),
        (
            "performance_start",
            "履行开始时间",
            v.performance_start.to_string(),
        ),
        (
            "performance_end",
            "履行结束时间",
            v.performance_end.to_string(),
        ),
    ]
}

fn differences(
    c: &contract::Model,
    p: &Proposed,
    names: &HashMap<String, String>,
) -> Vec<FieldChange> {
    let pairs: Vec<(&str, &str, String, String)> = shown(&view(c, names))
        .into_iter()
        .zip(shown(&view(&applied(c, p), names)))
        .map(|((field, label, b), (_, _, a))| (field, label, b, a))
        .collect();
    changed_fields(&pairs)
}

fn pending_error() -> AppError {
    AppError::field(
        "state",
        "该合同已有一份变更申请等待甲方审核，请等待审核结果后再申请",
    )
}

/// The agency proposes new values for a confirmed contract (party A stays the same).
pub async fn request_change(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ContractInput,
    reason: &str,
) -> Result<ChangeView, AppError> {
    if !Permission::ManageContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = current(app, actor, id).await?;
    if state_of(&found)? != ContractState::Approved {
        return Err(AppError::field(
            "state",
            "合同尚未经甲方确认，请直接修改后提交",
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
    if input.enterprise_id.trim() != found.enterprise_id {
        errors.add("enterprise_id", "甲方不能变更；如更换甲方，请另签合同");
    }
    errors.into_result()?;
    let c = check(app, &input).await?;
    let proposed = Proposed {
        title: c.title,
        nature: c.nature.as_str().to_string(),
        amount_fen: c.amount_fen,
        start: c.start,
        end: c.end,
    };
    let names = names_of(app, &[&found]).await?;
    let changes = differences(&found, &proposed, &names);
    if changes.is_empty() {
        return Err(AppError::field(
            "state",
            "没有修改任何合同信息，无需申请变更",
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
        "contract.change_request",
        Some(("contract", &found.id)),
        Outcome::Ok,
        json!({
            "change_id": model.id,
            "fields": changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
        }),
    )
    .await?;
    txn.commit().await?;
    let agency = names.get(&found.agency_id).cloned().unwrap_or_default();
    Ok(change_view(model, agency))
}

/// The change requests of a contract, newest first, for everyone who sees the contract.
pub async fn of_contract(app: &App, actor: &Actor, id: &str) -> Result<Vec<ChangeView>, AppError> {
    if !Permission::ViewContracts.allows(Some(actor)) {
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

/// Party A approves (the contract takes the values, a new version) or rejects (comment required).
pub async fn decide_change(
    app: &App,
    actor: &Actor,
    contract_id: &str,
    change_id: &str,
    approve: bool,
    comment: &str,
) -> Result<ChangeView, AppError> {
    if !Permission::DecideContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = current(app, actor, contract_id).await?;
    let db = &app.db().conn;
    let c = waiting(db, change_id, SUBJECT, Some(&found.id)).await?;
    let comment = decision_comment(approve, comment)?;
    let now = app.now();
    let names = names_of(app, &[&found]).await?;
    let txn = app.db().begin_write().await?;
    mark_decided(&txn, app, actor, change_id, approve, comment).await?;
    if approve {
        let proposed: Proposed = serde_json::from_str(&c.proposed).map_err(AppError::internal)?;
        if ContractNature::parse(&proposed.nature).is_none() {
            return Err(AppError::internal("a change proposes an unknown nature"));
        }
        let model = contract::Model {
            version: found.version + 1,
            updated_at: now,
            ..applied(&found, &proposed)
        };
        if !repo::contract::save(&txn, model.clone(), found.version).await? {
            return Err(conflict());
        }
        trail(
            &txn,
            app,
            Some(actor),
            &model,
            &names,
            "contract.change_approve",
            json!({"change_id": change_id, "comment": comment}),
        )
        .await?;
    } else {
        audit::record(
            &txn,
            app,
            Some(actor),
            "contract.change_reject",
            Some(("contract", &found.id)),
            Outcome::Ok,
            json!({"change_id": change_id, "comment": comment}),
        )
        .await?;
    }
    txn.commit().await?;
    let decided = repo::change_request::get(db, change_id)
        .await?
        .ok_or_else(|| AppError::internal("a decided change request vanished"))?;
    let agency = names.get(&found.agency_id).cloned().unwrap_or_default();
    Ok(change_view(decided, agency))
}

/// A demo change request waiting for party A: a confirmed contract's amount goes up.
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    found: &contract::Model,
    requested_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let proposed = Proposed {
        title: found.title.clone(),
        nature: found.nature.clone(),
        amount_fen: found.amount_fen + 1_500_000,
        start: found.performance_start,
        end: found.performance_end,
    };
    let changes = differences(found, &proposed, &HashMap::new());
    repo::change_request::insert(
        txn,
        change_request::Model {
            id: emss_domain::ids::new_id(),
            subject_kind: SUBJECT.to_string(),
            subject_id: found.id.clone(),
            org_id: found.agency_id.clone(),
            state: ChangeState::Pending.as_str().to_string(),
            proposed: serde_json::to_string(&proposed).map_err(AppError::internal)?,
            changes: serde_json::to_string(&changes).map_err(AppError::internal)?,
            reason: "增加一台总磷分析仪的运维，合同金额相应增加".to_string(),
            base_version: found.version,
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
