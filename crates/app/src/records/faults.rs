//! 失控时段 and failed results awaiting their follow-up: opened when a submitted or re-judged
//! record fails at an instrument and parameter (or at the outlet), closed by the next record of the
//! same form type that passes there, cancelled when the record that opened it is voided, reopened
//! when the one that closed it is. Listed on the outlet, the record and in the scoped 失控与不合格
//! list; counted on the home page once past their follow-up deadline.

use super::reference::References;
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::{fault_period, record};
use emss_db::repo;
use emss_db::repo::calibration::ReadingKey;
use emss_db::repo::fault::{FaultFilter, Place, Status};
use emss_domain::fault::{FaultKey, FaultKind, Finding, due_at, findings, starts_at};
use emss_domain::form::definition::{FormDefinition, StartRule};
use emss_domain::form::evaluate::{Evaluation, Verdict};
use emss_domain::listing::{Page, PageRequest};
use emss_domain::time::format_datetime;
use emss_domain::{Actor, ErrorCode, Permission};
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::HashMap;

/// A record a period names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordLink {
    pub id: String,
    pub number: String,
}

/// A 失控时段 or a failed result awaiting its follow-up, as shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FaultPeriodView {
    pub id: String,
    /// `out_of_control` (失控: the data since `starts_at` are invalid) | `failed` (不合格待处理).
    pub kind: String,
    pub kind_label: String,
    /// `open` | `overdue` (open past `due_at`) | `closed` | `cancelled` (its record was voided).
    pub status: String,
    pub status_label: String,
    pub enterprise_id: String,
    pub enterprise_name: String,
    pub outlet_id: String,
    pub outlet_name: String,
    /// Empty for a result that judged the outlet, not one instrument.
    pub instrument_id: String,
    pub parameter: String,
    pub form_type: String,
    pub form_name: String,
    /// The failing verdicts in words.
    pub reason: String,
    pub opened_by: RecordLink,
    /// The check-in of the record that found it.
    pub found_at: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    /// `found` | `last_passing`.
    pub start_rule: String,
    pub start_rule_label: String,
    /// Where the start rule comes from, with its confidence.
    pub start_source: String,
    /// The follow-up deadline.
    pub due_at: DateTime<Utc>,
    pub closed_by: Option<RecordLink>,
    /// The check-in of the record that closed it.
    pub closed_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

impl FaultPeriodView {
    /// What it sits on: the parameter, or the outlet as a whole.
    pub fn place_label(&self) -> &str {
        if self.parameter.is_empty() {
            "整个排口"
        } else {
            &self.parameter
        }
    }

    pub fn found_label(&self) -> String {
        format_datetime(self.found_at)
    }

    pub fn starts_label(&self) -> String {
        format_datetime(self.starts_at)
    }

    pub fn due_label(&self) -> String {
        format_datetime(self.due_at)
    }

    pub fn closed_label(&self) -> String {
        self.closed_at.map(format_datetime).unwrap_or_default()
    }
}

/// Where a period's start comes from, as stored on it.
fn start_source(def: &FormDefinition, kind: FaultKind, rule: StartRule) -> String {
    match (kind, &def.out_of_control) {
        (FaultKind::Failed, _) => "不合格结果自发现时起，至下一次合格的同类记录止".to_string(),
        (FaultKind::OutOfControl, Some(r)) if r.start == rule => {
            format!("{}（{}）", r.source, r.confidence.label())
        }
        (FaultKind::OutOfControl, Some(r)) => format!(
            "{}（{}）；之前没有判定合格的校准，自发现时起",
            r.source,
            r.confidence.label()
        ),
        (FaultKind::OutOfControl, None) => "表单未规定失控时段起点，自发现时起".to_string(),
    }
}

/// What a stored record found at `key`.
fn finding_at(r: &record::Model, key: &FaultKey) -> Result<Option<Finding>, AppError> {
    let verdicts: Vec<Verdict> = serde_json::from_str(&r.verdicts).map_err(AppError::internal)?;
    let fields: Map<String, Value> = serde_json::from_str(&r.fields).map_err(AppError::internal)?;
    Ok(findings(&verdicts, &fields).remove(key))
}

/// When the last calibration before `found` passed at `key`: its reference, if that passed.
async fn last_passing(
    db: &impl ConnectionTrait,
    reference: Option<&str>,
    key: &FaultKey,
) -> Result<Option<DateTime<Utc>>, AppError> {
    let Some(id) = reference else {
        return Ok(None);
    };
    let Some(r) = repo::record::by_ids(db, &[id.to_string()]).await?.pop() else {
        return Ok(None);
    };
    Ok((finding_at(&r, key)? == Some(Finding::Passed)).then_some(r.check_in_at))
}

/// After a record's submission or re-judgement, in its transaction, at each place it judged:
/// where it failed, opens a period (closed at once by a later record that already passed there,
/// when this one was filed late), or widens the open one — 失控 when it finds that, back to this
/// finding when it came earlier; where it passed, closes the period found before it, and cancels
/// one it opened itself (a re-judgement that now passes). `references` name the calibration an
/// instrument and parameter was judged against; `actor` is None for the demo records EMSS files
/// itself.
pub(super) async fn after_judging(
    txn: &impl ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    found: &record::Model,
    def: &FormDefinition,
    evaluation: &Evaluation,
    references: &References,
) -> Result<(), AppError> {
    let now = app.now();
    for (key, finding) in findings(&evaluation.verdicts, &evaluation.fields) {
        let place = Place {
            outlet_id: found.outlet_id.clone(),
            form_code: found.form_code.clone(),
            instrument_id: key.instrument_id.clone(),
            parameter: key.parameter.clone(),
        };
        let open = repo::fault::open_at(txn, &place).await?;
        match (finding, open) {
            (Finding::Passed, Some(mut p)) if p.opened_by == found.id => {
                p.state = "cancelled".into();
                p.cancel_reason = Some(format!("记录 {} 复判后合格", found.number));
                p.updated_at = now;
                repo::fault::save(txn, p.clone()).await?;
                log(txn, app, actor, "fault.cancel", &p, &found.number).await?;
            }
            (Finding::Passed, Some(p)) if p.found_at < found.check_in_at => {
                close(txn, app, actor, p, found).await?;
            }
            (Finding::Passed, _) => {}
            (Finding::Failed { kind, reason }, Some(mut p)) => {
                let earlier_find = found.check_in_at < p.found_at;
                let worse = kind == FaultKind::OutOfControl && p.kind != kind.as_str();
                if !earlier_find && !worse {
                    continue;
                }
                if worse {
                    p.kind = kind.as_str().into();
                }
                if earlier_find {
                    p.opened_by = found.id.clone();
                    p.found_at = found.check_in_at;
                    p.due_at = due_at(def, found.check_in_at);
                }
                let now_kind = FaultKind::parse(&p.kind).unwrap_or(kind);
                let earlier =
                    last_passing(txn, references.record_id(&key).as_deref(), &key).await?;
                let (rule, at) = starts_at(def, now_kind, found.check_in_at, earlier);
                if at <= p.starts_at {
                    p.starts_at = at;
                    p.start_rule = rule.as_str().into();
                }
                let rule = StartRule::parse(&p.start_rule).unwrap_or_default();
                p.start_source = start_source(def, now_kind, rule);
                p.reason = format!(
                    "{}；记录 {} {}：{reason}",
                    p.reason,
                    found.number,
                    kind.label()
                );
                p.updated_at = now;
                repo::fault::save(txn, p.clone()).await?;
                log(txn, app, actor, "fault.widen", &p, &found.number).await?;
            }
            (Finding::Failed { kind, reason }, None) => {
                let earlier =
                    last_passing(txn, references.record_id(&key).as_deref(), &key).await?;
                let (rule, at) = starts_at(def, kind, found.check_in_at, earlier);
                let p = fault_period::Model {
                    id: emss_domain::ids::new_id(),
                    kind: kind.as_str().into(),
                    state: "open".into(),
                    agency_id: found.agency_id.clone(),
                    enterprise_id: found.enterprise_id.clone(),
                    district_code: found.district_code.clone(),
                    outlet_id: found.outlet_id.clone(),
                    instrument_id: key.instrument_id.clone(),
                    parameter: key.parameter.clone(),
                    form_code: found.form_code.clone(),
                    reason,
                    opened_by: found.id.clone(),
                    found_at: found.check_in_at,
                    starts_at: at,
                    start_rule: rule.as_str().into(),
                    start_source: start_source(def, kind, rule),
                    due_at: due_at(def, found.check_in_at),
                    closed_by: None,
                    closed_at: None,
                    cancel_reason: None,
                    created_at: now,
                    updated_at: now,
                };
                repo::fault::insert(txn, p.clone()).await?;
                log(txn, app, actor, "fault.open", &p, &found.number).await?;
                if let Some(next) = passed_after(txn, found, &key).await? {
                    close(txn, app, actor, p, &next).await?;
                }
            }
        }
    }
    Ok(())
}

/// Closes an open period at `by`, a record that passed after it was found.
async fn close(
    txn: &impl ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    mut p: fault_period::Model,
    by: &record::Model,
) -> Result<(), AppError> {
    p.state = "closed".into();
    p.closed_by = Some(by.id.clone());
    p.closed_at = Some(by.check_in_at);
    p.updated_at = app.now();
    repo::fault::save(txn, p.clone()).await?;
    log(txn, app, actor, "fault.close", &p, &by.number).await
}

/// The next live record after `found` that judged this instrument and parameter, when it passed
/// there: a failure filed late is already followed up. Found by the indexed calibration readings,
/// so only for places on an instrument.
async fn passed_after(
    txn: &impl ConnectionTrait,
    found: &record::Model,
    key: &FaultKey,
) -> Result<Option<record::Model>, AppError> {
    if key.instrument_id.is_empty() {
        return Ok(None);
    }
    let reading_key = ReadingKey {
        instrument_id: key.instrument_id.clone(),
        parameter: key.parameter.clone(),
        form_code: found.form_code.clone(),
    };
    let Some(next) =
        repo::calibration::next_after(txn, &reading_key, found.check_in_at, &found.id).await?
    else {
        return Ok(None);
    };
    let Some(r) = repo::record::by_ids(txn, std::slice::from_ref(&next.record_id))
        .await?
        .pop()
    else {
        return Ok(None);
    };
    Ok((finding_at(&r, key)? == Some(Finding::Passed)).then_some(r))
}

/// After a record is voided, in its transaction: the periods it opened are cancelled, those it
/// closed open again until another record passes there. A period opened at the same place since
/// is folded into the one that opens again (one open period per place).
pub(super) async fn after_void(
    txn: &impl ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    voided: &record::Model,
) -> Result<(), AppError> {
    let now = app.now();
    for mut p in repo::fault::of_record(txn, &voided.id).await? {
        let action = if p.opened_by == voided.id && p.state != "cancelled" {
            p.state = "cancelled".into();
            p.cancel_reason = Some(format!("发现记录 {} 已作废", voided.number));
            "fault.cancel"
        } else if p.closed_by.as_deref() == Some(voided.id.as_str()) && p.state == "closed" {
            let place = Place {
                outlet_id: p.outlet_id.clone(),
                form_code: p.form_code.clone(),
                instrument_id: p.instrument_id.clone(),
                parameter: p.parameter.clone(),
            };
            if let Some(mut later) = repo::fault::open_at(txn, &place).await? {
                later.state = "cancelled".into();
                later.cancel_reason = Some(format!(
                    "关闭记录 {} 已作废，并入更早发现的时段",
                    voided.number
                ));
                later.updated_at = now;
                repo::fault::save(txn, later.clone()).await?;
                log(txn, app, actor, "fault.cancel", &later, &voided.number).await?;
                if later.kind == FaultKind::OutOfControl.as_str() {
                    p.kind = later.kind.clone();
                }
                p.reason = format!("{}；{}", p.reason, later.reason);
            }
            p.state = "open".into();
            p.closed_by = None;
            p.closed_at = None;
            "fault.reopen"
        } else {
            continue;
        };
        p.updated_at = now;
        repo::fault::save(txn, p.clone()).await?;
        log(txn, app, actor, action, &p, &voided.number).await?;
    }
    Ok(())
}

async fn log(
    txn: &impl ConnectionTrait,
    app: &App,
    actor: Option<&Actor>,
    action: &str,
    p: &fault_period::Model,
    number: &str,
) -> Result<(), AppError> {
    audit::record(
        txn,
        app,
        actor,
        action,
        Some(("fault_period", &p.id)),
        Outcome::Ok,
        json!({"record": number, "kind": p.kind, "outlet_id": p.outlet_id,
            "instrument_id": p.instrument_id, "parameter": p.parameter,
            "starts_at": p.starts_at, "due_at": p.due_at}),
    )
    .await?;
    Ok(())
}

/// The list's filters as asked.
#[derive(Debug, Clone, Default)]
pub struct FaultQuery {
    pub outlet_id: Option<String>,
    pub enterprise_id: Option<String>,
    pub instrument_id: Option<String>,
    /// `out_of_control` | `failed`.
    pub kind: Option<String>,
    /// `open` | `overdue` | `closed` | `cancelled`.
    pub status: Option<String>,
}

/// 失控与不合格: the periods in the actor's scope, open ones first.
pub async fn list(
    app: &App,
    actor: &Actor,
    q: FaultQuery,
    page: PageRequest,
) -> Result<Page<FaultPeriodView>, AppError> {
    if !Permission::ViewRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::Forbidden));
    }
    let mut errors = FieldErrors::new();
    let status = match q.status.as_deref() {
        None | Some("") => None,
        Some("open") => Some(Status::Open),
        Some("overdue") => Some(Status::Overdue),
        Some("closed") => Some(Status::Closed),
        Some("cancelled") => Some(Status::Cancelled),
        Some(_) => {
            errors.add("status", "状态只能是 open、overdue、closed 或 cancelled");
            None
        }
    };
    let kind = q.kind.filter(|k| !k.is_empty());
    if let Some(k) = &kind {
        errors.check(
            "kind",
            FaultKind::parse(k)
                .is_none()
                .then_some("类型只能是 out_of_control 或 failed"),
        );
    }
    errors.into_result()?;
    let filter = FaultFilter {
        outlet_id: q.outlet_id.filter(|s| !s.is_empty()),
        enterprise_id: q.enterprise_id.filter(|s| !s.is_empty()),
        instrument_id: q.instrument_id.filter(|s| !s.is_empty()),
        kind,
        status,
    };
    let found = repo::fault::list(&app.db().conn, &actor.scope(), &filter, app.now(), page).await?;
    Ok(Page {
        items: views(app, found.items).await?,
        total: found.total,
        page: found.page,
        page_size: found.page_size,
    })
}

/// The periods a record opened or closed (the record is already in the actor's scope).
pub(super) async fn of_record(
    app: &App,
    record_id: &str,
) -> Result<Vec<FaultPeriodView>, AppError> {
    let rows = repo::fault::of_record(&app.db().conn, record_id).await?;
    views(app, rows).await
}

/// How many open periods in the actor's scope are past their deadline (a home-page to-do).
pub async fn overdue_count(app: &App, actor: &Actor) -> Result<u64, AppError> {
    if !Permission::ViewRecords.allows(Some(actor)) {
        return Ok(0);
    }
    Ok(repo::fault::count_overdue(&app.db().conn, &actor.scope(), app.now()).await?)
}

async fn views(
    app: &App,
    rows: Vec<fault_period::Model>,
) -> Result<Vec<FaultPeriodView>, AppError> {
    let db = &app.db().conn;
    let distinct = |f: &dyn Fn(&fault_period::Model) -> Option<String>| {
        let mut ids: Vec<String> = rows.iter().filter_map(f).collect();
        ids.sort();
        ids.dedup();
        ids
    };
    let orgs = repo::organization::names(db, &distinct(&|p| Some(p.enterprise_id.clone()))).await?;
    let outlets = repo::outlet::names(db, &distinct(&|p| Some(p.outlet_id.clone()))).await?;
    let mut record_ids = distinct(&|p| Some(p.opened_by.clone()));
    record_ids.extend(distinct(&|p| p.closed_by.clone()));
    let numbers: HashMap<String, String> = repo::record::by_ids(db, &record_ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect();
    let forms = crate::tasks::form_names(app).await?;
    let now = app.now();
    let name = |m: &HashMap<String, String>, k: &str| m.get(k).cloned().unwrap_or_default();
    let link = |id: String| RecordLink {
        number: name(&numbers, &id),
        id,
    };
    rows.into_iter()
        .map(|p| {
            let kind = FaultKind::parse(&p.kind).ok_or_else(|| {
                AppError::internal(format!("period {} has kind {}", p.id, p.kind))
            })?;
            let rule = StartRule::parse(&p.start_rule).unwrap_or_default();
            let (status, status_label) = match p.state.as_str() {
                "open" if p.due_at < now => ("overdue", "已逾期"),
                "open" => ("open", "待处理"),
                "closed" => ("closed", "已关闭"),
                _ => ("cancelled", "已撤销"),
            };
            Ok(FaultPeriodView {
                kind_label: kind.label().to_string(),
                status: status.to_string(),
                status_label: status_label.to_string(),
                enterprise_name: name(&orgs, &p.enterprise_id),
                outlet_name: name(&outlets, &p.outlet_id),
                form_name: name(&forms, &p.form_code),
                start_rule_label: rule.label().to_string(),
                opened_by: link(p.opened_by),
                closed_by: p.closed_by.map(link),
                id: p.id,
                kind: p.kind,
                enterprise_id: p.enterprise_id,
                outlet_id: p.outlet_id,
                instrument_id: p.instrument_id,
                parameter: p.parameter,
                form_type: p.form_code,
                reason: p.reason,
                found_at: p.found_at,
                starts_at: p.starts_at,
                start_rule: p.start_rule,
                start_source: p.start_source,
                due_at: p.due_at,
                closed_at: p.closed_at,
                cancel_reason: p.cancel_reason,
            })
        })
        .collect()
}
