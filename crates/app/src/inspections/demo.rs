//! The demo's inspection: the 浦东 regulator's 比对抽测 at one of agency A's wastewater outlets,
//! in which the COD analyser failed, with the monitoring station's report, and the order issued
//! from its findings. Both go through the
//! same use cases as a regulator's own (after the demo's other data is committed), so they carry
//! the trail and audit entries a real inspection and order write.

use crate::rectifications::{ProblemInput, RectificationInput};
use crate::{App, AppError};
use chrono::Duration;
use emss_db::repo;
use emss_domain::inspection::{Answer, InspectionKind};
use emss_domain::rectification::ProblemSource;
use emss_domain::time::shanghai_date;

use super::{ChecklistInput, ComparisonInput, InspectionInput, ResultsInput, checklist_of};

/// (instrument parameter, comparison item, reference value, online value): COD fails by 27.5 %
/// against ±20 % in its band; ammonia passes.
const READINGS: &[(&str, &str, &str, &str)] = &[
    ("化学需氧量", "cod", "80", "102"),
    ("氨氮", "nh3n", "5.20", "5.45"),
];

pub(crate) async fn load_demo(
    app: &App,
    regulator_id: &str,
    agency_id: &str,
) -> Result<(), AppError> {
    let db = &app.db().conn;
    let Some(found) = repo::account::find_with_org(db, regulator_id).await? else {
        return Ok(());
    };
    let regulator = crate::auth::actor_of(&found);
    let sampled_at = app.now() - Duration::hours(2);
    let day = shanghai_date(sampled_at);
    // The first of agency A's tasks in the regulator's district with a COD analyser.
    let mut scene = None;
    for t in repo::task::inspectable(db, &regulator.scope()).await? {
        if t.agency_id != agency_id {
            continue;
        }
        for b in repo::task::bindings(db, &t.id).await? {
            if b.kind != "outlet" {
                continue;
            }
            let instruments = repo::outlet::instruments(db, &b.ref_id).await?;
            if instruments.iter().any(|i| i.parameter == READINGS[0].0) {
                scene = Some((t.id.clone(), b.ref_id.clone(), instruments));
                break;
            }
        }
        if scene.is_some() {
            break;
        }
    }
    let Some((task_id, outlet_id, instruments)) = scene else {
        return Ok(());
    };
    let comparisons = READINGS
        .iter()
        .filter_map(|(parameter, item, reference, measured)| {
            let i = instruments.iter().find(|i| i.parameter == *parameter)?;
            Some(ComparisonInput {
                instrument_id: i.id.clone(),
                limit_id: item.to_string(),
                reference: reference.to_string(),
                measured: measured.to_string(),
                unit: String::new(),
                sampled_at: sampled_at.to_rfc3339(),
            })
        })
        .collect();
    let checklist = checklist_of(InspectionKind::Comparison)?
        .items
        .iter()
        .map(|item| ChecklistInput {
            id: item.id.clone(),
            answer: Answer::Conform.as_str().to_string(),
            note: String::new(),
        })
        .collect();
    let inspection = super::create(
        app,
        &regulator,
        InspectionInput {
            kind: InspectionKind::Comparison.as_str().to_string(),
            inspected_on: day.to_string(),
            task_id,
            outlet_id,
            inspector_ids: vec![regulator.account_id.clone()],
            origin: String::new(),
            origin_id: String::new(),
            planned: false,
            results: ResultsInput {
                checklist,
                comparisons,
                findings: Vec::new(),
                summary: "区监测站同步采集实际水样送实验室分析，与在线监测数据比对。".to_string(),
            },
        },
        None,
    )
    .await?;
    // The monitoring station's report, stored and audited as an upload is (the demo's file is
    // known clean; a deployment's scanner may not run where the demo is loaded).
    let bytes = crate::demo::DEMO_PDF;
    let key = app
        .blobs()
        .put(bytes.to_vec())
        .await
        .map_err(AppError::internal)?;
    let report = emss_db::entity::inspection_attachment::Model {
        id: emss_domain::ids::new_id(),
        inspection_id: inspection.id.clone(),
        blob_key: key.to_string(),
        file_name: "比对监测报告.pdf".to_string(),
        content_type: emss_domain::attachment::FileType::Pdf
            .content_type()
            .to_string(),
        size: i64::try_from(bytes.len()).map_err(AppError::internal)?,
        uploaded_by: regulator.account_id.clone(),
        uploaded_at: app.now(),
    };
    let txn = app.db().begin_write().await?;
    repo::inspection::insert_attachment(&txn, report.clone()).await?;
    crate::audit::record(
        &txn,
        app,
        Some(&regulator),
        "inspection.attachment",
        Some(("inspection", &inspection.id)),
        crate::audit::Outcome::Ok,
        serde_json::json!({"attachment": report.id, "file_name": report.file_name, "sha256": report.blob_key}),
    )
    .await?;
    txn.commit().await?;
    let findings = repo::inspection::findings(db, &inspection.id).await?;
    let problems = findings
        .iter()
        .map(|f| ProblemInput {
            source: ProblemSource::Finding.as_str().to_string(),
            source_id: f.id.clone(),
            description: f.description.clone(),
        })
        .collect();
    crate::rectifications::create(
        app,
        &regulator,
        RectificationInput {
            agency_id: inspection.agency_id.clone(),
            enterprise_id: inspection.enterprise_id.clone(),
            title: format!("{}比对抽测不合格整改", inspection.outlet_name),
            basis: "HJ 355-2019《水污染源在线监测系统（CODCr、NH3-N 等）运行技术规范》；运维合同关于运维质量的约定".to_string(),
            deadline: (day + Duration::days(10)).to_string(),
            problems,
        },
        true,
        None,
    )
    .await?;
    Ok(())
}
