//! 合同附件: the agency attaches the signed contract's scan, price lists or annexes while the
//! contract is a draft or was sent back — what party A confirms is what is on file. Everyone who
//! sees the contract reads and downloads them.

use super::{current, state_of};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::filing::Upload;
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::contract_attachment;
use emss_db::repo;
use emss_domain::attachment::FileType;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::Serialize;
use serde_json::json;

/// At most this many files per contract.
const MAX_ATTACHMENTS: usize = 20;

#[derive(Debug, Clone, Serialize)]
pub struct ContractAttachmentView {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

fn view(a: contract_attachment::Model) -> ContractAttachmentView {
    ContractAttachmentView {
        id: a.id,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        uploaded_at: a.uploaded_at,
    }
}

/// Attaches a file to a draft or a contract sent back.
pub async fn upload_attachment(
    app: &App,
    actor: &Actor,
    contract_id: &str,
    file: Option<Upload>,
) -> Result<ContractAttachmentView, AppError> {
    if !Permission::ManageContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = current(app, actor, contract_id).await?;
    if !state_of(&found)?.editable() {
        return Err(AppError::field(
            "file",
            "合同已提交或已确认，不能再添加附件；已确认的合同须通过信息变更申请修改",
        ));
    }
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    crate::files::document_problems(app, file.as_ref(), "请选择合同附件", &mut errors).await?;
    if repo::contract::attachments(db, &found.id).await?.len() >= MAX_ATTACHMENTS {
        errors.add("file", format!("每份合同最多 {MAX_ATTACHMENTS} 个附件"));
    }
    errors.into_result()?;
    let Some(file) = file else {
        return Err(AppError::internal(
            "an attachment passed its checks without a file",
        ));
    };
    let stored = crate::files::store_document(app, file).await?;
    let model = contract_attachment::Model {
        id: emss_domain::ids::new_id(),
        contract_id: found.id.clone(),
        blob_key: stored.blob_key,
        file_name: stored.file_name,
        content_type: stored.content_type,
        size: stored.size,
        uploaded_by: actor.account_id.clone(),
        uploaded_at: app.now(),
    };
    let txn = app.db().begin_write().await?;
    repo::contract::insert_attachment(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "contract.attachment",
        Some(("contract", &found.id)),
        Outcome::Ok,
        json!({"attachment": model.id, "file_name": model.file_name, "sha256": model.blob_key}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(model))
}

/// A contract's files; outside scope: 404.
pub async fn attachments(
    app: &App,
    actor: &Actor,
    contract_id: &str,
) -> Result<Vec<ContractAttachmentView>, AppError> {
    if !Permission::ViewContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = current(app, actor, contract_id).await?;
    Ok(repo::contract::attachments(&app.db().conn, &found.id)
        .await?
        .into_iter()
        .map(view)
        .collect())
}

/// A file's bytes, for everyone who sees the contract; 404 for anyone else.
pub async fn attachment_file(
    app: &App,
    actor: &Actor,
    contract_id: &str,
    id: &str,
) -> Result<(ContractAttachmentView, Vec<u8>), AppError> {
    if !Permission::ViewContracts.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = current(app, actor, contract_id).await?;
    let a = repo::contract::attachment(&app.db().conn, &found.id, id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let bytes = crate::files::download(
        app,
        actor,
        &a.blob_key,
        ("contract_attachment", &a.id),
        serde_json::json!({"contract_id": found.id}),
    )
    .await?;
    Ok((view(a), bytes))
}

/// The demo's confirmed contract carries its signed scan.
pub(super) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    contract_id: &str,
    uploaded_by: &str,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let bytes = crate::demo::DEMO_PDF;
    let key = app
        .blobs()
        .put(bytes.to_vec())
        .await
        .map_err(AppError::internal)?;
    repo::contract::insert_attachment(
        txn,
        contract_attachment::Model {
            id: emss_domain::ids::new_id(),
            contract_id: contract_id.to_string(),
            blob_key: key.to_string(),
            file_name: "合同扫描件.pdf".to_string(),
            content_type: FileType::Pdf.content_type().to_string(),
            size: i64::try_from(bytes.len()).map_err(AppError::internal)?,
            uploaded_by: uploaded_by.to_string(),
            uploaded_at: now,
        },
    )
    .await?;
    Ok(())
}
