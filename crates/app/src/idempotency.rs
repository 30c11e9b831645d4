//! `Idempotency-Key` (api.md): a phone on a weak network retries a write it may already have
//! made; with the same key it gets the first answer again, never a second write. The answer is
//! kept in the same transaction as the write it answers, so a crash leaves either both or
//! neither: a retry after a crash either finds the answer or carries the write out afresh. Two
//! requests with one key at once: the second's key collides at commit, its write is rolled back
//! and it answers what the first wrote. A key is the account's own, used on one route.

use crate::{App, AppError};
use emss_db::entity::idempotency_key;
use emss_db::repo;
use emss_domain::{Actor, ErrorCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::future::Future;

/// A request's key and the route it was sent to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    pub route: &'static str,
    pub key: String,
}

/// How long an answer is kept: a phone offline longer than this resends as new.
pub const KEPT_DAYS: i64 = 30;

/// A key is a UUID or another client-made token: 8 to 64 letters, digits and hyphens.
fn key_problem(key: &str) -> Option<&'static str> {
    let ok =
        (8..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (!ok).then_some("Idempotency-Key 须为 8 到 64 位字母、数字或连字符（建议用 UUID）")
}

/// The answer kept for this key, if the request was carried out before.
async fn replay<T: DeserializeOwned>(
    app: &App,
    actor: &Actor,
    keyed: &Keyed,
) -> Result<Option<T>, AppError> {
    let Some(first) = repo::idempotency::get(&app.db().conn, &actor.account_id, &keyed.key).await?
    else {
        return Ok(None);
    };
    if first.route != keyed.route {
        return Err(AppError::field(
            "idempotency_key",
            "该 Idempotency-Key 已用于另一种请求，请换一个",
        ));
    }
    serde_json::from_str(&first.body)
        .map(Some)
        .map_err(|e| AppError::internal(format!("a kept answer no longer reads: {e}")))
}

/// Carries `run` out once per key: a kept answer is returned as it was; otherwise `run` does
/// the write and calls [`keep`] inside its transaction.
pub async fn once<T, Fut>(
    app: &App,
    actor: &Actor,
    keyed: Option<&Keyed>,
    run: impl FnOnce() -> Fut,
) -> Result<T, AppError>
where
    T: DeserializeOwned,
    Fut: Future<Output = Result<T, AppError>>,
{
    let Some(keyed) = keyed else {
        return run().await;
    };
    if let Some(problem) = key_problem(&keyed.key) {
        return Err(AppError::field("idempotency_key", problem));
    }
    if let Some(answer) = replay(app, actor, keyed).await? {
        return Ok(answer);
    }
    match run().await {
        // Another request with this key committed first: its answer is this one's.
        Err(e) if e.code == ErrorCode::AlreadyExists => match replay(app, actor, keyed).await? {
            Some(answer) => Ok(answer),
            None => Err(e),
        },
        other => other,
    }
}

/// Keeps the answer of a write under its key, in the write's transaction.
pub async fn keep<T: Serialize>(
    db: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: &Actor,
    keyed: Option<&Keyed>,
    answer: &T,
) -> Result<(), AppError> {
    let Some(keyed) = keyed else {
        return Ok(());
    };
    let body = serde_json::to_string(answer).map_err(AppError::internal)?;
    repo::idempotency::insert(
        db,
        idempotency_key::Model {
            account_id: actor.account_id.clone(),
            key: keyed.key.clone(),
            route: keyed.route.to_string(),
            status: 200,
            body,
            created_at: app.now(),
        },
    )
    .await?;
    Ok(())
}

/// Forgets answers older than [`KEPT_DAYS`]; returns how many.
pub async fn forget_old(app: &App) -> Result<u64, AppError> {
    let before = app.now() - chrono::Duration::days(KEPT_DAYS);
    Ok(repo::idempotency::delete_before(&app.db().conn, before).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_client_tokens() {
        assert_eq!(key_problem("0b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d"), None);
        assert!(key_problem("short").is_some());
        assert!(key_problem("with space in it").is_some());
        assert!(key_problem(&"a".repeat(65)).is_some());
    }
}
