//! Running tasks: contract, points, staff and the weekly plan.

use super::{FORM, Ids, put};
use crate::scale::Scale;
use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use emss_db::entity::{contract, maintenance_task, task_binding, task_plan};
use indicatif::ProgressBar;
use sea_orm::ConnectionTrait;
use serde_json::json;
pub(super) struct Task {
    pub(super) id: String,
    pub(super) number: usize,
    pub(super) agency: usize,
    pub(super) enterprise: usize,
    pub(super) plan_id: String,
}

pub(super) async fn tasks(
    db: &impl ConnectionTrait,
    scale: &Scale,
    ids: &Ids,
    at: DateTime<Utc>,
    bar: &ProgressBar,
) -> Result<Vec<Task>> {
    let today = emss_domain::time::shanghai_date(at);
    let start = today - Duration::days(730);
    let end = today + Duration::days(365);
    let (mut contracts, mut tasks, mut bindings, mut plans) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut out = Vec::new();
    for t in 0..scale.tasks {
        let agency = t % scale.agencies;
        let enterprise = t % scale.enterprises;
        let (agency_id, enterprise_id) = (&ids.agencies[agency], &ids.enterprises[enterprise].0);
        let contract_id = emss_domain::ids::new_id();
        contracts.push(contract::Model {
            id: contract_id.clone(),
            agency_id: agency_id.clone(),
            enterprise_id: enterprise_id.clone(),
            title: format!("自动监测设备运维服务合同 {t}"),
            nature: "maintenance".into(),
            amount_fen: 12_000_000,
            performance_start: start,
            performance_end: end,
            state: "approved".into(),
            reject_reason: None,
            version: 2,
            submitted_at: Some(at),
            decided_at: Some(at),
            created_at: at,
            updated_at: at,
        });
        let id = emss_domain::ids::new_id();
        tasks.push(maintenance_task::Model {
            id: id.clone(),
            agency_id: agency_id.clone(),
            enterprise_id: enterprise_id.clone(),
            contract_id,
            name: format!("废水在线监测设备运维 {t}"),
            number: format!("YW-{t:05}"),
            kind: "wastewater".into(),
            start_date: start,
            end_date: end,
            state: "in_progress".into(),
            version: 2,
            submitted_at: Some(at),
            closed_at: None,
            created_at: at,
            updated_at: at,
        });
        bindings.push(task_binding::Model {
            task_id: id.clone(),
            kind: "outlet".into(),
            ref_id: ids.outlets[enterprise].0.clone(),
            position: 0,
        });
        for (i, (_, _, staff_id)) in ids.filers[agency].iter().enumerate() {
            bindings.push(task_binding::Model {
                task_id: id.clone(),
                kind: "staff".into(),
                ref_id: staff_id.clone(),
                position: i as i32,
            });
        }
        let plan_id = emss_domain::ids::new_id();
        plans.push(task_plan::Model {
            id: plan_id.clone(),
            task_id: id.clone(),
            position: 0,
            title: "标准样品更换".into(),
            frequency: "weekly".into(),
            form_codes: json!([FORM]).to_string(),
            start_date: start,
            end_date: end,
        });
        out.push(Task {
            id,
            number: t,
            agency,
            enterprise,
            plan_id,
        });
        bar.inc(1);
    }
    put(db, contracts).await?;
    put(db, tasks).await?;
    put(db, bindings).await?;
    put(db, plans).await?;
    Ok(out)
}
