//! Two years of records with their flags, evidence metadata, links, occurrences and audit entries.

use super::tasks::Task;
use super::{
    BACKLOG_DAYS, FILERS, FORM, Ids, RECORDS_PER_TXN, SETTLED_DAYS, hex_of, progress, put,
};
use crate::scale::Scale;
use anyhow::Result;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use emss_db::Database;
use emss_db::entity::{
    audit_entry, evidence, flagged_record, occurrence, record, record_evidence, record_flag,
};
use emss_domain::audit::{self, Entry, GENESIS, Hash};
use sea_orm::{EntityTrait, QueryOrder, QuerySelect};
use serde_json::json;
/// One record's rows, and the audit entry of its submission.
#[derive(Default)]
struct Batch {
    records: Vec<record::Model>,
    flags: Vec<record_flag::Model>,
    flagged: Vec<flagged_record::Model>,
    evidence: Vec<evidence::Model>,
    links: Vec<record_evidence::Model>,
    occurrences: Vec<occurrence::Model>,
    audit: Vec<audit_entry::Model>,
}

impl Batch {
    async fn write(self, db: &Database) -> Result<()> {
        let txn = db.begin_write().await?;
        put(&txn, self.records).await?;
        put(&txn, self.flags).await?;
        put(&txn, self.flagged).await?;
        put(&txn, self.evidence).await?;
        put(&txn, self.links).await?;
        put(&txn, self.occurrences).await?;
        put(&txn, self.audit).await?;
        txn.commit().await?;
        Ok(())
    }
}

/// The audit chain as it stands: next position and the last chain hash.
async fn chain_head(db: &Database) -> Result<(u64, Hash)> {
    let last: Option<(i64, String)> = audit_entry::Entity::find()
        .select_only()
        .column(audit_entry::Column::Seq)
        .column(audit_entry::Column::ChainHash)
        .order_by_desc(audit_entry::Column::Seq)
        .into_tuple()
        .one(&db.conn)
        .await?;
    Ok(match last {
        None => (0, GENESIS),
        Some((seq, hash)) => {
            let mut out = GENESIS;
            hex::decode_to_slice(&hash, &mut out)?;
            (seq as u64 + 1, out)
        }
    })
}

/// Two years of records, day by day so the audit log runs forward in time; each task gets its
/// share, one record fulfils each of the last eight weeks' occurrences except about one in ten
/// (those show as 超期).
pub(super) async fn records(
    db: &Database,
    scale: &Scale,
    ids: &Ids,
    tasks: &[Task],
    form_version: i32,
    now: DateTime<Utc>,
    rng: &mut fastrand::Rng,
) -> Result<()> {
    let today = emss_domain::time::shanghai_date(now);
    let days = 730i64;
    let per_day = scale.records as f64 / (tasks.len().max(1) as f64 * days as f64);
    let bar = progress(scale.records, "运维记录");
    let (mut seq, mut previous) = chain_head(db).await?;
    let mut batch = Batch::default();
    let mut made = 0usize;
    for ago in (0..days).rev() {
        let day = today - Duration::days(ago);
        for task in tasks {
            let week = (ago + 6) / 7;
            let occurrence_day = ago % 7 == 5 && (1..=8).contains(&week);
            let due = occurrence_day && (task.number as i64 + week) % 10 != 0;
            let mut count = per_day.floor() as usize + usize::from(rng.f64() < per_day.fract());
            if due {
                count = count.max(1);
            }
            if made + count > scale.records && !due {
                count = scale.records.saturating_sub(made);
            }
            for n in 0..count {
                let occurrence = (due && n == 0).then(|| occurrence_of(task, ids, day));
                let row = one_record(ids, task, day, ago, form_version, occurrence.as_ref(), rng);
                let entry = Entry {
                    seq,
                    at: audit::format_at(row.record.submitted_at.unwrap_or(now)),
                    actor_id: Some(row.record.filer_id.clone()),
                    org_id: Some(row.record.agency_id.clone()),
                    roles: "filer".into(),
                    action: "record.submit".into(),
                    object_type: Some("record".into()),
                    object_id: Some(row.record.id.clone()),
                    outcome: "ok".into(),
                    request_id: None,
                    ip: Some("127.0.0.1".into()),
                    detail: json!({"number": row.record.number, "flags": row.flags.len()}),
                };
                let leaf = entry.leaf_hash();
                previous = audit::chain(&previous, &leaf);
                let mut detail = String::new();
                audit::write_canonical(&entry.detail, &mut detail);
                batch.audit.push(audit_entry::Model {
                    seq: seq as i64,
                    at: audit::truncate_to_micros(row.record.submitted_at.unwrap_or(now)),
                    actor_id: entry.actor_id,
                    org_id: entry.org_id,
                    roles: entry.roles,
                    action: entry.action,
                    object_type: entry.object_type,
                    object_id: entry.object_id,
                    outcome: entry.outcome,
                    request_id: None,
                    ip: entry.ip,
                    detail,
                    leaf_hash: hex::encode(leaf),
                    chain_hash: hex::encode(previous),
                });
                seq += 1;
                if let Some(mut o) = occurrence {
                    o.record_id = Some(row.record.id.clone());
                    o.fulfilled_on = row
                        .record
                        .submitted_at
                        .map(emss_domain::time::shanghai_date);
                    batch.occurrences.push(o);
                }
                batch
                    .flagged
                    .extend(emss_db::repo::record::flagged_rows(&row.record, &row.flags));
                batch.records.push(row.record);
                batch.flags.extend(row.flags);
                batch.evidence.extend(row.evidence);
                batch.links.extend(row.links);
                made += 1;
                bar.inc(1);
            }
            if occurrence_day && !due {
                batch.occurrences.push(occurrence_of(task, ids, day));
            }
            if batch.records.len() >= RECORDS_PER_TXN {
                std::mem::take(&mut batch).write(db).await?;
            }
        }
    }
    batch.write(db).await?;
    bar.finish();
    Ok(())
}

fn occurrence_of(task: &Task, ids: &Ids, day: NaiveDate) -> occurrence::Model {
    let period_start = day - Duration::days(2);
    occurrence::Model {
        id: emss_domain::ids::new_id(),
        task_id: task.id.clone(),
        plan_id: task.plan_id.clone(),
        agency_id: ids.agencies[task.agency].clone(),
        enterprise_id: ids.enterprises[task.enterprise].0.clone(),
        outlet_id: ids.outlets[task.enterprise].0.clone(),
        form_code: FORM.into(),
        period_start,
        period_end: period_start + Duration::days(6),
        record_id: None,
        fulfilled_on: None,
    }
}

struct OneRecord {
    record: record::Model,
    flags: Vec<record_flag::Model>,
    evidence: Vec<evidence::Model>,
    links: Vec<record_evidence::Model>,
}

fn one_record(
    ids: &Ids,
    task: &Task,
    day: NaiveDate,
    ago: i64,
    form_version: i32,
    occurrence: Option<&occurrence::Model>,
    rng: &mut fastrand::Rng,
) -> OneRecord {
    let id = emss_domain::ids::new_id();
    let (filer_id, filer_name, _) = &ids.filers[task.agency][rng.usize(..FILERS)];
    let (enterprise_id, district, admin_id, admin_name) = &ids.enterprises[task.enterprise];
    let (outlet_id, lat, lon, instruments) = &ids.outlets[task.enterprise];
    let (reviewer_id, reviewer_name) = &ids.reviewers[task.agency];
    // 08:30–16:30 Shanghai time is 00:30–08:30 UTC.
    let check_in = day.and_hms_opt(0, 30, 0).unwrap_or_default().and_utc()
        + Duration::minutes(rng.i64(0..480));
    let short = rng.f64() < 0.04;
    let minutes = if short {
        rng.i64(3..10)
    } else {
        rng.i64(12..90)
    };
    let check_out = check_in + Duration::minutes(minutes);
    let failed = rng.f64() < 0.01;
    let state = if task.agency == 0 && ago < BACKLOG_DAYS {
        "confirmed"
    } else if ago < 7 {
        ["submitted", "confirmed"][rng.usize(..2)]
    } else if ago < SETTLED_DAYS {
        ["confirmed", "approved", "approved"][rng.usize(..3)]
    } else if rng.f64() < 0.01 {
        "voided"
    } else {
        "approved"
    };
    let confirmed = state != "submitted";
    let reviewed = state == "approved" || state == "voided";
    let mut flags = Vec::new();
    if short {
        flags.push(record_flag::Model {
            record_id: id.clone(),
            position: 0,
            kind: "short_visit".into(),
            reason: format!("现场停留 {minutes} 分钟，少于该表单要求的 10 分钟"),
        });
    }
    if failed {
        flags.push(record_flag::Model {
            record_id: id.clone(),
            position: flags.len() as i32,
            kind: "failed_verdict".into(),
            reason: "标准样品有效期早于更换日期".into(),
        });
    }
    let mut evidence = Vec::new();
    let mut links = Vec::new();
    for (kind, w, h, size) in [
        ("work_photo", 1280, 960, 180_000),
        ("signature", 600, 200, 9_000),
        ("evidence_photo", 1280, 960, 210_000),
    ] {
        let evidence_id = emss_domain::ids::new_id();
        evidence.push(evidence::Model {
            id: evidence_id.clone(),
            kind: kind.into(),
            org_id: ids.agencies[task.agency].clone(),
            uploaded_by: filer_id.clone(),
            blob_key: hex_of(rng, 32),
            content_type: if kind == "signature" {
                "image/png"
            } else {
                "image/jpeg"
            }
            .into(),
            width: w,
            height: h,
            size: size + rng.i64(0..20_000),
            pixels_sha256: hex_of(rng, 32),
            perceptual_hash: hex_of(rng, 8),
            uploaded_at: check_in + Duration::minutes(minutes / 2),
        });
        links.push(record_evidence::Model {
            record_id: id.clone(),
            evidence_id,
            role: kind.into(),
            field_path: if kind == "evidence_photo" {
                "items.photos".into()
            } else {
                String::new()
            },
        });
    }
    let photo = links[2].evidence_id.clone();
    let replaced = day.format("%Y-%m-%d").to_string();
    let fields = json!({"items": {
        "standards": [{
            "name": "化学需氧量标准溶液（邻苯二甲酸氢钾）", "concentration": "250",
            "concentration_unit": "mg/L", "quantity": "1",
            "prepared_on": (day - Duration::days(2)).format("%Y-%m-%d").to_string(),
            "prepared_by": filer_name, "replaced_on": replaced, "replaced_by": filer_name,
            "expiry": (day + if failed { Duration::days(-1) } else { Duration::days(30) })
                .format("%Y-%m-%d").to_string()
        }],
        "photos": [photo]
    }});
    let stamp = |lat: f64, jitter: f64| format!("{:.7}", lat + jitter);
    let record = record::Model {
        number: format!("YW{}-{}", day.format("%Y%m%d"), id[..6].to_uppercase()),
        id: id.clone(),
        task_id: task.id.clone(),
        agency_id: ids.agencies[task.agency].clone(),
        enterprise_id: enterprise_id.clone(),
        district_code: district.clone(),
        outlet_id: outlet_id.clone(),
        form_code: FORM.into(),
        form_version,
        instrument_ids: json!([instruments[0]]).to_string(),
        instrument_versions: json!({ instruments[0].clone(): 1 }).to_string(),
        fields: fields.to_string(),
        // No judged values on this form's generated fields; the flag carries the failure.
        verdicts: "[]".into(),
        failed,
        flagged: !flags.is_empty(),
        state: state.into(),
        filer_id: filer_id.clone(),
        filer_name: filer_name.clone(),
        visit_date: day,
        check_in_lat: stamp(*lat, rng.f64() * 0.0004),
        check_in_lon: stamp(*lon, rng.f64() * 0.0004),
        check_in_accuracy_m: format!("{:.1}", 5.0 + rng.f64() * 20.0),
        check_in_at: check_in,
        check_in_sent_at: None,
        check_in_server_at: check_in,
        check_out_lat: Some(stamp(*lat, rng.f64() * 0.0004)),
        check_out_lon: Some(stamp(*lon, rng.f64() * 0.0004)),
        check_out_accuracy_m: Some(format!("{:.1}", 5.0 + rng.f64() * 20.0)),
        check_out_at: Some(check_out),
        check_out_sent_at: None,
        check_out_server_at: Some(check_out),
        occurrence_id: occurrence.map(|o| o.id.clone()),
        submitted_at: Some(check_out),
        confirmed_by: confirmed.then(|| admin_id.clone()),
        confirmed_by_name: confirmed.then(|| admin_name.clone()),
        confirmed_at: confirmed.then(|| check_out + Duration::hours(20)),
        reviewed_by: reviewed.then(|| reviewer_id.clone()),
        reviewed_by_name: reviewed.then(|| reviewer_name.clone()),
        reviewed_at: reviewed.then(|| check_out + Duration::hours(44)),
        void_reason: (state == "voided").then(|| "现场照片与记录不符，作废".into()),
        acknowledgement: None,
        version: if reviewed {
            4
        } else if confirmed {
            3
        } else {
            2
        },
        created_at: check_in,
        updated_at: check_out,
    };
    OneRecord {
        record,
        flags,
        evidence,
        links,
    }
}
