//! 运维审核: the agency's reviewer approves or voids confirmed records, one or a batch, with a
//! signature and a work photo taken at review (as at filing and confirmation); voiding needs a
//! reason. The filer of a record never reviews it: inside a batch
//! such records are refused by name and the rest go through. A record with a failed or 失控 verdict
//! is approved only with the reviewer's 处理意见 for it (its acknowledgement).

use super::confirm::MAX_BATCH;
use super::faults;
use super::reference::{self, Cause};
use super::stored_state;
use super::submit::own_image;
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::idempotency::{self, Keyed};
use crate::{App, AppError};
use emss_db::entity::{record, record_evidence};
use emss_db::repo;
use emss_domain::record::{RecordAction, RecordState};
use emss_domain::{Actor, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// The longest void reason.
pub const MAX_REASON_CHARS: usize = 500;

#[derive(Debug, Clone)]
pub struct ReviewInput {
    pub record_ids: Vec<String>,
    /// `approve` | `void`.
    pub decision: String,
    pub reason: String,
    pub signature_id: String,
    /// The reviewer's work photo (工作照), taken at review.
    pub work_photo_id: String,
    /// The reviewer's word on each failed record approved.
    pub acknowledgements: Vec<Acknowledgement>,
}

/// The reviewer has seen a record's failed or 失控 verdicts and says what was done about them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    pub record_id: String,
    /// 处理意见: at most 500 characters.
    pub comment: String,
}

/// The outcome for one record of a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewResult {
    pub record_id: String,
    pub ok: bool,
    /// Why not: `not_found` | `own_record` | `own_confirmation` (the reviewer confirmed it, in a
    /// self-maintaining enterprise) | `invalid_state` | `acknowledgement_required` (a failed or
    /// 失控 record approved without an acknowledgement).
    pub code: Option<String>,
    pub message: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reviewed {
    pub results: Vec<ReviewResult>,
}

pub async fn review(
    app: &App,
    actor: &Actor,
    input: ReviewInput,
    keyed: Option<&Keyed>,
) -> Result<Reviewed, AppError> {
    if !Permission::ReviewRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    idempotency::once(app, actor, keyed, || review_once(app, actor, input, keyed)).await
}

fn refused(id: &str, code: &str, message: String) -> ReviewResult {
    ReviewResult {
        record_id: id.to_string(),
        ok: false,
        code: Some(code.to_string()),
        message: Some(message),
    }
}

/// Whether this reviewer may decide this record now; the refusal otherwise.
fn judge(actor: &Actor, id: &str, found: Option<&record::Model>) -> Result<(), ReviewResult> {
    let Some(r) = found else {
        return Err(refused(id, "not_found", "记录不存在".to_string()));
    };
    if r.filer_id == actor.account_id {
        return Err(refused(
            id,
            "own_record",
            format!("记录 {} 是您本人填报的，不能由您审核", r.number),
        ));
    }
    // Only in a self-maintaining enterprise can a reviewer have confirmed the record.
    if r.confirmed_by.as_deref() == Some(actor.account_id.as_str()) {
        return Err(refused(
            id,
            "own_confirmation",
            format!(
                "记录 {} 是您本人确认的，须由第三人审核（填报、确认、审核须由三个不同的人完成）",
                r.number
            ),
        ));
    }
    let state = RecordState::parse(&r.state).unwrap_or(RecordState::Draft);
    if state != RecordState::Confirmed {
        return Err(refused(
            id,
            "invalid_state",
            format!(
                "记录 {} 当前为“{}”，只有企业已确认的记录才能审核",
                r.number,
                state.label()
            ),
        ));
    }
    Ok(())
}

async fn review_once(
    app: &App,
    actor: &Actor,
    input: ReviewInput,
    keyed: Option<&Keyed>,
) -> Result<Reviewed, AppError> {
    let mut errors = FieldErrors::new();
    let action = match input.decision.trim() {
        "approve" => Some(RecordAction::Approve),
        "void" => Some(RecordAction::Void),
        _ => {
            errors.add("decision", "请选择审核通过或作废");
            None
        }
    };
    let reason = input.reason.trim().to_string();
    if action == Some(RecordAction::Void) && reason.is_empty() {
        errors.add("reason", "作废须填写原因");
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        errors.add("reason", "原因不能超过 500 字");
    }
    if input.acknowledgements.len() > MAX_BATCH {
        errors.add("acknowledgements", "一次最多确认 200 条记录");
    }
    let mut acknowledged: HashMap<String, String> = HashMap::new();
    for (i, a) in input.acknowledgements.iter().take(MAX_BATCH).enumerate() {
        let comment = a.comment.trim();
        let at = format!("acknowledgements[{i}].comment");
        if comment.is_empty() {
            errors.add(&at, "请填写处理意见");
        } else if comment.chars().count() > MAX_REASON_CHARS {
            errors.add(&at, "处理意见不能超过 500 字");
        }
        acknowledged.insert(a.record_id.clone(), comment.to_string());
    }
    let mut ids: Vec<String> = Vec::new();
    for id in &input.record_ids {
        if !ids.contains(id) {
            ids.push(id.clone());
        }
    }
    if ids.is_empty() {
        errors.add("record_ids", "请选择要审核的记录");
    } else if ids.len() > MAX_BATCH {
        errors.add("record_ids", "一次最多审核 200 条记录");
    }
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
    errors.into_result()?;
    let (Some(action), Ok(signature), Ok(photo)) = (action, signature, photo) else {
        return Err(AppError::internal("a checked review lost a part"));
    };

    let scope = actor.scope();
    let now = app.now();
    let txn = app.db().begin_write().await?;
    let mut results = Vec::new();
    let mut batch: HashMap<String, record::Model> =
        repo::record::in_scope(&txn, &scope, &actor.account_id, &ids)
            .await?
            .into_iter()
            .map(|r| (r.id.clone(), r))
            .collect();
    for id in &ids {
        let found = batch.remove(id);
        if let Err(refusal) = judge(actor, id, found.as_ref()) {
            results.push(refusal);
            continue;
        }
        let Some(mut r) = found else { continue };
        let acknowledgement = acknowledged.get(id).cloned();
        if action == RecordAction::Approve && r.failed && acknowledgement.is_none() {
            results.push(refused(
                id,
                "acknowledgement_required",
                format!(
                    "记录 {} 有不合格或失控的判定，审核通过前须确认并填写处理意见",
                    r.number
                ),
            ));
            continue;
        }
        let next = action
            .next(stored_state(&r)?)
            .ok_or_else(|| AppError::internal("a judged record cannot move"))?;
        let expected = r.version;
        r.state = next.as_str().to_string();
        r.reviewed_by = Some(actor.account_id.clone());
        r.reviewed_by_name = Some(actor.name.clone());
        r.reviewed_at = Some(now);
        r.void_reason = (next == RecordState::Voided).then(|| reason.clone());
        r.acknowledgement = acknowledgement.filter(|_| next == RecordState::Approved);
        r.version += 1;
        r.updated_at = now;
        if !repo::record::save(&txn, r.clone(), expected).await? {
            results.push(refused(
                id,
                "invalid_state",
                format!("记录 {} 刚被他人处理", r.number),
            ));
            continue;
        }
        repo::record::link_evidence(
            &txn,
            vec![
                record_evidence::Model {
                    record_id: r.id.clone(),
                    evidence_id: signature.id.clone(),
                    role: "review_signature".into(),
                    field_path: String::new(),
                },
                record_evidence::Model {
                    record_id: r.id.clone(),
                    evidence_id: photo.id.clone(),
                    role: "review_photo".into(),
                    field_path: String::new(),
                },
            ],
        )
        .await?;
        if next == RecordState::Voided
            && let Some(occurrence_id) = &r.occurrence_id
        {
            repo::record::unfulfil(&txn, occurrence_id, &r.id).await?;
        }
        audit::record(
            &txn,
            app,
            Some(actor),
            if next == RecordState::Voided {
                "record.void"
            } else {
                "record.approve"
            },
            Some(("record", &r.id)),
            Outcome::Ok,
            json!({"reason": r.void_reason, "acknowledgement": r.acknowledgement,
                "signature": signature.blob_key, "work_photo": photo.blob_key}),
        )
        .await?;
        if next == RecordState::Voided {
            // The records judged against this one are judged again, after the void is logged;
            // the periods it opened or closed follow.
            reference::rejudge_after(&txn, app, actor, Cause::Voided(&r)).await?;
            faults::after_void(&txn, app, Some(actor), &r).await?;
        }
        results.push(ReviewResult {
            record_id: id.clone(),
            ok: true,
            code: None,
            message: None,
        });
    }
    let answer = Reviewed { results };
    idempotency::keep(&txn, app, actor, keyed, &answer).await?;
    txn.commit().await?;
    Ok(answer)
}
