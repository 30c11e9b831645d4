//! Change requests (信息变更申请) for a filed agency: the agency proposes new values, the city
//! regulator's filing reviewer approves (the filing takes them, as a new version of its trail) or
//! rejects (nothing changes). One request per agency may wait at a time.

use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::filing::{
    Checked, FilingInput, FilingView, check, conflict, seal_contact, sees_everything, trail, view,
};
use crate::{App, AppError};
use emss_db::entity::{change_request, filing};
use emss_db::repo;
use emss_domain::change_request::{ChangeState, FieldChange, changed_fields};
use emss_domain::filing::FilingState;
use emss_domain::listing::{Page, PageRequest};
use emss_domain::{Actor, AgencyCategory, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// `change_request.subject_kind` of filing changes.
pub const SUBJECT: &str = "filing";

/// What a change request will write into the filing (the phone sealed, as the filing keeps it).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Proposed {
    name: String,
    uscc: String,
    category: String,
    legal_representative: String,
    contact_name: String,
    /// None: the filed number stays.
    contact_phone: Option<SealedPhone>,
    registered_address: String,
    lab_address: Option<String>,
    district_code: String,
    capabilities: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SealedPhone {
    cipher: String,
    key: String,
    masked: String,
}

/// A change request as shown to the agency and the reviewer.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeView {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    pub state: String,
    pub state_label: String,
    /// 变更原因.
    pub reason: String,
    pub changes: Vec<FieldChange>,
    pub requested_at: chrono::DateTime<chrono::Utc>,
    pub decided_at: Option<chrono::DateTime<chrono::Utc>>,
    pub decision_comment: Option<String>,
}

pub(crate) fn change_view(c: change_request::Model, org_name: String) -> ChangeView {
    let state = ChangeState::parse(&c.state);
    ChangeView {
        state_label: state.map(|s| s.label()).unwrap_or_default().to_string(),
        changes: serde_json::from_str(&c.changes).unwrap_or_default(),
        id: c.id,
        org_id: c.org_id,
        org_name,
        state: c.state,
        reason: c.reason,
        requested_at: c.requested_at,
        decided_at: c.decided_at,
        decision_comment: c.decision_comment,
    }
}

/// A capability list as compared: sorted, so the order of the form's checkboxes is no change.
fn joined(items: &[String]) -> String {
    let mut sorted = items.to_vec();
    sorted.sort();
    if sorted.is_empty() {
        "—".to_string()
    } else {
        sorted.join("、")
    }
}

/// The fields a reviewer compares, as displayed: (field, label, value).
fn shown(v: &FilingView) -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("name", "机构名称", v.name.clone()),
        ("uscc", "统一社会信用代码", v.uscc.clone()),
        ("category", "机构类别", v.category_label.clone()),
        (
            "legal_representative",
            "法定代表人",
            v.legal_representative.clone().unwrap_or_default(),
        ),
        (
            "contact_name",
            "联系人",
            v.contact_name.clone().unwrap_or_default(),
        ),
        (
            "contact_phone",
            "联系电话",
            v.contact_phone.clone().unwrap_or_default(),
        ),
        (
            "registered_address",
            "通讯地址",
            v.registered_address.clone(),
        ),
        (
            "lab_address",
            "实验室地址",
            v.lab_address.clone().unwrap_or_else(|| "—".to_string()),
        ),
        ("district_code", "所在区", v.district_name.clone()),
        ("testing", "检测能力", joined(&v.testing)),
        ("wastewater", "废水运维能力", joined(&v.wastewater)),
        ("flue_gas", "废气运维能力", joined(&v.flue_gas)),
    ]
}

/// The filing as it would stand with `p` applied (not saved).
fn applied(
    current: &filing::Model,
    p: &Proposed,
    version: i32,
    now: chrono::DateTime<chrono::Utc>,
) -> filing::Model {
    let (cipher, key, masked) = match &p.contact_phone {
        Some(s) => (s.cipher.clone(), s.key.clone(), s.masked.clone()),
        None => (
            current.contact_phone_cipher.clone(),
            current.contact_phone_key.clone(),
            current.contact_phone_masked.clone(),
        ),
    };
    filing::Model {
        name: p.name.clone(),
        uscc: p.uscc.clone(),
        category: p.category.clone(),
        legal_representative: p.legal_representative.clone(),
        contact_name: p.contact_name.clone(),
        contact_phone_cipher: cipher,
        contact_phone_key: key,
        contact_phone_masked: masked,
        registered_address: p.registered_address.clone(),
        lab_address: p.lab_address.clone(),
        district_code: p.district_code.clone(),
        version,
        updated_at: now,
        ..current.clone()
    }
}

/// What the reviewer compares: the filed values against the proposed ones.
fn differences(
    app: &App,
    current: &filing::Model,
    caps: &[(String, String)],
    proposed: &Proposed,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<FieldChange> {
    let before = view(app, current, caps, true);
    let after = view(
        app,
        &applied(current, proposed, current.version, now),
        &proposed.capabilities,
        true,
    );
    let phone_changed = proposed.contact_phone.is_some();
    let pairs: Vec<(&str, &str, String, String)> = shown(&before)
        .into_iter()
        .zip(shown(&after))
        .map(|((field, label, b), (_, _, a))| {
            // A new number under the same mask is still a change the reviewer must see.
            let a = if field == "contact_phone" && phone_changed && a == b {
                format!("{a}（新号码）")
            } else {
                a
            };
            (field, label, b, a)
        })
        .collect();
    changed_fields(&pairs)
}

fn proposed_of(app: &App, org_id: &str, c: Checked) -> Result<Proposed, AppError> {
    let contact_phone = match &c.contact_phone {
        Some(p) => {
            let (cipher, key, masked) = seal_contact(app, org_id, p)?;
            Some(SealedPhone {
                cipher,
                key,
                masked,
            })
        }
        None => None,
    };
    Ok(Proposed {
        name: c.name,
        uscc: c.uscc,
        category: c.category.as_str().to_string(),
        legal_representative: c.legal_representative,
        contact_name: c.contact_name,
        contact_phone,
        registered_address: c.registered_address,
        lab_address: c.lab_address,
        district_code: c.district_code,
        capabilities: c.capabilities,
    })
}

/// A change request still waiting for its decision: 404 unless it is of `subject_kind` (and of
/// `subject_id`, when given); the field message when someone has decided it already.
pub(crate) async fn waiting(
    db: &impl sea_orm::ConnectionTrait,
    id: &str,
    subject_kind: &str,
    subject_id: Option<&str>,
) -> Result<change_request::Model, AppError> {
    let c = repo::change_request::get(db, id)
        .await?
        .filter(|c| c.subject_kind == subject_kind)
        .filter(|c| subject_id.is_none_or(|s| c.subject_id == s))
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if c.state != ChangeState::Pending.as_str() {
        return Err(already_decided());
    }
    Ok(c)
}

fn already_decided() -> AppError {
    AppError::field("state", "该变更申请已审核，请刷新后查看")
}

/// The reviewer's comment as kept: required to reject, limited like a reason.
pub(crate) fn decision_comment(approve: bool, comment: &str) -> Result<Option<&str>, AppError> {
    let comment = comment.trim();
    let mut errors = FieldErrors::new();
    reason_problem(
        &mut errors,
        "comment",
        comment,
        (!approve).then_some("驳回须填写原因"),
    );
    errors.into_result()?;
    Ok((!comment.is_empty()).then_some(comment))
}

/// Marks a waiting request decided inside the write transaction; a faster reviewer wins.
pub(crate) async fn mark_decided(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: &Actor,
    id: &str,
    approve: bool,
    comment: Option<&str>,
) -> Result<(), AppError> {
    let state = if approve {
        ChangeState::Approved
    } else {
        ChangeState::Rejected
    };
    if repo::change_request::decide(
        txn,
        id,
        state.as_str(),
        &actor.account_id,
        app.now(),
        comment,
    )
    .await?
    {
        Ok(())
    } else {
        Err(already_decided())
    }
}

/// A decision on a change request as sent (`approve` | `reject`): whether it approves.
pub fn approves(decision: &str) -> Result<bool, AppError> {
    match decision {
        "approve" => Ok(true),
        "reject" => Ok(false),
        _ => Err(AppError::field(
            "decision",
            "审核结果只能是 approve（通过）或 reject（驳回）",
        )),
    }
}

pub(crate) fn reason_problem(
    errors: &mut FieldErrors,
    field: &str,
    text: &str,
    required: Option<&str>,
) {
    if text.is_empty() {
        if let Some(message) = required {
            errors.add(field, message);
        }
    } else if text.chars().count() > 500 {
        errors.add(field, "不能超过 500 个字");
    }
}

/// The agency proposes new values for its filed information.
pub async fn request(
    app: &App,
    actor: &Actor,
    input: FilingInput,
    reason: &str,
) -> Result<ChangeView, AppError> {
    if !Permission::ManageOwnFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let current = repo::filing::get(db, &actor.org_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    if current.state != FilingState::Filed.as_str() {
        return Err(AppError::field(
            "state",
            "备案尚未通过审核，请直接修改备案信息后提交",
        ));
    }
    if repo::change_request::pending_for(db, SUBJECT, &current.org_id)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "state",
            "已有一份变更申请正在审核，请等待审核结果后再申请",
        ));
    }
    let mut errors = FieldErrors::new();
    let reason = reason.trim();
    reason_problem(&mut errors, "reason", reason, Some("请填写变更原因"));
    let checked = check(app, &input, true, &mut errors);
    if let Some(c) = &checked
        && c.uscc != current.uscc
        && repo::filing::uscc_taken(db, &c.uscc).await?
    {
        errors.add("uscc", "该统一社会信用代码已备案，不能变更为此代码");
    }
    errors.into_result()?;
    let Some(c) = checked else {
        return Err(AppError::internal(
            "a change passed its checks without values",
        ));
    };
    let caps = repo::filing::capabilities(db, &current.org_id).await?;
    // The numbers themselves are compared: two numbers can share a mask.
    let mut c = c;
    if let Some(p) = &c.contact_phone {
        let filed = app.open(
            &format!("filing/contact_phone/{}", current.org_id),
            &current.contact_phone_key,
            &current.contact_phone_cipher,
        )?;
        if *p == filed {
            c.contact_phone = None;
        }
    }
    let proposed = proposed_of(app, &current.org_id, c)?;
    let now = app.now();
    let changes = differences(app, &current, &caps, &proposed, now);
    if changes.is_empty() {
        return Err(AppError::field(
            "state",
            "没有修改任何备案信息，无需申请变更",
        ));
    }
    let model = change_request::Model {
        id: emss_domain::ids::new_id(),
        subject_kind: SUBJECT.to_string(),
        subject_id: current.org_id.clone(),
        org_id: current.org_id.clone(),
        state: ChangeState::Pending.as_str().to_string(),
        proposed: serde_json::to_string(&proposed).map_err(AppError::internal)?,
        changes: serde_json::to_string(&changes).map_err(AppError::internal)?,
        reason: reason.to_string(),
        base_version: current.version,
        requested_by: actor.account_id.clone(),
        requested_at: now,
        decided_by: None,
        decided_at: None,
        decision_comment: None,
    };
    let txn = app.db().begin_write().await?;
    // Two tabs submitting at once: the second finds the first (or, on PostgreSQL, runs into the
    // unique index of pending requests).
    if repo::change_request::pending_for(&txn, SUBJECT, &current.org_id)
        .await?
        .is_some()
    {
        return Err(AppError::field(
            "state",
            "已有一份变更申请正在审核，请等待审核结果后再申请",
        ));
    }
    if let Err(e) = repo::change_request::insert(&txn, model.clone()).await {
        let e = AppError::from(e);
        return Err(if e.code == ErrorCode::AlreadyExists {
            AppError::field("state", "已有一份变更申请正在审核，请等待审核结果后再申请")
        } else {
            e
        });
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "filing.change_request",
        Some(("filing", &current.org_id)),
        Outcome::Ok,
        json!({
            "change_id": model.id,
            "fields": changes.iter().map(|c| c.field.as_str()).collect::<Vec<_>>(),
        }),
    )
    .await?;
    txn.commit().await?;
    tracing::info!(org = %current.org_id, change = %model.id, "filing change requested");
    Ok(change_view(model, current.name))
}

/// The change requests of one filing, newest first: for the agency itself and regulators.
pub async fn of_filing(
    app: &App,
    actor: &Actor,
    org_id: &str,
) -> Result<Vec<ChangeView>, AppError> {
    if !sees_everything(Some(actor), org_id) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let db = &app.db().conn;
    let Some(f) = repo::filing::get(db, org_id).await? else {
        return Err(AppError::new(ErrorCode::NotFound));
    };
    Ok(repo::change_request::of_subject(db, SUBJECT, org_id)
        .await?
        .into_iter()
        .map(|c| change_view(c, f.name.clone()))
        .collect())
}

/// The reviewer's queue (pending by default), oldest first.
pub async fn queue(
    app: &App,
    actor: &Actor,
    state: Option<ChangeState>,
    page: PageRequest,
) -> Result<Page<ChangeView>, AppError> {
    if !Permission::ReviewFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let found =
        repo::change_request::queue(db, SUBJECT, state.map(ChangeState::as_str), page).await?;
    let mut items = Vec::with_capacity(found.items.len());
    for c in found.items {
        let name = repo::filing::get(db, &c.org_id)
            .await?
            .map(|f| f.name)
            .unwrap_or_default();
        items.push(change_view(c, name));
    }
    Ok(Page::new(items, found.total, page))
}

/// The agency a change request is about, for the reviewer (to show its page again).
pub async fn org_of(app: &App, actor: &Actor, id: &str) -> Result<String, AppError> {
    if !Permission::ReviewFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    repo::change_request::get(&app.db().conn, id)
        .await?
        .filter(|c| c.subject_kind == SUBJECT)
        .map(|c| c.org_id)
        .ok_or(AppError::new(ErrorCode::NotFound))
}

/// The reviewer approves (the filing takes the proposed values) or rejects (a comment is
/// required; nothing changes).
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: &str,
    approve: bool,
    comment: &str,
) -> Result<ChangeView, AppError> {
    if !Permission::ReviewFiling.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let c = waiting(db, id, SUBJECT, None).await?;
    let comment = decision_comment(approve, comment)?;
    let current = repo::filing::get(db, &c.subject_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let now = app.now();
    let txn = app.db().begin_write().await?;
    mark_decided(&txn, app, actor, id, approve, comment).await?;
    // A decided request keeps no full phone number: the filing holds it, or it was refused.
    let mut kept: Proposed = serde_json::from_str(&c.proposed).map_err(AppError::internal)?;
    let proposed = kept.clone();
    if kept.contact_phone.take().is_some() {
        let json = serde_json::to_string(&kept).map_err(AppError::internal)?;
        repo::change_request::set_proposed(&txn, id, &json).await?;
    }
    let org_name = if approve {
        if proposed.uscc != current.uscc && repo::filing::uscc_taken(&txn, &proposed.uscc).await? {
            return Err(AppError::field(
                "state",
                "申请变更的统一社会信用代码已被其他机构备案，请驳回",
            ));
        }
        let category = AgencyCategory::parse(&proposed.category)
            .ok_or_else(|| AppError::internal("a change proposes an unknown category"))?;
        let model = applied(&current, &proposed, current.version + 1, now);
        if !repo::filing::save(&txn, model.clone(), current.version).await? {
            return Err(conflict());
        }
        repo::organization::update_filed_facts(
            &txn,
            &model.org_id,
            &model.name,
            &model.uscc,
            &model.district_code,
            category,
        )
        .await?;
        repo::filing::replace_capabilities(&txn, &model.org_id, &proposed.capabilities).await?;
        trail(
            &txn,
            app,
            Some(actor),
            &model,
            &proposed.capabilities,
            "filing.change_approve",
            json!({"change_id": id, "comment": comment, "base_version": c.base_version}),
        )
        .await?;
        model.name
    } else {
        audit::record(
            &txn,
            app,
            Some(actor),
            "filing.change_reject",
            Some(("filing", &current.org_id)),
            Outcome::Ok,
            json!({"change_id": id, "comment": comment, "base_version": c.base_version}),
        )
        .await?;
        current.name
    };
    txn.commit().await?;
    tracing::info!(change = %id, approve, "filing change decided");
    let decided = repo::change_request::get(db, id)
        .await?
        .ok_or_else(|| AppError::internal("a decided change request vanished"))?;
    Ok(change_view(decided, org_name))
}

/// A demo change request waiting for review: the agency moves its office and adds a parameter.
pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    org_id: &str,
    requested_by: &str,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), AppError> {
    let current = repo::filing::get(txn, org_id)
        .await?
        .ok_or_else(|| AppError::internal("demo change for a missing filing"))?;
    let caps = repo::filing::capabilities(txn, org_id).await?;
    let mut capabilities = caps.clone();
    capabilities.push(("wastewater".to_string(), "总氮".to_string()));
    capabilities.sort();
    capabilities.dedup();
    let proposed = Proposed {
        name: current.name.clone(),
        uscc: current.uscc.clone(),
        category: current.category.clone(),
        legal_representative: current.legal_representative.clone(),
        contact_name: current.contact_name.clone(),
        contact_phone: None,
        registered_address: "上海市闵行区春东路 508 号 3 幢".to_string(),
        lab_address: current.lab_address.clone(),
        district_code: current.district_code.clone(),
        capabilities,
    };
    let changes = differences(app, &current, &caps, &proposed, now);
    repo::change_request::insert(
        txn,
        change_request::Model {
            id: emss_domain::ids::new_id(),
            subject_kind: SUBJECT.to_string(),
            subject_id: org_id.to_string(),
            org_id: org_id.to_string(),
            state: ChangeState::Pending.as_str().to_string(),
            proposed: serde_json::to_string(&proposed).map_err(AppError::internal)?,
            changes: serde_json::to_string(&changes).map_err(AppError::internal)?,
            reason: "公司办公地址搬迁，并新增总氮在线监测运维能力".to_string(),
            base_version: current.version,
            requested_by: requested_by.to_string(),
            requested_at: now,
            decided_by: None,
            decided_at: None,
            decision_comment: None,
        },
    )
    .await?;
    Ok(())
}

/// Re-encrypts the phones of pending proposals under the newest data key (key rotation).
pub(crate) async fn reseal_pending(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
) -> Result<usize, AppError> {
    let mut count = 0;
    for c in repo::change_request::pending(txn, SUBJECT).await? {
        let mut proposed: Proposed =
            serde_json::from_str(&c.proposed).map_err(AppError::internal)?;
        let Some(phone) = proposed.contact_phone.as_mut() else {
            continue;
        };
        let context = format!("filing/contact_phone/{}", c.org_id);
        let plain = app.open(&context, &phone.key, &phone.cipher)?;
        let (cipher, key) = app.seal(&context, &plain)?;
        phone.cipher = cipher;
        phone.key = key;
        let json = serde_json::to_string(&proposed).map_err(AppError::internal)?;
        repo::change_request::set_proposed(txn, &c.id, &json).await?;
        count += 1;
    }
    Ok(count)
}
