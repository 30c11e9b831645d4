//! What a filed agency keeps on record (product.md §2): personnel (人员, ID numbers sealed and
//! shown masked; a resigned person's login is disabled), equipment (运维设备) and spare parts
//! (备品备件). The agency's main account maintains them once the filing has passed; regulators
//! read them on the agency's detail.

use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::NaiveDate;
use emss_db::entity::{agency_equipment, agency_spare_part, agency_staff};
use emss_db::repo;
use emss_domain::filing::FilingState;
use emss_domain::personnel::{EDUCATION, GENDERS, gender_label, task_start_problem};
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

#[derive(Debug, Clone, Default)]
pub struct EquipmentInput {
    pub device_no: String,
    pub name: String,
    pub serial_no: String,
    pub model: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct EquipmentView {
    pub id: String,
    pub device_no: String,
    pub name: String,
    pub serial_no: String,
    pub model: String,
    pub description: String,
}

#[derive(Debug, Clone, Default)]
pub struct SparePartInput {
    pub name: String,
    pub model: String,
    pub quantity: String,
    pub unit: String,
    pub description: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SparePartView {
    pub id: String,
    pub name: String,
    pub model: String,
    pub quantity: i32,
    pub unit: String,
    pub description: String,
}

/// Everything an agency keeps, and whether it may start tasks.
#[derive(Debug, Clone, Serialize)]
pub struct Resources {
    pub staff: Vec<StaffView>,
    pub equipment: Vec<EquipmentView>,
    pub spare_parts: Vec<SparePartView>,
    /// Why it cannot start tasks yet; None when it can.
    pub task_start_problem: Option<String>,
}

fn staff_view(s: agency_staff::Model) -> StaffView {
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

fn equipment_view(e: agency_equipment::Model) -> EquipmentView {
    EquipmentView {
        id: e.id,
        device_no: e.device_no,
        name: e.name,
        serial_no: e.serial_no,
        model: e.model,
        description: e.description,
    }
}

fn spare_part_view(p: agency_spare_part::Model) -> SparePartView {
    SparePartView {
        id: p.id,
        name: p.name,
        model: p.model,
        quantity: p.quantity,
        unit: p.unit,
        description: p.description,
    }
}

/// A required one-line text: trimmed, not empty, at most `max` characters, no control characters.
fn text(errors: &mut FieldErrors, field: &str, label: &str, raw: &str, max: usize) -> String {
    let t = raw.trim().to_string();
    if t.is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else {
        optional_text(errors, field, label, &t, max);
    }
    t
}

fn optional_text(
    errors: &mut FieldErrors,
    field: &str,
    label: &str,
    raw: &str,
    max: usize,
) -> String {
    let t = raw.trim().to_string();
    if t.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    } else if t.chars().any(char::is_control) {
        errors.add(field, format!("{label}含有不可见的控制字符"));
    }
    t
}

/// Why an agency may not start tasks yet (not filed, or no active staff member), or None. Shown
/// on 备案管理 and in the API; starting a task is to refuse with this reason.
pub(crate) async fn task_start_check(app: &App, org_id: &str) -> Result<Option<String>, AppError> {
    let db = &app.db().conn;
    let filed = repo::filing::get(db, org_id)
        .await?
        .is_some_and(|f| f.state == FilingState::Filed.as_str());
    let active = repo::agency_resources::active_staff_count(db, org_id).await?;
    Ok(task_start_problem(filed, active).map(str::to_string))
}

/// The agency's records: for its own main account and for regulators; 404 for anyone else.
pub async fn of_agency(app: &App, actor: &Actor, org_id: &str) -> Result<Resources, AppError> {
    if !crate::filing::sees_everything(Some(actor), org_id) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let db = &app.db().conn;
    if repo::filing::get(db, org_id).await?.is_none() {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    Ok(Resources {
        staff: repo::agency_resources::staff(db, org_id)
            .await?
            .into_iter()
            .map(staff_view)
            .collect(),
        equipment: repo::agency_resources::equipment(db, org_id)
            .await?
            .into_iter()
            .map(equipment_view)
            .collect(),
        spare_parts: repo::agency_resources::spare_parts(db, org_id)
            .await?
            .into_iter()
            .map(spare_part_view)
            .collect(),
        task_start_problem: task_start_check(app, org_id).await?,
    })
}

/// The acting main account's agency, which must be filed to keep these records.
async fn writable_org(app: &App, actor: &Actor) -> Result<String, AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let filed = repo::filing::get(&app.db().conn, &actor.org_id)
        .await?
        .is_some_and(|f| f.state == FilingState::Filed.as_str());
    if !filed {
        return Err(AppError::field(
            "state",
            "备案通过二审后方可登记人员、设备和备品备件",
        ));
    }
    Ok(actor.org_id.clone())
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
    Ok(staff_view(model))
}

fn check_equipment(input: &EquipmentInput) -> Result<EquipmentInput, AppError> {
    let mut errors = FieldErrors::new();
    let checked = EquipmentInput {
        device_no: text(&mut errors, "device_no", "设备编号", &input.device_no, 50),
        name: text(&mut errors, "name", "设备名称", &input.name, 100),
        serial_no: text(&mut errors, "serial_no", "出厂编号", &input.serial_no, 100),
        model: text(&mut errors, "model", "型号/规格", &input.model, 100),
        description: optional_text(
            &mut errors,
            "description",
            "设备描述",
            &input.description,
            500,
        ),
    };
    errors.into_result()?;
    Ok(checked)
}

/// Adds (`id` None) or edits a piece of equipment.
pub async fn save_equipment(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    input: EquipmentInput,
) -> Result<EquipmentView, AppError> {
    let org_id = writable_org(app, actor).await?;
    let db = &app.db().conn;
    let existing = match id {
        Some(id) => Some(
            repo::agency_resources::equipment_item(db, &org_id, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?,
        ),
        None => None,
    };
    let c = check_equipment(&input)?;
    if let Some(other) =
        repo::agency_resources::equipment_by_device_no(db, &org_id, &c.device_no).await?
        && existing.as_ref().is_none_or(|e| e.id != other.id)
    {
        return Err(AppError::field("device_no", "该设备编号已登记"));
    }
    let now = app.now();
    let model = agency_equipment::Model {
        id: existing
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_else(emss_domain::ids::new_id),
        org_id,
        device_no: c.device_no,
        name: c.name,
        serial_no: c.serial_no,
        model: c.model,
        description: c.description,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    };
    let txn = app.db().begin_write().await?;
    if existing.is_some() {
        repo::agency_resources::save_equipment(&txn, model.clone()).await?;
    } else {
        repo::agency_resources::insert_equipment(&txn, model.clone()).await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if existing.is_some() {
            "equipment.update"
        } else {
            "equipment.create"
        },
        Some(("equipment", &model.id)),
        Outcome::Ok,
        json!({"device_no": model.device_no, "name": model.name}),
    )
    .await?;
    txn.commit().await?;
    Ok(equipment_view(model))
}

pub async fn delete_equipment(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    let org_id = writable_org(app, actor).await?;
    let txn = app.db().begin_write().await?;
    let Some(found) = repo::agency_resources::equipment_item(&txn, &org_id, id).await? else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    repo::agency_resources::delete_equipment(&txn, &org_id, id).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "equipment.delete",
        Some(("equipment", id)),
        Outcome::Ok,
        json!({"device_no": found.device_no, "name": found.name}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

fn check_spare_part(input: &SparePartInput) -> Result<(SparePartInput, i32), AppError> {
    let mut errors = FieldErrors::new();
    let checked = SparePartInput {
        name: text(&mut errors, "name", "备件名称", &input.name, 100),
        model: text(&mut errors, "model", "型号/规格", &input.model, 100),
        quantity: input.quantity.trim().to_string(),
        unit: text(&mut errors, "unit", "单位", &input.unit, 10),
        description: optional_text(&mut errors, "description", "说明", &input.description, 500),
    };
    let quantity = match checked.quantity.parse::<i32>() {
        Ok(q) if (0..=1_000_000).contains(&q) => q,
        _ => {
            errors.add("quantity", "数量须为 0 到 1000000 之间的整数");
            0
        }
    };
    errors.into_result()?;
    Ok((checked, quantity))
}

/// Adds (`id` None) or edits a spare part.
pub async fn save_spare_part(
    app: &App,
    actor: &Actor,
    id: Option<&str>,
    input: SparePartInput,
) -> Result<SparePartView, AppError> {
    let org_id = writable_org(app, actor).await?;
    let db = &app.db().conn;
    let existing = match id {
        Some(id) => Some(
            repo::agency_resources::spare_part(db, &org_id, id)
                .await?
                .ok_or(AppError::new(ErrorCode::NotFound))?,
        ),
        None => None,
    };
    let (c, quantity) = check_spare_part(&input)?;
    if let Some(other) =
        repo::agency_resources::spare_part_by_name(db, &org_id, &c.name, &c.model).await?
        && existing.as_ref().is_none_or(|e| e.id != other.id)
    {
        return Err(AppError::field(
            "model",
            "同名同型号的备品备件已登记，请修改其数量",
        ));
    }
    let now = app.now();
    let model = agency_spare_part::Model {
        id: existing
            .as_ref()
            .map(|e| e.id.clone())
            .unwrap_or_else(emss_domain::ids::new_id),
        org_id,
        name: c.name,
        model: c.model,
        quantity,
        unit: c.unit,
        description: c.description,
        created_at: existing.as_ref().map(|e| e.created_at).unwrap_or(now),
        updated_at: now,
    };
    let txn = app.db().begin_write().await?;
    if existing.is_some() {
        repo::agency_resources::save_spare_part(&txn, model.clone()).await?;
    } else {
        repo::agency_resources::insert_spare_part(&txn, model.clone()).await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        if existing.is_some() {
            "spare_part.update"
        } else {
            "spare_part.create"
        },
        Some(("spare_part", &model.id)),
        Outcome::Ok,
        json!({"name": model.name, "model": model.model, "quantity": model.quantity}),
    )
    .await?;
    txn.commit().await?;
    Ok(spare_part_view(model))
}

pub async fn delete_spare_part(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    let org_id = writable_org(app, actor).await?;
    let txn = app.db().begin_write().await?;
    let Some(found) = repo::agency_resources::spare_part(&txn, &org_id, id).await? else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    repo::agency_resources::delete_spare_part(&txn, &org_id, id).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "spare_part.delete",
        Some(("spare_part", id)),
        Outcome::Ok,
        json!({"name": found.name, "model": found.model}),
    )
    .await?;
    txn.commit().await?;
    Ok(())
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

/// Demo records of one agency: its people (each tied to their login) and one who has left,
/// two instruments the engineers bring to site and a few spare parts.
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    org_id: &str,
    people: &[(String, &str)],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let posts = ["技术负责人", "运维工程师", "运维工程师", "质量负责人"];
    let mut staff: Vec<(Option<&str>, &str, bool)> = people
        .iter()
        .map(|(id, name)| (Some(id.as_str()), *name, false))
        .collect();
    staff.push((None, "钱进", true));
    for (n, (account, name, resigned)) in staff.into_iter().enumerate() {
        let id = emss_domain::ids::new_id();
        let body = format!("3101151988{:02}{:02}{:03}", 1 + n % 12, 1 + n % 28, 100 + n);
        let check = pi::id_number_check_character(&body)
            .ok_or_else(|| AppError::internal("demo ID number"))?;
        let number = format!("{body}{check}");
        let (cipher, key) = app.seal(&format!("staff/id_number/{id}"), &number)?;
        repo::agency_resources::insert_staff(
            txn,
            agency_staff::Model {
                id,
                org_id: org_id.to_string(),
                name: name.to_string(),
                gender: if n % 3 == 1 { "female" } else { "male" }.to_string(),
                id_number_cipher: cipher,
                id_number_key: key,
                id_number_index: app.blind_index("id_number", &number)?,
                id_number_masked: pi::mask_id_number(&number),
                education: EDUCATION[2 + n % 2].to_string(),
                post: posts[n % posts.len()].to_string(),
                technician: n % 2 == 0,
                title: (n % 2 == 0).then(|| "工程师".to_string()),
                resigned,
                resigned_on: resigned.then(|| emss_domain::time::shanghai_date(now)),
                account_id: account.map(str::to_string),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    for (no, name, serial, model) in [
        ("SB-001", "便携式烟气分析仪", "PG-2231-0457", "崂应 3012H"),
        (
            "SB-002",
            "标准气体（氮中二氧化硫）",
            "BQ-24-1120",
            "40 L，200 μmol/mol",
        ),
    ] {
        repo::agency_resources::insert_equipment(
            txn,
            agency_equipment::Model {
                id: emss_domain::ids::new_id(),
                org_id: org_id.to_string(),
                device_no: no.to_string(),
                name: name.to_string(),
                serial_no: serial.to_string(),
                model: model.to_string(),
                description: String::new(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    for (name, model, quantity, unit) in [
        ("蠕动泵管", "Φ2.79 mm", 20, "根"),
        ("采样探头滤芯", "陶瓷 5 μm", 6, "个"),
    ] {
        repo::agency_resources::insert_spare_part(
            txn,
            agency_spare_part::Model {
                id: emss_domain::ids::new_id(),
                org_id: org_id.to_string(),
                name: name.to_string(),
                model: model.to_string(),
                quantity,
                unit: unit.to_string(),
                description: String::new(),
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
    }
    Ok(())
}
