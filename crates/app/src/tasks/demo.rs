//! Demo tasks of an agency: under its confirmed maintenance contract, a wastewater task running
//! for six weeks already (its past weeks overdue until records arrive, one monthly report
//! uploaded, a change of personnel waiting for party A) and a flue-gas draft; and the
//! self-maintaining enterprise's own wastewater task under its internal contract.

use super::check::{Checked, CheckedPlan};
use super::{occurrences, parts};
use crate::{App, AppError};
use chrono::{DateTime, Days, Utc};
use emss_db::entity::maintenance_task;
use emss_db::repo;
use emss_db::repo::contract::ContractFilter;
use emss_domain::Scope;
use emss_domain::contract::{ContractNature, ContractState};
use emss_domain::form::definition::OutletKind;
use emss_domain::listing::PageRequest;
use emss_domain::plan::PlanFrequency;
use emss_domain::task::TaskState;

/// A demo task: its name, number, type, state and plans (title, frequency, form types).
pub(crate) struct DemoTask {
    pub name: &'static str,
    pub number: &'static str,
    pub kind: OutletKind,
    pub state: TaskState,
    pub plans: &'static [(&'static str, PlanFrequency, &'static [&'static str])],
}

/// Agency A's tasks for 高桥东方精细化工.
pub(crate) const AGENCY_TASKS: &[DemoTask] = &[
    DemoTask {
        name: "高桥东方精细化工废水自动监测运维",
        number: "PQ-YW-2026-001",
        kind: OutletKind::Wastewater,
        state: TaskState::InProgress,
        plans: &[
            (
                "每周巡检及标样核查",
                PlanFrequency::Weekly,
                &["ww_inspection", "ww_standard_check"],
            ),
            (
                "每月实际水样比对",
                PlanFrequency::Monthly,
                &["ww_sample_comparison"],
            ),
        ],
    },
    DemoTask {
        name: "高桥东方精细化工锅炉烟气 CEMS 运维",
        number: "PQ-YW-2026-002",
        kind: OutletKind::FlueGas,
        state: TaskState::Draft,
        plans: &[
            (
                "每周巡检",
                PlanFrequency::Weekly,
                &["fg_inspection_extractive"],
            ),
            (
                "季度定期校验",
                PlanFrequency::Quarterly,
                &["fg_periodic_verification"],
            ),
        ],
    },
];

/// The self-maintaining enterprise's own task under its internal contract.
pub(crate) const SELF_TASKS: &[DemoTask] = &[DemoTask {
    name: "临港滨海热电废水自动监测自行运维",
    number: "LG-ZY-2026-001",
    kind: OutletKind::Wastewater,
    state: TaskState::InProgress,
    plans: &[(
        "每周巡检及标样核查",
        PlanFrequency::Weekly,
        &["ww_inspection", "ww_standard_check"],
    )],
}];

/// Writes `tasks` for the agency (or self-maintaining enterprise) under its first confirmed 运维
/// contract, on all of party A's outlets of each task's type, with all its staff and equipment.
/// With `requested_by`, the running task also gets a monthly report and a change request.
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    agency_id: &str,
    tasks: &[DemoTask],
    requested_by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let today = emss_domain::time::shanghai_date(now);
    let contracts = repo::contract::list(
        txn,
        &Scope::Agency(agency_id.to_string()),
        &ContractFilter {
            enterprise_id: None,
            state: Some(ContractState::Approved.as_str().to_string()),
            nature: Some(ContractNature::Maintenance.as_str().to_string()),
            pending_change: false,
        },
        PageRequest::new(Some(1), Some(10)),
    )
    .await?
    .items;
    let Some(contract) = contracts
        .into_iter()
        .find(|c| c.nature == ContractNature::Maintenance.as_str())
    else {
        return Ok(());
    };
    let outlets = repo::outlet::list(
        txn,
        &Scope::Enterprise(contract.enterprise_id.clone()),
        None,
        PageRequest::new(Some(1), Some(10)),
    )
    .await?
    .items;
    let staff: Vec<(String, String)> = repo::agency_resources::staff(txn, agency_id)
        .await?
        .into_iter()
        .filter(|s| !s.resigned)
        .map(|s| (s.id, s.name))
        .collect();
    let staff_ids: Vec<String> = staff.iter().map(|(id, _)| id.clone()).collect();
    let equipment_ids: Vec<String> = repo::agency_resources::equipment(txn, agency_id)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect();
    let start = today
        .checked_sub_days(Days::new(42))
        .ok_or_else(|| AppError::internal("demo date"))?
        .max(contract.performance_start);
    let end = contract.performance_end;
    for task in tasks {
        let (name, number, kind, state) = (task.name, task.number, task.kind, task.state);
        let plans = task
            .plans
            .iter()
            .map(|(title, frequency, codes)| CheckedPlan {
                title: title.to_string(),
                frequency: *frequency,
                form_codes: codes.iter().map(|c| c.to_string()).collect(),
                start,
                end,
            })
            .collect();
        let checked = Checked {
            contract_id: contract.id.clone(),
            enterprise_id: contract.enterprise_id.clone(),
            name: name.to_string(),
            number: number.to_string(),
            kind,
            start,
            end,
            outlet_ids: outlets
                .iter()
                .filter(|o| o.kind == kind.as_str())
                .map(|o| o.id.clone())
                .collect(),
            staff_ids: staff_ids.clone(),
            equipment_ids: equipment_ids.clone(),
            plans,
        };
        let model = maintenance_task::Model {
            id: emss_domain::ids::new_id(),
            agency_id: agency_id.to_string(),
            enterprise_id: checked.enterprise_id.clone(),
            contract_id: checked.contract_id.clone(),
            name: checked.name.clone(),
            number: checked.number.clone(),
            kind: kind.as_str().to_string(),
            start_date: start,
            end_date: end,
            state: state.as_str().to_string(),
            version: 1,
            submitted_at: (state == TaskState::InProgress).then_some(now),
            closed_at: None,
            created_at: now,
            updated_at: now,
        };
        let (bindings, plan_rows) = parts(&model.id, &checked);
        repo::task::insert(txn, model.clone()).await?;
        repo::task::replace_parts(txn, &model.id, bindings, plan_rows.clone()).await?;
        crate::audit::record(
            txn,
            app,
            None,
            if state == TaskState::InProgress {
                "task.submit"
            } else {
                "task.create"
            },
            Some(("task", &model.id)),
            crate::audit::Outcome::Ok,
            serde_json::json!({"number": model.number, "name": model.name, "demo": true}),
        )
        .await?;
        if state == TaskState::InProgress {
            occurrences::generate(txn, &model, &checked.outlet_ids, &plan_rows).await?;
            if let Some(requested_by) = requested_by {
                demo_report(txn, app, &model.id, requested_by, now).await?;
                super::change::load_demo(txn, &model, &checked, &staff, requested_by, now).await?;
            }
        }
    }
    Ok(())
}

async fn demo_report(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    task_id: &str,
    uploaded_by: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let key = app
        .blobs()
        .put(crate::demo::DEMO_PDF.to_vec())
        .await
        .map_err(AppError::internal)?;
    repo::task::insert_report(
        txn,
        emss_db::entity::task_report::Model {
            id: emss_domain::ids::new_id(),
            task_id: task_id.to_string(),
            name: "废水自动监测设备运维月报".to_string(),
            category: emss_domain::task::ReportCategory::Monthly
                .as_str()
                .to_string(),
            description: "上月巡检、标样核查与比对情况汇总".to_string(),
            blob_key: key.to_string(),
            file_name: "运维月报.pdf".to_string(),
            content_type: emss_domain::attachment::FileType::Pdf
                .content_type()
                .to_string(),
            size: i64::try_from(crate::demo::DEMO_PDF.len()).map_err(AppError::internal)?,
            record_ids: "[]".to_string(),
            uploaded_by: uploaded_by.to_string(),
            uploaded_at: now,
        },
    )
    .await?;
    Ok(())
}
