//! Signing in and out, and finding who is acting from a session token. Sessions live in the
//! database, so several EMSS instances share them.

use crate::{App, AppError, password, secret};
use chrono::{DateTime, Duration, Utc};
use emss_db::entity::session;
use emss_db::repo::{self, account::AccountWithOrg};
use emss_domain::account::normalize_username;
use emss_domain::{Actor, ErrorCode, OrgKind};

/// Where a session was opened: decides its idle timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    /// The desktop portal.
    Portal,
    /// The mobile (H5) pages.
    Mobile,
    /// An API client with a bearer token.
    Api,
}

impl SessionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionKind::Portal => "portal",
            SessionKind::Mobile => "mobile",
            SessionKind::Api => "api",
        }
    }

    pub fn parse(s: &str) -> Option<SessionKind> {
        [SessionKind::Portal, SessionKind::Mobile, SessionKind::Api]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// Only every so often is a session's last activity written, so that reading a page does not
/// mean a database write; the idle timeout therefore has a resolution of this much.
const TOUCH_EVERY: Duration = Duration::seconds(60);

#[derive(Debug, Clone)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    pub kind: SessionKind,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A new session. `token` is the secret the client keeps (cookie or bearer); it is not stored.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
}

/// Checks the credentials and opens a session. Unknown user, wrong password and disabled account
/// all give the same answer.
pub async fn login(app: &App, input: LoginInput) -> Result<LoginOutcome, AppError> {
    let username = normalize_username(&input.username);
    let denied = || AppError::new(ErrorCode::InvalidCredentials);
    if username.is_empty() || input.password.is_empty() {
        return Err(denied());
    }
    let found = repo::account::find_by_username(&app.db().conn, &username).await?;
    let Some(found) = found else {
        password::verify_dummy(input.password).await?;
        return Err(denied());
    };
    let ok = password::verify(input.password, found.account.password_hash.clone()).await?;
    if !ok || found.account.disabled {
        return Err(denied());
    }

    let now = app.now();
    let token = secret::token().map_err(AppError::internal)?;
    let csrf_token = secret::token().map_err(AppError::internal)?;
    let expires_at = now + to_chrono(app.settings().sessions.absolute);
    let txn = app.db().begin_write().await?;
    repo::session::insert(
        &txn,
        session::Model {
            id: secret::token_digest(&token),
            account_id: found.account.id.clone(),
            kind: input.kind.as_str().to_string(),
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at,
            ip: input.ip.map(|s| truncate(&s, 64)),
            user_agent: input.user_agent.map(|s| truncate(&s, 255)),
        },
    )
    .await?;
    repo::account::record_login(&txn, &found.account.id, now).await?;
    txn.commit().await?;
    tracing::info!(account = %found.account.id, kind = input.kind.as_str(), "login");
    Ok(LoginOutcome {
        token,
        csrf_token,
        expires_at,
        actor: actor_of(&found),
    })
}

/// A session that is valid now, with the actor behind it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub session_id: String,
    pub csrf_token: String,
    pub kind: SessionKind,
    pub expires_at: DateTime<Utc>,
}

/// What a presented token turned out to be.
#[derive(Debug, Clone)]
pub enum Resolved {
    Valid(Box<Authenticated>),
    /// It was a session, but it timed out: the user is told so.
    Expired,
    /// Not a session (never was, logged out, or its account is disabled).
    Unknown,
}

/// Finds the session of `token`, applying the idle and absolute timeouts.
pub async fn resolve(app: &App, token: &str) -> Result<Resolved, AppError> {
    let id = secret::token_digest(token);
    let db = &app.db().conn;
    let Some(session) = repo::session::find(db, &id).await? else {
        return Ok(Resolved::Unknown);
    };
    let kind = SessionKind::parse(&session.kind).unwrap_or(SessionKind::Portal);
    let now = app.now();
    let policy = app.settings().sessions;
    let idle = match kind {
        SessionKind::Mobile => policy.mobile_idle,
        SessionKind::Portal | SessionKind::Api => policy.portal_idle,
    };
    if now >= session.expires_at || now > session.last_seen_at + to_chrono(idle) {
        repo::session::delete(db, &id).await?;
        return Ok(Resolved::Expired);
    }
    let Some(found) = repo::account::find_with_org(db, &session.account_id).await? else {
        return Ok(Resolved::Unknown);
    };
    if found.account.disabled {
        repo::session::delete_for_account(db, &found.account.id).await?;
        return Ok(Resolved::Unknown);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        repo::session::touch(db, &id, now).await?;
    }
    Ok(Resolved::Valid(Box::new(Authenticated {
        actor: actor_of(&found),
        session_id: id,
        csrf_token: session.csrf_token,
        kind,
        expires_at: session.expires_at,
    })))
}

/// Ends the session. Logging out twice is not an error.
pub async fn logout(app: &App, session_id: &str) -> Result<(), AppError> {
    repo::session::delete(&app.db().conn, session_id).await?;
    Ok(())
}

pub(crate) fn actor_of(found: &AccountWithOrg) -> Actor {
    Actor {
        account_id: found.account.id.clone(),
        username: found.account.username.clone(),
        name: found.account.name.clone(),
        org_id: found.org.id.clone(),
        org_kind: OrgKind::parse(&found.org.kind).unwrap_or(OrgKind::System),
        org_name: found.org.name.clone(),
        district_code: found.org.district_code.clone(),
        roles: found.roles.clone(),
        is_main: found.account.is_main,
    }
}

fn to_chrono(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(Duration::MAX)
}

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}
