//! Enterprises (排污单位) enter EMSS by import: the system administrator uploads a CSV or XLSX list
//! of enterprises with their administrators; each gets its organisation and main account with a
//! one-time password, shown once. All rows or none, every bad row and column named in Chinese.

use crate::audit::{self, Outcome};
use crate::{App, AppError, import, password, secret};
use emss_db::repo;
use emss_db::repo::account::NewAccount;
use emss_db::repo::organization::NewOrganization;
use emss_domain::account::{display_name_problem, normalize_username, username_problem};
use emss_domain::{Actor, ErrorCode, OrgKind, Permission, Role, pi, uscc};
use serde_json::json;
use std::collections::BTreeMap;

/// The columns of the import file, in order.
pub const IMPORT_COLUMNS: [&str; 6] = [
    "企业名称",
    "统一社会信用代码",
    "所在区",
    "管理员用户名",
    "管理员姓名",
    "管理员手机号",
];

/// The most enterprises one file may hold: each administrator's password is hashed, which takes
/// a noticeable moment, and the request must finish in time.
pub const MAX_ENTERPRISES: usize = 200;

/// An imported enterprise and its administrator's login.
#[derive(Debug, Clone)]
pub struct ImportedEnterprise {
    pub org_id: String,
    pub name: String,
    pub username: String,
    /// Shown once; to be changed at the first login, valid 72 hours.
    pub one_time_password: String,
}

struct Row {
    name: String,
    uscc: String,
    district_code: String,
    username: String,
    admin_name: String,
    phone: Option<String>,
}

/// Checks every row before anything is saved; returns the rows or every problem, keyed
/// `rows[n].column`.
async fn check_rows(
    app: &App,
    header: &[String],
    data: &[(usize, Vec<String>)],
) -> Result<Vec<Row>, AppError> {
    let position = import::column_positions(header, &IMPORT_COLUMNS)
        .map_err(|m| AppError::field("file", &m))?;
    let db = &app.db().conn;
    let mut problems = BTreeMap::new();
    let mut report = |row: usize, (field, col): (&str, usize), message: &str| {
        problems.insert(
            format!("rows[{row}].{field}"),
            format!("第 {row} 行“{}”：{message}", IMPORT_COLUMNS[col]),
        );
    };
    if data.len() > MAX_ENTERPRISES {
        return Err(AppError::field(
            "file",
            &format!("一次最多导入 {MAX_ENTERPRISES} 家企业，请分批导入"),
        ));
    }
    let mut rows: Vec<(usize, Row)> = Vec::new();
    // Every row's values, valid or not, so a repeat of a bad row is named too.
    let mut seen: Vec<(usize, String, String, String)> = Vec::new();
    for (n, cells) in data {
        let cell = |col: usize| cells.get(position[col]).cloned().unwrap_or_default();
        let mut ok = true;
        let name = cell(0);
        if name.is_empty() {
            report(*n, ("name", 0), "请填写企业名称");
            ok = false;
        } else if name.chars().count() > 100 || name.chars().any(char::is_control) {
            report(
                *n,
                ("name", 0),
                "企业名称不能超过 100 个字，且不能含控制字符",
            );
            ok = false;
        } else if let Some((first, ..)) = seen.iter().find(|(_, s, _, _)| *s == name) {
            report(*n, ("name", 0), &format!("与第 {first} 行重复"));
            ok = false;
        }
        let code = uscc::normalize(&cell(1));
        if let Some(p) = uscc::problem(&code) {
            report(*n, ("uscc", 1), p);
            ok = false;
        } else if let Some((first, ..)) = seen.iter().find(|(_, _, s, _)| *s == code) {
            report(*n, ("uscc", 1), &format!("与第 {first} 行重复"));
            ok = false;
        } else if repo::filing::uscc_taken(db, &code).await? {
            report(*n, ("uscc", 1), "该统一社会信用代码已在系统中登记");
            ok = false;
        }
        let district = cell(2);
        let district_code = app
            .districts()
            .all()
            .iter()
            .find(|d| d.name == district || d.code == district)
            .map(|d| d.code.clone());
        if district_code.is_none() {
            report(*n, ("district", 2), "请填写上海市的区名（如“浦东新区”）");
            ok = false;
        }
        let username = normalize_username(&cell(3));
        if let Some(p) = username_problem(&username) {
            report(*n, ("username", 3), p);
            ok = false;
        } else if let Some((first, ..)) = seen.iter().find(|(_, _, _, s)| *s == username) {
            report(*n, ("username", 3), &format!("与第 {first} 行重复"));
            ok = false;
        } else if repo::account::find_by_username(db, &username)
            .await?
            .is_some()
        {
            report(*n, ("username", 3), "该用户名已被使用");
            ok = false;
        }
        let admin_name = cell(4);
        if let Some(p) = display_name_problem(&admin_name) {
            report(*n, ("admin_name", 4), p);
            ok = false;
        }
        seen.push((*n, name.clone(), code.clone(), username.clone()));
        let phone = Some(pi::normalize_phone(&cell(5))).filter(|p| !p.is_empty());
        if phone.as_deref().is_some_and(|p| !pi::valid_phone(p)) {
            report(*n, ("phone", 5), "请输入 11 位手机号码，或留空");
            ok = false;
        }
        if let (true, Some(district_code)) = (ok, district_code) {
            rows.push((
                *n,
                Row {
                    name,
                    uscc: code,
                    district_code,
                    username,
                    admin_name,
                    phone,
                },
            ));
        }
    }
    if !problems.is_empty() {
        return Err(AppError::validation(problems));
    }
    if rows.is_empty() {
        return Err(AppError::field("file", "文件中没有数据行"));
    }
    Ok(rows.into_iter().map(|(_, r)| r).collect())
}

/// Imports enterprises with their administrators (the system administrator).
pub async fn import(
    app: &App,
    actor: &Actor,
    bytes: &[u8],
) -> Result<Vec<ImportedEnterprise>, AppError> {
    if !Permission::ImportEnterprises.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let table = import::read(bytes).map_err(|m| AppError::field("file", &m))?;
    let Some(((_, header), data)) = table.split_first() else {
        return Err(AppError::field("file", "文件是空的"));
    };
    let rows = check_rows(app, header, data).await?;
    let now = app.now();
    // Passwords are hashed before the transaction: hashing is slow, the transaction short.
    let mut prepared = Vec::with_capacity(rows.len());
    for row in rows {
        let one_time = secret::password(3).map_err(AppError::internal)?;
        let hash = password::hash(one_time.clone()).await?;
        let account_id = emss_domain::ids::new_id();
        let phone = match &row.phone {
            Some(p) => Some(crate::account::seal_phone(app, &account_id, p)?),
            None => None,
        };
        prepared.push((
            row,
            emss_domain::ids::new_id(),
            account_id,
            one_time,
            hash,
            phone,
        ));
    }
    let txn = app.db().begin_write().await?;
    let mut imported = Vec::with_capacity(prepared.len());
    for (row, org_id, account_id, one_time, hash, phone) in prepared {
        // Registered by someone else while the passwords were hashed: nothing is imported.
        if repo::filing::uscc_taken(&txn, &row.uscc).await?
            || repo::account::find_by_username(&txn, &row.username)
                .await?
                .is_some()
        {
            return Err(AppError::field(
                "file",
                &format!(
                    "“{}”的统一社会信用代码或管理员用户名刚被登记，未导入任何数据，请核对后重新导入",
                    row.name
                ),
            ));
        }
        repo::organization::insert(
            &txn,
            NewOrganization {
                id: org_id.clone(),
                kind: OrgKind::Enterprise,
                name: &row.name,
                district_code: Some(&row.district_code),
                agency_category: None,
                uscc: Some(&row.uscc),
                created_at: now,
            },
        )
        .await?;
        repo::account::insert(
            &txn,
            NewAccount {
                id: account_id,
                org_id: &org_id,
                username: &row.username,
                name: &row.admin_name,
                password_hash: hash,
                is_main: true,
                must_change_password: true,
                is_demo: false,
                roles: Role::main_account_defaults(OrgKind::Enterprise),
                created_at: now,
                password_expires_at: Some(now + crate::account::ONE_TIME_PASSWORD_LIFETIME),
                phone,
            },
        )
        .await?;
        imported.push(ImportedEnterprise {
            org_id,
            name: row.name,
            username: row.username,
            one_time_password: one_time,
        });
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "enterprise.import",
        None,
        Outcome::Ok,
        json!({
            "enterprises": imported.len(),
            "usernames": imported.iter().map(|i| i.username.as_str()).collect::<Vec<_>>(),
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(actor = %actor.account_id, count = imported.len(), "enterprises imported");
    Ok(imported)
}
