//! Accounts: listing them, creating sub-accounts, granting roles, disabling, resetting and changing
//! passwords. Who may do which is decided in `emss_domain::account_rights`.

use crate::audit::{self, Outcome};
use crate::auth::{Authenticated, ended};
use crate::error::FieldErrors;
use crate::{App, AppError, password, secret};
use chrono::Duration;
use emss_db::repo;
use emss_db::repo::account::{
    AccountFilter, AccountRow, AccountScope, AccountWithOrg, NewAccount, SealedValue,
};
use emss_domain::account::{display_name_problem, normalize_username, username_problem};
use emss_domain::account_rights::{self, AccountAction, Target};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::password_policy::SecurityPolicy;
use emss_domain::permission::is_org_main;
use emss_domain::{Actor, ErrorCode, OrgKind, Permission, Role};
use serde_json::json;

/// How long a password set by someone else (first start, reset, new account) stays usable (AUTH-06).
pub const ONE_TIME_PASSWORD_LIFETIME: Duration = Duration::hours(72);

fn target(a: &AccountWithOrg) -> Target<'_> {
    Target {
        account_id: &a.account.id,
        org_id: &a.org.id,
        org_kind: OrgKind::parse(&a.org.kind).unwrap_or(OrgKind::System),
        roles: &a.roles,
    }
}

/// The accounts `actor` may list: every account for the system and security administrators, the
/// own organisation's for a main account.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: &AccountFilter,
    page: PageRequest,
) -> Result<Page<AccountRow>, AppError> {
    let scope = if actor.has_any_role(&[Role::SystemAdmin, Role::SecurityAdmin]) {
        AccountScope::All
    } else if is_org_main(actor) {
        AccountScope::Organization(actor.org_id.clone())
    } else {
        return Err(AppError::new(ErrorCode::Forbidden));
    };
    Ok(repo::account::list(&app.db().conn, &scope, filter, page).await?)
}

/// One account, if `actor` may see it; otherwise "not found", exactly as for an unknown id.
pub async fn get(app: &App, actor: &Actor, id: &str) -> Result<AccountWithOrg, AppError> {
    let found = if emss_domain::ids::looks_like_id(id) {
        repo::account::find_with_org(&app.db().conn, id).await?
    } else {
        None
    };
    match found {
        Some(found) if account_rights::may_view(actor, &target(&found)) => Ok(found),
        // Missing and out of scope are one answer, and both are recorded.
        _ => Err(deny(app, actor, id, "account.view", ErrorCode::NotFound).await),
    }
}

/// Records a refusal and returns the error to answer with.
async fn deny(app: &App, actor: &Actor, id: &str, action: &str, code: ErrorCode) -> AppError {
    let detail = json!({"action": action});
    let object = (!id.is_empty()).then_some(("account", id));
    match audit::record_denial(
        app,
        Some(actor),
        "authz.denied",
        action,
        object,
        detail,
        code,
    )
    .await
    {
        Ok(()) => AppError::new(code),
        Err(e) => e,
    }
}

/// What `actor` may do to `account`, for the page to offer only those actions.
pub fn allowed(actor: &Actor, account: &AccountWithOrg) -> Vec<AccountAction> {
    [
        AccountAction::SetRoles,
        AccountAction::SetEnabled,
        AccountAction::ResetPassword,
        AccountAction::EndSessions,
        AccountAction::RevealPersonalData,
    ]
    .into_iter()
    .filter(|a| account_rights::may(actor, *a, &target(account)))
    .collect()
}

async fn get_for(
    app: &App,
    actor: &Actor,
    id: &str,
    action: AccountAction,
) -> Result<AccountWithOrg, AppError> {
    let found = get(app, actor, id).await?;
    if !account_rights::may(actor, action, &target(&found)) {
        return Err(deny(app, actor, id, &format!("{action:?}"), ErrorCode::Forbidden).await);
    }
    Ok(found)
}

#[derive(Debug, Clone, Default)]
pub struct NewAccountInput {
    /// The organisation (system administrator only; a main account creates in its own).
    pub org_id: Option<String>,
    pub username: String,
    pub name: String,
    /// Role codes (main accounts only).
    pub roles: Vec<String>,
    /// Mobile number, optional.
    pub phone: Option<String>,
}

/// Encrypts a phone number for one account's row, with its blind index and masked form.
pub fn seal_phone(app: &App, account_id: &str, phone: &str) -> Result<SealedValue, AppError> {
    let (cipher, key_id) = app.seal(&format!("account/phone/{account_id}"), phone)?;
    Ok(SealedValue {
        cipher,
        key_id,
        index: app.blind_index("phone", phone)?,
        masked: emss_domain::pi::mask_phone(phone),
    })
}

/// A created account and the one-time password to hand to its owner.
#[derive(Debug, Clone)]
pub struct Created {
    pub account_id: String,
    pub username: String,
    pub one_time_password: String,
}

/// Creates an account. A main account creates sub-accounts of its own organisation with roles of
/// that organisation; the system administrator creates accounts in any organisation — the first
/// one becomes its main account with the usual roles — but grants no other roles.
pub async fn create(app: &App, actor: &Actor, input: NewAccountInput) -> Result<Created, AppError> {
    if !Permission::CreateAccount.allows(Some(actor)) {
        return Err(deny(app, actor, "", "account.create", ErrorCode::Forbidden).await);
    }
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let username = normalize_username(&input.username);
    errors.check("username", username_problem(&username));
    if errors.is_empty()
        && repo::account::find_by_username(db, &username)
            .await?
            .is_some()
    {
        errors.add("username", "该用户名已被使用");
    }
    let name = input.name.trim().to_string();
    errors.check("name", display_name_problem(&name));
    let phone = input
        .phone
        .as_deref()
        .map(emss_domain::pi::normalize_phone)
        .filter(|p| !p.is_empty());
    if let Some(p) = &phone
        && !emss_domain::pi::valid_phone(p)
    {
        errors.add("phone", "请输入 11 位手机号码");
    }

    let org = if actor.has_role(Role::SystemAdmin) {
        match input.org_id.as_deref().filter(|s| !s.is_empty()) {
            Some(id) => repo::organization::find(db, id).await?,
            None => None,
        }
    } else {
        repo::organization::find(db, &actor.org_id).await?
    };
    let Some(org) = org else {
        errors.add("org_id", "请选择所属单位");
        return Err(errors.into_error());
    };
    let kind = OrgKind::parse(&org.kind).unwrap_or(OrgKind::System);

    let mut roles = Vec::new();
    for code in &input.roles {
        match Role::parse(code) {
            Some(r) if r.fits(kind) && !r.is_admin() => roles.push(r),
            _ => errors.add("roles", "所选角色不属于该单位"),
        }
    }
    roles.sort();
    roles.dedup();
    let mut is_main = false;
    if actor.has_role(Role::SystemAdmin) {
        if !roles.is_empty() {
            errors.add("roles", "角色由安全管理员或本单位主账户授予");
        }
        let has_main = repo::account::has_main(db, &org.id).await?;
        if kind != OrgKind::System && !has_main {
            is_main = true;
            roles = Role::main_account_defaults(kind).to_vec();
        }
    }
    errors.into_result()?;

    let one_time = secret::password(3).map_err(AppError::internal)?;
    let hash = password::hash(one_time.clone()).await?;
    let now = app.now();
    let id = emss_domain::ids::new_id();
    let sealed = match &phone {
        Some(p) => Some(seal_phone(app, &id, p)?),
        None => None,
    };
    let txn = app.db().begin_write().await?;
    repo::account::insert(
        &txn,
        NewAccount {
            id: id.clone(),
            org_id: &org.id,
            username: &username,
            name: &name,
            password_hash: hash,
            is_main,
            must_change_password: true,
            is_demo: false,
            roles: &roles,
            created_at: now,
            password_expires_at: Some(now + ONE_TIME_PASSWORD_LIFETIME),
            phone: sealed.clone(),
        },
    )
    .await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "account.create",
        Some(("account", &id)),
        Outcome::Ok,
        json!({
            "username": username,
            "name": name,
            "org_id": org.id,
            "is_main": is_main,
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            "phone": sealed.as_ref().map(|p| p.masked.clone()),
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, account = %id, "account created");
    Ok(Created {
        account_id: id,
        username,
        one_time_password: one_time,
    })
}

/// Replaces the roles of an account.
pub async fn set_roles(
    app: &App,
    actor: &Actor,
    id: &str,
    codes: &[String],
) -> Result<(), AppError> {
    let found = get_for(app, actor, id, AccountAction::SetRoles).await?;
    let mut roles = Vec::new();
    for code in codes {
        match Role::parse(code) {
            Some(r) => roles.push(r),
            None => return Err(AppError::field("roles", "未知的角色")),
        }
    }
    roles.sort();
    roles.dedup();
    let codes = |rs: &[Role]| rs.iter().map(|r| r.as_str()).collect::<Vec<_>>();
    if let Some(problem) = account_rights::roles_problem(actor, &target(&found), &roles) {
        tracing::warn!(actor = %actor.account_id, account = %id, problem, "role grant refused");
        audit::record_alone(
            app,
            Some(actor),
            "account.roles",
            Some(("account", id)),
            Outcome::Denied,
            json!({"requested": codes(&roles), "reason": problem}),
        )
        .await?;
        return Err(AppError::field("roles", problem));
    }
    let txn = app.db().begin_write().await?;
    repo::account::set_roles(&txn, id, &roles, app.now()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "account.roles",
        Some(("account", id)),
        Outcome::Ok,
        json!({"before": codes(&found.roles), "after": codes(&roles)}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, account = %id, "roles changed");
    Ok(())
}

/// Disables or enables an account. Disabling ends all its sessions at once.
pub async fn set_enabled(
    app: &App,
    actor: &Actor,
    id: &str,
    enabled: bool,
) -> Result<(), AppError> {
    get_for(app, actor, id, AccountAction::SetEnabled).await?;
    let txn = app.db().begin_write().await?;
    repo::account::set_disabled(&txn, id, !enabled).await?;
    if !enabled {
        repo::session::end_for_account(&txn, id, ended::DISABLED, None).await?;
        repo::device_binding::revoke_for_account(&txn, id, app.now()).await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if enabled {
            "account.enable"
        } else {
            "account.disable"
        },
        Some(("account", id)),
        Outcome::Ok,
        json!({"disabled": !enabled}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, account = %id, enabled, "account enabled state changed");
    Ok(())
}

/// Gives the account a new one-time password (to be changed at the next login) and ends its
/// sessions. Returns the password, shown once to the person resetting it.
pub async fn reset_password(app: &App, actor: &Actor, id: &str) -> Result<String, AppError> {
    get_for(app, actor, id, AccountAction::ResetPassword).await?;
    let one_time = secret::password(3).map_err(AppError::internal)?;
    let hash = password::hash(one_time.clone()).await?;
    let now = app.now();
    let txn = app.db().begin_write().await?;
    repo::account::set_password_hash(&txn, id, hash, now, Some(now + ONE_TIME_PASSWORD_LIFETIME))
        .await?;
    repo::session::end_for_account(&txn, id, ended::ENDED, None).await?;
    repo::device_binding::revoke_for_account(&txn, id, now).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "account.password_reset",
        Some(("account", id)),
        Outcome::Ok,
        json!({"one_time_until": (now + ONE_TIME_PASSWORD_LIFETIME).to_rfc3339()}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, account = %id, "password reset");
    Ok(one_time)
}

/// Ends every session of an account and unbinds its phones.
pub async fn end_sessions(app: &App, actor: &Actor, id: &str) -> Result<u64, AppError> {
    get_for(app, actor, id, AccountAction::EndSessions).await?;
    let txn = app.db().begin_write().await?;
    let ended = repo::session::end_for_account(&txn, id, ended::ENDED, None).await?;
    let unbound = repo::device_binding::revoke_for_account(&txn, id, app.now()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "account.sessions_end",
        Some(("account", id)),
        Outcome::Ok,
        json!({"sessions": ended, "devices": unbound}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, account = %id, ended, "sessions ended");
    Ok(ended)
}

#[derive(Debug, Clone, Default)]
pub struct PasswordChange {
    pub current_password: String,
    pub new_password: String,
    pub confirm_password: String,
}

/// Changes one's own password. Other sessions of the account end; this one goes on.
pub async fn change_own_password(
    app: &App,
    auth: &Authenticated,
    change: PasswordChange,
) -> Result<(), AppError> {
    let db = &app.db().conn;
    let found = repo::account::find_with_org(db, &auth.actor.account_id)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::Unauthenticated))?;
    let mut errors = FieldErrors::new();
    if change.current_password.is_empty() {
        errors.add("current_password", "请输入当前密码");
    } else if !crate::auth::check_own_password(
        app,
        &auth.actor,
        &change.current_password,
        "password_change",
    )
    .await?
    {
        errors.add("current_password", "当前密码不正确");
    }
    let policy = app.policy().await?;
    let context = [
        found.account.username.as_str(),
        found.account.name.as_str(),
        found.org.name.as_str(),
    ];
    if let Some(p) = policy.password_problem(&change.new_password, &context) {
        errors.add("new_password", p);
    } else if change.new_password == change.current_password {
        errors.add("new_password", "新密码不能与当前密码相同");
    }
    if change.confirm_password != change.new_password {
        errors.add("confirm_password", "两次输入的新密码不一致");
    }
    errors.into_result()?;
    let hash = password::hash(change.new_password).await?;
    let txn = app.db().begin_write().await?;
    repo::account::set_password_hash(&txn, &found.account.id, hash, app.now(), None).await?;
    repo::session::end_for_account(
        &txn,
        &found.account.id,
        ended::PASSWORD_CHANGED,
        Some(&auth.session_id),
    )
    .await?;
    repo::device_binding::revoke_for_account(&txn, &found.account.id, app.now()).await?;
    audit::record(
        &txn,
        app,
        Some(&auth.actor),
        "account.password_change",
        Some(("account", &found.account.id)),
        Outcome::Ok,
        json!({}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(account = %found.account.id, "password changed");
    Ok(())
}

/// Sets the security policy (security administrator).
pub async fn update_policy(
    app: &App,
    actor: &Actor,
    policy: SecurityPolicy,
) -> Result<(), AppError> {
    if !Permission::ManageSecurityPolicy.allows(Some(actor)) {
        return Err(deny(app, actor, "", "security.policy", ErrorCode::Forbidden).await);
    }
    let mut errors = FieldErrors::new();
    for (field, message) in policy.problems() {
        errors.add(field, message);
    }
    errors.into_result()?;
    let before = app.policy().await?;
    let txn = app.db().begin_write().await?;
    app.store_policy(&txn, policy).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "security.policy",
        None,
        Outcome::Ok,
        json!({"before": before, "after": policy}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, "security policy changed");
    Ok(())
}

/// The organisations the system administrator may create accounts in, by name.
/// For a self-maintaining enterprise whose accounts cannot have a record filed, confirmed and
/// reviewed by three different people: which rule stops it, to be shown to its people.
pub async fn duties_problem(app: &App, actor: &Actor) -> Result<Option<String>, AppError> {
    if actor.org_kind != OrgKind::SelfMaintainingEnterprise {
        return Ok(None);
    }
    let accounts = repo::account::enabled_roles(&app.db().conn, &actor.org_id).await?;
    Ok(emss_domain::duties::three_people_problem(&accounts))
}

pub async fn organisations(app: &App, actor: &Actor) -> Result<Vec<(String, String)>, AppError> {
    if !actor.has_role(Role::SystemAdmin) {
        return Ok(Vec::new());
    }
    Ok(
        repo::organization::list_by_kinds(&app.db().conn, &OrgKind::ALL)
            .await?
            .into_iter()
            .map(|o| (o.id, o.name))
            .collect(),
    )
}

/// Shows one account's full phone number (DATA-04): only to those who keep the account, with a
/// reason and the actor's own password checked again, and one audit entry per reveal.
pub async fn reveal_phone(
    app: &App,
    auth: &Authenticated,
    id: &str,
    reason: &str,
    password_again: &str,
) -> Result<String, AppError> {
    let actor = &auth.actor;
    let found = get_for(app, actor, id, AccountAction::RevealPersonalData).await?;
    let mut errors = FieldErrors::new();
    let reason = reason.trim();
    if reason.chars().count() < 4 {
        errors.add("reason", "请填写查看原因（至少 4 个字）");
    }
    if !crate::auth::check_own_password(app, actor, password_again, "pi.reveal").await? {
        errors.add("password", "密码不正确");
    }
    errors.into_result()?;
    let (Some(cipher), Some(key_id)) = (&found.account.phone_cipher, &found.account.phone_key)
    else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    let phone = app.open(&format!("account/phone/{id}"), key_id, cipher)?;
    audit::record_alone(
        app,
        Some(actor),
        "pi.reveal",
        Some(("account", id)),
        Outcome::Ok,
        json!({"field": "phone", "reason": reason}),
    )
    .await?;
    Ok(phone)
}
