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
