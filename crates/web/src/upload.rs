//! Multipart forms (files with fields), for the registration, document uploads and imports. The
//! body limit of these routes is raised to `UPLOAD_LIMIT`; each file is read only up to the
//! largest size any upload may have, and checked by the use case.

use crate::layers::{CsrfPending, same};
use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use emss_app::AppError;
use emss_app::filing::Upload;
use emss_domain::ErrorCode;
use emss_domain::attachment::MAX_DOCUMENT_BYTES;

/// The body limit of upload routes: three documents of 10 MB and the form around them.
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

/// The most of one file that is read: one byte past the limit is enough to refuse it.
const MAX_FILE_READ: usize = MAX_DOCUMENT_BYTES + 1;

/// A multipart form: its text fields in order, and its files (field name → `Upload::kind`). An
/// empty file input (nothing chosen) is no file. A cookie-authenticated form must carry the
/// session's anti-CSRF token in its `_csrf` field; anything but multipart is refused in the API's
/// and the pages' error shape.
pub async fn form<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(Vec<(String, String)>, Vec<Upload>), AppError> {
    let pending = req.extensions().get::<CsrfPending>().cloned();
    let mut multipart = Multipart::from_request(req, state).await.map_err(|e| {
        AppError::new(ErrorCode::UnsupportedMediaType)
            .with_detail(format!("expected multipart/form-data: {}", e.body_text()))
    })?;
    let mut fields = Vec::new();
    let mut files = Vec::new();
    while let Some(part) = multipart.next_field().await.map_err(problem)? {
        let name = part.name().unwrap_or_default().to_string();
        match part.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = capped(part).await?;
                if !(file_name.is_empty() && bytes.is_empty()) {
                    files.push(Upload {
                        kind: name,
                        file_name,
                        bytes,
                    });
                }
            }
            None => fields.push((name, part.text().await.map_err(problem)?)),
        }
    }
    if let Some(CsrfPending(expected)) = pending {
        let ok = fields
            .iter()
            .any(|(k, v)| k == "_csrf" && same(v, &expected));
        if !ok {
            return Err(AppError::new(ErrorCode::CsrfFailed));
        }
    }
    fields.retain(|(k, _)| k != "_csrf");
    Ok((fields, files))
}

/// A file's bytes, at most `MAX_FILE_READ` of them (the rest is skipped).
async fn capped(mut part: Field<'_>) -> Result<Vec<u8>, AppError> {
    let mut bytes = Vec::new();
    while let Some(chunk) = part.chunk().await.map_err(problem)? {
        let room = MAX_FILE_READ.saturating_sub(bytes.len());
        bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if bytes.len() >= MAX_FILE_READ {
            break;
        }
    }
    Ok(bytes)
}

fn problem(e: MultipartError) -> AppError {
    if e.status().as_u16() == 413 {
        AppError::new(ErrorCode::PayloadTooLarge)
    } else {
        AppError::new(ErrorCode::BadRequest).with_detail(e.body_text())
    }
}

/// An import's problems as a list for people: the file's own first, then by row number
/// (row 2 before row 10).
pub fn problems_in_order(fields: std::collections::BTreeMap<String, String>) -> Vec<String> {
    let mut problems: Vec<(String, String)> = fields.into_iter().collect();
    problems.sort_by_key(|(k, _)| {
        let row: u64 = k
            .strip_prefix("rows[")
            .and_then(|r| r.split(']').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        (row, k.clone())
    });
    problems.into_iter().map(|(_, m)| m).collect()
}
