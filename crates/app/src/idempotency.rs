//! `Idempotency-Key` (api.md): a phone on a weak network retries a write it may already have
//! made; with the same key it gets the first answer again, never a second write. A key is the
//! account's own, used on one route; while the first request is still being carried out a retry
//! is told to wait; a request that failed frees its key.

use crate::{App, AppError};
use emss_db::entity::idempotency_key;
use emss_db::repo;
use emss_domain::{Actor, ErrorCode};

/// What a key says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First seen: carry the request out, then `finish` or `release`.
    Fresh,
    /// Carried out before: this was the answer.
    Answered { status: u16, body: String },
}

/// A key is a UUID or another client-made token: 8 to 64 letters, digits and hyphens.
fn key_problem(key: &str) -> Option<&'static str> {
    let ok =
        (8..=64).contains(&key.len()) && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-');
    (!ok).then_some("Idempotency-Key 须为 8 到 64 位字母、数字或连字符（建议用 UUID）")
}

pub async fn claim(app: &App, actor: &Actor, route: &str, key: &str) -> Result<Claim, AppError> {
    if let Some(problem) = key_problem(key) {
        return Err(AppError::field("idempotency_key", problem));
    }
    let row = idempotency_key::Model {
        account_id: actor.account_id.clone(),
        key: key.to_string(),
        route: route.to_string(),
        status: 0,
        body: String::new(),
        created_at: app.now(),
    };
    match repo::idempotency::claim(&app.db().conn, row).await {
        Ok(()) => return Ok(Claim::Fresh),
        Err(e) if AppError::from(e.clone()).code != ErrorCode::AlreadyExists => {
            return Err(e.into());
        }
        Err(_) => {}
    }
    let Some(first) = repo::idempotency::get(&app.db().conn, &actor.account_id, key).await? else {
        // Released between the two statements: the first request failed; this one may go on.
        return Box::pin(claim(app, actor, route, key)).await;
    };
    if first.route != route {
        return Err(AppError::field(
            "idempotency_key",
            "该 Idempotency-Key 已用于另一种请求，请换一个",
        ));
    }
    match u16::try_from(first.status) {
        Ok(status) if status > 0 => Ok(Claim::Answered {
            status,
            body: first.body,
        }),
        _ => Err(AppError::new(ErrorCode::AlreadyExists)
            .with_detail("the first request with this key is still being carried out")),
    }
}

/// Keeps the answer of a request carried out under `key`.
pub async fn finish(
    app: &App,
    actor: &Actor,
    key: &str,
    status: u16,
    body: &str,
) -> Result<(), AppError> {
    repo::idempotency::finish(
        &app.db().conn,
        &actor.account_id,
        key,
        i32::from(status),
        body,
    )
    .await?;
    Ok(())
}

/// Frees the key of a request that failed.
pub async fn release(app: &App, actor: &Actor, key: &str) -> Result<(), AppError> {
    repo::idempotency::release(&app.db().conn, &actor.account_id, key).await?;
    Ok(())
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
