//! Demo records: a week of 标样核查及校准 at the demo task's wastewater outlet, one in every
//! state — approved, voided with its reason, confirmed and waiting for review (one with a failed
//! verdict, one checked in far from the outlet), submitted and waiting for the enterprise (one
//! reusing an earlier photo) — and today's draft. Each check uses a standard solution the agency
//! registered (标准物质), whose certified value is the 标液浓度. Judged by the same evaluation as
//! any submission; the images are generated, then checked and stored like uploads, and each record
//! has the trail its filing, confirmation and review would have written.

use super::reference;
use crate::audit;
use crate::evidence::{EvidenceKind, store_generated};
use crate::{App, AppError};
use chrono::{DateTime, Days, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use emss_db::entity::{evidence, instrument, record, record_evidence, standard_material};
use emss_db::repo;
use emss_db::repo::task::TaskFilter;
use emss_domain::listing::PageRequest;
use emss_domain::record::{Flag, FlagKind, Position, RecordState, Stamp, VisitRules, visit_flags};
use emss_domain::{Actor, OrgKind, Role, Scope};
use image::{ImageEncoder, Rgb, RgbImage};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::io::Cursor;

/// Who files, confirms and reviews in the demo: (account id, name).
pub(crate) struct DemoPeople<'a> {
    pub filer: (&'a str, &'a str),
    pub confirmer: (&'a str, &'a str),
    pub reviewer: (&'a str, &'a str),
}

/// The trail a filing on the phone writes — check-in, submission, confirmation, review — by the
/// demo's people at the record's own times.
async fn trail(
    txn: &impl sea_orm::ConnectionTrait,
    r: &record::Model,
    people: &DemoPeople<'_>,
) -> Result<(), AppError> {
    let person = |(id, name): (&str, &str), org: &str, kind: OrgKind, role: Role| Actor {
        account_id: id.to_string(),
        username: String::new(),
        name: name.to_string(),
        org_id: org.to_string(),
        org_kind: kind,
        org_name: String::new(),
        district_code: None,
        roles: vec![role],
        is_main: false,
    };
    let filer = person(people.filer, &r.agency_id, OrgKind::Agency, Role::Filer);
    let confirmer = person(
        people.confirmer,
        &r.enterprise_id,
        OrgKind::Enterprise,
        Role::Confirmer,
    );
    let reviewer = person(
        people.reviewer,
        &r.agency_id,
        OrgKind::Agency,
        Role::Reviewer,
    );
    let mut steps = vec![(r.check_in_server_at, &filer, "record.create")];
    if let Some(at) = r.submitted_at {
        steps.push((at, &filer, "record.submit"));
    }
    if let Some(at) = r.confirmed_at {
        steps.push((at, &confirmer, "record.confirm"));
    }
    if let Some(at) = r.reviewed_at {
        let action = if r.state == RecordState::Voided.as_str() {
            "record.void"
        } else {
            "record.approve"
        };
        steps.push((at, &reviewer, action));
    }
    for (at, actor, action) in steps {
        audit::record_at(
            txn,
            at,
            Some(actor),
            action,
            Some(("record", &r.id)),
            audit::Outcome::Ok,
            json!({"number": r.number, "demo": true}),
        )
        .await?;
    }
    Ok(())
}

#[derive(Clone, Copy, PartialEq)]
enum Variant {
    Normal,
    /// 氨氮 reads 12 % high and is not recalibrated: the verdict fails.
    Fails,
    /// Checked in 1.2 km from the outlet.
    Far,
    /// Its evidence photo is the first record's.
    ReusedPhoto,
}

/// A picture of its own: blocks of colour drawn from the seed, so no two seeds look alike.
fn photo(seed: u32) -> Result<Vec<u8>, AppError> {
    let mut state = u64::from(seed) ^ 0x9E37_79B9_7F4A_7C15;
    let mut blocks = [0u8; 64];
    for b in &mut blocks {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        *b = (state >> 56) as u8;
    }
    let img = RgbImage::from_fn(640, 480, |x, y| {
        let v = blocks[((y / 60) * 8 + x / 80) as usize];
        Rgb([v, v / 3 + 80, 255 - v])
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .map_err(AppError::internal)?;
    Ok(out.into_inner())
}

fn signature(seed: u32) -> Result<Vec<u8>, AppError> {
    let img = RgbImage::from_fn(600, 200, |x, y| {
        let wave = 100.0 + 40.0 * ((x as f64) / (23.0 + f64::from(seed % 9))).sin();
        if (y as f64 - wave).abs() < 3.0 && x > 40 && x < 560 {
            Rgb([20, 20, 60])
        } else {
            Rgb([255, 255, 255])
        }
    });
    let mut out = Cursor::new(Vec::new());
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(img.as_raw(), 600, 200, image::ExtendedColorType::Rgb8)
        .map_err(AppError::internal)?;
    Ok(out.into_inner())
}

fn at(day: NaiveDate, hour: u32, minute: u32) -> Result<DateTime<Utc>, AppError> {
    let local = day
        .and_hms_opt(hour, minute, 0)
        .ok_or_else(|| AppError::internal("demo time"))?;
    Shanghai
        .from_local_datetime(&local)
        .single()
        .map(|t| t.with_timezone(&Utc))
        .ok_or_else(|| AppError::internal("demo time"))
}

/// The certified value of the standard solution for an instrument: half its range (HJ 355).
fn half_range(i: &instrument::Model) -> Decimal {
    let upper: Decimal = i.range_upper.parse().unwrap_or(Decimal::from(100));
    (upper / Decimal::from(2)).round_dp(3)
}

/// A standard solution for each instrument, registered by the agency, valid for a year.
async fn register_solutions(
    txn: &impl sea_orm::ConnectionTrait,
    agency_id: &str,
    instruments: &[instrument::Model],
    now: DateTime<Utc>,
) -> Result<Vec<String>, AppError> {
    let expires = emss_domain::time::shanghai_date(now)
        .checked_add_days(Days::new(365))
        .ok_or_else(|| AppError::internal("demo expiry"))?;
    let mut ids = Vec::new();
    for (n, i) in instruments.iter().enumerate() {
        let id = emss_domain::ids::new_id();
        repo::standard_material::insert(
            txn,
            standard_material::Model {
                id: id.clone(),
                org_id: agency_id.to_string(),
                kind: "solution".into(),
                certificate_no: format!("GBW(E)08{:04}", 3120 + n),
                producer: "国家标准物质研究中心".into(),
                lot_no: format!("B2611{:02}", n + 1),
                component: i.parameter.clone(),
                certified_value: half_range(i).normalize().to_string(),
                uncertainty: "U = 2 %，k = 2".into(),
                unit: i.unit.clone(),
                expires_on: expires,
                used_at: None,
                created_at: now,
                updated_at: now,
            },
        )
        .await?;
        ids.push(id);
    }
    Ok(ids)
}

/// The filled 标样核查 form for the chosen instruments, each with its registered solution.
fn fields(
    instruments: &[instrument::Model],
    solutions: &[String],
    checked_at: DateTime<Utc>,
    variant: Variant,
    photo_id: &str,
) -> Value {
    let analytes: Vec<Value> = instruments
        .iter()
        .zip(solutions)
        .map(|(i, solution)| {
            let standard = half_range(i);
            let factor = if variant == Variant::Fails && i.parameter == "氨氮" {
                Decimal::new(112, 2)
            } else {
                Decimal::new(103, 2)
            };
            json!({"instrument_id": i.id, "standard": solution,
                "reading": (standard * factor).round_dp(3).to_string(), "calibrated": "否"})
        })
        .collect();
    json!({
        "header": {"checked_at": checked_at.with_timezone(&Shanghai).to_rfc3339()},
        "analytes": analytes,
        "evidence": {"photos": [photo_id]},
    })
}

pub(crate) async fn load_demo(
    txn: &impl sea_orm::ConnectionTrait,
    app: &App,
    agency_id: &str,
    people: &DemoPeople<'_>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let today = emss_domain::time::shanghai_date(now);
    let tasks = repo::task::list(
        txn,
        &Scope::Agency(agency_id.to_string()),
        &TaskFilter {
            state: Some("in_progress".into()),
            ..TaskFilter::default()
        },
        today,
        PageRequest::new(Some(1), Some(10)),
    )
    .await?
    .items;
    let Some(task) = tasks.into_iter().find(|t| t.kind == "wastewater") else {
        return Ok(());
    };
    let bound = repo::task::bindings(txn, &task.id).await?;
    let Some(outlet_id) = bound
        .iter()
        .find(|b| b.kind == "outlet")
        .map(|b| b.ref_id.clone())
    else {
        return Ok(());
    };
    let Some(outlet) = repo::outlet::by_ids(txn, std::slice::from_ref(&outlet_id))
        .await?
        .pop()
    else {
        return Ok(());
    };
    let instruments: Vec<instrument::Model> = repo::outlet::instruments(txn, &outlet.id)
        .await?
        .into_iter()
        .filter(|i| i.parameter != "pH值")
        .collect();
    let enterprise = repo::organization::find(txn, &task.enterprise_id)
        .await?
        .ok_or_else(|| AppError::internal("demo enterprise"))?;
    let def = app.form_type("ww_standard_check", None).await?;
    let solutions = register_solutions(txn, agency_id, &instruments, now).await?;
    let (outlet_lat, outlet_lon): (f64, f64) = (
        outlet.latitude.parse().map_err(AppError::internal)?,
        outlet.longitude.parse().map_err(AppError::internal)?,
    );
    let plan = [
        (6, RecordState::Approved, Variant::Normal),
        (5, RecordState::Approved, Variant::Normal),
        (4, RecordState::Voided, Variant::Normal),
        (3, RecordState::Confirmed, Variant::Fails),
        (2, RecordState::Confirmed, Variant::Far),
        (1, RecordState::Submitted, Variant::ReusedPhoto),
        (0, RecordState::Submitted, Variant::Normal),
        (0, RecordState::Draft, Variant::Normal),
    ];
    let filer_org = (people.filer.0, agency_id);
    let mut first: Option<(String, evidence::Model)> = None;
    for (n, (days_ago, state, variant)) in plan.into_iter().enumerate() {
        let seed = u32::try_from(n).map_err(AppError::internal)?;
        let day = today
            .checked_sub_days(Days::new(days_ago))
            .ok_or_else(|| AppError::internal("demo date"))?;
        let check_in_at = at(day, 9, 30 + seed)?;
        let check_out_at = check_in_at + Duration::minutes(45);
        let id = emss_domain::ids::new_id();
        let number = super::number(day, &id);
        let evidence_photo = match (&first, variant) {
            (Some((_, reused)), Variant::ReusedPhoto) => reused.clone(),
            _ => {
                store_generated(
                    txn,
                    app,
                    EvidenceKind::EvidencePhoto,
                    &photo(seed)?,
                    filer_org,
                )
                .await?
            }
        };
        let offset = if variant == Variant::Far {
            0.011
        } else {
            0.0002
        };
        let position = |lat: f64, lon: f64| -> Result<Position, AppError> {
            Ok(Position {
                lat: Decimal::from_f64_retain(lat)
                    .ok_or_else(|| AppError::internal("demo lat"))?
                    .round_dp(6),
                lon: Decimal::from_f64_retain(lon)
                    .ok_or_else(|| AppError::internal("demo lon"))?
                    .round_dp(6),
                accuracy_m: Decimal::from(12),
            })
        };
        let check_in = Stamp {
            position: position(outlet_lat + offset, outlet_lon)?,
            phone_at: check_in_at,
            sent_at: None,
            server_at: check_in_at + Duration::seconds(2),
        };
        let check_out = Stamp {
            position: position(outlet_lat + 0.0001, outlet_lon + 0.0001)?,
            phone_at: check_out_at,
            sent_at: None,
            server_at: check_out_at + Duration::seconds(2),
        };
        let chosen: Vec<String> = instruments.iter().map(|i| i.id.clone()).collect();
        let versions: reference::Versions = instruments
            .iter()
            .map(|i| (i.id.clone(), i.version))
            .collect();
        let filled = fields(
            &instruments,
            &solutions,
            check_in_at + Duration::minutes(10),
            variant,
            &evidence_photo.id,
        );
        let mut model = record::Model {
            id: id.clone(),
            number: number.clone(),
            task_id: task.id.clone(),
            agency_id: task.agency_id.clone(),
            enterprise_id: task.enterprise_id.clone(),
            district_code: enterprise.district_code.clone().unwrap_or_default(),
            outlet_id: outlet.id.clone(),
            form_code: def.code.clone(),
            form_version: i32::try_from(def.version).map_err(AppError::internal)?,
            instrument_ids: serde_json::to_string(&chosen).map_err(AppError::internal)?,
            instrument_versions: serde_json::to_string(&versions).map_err(AppError::internal)?,
            fields: filled.to_string(),
            verdicts: "[]".into(),
            failed: false,
            flagged: false,
            state: state.as_str().into(),
            filer_id: people.filer.0.into(),
            filer_name: people.filer.1.into(),
            visit_date: day,
            check_in_lat: check_in.position.lat.to_string(),
            check_in_lon: check_in.position.lon.to_string(),
            check_in_accuracy_m: check_in.position.accuracy_m.to_string(),
            check_in_at,
            check_in_sent_at: None,
            check_in_server_at: check_in.server_at,
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
            created_at: check_in.server_at,
            updated_at: check_in.server_at,
        };
        if state == RecordState::Draft {
            repo::record::insert(txn, model).await?;
            continue;
        }
        let (registered, _) = reference::registered(txn, &versions).await?;
        let refs = reference::references(txn, &def, &registered, &id, check_in_at).await?;
        let facts = reference::facts(txn, &def, &model).await?;
        let evaluation = reference::judge(&def, &filled, &chosen, &refs, &registered, &facts)
            .map_err(|e| AppError::internal(format!("demo record does not evaluate: {e:?}")))?;
        let rules = VisitRules {
            minimum_visit_minutes: def.minimum_visit_minutes,
            ..VisitRules::at(outlet_lat, outlet_lon)
        };
        let mut flags = visit_flags(&check_in, &check_out, &rules);
        flags.extend(evaluation.failures().map(|v| Flag {
            kind: FlagKind::FailedVerdict,
            reason: format!("{}：{}", v.label, v.explanation),
        }));
        if let (Variant::ReusedPhoto, Some((earlier, _))) = (variant, &first) {
            flags.push(Flag {
                kind: FlagKind::DuplicatePhoto,
                reason: format!("现场照片与记录 {earlier} 中的照片相同"),
            });
        }
        let work_photo = store_generated(
            txn,
            app,
            EvidenceKind::WorkPhoto,
            &photo(100 + seed)?,
            filer_org,
        )
        .await?;
        let filer_signature = store_generated(
            txn,
            app,
            EvidenceKind::Signature,
            &signature(seed)?,
            filer_org,
        )
        .await?;
        let occurrence =
            repo::record::occurrence_for(txn, &task.id, &outlet.id, &def.code, day).await?;
        let submitted_at = check_out.server_at;
        model.fields = serde_json::to_string(&evaluation.fields).map_err(AppError::internal)?;
        model.verdicts = serde_json::to_string(&evaluation.verdicts).map_err(AppError::internal)?;
        model.failed = evaluation.failures().next().is_some();
        model.flagged = !flags.is_empty();
        model.check_out_lat = Some(check_out.position.lat.to_string());
        model.check_out_lon = Some(check_out.position.lon.to_string());
        model.check_out_accuracy_m = Some(check_out.position.accuracy_m.to_string());
        model.check_out_at = Some(check_out_at);
        model.check_out_server_at = Some(check_out.server_at);
        model.occurrence_id = occurrence.as_ref().map(|o| o.id.clone());
        model.submitted_at = Some(submitted_at);
        model.version = 2;
        model.updated_at = submitted_at;
        let mut links = vec![
            ("work_photo", work_photo.id.clone(), String::new()),
            ("signature", filer_signature.id.clone(), String::new()),
            (
                "evidence_photo",
                evidence_photo.id.clone(),
                "evidence.photos".to_string(),
            ),
        ];
        if matches!(
            state,
            RecordState::Confirmed | RecordState::Approved | RecordState::Voided
        ) {
            let confirmer = (people.confirmer.0, task.enterprise_id.as_str());
            let sig = store_generated(
                txn,
                app,
                EvidenceKind::Signature,
                &signature(50 + seed)?,
                confirmer,
            )
            .await?;
            let face = store_generated(
                txn,
                app,
                EvidenceKind::WorkPhoto,
                &photo(200 + seed)?,
                confirmer,
            )
            .await?;
            links.push(("confirm_signature", sig.id, String::new()));
            links.push(("confirm_photo", face.id, String::new()));
            model.confirmed_by = Some(people.confirmer.0.into());
            model.confirmed_by_name = Some(people.confirmer.1.into());
            model.confirmed_at = Some(at(day, 17, 10)?);
            model.version = 3;
        }
        if matches!(state, RecordState::Approved | RecordState::Voided) {
            let reviewer = (people.reviewer.0, agency_id);
            let sig = store_generated(
                txn,
                app,
                EvidenceKind::Signature,
                &signature(80 + seed)?,
                reviewer,
            )
            .await?;
            let face = store_generated(
                txn,
                app,
                EvidenceKind::WorkPhoto,
                &photo(300 + seed)?,
                reviewer,
            )
            .await?;
            links.push(("review_signature", sig.id, String::new()));
            links.push(("review_photo", face.id, String::new()));
            model.reviewed_by = Some(people.reviewer.0.into());
            model.reviewed_by_name = Some(people.reviewer.1.into());
            model.reviewed_at = Some(at(day + Days::new(1), 9, 5)?);
            model.version = 4;
            if state == RecordState::Voided {
                model.void_reason = Some(
                    "核查过程照片未拍到标液瓶标签，无法证明使用了有证标准溶液，请重新核查".into(),
                );
            }
        }
        model.updated_at = model
            .reviewed_at
            .or(model.confirmed_at)
            .unwrap_or(submitted_at);
        repo::record::insert(txn, model.clone()).await?;
        repo::standard_material::mark_used(txn, agency_id, &solutions, submitted_at).await?;
        let flag_rows = super::flag_rows(&id, &flags)?;
        repo::record::insert_flags(txn, &model, flag_rows).await?;
        repo::calibration::insert_readings(
            txn,
            reference::readings(&model, &evaluation.fields, &refs),
        )
        .await?;
        super::faults::after_judging(txn, app, None, &model, &def, &evaluation, &refs).await?;
        if state == RecordState::Voided {
            super::faults::after_void(txn, app, None, &model).await?;
        }
        repo::record::link_evidence(
            txn,
            links
                .into_iter()
                .map(|(role, evidence_id, field_path)| record_evidence::Model {
                    record_id: id.clone(),
                    evidence_id,
                    role: role.into(),
                    field_path,
                })
                .collect(),
        )
        .await?;
        if state != RecordState::Voided
            && let Some(o) = &occurrence
        {
            repo::record::fulfil(
                txn,
                &o.id,
                &id,
                emss_domain::time::shanghai_date(submitted_at),
            )
            .await?;
        }
        trail(txn, &model, people).await?;
        if first.is_none() {
            first = Some((number, evidence_photo));
        }
    }
    Ok(())
}
