//! 运维记录 (maintenance records, product.md §5–§7): the filer checks in at an outlet of a
//! running task and fills the form (a draft, kept on the server), submits it with check-out, work
//! photo and signature — the server then judges the whole form and raises the flags — the
//! enterprise confirms, the agency's reviewer (never the filer) approves or voids. Nothing but
//! draft → submitted → confirmed → approved | voided happens to a record.

mod confirm;
mod demo;
pub mod faults;
pub mod field;
mod reference;
mod review;
mod submit;

pub use confirm::{ConfirmInput, Confirmed, MAX_BATCH, PendingDay, confirm, pending_days};
pub(crate) use demo::{DemoPeople, load_demo};
pub use reference::ReferenceRef;
pub use review::{Acknowledgement, ReviewInput, ReviewResult, Reviewed, review};
pub use submit::{SubmitInput, Submitted, submit};

use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::idempotency::{self, Keyed};
use crate::{App, AppError};
use chrono::{DateTime, NaiveDate, Utc};
use emss_db::entity::{maintenance_task, record, record_flag, task_binding};
use emss_db::repo;
use emss_db::repo::record::RecordFilter;
use emss_domain::form::definition::FormDefinition;
use emss_domain::form::definition::Repeat;
use emss_domain::form::evaluate::{Errors, Evaluation, Input, Verdict, evaluate_partly};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::record::{
    Flag, FlagKind, Position, RecordState, position_problem, stamp_time_problem,
};
use emss_domain::task::TaskState;
use emss_domain::{Actor, ErrorCode, Permission};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The largest draft a phone may keep on the server (the fields as JSON).
pub const MAX_FIELDS_BYTES: usize = 256 * 1024;

/// Where and when the phone was, as it sends it.
#[derive(Debug, Clone, PartialEq)]
pub struct StampInput {
    /// The phone's time.
    pub at: DateTime<Utc>,
    /// For a stamp taken offline: when the phone sent it.
    pub sent_at: Option<DateTime<Utc>>,
    pub lat: f64,
    pub lon: f64,
    pub accuracy_m: f64,
}

impl StampInput {
    /// The position to store, or the message for the field.
    fn position(&self) -> Result<Position, &'static str> {
        let dec = |v: f64, places: u32| {
            Decimal::from_f64_retain(v)
                .map(|d| d.round_dp(places))
                .ok_or("位置数据无效，请重新定位")
        };
        let p = Position {
            lat: dec(self.lat, 7)?,
            lon: dec(self.lon, 7)?,
            accuracy_m: dec(self.accuracy_m, 1)?,
        };
        match position_problem(&p) {
            Some(problem) => Err(problem),
            None => Ok(p),
        }
    }
}

/// 签到: what starts a record.
#[derive(Debug, Clone)]
pub struct NewRecord {
    pub task_id: String,
    pub outlet_id: String,
    pub form_type: String,
    pub instrument_ids: Vec<String>,
    pub check_in: StampInput,
}

/// One end of the visit as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct VisitView {
    pub at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub server_at: DateTime<Utc>,
    pub lat: String,
    pub lon: String,
    pub accuracy_m: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FlagView {
    pub kind: String,
    pub label: String,
    pub reason: String,
}

/// A record as the lists show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordView {
    pub id: String,
    /// 运维编号.
    pub number: String,
    pub task_id: String,
    pub task_name: String,
    pub agency_id: String,
    pub agency_name: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub outlet_id: String,
    pub outlet_name: String,
    pub form_type: String,
    pub form_name: String,
    pub form_version: i32,
    pub instrument_ids: Vec<String>,
    pub state: String,
    pub state_label: String,
    pub filer_id: String,
    pub filer_name: String,
    pub visit_date: NaiveDate,
    pub check_in: VisitView,
    pub check_out: Option<VisitView>,
    /// A verdict failed.
    pub failed: bool,
    pub flags: Vec<FlagView>,
    pub occurrence_id: Option<String>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub confirmed_by_name: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub reviewed_by_name: Option<String>,
    pub reviewed_at: Option<DateTime<Utc>>,
    pub void_reason: Option<String>,
    /// The reviewer's acknowledgement of its failed or 失控 verdicts, given when approving.
    pub acknowledgement: Option<String>,
    pub version: i32,
    pub updated_at: DateTime<Utc>,
}

/// An image a record carries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EvidenceRef {
    pub id: String,
    /// `work_photo` | `signature` | `evidence_photo` | `confirm_photo` | `confirm_signature` |
    /// `review_signature` | `review_photo`.
    pub role: String,
    pub role_label: String,
    /// The form field an evidence photo fills.
    pub field_path: String,
    pub content_type: String,
}

/// A chosen instrument, named as the enterprise listed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InstrumentRef {
    pub id: String,
    pub label: String,
}

/// One line of a record's trail.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrailLine {
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor: String,
}

/// 记录详情.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordDetail {
    pub record: RecordView,
    /// As typed (draft) or as evaluated, computed values in (submitted).
    #[schema(value_type = Object)]
    pub fields: Value,
    /// Each judged verdict with its value, limit and source.
    #[schema(value_type = Vec<Object>)]
    pub verdicts: Vec<Verdict>,
    pub instruments: Vec<InstrumentRef>,
    pub evidence: Vec<EvidenceRef>,
    /// The outlet's position as filed, when it has one.
    pub outlet_lat: Option<String>,
    pub outlet_lon: Option<String>,
    pub trail: Vec<TrailLine>,
    /// What each chosen instrument's record registered at check-in (parameter, range, unit):
    /// the values the verdicts were judged with.
    pub registered: Vec<RegisteredInstrument>,
    /// The earlier calibration each instrument was last judged against (none: 首次校准).
    pub references: Vec<ReferenceRef>,
    /// Later judgements of the record, oldest first (its own verdicts stay as filed).
    pub rejudgements: Vec<RejudgementView>,
    /// The 失控时段 and failed results awaiting follow-up this record opened or closed.
    pub periods: Vec<faults::FaultPeriodView>,
}

/// An instrument's record in the version a record checked in against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RegisteredInstrument {
    pub instrument_id: String,
    pub version: i32,
    pub parameter: String,
    pub principle: Option<String>,
    pub range_lower: String,
    pub range_upper: String,
    pub unit: String,
}

impl RecordDetail {
    /// Whether any chosen instrument registers a principle (gaseous CEMS).
    pub fn any_principle(&self) -> bool {
        self.registered.iter().any(|i| i.principle.is_some())
    }
}

impl From<emss_db::entity::instrument_version::Model> for RegisteredInstrument {
    fn from(v: emss_db::entity::instrument_version::Model) -> Self {
        RegisteredInstrument {
            instrument_id: v.instrument_id,
            version: v.version,
            parameter: v.parameter,
            principle: v.principle,
            range_lower: v.range_lower,
            range_upper: v.range_upper,
            unit: v.unit,
        }
    }
}

impl RegisteredInstrument {
    /// The registered value a form field is bound to (`prefill = "instrument.<name>"`).
    pub fn value(&self, name: &str) -> Option<&str> {
        match name {
            "parameter" => Some(&self.parameter),
            "principle" => self.principle.as_deref(),
            "range_lower" => Some(&self.range_lower),
            "range_upper" => Some(&self.range_upper),
            "unit" => Some(&self.unit),
            _ => None,
        }
    }

    /// "0–200 mg/L".
    pub fn range_label(&self) -> String {
        format!("{}–{} {}", self.range_lower, self.range_upper, self.unit)
    }
}

impl RejudgementView {
    pub fn at_label(&self) -> String {
        emss_domain::time::format_datetime(self.at)
    }
}

/// 复判: the record judged again, with why and against what.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RejudgementView {
    pub at: DateTime<Utc>,
    pub reason: String,
    pub failed: bool,
    pub references: Vec<ReferenceRef>,
    #[schema(value_type = Vec<Object>)]
    pub verdicts: Vec<Verdict>,
}

pub(crate) fn role_label(role: &str) -> &'static str {
    match role {
        "work_photo" => "工作照",
        "signature" => "运维人员签名",
        "evidence_photo" => "现场照片",
        "confirm_photo" => "企业确认工作照",
        "confirm_signature" => "企业确认签名",
        "review_signature" => "审核人签名",
        "review_photo" => "审核人工作照",
        _ => "附件",
    }
}

fn action_label(action: &str) -> String {
    match action {
        "record.create" => "签到，开始填报",
        "record.update" => "保存草稿",
        "record.submit" => "结束签到并上传",
        "record.confirm" => "企业确认",
        "record.approve" => "审核通过",
        "record.void" => "作废",
        "record.rejudge" => "复判",
        other => other,
    }
    .to_string()
}

/// An instrument as the pages name it: parameter, maker, model and serial number.
pub(crate) fn instrument_label(i: &emss_db::entity::instrument::Model) -> String {
    format!("{} {} {}（{}）", i.parameter, i.maker, i.model, i.serial_no)
}

/// 运维编号: the visit day and the start of the record's id (`YW20261129-3A9713`).
pub(crate) fn number(visit_date: NaiveDate, id: &str) -> String {
    let head: String = id.chars().take(6).collect();
    format!("YW{}-{}", visit_date.format("%Y%m%d"), head.to_uppercase())
}

/// The rows of a record's flags, in the order raised.
pub(crate) fn flag_rows(
    record_id: &str,
    flags: &[Flag],
) -> Result<Vec<record_flag::Model>, AppError> {
    flags
        .iter()
        .enumerate()
        .map(|(i, f)| {
            Ok(record_flag::Model {
                record_id: record_id.to_string(),
                position: i32::try_from(i).map_err(AppError::internal)?,
                kind: f.kind.as_str().to_string(),
                reason: f.reason.clone(),
            })
        })
        .collect()
}

fn stored_state(m: &record::Model) -> Result<RecordState, AppError> {
    RecordState::parse(&m.state)
        .ok_or_else(|| AppError::internal(format!("record {} has state {}", m.id, m.state)))
}

/// The views of some records: names, forms and flags looked up once for all of them.
pub(crate) async fn views(
    app: &App,
    rows: Vec<record::Model>,
) -> Result<Vec<RecordView>, AppError> {
    let db = &app.db().conn;
    let ids: Vec<String> = rows.iter().map(|r| r.id.clone()).collect();
    let mut org_ids: Vec<String> = rows
        .iter()
        .flat_map(|r| [r.agency_id.clone(), r.enterprise_id.clone()])
        .collect();
    org_ids.sort();
    org_ids.dedup();
    let orgs = repo::organization::names(db, &org_ids).await?;
    let mut outlet_ids: Vec<String> = rows.iter().map(|r| r.outlet_id.clone()).collect();
    outlet_ids.sort();
    outlet_ids.dedup();
    let outlets = repo::outlet::names(db, &outlet_ids).await?;
    let mut task_ids: Vec<String> = rows.iter().map(|r| r.task_id.clone()).collect();
    task_ids.sort();
    task_ids.dedup();
    let tasks = repo::task::names(db, &task_ids).await?;
    let forms = crate::tasks::form_names(app).await?;
    let mut flags: HashMap<String, Vec<FlagView>> = HashMap::new();
    for f in repo::record::flags_of(db, &ids).await? {
        let label = FlagKind::parse(&f.kind).map_or("标记", FlagKind::label);
        flags.entry(f.record_id).or_default().push(FlagView {
            label: label.to_string(),
            kind: f.kind,
            reason: f.reason,
        });
    }
    rows.into_iter()
        .map(|r| {
            let state = stored_state(&r)?;
            let name = |m: &HashMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
            let check_out = match (&r.check_out_at, &r.check_out_server_at) {
                (Some(at), Some(server_at)) => Some(VisitView {
                    at: *at,
                    sent_at: r.check_out_sent_at,
                    server_at: *server_at,
                    lat: r.check_out_lat.clone().unwrap_or_default(),
                    lon: r.check_out_lon.clone().unwrap_or_default(),
                    accuracy_m: r.check_out_accuracy_m.clone().unwrap_or_default(),
                }),
                _ => None,
            };
            Ok(RecordView {
                number: r.number.clone(),
                task_name: name(&tasks, &r.task_id),
                agency_name: name(&orgs, &r.agency_id),
                enterprise_name: name(&orgs, &r.enterprise_id),
                outlet_name: name(&outlets, &r.outlet_id),
                form_name: name(&forms, &r.form_code),
                instrument_ids: serde_json::from_str(&r.instrument_ids)
                    .map_err(AppError::internal)?,
                state_label: state.label().to_string(),
                flags: flags.remove(&r.id).unwrap_or_default(),
                check_in: VisitView {
                    at: r.check_in_at,
                    sent_at: r.check_in_sent_at,
                    server_at: r.check_in_server_at,
                    lat: r.check_in_lat.clone(),
                    lon: r.check_in_lon.clone(),
                    accuracy_m: r.check_in_accuracy_m.clone(),
                },
                check_out,
                id: r.id,
                task_id: r.task_id,
                agency_id: r.agency_id,
                enterprise_id: r.enterprise_id,
                outlet_id: r.outlet_id,
                form_type: r.form_code,
                form_version: r.form_version,
                state: r.state,
                filer_id: r.filer_id,
                filer_name: r.filer_name,
                visit_date: r.visit_date,
                failed: r.failed,
                occurrence_id: r.occurrence_id,
                submitted_at: r.submitted_at,
                confirmed_by_name: r.confirmed_by_name,
                confirmed_at: r.confirmed_at,
                reviewed_by_name: r.reviewed_by_name,
                reviewed_at: r.reviewed_at,
                void_reason: r.void_reason,
                acknowledgement: r.acknowledgement,
                version: r.version,
                updated_at: r.updated_at,
            })
        })
        .collect()
}

pub(crate) async fn view(app: &App, row: record::Model) -> Result<RecordView, AppError> {
    views(app, vec![row])
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a record's view went missing"))
}

/// A record the actor may see; 404 otherwise.
pub(crate) async fn visible(app: &App, actor: &Actor, id: &str) -> Result<record::Model, AppError> {
    if !Permission::ViewRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    repo::record::get(&app.db().conn, &actor.scope(), &actor.account_id, id)
        .await?
        .ok_or(AppError::new(ErrorCode::NotFound))
}

/// The filer's own draft; 404 for anyone else's record, a message on `state` once submitted.
async fn own_draft(app: &App, actor: &Actor, id: &str) -> Result<record::Model, AppError> {
    if !Permission::FileRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let found = visible(app, actor, id).await?;
    if found.filer_id != actor.account_id {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    if stored_state(&found)? != RecordState::Draft {
        return Err(AppError::field("state", "记录已提交，不能再修改"));
    }
    Ok(found)
}

/// Checks the record is the actor's own draft (uploads for it are the filer's alone).
pub async fn draft_of(app: &App, actor: &Actor, id: &str) -> Result<(), AppError> {
    own_draft(app, actor, id).await.map(|_| ())
}

/// The running task a filer may file under, with what it binds; the field message otherwise.
async fn filing_task(
    app: &App,
    actor: &Actor,
    task_id: &str,
) -> Result<(maintenance_task::Model, Vec<task_binding::Model>), AppError> {
    let db = &app.db().conn;
    let task = repo::task::get(db, &actor.scope(), task_id)
        .await?
        .ok_or_else(|| AppError::field("task_id", "任务不存在"))?;
    let today = emss_domain::time::shanghai_date(app.now());
    let state = TaskState::parse(&task.state)
        .map(|s| s.on(task.end_date, today))
        .unwrap_or(TaskState::Draft);
    if state != TaskState::InProgress || today < task.start_date {
        return Err(AppError::field("task_id", "该任务不在执行中，不能填报"));
    }
    let staff = repo::agency_resources::staff_by_account(db, &actor.account_id).await?;
    let bound = repo::task::bindings(db, &task.id).await?;
    let on_task = staff.is_some_and(|s| {
        !s.resigned && bound.iter().any(|b| b.kind == "staff" && b.ref_id == s.id)
    });
    if !on_task {
        return Err(AppError::field(
            "task_id",
            "您不是该任务的运维人员，不能填报",
        ));
    }
    Ok((task, bound))
}

/// 签到: starts a record at an outlet of a running task. The position is required and judged;
/// the form type must be of the outlet's kind and the instruments the outlet's own.
pub async fn create(
    app: &App,
    actor: &Actor,
    input: NewRecord,
    keyed: Option<&Keyed>,
) -> Result<RecordView, AppError> {
    if !Permission::FileRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    idempotency::once(app, actor, keyed, || create_once(app, actor, input, keyed)).await
}

async fn create_once(
    app: &App,
    actor: &Actor,
    input: NewRecord,
    keyed: Option<&Keyed>,
) -> Result<RecordView, AppError> {
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let position = input.check_in.position();
    if let Err(problem) = position {
        errors.add("check_in", problem);
    }
    errors.check("check_in", stamp_time_problem(input.check_in.at, app.now()));
    let (task, bound) = filing_task(app, actor, &input.task_id).await?;
    let outlet = if bound
        .iter()
        .any(|b| b.kind == "outlet" && b.ref_id == input.outlet_id)
    {
        repo::outlet::by_ids(db, std::slice::from_ref(&input.outlet_id))
            .await?
            .pop()
    } else {
        None
    };
    let Some(outlet) = outlet else {
        errors.add("outlet_id", "该排口不是本任务的运维点位");
        return Err(errors.into_error());
    };
    let def = match app.form_type(input.form_type.trim(), None).await {
        Ok(def) if def.outlet_kind.as_str() == outlet.kind => Some(def),
        Ok(_) => {
            errors.add("form_type", "该表单类型不适用于此类排口");
            None
        }
        Err(_) => {
            errors.add("form_type", "没有这种表单类型");
            None
        }
    };
    let instruments = repo::outlet::instruments(db, &outlet.id).await?;
    let mut chosen: Vec<String> = Vec::new();
    // The version of each instrument's record now: the record is judged with what it registers.
    let mut versions: std::collections::BTreeMap<String, i32> = Default::default();
    for id in &input.instrument_ids {
        match instruments.iter().find(|i| &i.id == id) {
            None => errors.add("instrument_ids", "只能选择该排口登记的监测仪器"),
            Some(i) if !chosen.contains(id) => {
                chosen.push(id.clone());
                versions.insert(id.clone(), i.version);
            }
            Some(_) => {}
        }
    }
    let per_instrument = def
        .as_ref()
        .is_some_and(|d| d.sections.iter().any(|s| s.repeat == Repeat::PerInstrument));
    if per_instrument && chosen.is_empty() {
        errors.add("instrument_ids", "请选择至少一台监测仪器");
    }
    errors.into_result()?;
    let (Some(def), Ok(position)) = (def, position) else {
        return Err(AppError::internal(
            "a checked record lost its form or position",
        ));
    };
    let enterprise = repo::organization::find(db, &task.enterprise_id)
        .await?
        .ok_or_else(|| AppError::internal("a task's enterprise is missing"))?;
    let now = app.now();
    let visit_date = emss_domain::time::shanghai_date(input.check_in.at);
    let id = emss_domain::ids::new_id();
    let model = record::Model {
        number: number(visit_date, &id),
        id,
        task_id: task.id.clone(),
        agency_id: task.agency_id.clone(),
        enterprise_id: task.enterprise_id.clone(),
        district_code: enterprise.district_code.unwrap_or_default(),
        outlet_id: outlet.id.clone(),
        form_code: def.code.clone(),
        form_version: i32::try_from(def.version).map_err(AppError::internal)?,
        instrument_ids: serde_json::to_string(&chosen).map_err(AppError::internal)?,
        instrument_versions: serde_json::to_string(&versions).map_err(AppError::internal)?,
        fields: "{}".to_string(),
        verdicts: "[]".to_string(),
        failed: false,
        flagged: false,
        state: RecordState::Draft.as_str().to_string(),
        filer_id: actor.account_id.clone(),
        filer_name: actor.name.clone(),
        visit_date,
        check_in_lat: position.lat.to_string(),
        check_in_lon: position.lon.to_string(),
        check_in_accuracy_m: position.accuracy_m.to_string(),
        check_in_at: input.check_in.at,
        check_in_sent_at: input.check_in.sent_at,
        check_in_server_at: now,
        check_out_lat: None,
        check_out_lon: None,
        check_out_accuracy_m: None,
        check_out_at: None,
        check_out_sent_at: None,
        check_out_server_at: None,
        occurrence_id: None,
        submitted_at: None,
        confirmed_by: None,
        confirmed_by_name: None,
        confirmed_at: None,
        reviewed_by: None,
        reviewed_by_name: None,
        reviewed_at: None,
        void_reason: None,
        acknowledgement: None,
        version: 1,
        created_at: now,
        updated_at: now,
    };
    // The answer is built first: inside a write transaction every query must go through the
    // transaction, or concurrent writers could hold every pooled connection while they wait.
    let answer = view(app, model.clone()).await?;
    let txn = app.db().begin_write().await?;
    repo::record::insert(&txn, model.clone()).await?;
    audit::record(
        &txn,
        app,
        Some(actor),
        "record.create",
        Some(("record", &model.id)),
        Outcome::Ok,
        json!({"task_id": model.task_id, "outlet_id": model.outlet_id,
            "form_type": model.form_code, "lat": model.check_in_lat, "lon": model.check_in_lon,
            "accuracy_m": model.check_in_accuracy_m, "phone_at": model.check_in_at}),
    )
    .await?;
    idempotency::keep(&txn, app, actor, keyed, &answer).await?;
    txn.commit().await?;
    Ok(answer)
}

/// 保存: keeps a draft's fields as typed. Nothing is judged here; a half-filled form is fine.
pub async fn save_draft(
    app: &App,
    actor: &Actor,
    id: &str,
    fields: Value,
) -> Result<RecordView, AppError> {
    let mut found = own_draft(app, actor, id).await?;
    if !fields.is_object() {
        return Err(AppError::field("fields", "表单内容须为对象"));
    }
    let text = serde_json::to_string(&fields).map_err(AppError::internal)?;
    if text.len() > MAX_FIELDS_BYTES {
        return Err(AppError::field("fields", "表单内容过大"));
    }
    let version = found.version;
    found.fields = text;
    found.version += 1;
    found.updated_at = app.now();
    let txn = app.db().begin_write().await?;
    if !repo::record::save(&txn, found.clone(), version).await? {
        return Err(AppError::field("version", "记录已被修改，请刷新后再保存"));
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "record.update",
        Some(("record", &found.id)),
        Outcome::Ok,
        json!({"version": found.version}),
    )
    .await?;
    txn.commit().await?;
    view(app, found).await
}

/// 检查填写 of the filer's own draft: the fields checked as its submission will check them,
/// with the instruments' registered values and the reference calibration. Nothing is saved.
pub async fn check_draft(
    app: &App,
    actor: &Actor,
    id: &str,
    form_code: &str,
    fields: &Value,
) -> Result<(Arc<FormDefinition>, Evaluation, Errors), AppError> {
    let found = own_draft(app, actor, id).await?;
    if found.form_code != form_code {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    let db = &app.db().conn;
    let version = u32::try_from(found.form_version).map_err(AppError::internal)?;
    let def = app.form_type(&found.form_code, Some(version)).await?;
    let chosen: Vec<String> =
        serde_json::from_str(&found.instrument_ids).map_err(AppError::internal)?;
    let versions = reference::versions_of(db, &found).await?;
    let (registered, _) = reference::registered(db, &versions).await?;
    let refs = reference::references(db, &def, &registered, &found.id, found.check_in_at).await?;
    let facts = reference::facts(db, &def, &found).await?;
    let (evaluation, errors) = evaluate_partly(
        &def,
        &Input {
            fields,
            instrument_ids: Some(&chosen),
            previous: &refs,
            registered: Some(&registered),
            standards: Some(&facts.standards),
            emission_limits: Some(&facts.emission_limits),
        },
    );
    Ok((def, evaluation, errors))
}

/// The standard materials the filer's agency registered, offered on the filer's own draft.
pub async fn draft_standards(
    app: &App,
    actor: &Actor,
    id: &str,
) -> Result<Vec<crate::agency_resources::StandardMaterialView>, AppError> {
    let found = own_draft(app, actor, id).await?;
    crate::agency_resources::standard_materials_of(app, &found.agency_id).await
}

/// 记录详情 for whoever may see the record.
pub async fn detail(app: &App, actor: &Actor, id: &str) -> Result<RecordDetail, AppError> {
    let found = visible(app, actor, id).await?;
    let db = &app.db().conn;
    let fields: Value = serde_json::from_str(&found.fields).map_err(AppError::internal)?;
    let verdicts: Vec<Verdict> =
        serde_json::from_str(&found.verdicts).map_err(AppError::internal)?;
    let chosen: Vec<String> =
        serde_json::from_str(&found.instrument_ids).map_err(AppError::internal)?;
    let listed = repo::outlet::instruments(db, &found.outlet_id).await?;
    let instruments = chosen
        .iter()
        .map(|id| InstrumentRef {
            id: id.clone(),
            label: listed
                .iter()
                .find(|i| &i.id == id)
                .map(instrument_label)
                .unwrap_or_else(|| "已删除的仪器".to_string()),
        })
        .collect();
    let evidence = repo::record::evidence_of(db, &found.id)
        .await?
        .into_iter()
        .map(|(link, image)| EvidenceRef {
            id: image.id,
            role_label: role_label(&link.role).to_string(),
            role: link.role,
            field_path: link.field_path,
            content_type: image.content_type,
        })
        .collect();
    let outlet = repo::outlet::by_ids(db, std::slice::from_ref(&found.outlet_id))
        .await?
        .pop();
    let (outlet_lat, outlet_lon) = match outlet {
        Some(o) if !o.latitude.is_empty() && !o.longitude.is_empty() => {
            (Some(o.latitude), Some(o.longitude))
        }
        _ => (None, None),
    };
    let trail = audit::record_trail(app, &found.id)
        .await?
        .into_iter()
        .map(|e| TrailLine {
            at: e.row.at,
            action: action_label(&e.row.action),
            actor: e.actor,
        })
        .collect();
    let versions = reference::versions_of(db, &found).await?;
    let (_, mut listed_versions) = reference::registered(db, &versions).await?;
    let registered = chosen
        .iter()
        .filter_map(|id| {
            let at = listed_versions
                .iter()
                .position(|v| &v.instrument_id == id)?;
            Some(listed_versions.swap_remove(at))
        })
        .collect();
    let references = reference::stored_references(app, &found).await?;
    let rejudgements = repo::calibration::rejudgements_of(db, &found.id)
        .await?
        .into_iter()
        .map(|j| {
            Ok(RejudgementView {
                at: j.created_at,
                reason: j.reason,
                failed: j.failed,
                references: serde_json::from_str(&j.references).map_err(AppError::internal)?,
                verdicts: serde_json::from_str(&j.verdicts).map_err(AppError::internal)?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let periods = faults::of_record(app, &found.id).await?;
    Ok(RecordDetail {
        registered,
        references,
        rejudgements,
        periods,
        record: view(app, found).await?,
        fields,
        verdicts,
        instruments,
        evidence,
        outlet_lat,
        outlet_lon,
        trail,
    })
}

/// How many records `list` finds with this filter.
async fn count(app: &App, actor: &Actor, filter: RecordFilter) -> Result<u64, AppError> {
    Ok(list(app, actor, filter, PageRequest::new(Some(1), Some(1)))
        .await?
        .total)
}

/// The record to-dos of the home page: (label, count, where it leads), each counted exactly as
/// the list it leads to.
pub async fn todos(
    app: &App,
    actor: &Actor,
) -> Result<Vec<(&'static str, u64, &'static str)>, AppError> {
    let in_state = |s: RecordState| RecordFilter {
        state: Some(s.as_str().to_string()),
        ..RecordFilter::default()
    };
    let mut out = Vec::new();
    if Permission::ReviewRecords.allows(Some(actor)) {
        let n = count(app, actor, in_state(RecordState::Confirmed)).await?;
        out.push(("待审核记录", n, "/records?state=confirmed"));
    }
    if Permission::ConfirmRecords.allows(Some(actor)) {
        let n = count(app, actor, in_state(RecordState::Submitted)).await?;
        out.push(("待确认记录", n, "/records?state=submitted"));
    }
    if Permission::FileRecords.allows(Some(actor)) {
        let n = count(app, actor, in_state(RecordState::Draft)).await?;
        out.push(("未上传的草稿", n, "/records?state=draft"));
    }
    if actor.org_kind.is_regulator() && Permission::ViewRecords.allows(Some(actor)) {
        let failed = RecordFilter {
            failed: Some(true),
            ..RecordFilter::default()
        };
        let n = count(app, actor, failed).await?;
        out.push(("判定不合格记录", n, "/records?verdict=fail"));
    }
    Ok(out)
}

/// The records in scope, the latest visit first.
pub async fn list(
    app: &App,
    actor: &Actor,
    filter: RecordFilter,
    page: PageRequest,
) -> Result<Page<RecordView>, AppError> {
    if !Permission::ViewRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let mut errors = FieldErrors::new();
    if let Some(s) = &filter.state {
        errors.check(
            "state",
            RecordState::parse(s)
                .is_none()
                .then_some("状态只能是 draft、submitted、confirmed、approved 或 voided"),
        );
    }
    if let Some(kind) = &filter.flag {
        errors.check(
            "flag",
            FlagKind::parse(kind).is_none().then_some("没有这种标记"),
        );
    }
    errors.into_result()?;
    let found = repo::record::list(
        &app.db().conn,
        &actor.scope(),
        &actor.account_id,
        &filter,
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
