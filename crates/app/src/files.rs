//! Stored documents handed out, and the sweep of stored files no row refers to. A file is
//! written before the transaction that refers to it commits (REL-01), so a crash in between
//! leaves a file without its row; the sweep removes those once they are older than a grace
//! period, which must exceed the longest write of any instance sharing the store.

use crate::audit::{Outcome, record_alone};
use crate::{App, AppError};
use emss_db::repo;
use emss_domain::Actor;
use std::time::Duration;

/// The bytes of a stored document (filing document, contract scan, report) handed to `actor`,
/// who may see it: each download is an audit entry `document.download`, as photo views are.
pub async fn download(
    app: &App,
    actor: &Actor,
    blob_key: &str,
    object: (&str, &str),
    detail: serde_json::Value,
) -> Result<Vec<u8>, AppError> {
    let key = emss_db::blob::BlobKey::parse(blob_key)
        .ok_or_else(|| AppError::internal(format!("a stored {} has a malformed key", object.0)))?;
    let bytes = app
        .blobs()
        .get(&key)
        .await
        .map_err(AppError::internal)?
        .ok_or_else(|| AppError::internal(format!("{} file {key} is missing", object.0)))?;
    record_alone(
        app,
        Some(actor),
        "document.download",
        Some(object),
        Outcome::Ok,
        detail,
    )
    .await?;
    Ok(bytes)
}

/// Removes the files older than `grace` that nothing refers to; returns how many.
pub async fn sweep_orphans(app: &App, grace: Duration) -> Result<u64, AppError> {
    let old = app
        .blobs()
        .older_than(grace)
        .await
        .map_err(AppError::internal)?;
    let keys: Vec<String> = old.iter().map(|k| k.to_string()).collect();
    let referenced = repo::blob_refs::referenced(&app.db().conn, &keys).await?;
    let mut removed = 0;
    for key in old.iter().filter(|k| !referenced.contains(k.as_str())) {
        if app
            .blobs()
            .delete_if_older_than(key, grace)
            .await
            .map_err(AppError::internal)?
        {
            removed += 1;
        }
    }
    Ok(removed)
}

/// Adds what is wrong with an uploaded document (a report, a contract's or an order's file) to
/// `errors` under `file`, in the words shown next to the field: missing, its type and size, active
/// content, the malware scanner's finding.
pub(crate) async fn document_problems(
    app: &App,
    file: Option<&crate::filing::Upload>,
    missing: &str,
    errors: &mut crate::error::FieldErrors,
) -> Result<(), AppError> {
    let Some(f) = file else {
        errors.add("file", missing);
        return Ok(());
    };
    let kind = emss_domain::attachment::office_file_problem(&f.bytes);
    errors.check("file", kind);
    if kind.is_none() {
        errors.check(
            "file",
            crate::inspect::problem(app, &f.bytes).await?.as_deref(),
        );
    }
    errors.check("file", crate::scan::problem(app, &f.bytes).await?);
    Ok(())
}

/// Checks an uploaded document (as [`document_problems`]) and that the object holds fewer than
/// `max` files (`already`), and stores it; every problem is said under `file`.
pub(crate) async fn check_and_store(
    app: &App,
    file: Option<crate::filing::Upload>,
    missing: &str,
    (already, max, too_many): (usize, usize, String),
) -> Result<StoredDocument, AppError> {
    let mut errors = crate::error::FieldErrors::new();
    document_problems(app, file.as_ref(), missing, &mut errors).await?;
    if already >= max {
        errors.add("file", too_many);
    }
    errors.into_result()?;
    let Some(file) = file else {
        return Err(AppError::internal(
            "a document passed its checks without a file",
        ));
    };
    store_document(app, file).await
}

/// A checked document as stored.
pub(crate) struct StoredDocument {
    pub blob_key: String,
    /// The uploaded name, cleaned, with the extension of its real type.
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
}

/// Stores a document that passed [`document_problems`], by hash and outside the transaction that
/// will name it: a file no row names is harmless (the sweep removes it).
pub(crate) async fn store_document(
    app: &App,
    file: crate::filing::Upload,
) -> Result<StoredDocument, AppError> {
    use emss_domain::attachment::{FileType, clean_file_name};
    let file_type = FileType::sniff_with_office(&file.bytes)
        .ok_or_else(|| AppError::internal("an unchecked document"))?;
    let size = i64::try_from(file.bytes.len()).map_err(AppError::internal)?;
    let key = app
        .blobs()
        .put(file.bytes)
        .await
        .map_err(AppError::internal)?;
    Ok(StoredDocument {
        blob_key: key.to_string(),
        file_name: clean_file_name(&file.file_name, file_type),
        content_type: file_type.content_type().to_string(),
        size,
    })
}
