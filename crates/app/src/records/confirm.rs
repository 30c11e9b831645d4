//! 企业确认: the enterprise sees the days with records waiting on its outlets (待确认日期),
//! opens any of them in full, and confirms the day — or chosen records of it — with its
//! confirmer's signature and work photo.

use super::submit::own_image;
use super::{RecordView, stored_state, views};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::idempotency::{self, Keyed};
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::{record, record_evidence};
use emss_db::repo;
use emss_db::repo::record::RecordFilter;
use emss_domain::listing::PageRequest;
use emss_domain::record::{RecordAction, RecordState};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// The most records one confirmation or review takes.
pub const MAX_BATCH: usize = 200;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PendingDay {
    pub date: NaiveDate,
    pub count: u64,
}

/// 待确认日期: the days with submitted records on the enterprise's outlets, latest first.
pub async fn pending_days(app: &App, actor: &Actor) -> Result<Vec<PendingDay>, AppError> {
    if !Permission::ConfirmRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    Ok(repo::record::pending_days(&app.db().conn, &actor.org_id)
        .await?
        .into_iter()
        .map(|(date, count)| PendingDay {
            date,
            count: u64::try_from(count).unwrap_or_default(),
        })
        .collect())
}

#[derive(Debug, Clone)]
pub struct ConfirmInput {
    pub date: NaiveDate,
    /// Chosen records of the day; empty: every record waiting on that day.
    pub record_ids: Vec<String>,
    pub signature_id: String,
    pub work_photo_id: String,
}

/// What a confirmation answers: the records it confirmed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Confirmed {
    pub records: Vec<RecordView>,
}

pub async fn confirm(
    app: &App,
    actor: &Actor,
    input: ConfirmInput,
    keyed: Option<&Keyed>,
) -> Result<Confirmed, AppError> {
    if !Permission::ConfirmRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    idempotency::once(app, actor, keyed, || confirm_once(app, actor, input, keyed)).await
}

/// A self-maintaining enterprise's confirmer may also file records: never their own.
fn own_record(number: &str) -> String {
    format!(
        "记录 {number} 是您本人填报的，须由本单位的另一人确认（填报、确认、审核须由三个不同的人完成）"
    )
}

/// The records a confirmation names, each checked to be waiting on that day.
async fn chosen(
    app: &App,
    actor: &Actor,
    input: &ConfirmInput,
    errors: &mut FieldErrors,
) -> Result<Vec<record::Model>, AppError> {
    let db = &app.db().conn;
    let scope = actor.scope();
    if input.record_ids.is_empty() {
        let filter = RecordFilter {
            state: Some(RecordState::Submitted.as_str().into()),
            from: Some(input.date),
            to: Some(input.date),
            ..RecordFilter::default()
        };
        let page = PageRequest {
            page: 1,
            page_size: MAX_BATCH as u64,
        };
        let found = repo::record::list(db, &scope, &actor.account_id, &filter, page).await?;
        if found.total == 0 {
            errors.add("date", "该日期没有待确认的记录");
        } else if found.total > MAX_BATCH as u64 {
            errors.add("record_ids", "该日待确认记录超过 200 条，请分批选择确认");
        }
        for r in found
            .items
            .iter()
            .filter(|r| r.filer_id == actor.account_id)
        {
            errors.add("record_ids", own_record(&r.number));
        }
        return Ok(found.items);
    }
    if input.record_ids.len() > MAX_BATCH {
        errors.add("record_ids", "一次最多确认 200 条记录");
        return Ok(Vec::new());
    }
    let mut batch: HashMap<String, record::Model> =
        repo::record::in_scope(db, &scope, &actor.account_id, &input.record_ids)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
    let mut out: Vec<record::Model> = Vec::new();
    for id in &input.record_ids {
        if out.iter().any(|r| &r.id == id) {
            continue;
        }
        match batch.remove(id) {
            None => errors.add("record_ids", "所选记录不存在"),
            Some(r) if stored_state(&r)? != RecordState::Submitted => errors.add(
                "record_ids",
                format!(
                    "记录 {} 不是待确认状态（{}）",
                    r.number,
                    stored_state(&r)?.label()
                ),
            ),
            Some(r) if r.visit_date != input.date => errors.add(
                "record_ids",
                format!("记录 {} 不是 {} 的记录", r.number, input.date),
            ),
            Some(r) if r.filer_id == actor.account_id => {
                errors.add("record_ids", own_record(&r.number))
            }
            Some(r) => out.push(r),
        }
    }
    Ok(out)
}

async fn confirm_once(
    app: &App,
    actor: &Actor,
    input: ConfirmInput,
    keyed: Option<&Keyed>,
) -> Result<Confirmed, AppError> {
    let mut errors = FieldErrors::new();
    let signature = own_image(app, actor, &input.signature_id, "signature", "请签名").await?;
    if let Err(problem) = &signature {
        errors.add("signature_id", *problem);
    }
    let photo = own_image(
        app,
        actor,
        &input.work_photo_id,
        "work_photo",
        "请拍摄工作照",
    )
    .await?;
    if let Err(problem) = &photo {
        errors.add("work_photo_id", *problem);
    }
    let records = chosen(app, actor, &input, &mut errors).await?;
    errors.into_result()?;
    let (Ok(signature), Ok(photo)) = (signature, photo) else {
        return Err(AppError::internal("a checked confirmation lost its images"));
    };
    let now = app.now();
    let mut done = Vec::new();
    for mut r in records {
        let next = RecordAction::Confirm
            .next(stored_state(&r)?)
            .ok_or_else(|| AppError::internal("a checked record cannot be confirmed"))?;
        let expected = r.version;
        r.state = next.as_str().to_string();
        r.confirmed_by = Some(actor.account_id.clone());
        r.confirmed_by_name = Some(actor.name.clone());
        r.confirmed_at = Some(now);
        r.version += 1;
        r.updated_at = now;
        done.push((expected, r));
    }
    // The answer is built before the transaction: inside it every query must go through the
    // transaction, or concurrent writers could hold every pooled connection while they wait.
    let answer = Confirmed {
        records: views(app, done.iter().map(|(_, r)| r.clone()).collect()).await?,
    };
    let txn = app.db().begin_write().await?;
    for (expected, r) in done {
        if !repo::record::save(&txn, r.clone(), expected).await? {
            return Err(AppError::field(
                "record_ids",
                &format!("记录 {} 刚被修改，请刷新后再确认", r.number),
            ));
        }
        repo::record::link_evidence(
            &txn,
            vec![
                record_evidence::Model {
                    record_id: r.id.clone(),
                    evidence_id: signature.id.clone(),
                    role: "confirm_signature".into(),
                    field_path: String::new(),
                },
                record_evidence::Model {
                    record_id: r.id.clone(),
                    evidence_id: photo.id.clone(),
                    role: "confirm_photo".into(),
                    field_path: String::new(),
                },
            ],
        )
        .await?;
        audit::record(
            &txn,
            app,
            Some(actor),
            "record.confirm",
            Some(("record", &r.id)),
            Outcome::Ok,
            json!({"date": input.date, "signature": signature.blob_key, "work_photo": photo.blob_key}),
        )
        .await?;
    }
    idempotency::keep(&txn, app, actor, keyed, &answer).await?;
    txn.commit().await?;
    Ok(answer)
}
