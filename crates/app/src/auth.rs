//! Signing in and out, and finding who is acting from a session token. Sessions live in the
//! database, so several EMSS instances share them.

use crate::audit::{self, Outcome};
use crate::{App, AppError, password, secret};
use chrono::{DateTime, Duration, Utc};
use emss_db::entity::{device_binding, session};
use emss_db::repo::{self, account::AccountWithOrg};
use emss_domain::account::normalize_username;
use emss_domain::{Actor, ErrorCode, OrgKind};
use serde_json::json;

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

/// The absolute lifetime of a session, however active (SESS-02).
pub const ABSOLUTE_LIFETIME: Duration = Duration::hours(12);
/// Sessions one account may hold at once; a further login ends the oldest (SESS-05).
pub const MAX_SESSIONS: usize = 3;
/// How long a phone stays bound (我的信息 → 绑定) unless revoked.
pub const DEVICE_BINDING_LIFETIME: Duration = Duration::days(30);

/// Only every so often is a session's last activity written, so that reading a page does not
/// mean a database write; the idle timeout therefore has a resolution of this much.
const TOUCH_EVERY: Duration = Duration::seconds(60);

/// Why a session was ended by someone other than its owner.
pub mod ended {
    /// A newer login of the same account took its place.
    pub const REPLACED: &str = "replaced";
    /// An administrator or main account ended it.
    pub const ENDED: &str = "ended";
    /// The account was disabled.
    pub const DISABLED: &str = "disabled";
    /// Too many wrong passwords locked the account.
    pub const LOCKED: &str = "locked";
    /// The password was changed in another session.
    pub const PASSWORD_CHANGED: &str = "password_changed";
}

#[derive(Debug, Clone)]
pub struct LoginInput {
    pub username: String,
    pub password: String,
    pub kind: SessionKind,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    /// Bind this phone for 30 days (mobile logins).
    pub bind_device: bool,
}

/// A new session. `token` is the secret the client keeps (cookie or bearer); it is not stored.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub csrf_token: String,
    pub expires_at: DateTime<Utc>,
    pub actor: Actor,
    /// The password was set by someone else and must be changed before anything else.
    pub must_change_password: bool,
    /// How many older sessions this login ended (at most three are kept).
    pub replaced_sessions: usize,
    /// The secret of a new phone binding, for the phone to keep.
    pub device_token: Option<String>,
}

/// Checks the credentials and opens a session. Unknown user, wrong password, disabled account,
/// expired one-time password and locked account all give the same answer (AUTH-04). Every attempt
/// is counted before the password is checked — towards the per-address throttle and the
/// username's lockout — so attempts sent together cannot outrun either; a login that succeeds is
/// taken off both counts, so an office behind one address can sign in together at the start of
/// a shift.
pub async fn login(app: &App, input: LoginInput) -> Result<LoginOutcome, AppError> {
    let denied = || AppError::new(ErrorCode::InvalidCredentials);
    let policy = app.policy().await?;
    let now = app.now();
    let db = &app.db().conn;
    let mut attempt = None;
    if let Some(ip) = &input.ip {
        attempt = Some(repo::login_guard::record_attempt(db, ip, now).await?);
        if repo::login_guard::recent_attempts(db, ip, now).await?
            > u64::from(policy.ip_attempts_per_minute)
        {
            tracing::warn!(ip = %ip, "login throttled");
            audit::record_denial(
                app,
                None,
                "auth.throttled",
                "auth.login",
                None,
                json!({}),
                ErrorCode::RateLimited,
            )
            .await?;
            return Err(AppError::new(ErrorCode::RateLimited));
        }
    }
    // Credentials longer than any valid one are refused before anything else reads them; the
    // log keeps the username cut to its limit.
    let (shown, cut) = emss_domain::account::username_for_log(&input.username);
    if cut || input.password.chars().count() > emss_domain::password_policy::MAX_LENGTH {
        audit::record_alone(
            app,
            None,
            "auth.login",
            None,
            Outcome::Denied,
            json!({"username": shown, "username_cut": cut, "reason": "too_long"}),
        )
        .await?;
        return Err(denied());
    }
    let username = normalize_username(&input.username);
    if username.is_empty() || input.password.is_empty() {
        return Err(denied());
    }
    let attempt_no = match reserve(app, &username).await? {
        Some(n) => n,
        None => {
            password::verify_dummy(input.password).await?;
            tracing::info!(username = %username, "login refused: locked");
            audit::record_alone(
                app,
                None,
                "auth.login",
                None,
                Outcome::Denied,
                json!({"username": username, "reason": "locked"}),
            )
            .await?;
            return Err(denied());
        }
    };
    let found = repo::account::find_by_username(db, &username).await?;
    let ok = match &found {
        Some(f) => {
            let matches = password::verify(input.password, f.account.password_hash.clone()).await?;
            let expired = f.account.password_expires_at.is_some_and(|t| t <= now);
            matches && !f.account.disabled && !expired
        }
        None => {
            password::verify_dummy(input.password).await?;
            false
        }
    };
    let Some(found) = found.filter(|_| ok) else {
        let txn = app.db().begin_write().await?;
        let locked = settle_failure(&txn, app, &username, attempt_no).await?;
        audit::record(
            &txn,
            app,
            None,
            "auth.login",
            None,
            Outcome::Denied,
            json!({"username": username, "reason": "bad_credentials", "locks_account": locked}),
        )
        .await?;
        txn.commit().await?;
        return Err(denied());
    };

    let txn = app.db().begin_write().await?;
    repo::login_guard::clear(&txn, &username).await?;
    if let Some(id) = attempt {
        repo::login_guard::forget_attempt(&txn, id).await?;
    }
    let mut outcome = open_session(
        &txn,
        &found,
        input.kind,
        input.ip.clone(),
        input.user_agent.clone(),
        now,
    )
    .await?;
    if input.bind_device && input.kind == SessionKind::Mobile {
        let device_token = secret::token().map_err(AppError::internal)?;
        repo::device_binding::insert(
            &txn,
            device_binding::Model {
                id: secret::token_digest(&device_token),
                account_id: found.account.id.clone(),
                label: device_label(input.user_agent.as_deref()),
                created_at: now,
                last_used_at: now,
                expires_at: now + DEVICE_BINDING_LIFETIME,
                revoked_at: None,
            },
        )
        .await?;
        outcome.device_token = Some(device_token);
    }
    audit::record(
        &txn,
        app,
        Some(&outcome.actor),
        "auth.login",
        Some(("account", &found.account.id)),
        Outcome::Ok,
        json!({
            "kind": input.kind.as_str(),
            "bound_device": outcome.device_token.is_some(),
            "replaced_sessions": outcome.replaced_sessions,
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(account = %found.account.id, kind = input.kind.as_str(), "login");
    Ok(outcome)
}

/// Counts one password check of `username` before it is made (see
/// [`repo::login_guard::reserve`]): the attempt's number in the window, or `None` when the
/// username is locked or the window's attempts are taken.
async fn reserve(app: &App, username: &str) -> Result<Option<i32>, AppError> {
    let policy = app.policy().await?;
    let txn = app.db().begin_write().await?;
    let reserved = repo::login_guard::reserve(
        &txn,
        username,
        app.now(),
        policy.lockout_threshold,
        Duration::minutes(i64::from(policy.lockout_window_minutes)),
    )
    .await?;
    txn.commit().await?;
    Ok(match reserved {
        repo::login_guard::Reservation::Check(n) => Some(n),
        repo::login_guard::Reservation::Refuse => None,
    })
}

/// The check reserved as attempt `n` found a wrong password: the last one the window allows
/// locks the username. Returns whether it did. Call in a transaction.
async fn settle_failure(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    username: &str,
    n: i32,
) -> Result<bool, AppError> {
    let policy = app.policy().await?;
    let locked = repo::login_guard::settle_failure(
        txn,
        username,
        n,
        policy.lockout_threshold,
        app.now(),
        Duration::minutes(i64::from(policy.lockout_minutes)),
    )
    .await?;
    if locked {
        tracing::warn!(username = %username, "account locked after repeated failures");
    }
    Ok(locked)
}

/// Ends every session of a signed-in account whose own password was guessed wrong until it
/// locked, the guessing one included, with an audit entry. (A lock from failed logins alone ends
/// no session: otherwise anyone knowing a username could sign its owner out.)
async fn lock_out(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: &Actor,
) -> Result<(), AppError> {
    let policy = app.policy().await?;
    let ended = repo::session::end_for_account(txn, &actor.account_id, ended::LOCKED, None).await?;
    audit::record(
        txn,
        app,
        Some(actor),
        "auth.locked",
        Some(("account", &actor.account_id)),
        Outcome::Denied,
        json!({"minutes": policy.lockout_minutes, "sessions_ended": ended}),
    )
    .await?;
    Ok(())
}

/// Checks the signed-in account's own password, asked again before changing it or revealing
/// personal data (`purpose`). A wrong one counts as a failed login of the account, with the same
/// threshold and lockout: the failure that locks the account ends every session of it, the
/// asking one included, and answers `account_locked` — a stolen session cannot guess the
/// password. Returns whether the password is right.
pub async fn check_own_password(
    app: &App,
    actor: &Actor,
    password_given: &str,
    purpose: &str,
) -> Result<bool, AppError> {
    let db = &app.db().conn;
    let found = repo::account::find_with_org(db, &actor.account_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    let username = found.account.username.clone();
    let Some(n) = reserve(app, &username).await? else {
        // Locked meanwhile (by failed logins elsewhere, or guesses sent together).
        let txn = app.db().begin_write().await?;
        lock_out(&txn, app, actor).await?;
        txn.commit().await?;
        return Err(AppError::new(ErrorCode::AccountLocked));
    };
    let fits = password_given.chars().count() <= emss_domain::password_policy::MAX_LENGTH;
    if fits
        && password::verify(
            password_given.to_string(),
            found.account.password_hash.clone(),
        )
        .await?
    {
        repo::login_guard::clear(db, &username).await?;
        return Ok(true);
    }
    let txn = app.db().begin_write().await?;
    let locked = settle_failure(&txn, app, &username, n).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "auth.password_check",
        Some(("account", &found.account.id)),
        Outcome::Denied,
        json!({"purpose": purpose, "locks_account": locked}),
    )
    .await?;
    if locked {
        lock_out(&txn, app, actor).await?;
    }
    txn.commit().await?;
    if locked {
        Err(AppError::new(ErrorCode::AccountLocked))
    } else {
        Ok(false)
    }
}

/// Opens a session for `found`, ending its oldest sessions beyond the limit. Call in a transaction.
async fn open_session(
    txn: &impl sea_orm::ConnectionTrait,
    found: &AccountWithOrg,
    kind: SessionKind,
    ip: Option<String>,
    user_agent: Option<String>,
    now: DateTime<Utc>,
) -> Result<LoginOutcome, AppError> {
    let token = secret::token().map_err(AppError::internal)?;
    let csrf_token = secret::token().map_err(AppError::internal)?;
    let expires_at = now + ABSOLUTE_LIFETIME;
    let open = repo::session::open_for_account(txn, &found.account.id, now).await?;
    let surplus = (open.len() + 1).saturating_sub(MAX_SESSIONS);
    for old in open.iter().take(surplus) {
        repo::session::end(txn, &old.id, ended::REPLACED).await?;
    }
    repo::session::insert(
        txn,
        session::Model {
            id: secret::token_digest(&token),
            account_id: found.account.id.clone(),
            kind: kind.as_str().to_string(),
            csrf_token: csrf_token.clone(),
            created_at: now,
            last_seen_at: now,
            expires_at,
            ip: ip.map(|s| truncate(&s, 64)),
            user_agent: user_agent.map(|s| truncate(&s, 255)),
            ended_reason: None,
        },
    )
    .await?;
    repo::account::record_login(txn, &found.account.id, now).await?;
    Ok(LoginOutcome {
        token,
        csrf_token,
        expires_at,
        must_change_password: found.account.must_change_password,
        replaced_sessions: surplus,
        actor: actor_of(found),
        device_token: None,
    })
}

/// Opens a mobile session from a bound phone's secret, if the binding is still in force and its
/// account may sign in. `None` otherwise.
pub async fn resume_on_device(
    app: &App,
    device_token: &str,
    ip: Option<String>,
    user_agent: Option<String>,
) -> Result<Option<LoginOutcome>, AppError> {
    let now = app.now();
    let id = secret::token_digest(device_token);
    let db = &app.db().conn;
    let Some(binding) = repo::device_binding::find_active(db, &id, now).await? else {
        return Ok(None);
    };
    let Some(found) = repo::account::find_with_org(db, &binding.account_id).await? else {
        return Ok(None);
    };
    if found.account.disabled
        || found.account.must_change_password
        || repo::login_guard::locked_until(db, &found.account.username, now)
            .await?
            .is_some()
    {
        return Ok(None);
    }
    let txn = app.db().begin_write().await?;
    repo::device_binding::touch(&txn, &id, now).await?;
    let outcome = open_session(&txn, &found, SessionKind::Mobile, ip, user_agent, now).await?;
    audit::record(
        &txn,
        app,
        Some(&outcome.actor),
        "auth.device_resume",
        Some(("account", &found.account.id)),
        Outcome::Ok,
        json!({"device": binding.label}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(account = %found.account.id, "mobile session opened by a bound phone");
    Ok(Some(outcome))
}

/// A phone bound to one's account, as 我的信息 lists it.
#[derive(Debug, Clone)]
pub struct BoundDevice {
    pub id: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The phones bound to the actor's account.
pub async fn devices(app: &App, actor: &Actor) -> Result<Vec<BoundDevice>, AppError> {
    Ok(
        repo::device_binding::active_for_account(&app.db().conn, &actor.account_id, app.now())
            .await?
            .into_iter()
            .map(|b| BoundDevice {
                id: b.id,
                label: b.label,
                created_at: b.created_at,
                last_used_at: b.last_used_at,
                expires_at: b.expires_at,
            })
            .collect(),
    )
}

/// Unbinds one of the actor's phones. Another account's binding is "not found".
pub async fn revoke_device(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    let txn = app.db().begin_write().await?;
    let revoked = repo::device_binding::revoke(&txn, id, &actor.account_id, app.now()).await?;
    if !revoked {
        txn.rollback().await?;
        audit::record_denial(
            app,
            Some(actor),
            "authz.denied",
            "device.revoke",
            Some(("device_binding", id)),
            json!({"action": "device.revoke"}),
            ErrorCode::NotFound,
        )
        .await?;
        return Err(AppError::new(ErrorCode::NotFound));
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "device.revoke",
        Some(("account", &actor.account_id)),
        Outcome::Ok,
        json!({"binding": id}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Unbinds the phone that holds `device_token` (its owner logs out on it).
pub async fn forget_device(app: &App, actor: &Actor, device_token: &str) -> Result<(), AppError> {
    let id = secret::token_digest(device_token);
    let txn = app.db().begin_write().await?;
    if repo::device_binding::revoke(&txn, &id, &actor.account_id, app.now()).await? {
        audit::record(
            &txn,
            app,
            Some(actor),
            "device.revoke",
            Some(("account", &actor.account_id)),
            Outcome::Ok,
            json!({"binding": id, "at_logout": true}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(())
}

/// "Chrome on Android" and the like, from the browser's own description.
fn device_label(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or("");
    let system = [
        "Android",
        "iPhone",
        "iPad",
        "HarmonyOS",
        "Windows",
        "Mac OS",
        "Linux",
    ]
    .into_iter()
    .find(|s| ua.contains(s))
    .unwrap_or("未知系统");
    let app = if ua.contains("MicroMessenger") {
        "微信"
    } else if ua.contains("Chrome") {
        "Chrome"
    } else if ua.contains("Safari") {
        "Safari"
    } else if ua.contains("Firefox") {
        "Firefox"
    } else {
        "浏览器"
    };
    format!("{system} · {app}")
}

/// A session that is valid now, with the actor behind it.
#[derive(Debug, Clone)]
pub struct Authenticated {
    pub actor: Actor,
    pub session_id: String,
    pub csrf_token: String,
    pub kind: SessionKind,
    pub expires_at: DateTime<Utc>,
    /// Only the password change is open to this session until the password is changed.
    pub must_change_password: bool,
}

/// What a presented token turned out to be.
#[derive(Debug, Clone)]
pub enum Resolved {
    Valid(Box<Authenticated>),
    /// It was a session, but it timed out: the user is told so.
    Expired,
    /// It was a session, ended by a newer login or by an administrator: the user is told so.
    Ended,
    /// Not a session (never was, or logged out).
    Unknown,
}

/// Finds the session of `token`, applying the idle and absolute timeouts.
pub async fn resolve(app: &App, token: &str) -> Result<Resolved, AppError> {
    let id = secret::token_digest(token);
    let db = &app.db().conn;
    let Some(session) = repo::session::find(db, &id).await? else {
        return Ok(Resolved::Unknown);
    };
    if session.ended_reason.is_some() {
        return Ok(Resolved::Ended);
    }
    let kind = SessionKind::parse(&session.kind).unwrap_or(SessionKind::Portal);
    let now = app.now();
    let policy = app.policy().await?;
    let idle_minutes = match kind {
        SessionKind::Mobile => policy.mobile_idle_minutes,
        SessionKind::Portal | SessionKind::Api => policy.portal_idle_minutes,
    };
    if now >= session.expires_at
        || now > session.last_seen_at + Duration::minutes(i64::from(idle_minutes))
    {
        repo::session::delete(db, &id).await?;
        return Ok(Resolved::Expired);
    }
    let Some(found) = repo::account::find_with_org(db, &session.account_id).await? else {
        return Ok(Resolved::Unknown);
    };
    if found.account.disabled {
        repo::session::end_for_account(db, &found.account.id, ended::DISABLED, None).await?;
        return Ok(Resolved::Ended);
    }
    if now - session.last_seen_at >= TOUCH_EVERY {
        repo::session::touch(db, &id, now).await?;
    }
    Ok(Resolved::Valid(Box::new(Authenticated {
        must_change_password: found.account.must_change_password,
        actor: actor_of(&found),
        session_id: id,
        csrf_token: session.csrf_token,
        kind,
        expires_at: session.expires_at,
    })))
}

/// Ends the session. Logging out twice is not an error.
pub async fn logout(app: &App, auth: &Authenticated) -> Result<(), AppError> {
    let txn = app.db().begin_write().await?;
    repo::session::delete(&txn, &auth.session_id).await?;
    audit::record(
        &txn,
        app,
        Some(&auth.actor),
        "auth.logout",
        Some(("account", &auth.actor.account_id)),
        Outcome::Ok,
        json!({"kind": auth.kind.as_str()}),
    )
    .await?;
    txn.commit().await?;
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

fn truncate(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}
