//! What a record is judged with besides what the filer typed: the instruments' records as they
//! stood at check-in (parameter, range, unit — they choose the limit and the full scale), and the
//! reference calibration ("上次校准后测试值"): the latest earlier *submitted*, not voided record
//! of the same form type, instrument and parameter, by check-in time. When a reference is later
//! voided, or an earlier calibration arrives late, the records judged against it are judged
//! again: a re-judgement is appended, the record's own verdicts stay as filed.

use super::RegisteredInstrument;
use crate::audit::{self, Outcome};
use crate::{App, AppError};
use chrono::{DateTime, Utc};
use emss_db::entity::{calibration_reading, record, rejudgement};
use emss_db::repo;
use emss_db::repo::calibration::ReadingKey;
use emss_domain::Actor;
use emss_domain::fault::FaultKey;
use emss_domain::form::definition::{FormDefinition, Kind, REGISTERED};
use emss_domain::form::evaluate::{
    Evaluation, Input, PreviousValues, Registered, Verdict, evaluate, typed_inputs,
};
use emss_domain::form::number::parse_decimal;
use emss_domain::form::standard::Standards;
use emss_domain::monitoring::EmissionLimits;
use emss_domain::record::{Flag, FlagKind};
use rust_decimal::Decimal;
use sea_orm::ConnectionTrait;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// Instrument id → the version of its record a record checked in against (ordered, so the
/// stored JSON reads the same every time).
pub(super) type Versions = BTreeMap<String, i32>;

/// The reference a record's section of one instrument is judged against.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReferenceRef {
    pub section: String,
    pub instrument_id: String,
    pub parameter: String,
    /// None: no earlier calibration exists (首次校准).
    pub record_id: Option<String>,
    pub number: Option<String>,
}

/// The references of a record, with their values, as `PreviousValues`.
pub(super) struct References {
    found: HashMap<(String, String), (String, String, Value)>,
    /// The form type reads nothing from a reference.
    inactive: bool,
}

impl PreviousValues for References {
    fn previous(
        &self,
        _form_code: &str,
        instrument_id: &str,
        parameter: &str,
        field: &str,
    ) -> Option<Decimal> {
        let (_, _, instance) = self
            .found
            .get(&(instrument_id.to_string(), parameter.to_string()))?;
        match instance.get(field)? {
            Value::String(s) => parse_decimal(s),
            Value::Number(n) => parse_decimal(&n.to_string()),
            _ => None,
        }
    }
}

impl References {
    /// The reference record of an instrument and parameter: (id, number).
    pub(super) fn of(&self, instrument_id: &str, parameter: &str) -> Option<(&str, &str)> {
        self.found
            .get(&(instrument_id.to_string(), parameter.to_string()))
            .map(|(id, number, _)| (id.as_str(), number.as_str()))
    }

    /// The id of the reference record at a place (none outside an instrument, or 首次校准).
    pub(super) fn record_id(&self, key: &FaultKey) -> Option<String> {
        self.of(&key.instrument_id, &key.parameter)
            .map(|(id, _)| id.to_string())
    }
}

/// A record's instrument versions: those it stored at check-in, the current one for any it has
/// none of (a draft begun before versions were kept).
pub(super) async fn versions_of(
    db: &impl ConnectionTrait,
    found: &record::Model,
) -> Result<Versions, AppError> {
    let mut versions: Versions =
        serde_json::from_str(&found.instrument_versions).map_err(AppError::internal)?;
    let chosen: Vec<String> =
        serde_json::from_str(&found.instrument_ids).map_err(AppError::internal)?;
    if chosen.iter().any(|id| !versions.contains_key(id)) {
        for i in repo::outlet::instruments(db, &found.outlet_id).await? {
            if chosen.contains(&i.id) {
                versions.entry(i.id).or_insert(i.version);
            }
        }
    }
    Ok(versions)
}

/// What the instruments' records registered in these versions.
pub(super) async fn registered(
    db: &impl ConnectionTrait,
    versions: &Versions,
) -> Result<(Registered, Vec<RegisteredInstrument>), AppError> {
    let wanted: Vec<(String, i32)> = versions.iter().map(|(k, v)| (k.clone(), *v)).collect();
    let rows: Vec<RegisteredInstrument> = repo::outlet::instrument_versions(db, &wanted)
        .await?
        .into_iter()
        .map(RegisteredInstrument::from)
        .collect();
    let registered = rows
        .iter()
        .map(|r| {
            let values = REGISTERED
                .iter()
                .filter_map(|name| r.value(name).map(|v| (name.to_string(), v.to_string())))
                .collect();
            (r.instrument_id.clone(), values)
        })
        .collect();
    Ok((registered, rows))
}

/// What a record is judged with besides its fields, its instruments and its references.
pub(super) struct Facts {
    /// The standard materials it may choose: its agency's registry, the day of its visit and
    /// the city's start date.
    pub standards: Standards,
    /// Its outlet's emission limits.
    pub emission_limits: EmissionLimits,
}

/// The facts of a record, each read only for form types that use it.
pub(super) async fn facts(
    db: &impl ConnectionTrait,
    def: &FormDefinition,
    found: &record::Model,
) -> Result<Facts, AppError> {
    let mut facts = Facts {
        standards: Standards {
            materials: HashMap::new(),
            used_on: found.visit_date,
            required_from: None,
        },
        emission_limits: EmissionLimits::new(),
    };
    if def
        .all_fields()
        .iter()
        .any(|(_, f)| f.kind == Kind::Standard)
    {
        facts.standards.required_from = crate::catalogue::standard_required_from(db).await?;
        for row in repo::standard_material::of_agency(db, &found.agency_id).await? {
            if let Some(m) = crate::agency_resources::material(&row) {
                facts.standards.materials.insert(m.id.clone(), m);
            }
        }
    }
    if def.limits.iter().any(|l| {
        l.applies_below
            .as_ref()
            .is_some_and(|a| a.emission_limit.is_some())
    }) {
        facts.emission_limits = crate::outlets::emission_limits_of(db, &found.outlet_id).await?;
    }
    Ok(facts)
}

/// Whether a form type reads anything from a reference record.
pub(super) fn uses_references(def: &FormDefinition) -> bool {
    def.all_fields().iter().any(|(_, f)| f.previous.is_some())
}

/// The reference of each chosen instrument: the latest live reading before `check_in_at`.
pub(super) async fn references(
    db: &impl ConnectionTrait,
    def: &FormDefinition,
    registered: &Registered,
    record_id: &str,
    check_in_at: DateTime<Utc>,
) -> Result<References, AppError> {
    let mut found = HashMap::new();
    if !uses_references(def) {
        return Ok(References {
            found,
            inactive: true,
        });
    }
    for (instrument_id, values) in registered {
        let Some(parameter) = values.get("parameter") else {
            continue;
        };
        let key = ReadingKey {
            instrument_id: instrument_id.clone(),
            parameter: parameter.clone(),
            form_code: def.code.clone(),
        };
        if let Some((reading, number)) =
            repo::calibration::reference_before(db, &key, check_in_at, record_id).await?
        {
            let instance: Value =
                serde_json::from_str(&reading.instance).map_err(AppError::internal)?;
            found.insert(
                (instrument_id.clone(), parameter.clone()),
                (reading.record_id, number, instance),
            );
        }
    }
    Ok(References {
        found,
        inactive: false,
    })
}

/// The readings a record's evaluation leaves for later records: one per instance of a section
/// repeated per instrument.
pub(super) fn readings(
    found: &record::Model,
    fields: &Map<String, Value>,
    refs: &References,
) -> Vec<calibration_reading::Model> {
    let mut out = Vec::new();
    for (section, value) in fields {
        let Value::Array(instances) = value else {
            continue;
        };
        for instance in instances {
            let (Some(instrument_id), Some(parameter)) = (
                instance.get("instrument_id").and_then(Value::as_str),
                instance.get("parameter").and_then(Value::as_str),
            ) else {
                continue;
            };
            out.push(calibration_reading::Model {
                record_id: found.id.clone(),
                section: section.clone(),
                instrument_id: instrument_id.to_string(),
                parameter: parameter.to_string(),
                form_code: found.form_code.clone(),
                check_in_at: found.check_in_at,
                instance: instance.to_string(),
                reference_record_id: refs.of(instrument_id, parameter).map(|(id, _)| id.into()),
            });
        }
    }
    out
}

/// The references of a record's readings, as shown: only form types that read one.
pub(super) fn references_of(
    readings: &[calibration_reading::Model],
    refs: &References,
) -> Vec<ReferenceRef> {
    if refs.inactive {
        return Vec::new();
    }
    readings
        .iter()
        .map(|r| {
            let found = refs.of(&r.instrument_id, &r.parameter);
            ReferenceRef {
                section: r.section.clone(),
                instrument_id: r.instrument_id.clone(),
                parameter: r.parameter.clone(),
                record_id: found.map(|(id, _)| id.to_string()),
                number: found.map(|(_, n)| n.to_string()),
            }
        })
        .collect()
}

/// The references a submitted record is judged against now, for form types that read one.
pub(super) async fn stored_references(
    app: &App,
    found: &record::Model,
) -> Result<Vec<ReferenceRef>, AppError> {
    let db = &app.db().conn;
    let version = u32::try_from(found.form_version).map_err(AppError::internal)?;
    let def = app.form_type(&found.form_code, Some(version)).await?;
    if !uses_references(&def) {
        return Ok(Vec::new());
    }
    let readings = repo::calibration::readings_of(db, &found.id).await?;
    let ids: Vec<String> = readings
        .iter()
        .filter_map(|r| r.reference_record_id.clone())
        .collect();
    let numbers: HashMap<String, String> = repo::record::by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|r| (r.id, r.number))
        .collect();
    Ok(readings
        .into_iter()
        .map(|r| ReferenceRef {
            number: r
                .reference_record_id
                .as_ref()
                .and_then(|id| numbers.get(id).cloned()),
            record_id: r.reference_record_id,
            section: r.section,
            instrument_id: r.instrument_id,
            parameter: r.parameter,
        })
        .collect())
}

/// Judges a record's typed fields with its registered instruments and references.
pub(super) fn judge(
    def: &FormDefinition,
    fields: &Value,
    chosen: &[String],
    refs: &References,
    registered: &Registered,
    facts: &Facts,
) -> Result<Evaluation, emss_domain::form::Errors> {
    evaluate(
        def,
        &Input {
            fields,
            instrument_ids: Some(chosen),
            previous: refs,
            registered: Some(registered),
            standards: Some(&facts.standards),
            emission_limits: Some(&facts.emission_limits),
        },
    )
}

/// Why records are judged again.
pub(super) enum Cause<'a> {
    /// Their reference was voided.
    Voided(&'a record::Model),
    /// An earlier calibration was submitted after them.
    Late(&'a record::Model),
}

/// After `cause`, judges again each live record whose reference it changes: the records judged
/// against a voided one, or the record right after a late one. Runs inside the transaction that
/// voids or submits `cause`.
pub(super) async fn rejudge_after(
    txn: &impl ConnectionTrait,
    app: &App,
    actor: &Actor,
    cause: Cause<'_>,
) -> Result<(), AppError> {
    let affected: Vec<String> = match &cause {
        Cause::Voided(r) => repo::calibration::referencing(txn, std::slice::from_ref(&r.id))
            .await?
            .into_iter()
            .map(|reading| reading.record_id)
            .collect(),
        Cause::Late(r) => {
            let mut out = Vec::new();
            for reading in repo::calibration::readings_of(txn, &r.id).await? {
                let key = ReadingKey {
                    instrument_id: reading.instrument_id.clone(),
                    parameter: reading.parameter.clone(),
                    form_code: reading.form_code.clone(),
                };
                if let Some(next) =
                    repo::calibration::next_after(txn, &key, r.check_in_at, &r.id).await?
                    && next.reference_record_id.as_deref() != Some(r.id.as_str())
                {
                    out.push(next.record_id);
                }
            }
            out
        }
    };
    let mut done: Vec<String> = Vec::new();
    for id in affected {
        if done.contains(&id) {
            continue;
        }
        done.push(id.clone());
        let Some(found) = repo::record::by_ids(txn, std::slice::from_ref(&id))
            .await?
            .pop()
        else {
            continue;
        };
        rejudge(txn, app, actor, &found, &cause).await?;
    }
    Ok(())
}

async fn rejudge(
    txn: &impl ConnectionTrait,
    app: &App,
    actor: &Actor,
    found: &record::Model,
    cause: &Cause<'_>,
) -> Result<(), AppError> {
    let version = u32::try_from(found.form_version).map_err(AppError::internal)?;
    let def = app.form_type(&found.form_code, Some(version)).await?;
    if !uses_references(&def) {
        return Ok(());
    }
    let stored: Map<String, Value> =
        serde_json::from_str(&found.fields).map_err(AppError::internal)?;
    let before: Vec<Verdict> = serde_json::from_str(&found.verdicts).map_err(AppError::internal)?;
    let chosen: Vec<String> =
        serde_json::from_str(&found.instrument_ids).map_err(AppError::internal)?;
    let versions = versions_of(txn, found).await?;
    let (registered, _) = registered(txn, &versions).await?;
    let refs = references(txn, &def, &registered, &found.id, found.check_in_at).await?;
    let facts = facts(txn, &def, found).await?;
    let (cause_record, why) = match cause {
        Cause::Voided(r) => (r, format!("参考校准记录 {} 已作废", r.number)),
        Cause::Late(r) => (r, format!("更早的校准记录 {} 后到", r.number)),
    };
    let evaluation = match judge(
        &def,
        &typed_inputs(&def, &stored),
        &chosen,
        &refs,
        &registered,
        &facts,
    ) {
        Ok(e) => e,
        Err(problems) => {
            // A filed record that no longer evaluates must not block the void or submission that
            // caused this: it is flagged for a person to look at instead.
            tracing::warn!(record = %found.number, ?problems, "a record could not be judged again");
            let reason = format!("{why}，本记录无法按新的参考重新判定，请人工核查");
            let flag = Flag {
                kind: FlagKind::Rejudged,
                reason: reason.clone(),
            };
            repo::record::append_flags(txn, found, &[flag], false).await?;
            audit::record(
                txn,
                app,
                Some(actor),
                "record.rejudge",
                Some(("record", &found.id)),
                Outcome::Ok,
                json!({"cause": cause_record.id, "reason": reason, "judged": false}),
            )
            .await?;
            return Ok(());
        }
    };
    let mut references = Vec::new();
    for reading in repo::calibration::readings_of(txn, &found.id).await? {
        let now = refs.of(&reading.instrument_id, &reading.parameter);
        repo::calibration::set_reference(txn, &reading, now.map(|(id, _)| id)).await?;
        references.push(ReferenceRef {
            section: reading.section.clone(),
            instrument_id: reading.instrument_id.clone(),
            parameter: reading.parameter.clone(),
            record_id: now.map(|(id, _)| id.to_string()),
            number: now.map(|(_, n)| n.to_string()),
        });
    }
    let now_against = references
        .iter()
        .map(|r| match &r.number {
            Some(n) => format!("{}以记录 {n} 为参考", r.parameter),
            None => format!("{}无更早的校准，按首次校准", r.parameter),
        })
        .collect::<Vec<_>>()
        .join("，");
    let changes = changes(&before, &evaluation.verdicts);
    let reason = format!("{why}，已复判：{now_against}；{changes}");
    let failed = evaluation.failures().next().is_some();
    let mut flags = vec![Flag {
        kind: FlagKind::Rejudged,
        reason: reason.clone(),
    }];
    flags.extend(
        evaluation
            .failures()
            .filter(|v| {
                !before
                    .iter()
                    .any(|b| b.path == v.path && b.outcome == v.outcome)
            })
            .map(|v| Flag {
                kind: FlagKind::FailedVerdict,
                reason: format!("复判 {}：{}", v.label, v.explanation),
            }),
    );
    let at = app.now();
    repo::calibration::insert_rejudgement(
        txn,
        rejudgement::Model {
            id: emss_domain::ids::new_id(),
            record_id: found.id.clone(),
            reason: reason.clone(),
            cause_record_id: Some(cause_record.id.clone()),
            references: serde_json::to_string(&references).map_err(AppError::internal)?,
            verdicts: serde_json::to_string(&evaluation.verdicts).map_err(AppError::internal)?,
            failed,
            created_at: at,
        },
    )
    .await?;
    repo::record::append_flags(txn, found, &flags, failed).await?;
    audit::record(
        txn,
        app,
        Some(actor),
        "record.rejudge",
        Some(("record", &found.id)),
        Outcome::Ok,
        json!({"cause": cause_record.id, "reason": reason, "failed": failed,
            "references": references}),
    )
    .await?;
    // What the record found now opens, widens, closes or cancels periods as a submission does.
    super::faults::after_judging(txn, app, Some(actor), found, &def, &evaluation, &refs).await
}

/// What changed between two judgements of a record, in words.
fn changes(before: &[Verdict], after: &[Verdict]) -> String {
    let changed: Vec<String> = after
        .iter()
        .filter_map(|v| {
            let old = before.iter().find(|b| b.path == v.path);
            match old {
                Some(b) if b.outcome == v.outcome => None,
                Some(b) => Some(format!(
                    "{} {} → {}",
                    v.label,
                    b.outcome.label(),
                    v.outcome.label()
                )),
                None => Some(format!("{} {}", v.label, v.outcome.label())),
            }
        })
        .collect();
    if changed.is_empty() {
        "判定结果未变".to_string()
    } else {
        changed.join("，")
    }
}
