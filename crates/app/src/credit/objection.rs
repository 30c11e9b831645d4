//! After a year is closed: 公示 (the city opens the final ratings to objections until a last
//! day), 异议 (the agency objects to one indicator with its reasons and documents, in time), the
//! city's decision (an accepted objection corrects the indicator; the total and grade after it
//! are appended beside the frozen rating), and 公布 (the grades go to the public register).

use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::filing::Upload;
use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::entity::{credit_objection, credit_objection_document, credit_publication};
use emss_db::repo;
use emss_domain::credit::objection::{adjusted, correction_problem, deadline_problem, in_time};
use emss_domain::credit::{IndicatorSystem, ObjectionState, Period, Points, Publicity, SystemKind};
use emss_domain::time::shanghai_date;
use emss_domain::{Actor, ErrorCode, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;

/// At most this many documents per objection.
const MAX_DOCUMENTS: usize = 10;

/// A year's publicity as the pages and the API show it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicationView {
    pub year: i32,
    /// `publicity` (公示中) | `published` (已公布).
    pub state: String,
    pub state_label: String,
    /// The last day objections and their documents are received.
    pub objection_deadline: NaiveDate,
    pub started_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

fn publication_view(p: credit_publication::Model) -> PublicationView {
    PublicationView {
        year: p.year,
        state_label: Publicity::parse(&p.state)
            .map_or("—", Publicity::label)
            .to_string(),
        state: p.state,
        objection_deadline: p.objection_deadline,
        started_at: p.started_at,
        published_at: p.published_at,
    }
}

/// An objection as listed and shown.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectionView {
    pub id: String,
    pub year: i32,
    pub kind: String,
    pub kind_label: String,
    pub agency_id: String,
    pub agency_name: String,
    /// The indicator objected to.
    pub code: String,
    pub indicator_name: String,
    /// Its score as rated ("-6").
    pub scored_before: String,
    pub reasons: String,
    /// `pending` | `accepted` | `rejected`.
    pub state: String,
    pub state_label: String,
    pub filed_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    /// Accepted: the corrected score, and the rating's total and grade after it.
    pub scored_after: Option<String>,
    pub total_after: Option<String>,
    pub grade_after: Option<String>,
}

/// A document given with an objection.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectionDocument {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size: i64,
    pub uploaded_at: DateTime<Utc>,
}

/// An objection with its documents and the year's publicity.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ObjectionDetail {
    #[serde(flatten)]
    pub objection: ObjectionView,
    pub documents: Vec<ObjectionDocument>,
    pub objection_deadline: Option<NaiveDate>,
    /// 查看留痕: filed, each document, decided — from the audit log, oldest first.
    pub trail: Vec<crate::rectifications::OrderTrailLine>,
}

fn objection_view(o: credit_objection::Model, agency_name: String) -> ObjectionView {
    let grade_after = match (&o.grade_code_after, &o.grade_name_after) {
        (Some(c), Some(n)) => Some(format!("{c} {n}")),
        _ => None,
    };
    ObjectionView {
        kind_label: SystemKind::parse(&o.kind)
            .map_or("—", SystemKind::label)
            .to_string(),
        state_label: ObjectionState::parse(&o.state)
            .map_or("—", ObjectionState::label)
            .to_string(),
        scored_before: Points(o.scored_before).to_string(),
        scored_after: o.scored_after.map(|p| Points(p).to_string()),
        total_after: o.total_after.map(|p| Points(p).to_string()),
        grade_after,
        id: o.id,
        year: o.year,
        kind: o.kind,
        agency_id: o.agency_id,
        agency_name,
        code: o.code,
        indicator_name: o.indicator_name,
        reasons: o.reasons,
        state: o.state,
        filed_at: o.filed_at,
        decided_at: o.decided_at,
        decision_note: o.decision_note,
    }
}

fn document_view(d: credit_objection_document::Model) -> ObjectionDocument {
    ObjectionDocument {
        id: d.id,
        file_name: d.file_name,
        content_type: d.content_type,
        size: d.size,
        uploaded_at: d.uploaded_at,
    }
}

/// A year's publicity, if the city has started it.
pub async fn publication(app: &App, year: i32) -> Result<Option<PublicationView>, AppError> {
    Ok(repo::credit::publication(&app.db().conn, year)
        .await?
        .map(publication_view))
}

/// 发起公示: the city opens a closed year's final ratings to objections until `deadline`.
pub async fn start_publicity(
    app: &App,
    actor: &Actor,
    year: i32,
    deadline: Option<NaiveDate>,
) -> Result<PublicationView, AppError> {
    if !Permission::ManageCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let today = shanghai_date(app.now());
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    if (Period { year }).last_day() >= today {
        errors.add("year", format!("{year} 年度尚未结束，不能公示"));
    } else if !repo::credit::ratings(db, year, None, None)
        .await?
        .iter()
        .any(|r| r.standing == "final")
    {
        errors.add("year", format!("{year} 年度尚无年度评价结果，请先计算"));
    } else if repo::credit::publication(db, year).await?.is_some() {
        errors.add("year", format!("{year} 年度已发起公示"));
    }
    match deadline {
        None => errors.add("deadline", "请选择异议截止日期"),
        Some(d) => errors.check("deadline", deadline_problem(today, d).as_deref()),
    }
    errors.into_result()?;
    let Some(deadline) = deadline else {
        return Err(AppError::internal(
            "a publicity passed its checks without a deadline",
        ));
    };
    let row = credit_publication::Model {
        year,
        state: Publicity::Open.as_str().to_string(),
        objection_deadline: deadline,
        started_by: actor.account_id.clone(),
        started_at: app.now(),
        published_by: None,
        published_at: None,
    };
    let txn = app.db().begin_write().await?;
    repo::credit::insert_publication(&txn, row.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "credit.publicity",
        Some(("credit_publication", &year.to_string())),
        Outcome::Ok,
        json!({"year": year, "objection_deadline": deadline.to_string()}),
    )
    .await?;
    txn.commit().await?;
    Ok(publication_view(row))
}

/// 公布: after the last day for objections, with every objection decided, the year's grades go
/// to the public register.
pub async fn publish_year(
    app: &App,
    actor: &Actor,
    year: i32,
) -> Result<PublicationView, AppError> {
    if !Permission::ManageCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let db = &app.db().conn;
    let today = shanghai_date(app.now());
    let Some(p) = repo::credit::publication(db, year).await? else {
        return Err(AppError::field(
            "year",
            &format!("{year} 年度尚未公示，公示期满后才能公布"),
        ));
    };
    if p.state != Publicity::Open.as_str() {
        return Err(AppError::field(
            "year",
            &format!("{year} 年度评价结果已公布"),
        ));
    }
    if in_time(today, p.objection_deadline) {
        return Err(AppError::field(
            "year",
            &format!("异议期至 {} 结束，期满后才能公布", p.objection_deadline),
        ));
    }
    let pending = repo::credit::objections(db, Some(year), None, Some("pending"))
        .await?
        .len();
    if pending > 0 {
        return Err(AppError::field(
            "year",
            &format!("尚有 {pending} 件异议未处理，处理后才能公布"),
        ));
    }
    let txn = app.db().begin_write().await?;
    if !repo::credit::mark_published(&txn, year, &actor.account_id, app.now()).await? {
        return Err(AppError::field(
            "year",
            &format!("{year} 年度评价结果已公布"),
        ));
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "credit.publish",
        Some(("credit_publication", &year.to_string())),
        Outcome::Ok,
        json!({"year": year}),
    )
    .await?;
    txn.commit().await?;
    repo::credit::publication(db, year)
        .await?
        .map(publication_view)
        .ok_or_else(|| AppError::internal("a published year vanished"))
}

/// What an agency writes when it objects.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct ObjectionInput {
    /// The year of the final rating.
    #[serde(default)]
    pub period: String,
    /// `maintenance` | `testing`.
    #[serde(default)]
    pub kind: String,
    /// The indicator's code.
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub reasons: String,
}

/// 提出异议: the agency's main account objects to one indicator of its final rating, while the
/// year is in publicity and until its last day.
pub async fn object(
    app: &App,
    actor: &Actor,
    agency_id: &str,
    input: &ObjectionInput,
) -> Result<ObjectionView, AppError> {
    if actor.org_id != agency_id || !Permission::ViewCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    if !Permission::ObjectToCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let year = super::year_of(app, Some(&input.period))?;
    let db = &app.db().conn;
    let kind = SystemKind::parse(&input.kind)
        .ok_or_else(|| AppError::field("kind", "类别应为 maintenance 或 testing"))?;
    let rating = repo::credit::ratings(db, year, Some(kind.as_str()), Some(agency_id))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let today = shanghai_date(app.now());
    let publication = repo::credit::publication(db, year).await?;
    let open = publication
        .as_ref()
        .filter(|p| rating.standing == "final" && p.state == Publicity::Open.as_str());
    let Some(p) = open else {
        return Err(AppError::field("code", "年度评价结果公示期间才能提出异议"));
    };
    if !in_time(today, p.objection_deadline) {
        return Err(AppError::field(
            "code",
            &format!(
                "异议期已于 {} 截止，逾期提出的异议不予受理",
                p.objection_deadline
            ),
        ));
    }
    let mut errors = FieldErrors::new();
    let items = repo::credit::items(db, &rating.id).await?;
    let item = items.iter().find(|i| i.code == input.code.trim());
    let taken = repo::credit::objections_of(db, std::slice::from_ref(&rating.id)).await?;
    match item {
        None => errors.add("code", "请选择要提出异议的指标"),
        Some(i) if taken.iter().any(|o| o.code == i.code) => {
            errors.add("code", "该指标已提出异议，不能重复提出")
        }
        Some(_) => {}
    }
    let reasons = input.reasons.trim();
    let length = reasons.chars().count();
    if !(10..=2000).contains(&length) {
        errors.add("reasons", "请写明异议理由和所依据的事实（10 至 2000 字）");
    }
    errors.into_result()?;
    let Some(item) = item else {
        return Err(AppError::internal(
            "an objection passed its checks without an indicator",
        ));
    };
    let row = credit_objection::Model {
        id: emss_domain::ids::new_id(),
        rating_id: rating.id.clone(),
        year,
        kind: rating.kind.clone(),
        agency_id: agency_id.to_string(),
        code: item.code.clone(),
        indicator_name: item.name.clone(),
        scored_before: item.scored,
        reasons: reasons.to_string(),
        state: ObjectionState::Pending.as_str().to_string(),
        filed_by: actor.account_id.clone(),
        filed_at: app.now(),
        decided_by: None,
        decided_at: None,
        decision_note: None,
        scored_after: None,
        total_after: None,
        grade_code_after: None,
        grade_name_after: None,
    };
    let txn = app.db().begin_write().await?;
    repo::credit::insert_objection(&txn, row.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "credit.objection",
        Some(("credit_objection", &row.id)),
        Outcome::Ok,
        json!({"year": year, "kind": kind.label(), "code": row.code}),
    )
    .await?;
    txn.commit().await?;
    Ok(objection_view(row, agency_name(app, agency_id).await?))
}

async fn agency_name(app: &App, id: &str) -> Result<String, AppError> {
    let names = repo::credit::agency_names(&app.db().conn, &[id.to_string()]).await?;
    Ok(names.get(id).cloned().unwrap_or_default())
}

/// The objection if the actor sees it (the regulators every one, an agency its own): 404 else.
async fn visible(app: &App, actor: &Actor, id: &str) -> Result<credit_objection::Model, AppError> {
    let found = repo::credit::objection(&app.db().conn, id)
        .await?
        .filter(|o| {
            Permission::ViewCredit.allows(Some(actor))
                && (actor.org_kind.is_regulator() || actor.org_id == o.agency_id)
        })
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    Ok(found)
}

/// Objections, newest first: every agency's for the regulators, its own for an agency.
pub async fn objections(
    app: &App,
    actor: &Actor,
    year: Option<i32>,
    state: Option<&str>,
) -> Result<Vec<ObjectionView>, AppError> {
    if !Permission::ViewCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let own = (!actor.org_kind.is_regulator()).then_some(actor.org_id.as_str());
    let state = state.filter(|s| ObjectionState::parse(s).is_some());
    let db = &app.db().conn;
    let rows = repo::credit::objections(db, year, own, state).await?;
    let ids: Vec<String> = rows.iter().map(|o| o.agency_id.clone()).collect();
    let names = repo::credit::agency_names(db, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|o| {
            let name = names.get(&o.agency_id).cloned().unwrap_or_default();
            objection_view(o, name)
        })
        .collect())
}

/// One objection with its documents.
pub async fn objection(app: &App, actor: &Actor, id: &str) -> Result<ObjectionDetail, AppError> {
    let found = visible(app, actor, id).await?;
    let db = &app.db().conn;
    let documents = repo::credit::objection_documents(db, &found.id)
        .await?
        .into_iter()
        .map(document_view)
        .collect();
    let deadline = repo::credit::publication(db, found.year)
        .await?
        .map(|p| p.objection_deadline);
    let name = agency_name(app, &found.agency_id).await?;
    let trail =
        crate::rectifications::trail(app, "credit_objection", &found.id, trail_detail).await?;
    Ok(ObjectionDetail {
        objection: objection_view(found, name),
        documents,
        objection_deadline: deadline,
        trail,
    })
}

/// What a step of the trail said: the indicator objected to, a document's name, the decision
/// with the corrected score and the grade after it.
fn trail_detail(_action: &str, detail: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(detail) else {
        return String::new();
    };
    let text = |k: &str| v.get(k).and_then(|x| x.as_str()).filter(|s| !s.is_empty());
    let mut said = Vec::new();
    if let Some(c) = text("code") {
        said.push(format!("指标 {c}"));
    }
    if let Some(f) = text("file_name") {
        said.push(f.to_string());
    }
    if let Some(d) = text("decision") {
        said.push(d.to_string());
    }
    if let (Some(b), Some(a)) = (text("scored_before"), text("scored_after")) {
        said.push(format!("得分 {b} 更正为 {a}"));
    }
    if let Some(t) = text("total_after") {
        said.push(format!("总分 {t}"));
    }
    if let Some(g) = text("grade") {
        said.push(format!("等级 {g}"));
    }
    said.join("；")
}

/// Whether the actor may add a document now, checked before the upload is read: 404 outside
/// scope, 403 for those who only read it, the reason for the agency.
pub async fn may_upload(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    let found = visible(app, actor, id).await?;
    if !Permission::ObjectToCredit.allows(Some(actor)) || actor.org_id != found.agency_id {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    if found.state != ObjectionState::Pending.as_str() {
        return Err(AppError::field("file", "异议已处理，不能再添加材料"));
    }
    let deadline = repo::credit::publication(&app.db().conn, found.year)
        .await?
        .map(|p| p.objection_deadline);
    match deadline {
        Some(d) if in_time(shanghai_date(app.now()), d) => Ok(()),
        Some(d) => Err(AppError::field(
            "file",
            &format!("异议期已于 {d} 截止，逾期提交的材料不予接收"),
        )),
        None => Err(AppError::field("file", "该年度评价结果不在公示期内")),
    }
}

/// Adds a document to a pending objection, before the last day.
pub async fn upload_document(
    app: &App,
    actor: &Actor,
    id: &str,
    file: Option<Upload>,
) -> Result<ObjectionDocument, AppError> {
    may_upload(app, actor, id).await?;
    let already = repo::credit::objection_documents(&app.db().conn, id)
        .await?
        .len();
    let stored = crate::files::check_and_store(
        app,
        file,
        "请选择证明材料",
        (
            already,
            MAX_DOCUMENTS,
            format!("每件异议最多 {MAX_DOCUMENTS} 份材料"),
        ),
    )
    .await?;
    let row = credit_objection_document::Model {
        id: emss_domain::ids::new_id(),
        objection_id: id.to_string(),
        blob_key: stored.blob_key,
        file_name: stored.file_name,
        content_type: stored.content_type,
        size: stored.size,
        uploaded_by: actor.account_id.clone(),
        uploaded_at: app.now(),
    };
    let txn = app.db().begin_write().await?;
    repo::credit::insert_objection_document(&txn, row.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "credit.objection_document",
        Some(("credit_objection", id)),
        Outcome::Ok,
        json!({"attachment": row.id, "file_name": row.file_name, "sha256": row.blob_key}),
    )
    .await?;
    txn.commit().await?;
    Ok(document_view(row))
}

/// A document's bytes, for everyone who sees the objection.
pub async fn document_file(
    app: &App,
    actor: &Actor,
    id: &str,
    document_id: &str,
) -> Result<(ObjectionDocument, Vec<u8>), AppError> {
    let found = visible(app, actor, id).await?;
    let d = repo::credit::objection_documents(&app.db().conn, &found.id)
        .await?
        .into_iter()
        .find(|d| d.id == document_id)
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let bytes = crate::files::download(
        app,
        actor,
        &d.blob_key,
        ("credit_objection_document", &d.id),
        json!({"objection_id": found.id}),
    )
    .await?;
    Ok((document_view(d), bytes))
}

/// The city's decision on an objection.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct DecisionInput {
    /// `accept` (采纳: the indicator is corrected) | `reject` (不予采纳).
    #[serde(default)]
    pub decision: String,
    /// Accepted: the indicator's corrected score, as written ("-2", "18.5").
    #[serde(default)]
    pub scored: String,
    /// 处理意见: why, shown to the agency.
    #[serde(default)]
    pub note: String,
}

/// 处理异议: the city accepts (correcting the indicator; the total and grade after it are kept
/// with the decision) or rejects with its reasons. Decided once.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: &str,
    input: &DecisionInput,
) -> Result<ObjectionView, AppError> {
    let found = visible(app, actor, id).await?;
    if !Permission::ManageCredit.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    if found.state != ObjectionState::Pending.as_str() {
        return Err(AppError::field("decision", "该异议已处理"));
    }
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let accept = match input.decision.as_str() {
        "accept" => Some(true),
        "reject" => Some(false),
        _ => {
            errors.add("decision", "请选择采纳或不予采纳");
            None
        }
    };
    let note = input.note.trim();
    if !(2..=2000).contains(&note.chars().count()) {
        errors.add("note", "请填写处理意见（2 至 2000 字）");
    }
    let mut decided = found.clone();
    decided.decided_by = Some(actor.account_id.clone());
    decided.decided_at = Some(app.now());
    decided.decision_note = Some(note.to_string());
    decided.state = ObjectionState::Rejected.as_str().to_string();
    // Accepted: the rating and its system, to state the total and grade after the correction.
    let mut accepted = None;
    if accept == Some(true) {
        decided.state = ObjectionState::Accepted.as_str().to_string();
        let rating = repo::credit::rating_by_id(db, &found.rating_id)
            .await?
            .ok_or_else(|| AppError::internal("an objection's rating is missing"))?;
        let system_row = repo::credit::system(db, &rating.system_id)
            .await?
            .ok_or_else(|| AppError::internal("a rating's indicator system is missing"))?;
        let system = IndicatorSystem::parse(&system_row.document)
            .map_err(|p| AppError::internal(p.join("; ")))?;
        let indicator = system
            .indicators
            .iter()
            .find(|i| i.code == found.code)
            .ok_or_else(|| AppError::internal("an objection's indicator is not in its system"))?;
        let corrected = input
            .scored
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|x| Points::from_number(x).ok());
        match corrected {
            None => errors.add("scored", "请填写更正后的得分（最多一位小数）"),
            Some(c) => errors.check(
                "scored",
                correction_problem(indicator, Points(found.scored_before), c).as_deref(),
            ),
        }
        accepted = corrected.map(|c| (c, rating, system));
    }
    errors.into_result()?;
    let txn = app.db().begin_write().await?;
    if let Some((c, rating, system)) = accepted {
        // The corrections accepted before this one, read in the transaction that adds it; the
        // pages add them up again when they read the rating.
        let earlier = repo::credit::objections_of(&txn, std::slice::from_ref(&rating.id))
            .await?
            .into_iter()
            .filter(|o| o.state == ObjectionState::Accepted.as_str())
            .filter_map(|o| o.scored_after.map(|a| Points(a - o.scored_before)));
        let (total, grade) = adjusted(
            &system,
            Points(rating.base + rating.deductions + rating.bonuses),
            earlier.chain([Points(c.0 - found.scored_before)]),
        );
        decided.scored_after = Some(c.0);
        decided.total_after = Some(total.0);
        decided.grade_code_after = grade.as_ref().map(|g| g.0.clone());
        decided.grade_name_after = grade.map(|g| g.1);
    }
    if !repo::credit::decide_objection(&txn, decided.clone()).await? {
        return Err(AppError::field("decision", "该异议已处理"));
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "credit.objection_decide",
        Some(("credit_objection", &found.id)),
        Outcome::Ok,
        json!({
            "decision": ObjectionState::parse(&decided.state).map_or("—", ObjectionState::label),
            "code": found.code,
            "scored_before": Points(found.scored_before).to_string(),
            "scored_after": decided.scored_after.map(|p| Points(p).to_string()),
            "total_after": decided.total_after.map(|p| Points(p).to_string()),
            "grade": decided.grade_code_after,
        }),
    )
    .await?;
    txn.commit().await?;
    let name = agency_name(app, &found.agency_id).await?;
    Ok(objection_view(decided, name))
}

/// A grade on the public register.
#[derive(Debug, Clone, Serialize)]
pub struct PublicGrade {
    pub agency_id: String,
    pub year: i32,
    pub kind_label: String,
    pub system_version: i32,
    pub total: String,
    pub grade_code: String,
    pub grade_name: String,
}

/// The published grades of some agencies (after accepted objections), newest year first.
pub async fn public_grades(app: &App, agency_ids: &[String]) -> Result<Vec<PublicGrade>, AppError> {
    let db = &app.db().conn;
    let ratings = repo::credit::published_ratings(db, agency_ids).await?;
    let ids: Vec<String> = ratings.iter().map(|r| r.id.clone()).collect();
    let objections = repo::credit::objections_of(db, &ids).await?;
    let corrections = super::view::Corrections::of(app, &ratings, &objections).await?;
    Ok(ratings
        .into_iter()
        .map(|r| {
            let (total, code, name) = corrections.current(&r);
            PublicGrade {
                agency_id: r.agency_id,
                year: r.year,
                kind_label: SystemKind::parse(&r.kind)
                    .map_or("—", SystemKind::label)
                    .to_string(),
                system_version: r.system_version,
                total: Points(total).to_string(),
                grade_code: code.unwrap_or_default(),
                grade_name: name.unwrap_or_default(),
            }
        })
        .collect())
}
