//! Evidence images (工作照, 现场照片, 签名): uploaded once, referenced by id from records,
//! confirmations and reviews (api.md).

use crate::AppState;
use crate::context::Ctx;
use crate::error::{ApiError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use emss_app::evidence::EvidenceView;
use emss_domain::ErrorCode;
use serde::Serialize;
use utoipa::ToSchema;

/// A stored image.
#[derive(Debug, Serialize, ToSchema)]
pub struct Attachment {
    pub id: String,
    /// `work_photo` | `evidence_photo` | `signature`.
    pub kind: String,
    /// `image/jpeg` for photos, `image/png` for signatures: the stored file is re-encoded.
    pub content_type: String,
    pub width: i32,
    pub height: i32,
    pub size: i64,
    /// SHA-256 of the stored file.
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

impl From<EvidenceView> for Attachment {
    fn from(v: EvidenceView) -> Self {
        Attachment {
            id: v.id,
            kind: v.kind,
            content_type: v.content_type,
            width: v.width,
            height: v.height,
            size: v.size,
            sha256: v.sha256,
            uploaded_at: v.uploaded_at,
        }
    }
}

/// An image, as `multipart/form-data`. Only describes the body in the OpenAPI document.
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct AttachmentForm {
    /// `work_photo` | `evidence_photo` | `signature`.
    kind: String,
    /// Photos: JPEG or PNG, ≤ 10 MB, ≤ 40 megapixels, short side ≥ 480 px. Signatures: PNG,
    /// ≤ 1 MB, ≤ 4 megapixels. Judged by content and decoded in full; stored re-encoded.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Uploads a photo or a signature. With `Idempotency-Key`, a retry gets the first answer.
#[utoipa::path(post, path = "/api/v1/attachments", tag = "evidence", summary = "上传照片或签名",
    params(("Idempotency-Key" = Option<String>, Header, description = "A retry with the same key gets the first answer (a UUID)")),
    request_body(content = AttachmentForm, content_type = "multipart/form-data"),
    security(("bearer" = []), ("cookie" = [])),
    responses((status = 201, body = Attachment), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, ApiError> {
    upload_for(state, ctx, None, req).await
}

/// An image upload, for a draft record or on its own (`for_draft` None).
pub(super) async fn upload_for(
    state: AppState,
    ctx: Ctx,
    for_draft: Option<&str>,
    req: Request,
) -> Result<Response, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let keyed = super::keyed("api.attachments.create", req.headers());
    let (fields, files) = crate::upload::form(req, &state).await?;
    let kind = fields
        .into_iter()
        .find(|(k, _)| k == "kind")
        .map(|(_, v)| v)
        .unwrap_or_default();
    let file = files.into_iter().find(|f| f.kind == "file");
    let done =
        emss_app::evidence::upload(&state.app, actor, for_draft, &kind, file, keyed.as_ref())
            .await?;
    Ok((StatusCode::CREATED, Json(Attachment::from(done))).into_response())
}

/// The stored image (re-encoded; no EXIF). Viewing a work photo is audited.
#[utoipa::path(get, path = "/api/v1/attachments/{id}", tag = "evidence", summary = "查看照片或签名",
    params(("id" = String, Path, description = "附件 id")), security(("bearer" = []), ("cookie" = [])),
    responses((status = 200, description = "the image"), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let actor = ctx.actor().ok_or(ErrorCode::Unauthenticated)?;
    let (v, bytes) = emss_app::evidence::file(&state.app, actor, &id).await?;
    let name = format!(
        "{}.{}",
        v.kind,
        if v.content_type == "image/png" {
            "png"
        } else {
            "jpg"
        }
    );
    Ok(super::download(&name, &v.content_type, bytes))
}
