//! Agency filing (备案, product.md §2): public registration that creates the organisation and its
//! main account, editing and submitting, the city regulator's two reviews, publication, 机构查询
//! and the public register. Every change writes a version of the filing (the trail) and an audit
//! entry in the same transaction.

use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError, password};
use emss_db::entity::{filing, filing_attachment, filing_version};
use emss_db::repo;
use emss_db::repo::account::NewAccount;
use emss_db::repo::filing::FilingFilter;
use emss_db::repo::organization::NewOrganization;
use emss_domain::account::{display_name_problem, normalize_username, username_problem};
use emss_domain::attachment::{FileType, clean_file_name, document_problem};
use emss_domain::filing::{FilingAction, FilingDocument, FilingState, TESTING_FIELDS};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::monitoring::{FLUE_GAS_PARAMETERS, WASTEWATER_PARAMETERS};
use emss_domain::{Actor, AgencyCategory, ErrorCode, OrgKind, Permission, Role, pi, uscc};
use serde::Serialize;
use serde_json::{Value, json};

/// What an applicant files (and later edits).
#[derive(Debug, Clone, Default)]
pub struct FilingInput {
    pub name: String,
    pub uscc: String,
    /// `AgencyCategory::as_str`.
    pub category: String,
    pub legal_representative: String,
    pub contact_name: String,
    pub contact_phone: String,
    pub registered_address: String,
    pub lab_address: Option<String>,
    pub district_code: String,
    pub testing: Vec<String>,
    pub wastewater: Vec<String>,
    pub flue_gas: Vec<String>,
}

/// A document as uploaded: which one (`FilingDocument::as_str`), its name and its bytes.
#[derive(Debug, Clone)]
pub struct Upload {
    pub kind: String,
    pub file_name: String,
    pub bytes: Vec<u8>,
}

/// A document of a filing as listed (never to the public).
#[derive(Debug, Clone, Serialize)]
pub struct AttachmentView {
    pub id: String,
    pub kind: String,
    pub kind_label: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub uploaded_at: chrono::DateTime<chrono::Utc>,
}

fn attachment_view(a: filing_attachment::Model) -> AttachmentView {
    AttachmentView {
        kind_label: FilingDocument::parse(&a.kind)
            .map(FilingDocument::label)
            .unwrap_or_default()
            .to_string(),
        id: a.id,
        kind: a.kind,
        file_name: a.file_name,
        content_type: a.content_type,
        size: a.size,
        sha256: a.blob_key,
        uploaded_at: a.uploaded_at,
    }
}

/// Checks uploads: a known kind, at most one of each, a real PDF/JPG/PNG within the size limit.
/// Problems go next to the kind's field.
fn check_uploads(uploads: &[Upload], errors: &mut FieldErrors) {
    let mut seen = Vec::new();
    for u in uploads {
        let Some(kind) = FilingDocument::parse(&u.kind) else {
            errors.add("kind", "附件类型只能是营业执照、承诺书或 CMA 证书");
            continue;
        };
        if seen.contains(&kind) {
            errors.add(kind.as_str(), format!("{}只能上传一个文件", kind.label()));
        }
        seen.push(kind);
        errors.check(kind.as_str(), document_problem(&u.bytes));
    }
}

/// Each document through the active-content check and the malware scan, the verdict at its
/// field.
async fn scan_uploads(
    app: &App,
    uploads: &[Upload],
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    for u in uploads {
        if document_problem(&u.bytes).is_none()
            && let Some(problem) = crate::inspect::problem(app, &u.bytes).await?
        {
            errors.add(&u.kind, problem);
        } else if let Some(problem) = crate::scan::problem(app, &u.bytes).await? {
            errors.add(&u.kind, problem);
        }
    }
    Ok(())
}

/// The documents still missing before a filing of `category` may be submitted.
fn missing_documents(category: AgencyCategory, present: &[String], errors: &mut FieldErrors) {
    for doc in FilingDocument::required(category) {
        if !present.iter().any(|k| k == doc.as_str()) {
            errors.add(doc.as_str(), format!("请上传{}", doc.label()));
        }
    }
}

/// Stores the files (content-addressed, outside the transaction: a file no row names is
/// harmless) and returns the rows to insert with the filing's other writes.
async fn store_uploads(
    app: &App,
    org_id: &str,
    uploaded_by: Option<&str>,
    uploads: Vec<Upload>,
) -> Result<Vec<filing_attachment::Model>, AppError> {
    let mut rows = Vec::with_capacity(uploads.len());
    for u in uploads {
        let file_type =
            FileType::sniff(&u.bytes).ok_or_else(|| AppError::internal("an unchecked upload"))?;
        let size = i64::try_from(u.bytes.len()).map_err(AppError::internal)?;
        let key = app.blobs().put(u.bytes).await.map_err(AppError::internal)?;
        rows.push(filing_attachment::Model {
            id: emss_domain::ids::new_id(),
            org_id: org_id.to_string(),
            kind: u.kind,
            blob_key: key.to_string(),
            file_name: clean_file_name(&u.file_name, file_type),
            content_type: file_type.content_type().to_string(),
            size,
            uploaded_by: uploaded_by.map(str::to_string),
            uploaded_at: app.now(),
        });
    }
    Ok(rows)
}

/// A registration: the filing and the main account's login.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Agency, or a self-maintaining enterprise (filed at once).
    pub self_maintaining: bool,
    pub filing: FilingInput,
    pub username: String,
    pub password: String,
    /// Submit for review now (otherwise kept as a draft).
    pub submit: bool,
    /// 营业执照, 承诺书, CMA: required to submit (and for a self-maintaining enterprise, which is
    /// filed at once); a draft may add them later.
    pub attachments: Vec<Upload>,
}

#[derive(Debug, Clone)]
pub struct Registered {
    pub org_id: String,
    pub account_id: String,
    pub username: String,
    pub state: FilingState,
}

/// A filing as shown. `contact` and `phone` are None for the public.
#[derive(Debug, Clone, Serialize)]
pub struct FilingView {
    pub org_id: String,
    pub kind: String,
    pub name: String,
    pub uscc: String,
    pub category: String,
    pub category_label: String,
    pub state: String,
    pub state_label: String,
    pub published: bool,
    pub legal_representative: Option<String>,
    pub contact_name: Option<String>,
    /// Masked (`139****0101`).
    pub contact_phone: Option<String>,
    pub registered_address: String,
    pub lab_address: Option<String>,
    pub district_code: String,
    pub district_name: String,
    pub testing: Vec<String>,
    pub wastewater: Vec<String>,
    pub flue_gas: Vec<String>,
    pub reject_reason: Option<String>,
    pub version: i32,
    pub submitted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub filed_at: Option<chrono::DateTime<chrono::Utc>>,
    /// The documents in force, for the agency itself and regulators (not kept in the trail).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentView>,
}

/// One version of the trail.
#[derive(Debug, Clone, Serialize)]
pub struct FilingVersionView {
    pub version: i32,
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_id: Option<String>,
    pub event: String,
    pub event_label: String,
    pub state: String,
    pub snapshot: Value,
}

/// A filing that passed its checks, normalised.
pub(crate) struct Checked {
    pub name: String,
    pub uscc: String,
    pub category: AgencyCategory,
    pub legal_representative: String,
    pub contact_name: String,
    /// None: left blank on an edit, the filed number stays.
    pub contact_phone: Option<String>,
    pub registered_address: String,
    pub lab_address: Option<String>,
    pub district_code: String,
    pub capabilities: Vec<(String, String)>,
}

fn text(errors: &mut FieldErrors, field: &str, label: &str, raw: &str, max: usize) -> String {
    let t = raw.trim().to_string();
    if t.is_empty() {
        errors.add(field, format!("请填写{label}"));
    } else if t.chars().count() > max {
        errors.add(field, format!("{label}不能超过 {max} 个字"));
    } else if t.chars().any(char::is_control) {
        errors.add(field, format!("{label}含有不可见的控制字符"));
    }
    t
}

/// Checks the whole filing; every problem is reported next to its field. `keep_phone`: an edit of
/// a filing that has a number may leave the phone blank to keep it (it is never shown back).
pub(crate) fn check(
    app: &App,
    input: &FilingInput,
    keep_phone: bool,
    errors: &mut FieldErrors,
) -> Option<Checked> {
    let name = text(errors, "name", "机构名称", &input.name, 100);
    let code = uscc::normalize(&input.uscc);
    errors.check("uscc", uscc::problem(&code));
    let category = AgencyCategory::parse(&input.category);
    if category.is_none() {
        errors.add("category", "请选择机构类别");
    }
    let legal_representative = text(
        errors,
        "legal_representative",
        "法定代表人",
        &input.legal_representative,
        50,
    );
    let contact_name = text(errors, "contact_name", "联系人", &input.contact_name, 50);
    // The contact becomes the main account's holder: a person's name.
    errors.check("contact_name", display_name_problem(&contact_name));
    let contact_phone =
        Some(pi::normalize_phone(&input.contact_phone)).filter(|p| !(keep_phone && p.is_empty()));
    if contact_phone
        .as_deref()
        .is_some_and(|p| !pi::valid_phone(p))
        || contact_phone.is_none() && !keep_phone
    {
        errors.add("contact_phone", "请输入 11 位手机号码");
    }
    let registered_address = text(
        errors,
        "registered_address",
        "通讯地址",
        &input.registered_address,
        200,
    );
    let testing_category = matches!(
        category,
        Some(AgencyCategory::Testing | AgencyCategory::TestingMaintenance)
    );
    let lab_address = input
        .lab_address
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    match &lab_address {
        None if testing_category => errors.add("lab_address", "检测机构须填写实验室地址"),
        Some(a) if a.chars().count() > 200 => {
            errors.add("lab_address", "实验室地址不能超过 200 个字")
        }
        _ => {}
    }
    let district_code = input.district_code.trim().to_string();
    if app.districts().get(&district_code).is_none() {
        errors.add("district_code", "请选择所在区");
    }
    let mut capabilities = Vec::new();
    for (field, area, allowed, label) in [
        ("testing", "testing", &TESTING_FIELDS[..], "检测能力"),
        (
            "wastewater",
            "wastewater",
            &WASTEWATER_PARAMETERS[..],
            "废水运维能力",
        ),
        (
            "flue_gas",
            "flue_gas",
            &FLUE_GAS_PARAMETERS[..],
            "废气运维能力",
        ),
    ] {
        let items = match field {
            "testing" => &input.testing,
            "wastewater" => &input.wastewater,
            _ => &input.flue_gas,
        };
        for item in items {
            if !allowed.contains(&item.as_str()) {
                errors.add(field, format!("{label}只能从给定项目中选择"));
            } else if !capabilities.contains(&(area.to_string(), item.clone())) {
                capabilities.push((area.to_string(), item.clone()));
            }
        }
    }
    let has = |area: &str| capabilities.iter().any(|(a, _)| a == area);
    if testing_category && !has("testing") {
        errors.add("testing", "检测机构须至少选择一项检测能力");
    }
    let maintains = matches!(
        category,
        Some(AgencyCategory::Maintenance | AgencyCategory::TestingMaintenance)
    );
    if maintains && !has("wastewater") && !has("flue_gas") {
        errors.add("wastewater", "运维机构须至少选择一项废水或废气运维能力");
    }
    if !errors.is_empty() {
        return None;
    }
    Some(Checked {
        name,
        uscc: code,
        category: category?,
        legal_representative,
        contact_name,
        contact_phone,
        registered_address,
        lab_address,
        district_code,
        capabilities,
    })
}

pub(crate) fn view(
    app: &App,
    f: &filing::Model,
    caps: &[(String, String)],
    full: bool,
) -> FilingView {
    let items = |area: &str| {
        caps.iter()
            .filter(|(a, _)| a == area)
            .map(|(_, i)| i.clone())
            .collect::<Vec<_>>()
    };
    let state = FilingState::parse(&f.state).unwrap_or(FilingState::Draft);
    let category = AgencyCategory::parse(&f.category);
    FilingView {
        org_id: f.org_id.clone(),
        kind: f.kind.clone(),
        name: f.name.clone(),
        uscc: f.uscc.clone(),
        category: f.category.clone(),
        category_label: category.map(|c| c.label()).unwrap_or_default().to_string(),
        state: f.state.clone(),
        // The public sees filed agencies only, as users know them: 已备案.
        state_label: if full {
            state.label()
        } else {
            state.public_label()
        }
        .to_string(),
        published: f.published,
        legal_representative: full.then(|| f.legal_representative.clone()),
        contact_name: full.then(|| f.contact_name.clone()),
        contact_phone: full.then(|| f.contact_phone_masked.clone()),
        registered_address: f.registered_address.clone(),
        lab_address: f.lab_address.clone(),
        district_code: f.district_code.clone(),
        district_name: app.districts().name(Some(&f.district_code)).to_string(),
        testing: items("testing"),
        wastewater: items("wastewater"),
        flue_gas: items("flue_gas"),
        reject_reason: if full { f.reject_reason.clone() } else { None },
        version: f.version,
        submitted_at: f.submitted_at,
        filed_at: f.filed_at,
        attachments: Vec::new(),
    }
}

/// Records the filing as it now stands: the version row and the audit entry.
pub(crate) async fn trail(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    f: &filing::Model,
    caps: &[(String, String)],
    event: &str,
    extra: Value,
) -> Result<(), AppError> {
    let snapshot = serde_json::to_value(view(app, f, caps, true)).map_err(AppError::internal)?;
    repo::filing::add_version(
        txn,
        filing_version::Model {
            org_id: f.org_id.clone(),
            version: f.version,
            at: app.now(),
            actor_id: actor.map(|a| a.account_id.clone()),
            event: event.to_string(),
            state: f.state.clone(),
            snapshot: snapshot.to_string(),
        },
    )
    .await?;
    let mut detail = json!({"version": f.version, "state": f.state});
    if let (Some(d), Value::Object(extra)) = (detail.as_object_mut(), extra) {
        d.extend(extra);
    }
    audit::record(
        txn,
        app,
        actor,
        event,
        Some(("filing", &f.org_id)),
        Outcome::Ok,
        detail,
    )
    .await?;
    Ok(())
}

pub(crate) fn seal_contact(
    app: &App,
    org_id: &str,
    phone: &str,
) -> Result<(String, String, String), AppError> {
    let (cipher, key) = app.seal(&format!("filing/contact_phone/{org_id}"), phone)?;
    Ok((cipher, key, pi::mask_phone(phone)))
}

/// Public registration: the organisation, its main account and its filing, in one transaction.
/// Registrations one client address may attempt per minute (each hashes a password and files an
/// organisation).
const REGISTRATIONS_PER_MINUTE: u64 = 10;

/// Counts a registration attempt of the client's address and refuses it past the limit. Called
/// before the (large) registration body is read.
pub async fn check_registration_rate(app: &App) -> Result<(), AppError> {
    let Some(ip) = crate::context::current().ip else {
        return Ok(());
    };
    let n =
        repo::login_guard::count_attempt(&app.db().conn, &format!("registration {ip}"), app.now())
            .await?;
    if n > REGISTRATIONS_PER_MINUTE {
        tracing::warn!(ip = %ip, "registration throttled");
        audit::record_denial(
            app,
            None,
            "filing.throttled",
            "filing.register",
            None,
            json!({}),
            ErrorCode::RateLimited,
        )
        .await?;
        return Err(AppError::new(ErrorCode::RateLimited));
    }
    Ok(())
}

/// Registers an agency or a self-maintaining enterprise (the caller has checked the rate).
pub async fn register(app: &App, reg: Registration) -> Result<Registered, AppError> {
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let checked = check(app, &reg.filing, false, &mut errors);
    let username = normalize_username(&reg.username);
    errors.check("username", username_problem(&username));
    if username_problem(&username).is_none()
        && repo::account::find_by_username(db, &username)
            .await?
            .is_some()
    {
        errors.add("username", "该用户名已被使用");
    }
    let policy = app.policy().await?;
    let context = [
        username.as_str(),
        reg.filing.name.trim(),
        reg.filing.contact_name.trim(),
    ];
    errors.check(
        "password",
        policy.password_problem(&reg.password, &context).as_deref(),
    );
    if let Some(c) = &checked
        && repo::filing::uscc_taken(db, &c.uscc).await?
    {
        errors.add("uscc", "该统一社会信用代码已备案，请勿重复注册");
    }
    check_uploads(&reg.attachments, &mut errors);
    scan_uploads(app, &reg.attachments, &mut errors).await?;
    // Reported with the other problems, so one correction round fixes everything.
    if let Some(category) = AgencyCategory::parse(&reg.filing.category)
        && (reg.submit || reg.self_maintaining)
    {
        let present: Vec<String> = reg.attachments.iter().map(|u| u.kind.clone()).collect();
        missing_documents(category, &present, &mut errors);
    }
    errors.into_result()?;
    let Some(c) = checked else {
        return Err(AppError::internal(
            "a filing passed its checks without values",
        ));
    };

    let hash = password::hash(reg.password).await?;
    let now = app.now();
    let org_id = emss_domain::ids::new_id();
    let account_id = emss_domain::ids::new_id();
    let kind = if reg.self_maintaining {
        OrgKind::SelfMaintainingEnterprise
    } else {
        OrgKind::Agency
    };
    // A self-maintaining enterprise is filed on the spot (当场办结).
    let state = match (reg.self_maintaining, reg.submit) {
        (true, _) => FilingState::Filed,
        (false, true) => FilingState::Submitted,
        (false, false) => FilingState::Draft,
    };
    let phone = c.contact_phone.as_deref().unwrap_or_default();
    let (cipher, key, masked) = seal_contact(app, &org_id, phone)?;
    let documents = store_uploads(app, &org_id, Some(&account_id), reg.attachments).await?;
    let txn = app.db().begin_write().await?;
    if repo::filing::uscc_taken(&txn, &c.uscc).await? {
        return Err(AppError::field(
            "uscc",
            "该统一社会信用代码已备案，请勿重复注册",
        ));
    }
    repo::organization::insert(
        &txn,
        NewOrganization {
            id: org_id.clone(),
            kind,
            name: &c.name,
            district_code: Some(&c.district_code),
            agency_category: Some(c.category),
            uscc: Some(&c.uscc),
            created_at: now,
        },
    )
    .await?;
    repo::account::insert(
        &txn,
        NewAccount {
            id: account_id.clone(),
            org_id: &org_id,
            username: &username,
            name: &c.contact_name,
            password_hash: hash,
            is_main: true,
            must_change_password: false,
            is_demo: false,
            roles: Role::main_account_defaults(kind),
            created_at: now,
            password_expires_at: None,
            phone: None,
        },
    )
    .await?;
    let model = filing::Model {
        org_id: org_id.clone(),
        kind: kind.as_str().to_string(),
        state: state.as_str().to_string(),
        published: false,
        name: c.name,
        uscc: c.uscc,
        category: c.category.as_str().to_string(),
        legal_representative: c.legal_representative,
        contact_name: c.contact_name,
        contact_phone_cipher: cipher,
        contact_phone_key: key,
        contact_phone_masked: masked,
        registered_address: c.registered_address,
        lab_address: c.lab_address,
        district_code: c.district_code,
        reject_reason: None,
        version: 1,
        submitted_at: (state != FilingState::Draft).then_some(now),
        filed_at: (state == FilingState::Filed).then_some(now),
        published_at: None,
        created_at: now,
        updated_at: now,
    };
    repo::filing::insert(&txn, model.clone()).await?;
    repo::filing::replace_capabilities(&txn, &org_id, &c.capabilities).await?;
    for d in documents {
        repo::filing::add_attachment(&txn, d).await?;
    }
    // The new main account is who registered.
    let applicant = Actor {
        account_id: account_id.clone(),
        username: username.clone(),
        name: model.contact_name.clone(),
        org_id: org_id.clone(),
        org_kind: kind,
        org_name: model.name.clone(),
        district_code: Some(model.district_code.clone()),
        roles: Role::main_account_defaults(kind).to_vec(),
        is_main: true,
    };
    trail(
        &txn,
        app,
        Some(&applicant),
        &model,
        &c.capabilities,
        "filing.register",
        json!({"username": username}),
    )
    .await?;
    if kind == OrgKind::SelfMaintainingEnterprise {
        let today = emss_domain::time::shanghai_date(now);
        crate::contracts::internal::open(
            &txn,
            app,
            Some(&applicant),
            &org_id,
            &model.name,
            today,
            now,
        )
        .await?;
    }
    txn.commit().await?;
    tracing::info!(org = %org_id, state = state.as_str(), "filing registered");
    Ok(Registered {
        org_id,
        account_id,
        username,
        state,
    })
}

/// Every agency and self-maintaining enterprise by name, for the regulators' filters: (id, name).
pub async fn maintainers(app: &App) -> Result<Vec<(String, String)>, AppError> {
    Ok(repo::organization::list_by_kinds(
        &app.db().conn,
        &[OrgKind::Agency, OrgKind::SelfMaintainingEnterprise],
    )
    .await?
    .into_iter()
    .map(|o| (o.id, o.name))
    .collect())
}

/// The filing of the actor's own organisation.
pub async fn own(
    app: &App,
    actor: &Actor,
) -> Result<(FilingView, Vec<FilingVersionView>), AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    detail(app, Some(actor), &actor.org_id).await
}

/// Who sees all of a filing (its contacts, trail, documents, change requests, personnel): every
/// regulator, and the agency's own main account. Others see at most the public view.
pub fn sees_everything(actor: Option<&Actor>, org_id: &str) -> bool {
    actor.is_some_and(|a| {
        Permission::SearchAgencies.allows(Some(a))
            || (a.org_id == org_id && Permission::ManageOwnFiling.allows(Some(a)))
    })
}

/// The state of a stored filing; an unknown value is a fault, never a draft anyone may edit.
pub(crate) fn state_of(f: &filing::Model) -> Result<FilingState, AppError> {
    FilingState::parse(&f.state).ok_or_else(|| {
        AppError::internal(format!("filing {} has unknown state {}", f.org_id, f.state))
    })
}

pub(crate) fn conflict() -> AppError {
    AppError::field("state", "备案刚被他人处理，请刷新后查看")
}

/// One filing, with its trail for those who may see everything of it. Unknown and unseen: 404.
pub async fn detail(
    app: &App,
    actor: Option<&Actor>,
    org_id: &str,
) -> Result<(FilingView, Vec<FilingVersionView>), AppError> {
    let db = &app.db().conn;
    let f = repo::filing::get(db, org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let full = sees_everything(actor, org_id);
    let public = f.published && f.state == FilingState::Filed.as_str();
    if !full && !public {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let caps = repo::filing::capabilities(db, org_id).await?;
    let attachments = if full {
        repo::filing::current_attachments(db, org_id)
            .await?
            .into_iter()
            .map(attachment_view)
            .collect()
    } else {
        Vec::new()
    };
    let versions = if full {
        repo::filing::versions(db, org_id)
            .await?
            .into_iter()
            .map(|v| FilingVersionView {
                version: v.version,
                at: v.at,
                actor_id: v.actor_id,
                event_label: emss_domain::audit::action_label(&v.event).to_string(),
                event: v.event,
                state: v.state,
                snapshot: serde_json::from_str(&v.snapshot).unwrap_or(Value::Null),
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut shown = view(app, &f, &caps, full);
    shown.attachments = attachments;
    Ok((shown, versions))
}

/// Adds (or replaces) documents of the own filing while it is a draft or was sent back: all of
/// them or, when one is refused, none.
pub async fn upload_own(
    app: &App,
    actor: &Actor,
    uploads: Vec<Upload>,
) -> Result<Vec<AttachmentView>, AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let not_editable = || {
        AppError::field(
            "state",
            "备案已提交或已通过，附件不能再更换；已备案的信息须通过变更申请修改",
        )
    };
    let current = repo::filing::get(&app.db().conn, &actor.org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if !state_of(&current)?.editable() {
        return Err(not_editable());
    }
    let mut errors = FieldErrors::new();
    if uploads.is_empty() {
        errors.add("kind", "请选择要上传的文件");
    }
    check_uploads(&uploads, &mut errors);
    scan_uploads(app, &uploads, &mut errors).await?;
    errors.into_result()?;
    let rows = store_uploads(app, &actor.org_id, Some(&actor.account_id), uploads).await?;
    let txn = app.db().begin_write().await?;
    // Submitted meanwhile (another tab): the documents under review stay as they were.
    let still = repo::filing::get(&txn, &actor.org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if !state_of(&still)?.editable() {
        return Err(not_editable());
    }
    for row in &rows {
        repo::filing::add_attachment(&txn, row.clone()).await?;
        audit::record(
            &txn,
            app,
            Some(actor),
            "filing.attachment",
            Some(("filing", &actor.org_id)),
            Outcome::Ok,
            json!({"kind": row.kind, "sha256": row.blob_key, "size": row.size}),
        )
        .await?;
    }
    txn.commit().await?;
    Ok(rows.into_iter().map(attachment_view).collect())
}

/// A document's bytes, for the agency itself and regulators; 404 for anyone else.
pub async fn attachment_file(
    app: &App,
    actor: &Actor,
    org_id: &str,
    id: &str,
) -> Result<(AttachmentView, Vec<u8>), AppError> {
    if !sees_everything(Some(actor), org_id) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = repo::filing::attachment(&app.db().conn, org_id, id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let bytes = crate::files::download(
        app,
        actor,
        &found.blob_key,
        ("filing_attachment", &found.id),
        serde_json::json!({"org_id": org_id, "kind": found.kind}),
    )
    .await?;
    Ok((attachment_view(found), bytes))
}

/// Edits the own filing while it is a draft or was sent back.
pub async fn update_own(
    app: &App,
    actor: &Actor,
    input: FilingInput,
) -> Result<FilingView, AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let current = repo::filing::get(db, &actor.org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let state = state_of(&current)?;
    if !state.editable() {
        return Err(AppError::field(
            "state",
            "备案已提交或已通过，不能直接修改；已备案的信息须通过变更申请修改",
        ));
    }
    let mut errors = FieldErrors::new();
    let checked = check(app, &input, true, &mut errors);
    if let Some(c) = &checked
        && c.uscc != current.uscc
        && repo::filing::uscc_taken(db, &c.uscc).await?
    {
        errors.add("uscc", "该统一社会信用代码已备案，请勿重复注册");
    }
    errors.into_result()?;
    let Some(c) = checked else {
        return Err(AppError::internal(
            "a filing passed its checks without values",
        ));
    };
    let (cipher, key, masked) = match &c.contact_phone {
        Some(p) => seal_contact(app, &current.org_id, p)?,
        None => (
            current.contact_phone_cipher.clone(),
            current.contact_phone_key.clone(),
            current.contact_phone_masked.clone(),
        ),
    };
    let now = app.now();
    let model = filing::Model {
        name: c.name,
        uscc: c.uscc,
        category: c.category.as_str().to_string(),
        legal_representative: c.legal_representative,
        contact_name: c.contact_name,
        contact_phone_cipher: cipher,
        contact_phone_key: key,
        contact_phone_masked: masked,
        registered_address: c.registered_address,
        lab_address: c.lab_address,
        district_code: c.district_code,
        version: current.version + 1,
        updated_at: now,
        ..current
    };
    let txn = app.db().begin_write().await?;
    if !repo::filing::save(&txn, model.clone(), model.version - 1).await? {
        return Err(conflict());
    }
    repo::organization::update_filed_facts(
        &txn,
        &model.org_id,
        &model.name,
        &model.uscc,
        &model.district_code,
        c.category,
    )
    .await?;
    repo::filing::replace_capabilities(&txn, &model.org_id, &c.capabilities).await?;
    trail(
        &txn,
        app,
        Some(actor),
        &model,
        &c.capabilities,
        "filing.update",
        json!({}),
    )
    .await?;
    txn.commit().await?;
    Ok(view(app, &model, &c.capabilities, true))
}

/// Moves a filing: the applicant submits; the city regulator's reviewers pass or send back.
async fn transition(
    app: &App,
    actor: &Actor,
    org_id: &str,
    action: FilingAction,
    reason: Option<&str>,
) -> Result<FilingView, AppError> {
    let db = &app.db().conn;
    let current = repo::filing::get(db, org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let from = state_of(&current)?;
    let Some(to) = action.next(from) else {
        return Err(AppError::field(
            "state",
            &format!("备案当前为“{}”，不能进行此操作", from.label()),
        ));
    };
    let reason = reason.map(str::trim).filter(|r| !r.is_empty());
    if reason.is_some_and(|r| r.chars().count() > 500) {
        return Err(AppError::field("reason", "审核意见不能超过 500 个字"));
    }
    if action == FilingAction::Reject && reason.is_none() {
        return Err(AppError::field("reason", "退回须填写原因"));
    }
    let now = app.now();
    let model = filing::Model {
        state: to.as_str().to_string(),
        reject_reason: if action == FilingAction::Reject {
            reason.map(str::to_string)
        } else if action == FilingAction::Submit {
            None
        } else {
            current.reject_reason.clone()
        },
        submitted_at: if action == FilingAction::Submit {
            Some(now)
        } else {
            current.submitted_at
        },
        filed_at: if to == FilingState::Filed {
            Some(now)
        } else {
            current.filed_at
        },
        version: current.version + 1,
        updated_at: now,
        ..current
    };
    let caps = repo::filing::capabilities(db, org_id).await?;
    let txn = app.db().begin_write().await?;
    // Another reviewer may have moved it meanwhile: the write names the version it read.
    if !repo::filing::save(&txn, model.clone(), model.version - 1).await? {
        return Err(conflict());
    }
    trail(
        &txn,
        app,
        Some(actor),
        &model,
        &caps,
        action.audit_action(),
        json!({"from": from.as_str(), "reason": reason}),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(org = %org_id, from = from.as_str(), to = to.as_str(), "filing moved");
    Ok(view(app, &model, &caps, true))
}

pub async fn submit_own(app: &App, actor: &Actor) -> Result<FilingView, AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    if let Some(f) = repo::filing::get(db, &actor.org_id).await?
        && let Some(category) = AgencyCategory::parse(&f.category)
    {
        let present: Vec<String> = repo::filing::current_attachments(db, &f.org_id)
            .await?
            .into_iter()
            .map(|a| a.kind)
            .collect();
        let mut errors = FieldErrors::new();
        missing_documents(category, &present, &mut errors);
        errors.into_result()?;
    }
    transition(
        app,
        actor,
        &actor.org_id.clone(),
        FilingAction::Submit,
        None,
    )
    .await
}

/// A review decision: `pass` moves to the next stage (一审 → 二审 → 备案), `reject` sends it back.
pub async fn review(
    app: &App,
    actor: &Actor,
    org_id: &str,
    pass: bool,
    reason: Option<&str>,
) -> Result<FilingView, AppError> {
    if !Permission::ReviewFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let current = repo::filing::get(&app.db().conn, org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let action = match (pass, state_of(&current)?) {
        (false, _) => FilingAction::Reject,
        (true, FilingState::FirstReviewPassed) => FilingAction::PassSecondReview,
        (true, _) => FilingAction::PassFirstReview,
    };
    transition(app, actor, org_id, action, reason).await
}

/// 公开 / 取消公开 a filed agency (city regulator).
pub async fn set_published(
    app: &App,
    actor: &Actor,
    org_id: &str,
    published: bool,
) -> Result<FilingView, AppError> {
    if !Permission::PublishFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let current = repo::filing::get(db, org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if current.state != FilingState::Filed.as_str() {
        return Err(AppError::field("published", "只有二审通过的机构才能公开"));
    }
    let caps = repo::filing::capabilities(db, org_id).await?;
    if current.published == published {
        return Ok(view(app, &current, &caps, true));
    }
    let now = app.now();
    let model = filing::Model {
        published,
        published_at: published.then_some(now),
        version: current.version + 1,
        updated_at: now,
        ..current
    };
    let txn = app.db().begin_write().await?;
    if !repo::filing::save(&txn, model.clone(), model.version - 1).await? {
        return Err(conflict());
    }
    let event = if published {
        "filing.publish"
    } else {
        "filing.unpublish"
    };
    trail(&txn, app, Some(actor), &model, &caps, event, json!({})).await?;
    txn.commit().await?;
    Ok(view(app, &model, &caps, true))
}

/// 机构查询 for regulators; for everyone else the public register (filed and published only,
/// without personal data).
pub async fn search(
    app: &App,
    actor: Option<&Actor>,
    mut filter: FilingFilter,
    page: PageRequest,
) -> Result<Page<FilingView>, AppError> {
    let full = actor.is_some_and(|a| Permission::SearchAgencies.allows(Some(a)));
    if !full {
        filter.published = Some(true);
        filter.state = Some(FilingState::Filed.as_str().to_string());
    }
    let db = &app.db().conn;
    let found = repo::filing::search(db, &filter, page).await?;
    let ids: Vec<String> = found.items.iter().map(|f| f.org_id.clone()).collect();
    let caps = repo::filing::capabilities_of(db, &ids).await?;
    let items = found
        .items
        .iter()
        .map(|f| {
            let c = caps.get(&f.org_id).map(Vec::as_slice).unwrap_or(&[]);
            view(app, f, c, full)
        })
        .collect();
    Ok(Page::new(items, found.total, page))
}

/// The city regulator's review queues.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueCounts {
    /// 待一审.
    pub first_review: u64,
    /// 待二审.
    pub second_review: u64,
    /// 变更申请待审核.
    pub changes: u64,
}

pub async fn queue_counts(app: &App, actor: &Actor) -> Result<Option<QueueCounts>, AppError> {
    if !Permission::ReviewFiling.allows(Some(actor)) {
        return Ok(None);
    }
    let db = &app.db().conn;
    let (first_review, second_review) = repo::filing::queue_counts(db).await?;
    let changes = repo::change_request::count_pending(db, crate::filing_change::SUBJECT).await?;
    Ok(Some(QueueCounts {
        first_review,
        second_review,
        changes,
    }))
}

/// A USCC of the standard's structure for demo organisations: Shanghai (310xxx), serial `n`.
fn demo_uscc(district: &str, n: usize) -> String {
    let body = format!("91{district}MA1{n:04}D8");
    match uscc::check_character(&body) {
        Some(c) => format!("{body}{c}"),
        None => format!("{body}0"),
    }
}

/// One demo filing, as the state it is in.
struct DemoFiling<'a> {
    org_id: &'a str,
    kind: OrgKind,
    name: &'a str,
    category: AgencyCategory,
    district: &'a str,
    state: FilingState,
    published: bool,
    serial: usize,
}

const DEMO_DISTRICTS: [&str; 8] = [
    "310115", "310112", "310104", "310105", "310106", "310107", "310110", "310113",
];
const DEMO_NAMES: [&str; 12] = [
    "华测", "谱尼", "中环", "申丰", "绿源", "清新", "蓝天", "海清", "东方", "申江", "浦源", "沪宁",
];

async fn insert_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    d: DemoFiling<'_>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let phone = format!("1391700{:04}", d.serial);
    let (cipher, key, masked) = seal_contact(app, d.org_id, &phone)?;
    let testing = matches!(
        d.category,
        AgencyCategory::Testing | AgencyCategory::TestingMaintenance
    );
    let maintains = d.category != AgencyCategory::Testing;
    let mut caps: Vec<(String, String)> = Vec::new();
    if testing {
        caps.push(("testing".into(), TESTING_FIELDS[d.serial % 2].into()));
        caps.push(("testing".into(), TESTING_FIELDS[2 + d.serial % 3].into()));
    }
    if maintains {
        if d.serial % 3 != 2 {
            caps.extend(
                WASTEWATER_PARAMETERS[..5]
                    .iter()
                    .map(|p| ("wastewater".into(), p.to_string())),
            );
        }
        if d.serial % 3 != 1 {
            caps.extend(
                FLUE_GAS_PARAMETERS[..4]
                    .iter()
                    .map(|p| ("flue_gas".into(), p.to_string())),
            );
        }
    }
    // The register has grown over the years: most demo agencies were filed long enough ago to be
    // rated for the running year (信用评价), every tenth one this year, which is not.
    let days_ago = if d.serial.is_multiple_of(10) {
        100
    } else {
        400 + 20 * i64::try_from(d.serial).unwrap_or(0)
    };
    let filed = now - chrono::Duration::days(days_ago);
    let model = filing::Model {
        org_id: d.org_id.to_string(),
        kind: d.kind.as_str().to_string(),
        state: d.state.as_str().to_string(),
        published: d.published,
        name: d.name.to_string(),
        uscc: demo_uscc(d.district, d.serial),
        category: d.category.as_str().to_string(),
        legal_representative: ["王建国", "李华", "陈静", "周立"][d.serial % 4].to_string(),
        contact_name: ["赵敏", "孙浩", "吴芳", "郑强"][d.serial % 4].to_string(),
        contact_phone_cipher: cipher,
        contact_phone_key: key,
        contact_phone_masked: masked,
        registered_address: format!(
            "上海市{}环保路 {} 号",
            app.districts().name(Some(d.district)),
            10 + d.serial
        ),
        lab_address: testing.then(|| {
            format!(
                "上海市{}检测园区 {} 幢",
                app.districts().name(Some(d.district)),
                1 + d.serial % 9
            )
        }),
        district_code: d.district.to_string(),
        reject_reason: (d.state == FilingState::Rejected)
            .then(|| "营业执照扫描件不清晰，请重新上传后提交".to_string()),
        version: 1,
        submitted_at: (d.state != FilingState::Draft).then_some(filed),
        filed_at: (d.state == FilingState::Filed).then_some(filed),
        published_at: d.published.then_some(filed),
        created_at: now,
        updated_at: now,
    };
    repo::filing::insert(txn, model.clone()).await?;
    repo::filing::replace_capabilities(txn, d.org_id, &caps).await?;
    if d.state != FilingState::Draft {
        let uploads = FilingDocument::required(d.category)
            .into_iter()
            .map(|doc| Upload {
                kind: doc.as_str().to_string(),
                file_name: format!("{}.pdf", doc.label()),
                bytes: demo_pdf(&format!("EMSS demo document: {}", doc.as_str())),
            })
            .collect();
        for row in store_uploads(app, d.org_id, None, uploads).await? {
            repo::filing::add_attachment(txn, row).await?;
        }
    }
    trail(
        txn,
        app,
        None,
        &model,
        &caps,
        "filing.register",
        json!({"demo": true}),
    )
    .await
}

/// A one-page PDF showing `line` (ASCII), standing in for a scanned document in the demo.
fn demo_pdf(line: &str) -> Vec<u8> {
    let text = format!("BT /F1 18 Tf 72 720 Td ({line}) Tj ET");
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R \
         /Resources << /Font << /F1 5 0 R >> >> >>"
            .to_string(),
        format!("<< /Length {} >>\nstream\n{text}\nendstream", text.len()),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>".to_string(),
    ];
    let mut pdf = b"%PDF-1.4\n".to_vec();
    let mut offsets = Vec::new();
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut table = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for o in offsets {
        table.push_str(&format!("{o:010} 00000 n \n"));
    }
    pdf.extend_from_slice(table.as_bytes());
    pdf.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    pdf
}

/// A demo organisation that does maintenance work, to be given a filing.
pub(crate) struct DemoAgency<'a> {
    pub org_id: &'a str,
    pub kind: OrgKind,
    pub name: &'a str,
    pub category: Option<AgencyCategory>,
    pub district: Option<&'a str>,
}

/// Demo filings: the demo agencies filed and published (the self-maintaining enterprise filed),
/// and a register of further agencies in every state, most of them filed and published.
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    orgs: &[DemoAgency<'_>],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let mut serial = 0;
    for DemoAgency {
        org_id,
        kind,
        name,
        category,
        district,
    } in orgs
    {
        serial += 1;
        insert_demo(
            txn,
            app,
            DemoFiling {
                org_id,
                kind: *kind,
                name,
                category: category.unwrap_or(AgencyCategory::Maintenance),
                district: district.unwrap_or("310115"),
                state: FilingState::Filed,
                published: *kind == OrgKind::Agency,
                serial,
            },
            now,
        )
        .await?;
    }
    for i in 0..40 {
        serial += 1;
        let (state, published) = match i {
            0 | 1 => (FilingState::Submitted, false),
            2 | 3 => (FilingState::FirstReviewPassed, false),
            4 => (FilingState::Rejected, false),
            5 => (FilingState::Draft, false),
            6 => (FilingState::Filed, false),
            _ => (FilingState::Filed, true),
        };
        let category = AgencyCategory::ALL[i % 3];
        let suffix = match category {
            AgencyCategory::Testing => "环境检测技术有限公司",
            AgencyCategory::Maintenance => "环保设备运维有限公司",
            AgencyCategory::TestingMaintenance => "环境科技有限公司",
        };
        let district = DEMO_DISTRICTS[i % DEMO_DISTRICTS.len()];
        let name = format!(
            "上海{}{}{suffix}",
            DEMO_NAMES[i % DEMO_NAMES.len()],
            ["", "第二", "第三", "第四"][i / DEMO_NAMES.len() % 4]
        );
        let org_id = emss_domain::ids::new_id();
        repo::organization::insert(
            txn,
            NewOrganization {
                id: org_id.clone(),
                kind: OrgKind::Agency,
                name: &name,
                district_code: Some(district),
                agency_category: Some(category),
                uscc: None,
                created_at: now,
            },
        )
        .await?;
        insert_demo(
            txn,
            app,
            DemoFiling {
                org_id: &org_id,
                kind: OrgKind::Agency,
                name: &name,
                category,
                district,
                state,
                published,
                serial,
            },
            now,
        )
        .await?;
    }
    Ok(())
}
