//! 结束签到并上传: the whole form judged against its catalogue version, every derived value and
//! verdict computed here, the flags raised with their reasons, the images bound to the record,
//! the due occurrence marked done. From here on the record's content never changes.

use super::reference::{self, Cause, ReferenceRef};
use super::{FlagView, StampInput, faults, flag_rows, own_draft};
use crate::audit::{self, Outcome};
use crate::error::FieldErrors;
use crate::evidence::{SAME_PICTURE_BITS, perceptual_distance};
use crate::idempotency::{self, Keyed};
use crate::{App, AppError};
use emss_db::entity::{evidence, record, record_evidence};
use emss_db::repo;
use emss_domain::form::definition::{FormDefinition, Kind};
use emss_domain::form::evaluate::Verdict;
use emss_domain::record::{
    Flag, FlagKind, Position, RecordState, Stamp, VisitRules, stamp_time_problem, visit_flags,
};
use emss_domain::{Actor, ErrorCode, Permission};
use rust_decimal::prelude::ToPrimitive;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use std::collections::HashSet;

/// How many of an outlet's latest records a new evidence photo is compared with, picture by
/// picture (near-duplicates have no index).
const NEAR_DUPLICATE_RECORDS: u64 = 200;

/// How many of the records a reused photo was found on its flag names (the latest); the rest
/// are counted.
const NAMED_RECORDS: u64 = 5;

#[derive(Debug, Clone)]
pub struct SubmitInput {
    pub check_out: StampInput,
    pub work_photo_id: String,
    pub signature_id: String,
}

/// What a submission answers: the record's new state, its verdicts and its flags.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Submitted {
    pub id: String,
    pub number: String,
    pub state: String,
    /// The earlier calibration each instrument's drift was judged against (none: 首次校准).
    pub references: Vec<ReferenceRef>,
    /// Each judged verdict with its value, limit and source.
    #[schema(value_type = Vec<Object>)]
    pub verdicts: Vec<Verdict>,
    pub flags: Vec<FlagView>,
}

pub async fn submit(
    app: &App,
    actor: &Actor,
    id: &str,
    input: SubmitInput,
    keyed: Option<&Keyed>,
) -> Result<Submitted, AppError> {
    if !Permission::FileRecords.allows(Some(actor)) {
        return Err(AppError::new(ErrorCode::NotFound));
    }
    idempotency::once(app, actor, keyed, || {
        submit_once(app, actor, id, input, keyed)
    })
    .await
}

/// One of the filer's own images of the given kind, or the message for the field.
pub(super) async fn own_image(
    app: &App,
    actor: &Actor,
    id: &str,
    kind: &str,
    missing: &'static str,
) -> Result<Result<evidence::Model, &'static str>, AppError> {
    if id.trim().is_empty() {
        return Ok(Err(missing));
    }
    Ok(
        match repo::evidence::get(&app.db().conn, id.trim()).await? {
            Some(e) if e.uploaded_by == actor.account_id && e.kind == kind => Ok(e),
            Some(e) if e.uploaded_by == actor.account_id => Err(match kind {
                "signature" => "这不是签名图片，请重新签名",
                "work_photo" => "这不是工作照，请用相机拍摄工作照",
                _ => "这不是现场照片",
            }),
            _ => Err("图片不存在，请重新上传"),
        },
    )
}

/// The evidence photo ids a form's photo fields hold, with where they sit.
fn photo_ids(def: &FormDefinition, fields: &Value) -> Vec<(String, String)> {
    let photo_fields: HashSet<&str> = def
        .all_fields()
        .into_iter()
        .filter(|(_, f)| f.kind == Kind::Photos)
        .map(|(_, f)| f.id.as_str())
        .collect();
    let mut out = Vec::new();
    walk(fields, "", &photo_fields, &mut out);
    out
}

fn walk(v: &Value, path: &str, photo_fields: &HashSet<&str>, out: &mut Vec<(String, String)>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = if path.is_empty() {
                    k.clone()
                } else {
                    format!("{path}.{k}")
                };
                match child {
                    Value::Array(ids) if photo_fields.contains(k.as_str()) => out.extend(
                        ids.iter()
                            .filter_map(Value::as_str)
                            .map(|id| (p.clone(), id.to_string())),
                    ),
                    _ => walk(child, &p, photo_fields, out),
                }
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                walk(child, &format!("{path}[{i}]"), photo_fields, out);
            }
        }
        _ => {}
    }
}

fn stored_position(lat: &str, lon: &str, accuracy: &str) -> Option<Position> {
    Some(Position {
        lat: lat.parse().ok()?,
        lon: lon.parse().ok()?,
        accuracy_m: accuracy.parse().ok()?,
    })
}

/// The flags of where and when the visit happened.
fn place_and_time_flags(
    found: &record::Model,
    check_out: &Stamp,
    outlet_position: Option<(f64, f64)>,
    def: &FormDefinition,
) -> Result<Vec<Flag>, AppError> {
    let check_in = Stamp {
        position: stored_position(
            &found.check_in_lat,
            &found.check_in_lon,
            &found.check_in_accuracy_m,
        )
        .ok_or_else(|| AppError::internal("a stored check-in does not read"))?,
        phone_at: found.check_in_at,
        sent_at: found.check_in_sent_at,
        server_at: found.check_in_server_at,
    };
    let (lat, lon) = outlet_position.unwrap_or((
        check_in.position.lat.to_f64().unwrap_or_default(),
        check_in.position.lon.to_f64().unwrap_or_default(),
    ));
    let rules = VisitRules {
        minimum_visit_minutes: def.minimum_visit_minutes,
        ..VisitRules::at(lat, lon)
    };
    let mut flags = visit_flags(&check_in, check_out, &rules);
    if outlet_position.is_none() {
        // Without the outlet's position the distance cannot be judged: say so rather than pass.
        flags.retain(|f| f.kind != FlagKind::FarFromOutlet);
        flags.insert(
            0,
            Flag {
                kind: FlagKind::FarFromOutlet,
                reason: "排口未登记经纬度，无法核对签到、签退位置".to_string(),
            },
        );
    }
    Ok(flags)
}

/// A photo already on another record: the same pixels or perceptual hash anywhere, and for
/// evidence photos also a near match among the outlet's recent records. Faces of one filer are
/// alike, so work photos count only when they are the same picture.
async fn reused_photos(
    app: &App,
    found: &record::Model,
    images: &[(String, evidence::Model)],
) -> Result<Vec<Flag>, AppError> {
    let db = &app.db().conn;
    let mut flags = Vec::new();
    let recent =
        repo::record::recent_photos_at(db, &found.outlet_id, NEAR_DUPLICATE_RECORDS).await?;
    let mut seen: HashSet<String> = HashSet::new();
    for (label, image) in images {
        let mut others: Vec<String> = repo::record::same_picture_elsewhere(db, image)
            .await?
            .into_iter()
            .filter(|(record_id, _)| record_id != &found.id)
            .map(|(record_id, _)| record_id)
            .collect();
        if image.kind == "evidence_photo" {
            others.extend(
                recent
                    .iter()
                    .filter(|(record_id, other)| {
                        record_id != &found.id
                            && other.id != image.id
                            && perceptual_distance(&other.perceptual_hash, &image.perceptual_hash)
                                .is_some_and(|d| d <= SAME_PICTURE_BITS)
                    })
                    .map(|(record_id, _)| record_id.clone()),
            );
        }
        others.sort();
        others.dedup();
        if others.is_empty() || !seen.insert(image.id.clone()) {
            continue;
        }
        let numbers = repo::record::numbers_of(db, &others, NAMED_RECORDS).await?;
        let reason = if others.len() > numbers.len() {
            format!(
                "{label}与记录 {} 等 {} 条记录中的照片相同",
                numbers.join("、"),
                others.len()
            )
        } else {
            format!("{label}与记录 {} 中的照片相同", numbers.join("、"))
        };
        flags.push(Flag {
            kind: FlagKind::DuplicatePhoto,
            reason,
        });
    }
    Ok(flags)
}

async fn submit_once(
    app: &App,
    actor: &Actor,
    id: &str,
    input: SubmitInput,
    keyed: Option<&Keyed>,
) -> Result<Submitted, AppError> {
    let mut found = own_draft(app, actor, id).await?;
    let db = &app.db().conn;
    let mut errors = FieldErrors::new();
    let position = input.check_out.position();
    if let Err(problem) = position {
        errors.add("check_out", problem);
    }
    errors.check(
        "check_out",
        stamp_time_problem(input.check_out.at, app.now()),
    );
    let work_photo = own_image(
        app,
        actor,
        &input.work_photo_id,
        "work_photo",
        "请拍摄工作照",
    )
    .await?;
    if let Err(problem) = &work_photo {
        errors.add("work_photo_id", *problem);
    }
    let signature = own_image(app, actor, &input.signature_id, "signature", "请签名").await?;
    if let Err(problem) = &signature {
        errors.add("signature_id", *problem);
    }
    let version = u32::try_from(found.form_version).map_err(AppError::internal)?;
    let def = app.form_type(&found.form_code, Some(version)).await?;
    let fields: Value = serde_json::from_str(&found.fields).map_err(AppError::internal)?;
    let chosen: Vec<String> =
        serde_json::from_str(&found.instrument_ids).map_err(AppError::internal)?;
    // Parameter, range and unit come from the instruments' records as they stood at check-in;
    // "上次校准后测试值" from the latest earlier submitted calibration.
    let versions = reference::versions_of(db, &found).await?;
    let (registered, _) = reference::registered(db, &versions).await?;
    let refs = reference::references(db, &def, &registered, &found.id, found.check_in_at).await?;
    // The standard materials chosen come from the agency's registry (certified value, expiry);
    // some limits apply only below the outlet's emission limit.
    let facts = reference::facts(db, &def, &found).await?;
    let evaluation = match reference::judge(&def, &fields, &chosen, &refs, &registered, &facts) {
        Ok(e) => Some(e),
        Err(problems) => {
            for (path, message) in problems {
                errors.add(&path, message);
            }
            None
        }
    };
    let mut photos: Vec<(String, evidence::Model)> = Vec::new();
    if let Some(e) = &evaluation {
        for (path, photo_id) in photo_ids(&def, &Value::Object(e.fields.clone())) {
            match own_image(app, actor, &photo_id, "evidence_photo", "请上传现场照片").await?
            {
                Ok(image) => photos.push((path, image)),
                Err(problem) => errors.add(&path, problem),
            }
        }
    }
    errors.into_result()?;
    let (Some(evaluation), Ok(position), Ok(work_photo), Ok(signature)) =
        (evaluation, position, work_photo, signature)
    else {
        return Err(AppError::internal("a checked submission lost a part"));
    };

    let now = app.now();
    let check_out = Stamp {
        position,
        phone_at: input.check_out.at,
        sent_at: input.check_out.sent_at,
        server_at: now,
    };
    let outlet = repo::outlet::by_ids(db, std::slice::from_ref(&found.outlet_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::internal("a record's outlet is missing"))?;
    let outlet_position = outlet
        .latitude
        .parse::<f64>()
        .ok()
        .zip(outlet.longitude.parse::<f64>().ok());
    let mut flags = place_and_time_flags(&found, &check_out, outlet_position, &def)?;
    flags.extend(evaluation.failures().map(|v| Flag {
        kind: FlagKind::FailedVerdict,
        reason: format!("{}：{}", v.label, v.explanation),
    }));
    let mut images: Vec<(String, evidence::Model)> =
        vec![("工作照".to_string(), work_photo.clone())];
    images.extend(
        photos
            .iter()
            .map(|(_, image)| ("现场照片".to_string(), image.clone())),
    );
    flags.extend(reused_photos(app, &found, &images).await?);

    let occurrence = repo::record::occurrence_for(
        db,
        &found.task_id,
        &found.outlet_id,
        &found.form_code,
        found.visit_date,
    )
    .await?;
    let expected = found.version;
    found.fields = serde_json::to_string(&evaluation.fields).map_err(AppError::internal)?;
    found.instrument_versions = serde_json::to_string(&versions).map_err(AppError::internal)?;
    found.verdicts = serde_json::to_string(&evaluation.verdicts).map_err(AppError::internal)?;
    found.failed = evaluation.failures().next().is_some();
    found.flagged = !flags.is_empty();
    found.state = RecordState::Submitted.as_str().to_string();
    found.check_out_lat = Some(position.lat.to_string());
    found.check_out_lon = Some(position.lon.to_string());
    found.check_out_accuracy_m = Some(position.accuracy_m.to_string());
    found.check_out_at = Some(check_out.phone_at);
    found.check_out_sent_at = check_out.sent_at;
    found.check_out_server_at = Some(now);
    found.occurrence_id = occurrence.as_ref().map(|o| o.id.clone());
    found.submitted_at = Some(now);
    found.version += 1;
    found.updated_at = now;

    let mut links = vec![
        record_evidence::Model {
            record_id: found.id.clone(),
            evidence_id: work_photo.id.clone(),
            role: "work_photo".into(),
            field_path: String::new(),
        },
        record_evidence::Model {
            record_id: found.id.clone(),
            evidence_id: signature.id.clone(),
            role: "signature".into(),
            field_path: String::new(),
        },
    ];
    let mut linked: HashSet<String> = HashSet::new();
    for (path, image) in &photos {
        if linked.insert(image.id.clone()) {
            links.push(record_evidence::Model {
                record_id: found.id.clone(),
                evidence_id: image.id.clone(),
                role: "evidence_photo".into(),
                field_path: path.clone(),
            });
        }
    }
    let flag_rows = flag_rows(&found.id, &flags)?;
    let readings = reference::readings(&found, &evaluation.fields, &refs);
    let answer = Submitted {
        id: found.id.clone(),
        number: found.number.clone(),
        state: found.state.clone(),
        references: reference::references_of(&readings, &refs),
        verdicts: evaluation.verdicts.clone(),
        flags: flags
            .iter()
            .map(|f| FlagView {
                kind: f.kind.as_str().to_string(),
                label: f.kind.label().to_string(),
                reason: f.reason.clone(),
            })
            .collect(),
    };

    let txn = app.db().begin_write().await?;
    if !repo::record::save(&txn, found.clone(), expected).await? {
        return Err(AppError::field("version", "记录已被修改，请刷新后再提交"));
    }
    repo::record::insert_flags(&txn, &found, flag_rows).await?;
    repo::calibration::insert_readings(&txn, readings).await?;
    repo::record::link_evidence(&txn, links).await?;
    repo::standard_material::mark_used(
        &txn,
        &found.agency_id,
        &emss_domain::form::standard::chosen(&def, &evaluation.fields),
        app.now(),
    )
    .await?;
    if let Some(o) = &occurrence {
        repo::record::fulfil(
            &txn,
            &o.id,
            &found.id,
            emss_domain::time::shanghai_date(now),
        )
        .await?;
    }
    audit::record(
        &txn,
        app,
        Some(actor),
        "record.submit",
        Some(("record", &found.id)),
        Outcome::Ok,
        json!({"check_out": {"lat": found.check_out_lat, "lon": found.check_out_lon,
                "accuracy_m": found.check_out_accuracy_m, "phone_at": found.check_out_at},
            "work_photo": work_photo.blob_key, "signature": signature.blob_key,
            "failed": found.failed, "flags": answer.flags.iter().map(|f| &f.kind).collect::<Vec<_>>(),
            "occurrence_id": found.occurrence_id}),
    )
    .await?;
    faults::after_judging(&txn, app, Some(actor), &found, &def, &evaluation, &refs).await?;
    if reference::uses_references(&def) {
        // A calibration of an earlier visit arriving now changes the reference of the next one.
        reference::rejudge_after(&txn, app, actor, Cause::Late(&found)).await?;
    }
    idempotency::keep(&txn, app, actor, keyed, &answer).await?;
    txn.commit().await?;
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photo_ids_are_found_with_their_place() {
        let photo_fields: HashSet<&str> = ["photos"].into_iter().collect();
        let mut found = Vec::new();
        walk(
            &serde_json::json!({"site": {"photos": ["a", "b"], "note": "x"},
                "other": [{"photos": ["c"]}]}),
            "",
            &photo_fields,
            &mut found,
        );
        assert_eq!(
            found,
            vec![
                ("other[0].photos".to_string(), "c".to_string()),
                ("site.photos".to_string(), "a".to_string()),
                ("site.photos".to_string(), "b".to_string()),
            ]
        );
    }
}
