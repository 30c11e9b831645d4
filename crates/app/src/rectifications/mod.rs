//! 整改单管理 (rectification orders): a regulator drafts an order to an agency (or a
//! self-maintaining enterprise) from a record's flags or from scratch and issues it; the agency
//! signs for it (签收) and answers (提交整改) with what it did per problem, photos and documents
//! and its new records; the issuing regulator accepts it (销号) or sends it back (退回). Each
//! step is audited on the order, which is its trail (查看留痕).

mod attachments;
mod check;
mod demo;
mod extension;
pub mod suggestions;

pub use attachments::{OrderAttachmentView, attachment_file, may_upload, upload_attachment};
pub(crate) use check::occurrence_text;
pub use check::{ProblemInput, RectificationInput, ResponseInput, ResponseProblem};
pub(crate) use demo::{DemoParties, load_demo};
pub use extension::{ExtensionView, decide_extension, request_extension};

use crate::audit::{self, Outcome};
use crate::idempotency::{self, Keyed};
use crate::{App, AppError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use emss_db::entity::{rectification, rectification_problem};
use emss_db::repo;
use emss_db::repo::rectification::{RectificationFilter, Viewer};
use emss_domain::audit::action_label;
use emss_domain::listing::{Page, PageRequest};
use emss_domain::rectification::{
    ProblemSource, RectificationState, RectificationStep, days_late, deadline_problem, is_overdue,
    number,
};
use emss_domain::{Actor, ErrorCode, OrgKind, Permission};
use serde::{Deserialize, Serialize};
use serde_json::json;
use std::collections::HashMap;

/// An order as lists and its page show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RectificationView {
    pub id: String,
    /// Given when issued (浦东新区整改〔2026〕3号); empty for a draft.
    pub number: String,
    pub title: String,
    /// 整改依据.
    pub basis: String,
    /// 整改期限, inclusive.
    pub deadline: NaiveDate,
    /// `draft` | `issued` | `in_progress` | `submitted` | `closed`.
    pub state: String,
    pub state_label: String,
    /// Waiting for the answer past the deadline (逾期).
    pub overdue: bool,
    /// Days after the deadline the latest answer came (0: in time); none before an answer.
    pub days_late: Option<i32>,
    /// How many times the answer was sent back.
    pub returns: i32,
    pub return_reason: Option<String>,
    pub issuer_org_id: String,
    pub issuer_name: String,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub district_code: String,
    pub created_at: DateTime<Utc>,
    pub issued_at: Option<DateTime<Utc>>,
    pub issued_by_name: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    pub signed_by_name: Option<String>,
    /// 整改情况 as a whole.
    pub response: Option<String>,
    pub responded_at: Option<DateTime<Utc>>,
    pub responded_by_name: Option<String>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by_name: Option<String>,
    pub closing_comment: Option<String>,
    /// An extension request (延期申请) waits for the regulator.
    pub extension_pending: bool,
    pub version: i32,
}

impl RectificationView {
    /// The number, or what a draft shows in its place.
    pub fn number_label(&self) -> &str {
        if self.number.is_empty() {
            "下发时编号"
        } else {
            &self.number
        }
    }
}

/// A record an answer or a problem names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordRef {
    pub id: String,
    /// 运维编号.
    pub number: String,
}

/// A problem of an order and the agency's answer to it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ProblemView {
    pub id: String,
    /// `record` | `occurrence` | `finding` | `free`.
    pub source: String,
    pub source_label: String,
    /// The record or missed occurrence it is about; empty when written freely.
    pub source_id: String,
    /// How that source reads (a record's 运维编号 and outlet).
    pub source_text: String,
    pub description: String,
    /// 整改措施.
    pub measures: Option<String>,
    /// The agency's records that show the work.
    pub records: Vec<RecordRef>,
}

/// One line of the trail of an order or an inspection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderTrailLine {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor: String,
    /// What the step said: a reason, a comment, the number given.
    pub detail: String,
}

/// An order with its problems, files and trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RectificationDetail {
    #[serde(flatten)]
    pub order: RectificationView,
    pub problems: Vec<ProblemView>,
    pub attachments: Vec<OrderAttachmentView>,
    /// 延期申请, oldest first.
    pub extensions: Vec<ExtensionView>,
    pub trail: Vec<OrderTrailLine>,
}

/// What the caller may do with an order now (buttons on its page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Allowed {
    pub edit: bool,
    pub issue: bool,
    pub sign: bool,
    pub respond: bool,
    pub decide: bool,
    pub upload: bool,
    /// The agency may ask for a later deadline (none waiting).
    pub extend: bool,
    /// The issuing regulator may decide the waiting extension request.
    pub decide_extension: bool,
}

fn today(app: &App) -> NaiveDate {
    emss_domain::time::shanghai_date(app.now())
}

pub(crate) fn state_of(o: &rectification::Model) -> Result<RectificationState, AppError> {
    RectificationState::parse(&o.state)
        .ok_or_else(|| AppError::internal(format!("rectification {} has unknown state", o.id)))
}

/// An order the actor may see; 404 otherwise.
pub(crate) async fn visible(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<rectification::Model, AppError> {
    if !Permission::ViewRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    repo::rectification::get(&app.db().conn, &Viewer::of(actor), id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))
}

/// The issuing regulator's own order: others in scope read it but do not act on it.
fn issuer_only(actor: &Actor, o: &rectification::Model) -> Result<(), AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    if o.issuer_org_id != actor.org_id {
        return Err(AppError::field(
            "state",
            "只有下发该整改单的部门可以修改、下发、销号或退回",
        ));
    }
    Ok(())
}

/// The addressed agency's signers: its main account and task managers.
fn addressee_only(actor: &Actor, o: &rectification::Model) -> Result<(), AppError> {
    if !Permission::RespondRectifications.allows(Some(actor)) || o.agency_id != actor.org_id {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    Ok(())
}

fn step(o: &rectification::Model, s: RectificationStep) -> Result<RectificationState, AppError> {
    state_of(o)?
        .after(s)
        .map_err(|message| AppError::field("state", message))
}

fn conflict() -> AppError {
    AppError::field("state", "整改单刚被他人处理，请刷新后查看")
}

/// What the actor may do with the order now.
pub fn allowed(actor: &Actor, o: &RectificationView) -> Allowed {
    let state = RectificationState::parse(&o.state);
    let issuer =
        Permission::IssueRectifications.allows(Some(actor)) && o.issuer_org_id == actor.org_id;
    let addressee =
        Permission::RespondRectifications.allows(Some(actor)) && o.agency_id == actor.org_id;
    Allowed {
        edit: issuer && state == Some(RectificationState::Draft),
        issue: issuer && state == Some(RectificationState::Draft),
        sign: addressee && state == Some(RectificationState::Issued),
        respond: addressee && state == Some(RectificationState::InProgress),
        decide: issuer && state == Some(RectificationState::Submitted),
        upload: (issuer && state == Some(RectificationState::Draft))
            || (addressee && state == Some(RectificationState::InProgress)),
        extend: addressee
            && state.is_some_and(RectificationState::awaits_response)
            && !o.extension_pending,
        decide_extension: issuer && o.extension_pending,
    }
}

async fn views(
    app: &App,
    rows: Vec<rectification::Model>,
) -> Result<Vec<RectificationView>, AppError> {
    let db = &app.db().conn;
    let mut org_ids: Vec<String> = rows
        .iter()
        .flat_map(|o| {
            [
                o.issuer_org_id.clone(),
                o.agency_id.clone(),
                o.enterprise_id.clone(),
            ]
        })
        .collect();
    org_ids.sort();
    org_ids.dedup();
    let orgs = repo::organization::names(db, &org_ids).await?;
    let mut people: Vec<String> = rows
        .iter()
        .flat_map(|o| {
            [&o.issued_by, &o.signed_by, &o.responded_by, &o.closed_by]
                .into_iter()
                .flatten()
                .cloned()
        })
        .collect();
    people.sort();
    people.dedup();
    let accounts = repo::account::names(db, &people).await?;
    let ids: Vec<String> = rows.iter().map(|o| o.id.clone()).collect();
    let pending = repo::rectification::with_pending_extension(db, &ids).await?;
    let today = today(app);
    let org = |id: &str| orgs.get(id).cloned().unwrap_or_default();
    let person = |id: &Option<String>| {
        id.as_ref()
            .and_then(|id| accounts.get(id))
            .map(|(_, name)| name.clone())
    };
    rows.into_iter()
        .map(|o| {
            let state = state_of(&o)?;
            Ok(RectificationView {
                number: o.number.clone().unwrap_or_default(),
                state: state.as_str().to_string(),
                state_label: state.label().to_string(),
                overdue: is_overdue(state, o.deadline, today),
                issuer_name: org(&o.issuer_org_id),
                agency_name: org(&o.agency_id),
                enterprise_name: org(&o.enterprise_id),
                issued_by_name: person(&o.issued_by),
                signed_by_name: person(&o.signed_by),
                responded_by_name: person(&o.responded_by),
                closed_by_name: person(&o.closed_by),
                extension_pending: pending.contains(&o.id),
                id: o.id,
                title: o.title,
                basis: o.basis,
                deadline: o.deadline,
                days_late: o.days_late,
                returns: o.returns,
                return_reason: o.return_reason,
                issuer_org_id: o.issuer_org_id,
                agency_id: o.agency_id,
                enterprise_id: o.enterprise_id,
                district_code: o.district_code,
                created_at: o.created_at,
                issued_at: o.issued_at,
                signed_at: o.signed_at,
                response: o.response,
                responded_at: o.responded_at,
                closed_at: o.closed_at,
                closing_comment: o.closing_comment,
                version: o.version,
            })
        })
        .collect()
}

async fn view(app: &App, o: rectification::Model) -> Result<RectificationView, AppError> {
    views(app, vec![o])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("an order without its view"))
}

/// Orders in the caller's scope: open ones by their deadline, then the newest.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: RectificationFilter,
    page: PageRequest,
) -> Result<Page<RectificationView>, AppError> {
    if !Permission::ViewRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let found = repo::rectification::list(
        &app.db().conn,
        &Viewer::of(actor),
        &filter,
        today(app),
        page,
    )
    .await?;
    Ok(Page {
        items: views(app, found.items).await?,
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    })
}

/// How many orders in scope match (the home page's to-do counts).
pub async fn count(app: &App, actor: &Actor, filter: RectificationFilter) -> Result<u64, AppError> {
    if !Permission::ViewRectifications.allows(Some(actor)) {
        return Ok(0);
    }
    Ok(repo::rectification::count(&app.db().conn, &Viewer::of(actor), &filter, today(app)).await?)
}

/// The orders that name a record, in the caller's scope (shown on the record).
pub async fn naming(
    app: &App,
    actor: &Actor,
    source_id: &str,
) -> Result<Vec<RectificationView>, AppError> {
    if !Permission::ViewRectifications.allows(Some(actor)) {
        return Ok(Vec::new());
    }
    let rows = repo::rectification::naming(&app.db().conn, &Viewer::of(actor), source_id).await?;
    views(app, rows).await
}

/// 整改单详情 with problems, files and trail.
pub async fn detail(app: &App, actor: &Actor, id: &str) -> Result<RectificationDetail, AppError> {
    let found = visible(app, actor, id).await?;
    let db = &app.db().conn;
    let rows = repo::rectification::problems(db, &found.id).await?;
    let mut record_ids: Vec<String> = Vec::new();
    let mut linked: Vec<Vec<String>> = Vec::new();
    for p in &rows {
        let ids: Vec<String> = serde_json::from_str(&p.record_ids).map_err(AppError::internal)?;
        record_ids.extend(ids.iter().cloned());
        linked.push(ids);
    }
    let numbers: HashMap<String, String> = repo::record::by_ids(db, &record_ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect();
    let problems = rows
        .into_iter()
        .zip(linked)
        .map(|(p, ids)| ProblemView {
            source_label: ProblemSource::parse(&p.source)
                .map(|s| s.label())
                .unwrap_or_default()
                .to_string(),
            source: p.source,
            source_id: p.source_id,
            source_text: p.source_label,
            description: p.description,
            measures: p.measures,
            records: ids
                .into_iter()
                .filter_map(|id| {
                    let number = numbers.get(&id)?.clone();
                    Some(RecordRef { id, number })
                })
                .collect(),
            id: p.id,
        })
        .collect();
    let attachments = attachments::of_order(app, &found.id).await?;
    let extensions = extension::of_order(app, &found.id).await?;
    let trail = trail(app, "rectification", &found.id, trail_detail).await?;
    Ok(RectificationDetail {
        order: view(app, found).await?,
        problems,
        attachments,
        extensions,
        trail,
    })
}

/// The audit entries of an object as the lines of its trail (查看留痕), oldest first: people by
/// their names — a regulator reading the trail knows them, not their logins.
pub(crate) async fn trail(
    app: &App,
    object: &str,
    id: &str,
    detail: fn(&str, &str) -> String,
) -> Result<Vec<OrderTrailLine>, AppError> {
    let db = &app.db().conn;
    let entries = repo::audit::trail(db, object, id).await?;
    let actor_ids: Vec<String> = entries.iter().filter_map(|e| e.actor_id.clone()).collect();
    let actors = repo::account::names(db, &actor_ids).await?;
    Ok(entries
        .into_iter()
        .map(|e| OrderTrailLine {
            at: e.at,
            action: action_label(&e.action).to_string(),
            detail: detail(&e.action, &e.detail),
            actor: e
                .actor_id
                .as_ref()
                .and_then(|id| actors.get(id))
                .map(|(_, name)| name.clone())
                .unwrap_or_else(|| emss_domain::time::EMPTY.to_string()),
        })
        .collect())
}

/// The words of a trail entry's detail a person reads: the number given at issue, a reason, a
/// comment, a file's name, how late an answer came.
fn trail_detail(action: &str, detail: &str) -> String {
    let Ok(v) = serde_json::from_str::<serde_json::Value>(detail) else {
        return String::new();
    };
    let keys: &[&str] = if action == "rectification.issue" {
        &["number"]
    } else {
        &[
            "extension",
            "reason",
            "comment",
            "file_name",
            "days_late_label",
        ]
    };
    keys.iter()
        .filter_map(|k| v.get(*k).and_then(|x| x.as_str()).filter(|s| !s.is_empty()))
        .collect::<Vec<_>>()
        .join("；")
}

fn problem_rows(
    order_id: &str,
    problems: &[check::CheckedProblem],
) -> Vec<rectification_problem::Model> {
    problems
        .iter()
        .enumerate()
        .map(|(n, p)| rectification_problem::Model {
            id: emss_domain::ids::new_id(),
            rectification_id: order_id.to_string(),
            position: i32::try_from(n).unwrap_or(i32::MAX),
            source: p.source.as_str().to_string(),
            source_id: p.source_id.clone(),
            source_label: p.source_text.clone(),
            description: p.description.clone(),
            measures: None,
            record_ids: "[]".to_string(),
        })
        .collect()
}

/// The authority's name in an order's number: its district, or 上海市 for the city.
fn authority(app: &App, actor: &Actor) -> String {
    match (actor.org_kind, actor.district_code.as_deref()) {
        (OrgKind::DistrictRegulator, Some(code)) => {
            let name = app.districts().name(Some(code));
            if name.is_empty() {
                actor.org_name.clone()
            } else {
                name.to_string()
            }
        }
        _ => "上海市".to_string(),
    }
}

/// Gives an order its number and moves it to 已下发 in `txn`: the next in the authority's year;
/// two issued at once collide on the unique index, and the loser is retried by the caller.
async fn issue_in(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: &Actor,
    found: &rectification::Model,
) -> Result<Option<rectification::Model>, AppError> {
    let now = app.now();
    let year = today(app).year();
    let seq = repo::rectification::next_seq(txn, &found.issuer_org_id, year).await?;
    let issued = rectification::Model {
        number: Some(number(&authority(app, actor), year, seq)),
        year: Some(year),
        seq: Some(seq),
        state: RectificationState::Issued.as_str().to_string(),
        issued_by: Some(actor.account_id.clone()),
        issued_at: Some(now),
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    match repo::rectification::save(txn, issued.clone(), found.version).await {
        Ok(true) => Ok(Some(issued)),
        Ok(false) => Err(conflict()),
        Err(e) if AppError::from(e.clone()).code == ErrorCode::AlreadyExists => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Drafts an order (保存), or drafts and issues it at once (下发). With an Idempotency-Key a
/// retry gets the first answer.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: RectificationInput,
    issue: bool,
    keyed: Option<&Keyed>,
) -> Result<RectificationView, AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    idempotency::once(app, actor, keyed, || {
        create_once(app, actor, input, issue, keyed)
    })
    .await
}

async fn create_once(
    app: &App,
    actor: &Actor,
    input: RectificationInput,
    issue: bool,
    keyed: Option<&Keyed>,
) -> Result<RectificationView, AppError> {
    let c = check::check(app, actor, &input).await?;
    let now = app.now();
    let model = rectification::Model {
        id: emss_domain::ids::new_id(),
        number: None,
        year: None,
        seq: None,
        issuer_org_id: actor.org_id.clone(),
        agency_id: c.agency_id.clone(),
        enterprise_id: c.enterprise_id.clone(),
        district_code: c.district_code.clone(),
        title: c.title.clone(),
        basis: c.basis.clone(),
        deadline: c.deadline,
        state: RectificationState::Draft.as_str().to_string(),
        created_by: actor.account_id.clone(),
        issued_by: None,
        issued_at: None,
        signed_by: None,
        signed_at: None,
        response: None,
        responded_by: None,
        responded_at: None,
        days_late: None,
        returns: 0,
        return_reason: None,
        closed_by: None,
        closed_at: None,
        closing_comment: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    for _ in 0..5 {
        let txn = app.db().begin_write().await?;
        repo::rectification::insert(&txn, model.clone(), problem_rows(&model.id, &c.problems))
            .await?;
        audit::record(
            &txn,
            app,
            Some(actor),
            "rectification.create",
            Some(("rectification", &model.id)),
            Outcome::Ok,
            json!({"title": model.title, "problems": c.problems.len()}),
        )
        .await?;
        let saved = if issue {
            // Another order took the number: this transaction is dropped and tried again.
            let Some(issued) = issue_in(&txn, app, actor, &model).await? else {
                continue;
            };
            audit_issue(&txn, app, actor, &issued).await?;
            issued
        } else {
            model.clone()
        };
        let answer = view(app, saved).await?;
        idempotency::keep(&txn, app, actor, keyed, &answer).await?;
        txn.commit().await?;
        return Ok(answer);
    }
    Err(conflict())
}

async fn audit_issue(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    actor: &Actor,
    issued: &rectification::Model,
) -> Result<(), AppError> {
    audit::record(
        txn,
        app,
        Some(actor),
        "rectification.issue",
        Some(("rectification", &issued.id)),
        Outcome::Ok,
        json!({"number": issued.number, "deadline": issued.deadline.to_string()}),
    )
    .await?;
    Ok(())
}

/// Saves a draft again.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: &str,
    input: RectificationInput,
) -> Result<RectificationView, AppError> {
    let found = visible(app, actor, id).await?;
    issuer_only(actor, &found)?;
    if state_of(&found)? != RectificationState::Draft {
        return Err(AppError::field("state", "整改单已下发，不能再修改"));
    }
    let c = check::check(app, actor, &input).await?;
    let now = app.now();
    let model = rectification::Model {
        agency_id: c.agency_id.clone(),
        enterprise_id: c.enterprise_id.clone(),
        district_code: c.district_code.clone(),
        title: c.title.clone(),
        basis: c.basis.clone(),
        deadline: c.deadline,
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    let txn = app.db().begin_write().await?;
    if !repo::rectification::save(&txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    repo::rectification::replace_problems(&txn, &model.id, problem_rows(&model.id, &c.problems))
        .await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "rectification.update",
        Some(("rectification", &model.id)),
        Outcome::Ok,
        json!({"title": model.title, "problems": c.problems.len()}),
    )
    .await?;
    txn.commit().await?;
    view(app, model).await
}

/// 下发: gives the draft its number and sends it to the agency; the deadline must still lie
/// ahead.
pub async fn issue(app: &App, actor: &Actor, id: &str) -> Result<RectificationView, AppError> {
    let found = visible(app, actor, id).await?;
    issuer_only(actor, &found)?;
    step(&found, RectificationStep::Issue)?;
    if let Some(problem) = deadline_problem(found.deadline, today(app)) {
        return Err(AppError::field("deadline", problem));
    }
    if repo::rectification::problems(&app.db().conn, &found.id)
        .await?
        .is_empty()
    {
        return Err(AppError::field("problems", "请至少填写一个问题"));
    }
    for _ in 0..5 {
        let txn = app.db().begin_write().await?;
        let Some(issued) = issue_in(&txn, app, actor, &found).await? else {
            continue;
        };
        audit_issue(&txn, app, actor, &issued).await?;
        txn.commit().await?;
        return view(app, issued).await;
    }
    Err(conflict())
}

/// 签收: the agency's main account or a task manager signs for an issued order.
pub async fn sign(app: &App, actor: &Actor, id: &str) -> Result<RectificationView, AppError> {
    let found = visible(app, actor, id).await?;
    addressee_only(actor, &found)?;
    let next = step(&found, RectificationStep::Sign)?;
    let now = app.now();
    let model = rectification::Model {
        state: next.as_str().to_string(),
        signed_by: Some(actor.account_id.clone()),
        signed_at: Some(now),
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    let txn = app.db().begin_write().await?;
    if !repo::rectification::save(&txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "rectification.sign",
        Some(("rectification", &model.id)),
        Outcome::Ok,
        json!({"number": model.number}),
    )
    .await?;
    txn.commit().await?;
    view(app, model).await
}

/// 提交整改: what was done per problem, with the records that show it; a late answer is taken
/// and carries how many days late it came.
pub async fn respond(
    app: &App,
    actor: &Actor,
    id: &str,
    input: ResponseInput,
) -> Result<RectificationView, AppError> {
    let found = visible(app, actor, id).await?;
    addressee_only(actor, &found)?;
    let next = step(&found, RectificationStep::Respond)?;
    let problems = repo::rectification::problems(&app.db().conn, &found.id).await?;
    let answered = check::check_response(app, &found, &problems, &input).await?;
    let now = app.now();
    let late = days_late(found.deadline, today(app));
    let model = rectification::Model {
        state: next.as_str().to_string(),
        response: Some(answered.summary.clone()),
        responded_by: Some(actor.account_id.clone()),
        responded_at: Some(now),
        days_late: Some(i32::try_from(late).unwrap_or(i32::MAX)),
        version: found.version + 1,
        updated_at: now,
        ..found.clone()
    };
    let txn = app.db().begin_write().await?;
    if !repo::rectification::save(&txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    for p in answered.problems {
        repo::rectification::save_problem(&txn, p).await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "rectification.respond",
        Some(("rectification", &model.id)),
        Outcome::Ok,
        json!({
            "number": model.number,
            "days_late": late,
            "days_late_label": if late > 0 { format!("逾期 {late} 天提交") } else { String::new() },
        }),
    )
    .await?;
    txn.commit().await?;
    view(app, model).await
}

/// 销号 (accept) or 退回 (return, with reasons) an answered order.
pub async fn decide(
    app: &App,
    actor: &Actor,
    id: &str,
    accept: bool,
    comment: &str,
) -> Result<RectificationView, AppError> {
    let found = visible(app, actor, id).await?;
    issuer_only(actor, &found)?;
    let next = step(
        &found,
        if accept {
            RectificationStep::Accept
        } else {
            RectificationStep::Return
        },
    )?;
    let comment = comment.trim();
    if !accept && comment.is_empty() {
        return Err(AppError::field("comment", "请填写退回原因"));
    }
    if comment.chars().count() > 1000 {
        return Err(AppError::field("comment", "意见不能超过 1000 字"));
    }
    let now = app.now();
    let model = if accept {
        rectification::Model {
            state: next.as_str().to_string(),
            closed_by: Some(actor.account_id.clone()),
            closed_at: Some(now),
            closing_comment: Some(comment.to_string()).filter(|c| !c.is_empty()),
            version: found.version + 1,
            updated_at: now,
            ..found.clone()
        }
    } else {
        rectification::Model {
            state: next.as_str().to_string(),
            returns: found.returns + 1,
            return_reason: Some(comment.to_string()),
            version: found.version + 1,
            updated_at: now,
            ..found.clone()
        }
    };
    let txn = app.db().begin_write().await?;
    if !repo::rectification::save(&txn, model.clone(), found.version).await? {
        return Err(conflict());
    }
    let (action, key) = if accept {
        ("rectification.accept", "comment")
    } else {
        ("rectification.return", "reason")
    };
    audit::record(
        &txn,
        app,
        Some(actor),
        action,
        Some(("rectification", &model.id)),
        Outcome::Ok,
        json!({"number": model.number, key: comment}),
    )
    .await?;
    txn.commit().await?;
    view(app, model).await
}

/// A new order's fields, filled from a record the regulator is looking at: the agency, the
/// enterprise, and one problem per flag it carries (or one about the record to be described).
pub async fn prefill_from_record(
    app: &App,
    actor: &Actor,
    record_id: &str,
) -> Result<RectificationInput, AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let r = crate::records::detail(app, actor, record_id).await?.record;
    let mut problems: Vec<ProblemInput> = r
        .flags
        .iter()
        .map(|f| ProblemInput {
            source: ProblemSource::Record.as_str().to_string(),
            source_id: r.id.clone(),
            description: format!("{}：{}", f.label, f.reason),
        })
        .collect();
    if problems.is_empty() {
        problems.push(ProblemInput {
            source: ProblemSource::Record.as_str().to_string(),
            source_id: r.id.clone(),
            description: String::new(),
        });
    }
    Ok(RectificationInput {
        agency_id: r.agency_id,
        enterprise_id: r.enterprise_id,
        title: format!("{}运维问题整改", r.outlet_name),
        basis: String::new(),
        deadline: (today(app) + chrono::Duration::days(15)).to_string(),
        problems,
    })
}

/// The home page's counts: the agency's orders to sign or answer; the regulator's answers to
/// accept and orders past their deadline. Each leads to the list behind it.
pub async fn todos(
    app: &App,
    actor: &Actor,
) -> Result<Vec<(&'static str, u64, &'static str)>, AppError> {
    let mut out = Vec::new();
    if Permission::RespondRectifications.allows(Some(actor)) {
        let to_answer = RectificationFilter {
            to_answer: true,
            ..Default::default()
        };
        let n = count(app, actor, to_answer).await?;
        out.push(("待处理整改单", n, "/rectifications?tab=to_answer"));
    }
    if Permission::IssueRectifications.allows(Some(actor)) {
        let submitted = RectificationFilter {
            state: Some(RectificationState::Submitted.as_str().to_string()),
            ..Default::default()
        };
        let n = count(app, actor, submitted).await?;
        out.push(("待销号整改单", n, "/rectifications?tab=submitted"));
        let overdue = RectificationFilter {
            overdue: true,
            ..Default::default()
        };
        let n = count(app, actor, overdue).await?;
        out.push(("逾期整改单", n, "/rectifications?tab=overdue"));
        let extension = RectificationFilter {
            extension_pending: true,
            ..Default::default()
        };
        let n = count(app, actor, extension).await?;
        out.push(("待审核延期申请", n, "/rectifications?tab=extension"));
        // Suggestions go to the districts.
        if actor.org_kind == OrgKind::DistrictRegulator {
            let n = suggestions::count(app, actor).await?;
            out.push(("待处理整改建议", n, "/rectifications/suggestions"));
        }
    }
    Ok(out)
}

/// A new order's fields, filled from a missed occurrence (超期) on 运维管理: its agency and
/// enterprise, and the missed visit as the problem.
pub async fn prefill_from_occurrence(
    app: &App,
    actor: &Actor,
    occurrence_id: &str,
) -> Result<RectificationInput, AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let o = repo::rectification::occurrence_in_scope(&app.db().conn, &actor.scope(), occurrence_id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))?;
    let text = check::occurrence_text(app, &o).await?;
    Ok(RectificationInput {
        agency_id: o.agency_id.clone(),
        enterprise_id: o.enterprise_id.clone(),
        title: "超期未运维整改".to_string(),
        basis: String::new(),
        deadline: (today(app) + chrono::Duration::days(15)).to_string(),
        problems: vec![ProblemInput {
            source: ProblemSource::Occurrence.as_str().to_string(),
            source_id: o.id,
            description: format!("超期未运维：{text}，期内没有运维记录"),
        }],
    })
}

/// A new order filled from an inspection's findings, one problem each.
pub async fn prefill_from_inspection(
    app: &App,
    actor: &Actor,
    inspection_id: &str,
) -> Result<RectificationInput, AppError> {
    if !Permission::IssueRectifications.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let d = crate::inspections::detail(app, actor, inspection_id).await?;
    let i = d.inspection;
    Ok(RectificationInput {
        agency_id: i.agency_id,
        enterprise_id: i.enterprise_id,
        title: format!("{}{}问题整改", i.outlet_name, i.kind_label),
        basis: String::new(),
        deadline: (today(app) + chrono::Duration::days(15)).to_string(),
        problems: d
            .findings_list
            .into_iter()
            .map(|f| ProblemInput {
                source: ProblemSource::Finding.as_str().to_string(),
                source_id: f.id,
                description: f.description,
            })
            .collect(),
    })
}
