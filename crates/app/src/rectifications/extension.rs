//! 延期申请: while an order waits for its answer the agency may ask the issuing regulator, with
//! reasons, to move its deadline; one request waits at a time. Granted, the order's deadline moves
//! (and with it 逾期); refused, with the regulator's reasons. Every request stays on the order.

use super::{RectificationView, addressee_only, conflict, issuer_only, state_of, view, visible};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::entity::{rectification, rectification_extension};
use emss_db::repo;
use emss_domain::rectification::{ExtensionState, extension_problem};
use emss_domain::{Actor, ErrorCode};
use serde::{Deserialize, Serialize};
use serde_json::json;

const TEXT_MAX: usize = 1000;

/// An extension request as shown on the order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ExtensionView {
    pub id: String,
    /// The deadline when it was asked for.
    pub from_deadline: NaiveDate,
    /// The deadline asked for.
    pub to_deadline: NaiveDate,
    pub reason: String,
    /// `pending` | `granted` | `refused`.
    pub state: String,
    pub state_label: String,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    /// The regulator's comment (its reasons when refused).
    pub comment: Option<String>,
}

pub(super) async fn of_order(app: &App, order_id: &str) -> Result<Vec<ExtensionView>, AppError> {
    let db = &app.db().conn;
    let rows = repo::rectification::extensions(db, order_id).await?;
    let mut people: Vec<String> = rows
        .iter()
        .flat_map(|e| std::iter::once(e.requested_by.clone()).chain(e.decided_by.clone()))
        .collect();
    people.sort();
    people.dedup();
    let names = repo::account::names(db, &people).await?;
    let name = |id: &str| names.get(id).map(|(_, n)| n.clone()).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|e| {
            let state = ExtensionState::parse(&e.state).unwrap_or(ExtensionState::Pending);
            ExtensionView {
                requested_by_name: name(&e.requested_by),
                decided_by_name: e.decided_by.as_deref().map(name),
                state: state.as_str().to_string(),
                state_label: state.label().to_string(),
                id: e.id,
                from_deadline: e.from_deadline,
                to_deadline: e.to_deadline,
                reason: e.reason,
                requested_at: e.requested_at,
                decided_at: e.decided_at,
                comment: e.comment,
            }
        })
        .collect())
}

fn pending_taken() -> AppError {
    AppError::field("state", "已有延期申请等待审核，请等待监管部门处理")
}

/// The agency asks for a later deadline, with reasons.
pub async fn request_extension(
    app: &App,
    actor: &Actor,
    id: &str,
    deadline: &str,
    reason: &str,
) -> Result<ExtensionView, AppError> {
    let found = visible(app, actor, id).await?;
    addressee_only(actor, &found)?;
    if !state_of(&found)?.awaits_response() {
        return Err(AppError::field(
            "state",
            "只有待签收或整改中的整改单可以申请延期",
        ));
    }
    let db = &app.db().conn;
    if repo::rectification::extensions(db, &found.id)
        .await?
        .iter()
        .any(|e| e.state == ExtensionState::Pending.as_str())
    {
        return Err(pending_taken());
    }
    let today = emss_domain::time::shanghai_date(app.now());
    let mut errors = FieldErrors::new();
    let requested = match deadline.trim() {
        "" => {
            errors.add("deadline", "请选择延期后的期限");
            None
        }
        d => match d.parse::<NaiveDate>() {
            Ok(d) => {
                errors.check("deadline", extension_problem(found.deadline, d, today));
                Some(d)
            }
            Err(_) => {
                errors.add("deadline", "延期后的期限须为日期（年-月-日）");
                None
            }
        },
    };
    let reason = reason.trim();
    if reason.is_empty() {
        errors.add("reason", "请填写延期理由");
    } else if reason.chars().count() > TEXT_MAX {
        errors.add("reason", format!("不能超过 {TEXT_MAX} 字"));
    }
    errors.into_result()?;
    let Some(requested) = requested else {
        return Err(AppError::internal(
            "an extension passed its checks without a date",
        ));
    };
    let row = rectification_extension::Model {
        id: emss_domain::ids::new_id(),
        rectification_id: found.id.clone(),
        from_deadline: found.deadline,
        to_deadline: requested,
        reason: reason.to_string(),
        state: ExtensionState::Pending.as_str().to_string(),
        requested_by: actor.account_id.clone(),
        requested_at: app.now(),
        decided_by: None,
        decided_at: None,
        comment: None,
    };
    let txn = app.db().begin_write().await?;
    // Two requests at once: the unique index of pending requests refuses the second.
    if let Err(e) = repo::rectification::insert_extension(&txn, row.clone()).await {
        return Err(match AppError::from(e) {
            e if e.code == ErrorCode::AlreadyExists => pending_taken(),
            e => e,
        });
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "rectification.extension_request",
        Some(("rectification", &found.id)),
        Outcome::Ok,
        json!({"extension": format!("申请延期至 {requested}"), "reason": row.reason}),
    )
    .await?;
    txn.commit().await?;
    of_order(app, &found.id)
        .await?
        .into_iter()
        .find(|e| e.id == row.id)
        .ok_or_else(|| AppError::internal("a request written and not found"))
}

/// The issuing regulator grants (`grant`: the deadline moves) or refuses (`refuse`, with
/// reasons) a waiting request.
pub async fn decide_extension(
    app: &App,
    actor: &Actor,
    id: &str,
    extension_id: &str,
    decision: &str,
    comment: &str,
) -> Result<RectificationView, AppError> {
    let found = visible(app, actor, id).await?;
    issuer_only(actor, &found)?;
    let request = repo::rectification::extensions(&app.db().conn, &found.id)
        .await?
        .into_iter()
        .find(|e| e.id == extension_id)
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if request.state != ExtensionState::Pending.as_str() {
        return Err(AppError::field("state", "该延期申请已处理"));
    }
    let grant = match decision {
        "grant" => true,
        "refuse" => false,
        _ => return Err(AppError::field("decision", "请选择同意或不同意")),
    };
    let comment = comment.trim();
    if !grant && comment.is_empty() {
        return Err(AppError::field("comment", "请填写不同意延期的理由"));
    }
    if comment.chars().count() > TEXT_MAX {
        return Err(AppError::field(
            "comment",
            &format!("不能超过 {TEXT_MAX} 字"),
        ));
    }
    let now = app.now();
    let decided = rectification_extension::Model {
        state: if grant {
            ExtensionState::Granted
        } else {
            ExtensionState::Refused
        }
        .as_str()
        .to_string(),
        decided_by: Some(actor.account_id.clone()),
        decided_at: Some(now),
        comment: Some(comment.to_string()).filter(|c| !c.is_empty()),
        ..request.clone()
    };
    let order = if grant {
        rectification::Model {
            deadline: request.to_deadline,
            version: found.version + 1,
            updated_at: now,
            ..found.clone()
        }
    } else {
        found.clone()
    };
    let txn = app.db().begin_write().await?;
    if !repo::rectification::decide_extension(&txn, decided).await? {
        return Err(conflict());
    }
    if grant && !repo::rectification::save(&txn, order.clone(), found.version).await? {
        return Err(conflict());
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if grant {
            "rectification.extension_grant"
        } else {
            "rectification.extension_refuse"
        },
        Some(("rectification", &found.id)),
        Outcome::Ok,
        json!({
            "extension": if grant {
                format!("整改期限改为 {}", request.to_deadline)
            } else {
                String::new()
            },
            "comment": comment,
        }),
    )
    .await?;
    txn.commit().await?;
    view(app, order).await
}
