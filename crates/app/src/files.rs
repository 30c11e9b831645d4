//! The sweep of stored files no row refers to. A file is written before the transaction that
//! refers to it commits (REL-01), so a crash in between leaves a file without its row; the sweep
//! removes those once they are older than a grace period, which must exceed the longest write
//! of any instance sharing the store.

use crate::{App, AppError};
use emss_db::repo;
use std::time::Duration;

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
