//! Multipart forms (files with fields), for the registration and document uploads. The body
//! limit of these routes is raised to `UPLOAD_LIMIT`; each file is checked by the use case.

use axum::extract::multipart::MultipartError;
use axum::extract::{FromRequest, Multipart, Request};
use emss_app::AppError;
use emss_app::filing::Upload;
use emss_domain::ErrorCode;

/// The body limit of upload routes: three documents of 10 MB and the form around them.
pub const UPLOAD_LIMIT: usize = 32 * 1024 * 1024;

/// The multipart body of `req`; anything else is refused in the API's and the pages' error
/// shape (not axum's plain text).
pub async fn multipart<S: Send + Sync>(req: Request, state: &S) -> Result<Multipart, AppError> {
    Multipart::from_request(req, state).await.map_err(|e| {
        AppError::new(ErrorCode::UnsupportedMediaType)
            .with_detail(format!("expected multipart/form-data: {}", e.body_text()))
    })
}

/// A multipart form: its text fields in order, and its files (field name → `Upload::kind`).
/// An empty file input (nothing chosen) is no file.
pub async fn read(mut form: Multipart) -> Result<(Vec<(String, String)>, Vec<Upload>), AppError> {
    let mut fields = Vec::new();
    let mut files = Vec::new();
    while let Some(part) = form.next_field().await.map_err(problem)? {
        let name = part.name().unwrap_or_default().to_string();
        match part.file_name().map(str::to_string) {
            Some(file_name) => {
                let bytes = part.bytes().await.map_err(problem)?;
                if !(file_name.is_empty() && bytes.is_empty()) {
                    files.push(Upload {
                        kind: name,
                        file_name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            None => fields.push((name, part.text().await.map_err(problem)?)),
        }
    }
    Ok((fields, files))
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
