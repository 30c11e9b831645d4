//! 人员: staff records, their ID numbers sealed and masked, a resigned person's login disabled.

use super::{optional_text, text, writable_org};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::agency_staff;
use emss_db::repo;
use emss_domain::personnel::{EDUCATION, GENDERS, gender_label};
use emss_domain::{Actor, ErrorCode, Permission, pi};
use serde::Serialize;
use serde_json::json;

/// A staff member as typed. On an edit a blank ID number keeps the filed one.
#[derive(Debug, Clone, Default)]
pub struct StaffInput {
    pub name: String,
    pub gender: String,
    pub id_number: String,
    pub education: String,
    pub post: String,
    pub technician: bool,
    pub title: String,
    pub resigned: bool,
    /// `YYYY-MM-DD`.
    pub resigned_on: String,
    /// The person's login in this agency, if they have one.
    pub account_id: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct StaffView {
    pub id: String,
    pub name: String,
    pub gender: String,
    pub gender_label: String,
    /// Masked (`310***********1234`).
    pub id_number: String,
    pub education: String,
    pub post: String,
    pub technician: bool,
    pub title: Option<String>,
    pub resigned: bool,
    pub resigned_on: Option<NaiveDate>,
    pub account_id: Option<String>,
}

pub(crate) fn view(s: agency_staff::Model) -> StaffView {
    StaffView {
        gender_label: gender_label(&s.gender).to_string(),
        id: s.id,
        name: s.name,
        gender: s.gender,
        id_number: s.id_number_masked,
        education: s.education,
        post: s.post,
        technician: s.technician,
        title: s.title,
        resigned: s.resigned,
        resigned_on: s.resigned_on,
        account_id: s.account_id,
    }
}

struct CheckedStaff {
    name: String,
    gender: String,
    /// None: keep the filed number.
    id_number: Option<String>,
    education: String,
    post: String,
    technician: bool,
    title: Option<String>,
    resigned: bool,
    resigned_on: Option<NaiveDate>,
    account_id: Option<String>,
}

async fn check_staff(
    app: &App,
    org_id: &str,
    input: &StaffInput,
    existing: Option<&agency_staff::Model>,
    acting_account: &str,
) -> Result<CheckedStaff, AppError> {
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let name = text(&mut errors, "name", "姓名", &input.name, 50);
    let gender = input.gender.trim().to_string();
    if !GENDERS.iter().any(|(c, _)| *c == gender) {
        errors.add("gender", "请选择性别");
    }
    let id_number = input.id_number.trim().to_ascii_uppercase();
    let id_number = if id_number.is_empty() && existing.is_some() {
        None
    } else if !pi::valid_id_number(&id_number) {
        errors.add(
            "id_number",
            "身份证号码不正确：应为 18 位，末位校验码须与前 17 位相符",
        );
        None
    } else {
        let index = app.blind_index("id_number", &id_number)?;
        if let Some(other) = repo::agency_resources::staff_by_id_number(db, org_id, &index).await?
            && existing.is_none_or(|e| e.id != other.id)
        {
            errors.add(
                "id_number",
                format!("该身份证号码的人员已登记（{}）", other.name),
            );
        }
        Some(id_number)
    };
    let education = input.education.trim().to_string();
    if !EDUCATION.contains(&education.as_str()) {
        errors.add("education", "请选择学历");
    }
    let post = text(&mut errors, "post", "岗位", &input.post, 50);
    let title = optional_text(&mut errors, "title", "职称", &input.title, 50);
    if input.technician && title.is_empty() {
        errors.add("title", "专业技术人员须填写职称");
    }
    let resigned_on = if input.resigned {
        match NaiveDate::parse_from_str(input.resigned_on.trim(), "%Y-%m-%d") {
            Ok(d) if d > emss_domain::time::shanghai_date(app.now()) => {
                errors.add("resigned_on", "离职日期不能晚于今天");
                None
            }
            Ok(d) => Some(d),
            Err(_) => {
                errors.add("resigned_on", "请填写离职日期（年-月-日）");
                None
            }
        }
    } else {
        None
    };
    let account_id = Some(input.account_id.trim().to_string()).filter(|a| !a.is_empty());
    if let Some(account) = &account_id {
        let in_org = repo::account::find_with_org(db, account)
            .await?
            .is_some_and(|a| a.account.org_id == org_id);
        if !in_org {
            errors.add("account_id", "请选择本机构的账户");
        } else if let Some(holder) = repo::agency_resources::staff_by_account(db, account).await?
            && existing.is_none_or(|e| e.id != holder.id)
        {
            errors.add("account_id", format!("该账户已关联人员“{}”", holder.name));
        }
    }
    if input.resigned && account_id.as_deref() == Some(acting_account) {
        errors.add("resigned", "不能将本人正在使用的账户标记为离职");
    }
    errors.into_result()?;
    Ok(CheckedStaff {
        name,
        gender,
        id_number,
        education,
        post,
        technician: input.technician,
        title: (input.technician && !title.is_empty()).then_some(title),
        resigned: input.resigned,
        resigned_on,
        account_id,
    })
}

/// Disables a resigned person's login at once: sessions end and phone bindings are revoked.
async fn disable_login(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: &Actor,
    account_id: &str,
) -> Result<(), AppError> {
    repo::account::set_disabled(txn, account_id, true).await?;
    repo::session::end_for_account(txn, account_id, crate::auth::ended::DISABLED, None).await?;
    repo::device_binding::revoke_for_account(txn, account_id, app.now()).await?;
    audit::record(
        txn,
        app,
        Some(actor),
        "account.disable",
        Some(("account", account_id)),
        Outcome::Ok,
        json!({"disabled": true, "because": "staff.resign"}),
    )
    .await?;
    Ok(())
}

/// Adds (`id` None) or edits a staff member.
pub async fn save_staff(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    input: StaffInput,
) -> Result<StaffView, AppError> {
    let org_id = writable_org(app, actor).await?;
    let db = &app.db().conn;
    let existing = match id {
        Some(id) => Some(
            repo::agency_resources::staff_member(db, &org_id, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?,
        ),
        None => None,
    };
    let c = check_staff(app, &org_id, &input, existing.as_ref(), &actor.account_id).await?;
    let now = app.now();
    let staff_id = existing
        .as_ref()
        .map(|e| e.id.clone())
        .unwrap_or_else(emss_domain::ids::new_id);
    let sealed = match &c.id_number {
        Some(n) => {
            let (cipher, key) = app.seal(&format!("staff/id_number/{staff_id}"), n)?;
            Some((
                cipher,
                key,
                app.blind_index("id_number", n)?,
                pi::mask_id_number(n),
            ))
        }
        None => None,
    };
    let (cipher, key, index, masked) = match (sealed, &existing) {
        (Some(s), _) => s,
        (None, Some(e)) => (
            e.id_number_cipher.clone(),
            e.id_number_key.clone(),
            e.id_number_index.clone(),
            e.id_number_masked.clone(),
        ),
        (None, None) => return Err(AppError::internal("a new staff member without ID number")),
    };
    let model = agency_staff::Model {
        id: staff_id.clone(),
        org_id: org_id.clone(),
        name: c.name,
        gender: c.gender,
        id_number_cipher: cipher,
        id_number_key: key,
        id_number_index: index,
        id_number_masked: masked,
        education: c.education,
        post: c.post,
        technician: c.technician,
        title: c.title,
        resigned: c.resigned,
        resigned_on: c.resigned_on,
        account_id: c.account_id,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    };
    let newly_resigned = model.resigned && !existing.as_ref().is_some_and(|e| e.resigned);
    let txn = app.db().begin_write().await?;
    if existing.is_some() {
        repo::agency_resources::save_staff(&txn, model.clone()).await?;
    } else {
        repo::agency_resources::insert_staff(&txn, model.clone()).await?;
    }
    let event = match (existing.is_some(), newly_resigned) {
        (_, true) => "staff.resign",
        (true, false) => "staff.update",
        (false, false) => "staff.create",
    };
    audit::record(
        &txn,
        app,
        Some(actor),
        event,
        Some(("staff", &staff_id)),
        Outcome::Ok,
        json!({"name": model.name, "resigned": model.resigned}),
    )
    .await?;
    if newly_resigned && let Some(account) = &model.account_id {
        disable_login(&txn, app, actor, account).await?;
    }
    txn.commit().await?;
    Ok(view(model))
}

/// The own agency's logins a staff record may be tied to: (account id, "姓名（用户名）").
pub async fn linkable_accounts(
    app: &App,
    actor: &Actor,
) -> Result<Vec<(String, String)>, AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let page = repo::account::list(
        &app.db().conn,
        &repo::account::AccountScope::Organization(actor.org_id.clone()),
        &repo::account::AccountFilter::default(),
        emss_domain::listing::PageRequest::new(Some(1), Some(100)),
    )
    .await?;
    Ok(page
        .items
        .into_iter()
        .map(|r| {
            (
                r.account.id,
                format!("{}（{}）", r.account.name, r.account.username),
            )
        })
        .collect())
}
