//! The first start of an empty database (AUTH-06): there are no default accounts. EMSS creates the
//! three administrators (三员) with random one-time passwords, printed once; each must be changed
//! at the first login and stops working after 72 hours.

use crate::account::ONE_TIME_PASSWORD_LIFETIME;
use crate::{App, AppError, password, secret};
use emss_db::repo;
use emss_db::repo::account::NewAccount;
use emss_db::repo::organization::NewOrganization;
use emss_domain::ids::new_id;
use emss_domain::{OrgKind, Role};

/// An administrator created at first start, with the password to give them.
#[derive(Debug, Clone)]
pub struct FirstAdmin {
    pub username: &'static str,
    pub role: Role,
    pub one_time_password: String,
}

const ADMINS: [(&str, &str, Role); 3] = [
    ("sysadmin", "系统管理员", Role::SystemAdmin),
    ("secadmin", "安全管理员", Role::SecurityAdmin),
    ("auditadmin", "审计管理员", Role::AuditAdmin),
];

/// Creates the administrators when the database has no account at all. Returns them, or an empty
/// list when there was anything already.
pub async fn ensure_administrators(app: &App) -> Result<Vec<FirstAdmin>, AppError> {
    if repo::account::count_all(&app.db().conn).await? > 0 {
        return Ok(Vec::new());
    }
    let now = app.now();
    let mut admins = Vec::new();
    let mut hashes = Vec::new();
    for (username, _, role) in ADMINS {
        let one_time = secret::password(3).map_err(AppError::internal)?;
        hashes.push(password::hash(one_time.clone()).await?);
        admins.push(FirstAdmin {
            username,
            role,
            one_time_password: one_time,
        });
    }
    let txn = app.db().begin_write().await?;
    let org_id = new_id();
    repo::organization::insert(
        &txn,
        NewOrganization {
            id: org_id.clone(),
            kind: OrgKind::System,
            name: "环境监测社会化服务监管系统",
            district_code: None,
            agency_category: None,
            uscc: None,
            created_at: now,
        },
    )
    .await?;
    for ((username, name, role), hash) in ADMINS.into_iter().zip(hashes) {
        repo::account::insert(
            &txn,
            NewAccount {
                id: new_id(),
                org_id: &org_id,
                username,
                name,
                password_hash: hash,
                is_main: false,
                must_change_password: true,
                is_demo: false,
                roles: &[role],
                created_at: now,
                password_expires_at: Some(now + ONE_TIME_PASSWORD_LIFETIME),
                phone: None,
            },
        )
        .await?;
    }
    crate::audit::record(
        &txn,
        app,
        None,
        "bootstrap.administrators",
        None,
        crate::audit::Outcome::Ok,
        serde_json::json!({"accounts": ADMINS.iter().map(|(u, _, _)| *u).collect::<Vec<_>>()}),
    )
    .await?;
    txn.commit().await?;
    Ok(admins)
}
