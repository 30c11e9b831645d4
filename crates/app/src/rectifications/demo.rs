//! Demo orders of the 浦东 regulator to agency A, drafted from the demo's flagged records: one
//! signed for and past its deadline without an answer (逾期), with an extension request waiting;
//! one answered with a report and waiting for 销号.
//! Each carries the trail its drafting, issue, signing and answer would have written, at the
//! days they are placed on.

use crate::audit::{self, Outcome};
use crate::{App, AppError};
use chrono::{DateTime, Datelike, Duration, Utc};
use emss_db::entity::{
    rectification, rectification_attachment, rectification_extension, rectification_problem,
};
use emss_db::repo;
use emss_domain::attachment::FileType;
use emss_domain::record::FlagKind;
use emss_domain::rectification::{ExtensionState, ProblemSource, RectificationState, number};
use emss_domain::{Actor, OrgKind, Role};
use serde_json::json;

/// Who acts in the demo's orders: (organisation id, account id, name).
pub(crate) struct DemoParties<'a> {
    pub regulator: (&'a str, &'a str, &'a str),
    /// The regulator's name in the orders' numbers (浦东新区).
    pub authority: &'a str,
    pub agency: (&'a str, &'a str, &'a str),
}

fn actor((org, id, name): (&str, &str, &str), kind: OrgKind, role: Role, main: bool) -> Actor {
    Actor {
        account_id: id.to_string(),
        username: String::new(),
        name: name.to_string(),
        org_id: org.to_string(),
        org_kind: kind,
        org_name: String::new(),
        district_code: None,
        roles: vec![role],
        is_main: main,
    }
}

/// One step of an order's trail at its day.
struct Step<'a> {
    at: DateTime<Utc>,
    by: &'a Actor,
    action: &'static str,
    detail: serde_json::Value,
}

pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    parties: &DemoParties<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let regulator = actor(
        parties.regulator,
        OrgKind::DistrictRegulator,
        Role::DistrictRegulator,
        true,
    );
    let manager = actor(parties.agency, OrgKind::Agency, Role::TaskManager, true);
    let flagged = repo::rectification::flagged_records(txn, parties.agency.0).await?;
    let flags = repo::record::flags_of(
        txn,
        &flagged.iter().map(|r| r.id.clone()).collect::<Vec<_>>(),
    )
    .await?;
    let with_flag = |kind: FlagKind| {
        flagged.iter().find_map(|r| {
            flags
                .iter()
                .find(|f| f.record_id == r.id && f.kind == kind.as_str())
                .map(|f| (r, f))
        })
    };
    let today = emss_domain::time::shanghai_date(now);
    let year = today.year();
    let day = |n: i64| now - Duration::days(n);
    let mut seq = 0;
    // (flag, issued days ago, deadline from today, answered days ago).
    for (kind, issued, deadline, answered) in [
        (FlagKind::FailedVerdict, 12, -3, None),
        (FlagKind::FarFromOutlet, 8, 7, Some(1)),
    ] {
        let Some((r, flag)) = with_flag(kind) else {
            continue;
        };
        seq += 1;
        let id = emss_domain::ids::new_id();
        let issued_at = day(issued);
        let signed_at = day(issued - 1);
        let outlet = repo::outlet::by_ids(txn, std::slice::from_ref(&r.outlet_id))
            .await?
            .pop()
            .map(|o| o.name)
            .unwrap_or_default();
        let order_number = number(parties.authority, year, seq);
        let answered_at = answered.map(day);
        let state = if answered.is_some() {
            RectificationState::Submitted
        } else {
            RectificationState::InProgress
        };
        let response = answered.map(|_| {
            "已对现场人员进行签到规范培训，复核签到定位后重新开展运维并上传记录。".to_string()
        });
        let order = rectification::Model {
            id: id.clone(),
            number: Some(order_number.clone()),
            year: Some(year),
            seq: Some(seq),
            issuer_org_id: parties.regulator.0.to_string(),
            agency_id: r.agency_id.clone(),
            enterprise_id: r.enterprise_id.clone(),
            district_code: r.district_code.clone(),
            title: format!("{outlet}运维问题整改"),
            basis: "《污染源自动监控设施运行管理办法》；运维合同关于运维质量的约定".to_string(),
            deadline: today + Duration::days(deadline),
            state: state.as_str().to_string(),
            created_by: regulator.account_id.clone(),
            issued_by: Some(regulator.account_id.clone()),
            issued_at: Some(issued_at),
            signed_by: Some(manager.account_id.clone()),
            signed_at: Some(signed_at),
            response: response.clone(),
            responded_by: answered.map(|_| manager.account_id.clone()),
            responded_at: answered_at,
            days_late: answered.map(|_| 0),
            returns: 0,
            return_reason: None,
            closed_by: None,
            closed_at: None,
            closing_comment: None,
            version: if answered.is_some() { 4 } else { 3 },
            created_at: issued_at,
            updated_at: answered_at.unwrap_or(signed_at),
        };
        let problem = rectification_problem::Model {
            id: emss_domain::ids::new_id(),
            rectification_id: id.clone(),
            position: 0,
            source: ProblemSource::Record.as_str().to_string(),
            source_id: r.id.clone(),
            source_label: format!("{}（{outlet}）", r.number),
            description: format!("{}：{}", kind.label(), flag.reason),
            measures: answered.map(|_| "复核仪器与签到位置，对运维人员进行培训".to_string()),
            record_ids: "[]".to_string(),
        };
        repo::rectification::insert(txn, order, vec![problem]).await?;
        let mut steps = vec![
            Step {
                at: issued_at,
                by: &regulator,
                action: "rectification.create",
                detail: json!({"problems": 1}),
            },
            Step {
                at: issued_at,
                by: &regulator,
                action: "rectification.issue",
                detail: json!({"number": order_number}),
            },
            Step {
                at: signed_at,
                by: &manager,
                action: "rectification.sign",
                detail: json!({"number": order_number}),
            },
        ];
        if answered.is_none() {
            // Past its deadline, the agency asked yesterday for a week more.
            let asked_at = day(1);
            let to = today + Duration::days(7);
            let reason = "分析仪返厂维修，备用仪器到货后重新校准，需延期一周";
            repo::rectification::insert_extension(
                txn,
                rectification_extension::Model {
                    id: emss_domain::ids::new_id(),
                    rectification_id: id.clone(),
                    from_deadline: today + Duration::days(deadline),
                    to_deadline: to,
                    reason: reason.to_string(),
                    state: ExtensionState::Pending.as_str().to_string(),
                    requested_by: manager.account_id.clone(),
                    requested_at: asked_at,
                    decided_by: None,
                    decided_at: None,
                    comment: None,
                },
            )
            .await?;
            steps.push(Step {
                at: asked_at,
                by: &manager,
                action: "rectification.extension_request",
                detail: json!({"extension": format!("申请延期至 {to}"), "reason": reason}),
            });
        }
        if let Some(at) = answered_at {
            let report = attach_report(txn, app, &id, &manager.account_id, at).await?;
            steps.push(Step {
                at,
                by: &manager,
                action: "rectification.attachment",
                detail: json!({"attachment": report.id, "file_name": report.file_name}),
            });
            steps.push(Step {
                at,
                by: &manager,
                action: "rectification.respond",
                detail: json!({"number": order_number, "days_late": 0}),
            });
        }
        for s in steps {
            audit::record_at(
                txn,
                s.at,
                Some(s.by),
                s.action,
                Some(("rectification", &id)),
                Outcome::Ok,
                s.detail,
            )
            .await?;
        }
    }
    Ok(())
}

/// The answered order carries the agency's report of what it did, as an upload stores it.
async fn attach_report(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    order_id: &str,
    uploaded_by: &str,
    at: DateTime<Utc>,
) -> Result<rectification_attachment::Model, AppError> {
    let bytes = crate::demo::DEMO_PDF;
    let key = app
        .blobs()
        .put(bytes.to_vec())
        .await
        .map_err(AppError::internal)?;
    let row = rectification_attachment::Model {
        id: emss_domain::ids::new_id(),
        rectification_id: order_id.to_string(),
        stage: "response".to_string(),
        blob_key: key.to_string(),
        file_name: "整改情况报告.pdf".to_string(),
        content_type: FileType::Pdf.content_type().to_string(),
        size: i64::try_from(bytes.len()).map_err(AppError::internal)?,
        uploaded_by: uploaded_by.to_string(),
        uploaded_at: at,
    };
    repo::rectification::insert_attachment(txn, row.clone()).await?;
    Ok(row)
}
