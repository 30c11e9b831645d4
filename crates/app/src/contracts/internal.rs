//! The internal contract of a self-maintaining enterprise (自运维企业): it maintains its own
//! outlets, so it is both parties of one 运维 contract, confirmed when it is made. Its tasks bind
//! it like any contract, so tasks, plans and records need no second path.

use super::trail;
use crate::{App, AppError};
use chrono::{DateTime, Months, NaiveDate, Utc};
use emss_db::entity::contract;
use emss_db::repo;
use emss_domain::contract::{ContractNature, ContractState};
use emss_domain::{Actor, OrgKind};
use serde_json::json;

pub const TITLE: &str = "自行运维内部合同";

/// How long it runs: tasks must lie within their contract, and self-maintenance has no term.
const YEARS: u32 = 10;

/// Makes the internal contract of the self-maintaining enterprise `org_id`, starting on `start`,
/// with the trail every contract has. Its id is the enterprise's own, so making it twice (two
/// instances starting together) writes it once; true when this call wrote it.
pub(crate) async fn open(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    org_id: &str,
    org_name: &str,
    start: NaiveDate,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let end = start
        .checked_add_months(Months::new(12 * YEARS))
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| AppError::internal("internal contract end date"))?;
    let model = contract::Model {
        id: org_id.to_string(),
        agency_id: org_id.to_string(),
        enterprise_id: org_id.to_string(),
        title: TITLE.to_string(),
        nature: ContractNature::Maintenance.as_str().to_string(),
        amount_fen: 0,
        performance_start: start,
        performance_end: end,
        state: ContractState::Approved.as_str().to_string(),
        reject_reason: None,
        version: 1,
        submitted_at: Some(now),
        decided_at: Some(now),
        created_at: now,
        updated_at: now,
    };
    if !repo::contract::insert_if_absent(txn, model.clone()).await? {
        return Ok(false);
    }
    let names = [(org_id.to_string(), org_name.to_string())].into();
    trail(
        txn,
        app,
        actor,
        &model,
        &names,
        "contract.internal",
        json!({}),
    )
    .await?;
    Ok(true)
}

/// At start-up: every self-maintaining enterprise filed before internal contracts existed gets
/// its own, from the day it was registered. Returns how many were made.
pub async fn ensure_all(app: &App) -> Result<usize, AppError> {
    let db = &app.db().conn;
    let orgs = repo::organization::list_by_kinds(db, &[OrgKind::SelfMaintainingEnterprise]).await?;
    let mut missing = Vec::new();
    for org in orgs {
        if repo::contract::get(db, &emss_domain::Scope::City, &org.id)
            .await?
            .is_none()
        {
            missing.push(org);
        }
    }
    if missing.is_empty() {
        return Ok(0);
    }
    let now = app.now();
    let txn = app.db().begin_write().await?;
    let mut made = 0;
    for org in &missing {
        let start = emss_domain::time::shanghai_date(org.created_at);
        if open(&txn, app, None, &org.id, &org.name, start, now).await? {
            made += 1;
        }
    }
    txn.commit().await?;
    Ok(made)
}
