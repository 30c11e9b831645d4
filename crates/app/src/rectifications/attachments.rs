//! 整改单附件: the regulator attaches photos or documents to a draft (what was found); the agency
//! attaches them to its answer while the order is 整改中 (what was done). Everyone who sees the
//! order reads them.

use super::{Allowed, allowed, view, visible};
use crate::audit::{self, Outcome};
use crate::filing::Upload;
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::rectification_attachment;
use emss_db::repo;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// At most this many files per order.
const MAX_ATTACHMENTS: usize = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderAttachmentView {
    pub id: String,
    /// `issue` (the regulator's) | `response` (the agency's answer).
    pub stage: String,
    pub stage_label: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

impl OrderAttachmentView {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

fn attachment_view(a: rectification_attachment::Model) -> OrderAttachmentView {
    OrderAttachmentView {
        stage_label: if a.stage == "response" {
            "整改材料"
        } else {
            "问题材料"
        }
        .to_string(),
        id: a.id,
        stage: a.stage,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        uploaded_at: a.uploaded_at,
    }
}

pub(super) async fn of_order(
    app: &App,
    order_id: &str,
) -> Result<Vec<OrderAttachmentView>, AppError> {
    Ok(repo::rectification::attachments(&app.db().conn, order_id)
        .await?
        .into_iter()
        .map(attachment_view)
        .collect())
}

/// Whether the actor may attach a file to the order now, checked before the upload is read: 404
/// outside scope, 403 for those who only read it, the reason for those who act on it.
pub async fn may_upload(app: &App, actor: &Actor, order_id: &str) -> Result<Allowed, AppError> {
    let found = visible(app, actor, order_id).await?;
    let may: Allowed = allowed(actor, &view(app, found.clone()).await?);
    if may.upload {
        return Ok(may);
    }
    let involved = (Permission::IssueRectifications.allows(Some(actor))
        && found.issuer_org_id == actor.org_id)
        || (Permission::RespondRectifications.allows(Some(actor))
            && found.agency_id == actor.org_id);
    Err(if involved {
        AppError::field(
            "file",
            "整改单现在不能添加附件：监管部门在下发前添加，被整改单位在整改中添加",
        )
    } else {
        AppError::new(ErrorCode::Forbidden)
    })
}

/// Attaches a photo or document: the issuing regulator to its draft, the agency to its answer.
pub async fn upload_attachment(
    app: &App,
    actor: &Actor,
    order_id: &str,
    file: Option<Upload>,
) -> Result<OrderAttachmentView, AppError> {
    let may = may_upload(app, actor, order_id).await?;
    let found = visible(app, actor, order_id).await?;
    let stage = if may.edit { "issue" } else { "response" };
    let already = repo::rectification::attachments(&app.db().conn, &found.id)
        .await?
        .len();
    let stored = crate::files::check_and_store(
        app,
        file,
        "请选择照片或文件",
        (
            already,
            MAX_ATTACHMENTS,
            format!("每份整改单最多 {MAX_ATTACHMENTS} 个附件"),
        ),
    )
    .await?;
    let model = rectification_attachment::Model {
        id: emss_domain::ids::new_id(),
        rectification_id: found.id.clone(),
        stage: stage.to_string(),
        blob_key: stored.blob_key,
        file_name: stored.file_name,
        content_type: stored.content_type,
        size: stored.size,
        uploaded_by: actor.account_id.clone(),
        uploaded_at: app.now(),
    };
    let txn = app.db().begin_write().await?;
    repo::rectification::insert_attachment(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "rectification.attachment",
        Some(("rectification", &found.id)),
        Outcome::Ok,
        json!({"attachment": model.id, "file_name": model.file_name, "sha256": model.blob_key}),
    )
    .await?;
    txn.commit().await?;
    Ok(attachment_view(model))
}

/// A file's bytes, for everyone who sees the order; 404 for anyone else.
pub async fn attachment_file(
    app: &App,
    actor: &Actor,
    order_id: &str,
    id: &str,
) -> Result<(OrderAttachmentView, Vec<u8>), AppError> {
    let found = visible(app, actor, order_id).await?;
    let a = repo::rectification::attachments(&app.db().conn, &found.id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let bytes = crate::files::download(
        app,
        actor,
        &a.blob_key,
        ("rectification_attachment", &a.id),
        json!({"rectification_id": found.id}),
    )
    .await?;
    Ok((attachment_view(a), bytes))
}
