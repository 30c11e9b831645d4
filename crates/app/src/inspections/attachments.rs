//! 检查附件: the inspecting regulator attaches photos and documents to its inspection, planned or
//! recorded; everyone who sees the inspection reads them.

use super::{allowed, view, visible};
use crate::audit::{self, Outcome};
use crate::filing::Upload;
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::inspection_attachment;
use emss_db::repo;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// At most this many files per inspection.
const MAX_ATTACHMENTS: usize = 30;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InspectionAttachmentView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

impl InspectionAttachmentView {
    pub fn is_image(&self) -> bool {
        self.content_type.starts_with("image/")
    }
}

fn attachment_view(a: inspection_attachment::Model) -> InspectionAttachmentView {
    InspectionAttachmentView {
        id: a.id,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        uploaded_at: a.uploaded_at,
    }
}

pub(super) async fn of_inspection(
    app: &App,
    inspection_id: &str,
) -> Result<Vec<InspectionAttachmentView>, AppError> {
    Ok(repo::inspection::attachments(&app.db().conn, inspection_id)
        .await?
        .into_iter()
        .map(attachment_view)
        .collect())
}

/// Whether the actor may attach a file, checked before the upload is read: 404 outside scope,
/// 403 for those who only read the inspection.
pub async fn may_upload(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    let found = visible(app, actor, id).await?;
    if allowed(actor, &view(app, found).await?).upload {
        Ok(())
    } else if Permission::Inspect.allows(Some(actor)) {
        Err(AppError::field("file", "只有进行该检查的部门可以添加附件"))
    } else {
        Err(AppError::new(ErrorCode::Forbidden))
    }
}

/// Attaches a photo or document to the regulator's own inspection.
pub async fn upload_attachment(
    app: &App,
    actor: &Actor,
    id: &str,
    file: Option<Upload>,
) -> Result<InspectionAttachmentView, AppError> {
    may_upload(app, actor, id).await?;
    let already = repo::inspection::attachments(&app.db().conn, id)
        .await?
        .len();
    let stored = crate::files::check_and_store(
        app,
        file,
        "请选择照片或文件",
        (
            already,
            MAX_ATTACHMENTS,
            format!("每次检查最多 {MAX_ATTACHMENTS} 个附件"),
        ),
    )
    .await?;
    let model = inspection_attachment::Model {
        id: emss_domain::ids::new_id(),
        inspection_id: id.to_string(),
        blob_key: stored.blob_key,
        file_name: stored.file_name,
        content_type: stored.content_type,
        size: stored.size,
        uploaded_by: actor.account_id.clone(),
        uploaded_at: app.now(),
    };
    let txn = app.db().begin_write().await?;
    repo::inspection::insert_attachment(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "inspection.attachment",
        Some(("inspection", id)),
        Outcome::Ok,
        json!({"attachment": model.id, "file_name": model.file_name, "sha256": model.blob_key}),
    )
    .await?;
    txn.commit().await?;
    Ok(attachment_view(model))
}

/// A file's bytes, for everyone who sees the inspection; 404 for anyone else.
pub async fn attachment_file(
    app: &App,
    actor: &Actor,
    inspection_id: &str,
    id: &str,
) -> Result<(InspectionAttachmentView, Vec<u8>), AppError> {
    let found = visible(app, actor, inspection_id).await?;
    let a = repo::inspection::attachments(&app.db().conn, &found.id)
        .await?
        .into_iter()
        .find(|a| a.id == id)
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let bytes = crate::files::download(
        app,
        actor,
        &a.blob_key,
        ("inspection_attachment", &a.id),
        json!({"inspection_id": found.id}),
    )
    .await?;
    Ok((attachment_view(a), bytes))
}
